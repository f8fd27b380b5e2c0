"""Delivering the alert outbox: claim a channel's due rows, render them, send them through apprise, record each
outcome. Safe with other runs delivering at the same time (row claims in ``models.store``)."""

from __future__ import annotations

import logging
import time
from datetime import UTC, timedelta

from borderwatch.alerts import message_format, period, render_digest, render_event, render_feed_notice, send
from borderwatch.config import Config
from borderwatch.models import store
from borderwatch.models.db import Database
from borderwatch.models.schema import Alert
from borderwatch.outbox import event_summaries
from borderwatch.redact import register_secrets, scrub


def deliver(config: Config, db: Database, *, logger: logging.Logger | logging.LoggerAdapter | None = None,
            claim_limit: int = 100) -> tuple[int, int]:
    """Deliver the due outbox rows of every configured channel. Returns (rows sent, rows that failed now).

    Per channel: claim up to ``claim_limit`` due rows (row claims; safe with other runs delivering at the same
    time), render them (``immediate``: one message per event; ``digest``: one message listing them), send each
    message through apprise, record the outcome per row. A failure stays pending with exponential back-off
    until ``delivery.max_attempts``, then it is 'failed'. Rows that fail in this call are not retried in this
    call. Messages to one channel are spaced ``delivery.min_interval`` apart; when the service answers 429 /
    rate-limited, the rest of the channel's messages wait for the next run."""
    log = logger or logging.getLogger("borderwatch.delivery")
    d = config.delivery
    started = store.utcnow()
    lease = timedelta(minutes=10)
    register_secrets(*(c.url for c in config.alerts))
    sent = failed = 0
    for channel in config.alerts:
        fmt = message_format(channel.url, channel.format)
        last_send: float | None = None
        throttled = False
        while not throttled:
            # immediate mode claims a few rows at a time, so a slow channel cannot outlive the lease of a claim
            limit = claim_limit * 10 if channel.mode == "digest" else min(claim_limit, 10)
            with db.session() as s:
                claimed = store.claim_due_alerts(s, channel.key, lease, limit, due_before=started)
            if not claimed:
                break
            leases = {a.id: a.lease_until for a in claimed}
            messages, orphans = _render(db, claimed, channel.mode, fmt, channel.every)
            if orphans:  # the event or feed behind the row is gone: nothing to say
                with db.session() as s:
                    for alert_id in orphans:
                        store.finish_alert(s, alert_id, ok=False, error="nothing to deliver: event or feed gone",
                                           max_attempts=1, retry_base=0, retry_max=0)
            for i, (ids, title, body) in enumerate(messages):
                if last_send is not None and d.min_interval:
                    time.sleep(max(0.0, d.min_interval - (time.monotonic() - last_send)))
                with db.session() as s:  # still ours? (a stalled run's lease may have run out meanwhile)
                    held = store.hold_claim(s, ids, leases, lease)
                if len(held) < len(ids):
                    log.warning("alert claim on %s expired before sending: left to the run that holds it now",
                                channel.key)
                    with db.session() as s:
                        store.release_alerts(s, held, 0)
                    continue
                result = send(channel.url, title, body, fmt)
                last_send = time.monotonic()
                with db.session() as s:
                    for alert_id in ids:
                        store.finish_alert(s, alert_id, ok=result.ok, error=result.reason,
                                           max_attempts=d.max_attempts, retry_base=d.retry_base,
                                           retry_max=d.retry_max, lease_until=leases[alert_id])
                    if result.rate_limited:  # 429: leave the rest for later, without counting attempts
                        rest = [a for m in messages[i + 1:] for a in m[0]]
                        store.release_alerts(s, rest, max(d.retry_base, d.min_interval),
                                             "rate-limited by the service; waiting")
                if result.ok:
                    sent += len(ids)
                else:
                    failed += len(ids)
                    log.warning("alert delivery to %s failed (%d alert(s)): %s", channel.key, len(ids),
                                scrub(result.reason or "", set(config.secrets)))
                if result.rate_limited:
                    throttled = True
                    break
    return sent, failed


def _render(db: Database, claimed: list[Alert], mode: str, fmt: str, every: str | None = None
            ) -> tuple[list[tuple[list[int], str, str]], list[int]]:
    """Messages for claimed rows: ([alert ids], title, body); and the ids with nothing left to say. A digest
    with ``every`` is one message per period the rows were queued in."""
    with db.session() as s:
        summaries = event_summaries(s, [a.event_id for a in claimed if a.event_id])
        feeds = store.feeds_by_id(s, [a.feed_id for a in claimed if a.feed_id])
    messages: list[tuple[list[int], str, str]] = []
    event_alerts = [a for a in claimed if a.event_id in summaries]
    if mode == "digest" and event_alerts:
        periods: dict[tuple | None, list[Alert]] = {}
        for a in event_alerts:
            periods.setdefault(period(a.created_at.replace(tzinfo=a.created_at.tzinfo or UTC), every)
                               if every else None, []).append(a)
        for span, rows in sorted(periods.items(), key=lambda kv: kv[0] or ()):
            messages.append(([a.id for a in rows], *render_digest([summaries[a.event_id] for a in rows], fmt, span)))
    else:
        messages += [([a.id], *render_event(summaries[a.event_id], fmt)) for a in event_alerts]
    orphans = []
    for a in claimed:
        if a.event_id in summaries:
            continue
        feed = feeds.get(a.feed_id) if a.feed_id else None
        if feed is None or a.kind not in ("feed_down", "feed_recovered"):
            orphans.append(a.id)
            continue
        messages.append(([a.id], *render_feed_notice(feed.name, feed.url, a.kind == "feed_down",
                                                     feed.consecutive_failures, feed.last_error, fmt)))
    return messages, orphans
