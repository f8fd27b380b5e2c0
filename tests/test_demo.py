"""`borderwatch demo`: the real pipeline over the bundled world; the second pass finds nothing and sends nothing."""

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

import borderwatch.demo
from borderwatch.demo.runner import run_demo
from borderwatch.errors import UsageError
from borderwatch.models.db import Database
from borderwatch.models.schema import Alert, Article, Event, Feed
from tests.conftest import free_port


def expected_alerts() -> list[tuple[str, str, str, str | None]]:
    """The table of alerts in the demo world's EXPECTED.md: (kind, subtype, place, actor or None)."""
    text = (Path(borderwatch.demo.__file__).parent / "world" / "EXPECTED.md").read_text(encoding="utf-8")
    table = text.split("<!-- alerts:begin -->")[1].split("<!-- alerts:end -->")[0].strip().splitlines()[2:]
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in table]
    return [(kind, subtype, place, None if actor == "—" else actor) for _n, kind, subtype, place, actor, *_ in rows]


def test_expected_md_lists_fourteen_alerts():
    assert len(expected_alerts()) == 14 and len(set(expected_alerts())) == 14


@pytest.mark.usefixtures("prefect_harness")
def test_demo_twice(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    port = free_port()
    db_url = f"sqlite:///{tmp_path / 'demo.db'}"
    first = run_demo(port=port, database_url=db_url, fresh=True)
    assert first["feeds_fetched"] == 5 and first["feeds_failed"] == 0
    assert first["articles_stored"] == 20  # 23 feed items, 20 distinct articles after URL canonicalisation
    assert first["articles_flagged"] >= 12
    assert first["alerts_failed"] == 0
    assert len(first["delivered"]) == first["alerts_sent"]
    sink = [json.loads(line) for line in (tmp_path / "borderwatch" / "demo-alerts.jsonl").read_text().splitlines()]
    assert len(sink) == first["alerts_sent"]

    db = Database(db_url)
    with db.session() as s:
        alerted = s.execute(select(Event.kind, Event.subtype, Event.place_name, Event.actor)
                            .join(Alert, Alert.event_id == Event.id).where(Alert.status == "sent")).all()
    db.dispose()
    assert sorted(map(tuple, alerted), key=str) == sorted(expected_alerts(), key=str)  # exactly, not a lower bound
    for message in sink:  # where, who, why and from whom, in every alert
        body = message["message"]
        assert "Place: " in body and "place not named" not in body and "Actor: " in body
        assert 'Evidence: "' in body and "Sources:\n- " in body

    # one build-up told three ways (alert, reservists, units sent) is one alert that says so
    build_up = [m["message"] for m in sink if "troop_movement / deployed (also reported as:" in m["message"]]
    assert len(build_up) == 1 and "alert" in build_up[0] and "mobilised" in build_up[0]

    second = run_demo(port=port, database_url=db_url)
    assert second["entries_new"] == 0 and second["articles_stored"] == 0
    assert second["alerts_queued"] == 0 and second["alerts_sent"] == 0 and second["delivered"] == []
    assert second["feeds_not_modified"] == 5
    assert first["events_corroborated"] >= 3  # outlets on their own addresses: distinct sources


def _count(url: str, table) -> int:
    db = Database(url, migrate=False)
    with db.session() as s:
        n = s.scalar(select(func.count()).select_from(table))
    db.dispose()
    return n


@pytest.mark.usefixtures("prefect_harness")
def test_demo_uses_the_default_database_and_fresh_resets_exactly_it(db_url, tmp_path, monkeypatch):
    """`demo --fresh` starts over in the database the demo uses (SQLite or Postgres), and only there."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    port = free_port()
    bystander = f"sqlite:///{tmp_path / 'borderwatch' / 'borderwatch.db'}"  # the default database
    run_demo(port=port)  # no database given: the default one, which every other command reads
    assert _count(bystander, Article) == 20
    first = run_demo(port=port, database_url=db_url)
    assert first["articles_stored"] == 20
    again = run_demo(port=port, database_url=db_url)
    assert again["entries_new"] == 0  # nothing new: the demo's second pass
    fresh = run_demo(port=port, database_url=db_url, fresh=True)
    assert fresh["entries_new"] == first["entries_new"] and fresh["articles_stored"] == 20  # started over
    assert fresh["events_new"] == first["events_new"] and fresh["alerts_sent"] == first["alerts_sent"]
    assert _count(db_url, Article) == 20 and _count(bystander, Article) == 20  # the other one untouched


@pytest.mark.usefixtures("prefect_harness")
def test_demo_never_writes_into_or_resets_a_database_with_real_feeds(sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    from datetime import UTC, datetime

    db = Database(sqlite_url)
    with db.session() as s:
        s.add(Feed(name="TOLOnews", url="https://tolonews.com/rss.xml", enabled=True, consecutive_failures=0,
                   items_seen=0, tags=[], created_at=datetime.now(UTC)))
    db.dispose()
    for fresh in (False, True):
        with pytest.raises(UsageError, match="holds feeds that are not the demo's .*TOLOnews.*--database-url"):
            run_demo(port=free_port(), database_url=sqlite_url, fresh=fresh)
    assert _count(sqlite_url, Feed) == 1
