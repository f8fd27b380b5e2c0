"""The documented views and every SQL cookbook query in docs/alerts-and-sql.md run unchanged on Postgres and
SQLite and answer their question on a seeded database. The docs are the spec."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import text

from borderwatch.config import FeedConfig
from borderwatch.models import store
from borderwatch.models.db import Database, downgrade, upgrade
from borderwatch.models.schema import Event
from borderwatch.records import FeedOutcome
from tests.conftest import make_config
from tests.eventseed import (
    ARGO,
    GOVERNMENT,
    ISHKASHIM,
    KHAN_ABAD,
    KHOROG,
    TALIBAN,
    WAKHAN,
    article,
    capture_reports,
    mention,
    seed,
)

DOC = Path(__file__).resolve().parents[1] / "docs" / "alerts-and-sql.md"
VIEWS = ["events_v", "mentions_v", "place_control_v", "control_timeline_v", "feed_health_v", "alerts_v"]


def cookbook() -> dict[str, str]:
    blocks = re.findall(r"```sql\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    out = {}
    for block in blocks:
        m = re.match(r"-- cookbook: (\w+)\n", block)
        assert m, f"every SQL block in the docs is named: {block[:60]!r}"
        out[m.group(1)] = block
    return out


def documented_columns() -> dict[str, list[str]]:
    cols = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\| `(\w+_v)` \| [^|]+ \| (.+) \|$", line)
        if m:
            cell = re.sub(r"\([^)]*\)", "", m.group(2)).replace("`", "")  # drop the (value notes)
            cols[m.group(1)] = [c.strip() for c in cell.split(",")]
    return cols


MONDAY = date.today() - timedelta(days=date.today().weekday() + 21)  # a Monday three weeks ago


@pytest.fixture
def world_db(db_url):
    db = Database(db_url)
    config = make_config(db_url, alerts=[{"url": "json://127.0.0.1:9/x", "name": "desk"}],
                         delivery={"feed_failure_threshold": 2})
    recent = date.today() - timedelta(days=1)
    seed(db, capture_reports(3, place=ARGO, start=recent), config)  # Badakhshan, 3 sources
    seed(db, capture_reports(1, place=KHAN_ABAD, start=recent, port_base=9100), config)  # Kunduz
    seed(db, capture_reports(1, place=ISHKASHIM, start=recent - timedelta(days=3), port_base=9200), config)
    seed(db, capture_reports(2, place=ISHKASHIM, start=recent, actor=GOVERNMENT, subtype="retaken",
                             port_base=9300), config)
    seed(db, capture_reports(1, place=WAKHAN, start=date.today() - timedelta(days=12), port_base=9400), config)
    crossings = [
        (KHOROG, MONDAY, 90, "90 soldiers crossed to Khorog."),
        (WAKHAN, MONDAY + timedelta(days=3), 280, "280 soldiers fled into Tajikistan from Wakhan."),
        (KHOROG, MONDAY + timedelta(days=8), 40, "40 soldiers crossed to Khorog."),
        (KHAN_ABAD, MONDAY + timedelta(days=8), 500, "500 soldiers crossed into Uzbekistan."),
    ]
    for i, (place, day, count, evidence) in enumerate(crossings):
        seed(db, [article(f"http://x{i}.example/c", evidence, [mention(
            "troop_movement", "crossed_border", place, (GOVERNMENT,), count=count, count_text=f"{count} soldiers",
            evidence=evidence, event_date=day)])], config)
    seed(db, [article("http://y.example/c2", "More say 300", [mention(
        "troop_movement", "crossed_border", WAKHAN, (GOVERNMENT,), count=300, count_text="about 300",
        claimant="Afghan defence ministry", event_date=MONDAY + timedelta(days=3))])], config)
    with db.session() as s:
        # the Wakhan capture was first seen 12 days ago
        s.execute(sa.update(Event).where(Event.place_key == WAKHAN.id, Event.kind == "territorial")
                  .values(first_seen_at=store.utcnow() - timedelta(days=12)))
        feeds = store.sync_feeds(s, [FeedConfig(name="Broken", url="https://broken.example/rss"),
                                     FeedConfig(name="Fine", url="https://fine.example/rss")])
        broken, fine = feeds
        for _ in range(3):
            store.record_feed_outcome(s, FeedOutcome(broken.id, status=503, error="HTTP 503"), 0, config.poll_policy, 2)
        store.record_feed_outcome(s, FeedOutcome(fine.id, status=200), 4, config.poll_policy, 2)
    yield db
    db.dispose()


def _rows(db, sql) -> list[tuple]:
    with db.session() as s:
        return [tuple(r) for r in s.execute(text(sql))]


def test_every_documented_column_exists(world_db):
    documented = documented_columns()
    assert set(documented) == set(VIEWS)
    with world_db.session() as s:
        for view, columns in documented.items():
            actual = list(s.execute(text(f"SELECT * FROM {view} LIMIT 0")).keys())
            assert actual == columns, view


def test_captures_by_province_last_7_days(world_db):
    rows = _rows(world_db, cookbook()["captures_by_province_last_7_days"])
    # Argo and the earlier Ishkashim capture (Badakhshan), Khan Abad (Kunduz); Wakhan's is 12 days old
    assert rows == [("Badakhshan", "Afghanistan", 2, 4), ("Kunduz", "Afghanistan", 1, 1)]


def test_crossings_into_tajikistan_per_week(world_db):
    rows = _rows(world_db, cookbook()["crossings_into_tajikistan_per_week"])
    week1, week2 = MONDAY.isoformat(), (MONDAY + timedelta(days=7)).isoformat()
    # week 1: Khorog (TJ) 90, Wakhan "into Tajikistan" 280 vs 300 claimed; week 2: Khorog 40 (Uzbekistan: no)
    assert [(str(w), n, low, high) for w, n, low, high in rows] == [(week1, 2, 370, 390), (week2, 1, 40, 40)]


def test_events_with_3_sources(world_db):
    rows = _rows(world_db, cookbook()["events_with_3_sources"])
    assert [(r[3], r[6]) for r in rows] == [("Argo", 3)]


def test_badakhshan_control(world_db):
    rows = _rows(world_db, cookbook()["badakhshan_control"])
    assert [(r[0], r[1], r[3], r[4], r[5]) for r in rows] == [
        ("Argo", TALIBAN, "captured", None, 1),
        ("Ishkashim", GOVERNMENT, "retaken", TALIBAN, 2),
        ("Wakhan", TALIBAN, "captured", None, 1),
    ]


def test_failing_feeds(world_db):
    rows = _rows(world_db, cookbook()["failing_feeds"])
    assert [(r[0], r[1], r[2], r[4]) for r in rows] == [("Broken", 3, 0, "HTTP 503")]


def test_claims_and_undelivered_alerts(world_db):
    claims = _rows(world_db, cookbook()["claims_for_one_event"])
    assert len(claims) == 3 and {c[0] for c in claims} == {"127.0.0.1:9000", "127.0.0.1:9001", "127.0.0.1:9002"}
    alerts = _rows(world_db, cookbook()["undelivered_alerts"])
    assert len(alerts) == 9 and {a[3] for a in alerts} == {"pending"}  # 9 events queued for 'desk'


def test_week_and_age_columns_agree_across_databases(world_db):
    rows = _rows(world_db, "SELECT event_date, event_week, age_days FROM events_v WHERE kind = 'troop_movement'")
    for event_date, week, age in rows:
        d = date.fromisoformat(str(event_date))
        assert str(week) == (d - timedelta(days=d.weekday())).isoformat()
        assert age == 0


def test_views_survive_downgrade_and_upgrade(db_url):
    upgrade(db_url)
    downgrade(db_url, "0002")
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        cols = list(conn.execute(text("SELECT * FROM events_v LIMIT 0")).keys())
        assert "age_days" not in cols and "corroboration" in cols
        assert not sa.inspect(conn).has_table("control_timeline_v") and "control_timeline_v" not in \
            sa.inspect(conn).get_view_names()
    engine.dispose()
    upgrade(db_url)
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        assert "age_days" in list(conn.execute(text("SELECT * FROM events_v LIMIT 0")).keys())
    engine.dispose()
