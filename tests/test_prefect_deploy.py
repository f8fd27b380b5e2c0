"""prefect.yaml deploys the monitor to a real Prefect server, and a process worker runs it (slow: ~40 s)."""

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


def prefect(args, env, timeout=180, cwd=ROOT):
    proc = subprocess.run([str(BIN / "prefect"), *args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, f"prefect {' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


@pytest.mark.slow
def test_deploy_and_worker_run_the_monitor(world, tmp_path):
    world.set("/a/1.html", "text/html", PAGE.format(title="District falls", body=CAPTURE).encode())
    world.set("/feed.xml", "application/rss+xml", rss(world.base_url, [("/a/1.html", "District falls", "x")]))
    db_url = f"sqlite:///{tmp_path / 'deployed.db'}"
    config = tmp_path / "borderwatch.yaml"
    config.write_text(f"database_url: {db_url}\nfeeds:\n  - {{name: desk, url: '{world.base_url}/feed.xml'}}\n")

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "BORDERWATCH_"))}
    env.update(PREFECT_HOME=str(tmp_path / "prefect"), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_API_URL=f"http://127.0.0.1:{port}/api", BORDERWATCH_CONFIG=str(config), PWD=str(ROOT),
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
        prefect(["work-pool", "create", "borderwatch", "--type", "process"], env)
        out = prefect(["--no-prompt", "deploy", "--all"], env)
        assert "borderwatch-monitor" in out
        info = prefect(["deployment", "inspect", "monitor/borderwatch-monitor"], env)
        assert "*/15 * * * *" in info and "'timezone': 'UTC'" in info
        prefect(["deployment", "run", "monitor/borderwatch-monitor"], env)
        worker = prefect(["worker", "start", "--pool", "borderwatch", "--run-once"], env, cwd=tmp_path)
        assert "Completed" in worker, worker[-3000:]
    finally:
        server.terminate()
        server.wait(timeout=30)

    db = Database(db_url)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Article)) == 1
        assert s.scalars(select(Feed)).one().last_success_at is not None
    db.dispose()
