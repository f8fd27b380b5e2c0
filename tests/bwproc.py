"""Run the real ``borderwatch`` command in a subprocess, as cron would, and watch it: wall time, peak memory,
exit status, captured output; kill it with SIGKILL mid-way. Subprocesses talk to the session's Prefect test
API (``prefect_api_env``) instead of each starting a temporary Prefect server (~10 s saved per run)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

BORDERWATCH = str(Path(sys.executable).with_name("borderwatch"))


@dataclass
class Finished:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss_mb: float  # the run's own peak resident set (ru_maxrss of the reaped child)

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@pytest.fixture
def prefect_api_env(prefect_harness) -> dict[str, str]:
    """Environment for a ``borderwatch`` subprocess: the session's Prefect API, no borderwatch overrides."""
    from prefect.settings import get_current_settings

    env = {k: v for k, v in os.environ.items() if not k.startswith("BORDERWATCH_")}
    env.update(PREFECT_API_URL=str(get_current_settings().api.url), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PYTHONUNBUFFERED="1")
    return env


def write_config(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


class Run:
    """One ``borderwatch ARGS`` process in its own session (so SIGKILL reaches its pool workers too)."""

    def __init__(self, args: list[str], env: dict[str, str], workdir: Path, name: str = "run"):
        self.out_path, self.err_path = workdir / f"{name}.out", workdir / f"{name}.err"
        self._out, self._err = open(self.out_path, "wb"), open(self.err_path, "wb")  # noqa: SIM115
        self.started = time.monotonic()
        self.proc = subprocess.Popen([BORDERWATCH, *args], env=env, stdout=self._out, stderr=self._err,
                                     stdin=subprocess.DEVNULL, start_new_session=True, cwd=workdir)
        self.pid = self.proc.pid

    def stderr_so_far(self) -> str:
        return self.err_path.read_text(errors="replace")

    def wait(self, timeout: float = 120) -> Finished:
        """Reap the process with wait4 (for its rusage); on timeout kill it and fail the test."""
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(self.pid, os.WNOHANG)
            if pid == self.pid:
                break
            if time.monotonic() > deadline:
                self.kill()
                pytest.fail(f"borderwatch {self.proc.args[1:]} did not finish within {timeout:g}s:\n"
                            f"{self.stderr_so_far()[-3000:]}")
            time.sleep(0.05)
        seconds = time.monotonic() - self.started
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        self._close()
        return Finished(self.proc.returncode, self.out_path.read_text(errors="replace"),
                        self.err_path.read_text(errors="replace"), seconds, usage.ru_maxrss / 1024)

    def kill(self) -> None:
        """SIGKILL the process group this run leads (the run, its pool workers): no clean-up code runs. The
        group is killed while its leader is still unreaped, so its id cannot have been reused."""
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass
        self.proc.returncode = -9
        self._close()

    def _close(self) -> None:
        self._out.close()
        self._err.close()


def run(args: list[str], env: dict[str, str], workdir: Path, name: str = "run", timeout: float = 120) -> Finished:
    return Run(args, env, workdir, name).wait(timeout)


def wait_until(predicate, timeout: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(interval)


# --- a news site and an alert sink for whole-run tests -----------------------------------------------------------

ARTICLES = [  # (slug, title, body paragraphs): three reports the detector flags, three it does not
    ("khamyab", "Taliban capture district in Jowzjan",
     "Taliban fighters captured the Khamyab district centre in Jowzjan province on Thursday after government "
     "forces withdrew overnight, a provincial council member said."),
    ("darqad", "Fighters seize Darqad district",
     "Taliban fighters seized the Darqad district centre in Takhar province on Friday after heavy clashes with "
     "government forces, local officials said."),
    ("eshkashem", "Soldiers flee into Tajikistan",
     "About 300 Afghan soldiers fled across the border into Tajikistan on Monday after Taliban fighters captured "
     "the Eshkashem district in Badakhshan province, the Tajik border service said."),
    ("bazaar", "Bazaar prices climb",
     "Prices of flour and cooking oil rose again at the main bazaar this week, traders said, as winter approaches."),
    ("football", "Football league opens",
     "The national football league opened its new season in the capital with a crowd of several thousand fans."),
    ("rail", "Rail freight record",
     "Rail freight through the Hairatan dry port reached a record volume last month, the railway authority said."),
]
_FILLER = ("<p>Residents described a tense night in the area, with shops closed early and few people on the "
           "streets. Officials promised more information in the coming days.</p>"
           "<p>The report could not be independently verified. Reporters in the region were told to stay safe "
           "and to check their sources carefully before publishing anything further.</p>")
PAGE = """<!doctype html><html lang="en"><head><title>{title}</title>
<meta property="article:published_time" content="2026-11-20T09:00:00Z"></head>
<body><article><h1>{title}</h1><p>{lead}</p>{filler}</article></body></html>"""


class NewsSite:
    """A feed of ARTICLES on a ScriptedServer; pages answer only once ``gate`` is open (a slow site that holds
    a run mid-way). ``page_hits`` counts page requests."""

    def __init__(self, server, articles=ARTICLES):
        import threading

        from tests.servers import respond, static

        self.server = server
        self.gate = threading.Event()
        self.gate.set()
        self.articles = articles
        items = "".join(f"<item><title>{t}</title><link>{server.url('/a/' + slug)}</link><guid>{slug}</guid>"
                        f"<pubDate>Fri, 20 Nov 2026 09:00:00 GMT</pubDate><description>{lead}</description></item>"
                        for slug, t, lead in articles)
        server.routes["/feed.xml"] = static(f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                                            f"<title>Desk</title>{items}</channel></rss>".encode())
        for slug, title, lead in articles:
            body = PAGE.format(title=title, lead=lead, filler=_FILLER).encode()

            def page(h, body=body):
                self.gate.wait(60)
                respond(h, 200, body, "text/html; charset=utf-8")
            server.routes["/a/" + slug] = page

    @property
    def feed_url(self) -> str:
        return self.server.url("/feed.xml")

    def page_hits(self) -> int:
        return sum(n for p, n in self.server.hits.items() if p.startswith("/a/"))


class AlertSink:
    """A json:// apprise endpoint on 127.0.0.1 counting POSTs by message title; ``hold`` makes it take a
    POST and not answer until released (a channel that hangs mid-delivery)."""

    def __init__(self):
        import threading

        from borderwatch.demo.server import WorldServer

        self.titles: list[str] = []
        self.hold = threading.Event()
        self.release = threading.Event()
        self.server = WorldServer()
        self.server.on_post = self._on_post

    def _on_post(self, path: str, body: bytes) -> None:
        import json

        self.titles.append(json.loads(body).get("title", ""))
        if self.hold.is_set():
            self.release.wait(60)

    def url(self, secret: str = "") -> str:
        host, port = self.server.httpd.server_address[:2]
        auth = f"sink:{secret}@" if secret else ""
        return f"json://{auth}{host}:{port}/hook"

    def __enter__(self):
        self.server.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.server.stop()

    def counts(self) -> dict[str, int]:
        from collections import Counter

        return dict(Counter(self.titles))


def db_counts(url: str) -> dict[str, int]:
    from sqlalchemy import func, select

    from borderwatch.models.db import Database
    from borderwatch.models.schema import Alert, Article, Entry, Event, Feed, Mention

    db = Database(url, migrate=False)
    with db.session() as s:
        out = {t.__tablename__: s.scalar(select(func.count()).select_from(t))
               for t in (Feed, Entry, Article, Mention, Event, Alert)}
    db.dispose()
    return out


def run_config(db_url: str, feed_urls: list[str], alert_urls: list[str] = (), **extra) -> dict:
    """A config for a whole-run test: short timeouts, no back-off, no pauses between alert messages."""
    data = {
        "database_url": db_url,
        "feeds": [{"name": f"feed{i}", "url": u} for i, u in enumerate(feed_urls)],
        "alerts": [{"url": u, "name": f"channel{i}"} for i, u in enumerate(alert_urls)],
        "network": {"timeout": 2, "deadline": 4},
        "pipeline": {"feed_backoff_base": 0, "extract_workers": 2, "extract_timeout": 5},
        "delivery": {"min_interval": 0, "retry_base": 0},
        "polling": {"min_interval": 0, "max_interval": 0},  # every feed on every pass
    }
    for key, value in extra.items():
        data[key] = {**data[key], **value} if isinstance(data.get(key), dict) else value
    return data
