"""``python -m bench.serve_memory``: does a long-running ``borderwatch serve`` stay flat?

Starts ``prefect server start`` (127.0.0.1, its own PREFECT_HOME), a local world of ``--feeds`` feeds, and the
real ``borderwatch serve`` command (its cron set to once a year, so that only this benchmark starts runs). Then
``--passes`` times: the world publishes ``--items`` new articles in every feed (real pages of
``../shared/bench``, read in place; a feed lists its newest 20 items), the benchmark starts a run of the served
deployment through the Prefect API and waits for it. After each pass it reads the RSS of the serving process (and
the peak of its whole tree: the run's own process and its pool workers).

Checked at the end: every run completed (no pass skipped); every published item is stored once (articles,
entries) and its page was fetched once; RSS growth of the serving process after the first 10 passes (the
largest RSS of passes 11.. against pass 10's).

    python -m bench.serve_memory [--passes 100] [--feeds 2] [--items 5]

Prints a table and one JSON line: {"passes", "items", "runs_completed", "articles", "entries",
"page_fetches_max", "rss_mb_pass10", "rss_mb_max_after10", "rss_mb_last", "growth_pct", "tree_peak_mb"}.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import yaml

from bench.empty_pass import BORDERWATCH, PrefectServer, clean_env
from bench.memory import process_tree, rss_kb
from bench.world import load_pages

LISTED = 20  # a feed lists its newest items only
DEPLOYMENT = "bench-serve"


class World:
    """Feeds that gain ``items`` new articles per pass, on a WorldServer of 127.0.0.1 (threads of this process)."""

    def __init__(self, feeds: int, items: int):
        from borderwatch.demo.server import WorldServer

        self.pages = load_pages()
        self.titles = [p.title() for p in self.pages]
        self.feeds, self.items = feeds, items
        self.server = WorldServer().start()
        self.published: list[list[tuple[str, int]]] = [[] for _ in range(feeds)]  # (path, page index)
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.count = 0

    def feed_url(self, f: int) -> str:
        return f"{self.server.base_url}/feeds/{f}.xml"

    def publish(self) -> None:
        """``items`` new articles in every feed, each on its own URL."""
        for f in range(self.feeds):
            for _ in range(self.items):
                page = self.count % len(self.pages)
                path = f"/news/{self.count}.html"
                self.server.set(path, "text/html; charset=utf-8", self.pages[page].html)
                self.published[f].append((path, page))
                self.count += 1
            self.server.set(f"/feeds/{f}.xml", "application/rss+xml; charset=utf-8", self._rss(f))
        self.now += timedelta(minutes=1)

    def _rss(self, f: int) -> bytes:
        items = []
        for n, (path, page) in enumerate(reversed(self.published[f][-LISTED:])):
            link = escape(self.server.base_url + path)
            items.append(f"<item><title>{escape(self.titles[page])}</title><link>{link}</link>"
                         f"<guid>{link}</guid><pubDate>{format_datetime(self.now - timedelta(seconds=n), usegmt=True)}"
                         f"</pubDate><description>{escape(self.titles[page])}</description></item>")
        return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>feed {f}</title>'
                f"<link>{self.server.base_url}/</link><description>bench</description>{''.join(items)}"
                "</channel></rss>").encode()

    def page_fetches(self) -> Counter:
        return Counter(path for method, path in self.server.requests if method == "GET" and path.startswith("/news/"))


class TreePeak:
    """The largest summed RSS of ``pid`` and its descendants, sampled every 0.2 s in a thread."""

    def __init__(self, pid: int):
        self.pid, self.peak_kb = pid, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self.peak_kb = max(self.peak_kb, sum(rss_kb(p) for p in process_tree(self.pid)))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def db_counts(url: str) -> tuple[int, int]:
    from sqlalchemy import func, select

    from borderwatch.models.db import Database
    from borderwatch.models.schema import Article, Entry

    db = Database(url, migrate=False)
    with db.session() as s:
        out = s.scalar(select(func.count()).select_from(Article)), s.scalar(select(func.count()).select_from(Entry))
    db.dispose()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.serve_memory", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--passes", type=int, default=100)
    ap.add_argument("--feeds", type=int, default=2)
    ap.add_argument("--items", type=int, default=5, help="new items per feed per pass (default 5)")
    args = ap.parse_args(argv)
    if args.passes < 11:
        ap.error("--passes must be more than 10 (growth is measured after the first 10)")
    from rich.console import Console
    from rich.table import Table

    console = Console(width=120)
    with tempfile.TemporaryDirectory(prefix="borderwatch-serve-") as tmp:
        tmp = Path(tmp)
        (tmp / "home").mkdir()
        world = World(args.feeds, args.items)
        db_url = f"sqlite:///{tmp / 'bw.db'}"
        config = tmp / "borderwatch.yaml"
        config.write_text(yaml.safe_dump({
            "database_url": db_url,
            "feeds": [{"name": f"feed {f}", "url": world.feed_url(f)} for f in range(args.feeds)],
            "pipeline": {"max_entries_per_feed": LISTED},
            "polling": {"min_interval": 0, "max_interval": 0},  # every feed on every pass
        }), encoding="utf-8")
        with PrefectServer(tmp / "home") as server:
            env = {**clean_env(), "PREFECT_HOME": str(tmp / "home"), "PREFECT_API_URL": server.url,
                   "PREFECT_RUNNER_POLL_FREQUENCY": "1"}
            os.environ.update(PREFECT_HOME=env["PREFECT_HOME"], PREFECT_API_URL=server.url,
                              PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_LOGGING_LEVEL="WARNING")
            log = open(tmp / "serve.log", "wb")  # noqa: SIM115
            serve = subprocess.Popen([BORDERWATCH, "serve", "--config", str(config), "--name", DEPLOYMENT,
                                      "--cron", "0 0 1 1 *"], env=env, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
            try:
                rows = run_passes(args, world, serve, console, tmp / "serve.log")
            finally:
                serve.terminate()
                try:
                    serve.wait(30)
                except subprocess.TimeoutExpired:
                    serve.kill()
                log.close()
            articles, entries = db_counts(db_url)
        fetches = world.page_fetches()
        world.server.stop()

    rss = [r["rss_kb"] / 1024 for r in rows]
    base, after = rss[9], max(rss[10:])
    growth = 100 * (after - base) / base
    completed = sum(r["state"] == "COMPLETED" for r in rows)
    result = {"passes": args.passes, "items": world.count, "runs_completed": completed, "articles": articles,
              "entries": entries, "page_fetches_max": max(fetches.values(), default=0),
              "pages_fetched": len(fetches), "rss_mb_pass1": round(rss[0], 1), "rss_mb_pass10": round(base, 1),
              "rss_mb_max_after10": round(after, 1), "rss_mb_last": round(rss[-1], 1),
              "growth_pct": round(growth, 1), "tree_peak_mb": round(max(r["tree_peak_kb"] for r in rows) / 1024, 1),
              "pass_seconds_median": round(sorted(r["seconds"] for r in rows)[len(rows) // 2], 2)}
    table = Table(title=f"`borderwatch serve`: {args.passes} passes, {args.feeds} feeds x {args.items} new items each")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("runs completed / passes (no pass skipped)", f"{completed} / {args.passes}")
    table.add_row("items published / articles stored / entries stored", f"{world.count} / {articles} / {entries}")
    table.add_row("pages fetched / most fetches of one page", f"{len(fetches)} / {result['page_fetches_max']}")
    table.add_row("RSS of the serving process: pass 1 / 10 / max after 10 / last, MB",
                  f"{rss[0]:.0f} / {base:.0f} / {after:.0f} / {rss[-1]:.0f}")
    table.add_row("growth after the first 10 passes", f"{growth:.1f} %")
    table.add_row("peak RSS of the serving tree (serve + run + pool workers), MB", f"{result['tree_peak_mb']:.0f}")
    table.add_row("pass, median seconds (start of the run to its end, as the API reports it)",
                  f"{result['pass_seconds_median']:.2f}")
    console.print(table)
    print(json.dumps(result), flush=True)
    ok = completed == args.passes and articles == entries == world.count and result["page_fetches_max"] == 1
    return 0 if ok else 1


def run_passes(args, world: World, serve: subprocess.Popen, console, log_path: Path) -> list[dict]:
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    name = f"monitor/{DEPLOYMENT}"
    deadline = time.monotonic() + 180
    with get_client(sync_client=True) as client:
        while True:  # the deployment exists once serve has registered it
            if serve.poll() is not None:
                raise RuntimeError(f"borderwatch serve exited with {serve.returncode}: {log_path.read_text()[-3000:]}")
            try:
                client.read_deployment_by_name(name)
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
    rows = []
    for n in range(1, args.passes + 1):
        world.publish()
        peak = TreePeak(serve.pid)
        run = run_deployment(name, timeout=600, poll_interval=0.5)
        peak.stop()
        seconds = (run.end_time - run.start_time).total_seconds() if run.end_time and run.start_time else 0.0
        rows.append({"state": run.state.type.value if run.state else "?", "rss_kb": rss_kb(serve.pid),
                     "tree_peak_kb": peak.peak_kb, "seconds": seconds})
        if n == 1 or n % 10 == 0:
            console.print(f"pass {n}: {rows[-1]['state']}, serve RSS {rows[-1]['rss_kb'] / 1024:.0f} MB, "
                          f"tree peak {peak.peak_kb / 1024:.0f} MB, {seconds:.1f} s")
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
