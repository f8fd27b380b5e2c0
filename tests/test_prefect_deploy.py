"""Scheduling against a real `prefect server start` on 127.0.0.1 (slow: ~1 min):
prefect.yaml deploys the monitor and a process worker runs it; `borderwatch serve` serves it on its schedule."""

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from models.db import Database
from models.schema import Article, Feed
from tests.conftest import free_port
from tests.test_monitor_flow import CAPTURE, PAGE, rss

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory):
    home = tmp_path_factory.mktemp("prefect")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "BORDERWATCH_"))}
    env.update(PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_API_URL=f"http://127.0.0.1:{port}/api", PWD=str(ROOT),
               PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}")
    server = subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
        yield env
    finally:
        server.terminate()
        server.wait(timeout=30)


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
    assert "*/15 * * * *" in info and "'timezone': 'UTC'" in info
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
    db_url, config = one_article_world(world, tmp_path, "served")
    env = dict(prefect_server)
    serve = subprocess.Popen([str(BIN / "borderwatch"), "serve", "--config", str(config), "--cron", "0 6 * * *",
                              "--timezone", "Asia/Kabul", "--name", "borderwatch-monitor-served"], env=env, cwd=tmp_path,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            probe = subprocess.run([str(BIN / "prefect"), "deployment", "inspect", "monitor/borderwatch-monitor-served"],
                                   env=env, capture_output=True, text=True)
            if probe.returncode == 0:
                break
            assert serve.poll() is None, serve.stdout.read()
            assert time.monotonic() < deadline, "serve did not register its deployment"
            time.sleep(1)
        assert "0 6 * * *" in probe.stdout and "Asia/Kabul" in probe.stdout
        out = prefect(["deployment", "run", "monitor/borderwatch-monitor-served", "--watch"], env, timeout=240)
        assert "Completed" in out, out[-3000:]
    finally:
        serve.terminate()
        serve.wait(timeout=60)
    assert_one_article(db_url)
