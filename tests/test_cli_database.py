"""One database per configuration, shared by every command: the global --database-url, the order of the
sources (option > BORDERWATCH_DATABASE_URL > the file's database_url > the default), and commands that only
read never create, migrate or touch a database that is not there."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from borderwatch.cli import app
from borderwatch.models.db import Database, upgrade
from tests.eventseed import ARGO, capture_reports, seed
from tests.test_cli_errors import assert_one_line_error, borderwatch

READERS = [["events"], ["feeds"], ["alerts"], ["map", "--out", "map.html"]]


def one_line(result, code: int, *needles: str) -> str:
    assert result.exit_code == code, result.output
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("borderwatch: error: ")
    for needle in needles:
        assert needle in line, line
    return line


@pytest.mark.parametrize("command", READERS, ids=lambda c: c[0])
def test_reading_a_missing_sqlite_database_creates_nothing(tmp_path, command, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "typo" / "borderwatch.db"
    result = CliRunner().invoke(app, ["--database-url", f"sqlite:///{path}", *command])
    one_line(result, 1, f"no borderwatch database at {path}; run `borderwatch run` first")
    assert not path.parent.exists() and not (tmp_path / "map.html").exists()


@pytest.mark.postgres
def test_reading_an_empty_postgres_database_creates_no_tables(pg_url):
    for command in READERS[:3]:
        one_line(CliRunner().invoke(app, [*command, "--database-url", pg_url]), 1, "no borderwatch database at",
                 "run `borderwatch run` first")
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:
        assert sa.inspect(conn).get_table_names() == []
    engine.dispose()


def test_reading_an_older_schema_asks_for_an_upgrade_and_leaves_it(sqlite_url):
    upgrade(sqlite_url, "0002")
    one_line(CliRunner().invoke(app, ["events", "--database-url", sqlite_url]), 1, "at schema revision 0002",
             "run `borderwatch db upgrade`")
    engine = sa.create_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "0002"
    engine.dispose()


def test_one_database_for_every_command_and_the_order_of_sources(tmp_path, monkeypatch):
    """The option, given before or after the command, wins over the environment, which wins over the file."""
    urls = {name: f"sqlite:///{tmp_path / f'{name}.db'}" for name in ("option", "env", "file")}
    for name, url in urls.items():
        db = Database(url)
        seed(db, capture_reports(1 + len(name), place=ARGO))  # 7, 4, 5 sources: which database answered
        db.dispose()
    config = tmp_path / "bw.yaml"
    config.write_text(f"database_url: {urls['file']}\n")

    def sources(*args, env=None) -> str:
        result = CliRunner().invoke(app, [*args, "-f", "csv"], env=env or {})
        assert result.exit_code == 0, result.output
        return next(csv.DictReader(io.StringIO(result.stdout)))["corroboration"]

    assert sources("events", "--config", str(config)) == "5"
    assert sources("events", "--config", str(config), env={"BORDERWATCH_DATABASE_URL": urls["env"]}) == "4"
    assert sources("--database-url", urls["option"], "events", "--config", str(config),
                   env={"BORDERWATCH_DATABASE_URL": urls["env"]}) == "7"
    assert sources("events", "--config", str(config), "--database-url", urls["option"]) == "7"
    assert sources("--config", str(config), "events") == "5"


def test_the_default_database_is_shared_by_writers_and_readers(tmp_path, monkeypatch):
    """`db upgrade` (a writer) and `events` (a reader) with no options: the same default SQLite file."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    result = borderwatch(["events"], {"XDG_DATA_HOME": str(tmp_path)})
    assert result.returncode == 1 and "no borderwatch database at" in result.stderr
    assert not (tmp_path / "borderwatch").exists()
    assert borderwatch(["db", "upgrade"], {"XDG_DATA_HOME": str(tmp_path)}).returncode == 0
    assert (tmp_path / "borderwatch" / "borderwatch.db").is_file()
    result = borderwatch(["events"], {"XDG_DATA_HOME": str(tmp_path)})
    assert result.returncode == 0 and "events (0, times UTC)" in result.stdout


def test_a_url_without_a_password_is_shown_with_its_user():
    result = borderwatch(["--database-url", "postgresql+psycopg://bw@127.0.0.1:1/bw", "db", "upgrade"])
    assert result.returncode == 1
    assert "postgresql+psycopg://bw@127.0.0.1:1/bw" in result.stderr and "***" not in result.stderr


@pytest.mark.parametrize("args, needle", [
    (["db", "downgrade", "9999"], "revision '9999': Can't locate revision identified by '9999' (known: base, 0001"),
    (["db", "upgrade", "--revision", "nope"], "revision 'nope': Can't locate revision identified by 'nope'"),
])
def test_unknown_revisions_are_one_line(sqlite_url, args, needle):
    Database(sqlite_url).dispose()
    assert_one_line_error(borderwatch([*args, "--database-url", sqlite_url]), needle)


@pytest.mark.parametrize("args, needle", [
    (["events", "--format", "xml"], "'xml' is not one of 'table', 'csv', 'json', 'geojson'"),
    (["events", "--min-sources", "0"], "--min-sources"),
    (["feeds", "--format", "geojson"], "'geojson' is not one of 'table', 'csv', 'json'"),
    (["alerts", "--status", "lost"], "--status: unknown value 'lost'; valid: pending, sending, sent, failed"),
    (["events", "--colour"], "No such option: --colour"),
])
def test_usage_errors_are_one_line(sqlite_url, args, needle):
    Database(sqlite_url).dispose()
    assert_one_line_error(borderwatch([*args, "--database-url", sqlite_url]), needle)


def test_a_bad_database_url_option_is_named_as_the_option():
    assert_one_line_error(borderwatch(["--database-url", "mysql://bw:hunter2pass@127.0.0.1/bw", "events"]),
                          "--database-url: must be sqlite:///PATH")
