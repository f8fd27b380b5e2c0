"""Exactly once: the outbox. A channel that is down stays pending and gets the alert once when it is back;
retries back off and end as 'failed' (shown by `borderwatch alerts`); two deliveries at the same time never
send a row twice (row claims: FOR UPDATE SKIP LOCKED + compare-and-set + lease)."""

from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update
from typer.testing import CliRunner

from borderwatch.cli import app
from borderwatch.delivery import deliver
from borderwatch.models import store
from borderwatch.models.db import Database
from borderwatch.models.schema import Alert
from borderwatch.outbox import queue_event_alerts
from tests.conftest import make_config
from tests.eventseed import (
    ARGO,
    ISHKASHIM,
    KHAN_ABAD,
    WAKHAN,
    HttpSink,
    SmtpSink,
    article,
    capture_reports,
    mention,
    seed,
)

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


def _statuses(db) -> list[tuple[str, int]]:
    with db.session() as s:
        return [tuple(r) for r in s.execute(select(Alert.status, Alert.attempts).order_by(Alert.id))]


def test_http_channel_down_for_two_runs_then_up_delivers_once(db_url, db):
    with HttpSink(script=[500, 503]) as sink:
        config = make_config(db_url, alerts=[{"url": sink.json_url(), "name": "desk"}])
        seed(db, capture_reports(3), config)
        assert deliver(config, db) == (0, 1)
        assert _statuses(db) == [("pending", 1)]
        assert deliver(config, db) == (0, 1)
        assert deliver(config, db) == (1, 0)
        assert deliver(config, db) == (0, 0)
        assert deliver(config, db) == (0, 0)
    assert [p.status for p in sink.posts] == [500, 503, 200]
    assert _statuses(db) == [("sent", 3)]


def test_smtp_server_down_for_two_runs_then_up_delivers_once(db_url, db):
    smtp = SmtpSink()
    config = make_config(db_url, alerts=[{"url": smtp.url + "&cto=3", "name": "mail"}])
    seed(db, capture_reports(2) + [article("http://x.example/1", "Argo", [mention(place=ARGO)])], config)
    assert deliver(config, db) == (0, 2)  # nothing listens on the port
    assert deliver(config, db) == (0, 2)
    with smtp:
        assert deliver(config, db) == (2, 0)
        assert deliver(config, db) == (0, 0)
    assert sorted(m.subject.split(" — ")[1].split(",")[0] for m in smtp.mails) == ["Argo", "Ishkashim"]
    assert _statuses(db) == [("sent", 3), ("sent", 3)]


def test_failures_back_off_then_fail_and_show_in_cli(db_url, db, tmp_path):
    with HttpSink(default=500) as sink:
        config = make_config(db_url, alerts=[{"url": sink.json_url(userinfo="hook:Hunter2-secret"),
                                              "name": "desk"}],
                             delivery={"retry_base": 60, "retry_max": 150, "max_attempts": 4})
        seed(db, capture_reports(1), config)
        delays = []
        for attempt in range(1, 5):
            assert deliver(config, db) == (0, 1)
            assert deliver(config, db) == (0, 0)  # not due yet: backing off
            with db.session() as s:
                alert = s.scalars(select(Alert)).one()
                assert alert.attempts == attempt
                if alert.status == "pending":
                    delays.append(round((alert.next_attempt_at - store.utcnow()).total_seconds() / 10) * 10)
                    s.execute(update(Alert).values(next_attempt_at=store.utcnow() - timedelta(seconds=1)))
        assert delays == [60, 120, 150]  # base, doubled, capped
        assert _statuses(db) == [("failed", 4)]
        assert deliver(config, db) == (0, 0)  # failed rows are never retried
        assert len(sink.posts) == 4

    cfg_file = tmp_path / "bw.yaml"
    cfg_file.write_text(f"database_url: {db_url}\nalerts:\n  - url: {sink.json_url(userinfo='hook:Hunter2-secret')}\n"
                        "    name: desk\n")
    runner = CliRunner()
    result = runner.invoke(app, ["alerts", "--config", str(cfg_file), "--status", "failed", "-f", "json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [(r["status"], r["attempts"], r["channel"]) for r in rows] == [("failed", 4, "desk")]
    assert "500" in rows[0]["last_error"]
    table = runner.invoke(app, ["alerts", "--config", str(cfg_file)], env={"COLUMNS": "250"})
    assert table.exit_code == 0 and "failed" in table.output and "Hunter2-secret" not in table.output


def _many_events(n: int) -> list:
    places = [ISHKASHIM, WAKHAN, ARGO, KHAN_ABAD]
    subtypes = ["captured", "retaken", "contested", "control_claim"]
    out = []
    for i in range(n):
        place, subtype = places[i % 4], subtypes[(i // 4) % 4]
        actor = (f"Actor{i // 16}",)
        out.append(article(f"http://s{i}.example/{i}", f"event {i}", [mention(subtype=subtype, place=place,
                                                                             actors=actor)]))
    return out


def test_two_concurrent_deliveries_send_each_alert_once(db_url, db):
    """Two runs deliver the same outbox at once (threads, each with its own engine and connections)."""
    with HttpSink(delay=0.02) as sink:
        config = make_config(db_url, alerts=[{"url": sink.json_url(), "name": "desk"}])
        created, _, queued = seed(db, _many_events(24), config)
        assert len(created) == 24 and queued == 24
        dbs = [Database(db_url, migrate=False) for _ in range(2)]
        results: list[tuple[int, int]] = []
        barrier = threading.Barrier(2)

        def run(d):
            barrier.wait()
            results.append(deliver(config, d, claim_limit=2))

        threads = [threading.Thread(target=run, args=(d,)) for d in dbs]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        for d in dbs:
            d.dispose()
    bodies = Counter(p.body for p in sink.posts)
    assert len(sink.posts) == 24 and max(bodies.values()) == 1
    assert sum(r[0] for r in results) == 24 and all(r[1] == 0 for r in results)
    if db.dialect == "postgresql":
        assert all(r[0] > 0 for r in results), results  # both runs worked, on different rows
    assert _statuses(db) == [("sent", 1)] * 24


@pytest.mark.postgres
def test_claims_skip_rows_locked_by_another_run(pg_url):
    db = Database(pg_url)
    config = make_config(pg_url, alerts=[{"url": "json://127.0.0.1:9/x", "name": "desk"}])
    seed(db, _many_events(6), config)
    lease = timedelta(minutes=10)
    with db.session() as first:
        mine = store.claim_due_alerts(first, "desk", lease, limit=4)
        # first's transaction is still open: its rows are locked, a second run skips them at once
        with db.session() as second:
            theirs = store.claim_due_alerts(second, "desk", lease, limit=4)
    assert [a.id for a in mine] == [1, 2, 3, 4] and [a.id for a in theirs] == [5, 6]
    with db.session() as third:
        assert store.claim_due_alerts(third, "desk", lease) == []  # all held under lease
    db.dispose()


def test_expired_lease_is_claimed_again(db_url, db):
    config = make_config(db_url, alerts=[{"url": "json://127.0.0.1:9/x", "name": "desk"}])
    seed(db, capture_reports(1), config)
    with db.session() as s:
        assert len(store.claim_due_alerts(s, "desk", timedelta(minutes=10))) == 1
    with db.session() as s:  # a run that died mid-delivery holds the row until its lease ends
        assert store.claim_due_alerts(s, "desk", timedelta(minutes=10)) == []
        s.execute(update(Alert).values(lease_until=store.utcnow() - timedelta(seconds=1)))
    with db.session() as s:
        assert len(store.claim_due_alerts(s, "desk", timedelta(minutes=10))) == 1


def test_rate_limited_channel_waits_without_losing_or_repeating(db_url, db):
    with HttpSink(script=[200, 429]) as sink:
        config = make_config(db_url, alerts=[{"url": sink.json_url(), "name": "desk"}])
        seed(db, _many_events(4), config)
        assert deliver(config, db) == (1, 1)  # the 429 stops this run's sending to the channel
        assert len(sink.posts) == 2
        with db.session() as s:
            rows = s.execute(select(Alert.status, Alert.attempts, Alert.last_error).order_by(Alert.id)).all()
        assert [(r.status, r.attempts) for r in rows] == [("sent", 1), ("pending", 1), ("pending", 0),
                                                          ("pending", 0)]
        assert "rate-limited" in rows[2].last_error
        assert deliver(config, db) == (3, 0)
        assert deliver(config, db) == (0, 0)
    assert [p.status for p in sink.posts] == [200, 429, 200, 200, 200]
    assert len({p.body for p in sink.ok_posts()}) == 4


def test_messages_to_one_channel_are_spaced(db_url, db):
    with HttpSink() as sink:
        config = make_config(db_url, alerts=[{"url": sink.json_url(), "name": "desk"}],
                             delivery={"min_interval": 0.3})
        seed(db, _many_events(3), config)
        import time

        started = time.monotonic()
        assert deliver(config, db) == (3, 0)
        assert time.monotonic() - started >= 0.6


def test_second_queueing_is_a_no_op(db_url, db):
    config = make_config(db_url, alerts=[{"url": "json://127.0.0.1:9/x", "name": "desk"}])
    created, _, queued = seed(db, capture_reports(1), config)
    with db.session() as s:
        assert queue_event_alerts(s, created, config.alerts) == 0
        assert s.scalar(text("SELECT count(*) FROM alerts")) == queued == 1


def test_a_stalled_run_whose_claim_was_taken_over_does_not_send_or_record(db_url, db):
    config = make_config(db_url, alerts=[{"url": "json://127.0.0.1:9/x", "name": "desk"}])
    seed(db, capture_reports(1), config)
    lease = timedelta(minutes=10)
    with db.session() as s:  # run A claims, then stalls past its lease
        (mine,) = store.claim_due_alerts(s, "desk", lease)
        s.execute(update(Alert).values(lease_until=store.utcnow() - timedelta(seconds=1)))
    with db.session() as s:
        expired = s.get(Alert, mine.id, populate_existing=True).lease_until
    leases = {mine.id: expired}
    with db.session() as s:  # run B takes the row over
        (theirs,) = store.claim_due_alerts(s, "desk", lease)
    with db.session() as s:  # run A wakes up: the row is not its to send any more
        assert store.hold_claim(s, [mine.id], leases, lease) == []
        assert store.finish_alert(s, mine.id, ok=True, error=None, max_attempts=8, retry_base=0, retry_max=0,
                                  lease_until=expired) == "lost"
    with db.session() as s:  # run B still holds it, renews and records its own outcome
        theirs_leases = {theirs.id: theirs.lease_until}
        assert store.hold_claim(s, [theirs.id], theirs_leases, lease) == [theirs.id]
        assert store.finish_alert(s, theirs.id, ok=True, error=None, max_attempts=8, retry_base=0, retry_max=0,
                                  lease_until=theirs_leases[theirs.id]) == "sent"
