"""Tables fit the terminal: at 80 and 160 columns (COLUMNS) and at 100 when not a terminal no line is wider;
at 160 an event takes at most two lines; the most useful columns are kept; long text is cut with "…";
--wide shows everything; times to the minute. CSV headers do not depend on the row count."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from borderwatch.cli import app
from borderwatch.models.db import Database
from borderwatch.models.schema import Alert, Feed
from borderwatch.outbox import queue_event_alerts
from borderwatch.tables import Column, clip, fit
from tests.eventseed import ARGO, KHAN_ABAD, KHOROG, WAKHAN, article, mention, seed

LONG = ("According to two local officials who spoke on condition of anonymity, fighters entered the district "
        "centre before dawn after a night of heavy clashes, raised their flag over the governor's compound and "
        "the police headquarters, and set up checkpoints on the road to the provincial capital.")
PLACES = [ARGO, KHAN_ABAD, KHOROG, WAKHAN]
N_EVENTS = 27


@pytest.fixture
def busy(sqlite_url, tmp_path):
    """27 events with long evidence and actors, feeds with long errors, alerts sent and pending."""
    db = Database(sqlite_url)
    for i in range(N_EVENTS):
        place = PLACES[i % 4]
        seed(db, [article(f"http://news{i}.example/story/{i}", f"Story {i}", [mention(
            "troop_movement" if i % 3 else "territorial", "crossed_border" if i % 3 else "captured", place,
            (f"Armed group number {i} of the northern alliance",), count=100 + i,
            count_text=f"{100 + i} soldiers", evidence=f"Report {i}: {LONG}",
            event_date=date.today() - timedelta(days=i))])], window_days=0.01)
    with db.session() as s:
        for i in range(3):
            s.add(Feed(name=f"A feed with a rather long name number {i}", url=f"https://feeds{i}.example/rss",
                       enabled=True, consecutive_failures=i, items_seen=10 * i, tags=[],
                       last_error=f"HTTP 502 Bad Gateway after a very long wait {LONG}" if i else None,
                       created_at=datetime.now(UTC)))
        s.flush()
        event_ids = [e for (e,) in s.execute(Alert.__table__.select().with_only_columns(Alert.id))]  # none yet
        assert event_ids == []
    from tests.conftest import make_config

    config = make_config(sqlite_url, alerts=[{"url": "json://127.0.0.1:9/hook", "name": "desk-webhook"}])
    with db.session() as s:
        from borderwatch.models.schema import Event

        queue_event_alerts(s, [e.id for e in s.query(Event).limit(4)], config.alerts)
    with db.session() as s:
        first = s.query(Alert).order_by(Alert.id).first()
        s.execute(update(Alert).where(Alert.id == first.id).values(status="sent", sent_at=datetime.now(UTC),
                                                                   attempts=1))
    db.dispose()
    cfg = tmp_path / "bw.yaml"
    cfg.write_text(f"database_url: {sqlite_url}\n")
    return str(cfg)


def table(cfg: str, command: str, *args: str, columns: str | None) -> list[str]:
    result = CliRunner().invoke(app, [command, "--config", cfg, *args], env={"COLUMNS": columns})
    assert result.exit_code == 0, result.output
    return result.stdout.rstrip("\n").splitlines()


def body(lines: list[str]) -> list[str]:
    """The rows under the header rule."""
    rule = next(i for i, line in enumerate(lines) if set(line.strip()) == {"─"})
    return lines[rule + 1:]


@pytest.mark.parametrize("columns, width", [("80", 80), ("160", 160), (None, 100)])
@pytest.mark.parametrize("command", ["events", "feeds", "alerts"])
def test_no_line_is_wider_than_the_terminal(busy, command, columns, width):
    lines = table(busy, command, columns=columns)
    assert max(len(line) for line in lines) <= width, "\n".join(lines)
    header = lines[1]
    assert "/" not in header and all(len(word) > 1 for word in header.split())  # headers never split


def test_at_160_an_event_takes_at_most_two_lines_and_the_useful_columns_are_there(busy):
    lines = table(busy, "events", columns="160")
    assert lines[0].startswith(f"events ({N_EVENTS}, times UTC)")
    rows = body(lines)
    starts = [i for i, line in enumerate(rows) if re.match(r"\s*\d+\s+\d{4}-\d\d-\d\d", line)]
    assert len(starts) == N_EVENTS
    assert all(b - a <= 2 for a, b in zip(starts, [*starts[1:], len(rows)], strict=True))
    header = lines[1].split()
    for col in ("date", "what", "place", "province", "actor", "src", "evidence"):
        assert col in header, header
    evidence_start = lines[1].index("evidence")
    assert len(lines[1]) - evidence_start >= 40  # the evidence gets the room, not 12 characters
    assert "…" in "\n".join(rows)


def test_at_80_the_most_useful_columns_are_kept(busy):
    lines = table(busy, "events", columns="80")
    header = lines[1].split()
    assert {"date", "what", "place", "src", "evidence"} <= set(header)
    assert "first" not in header and "conf" not in header
    rows = body(lines)
    assert len(rows) <= 2 * N_EVENTS


def test_times_to_the_minute(busy):
    out = "\n".join(table(busy, "events", columns="160") + table(busy, "feeds", columns="160")
                    + table(busy, "alerts", columns="160"))
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", out)
    assert not re.search(r"\d\d:\d\d:\d\d", out) and not re.search(r"\.\d{6}", out)


def test_wide_shows_every_column_and_every_value(busy):
    lines = table(busy, "events", "--wide", columns="80")
    assert {"id", "first", "kind", "conf", "source", "evidence"} <= set(lines[1].split())
    assert sum(1 for line in lines if LONG in line) == N_EVENTS  # the whole sentence, one line per event
    assert "…" not in "\n".join(lines)


def test_sent_alerts_have_no_next_attempt(busy):
    from borderwatch.cli import app as cli

    result = CliRunner().invoke(cli, ["alerts", "--config", busy, "-f", "json"])
    import json

    rows = [json.loads(line) for line in result.stdout.splitlines()]
    sent = [r for r in rows if r["status"] == "sent"]
    pending = [r for r in rows if r["status"] == "pending"]
    assert sent and pending
    assert all(r["next_attempt_at"] is None for r in sent)
    assert all(r["next_attempt_at"] is not None for r in pending)


@pytest.mark.parametrize("command, view", [("events", "events_v"), ("feeds", "feed_health_v"),
                                           ("alerts", "alerts_v")])
def test_csv_header_does_not_depend_on_the_rows(busy, sqlite_url, tmp_path, command, view):
    full = CliRunner().invoke(app, [command, "--config", busy, "-f", "csv"]).stdout
    empty_url = f"sqlite:///{tmp_path / 'empty.db'}"
    Database(empty_url).dispose()
    empty = CliRunner().invoke(app, [command, "--database-url", empty_url, "-f", "csv"]).stdout
    header_full = next(csv.reader(io.StringIO(full)))
    assert next(csv.reader(io.StringIO(empty))) == header_full
    assert empty.count("\n") == 1 and len(list(csv.reader(io.StringIO(full)))) > 1
    with Database(sqlite_url).session() as s:
        from borderwatch.models.queries import view_columns

        assert header_full == view_columns(s, view)


@pytest.mark.parametrize("command", ["feeds", "alerts"])
def test_geojson_is_offered_only_for_events(busy, command):
    result = CliRunner().invoke(app, [command, "--config", busy, "-f", "geojson"])
    assert result.exit_code == 2 and "geojson" in result.output


def test_fit_keeps_columns_by_rank_and_gives_the_rest_to_the_open_one():
    cols = [Column("a", "a", 5, 10, 0), Column("b", "b", 5, 5, 2), Column("c", "c", 10, None, 1)]
    assert [(c.key, w) for c, w in fit(cols, 40)] == [("a", 10), ("b", 5), ("c", 21)]
    assert [(c.key, w) for c, w in fit(cols, 20)] == [("a", 8), ("c", 10)]
    assert clip("one two three four", 9) == "one two…"
    assert clip("one two three four five six", 9, lines=2) == "one two\nthree…"
