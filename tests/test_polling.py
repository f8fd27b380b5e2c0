"""Each feed is polled as often as it publishes: the policy (borderwatch.polling, pure) and a pass over real
feeds on 127.0.0.1 into SQLite and Postgres: intervals from the items' dates, <ttl>, Cache-Control max-age,
Retry-After and back-off respected, only due feeds polled, `borderwatch feeds` shows interval and next poll."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from borderwatch import polling
from borderwatch.cli import app
from borderwatch.flows.monitor import run_monitor
from borderwatch.models.db import Database
from borderwatch.models.schema import Feed
from borderwatch.polling import PollPolicy
from tests.conftest import make_config
from tests.servers import ScriptedServer, static

POLICY = PollPolicy(min_interval=300, max_interval=6 * 3600, window=3 * 86400, backoff_base=300, backoff_max=6 * 3600)
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


# --- the policy -------------------------------------------------------------------------------------------------

def test_a_feed_publishing_every_five_minutes_is_polled_every_five_minutes():
    every_5 = [NOW - 5 * MIN * i - 2 * MIN for i in range(20)]  # a list of its last 20 items only
    observed = polling.publishing_interval(every_5, NOW, POLICY.window)
    assert 290 <= observed <= 310
    assert polling.poll_interval(observed, None, POLICY) == pytest.approx(300, abs=10)
    every_minute = [NOW - MIN * i for i in range(50)]
    assert polling.poll_interval(polling.publishing_interval(every_minute, NOW, POLICY.window), None, POLICY) == 300


def test_a_daily_feed_is_polled_at_the_upper_bound_and_a_silent_one_drifts_up():
    daily = [NOW - timedelta(days=d, hours=3) for d in range(10)]
    assert polling.poll_interval(polling.publishing_interval(daily, NOW, POLICY.window), None, POLICY) == 6 * 3600
    hourly = [NOW - timedelta(hours=h) for h in range(1, 30)]
    assert polling.poll_interval(polling.publishing_interval(hourly, NOW, POLICY.window), None, POLICY) == \
        pytest.approx(3600, rel=0.05)
    # nothing dated in the window: the previous interval grows by half, up to the bound
    assert polling.publishing_interval([NOW - timedelta(days=9)], NOW, POLICY.window) is None
    assert polling.poll_interval(None, 1200, POLICY) == 1800
    assert polling.poll_interval(None, 5 * 3600, POLICY) == 6 * 3600
    assert polling.poll_interval(None, None, POLICY) == 6 * 3600
    # undated items: new items since the last good poll say the rate
    assert polling.observed_interval([None] * 5, NOW, POLICY.window, new_items=4, since_last=3600) == 900
    # dates in the future count as now
    assert polling.publishing_interval([NOW + timedelta(days=2)] * 3, NOW, POLICY.window) == pytest.approx(1 / 3)


def test_ttl_and_max_age_are_a_floor_capped_at_the_upper_bound():
    assert polling.next_poll(NOW, 300, POLICY, ttl=3600) == NOW + timedelta(hours=1)
    assert polling.next_poll(NOW, 300, POLICY, max_age=900) == NOW + timedelta(minutes=15)
    assert polling.next_poll(NOW, 7200, POLICY, ttl=600, max_age=900) == NOW + timedelta(hours=2) - MIN  # early
    assert polling.next_poll(NOW, 300, POLICY) == NOW + timedelta(seconds=270)  # a tenth early: the pass at +300
    assert polling.next_poll(NOW, 300, POLICY, ttl=7 * 86400) == NOW + timedelta(hours=6)  # a wrong <ttl>
    assert polling.parse_ttl("60") == 3600 and polling.parse_ttl(" 5 ") == 300
    assert polling.parse_ttl("soon") is None and polling.parse_ttl(None) is None and polling.parse_ttl("-3") is None
    assert polling.cache_max_age({"cache-control": "public, max-age=600"}) == 600
    assert polling.cache_max_age({"cache-control": "max-age=600, s-maxage=1200"}) == 1200
    assert polling.cache_max_age({"cache-control": "no-cache"}) == 0
    assert polling.cache_max_age({"cache-control": 'max-age="60"'}) == 60
    assert polling.cache_max_age({}) is None and polling.cache_max_age({"cache-control": "private"}) is None


def test_failure_back_off_and_retry_after():
    assert [polling.backoff_delay(n, 300, 6 * 3600) for n in (1, 2, 3, 7, 8)] == [300, 600, 1200, 19200, 21600]
    assert polling.backoff_delay(0, 60, 3600) == 60  # alerts: attempts counted from 1, 0 reads as 1
    assert polling.failure_delay(1, POLICY, retry_after=3600) == 3600
    assert polling.failure_delay(3, POLICY, retry_after=10) == 1200
    assert polling.failure_delay(1, POLICY, retry_after=30 * 86400) == 6 * 3600


def test_due_means_never_polled_or_its_time_has_come():
    assert polling.is_due(None, NOW)
    assert polling.is_due(NOW - MIN, NOW) and polling.is_due(NOW, NOW)
    assert not polling.is_due(NOW + timedelta(seconds=1), NOW)


def test_polling_bounds_are_checked():
    from borderwatch.errors import ConfigError

    with pytest.raises(ConfigError, match="polling: min_interval .* is more than max_interval"):
        make_config("sqlite://", None, polling={"min_interval": 7200, "max_interval": 3600})


# --- a pass over real feeds -------------------------------------------------------------------------------------

def rss(items: list[datetime], *, name: str, ttl: int | None = None) -> bytes:
    body = "".join(f"<item><title>{name} item {i}</title><link>http://127.0.0.1/{name}/{i}</link>"
                   f"<guid>{name}-{i}</guid><pubDate>{format_datetime(when, usegmt=True)}</pubDate></item>"
                   for i, when in enumerate(items))
    ttl_tag = f"<ttl>{ttl}</ttl>" if ttl is not None else ""
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{name}</title>{ttl_tag}{body}</channel></rss>'.encode()


@pytest.fixture
def feeds_world():
    now = datetime.now(UTC)
    with ScriptedServer() as srv:
        srv.routes["/wire.xml"] = static(rss([now - timedelta(minutes=5 * i + 1) for i in range(20)], name="wire"))
        srv.routes["/ministry.xml"] = static(rss([now - timedelta(days=d, hours=2) for d in range(5)], name="ministry"))
        srv.routes["/ttl.xml"] = static(rss([now - timedelta(minutes=5 * i + 1) for i in range(20)], name="ttl",
                                            ttl=60))
        srv.routes["/cached.xml"] = static(rss([now - timedelta(minutes=5 * i + 1) for i in range(20)], name="cached"),
                                           headers={"Cache-Control": "public, max-age=5400"})
        srv.routes["/busy.xml"] = static(b"slow down", "text/plain", 429, headers={"Retry-After": "7200"})
        yield srv


@pytest.mark.usefixtures("prefect_harness")
def test_a_pass_polls_only_due_feeds_at_their_own_pace(feeds_world, db_url, tmp_path):
    names = ["wire", "ministry", "ttl", "cached", "busy"]
    config = make_config(db_url, [(n, feeds_world.url(f"/{n}.xml")) for n in names],
                         polling={"min_interval": 300, "max_interval": 21600}, pipeline={"feed_backoff_base": 300},
                         network={"allow_private": False})
    started = datetime.now(UTC)
    first = run_monitor(config)
    assert first["feeds"] == 5 and first["feeds_skipped"] == 0 and first["feeds_failed"] == 1

    db = Database(db_url)
    with db.session() as s:
        feeds = {f.name: f for f in s.scalars(select(Feed))}
    wait = {n: (feeds[n].next_attempt_at - started).total_seconds() for n in names}
    assert feeds["wire"].poll_interval == pytest.approx(300, abs=15) and 250 < wait["wire"] < 330
    assert feeds["ministry"].poll_interval == 21600 and 21480 < wait["ministry"] < 21600
    assert feeds["ttl"].ttl == 3600 and feeds["ttl"].poll_interval < 400 and 3580 < wait["ttl"] < 3660  # <ttl>60
    assert feeds["cached"].poll_interval < 400 and 5380 < wait["cached"] < 5460  # max-age=5400
    assert feeds["busy"].poll_interval is None and 7180 < wait["busy"] < 7260  # Retry-After over the back-off

    # at once again: nothing is due, nothing is asked
    hits = feeds_world.total_hits()
    second = run_monitor(config)
    assert second["feeds_skipped"] == 5 and second["feeds_fetched"] == 0 and feeds_world.total_hits() == hits

    # the wire's time comes: only the wire is polled
    with db.session() as s:
        s.execute(update(Feed).where(Feed.name == "wire").values(next_attempt_at=datetime.now(UTC) - MIN))
    third = run_monitor(config)
    assert third["feeds_skipped"] == 4 and third["feeds_fetched"] == 1
    assert feeds_world.total_hits() == hits + 1 and feeds_world.hits["/wire.xml"] == 2
    db.dispose()

    # `borderwatch feeds` shows interval and next poll
    result = CliRunner().invoke(app, ["--database-url", db_url, "feeds", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in map(json.loads, result.stdout.splitlines())}  # JSON lines
    assert rows["ministry"]["poll_interval"] == 21600 and rows["ministry"]["next_attempt_at"]
    table = CliRunner().invoke(app, ["--database-url", db_url, "feeds"], env={"COLUMNS": "160"})
    assert table.exit_code == 0 and "every" in table.output and "next poll" in table.output
    assert "6h" in table.output and "5m" in table.output
