"""Shared fixtures: a real HTTP server on 127.0.0.1, real SQLite files and a real Postgres database per test,
one Prefect test harness per session."""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import tempfile
import uuid
from pathlib import Path

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# the user's cache directory (remembered alert-URL checks) is never the tester's own: one per test session
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="borderwatch-test-cache-")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.pop("BORDERWATCH_CONFIG", None)
os.environ.pop("BORDERWATCH_DATABASE_URL", None)
os.environ.pop("BORDERWATCH_ALERT_URLS", None)

import pytest
import sqlalchemy as sa

from borderwatch.config import Config, load_config
from borderwatch.demo.server import WorldServer

atexit.register(shutil.rmtree, os.environ["XDG_CACHE_HOME"], True)

PG_URL = os.environ.get("BORDERWATCH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_PG = bool(os.environ.get("BORDERWATCH_REQUIRE_PG") or os.environ.get("CI"))


def pytest_configure(config):
    """The sub-packages installed from models/, flows/ and migrations/ (package-dir) must come from this checkout:
    an editable install maps them to the checkout it was made from, which `PYTHONPATH` does not change."""
    import borderwatch

    root = Path(borderwatch.__file__).resolve().parents[1]
    fix = f"install this checkout into the venv you test with (`make install`, or `pip install -e {root}`)"
    try:
        import borderwatch.models
    except ModuleNotFoundError:
        raise pytest.UsageError(f"borderwatch.models is not importable: {fix}") from None
    models = Path(borderwatch.models.__file__).resolve().parents[1]
    if root != models:
        raise pytest.UsageError(f"borderwatch is imported from {root} but borderwatch.models from {models}: {fix}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def world():
    """An HTTP server on 127.0.0.1 serving whatever routes a test sets."""
    with WorldServer() as server:
        yield server


def _pg_admin_engine():
    return sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})


@pytest.fixture(scope="session")
def pg_available() -> bool:
    try:
        with _pg_admin_engine().connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return True
    except sa.exc.OperationalError as exc:
        if REQUIRE_PG:
            pytest.fail(f"Postgres is required here but unreachable at {PG_URL}: {exc.orig}")
        return False


@pytest.fixture
def pg_url(pg_available):
    """A fresh, empty Postgres database for one test (dropped afterwards)."""
    if not pg_available:
        pytest.skip("Postgres not reachable (set BORDERWATCH_TEST_PG_URL; CI requires it)")
    name = f"bw_test_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin_engine()
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'borderwatch.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """Run the test on SQLite and on Postgres."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'borderwatch.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def db(db_url):
    """A migrated Database on ``db_url`` (SQLite, then Postgres), disposed after the test."""
    from borderwatch.models.db import Database

    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def sink():
    """A local HTTP endpoint recording alert POSTs."""
    from tests.eventseed import HttpSink

    with HttpSink() as s:
        yield s


@pytest.fixture(scope="session")
def prefect_harness():
    """One ephemeral Prefect API for the whole session (start-up costs seconds)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield


def make_config(database_url: str, feeds: list[tuple[str, str]] | None = None, **overrides) -> Config:
    """A validated config for tests: short timeouts, no back-off between runs, no real feeds."""
    data = {
        "database_url": database_url,
        "feeds": [{"name": name, "url": url} for name, url in (feeds or [])],
        "alerts": [],
        "network": {"timeout": 2, "deadline": 4},
        "pipeline": {"feed_backoff_base": 0, "extract_workers": 2},
        "delivery": {"min_interval": 0, "retry_base": 0},
        "polling": {"min_interval": 0, "max_interval": 0},  # every feed on every pass (tests of polling set theirs)
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return load_config(None, env={}, overrides=data)
