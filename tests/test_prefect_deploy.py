"""Scheduling against a real `prefect server start` on 127.0.0.1 (slow: ~1 min):
prefect.yaml deploys the monitor and a process worker runs it; `borderwatch serve` serves it on its schedule."""

import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from borderwatch.models.db import Database
from borderwatch.models.schema import Article, Feed
from tests.conftest import free_port
from tests.test_monitor_flow import CAPTURE, PAGE, rss

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.slow


def readme_server_command() -> tuple[dict[str, str], list[str]]:
    """The README's `prefect server start` line: the variables it sets and the command's arguments."""
    shell = re.compile(r"^(?:\w+=\S+\s+)*(?:\.venv/bin/)?prefect server start\b")  # not the systemd unit's line
    line = next(ln.strip() for ln in (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
                if shell.match(ln.strip()))
    words = shlex.split(line.split("#", 1)[0].rstrip("& "))
    env = dict(w.split("=", 1) for w in words if "=" in w and not w.startswith("-"))
    return env, [w for w in words if "=" not in w or w.startswith("-")]


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory):
    """`prefect server start` exactly as the README says to start it (its variables included), on a port of
    its own; its output is kept for test_the_server_prints_no_telemetry_errors."""
    home = tmp_path_factory.mktemp("prefect")
    port = free_port()
    readme_env, args = readme_server_command()
    assert args[-3:] == [".venv/bin/prefect", "server", "start"] or args[-3:] == ["prefect", "server", "start"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "BORDERWATCH_"))}
    env.update(readme_env)
    env.update(PREFECT_HOME=str(home), PREFECT_API_URL=f"http://127.0.0.1:{port}/api", PWD=str(ROOT),
               PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}")
    log = open(home / "server.log", "wb")  # noqa: SIM115 (closed below)
    server = subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "Prefect server did not start"
            time.sleep(0.5)
        yield {**env, "BW_SERVER_LOG": str(home / "server.log")}
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def prefect(args, env, timeout=180, cwd=ROOT):
    proc = subprocess.run([str(BIN / "prefect"), *args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, f"prefect {' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


def one_article_world(world, tmp_path, name):
    world.set("/a/1.html", "text/html", PAGE.format(title="District falls", body=CAPTURE).encode())
    world.set("/feed.xml", "application/rss+xml", rss(world.base_url, [("/a/1.html", "District falls", "x")]))
    db_url = f"sqlite:///{tmp_path / f'{name}.db'}"
    config = tmp_path / f"{name}.yaml"
    config.write_text(f"database_url: {db_url}\nfeeds:\n  - {{name: desk, url: '{world.base_url}/feed.xml'}}\n")
    return db_url, config


def assert_one_article(db_url):
    db = Database(db_url)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Article)) == 1
        assert s.scalars(select(Feed)).one().last_success_at is not None
    db.dispose()


def test_deploy_and_worker_run_the_monitor(prefect_server, world, tmp_path):
    db_url, config = one_article_world(world, tmp_path, "deployed")
    env = {**prefect_server, "BORDERWATCH_CONFIG": str(config)}
    prefect(["work-pool", "create", "borderwatch", "--type", "process"], env)
    out = prefect(["--no-prompt", "deploy", "--all"], env)
    assert "borderwatch-monitor" in out
    info = prefect(["deployment", "inspect", "monitor/borderwatch-monitor"], env)
    assert "*/5 * * * *" in info and "'timezone': 'UTC'" in info
    worker = subprocess.Popen([str(BIN / "prefect"), "worker", "start", "--pool", "borderwatch"], env=env,
                              cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        out = prefect(["deployment", "run", "monitor/borderwatch-monitor", "--watch"], env, timeout=240)
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    assert "Completed" in out, out[-3000:]
    assert_one_article(db_url)


def test_serve_registers_the_schedule_and_runs_the_flow(prefect_server, world, tmp_path):
    """`borderwatch serve` registers a deployment of its own name: a `prefect deploy` of prefect.yaml
    (borderwatch-monitor) and a served monitor live side by side, neither replaces the other."""
    db_url, config = one_article_world(world, tmp_path, "served")
    env = dict(prefect_server)
    deployed = subprocess.run([str(BIN / "prefect"), "deployment", "inspect", "monitor/borderwatch-monitor"],
                              env=env, capture_output=True, text=True)
    serve = subprocess.Popen([str(BIN / "borderwatch"), "serve", "--config", str(config), "--cron", "0 6 * * *",
                              "--timezone", "Asia/Kabul"], env=env, cwd=tmp_path,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            probe = subprocess.run([str(BIN / "prefect"), "deployment", "inspect", "monitor/borderwatch-serve"],
                                   env=env, capture_output=True, text=True)
            if probe.returncode == 0:
                break
            assert serve.poll() is None, serve.stdout.read()
            assert time.monotonic() < deadline, "serve did not register its deployment"
            time.sleep(1)
        assert "0 6 * * *" in probe.stdout and "Asia/Kabul" in probe.stdout
        if deployed.returncode == 0:  # the deploy test ran first: its deployment is still there, unchanged
            still = prefect(["deployment", "inspect", "monitor/borderwatch-monitor"], env)
            assert "*/5 * * * *" in still and "Asia/Kabul" not in still
        out = prefect(["deployment", "run", "monitor/borderwatch-serve", "--watch"], env, timeout=240)
        assert "Completed" in out, out[-3000:]
    finally:
        serve.terminate()
        serve.wait(timeout=60)
    assert_one_article(db_url)


def test_serve_and_prefect_yaml_name_their_deployments_differently():
    import yaml

    from borderwatch.cli import SERVE_DEPLOYMENT

    names = {d["name"] for d in yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]}
    assert SERVE_DEPLOYMENT == "borderwatch-serve" and SERVE_DEPLOYMENT not in names


def test_the_server_started_as_the_readme_says_prints_no_telemetry_errors(prefect_server):
    """Offline, Prefect's analytics would fail to report; the README's command switches them off."""
    readme_env, _ = readme_server_command()
    assert readme_env.get("PREFECT_SERVER_ANALYTICS_ENABLED") == "false"
    output = Path(prefect_server["BW_SERVER_LOG"]).read_text(errors="replace")
    assert "Prefect" in output or output == ""  # the banner (or nothing) — the server ran
    bad = [ln for ln in output.splitlines() if re.search(r"telemetry|analytics|traceback", ln, re.I)]
    assert not bad, bad
