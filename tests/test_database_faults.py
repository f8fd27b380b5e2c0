"""Postgres faults, on a throwaway cluster this module creates (initdb + pg_ctl on a temporary directory and a
free port), never the shared server: down when a run starts -> one clear line and a non-zero exit; restarted
or gone during a run -> the run carries on or fails cleanly, and the next run completes with nothing lost."""

from __future__ import annotations

import glob
import json
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests import bwproc
from tests.bwproc import NewsSite, Run, db_counts, run, run_config, wait_until, write_config
from tests.conftest import REQUIRE_PG, free_port
from tests.servers import ScriptedServer

pytestmark = pytest.mark.postgres
prefect_api_env = bwproc.prefect_api_env  # fixture
PASSWORD = "Thr0waway-Pg-Secret"  # trust auth ignores it; it must still never be shown
N = len(bwproc.ARTICLES)


class Cluster:
    def __init__(self, bindir: str, datadir: Path, port: int):
        self.bindir, self.datadir, self.port = bindir, datadir, port
        self.url = f"postgresql+psycopg://postgres:{PASSWORD}@127.0.0.1:{port}/postgres"

    def _pg_ctl(self, *args: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", f"{self.bindir}/pg_ctl", "-D", str(self.datadir / "data"),
                        *args], check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        self._pg_ctl("-w", "-l", str(self.datadir / "log"), "-o",
                     f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.datadir}",
                     "start")

    def stop(self, mode: str = "fast") -> None:
        self._pg_ctl("-w", "-m", mode, "stop")

    def restart(self) -> None:
        self._pg_ctl("-w", "-m", "fast", "-l", str(self.datadir / "log"), "-o",
                     f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.datadir}",
                     "restart")

    @property
    def running(self) -> bool:
        return subprocess.run(["runuser", "-u", "postgres", "--", f"{self.bindir}/pg_ctl", "-D",
                               str(self.datadir / "data"), "status"], capture_output=True).returncode == 0


def _unavailable(reason: str):
    if REQUIRE_PG:
        pytest.fail(f"the throwaway Postgres cluster is required here but cannot be created: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def cluster():
    bindirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not bindirs or not shutil.which("runuser"):
        _unavailable("no Postgres binaries under /usr/lib/postgresql/*/bin or no runuser")
    try:
        pg = pwd.getpwnam("postgres")
    except KeyError:
        _unavailable("no 'postgres' OS user to run initdb as")
    if os.geteuid() != 0:
        _unavailable("creating a cluster as the postgres user needs root here")
    tmp = Path(tempfile.mkdtemp(prefix="bw-pg-"))
    os.chown(tmp, pg.pw_uid, pg.pw_gid)
    c = Cluster(bindirs[-1], tmp, free_port())
    try:
        subprocess.run(["runuser", "-u", "postgres", "--", f"{c.bindir}/initdb", "-D", str(tmp / "data"), "-A",
                        "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"], check=True, capture_output=True,
                       timeout=120)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        _unavailable(f"initdb failed: {getattr(exc, 'stderr', b'')[-500:]!r}")
    yield c
    if c.running:
        c.stop("immediate")
    shutil.rmtree(tmp, ignore_errors=True)


def one_clean_line(stderr: str) -> str:
    lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr and PASSWORD not in stderr
    return lines[0]


@pytest.mark.parametrize("command", [["run"], ["db", "upgrade"], ["feeds"], ["alerts"], ["events"]],
                         ids=lambda c: " ".join(c))
def test_database_down_at_start_is_one_clear_line(command, cluster, prefect_api_env, tmp_path):
    if cluster.running:
        cluster.stop()
    config = write_config(tmp_path / "config.yaml", run_config(cluster.url, []))
    result = run([*command, "--config", str(config)], prefect_api_env, tmp_path, "down", timeout=60)
    assert result.returncode == 1 and result.stdout == ""
    line = one_clean_line(result.stderr)
    reads = command[0] in ("feeds", "alerts", "events")  # they never migrate: they only open
    assert line.startswith("borderwatch: error: cannot open" if reads else "borderwatch: error: cannot migrate")
    assert f"postgresql+psycopg://postgres:***@127.0.0.1:{cluster.port}/postgres" in line
    assert "Connection refused" in line or "connection failed" in line


def test_restart_during_a_run_is_survived(cluster, prefect_api_env, tmp_path):
    """A fast restart while the run waits on a slow site: the pool notices the dead connections (pre-ping)
    and reconnects; the run completes, and a second run finds nothing new."""
    if not cluster.running:
        cluster.start()
    with ScriptedServer() as srv:
        site = NewsSite(srv)
        config = write_config(tmp_path / "config.yaml", run_config(cluster.url, [site.feed_url],
                                                                   network={"timeout": 10, "deadline": 20}))
        site.gate.clear()
        first = Run(["run", "--config", str(config)], prefect_api_env, tmp_path, "restarted")
        wait_until(lambda: site.page_hits() >= 1, 60, "the run to be fetching pages")
        cluster.restart()
        site.gate.set()
        result = first.wait(120)
        assert result.returncode == 0, result.stderr[-3000:]
        assert json.loads(result.stdout.strip().splitlines()[-1])["articles_stored"] == N
        again = run(["run", "--config", str(config)], prefect_api_env, tmp_path, "again")
    assert again.returncode == 0 and json.loads(again.stdout.strip().splitlines()[-1])["entries_new"] == 0
    counts = db_counts(cluster.url)
    assert counts["articles"] == counts["entries"] == N


def test_database_gone_mid_run_fails_cleanly_and_the_next_run_completes(cluster, prefect_api_env, tmp_path):
    """The database stops while pages are fetched and is still down when the run wants to store them: the run
    retries, then exits non-zero with one clear last line; nothing half-written; the next run stores it all."""
    if not cluster.running:
        cluster.start()
    dbname = "gone_mid_run"
    subprocess.run(["runuser", "-u", "postgres", "--", f"{cluster.bindir}/createdb", "-h", "127.0.0.1", "-p",
                    str(cluster.port), dbname], check=True, capture_output=True, timeout=30)
    url = cluster.url.rsplit("/", 1)[0] + "/" + dbname
    with ScriptedServer() as srv:
        site = NewsSite(srv)
        config = write_config(tmp_path / "config.yaml", run_config(url, [site.feed_url],
                                                                   network={"timeout": 10, "deadline": 20}))
        site.gate.clear()
        first = Run(["run", "--config", str(config)], prefect_api_env, tmp_path, "gone")
        wait_until(lambda: site.page_hits() >= 1, 60, "the run to be fetching pages")
        cluster.stop()
        site.gate.set()
        failed = first.wait(120)
        assert failed.returncode == 1, failed.stderr[-3000:]
        assert failed.stdout == "" and PASSWORD not in failed.stderr
        last = failed.stderr.strip().splitlines()[-1]
        assert last.startswith("borderwatch: error: database error during the run"), last
        assert "\n" not in last and len(last) < 500

        cluster.start()
        assert db_counts(url)["articles"] == 0  # the failed batch left nothing half-written
        next_run = run(["run", "--config", str(config)], prefect_api_env, tmp_path, "next")
    assert next_run.returncode == 0, next_run.stderr[-3000:]
    summary = json.loads(next_run.stdout.strip().splitlines()[-1])
    assert summary["entries_new"] == N and summary["articles_stored"] == N
    counts = db_counts(url)
    assert counts["articles"] == counts["entries"] == N
