"""`borderwatch events`: filters and the four output formats, on a seeded database (SQLite and Postgres)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from borderwatch.cli import app
from borderwatch.models.db import Database
from tests.eventseed import (
    ARGO,
    GOVERNMENT,
    KHAN_ABAD,
    KHOROG,
    WAKHAN,
    article,
    capture_reports,
    mention,
    seed,
)


@pytest.fixture
def seeded(db_url, tmp_path):
    db = Database(db_url)
    seed(db, capture_reports(3, place=ARGO))  # 3 sources
    seed(db, [article("http://b.example/2", "Khan Abad captured", [mention(place=KHAN_ABAD)])])
    seed(db, [article("http://c.example/3", "Soldiers cross | to \"Khorog\"", [mention(
        "troop_movement", "crossed_border", KHOROG, (GOVERNMENT,), count=90, count_text="90 soldiers",
        evidence='90 soldiers crossed, "officials" said, near Khorog.')])])
    seed(db, [article("http://d.example/4", "Old mobilisation", [mention(
        "troop_movement", "mobilised", WAKHAN, ("Tajik army",), event_date=date.today() - timedelta(days=40))])])
    with db.session() as s:  # the mobilisation was first seen 40 days ago
        s.execute(text("UPDATE events SET first_seen_at = :t WHERE subtype = 'mobilised'"),
                  {"t": (db.dialect == "sqlite" and (date.today() - timedelta(days=40)).isoformat() + " 00:00:00.000000")
                   or (date.today() - timedelta(days=40)).isoformat() + "T00:00:00+00:00"})
    db.dispose()
    cfg = tmp_path / "bw.yaml"
    cfg.write_text(f"database_url: {db_url}\n")
    return str(cfg)


@pytest.fixture
def sqlite_seeded(sqlite_url, tmp_path):
    db = Database(sqlite_url)
    seed(db, capture_reports(1, place=ARGO))
    db.dispose()
    cfg = tmp_path / "sqlite.yaml"
    cfg.write_text(f"database_url: {sqlite_url}\n")
    return str(cfg)


def _run(cfg: str, *args: str) -> str:
    result = CliRunner().invoke(app, ["events", "--config", cfg, *args], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def _json(cfg: str, *args: str) -> list[dict]:
    return [json.loads(line) for line in _run(cfg, "-f", "json", *args).splitlines()]


def test_filters(seeded):
    assert [e["place_name"] for e in _json(seeded)] == ["Khorog", "Khan Abad", "Argo", "Wakhan"]  # newest first
    assert {e["place_name"] for e in _json(seeded, "--kind", "territorial")} == {"Argo", "Khan Abad"}
    assert [e["place_name"] for e in _json(seeded, "--subtype", "crossed_border")] == ["Khorog"]
    assert [e["place_name"] for e in _json(seeded, "--country", "tj")] == ["Khorog"]
    assert {e["place_name"] for e in _json(seeded, "--country", "Afghanistan")} == {"Argo", "Khan Abad", "Wakhan"}
    assert {e["place_name"] for e in _json(seeded, "--province", "badakhshan")} == {"Argo", "Wakhan"}
    assert [(e["place_name"], e["corroboration"]) for e in _json(seeded, "--min-sources", "3")] == [("Argo", 3)]
    assert {e["place_name"] for e in _json(seeded, "--seen-since", "7d")} == {"Argo", "Khan Abad", "Khorog"}
    assert {e["place_name"] for e in _json(seeded, "--since", "7d")} == {"Argo", "Khan Abad", "Khorog"}
    since = (date.today() - timedelta(days=60)).isoformat()
    assert len(_json(seeded, "--since", since)) == 4
    assert _json(seeded, "--kind", "territorial", "--province", "Kunduz")[0]["place_name"] == "Khan Abad"
    assert len(_json(seeded, "--limit", "2")) == 2


def test_json_rows_carry_the_view_columns(seeded):
    (row,) = _json(seeded, "--subtype", "crossed_border")
    assert row["kind"] == "troop_movement" and row["actor"] == GOVERNMENT and row["country_code"] == "TJ"
    assert row["first_evidence"] == '90 soldiers crossed, "officials" said, near Khorog.'
    assert row["count_low"] == row["count_high"] == 90 and row["lat"] == pytest.approx(37.4897)
    assert row["first_url"] == "http://c.example/3"


def test_csv_quotes_properly(seeded):
    rows = list(csv.DictReader(io.StringIO(_run(seeded, "-f", "csv", "--subtype", "crossed_border"))))
    assert len(rows) == 1
    assert rows[0]["first_evidence"] == '90 soldiers crossed, "officials" said, near Khorog.'
    assert rows[0]["first_title"] == 'Soldiers cross | to "Khorog"' and rows[0]["corroboration"] == "1"


def test_geojson_is_a_feature_collection_of_located_events(seeded, db_url):
    data = json.loads(_run(seeded, "-f", "geojson"))
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 4
    khorog = next(f for f in data["features"] if f["properties"]["place_name"] == "Khorog")
    assert khorog["geometry"] == {"type": "Point", "coordinates": [pytest.approx(71.553), pytest.approx(37.4897)]}
    assert khorog["properties"]["subtype"] == "crossed_border"
    db = Database(db_url)  # an event with no place on the map is not a feature (no null geometries)
    seed(db, [article("http://f.example/8", "Taliban claim 85% of the border",
                      [mention("territorial", "control_claim", None, ("Taliban",))])])  # a claim with no place
    db.dispose()
    data = json.loads(_run(seeded, "-f", "geojson"))
    assert len(data["features"]) == 4 and all(f["geometry"] for f in data["features"])
    assert len(_json(seeded)) == 5


def test_table(seeded):
    out = _run(seeded, "--kind", "territorial")
    assert "events (2, times UTC)" in out and "Argo" in out and "Khan Abad" in out and "Khorog" not in out


def test_bad_since_is_a_clear_error(seeded):
    result = CliRunner().invoke(app, ["events", "--config", seeded, "--since", "last tuesday"],
                                env={"COLUMNS": "300"})
    assert result.exit_code == 2 and "24h, 7d, 2w" in " ".join(result.output.split())


def test_seen_since_with_a_utc_offset_is_converted(tmp_path):
    from datetime import UTC, datetime, timedelta, timezone

    from borderwatch.models import queries
    from borderwatch.models.db import Database
    from borderwatch.models.schema import Event

    db = Database(f"sqlite:///{tmp_path / 't.db'}")
    seen = datetime.now(UTC) - timedelta(minutes=30)
    with db.session() as s:
        s.add(Event(kind="territorial", subtype="captured", family="takeover", place_key="AF1728",
                    place_name="Wakhan", first_seen_at=seen, last_seen_at=seen, sources=1, mentions_count=1,
                    confidence=0.9, status="new"))
    with db.session() as s:
        since = (datetime.now(UTC) - timedelta(hours=1)).astimezone(timezone(timedelta(hours=5)))
        assert [e["place_name"] for e in queries.events(s, seen_since=since)] == ["Wakhan"]
    db.dispose()


def test_since_is_on_the_event_date_and_seen_since_on_first_seen(db_url, tmp_path):
    """An event that happened 40 days ago but was first reported today: --since 7d leaves it out (it did not
    happen in the last week), --seen-since 7d keeps it (borderwatch learnt of it this week)."""
    db = Database(db_url)
    seed(db, [article("http://e.example/5", "Late report", [mention(
        place=WAKHAN, event_date=date.today() - timedelta(days=40))])])
    seed(db, [article("http://e.example/6", "Fresh report", [mention(place=ARGO, event_date=date.today())])])
    seed(db, [article("http://e.example/7", "Undated report", [mention(place=KHAN_ABAD)])])  # no event date
    db.dispose()
    cfg = tmp_path / "bw.yaml"
    cfg.write_text(f"database_url: {db_url}\n")
    assert {e["place_name"] for e in _json(str(cfg), "--since", "7d")} == {"Argo", "Khan Abad"}
    assert {e["place_name"] for e in _json(str(cfg), "--seen-since", "7d")} == {"Argo", "Khan Abad", "Wakhan"}
    since = (date.today() - timedelta(days=41)).isoformat()
    assert {e["place_name"] for e in _json(str(cfg), "--since", since)} == {"Argo", "Khan Abad", "Wakhan"}


@pytest.mark.parametrize("args, needle", [
    (["--kind", "territorail"], "--kind: unknown value 'territorail'; valid: territorial, troop_movement"),
    (["--subtype", "capturd"], "--subtype: unknown value 'capturd'; valid: captured, retaken"),
    (["--kind", "troop_movement", "--subtype", "captured"], "--subtype: unknown value 'captured'; valid: crossed_border"),
    (["--country", "Narnia"], "--country: unknown value 'Narnia'; valid: "),
    (["--province", "Atlantis"], "--province: unknown value 'Atlantis'; valid: "),
    (["--since", "last tuesday"], "--since: 'last tuesday' is neither an ISO date"),
    (["--seen-since", "soon"], "--seen-since: 'soon' is neither"),
])
def test_unknown_filter_values_are_one_line_listing_the_valid_ones(sqlite_seeded, args, needle):
    result = CliRunner().invoke(app, ["events", "--config", sqlite_seeded, *args], env={"COLUMNS": "300"})
    assert result.exit_code == 2 and result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("borderwatch: error: ") and needle in line, line


def test_filter_values_are_case_insensitive(seeded):
    assert {e["place_name"] for e in _json(seeded, "--kind", "Territorial")} == {"Argo", "Khan Abad"}
    assert [e["place_name"] for e in _json(seeded, "--subtype", "CROSSED_BORDER")] == ["Khorog"]
    assert [e["place_name"] for e in _json(seeded, "--country", "TAJIKISTAN")] == ["Khorog"]
    assert {e["place_name"] for e in _json(seeded, "--province", "BADAKHSHAN")} == {"Argo", "Wakhan"}
