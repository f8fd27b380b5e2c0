"""A pass is never lost because Prefect's API is down: `borderwatch run` with PREFECT_API_URL pointing at a closed
port warns in one line naming the URL, runs the pass on a temporary Prefect server, and its exit status is the
pass's. `borderwatch serve` cannot schedule without a server: it exits 2 with one line saying how to start one."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.bwproc import db_counts, run, run_config, write_config
from tests.conftest import free_port
from tests.servers import ScriptedServer, static
from tests.test_monitor_flow import CAPTURE, PAGE, rss

pytestmark = pytest.mark.slow


@pytest.fixture
def dead_api_env(tmp_path) -> tuple[dict[str, str], str]:
    """Environment whose PREFECT_API_URL is a port on 127.0.0.1 nothing listens on (bound, then released)."""
    url = f"http://127.0.0.1:{free_port()}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BORDERWATCH_", "PREFECT_"))}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), PREFECT_API_URL=url, PYTHONUNBUFFERED="1",
               PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120")
    return env, url


@pytest.fixture
def site():
    with ScriptedServer() as server:
        server.routes["/broken.xml"] = static(b"oops", "text/plain", status=500)
        server.routes["/a/capture.html"] = static(PAGE.format(title="Taliban capture district in Jowzjan",
                                                              body=CAPTURE).encode(), "text/html; charset=utf-8")
        server.routes["/feed.xml"] = static(rss(server.base_url, [
            ("/a/capture.html", "Taliban capture district in Jowzjan", "Fighters took Khamyab.")]))
        yield server


def _warnings(stderr: str, url: str) -> list[str]:
    return [line for line in stderr.splitlines() if "Prefect server" in line and url in line]


def test_run_with_the_prefect_server_down_runs_the_pass_anyway(site, dead_api_env, tmp_path):
    env, url = dead_api_env
    db = f"sqlite:///{tmp_path / 'bw.db'}"
    write_config(tmp_path / "ok.yaml", run_config(db, [site.url("/feed.xml"), site.url("/broken.xml")]))
    done = run(["run", "--config", str(tmp_path / "ok.yaml")], env, tmp_path, "ok", timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.output
    warned = _warnings(done.stderr, url)
    assert len(warned) == 1, done.stderr[-3000:]
    assert warned[0].startswith("borderwatch: warning:") and "temporary Prefect server" in warned[0]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["articles_stored"] == 1 and summary["feeds_failed"] == 1
    assert db_counts(db)["articles"] == 1

    # the exit status is the pass's: every due feed failed -> 3, as with a server that answers
    write_config(tmp_path / "bad.yaml", run_config(db, [site.url("/broken.xml")]))
    failed = run(["run", "--config", str(tmp_path / "bad.yaml")], env, tmp_path, "bad", timeout=240)
    assert failed.returncode == 3, failed.stderr[-3000:]
    assert len(_warnings(failed.stderr, url)) == 1
    assert "every feed that was due failed (1 of 1)" in failed.stderr


def test_serve_without_a_reachable_server_exits_2_in_one_line(dead_api_env, tmp_path):
    env, url = dead_api_env
    write_config(tmp_path / "c.yaml", run_config(f"sqlite:///{tmp_path / 'bw.db'}", []))
    down = run(["serve", "--config", str(tmp_path / "c.yaml")], env, tmp_path, "down", timeout=60)
    assert down.returncode == 2, down.output[-3000:]
    lines = down.stderr.strip().splitlines()
    assert len(lines) == 1, down.stderr
    assert url in lines[0] and "`prefect server start`" in lines[0] and "PREFECT_API_URL=" in lines[0]

    unset = {k: v for k, v in env.items() if k != "PREFECT_API_URL"}  # and PREFECT_HOME has no profile setting it
    none = run(["serve", "--config", str(tmp_path / "c.yaml")], unset, tmp_path, "none", timeout=60)
    assert none.returncode == 2, none.output[-3000:]
    lines = none.stderr.strip().splitlines()
    assert len(lines) == 1 and "`prefect server start`" in lines[0], none.stderr


def _servers_of(home: str) -> list[int]:
    """Live Prefect servers whose environment has PREFECT_HOME=home (the temporary servers a run started)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            environ = (proc / "environ").read_bytes().split(b"\0")
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if f"PREFECT_HOME={home}".encode() in environ and b"prefect.server.api.server" in cmdline:
            found.append(int(proc.name))
    return found


def test_run_without_a_server_starts_a_temporary_one_and_stops_it(site, dead_api_env, tmp_path):
    env, _url = dead_api_env
    env = {k: v for k, v in env.items() if k != "PREFECT_API_URL"}
    db = f"sqlite:///{tmp_path / 'bw.db'}"
    write_config(tmp_path / "ok.yaml", run_config(db, [site.url("/feed.xml")]))
    done = run(["run", "--config", str(tmp_path / "ok.yaml")], env, tmp_path, "no-server", timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.output and "Error logging to API" not in done.output
    assert json.loads(done.stdout.strip().splitlines()[-1])["articles_stored"] == 1
    assert _servers_of(env["PREFECT_HOME"]) == []  # the temporary server went with the run
