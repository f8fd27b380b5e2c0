"""Routing: per-channel filters (kinds, subtypes, countries, provinces, minimum sources and confidence), modes
(immediate: one message per event; digest: one per run), and operator notices for feeds failing N runs in a
row (once) and recovering (once more)."""

from __future__ import annotations

import time
from datetime import date, timedelta

from sqlalchemy import select

from borderwatch.config import FeedConfig
from borderwatch.delivery import deliver
from borderwatch.models import store
from borderwatch.models.schema import Alert
from borderwatch.outbox import queue_event_alerts, queue_ops_alert
from borderwatch.records import FeedOutcome
from tests.conftest import make_config
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


def _mixed_world():
    """Five events: a capture in Badakhshan (AF), one in Kunduz (AF), a crossing into Tajikistan (TJ),
    a mobilisation with low confidence, a statement (not an alert kind by default)."""
    return [
        article("http://a.example/1", "Argo captured", [mention(place=ARGO)]),
        article("http://b.example/2", "Khan Abad captured", [mention(place=KHAN_ABAD)]),
        article("http://c.example/3", "Soldiers cross to Khorog", [mention(
            "troop_movement", "crossed_border", KHOROG, (GOVERNMENT,), count=90, count_text="90 soldiers")]),
        article("http://d.example/4", "Reservists called up", [mention(
            "troop_movement", "mobilised", WAKHAN, ("Tajik army",), confidence=0.3)]),
        article("http://e.example/5", "CSTO statement", [mention("statement", "statement", KHOROG, ("CSTO",))]),
    ]


def _channel(sink, name, **routing):
    return {"url": sink.json_url(f"/{name}"), "name": name, **routing}


def test_filters_route_each_event_to_the_channels_that_want_it(db_url, db, sink):
    channels = [
        _channel(sink, "all"),
        _channel(sink, "territorial", kinds=["territorial"]),
        _channel(sink, "crossings", subtypes=["crossed_border"]),
        _channel(sink, "tajikistan", countries=["tj"]),
        _channel(sink, "afghanistan", countries=["Afghanistan"]),
        _channel(sink, "badakhshan", provinces=["badakhshan"]),
        _channel(sink, "confident", min_confidence=0.5),
        _channel(sink, "statements", kinds=["statement"]),
    ]
    config = make_config(db_url, alerts=channels)
    seed(db, _mixed_world(), config)
    assert deliver(config, db) == (17, 0)

    def places(name):
        return sorted(p.json["title"].split(" — ")[1].split(",")[0] for p in sink.ok_posts(f"/{name}"))

    assert places("all") == ["Argo", "Khan Abad", "Khorog", "Wakhan"]
    assert places("territorial") == ["Argo", "Khan Abad"]
    assert places("crossings") == ["Khorog"]
    assert places("tajikistan") == ["Khorog"]
    assert places("afghanistan") == ["Argo", "Khan Abad", "Wakhan"]
    assert places("badakhshan") == ["Argo", "Wakhan"]
    assert places("confident") == ["Argo", "Khan Abad", "Khorog"]
    assert places("statements") == ["Khorog"]


def test_min_sources_alerts_once_when_corroboration_reaches_it(db_url, db, sink):
    config = make_config(db_url, alerts=[_channel(sink, "fast"), _channel(sink, "three", min_sources=3)])
    reports = capture_reports(5)
    for i, batch in enumerate([reports[:1], reports[1:2], reports[2:3], reports[3:5]]):
        seed(db, batch, config)
        deliver(config, db)
        assert len(sink.ok_posts("/fast")) == 1
        assert len(sink.ok_posts("/three")) == (1 if i >= 2 else 0)
    assert "Corroboration: 3 sources" in sink.ok_posts("/three")[0].json["message"]


def test_immediate_sends_one_message_per_event_digest_one_per_run(db_url, db, sink):
    config = make_config(db_url, alerts=[_channel(sink, "now"), _channel(sink, "daily", mode="digest")])
    seed(db, _mixed_world(), config)
    assert deliver(config, db) == (8, 0)
    assert len(sink.ok_posts("/now")) == 4
    (digest,) = sink.ok_posts("/daily")
    assert digest.json["title"] == "[borderwatch] 4 new events"
    for place in ("Argo", "Khan Abad", "Khorog", "Wakhan"):
        assert place in digest.json["message"]
    seed(db, capture_reports(2, start=date.today() - timedelta(days=50), port_base=9500), config)
    assert deliver(config, db) == (2, 0)
    assert sink.ok_posts("/daily")[-1].json["title"] == "[borderwatch] 1 new event"
    assert deliver(config, db) == (0, 0)


def _fail(feed_id: int) -> FeedOutcome:
    return FeedOutcome(feed_id, status=500, error="HTTP 500 from feed")


def _ok(feed_id: int) -> FeedOutcome:
    return FeedOutcome(feed_id, status=304)


def test_feed_failing_n_runs_notifies_ops_once_and_once_on_recovery(db_url, db, sink):
    config = make_config(db_url, alerts=[_channel(sink, "ops", tags=["ops"], kinds=[]),
                                         _channel(sink, "desk")],
                         delivery={"feed_failure_threshold": 3})
    with db.session() as s:
        (feed,) = store.sync_feeds(s, [FeedConfig(name="Khaama", url="https://feeds.example/khaama.xml")])
        feed_id = feed.id

    def run(outcome):
        with db.session() as s:
            _feed, transition = store.record_feed_outcome(s, outcome, 0, config.poll_policy,
                                                          config.delivery.feed_failure_threshold)
            if transition:
                queue_ops_alert(s, config.alerts, transition[1], transition[0], feed_id)
        deliver(config, db)
        return [p.json["title"] for p in sink.ok_posts("/ops")]

    assert run(_fail(feed_id)) == []
    assert run(_fail(feed_id)) == []
    assert run(_fail(feed_id)) == ["[borderwatch] feed failing: Khaama"]
    for _ in range(3):
        assert len(run(_fail(feed_id))) == 1  # still down: no repeat
    assert run(_ok(feed_id)) == ["[borderwatch] feed failing: Khaama", "[borderwatch] feed recovered: Khaama"]
    assert len(run(_ok(feed_id))) == 2
    # a new incident later is a new notice (incident keys have one-second resolution; runs are minutes apart)
    time.sleep(1.05)
    for _ in range(3):
        titles = run(_fail(feed_id))
    assert titles[-1] == "[borderwatch] feed failing: Khaama" and len(titles) == 3
    assert "failed 3 runs in a row" in sink.ok_posts("/ops")[0].json["message"]
    assert "HTTP 500 from feed" in sink.ok_posts("/ops")[0].json["message"]
    assert sink.ok_posts("/desk") == []

    # an ops channel with kinds: [] hears no events
    seed(db, capture_reports(1), config)
    deliver(config, db)
    assert len(sink.ok_posts("/ops")) == 3 and len(sink.ok_posts("/desk")) == 1
    with db.session() as s:
        kinds = sorted(s.scalars(select(Alert.kind).where(Alert.channel == "ops")))
    assert kinds == ["feed_down", "feed_down", "feed_recovered"]


def test_digest_every_day_one_message_per_period_once_across_runs(db_url, db, sink):
    """`mode: digest, every: 1d`: the events queued during one UTC day go out as one message after midnight,
    titled with the day, and never again; today's wait for tonight."""
    config = make_config(db_url, alerts=[_channel(sink, "morning", mode="digest", every="1d")])
    today = store.utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    yesterday = today - timedelta(days=1)
    world = _mixed_world()
    with db.session() as s:  # two runs yesterday, one today
        for batch, at in ((world[:2], yesterday + timedelta(hours=9)), (world[2:3], yesterday + timedelta(hours=17)),
                          (world[3:], today + timedelta(minutes=1))):
            inserted = store.save_articles(s, batch)
            created, _ = store.cluster_mentions(s, [a for a, _ in inserted], 3)
            queue_event_alerts(s, created, config.alerts, now=at)
    assert deliver(config, db) == (3, 0)
    assert deliver(config, db) == (0, 0)  # a second run: nothing twice
    (digest,) = sink.ok_posts("/morning")
    assert digest.json["title"] == f"[borderwatch] 3 new events, {yesterday:%Y-%m-%d}"
    for place in ("Argo", "Khan Abad", "Khorog"):
        assert place in digest.json["message"]
    assert "Wakhan" not in digest.json["message"]  # today's event waits for the end of today
    with db.session() as s:
        assert s.scalar(select(Alert.status).where(Alert.status == "pending")) == "pending"


def test_every_is_for_digests_and_divides_a_day(db_url, sink):
    import pytest

    from borderwatch.errors import ConfigError

    for bad in ({"mode": "immediate", "every": "1h"}, {"mode": "digest", "every": "7h"},
                {"mode": "digest", "every": "hourly"}):
        with pytest.raises((ConfigError, ValueError)) as err:
            make_config(db_url, alerts=[_channel(sink, "x", **bad)])
        assert "every" in str(err.value)
