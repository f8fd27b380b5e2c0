"""The `monitor` flow: one monitoring pass. Reads like the pipeline: feeds, new entries, articles, detection,
events and alerts. Tasks are coarse (all feeds, a batch of pages, the outbox); the stages are plain functions
in ``borderwatch`` and ``models``."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, timedelta

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.exceptions import MissingContextError
from prefect.utilities.annotations import quote
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from borderwatch.aggregators import aggregator_for, entry_story_key
from borderwatch.alerts import (
    message_format,
    period,
    render_digest,
    render_event,
    render_feed_notice,
    send,
)
from borderwatch.batches import chunked
from borderwatch.config import Config, load_config
from borderwatch.extract import make_pool
from borderwatch.feeds import FeedEntry
from borderwatch.models import store
from borderwatch.models.db import Database
from borderwatch.models.schema import Alert, Feed
from borderwatch.pipeline import FeedOutcome, FeedRequest, PageTask, fetch_and_analyse, fetch_claimed_feeds
from borderwatch.polling import due_by
from borderwatch.redact import redact_text, register_secrets, scrub
from borderwatch.report import render_pass_report


@dataclass
class RunSummary:
    feeds: int = 0
    feeds_fetched: int = 0
    feeds_not_modified: int = 0
    feeds_failed: int = 0
    feeds_skipped: int = 0  # not due (backing off, or polled recently enough), or claimed by another pass
    pages_left_to_others: int = 0  # new entries whose page another pass was fetching at the same time
    entries_new: int = 0
    articles_stored: int = 0
    articles_flagged: int = 0  # relevant
    extraction_failed: int = 0
    mentions: int = 0
    events_new: int = 0
    events_updated: int = 0
    alerts_queued: int = 0
    alerts_sent: int = 0
    alerts_failed: int = 0
    seconds: float = 0.0  # the whole pass
    seconds_feeds: float = 0.0  # fetching and parsing feeds
    seconds_pages: float = 0.0  # fetching pages, extraction and detection in the pool
    seconds_store: float = 0.0  # storing articles and mentions, clustering, queueing alerts
    seconds_deliver: float = 0.0


def poll_feeds(config: Config, db: Database, owner: str) -> tuple[list[FeedOutcome], dict[int, Feed], int]:
    """Sync the configured feeds; claim the due ones a host at a time (a lease in the database: passes running
    at the same time share the feeds, never poll one twice) and fetch them concurrently (conditional GET),
    parse them. Returns (outcomes, every enabled feed by id, feeds not polled by this pass)."""
    with db.session() as s:
        feeds = store.sync_feeds(s, config.feeds)
    started = store.utcnow()
    due_before = due_by(started)
    declared = {c.url: c.aggregator for c in config.feeds}
    lease = timedelta(seconds=config.polling.lease)
    ids = [f.id for f in feeds]

    def claim(hosts: int) -> tuple[list[list[FeedRequest]], bool]:
        with db.session() as s:
            claimed, more = store.claim_feeds(s, ids, due_before=due_before, lease=lease, owner=owner, hosts=hosts)
            groups: dict[str | None, list[FeedRequest]] = {}
            for f in claimed:
                groups.setdefault(f.host, []).append(FeedRequest(f.id, f.url, f.etag, f.last_modified,
                                                                 aggregator_for(f.url, declared.get(f.url))))
        return list(groups.values()), more

    outcomes = asyncio.run(fetch_claimed_feeds(config, claim, [f.url for f in feeds]))
    for o in outcomes:
        o.polled_at = started
    return outcomes, {f.id: f for f in feeds}, len(feeds) - len(outcomes)


@task(name="fetch-feeds", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=5)
def fetch_feeds_task(config: Config, db: Database, owner: str) -> tuple[list[FeedOutcome], dict[int, Feed], int]:
    """Claim and fetch the due feeds (``poll_feeds``); log the failures."""
    outcomes, feeds, skipped = poll_feeds(config, db, owner)
    for o in outcomes:
        if not o.ok:
            get_run_logger().warning("feed %s failed: %s", feeds[o.feed_id].name,
                                     redact_text(o.error or "", config.secrets))
    return outcomes, feeds, skipped


@task(name="select-new-entries", cache_policy=NO_CACHE)
def select_new_entries(config: Config, db: Database, outcomes: list[FeedOutcome], feeds: dict[int, Feed],
                       summary: RunSummary, owner: str) -> tuple[list[PageTask], dict[int, tuple[str | None, str | None]]]:
    """Record feed health; keep entries never seen (by GUID per feed, by canonical URL across feeds).

    Returns the pages to fetch, and the HTTP validators of the feeds that listed them: those are stored only
    after the pages are (a run that dies half-way must not get a 304 for entries it never stored)."""
    logger = get_run_logger()
    tasks: list[PageTask] = []
    deferred: dict[int, tuple[str | None, str | None]] = {}
    with db.session() as s:
        # one query, not one per feed; held in a name: the session keeps only objects something refers to
        _polled = store.load_feeds(s, (o.feed_id for o in outcomes))
        fresh_by_feed = {o.feed_id: store.new_entries(s, o.feed_id, o.entries) for o in outcomes if o.ok}
        known = store.known_articles(s, (e.canonical_url for es in fresh_by_feed.values() for e in es))
        stories = store.known_stories(s, (entry_story_key(e) for es in fresh_by_feed.values() for e in es))
        listed: list[tuple[int, FeedEntry]] = []
        for o in outcomes:
            feed = feeds[o.feed_id]
            fresh = fresh_by_feed.get(o.feed_id, [])
            pending = any(e.canonical_url not in known for e in fresh)
            if pending and o.status != 304:
                deferred[o.feed_id] = (o.etag, o.last_modified)
            _feed, transition = store.record_feed_outcome(s, o, len(fresh), config.poll_policy,
                                                          config.delivery.feed_failure_threshold,
                                                          save_validators=not pending)
            if transition:
                summary.alerts_queued += store.queue_ops_alert(s, config.alerts, transition[1], transition[0], feed.id)
            if not o.ok:
                summary.feeds_failed += 1  # logged by fetch-feeds
                continue
            summary.feeds_fetched += 1
            summary.feeds_not_modified += o.status == 304
            if o.parsed and o.parsed.problem:
                logger.info("feed %s is malformed but usable: %s", feed.name, o.parsed.problem)
            listed += [(o.feed_id, e) for e in fresh]
        claimed: dict[str, PageTask] = {}  # by canonical URL
        claimed_stories: dict[str, PageTask] = {}  # pages to fetch, by story key
        entry_rows = []
        # pages with a URL first: a headline-only item of the same story then joins the page
        for feed_id, entry in sorted(listed, key=lambda fe: fe[1].headline_only):
            key = entry_story_key(entry)
            story = stories.get(key) if key else None
            if entry.canonical_url in known:  # another feed's article, stored before: remember the entry
                entry_rows.append((feed_id, entry, known[entry.canonical_url]))
            elif entry.canonical_url in claimed:  # listed twice in this run: fetched once, remembered twice
                claimed[entry.canonical_url].also_listed.append((feed_id, entry))
            elif entry.headline_only and story:  # a headline of a story stored before
                entry_rows.append((feed_id, entry, story[0]))
            elif entry.headline_only and key in claimed_stories:  # ... or fetched in this run
                claimed_stories[key].also_listed.append((feed_id, entry))
            else:
                replaces = stories.pop(key)[0] if story and story[1] else None  # completes a headline-only one
                claimed[entry.canonical_url] = task = PageTask(feed_id, entry, feeds[feed_id].language,
                                                               replaces=replaces)
                if key and not entry.headline_only:
                    claimed_stories.setdefault(key, task)
                tasks.append(task)
        # pages another pass is fetching right now are left to it; their feeds keep their old validators, so
        # the next poll lists those entries again and finds the articles stored
        won = store.claim_pages(s, [t.entry.canonical_url for t in tasks], owner=owner,
                                lease=timedelta(seconds=config.polling.lease))
        for t in tasks:
            if t.entry.canonical_url not in won:
                summary.pages_left_to_others += 1
                for feed_id in {t.feed_id, *(f for f, _ in t.also_listed)}:
                    deferred.pop(feed_id, None)
        tasks = [t for t in tasks if t.entry.canonical_url in won]
        store.record_entries(s, entry_rows)
    summary.entries_new = len(tasks)
    return tasks, deferred


@task(name="process-articles", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=10)
def process_articles(config: Config, db: Database, batch: list[PageTask], pool, trusted: list[str]) -> dict:
    """Fetch a batch of pages, extract and detect on all cores, store articles, mentions, events, alerts."""
    started = time.monotonic()
    records = asyncio.run(fetch_and_analyse(config, batch, pool, trusted))
    fetched = time.monotonic()
    with db.session() as s:
        inserted = store.save_articles(s, records)
        article_ids = [a for a, _ in inserted]
        listed = {t.entry.canonical_url: t.also_listed for t in batch if t.also_listed}
        store.record_entries(s, [(r.feed_id, r.entry, a) for a, r in inserted]
                             + [(feed_id, e, a) for a, r in inserted for feed_id, e in listed.get(r.entry.canonical_url, [])])
        created, updated = store.cluster_mentions(s, article_ids, config.events.window_days)
        queued = store.queue_event_alerts(s, created + updated, config.alerts)
    return {
        "articles_stored": len(inserted),
        "articles_flagged": sum(r.result.detection.relevant for _, r in inserted),
        "extraction_failed": sum(r.fetch_status != "ok" for _, r in inserted),
        "mentions": sum(len(r.result.detection.events) for _, r in inserted if r.result.detection.relevant),
        "events_new": len(created), "events_updated": len(updated), "alerts_queued": queued, "new_event_ids": created,
        "seconds_pages": fetched - started, "seconds_store": time.monotonic() - fetched,
    }


@task(name="deliver-alerts", cache_policy=NO_CACHE)
def deliver_alerts(config: Config, db: Database) -> tuple[int, int]:
    """Send what is due in the outbox, each row exactly once; failures stay queued with back-off."""
    return deliver(config, db)


def _delivery_logger() -> logging.Logger | logging.LoggerAdapter:
    """Prefect's run logger inside a flow or task; a plain ``borderwatch.delivery`` logger outside."""
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger("borderwatch.delivery")


def deliver(config: Config, db: Database, *, logger: logging.Logger | logging.LoggerAdapter | None = None,
            claim_limit: int = 100) -> tuple[int, int]:
    """Deliver the due outbox rows of every configured channel. Returns (rows sent, rows that failed now).

    Per channel: claim up to ``claim_limit`` due rows (row claims; safe with other runs delivering at the same
    time), render them (``immediate``: one message per event; ``digest``: one message listing them), send each
    message through apprise, record the outcome per row. A failure stays pending with exponential back-off
    until ``delivery.max_attempts``, then it is 'failed'. Rows that fail in this call are not retried in this
    call. Messages to one channel are spaced ``delivery.min_interval`` apart; when the service answers 429 /
    rate-limited, the rest of the channel's messages wait for the next run."""
    log = logger or _delivery_logger()
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
        summaries = store.event_summaries(s, [a.event_id for a in claimed if a.event_id])
        feed_ids = [a.feed_id for a in claimed if a.feed_id]
        feeds = {f.id: f for f in s.scalars(select(Feed).where(Feed.id.in_(feed_ids)))} if feed_ids else {}
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


# Configs handed over in-process by run_monitor(), keyed by a one-off token: a config carries secrets (database
# and apprise URLs), and flow parameters are stored by the Prefect API and shown in its UI.
_IN_PROCESS: dict[str, Config] = {}


def run_monitor(config: Config) -> dict:
    """Run the monitor flow in this process with an already validated config (as `borderwatch run` does: no
    flow-run heartbeat thread, see ``prefect_api.cron_pass``)."""
    from borderwatch.flows.prefect_api import cron_pass

    token = uuid.uuid4().hex
    _IN_PROCESS[token] = config
    try:
        with cron_pass():
            return monitor(config_ref=token)
    finally:
        _IN_PROCESS.pop(token, None)


@flow(name="monitor", log_prints=False, timeout_seconds=3600)
def monitor(config_path: str | None = None, config_ref: str | None = None) -> dict:
    """One monitoring pass over the configured feeds (config file: ``config_path``, else $BORDERWATCH_CONFIG,
    else the built-in default)."""
    logger = get_run_logger()
    started = time.monotonic()
    config = _IN_PROCESS[config_ref] if config_ref else load_config(config_path)
    db = Database(config.database_url)  # migrates to the newest schema first
    summary = RunSummary()
    new_event_ids: list[int] = []
    owner = uuid.uuid4().hex  # this pass, in the leases it takes on feeds and pages
    try:
        phase = time.monotonic()
        outcomes, feeds, summary.feeds_skipped = fetch_feeds_task(quote(config), db, owner)
        summary.seconds_feeds = time.monotonic() - phase
        summary.feeds = len(feeds)
        page_tasks, deferred_validators = select_new_entries(quote(config), db, quote(outcomes), quote(feeds), summary,
                                                             owner)
        if page_tasks:  # the workers start now and warm up while the first pages are fetched
            trusted = [f.url for f in feeds.values()]
            with make_pool(config.pipeline.extract_workers) as pool:
                for batch in chunked(page_tasks, config.pipeline.batch_size):
                    stats = process_articles(quote(config), db, quote(batch), pool, quote(trusted))
                    new_event_ids += stats.pop("new_event_ids")
                    for key, value in stats.items():
                        setattr(summary, key, getattr(summary, key) + value)
        with db.session() as s:  # every new entry is stored: the feeds may answer 304 from now on
            store.save_validators(s, deferred_validators)
        phase = time.monotonic()
        summary.alerts_sent, summary.alerts_failed = deliver_alerts(quote(config), db)
        summary.seconds_deliver = time.monotonic() - phase
        with db.session() as s:
            new_events = list(store.event_summaries(s, new_event_ids).values())
    finally:
        try:  # done or failed: its claims go back now (were the database gone, their leases run out)
            with db.session() as s:
                store.release_claims(s, owner)
        except SQLAlchemyError:
            logger.warning("could not release this pass's claims; they run out after %gs", config.polling.lease)
        db.dispose()
    summary.seconds = time.monotonic() - started
    result = {k: round(v, 2) if isinstance(v, float) else v for k, v in asdict(summary).items()}
    failures = [(feeds[o.feed_id].name, redact_text(o.error or "", config.secrets)) for o in outcomes if not o.ok]
    create_markdown_artifact(key="borderwatch-pass", markdown=render_pass_report(result, new_events, failures),
                             description="What this pass found: new events, failed feeds")
    logger.info("run finished: %s", {k: v for k, v in result.items() if v})
    return result


def serve_monitor(config_path: str | None, *, cron: str = "*/5 * * * *", timezone: str = "UTC",
                  name: str = "borderwatch-monitor") -> None:
    """Serve the monitor on a cron schedule from this process (needs a Prefect server), one run at a time."""
    from prefect.schedules import Cron

    monitor.serve(name=name, schedules=[Cron(cron, timezone=timezone)], global_limit=1,
                  parameters={"config_path": config_path} if config_path else {})


if __name__ == "__main__":
    monitor()
