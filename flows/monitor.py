"""The `monitor` flow: one monitoring pass. Reads like the pipeline: feeds, new entries, articles, detection,
events and alerts. Tasks are coarse (all feeds, a batch of pages, the outbox); the stages are plain functions
in ``borderwatch`` and ``models``."""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict, dataclass, field
from datetime import timedelta

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from borderwatch.alerts import message_format, render_digest, render_event, render_feed_notice, send
from borderwatch.config import Config, load_config
from borderwatch.extract import make_pool
from borderwatch.pipeline import FeedOutcome, FeedRequest, PageTask, fetch_and_analyse, fetch_feeds
from borderwatch.redact import redact_text
from models import store
from models.db import Database
from models.schema import Feed


@dataclass
class RunSummary:
    feeds: int = 0
    feeds_fetched: int = 0
    feeds_not_modified: int = 0
    feeds_failed: int = 0
    feeds_skipped: int = 0  # backing off
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
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)


@task(name="fetch-feeds", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=5)
def fetch_feeds_task(config: Config, db: Database) -> tuple[list[FeedOutcome], dict[int, Feed], int]:
    """Sync the configured feeds, fetch the due ones concurrently (conditional GET), parse them."""
    with db.session() as s:
        feeds = store.sync_feeds(s, config.feeds)
    now = store.utcnow()
    due = [f for f in feeds if store.is_due(f, now)]
    requests = [FeedRequest(f.id, f.url, f.etag, f.last_modified) for f in due]
    outcomes = asyncio.run(fetch_feeds(config, requests, [f.url for f in feeds]))
    return outcomes, {f.id: f for f in feeds}, len(feeds) - len(due)


@task(name="select-new-entries", cache_policy=NO_CACHE)
def select_new_entries(config: Config, db: Database, outcomes: list[FeedOutcome], feeds: dict[int, Feed],
                       summary: RunSummary) -> list[PageTask]:
    """Record feed health; keep entries never seen (by GUID per feed, by canonical URL across feeds)."""
    logger = get_run_logger()
    tasks: list[PageTask] = []
    with db.session() as s:
        fresh_by_feed = {o.feed_id: store.new_entries(s, o.feed_id, o.entries) for o in outcomes if o.ok}
        known = store.known_articles(s, (e.canonical_url for es in fresh_by_feed.values() for e in es))
        claimed: set[str] = set()
        entry_rows = []
        for o in outcomes:
            feed = feeds[o.feed_id]
            fresh = fresh_by_feed.get(o.feed_id, [])
            _feed, transition = store.record_feed_outcome(s, o, len(fresh), config.pipeline,
                                                          config.delivery.feed_failure_threshold)
            if transition:
                summary.alerts_queued += store.queue_ops_alert(s, config.alerts, transition[1], transition[0], feed.id)
            if not o.ok:
                summary.feeds_failed += 1
                logger.warning("feed %s failed: %s", feed.name, redact_text(o.error or "", config.secrets))
                continue
            summary.feeds_fetched += 1
            summary.feeds_not_modified += o.status == 304
            if o.parsed and o.parsed.problem:
                logger.info("feed %s is malformed but usable: %s", feed.name, o.parsed.problem)
            for entry in fresh:
                if entry.canonical_url in known:  # another feed's article, stored before: remember the entry
                    entry_rows.append((o.feed_id, entry, known[entry.canonical_url]))
                elif entry.canonical_url in claimed:  # listed twice in this run: fetched once
                    entry_rows.append((o.feed_id, entry, None))
                else:
                    claimed.add(entry.canonical_url)
                    tasks.append(PageTask(o.feed_id, entry, feed.language))
        store.record_entries(s, entry_rows)
    summary.entries_new = len(tasks)
    return tasks


@task(name="process-articles", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=10)
def process_articles(config: Config, db: Database, batch: list[PageTask], pool, trusted: list[str]) -> dict:
    """Fetch a batch of pages, extract and detect on all cores, store articles, mentions, events, alerts."""
    records = asyncio.run(fetch_and_analyse(config, batch, pool, trusted))
    with db.session() as s:
        inserted = store.save_articles(s, records)
        article_ids = [a for a, _ in inserted]
        store.record_entries(s, [(r.feed_id, r.entry, a) for a, r in inserted])
        created, updated = store.cluster_mentions(s, article_ids, config.events.window_days)
        queued = store.queue_event_alerts(s, created + updated, config.alerts)
    return {
        "articles_stored": len(inserted),
        "articles_flagged": sum(r.result.detection.relevant for _, r in inserted),
        "extraction_failed": sum(r.fetch_status != "ok" for _, r in inserted),
        "mentions": sum(len(r.result.detection.events) for _, r in inserted if r.result.detection.relevant),
        "events_new": len(created), "events_updated": len(updated), "alerts_queued": queued,
    }


@task(name="deliver-alerts", cache_policy=NO_CACHE)
def deliver_alerts(config: Config, db: Database) -> tuple[int, int]:
    """Send what is due in the outbox, each row exactly once; failures stay queued with back-off."""
    return deliver(config, db)


def deliver(config: Config, db: Database) -> tuple[int, int]:
    logger = get_run_logger()
    sent = failed = 0
    lease = timedelta(minutes=10)
    d = config.delivery
    for channel in config.alerts:
        with db.session() as s:
            claimed = store.claim_due_alerts(s, channel.key, lease)
        if not claimed:
            continue
        fmt = message_format(channel.url, channel.format)
        with db.session() as s:
            summaries = store.event_summaries(s, [a.event_id for a in claimed if a.event_id])
            feeds = {f.id: f for f in s.query(Feed).filter(Feed.id.in_([a.feed_id for a in claimed if a.feed_id]))}
        messages: list[tuple[list[int], str, str]] = []
        event_alerts = [a for a in claimed if a.event_id in summaries]
        if channel.mode == "digest" and event_alerts:
            messages.append(([a.id for a in event_alerts], *render_digest([summaries[a.event_id] for a in event_alerts], fmt)))
        else:
            messages += [([a.id], *render_event(summaries[a.event_id], fmt)) for a in event_alerts]
        for a in claimed:
            if a.feed_id and a.feed_id in feeds:
                f = feeds[a.feed_id]
                messages.append(([a.id], *render_feed_notice(f.name, f.url, a.kind == "feed_down",
                                                             f.consecutive_failures, f.last_error)))
        for i, (ids, title, body) in enumerate(messages):
            if i and d.min_interval:
                time.sleep(d.min_interval)  # chat services rate-limit (Slack: about one message a second)
            ok, reason = send(channel.url, title, body, fmt)
            with db.session() as s:
                for alert_id in ids:
                    store.finish_alert(s, alert_id, ok=ok, error=reason, max_attempts=d.max_attempts,
                                       retry_base=d.retry_base, retry_max=d.retry_max)
            if ok:
                sent += len(ids)
            else:
                failed += len(ids)
                logger.warning("alert delivery to %s failed: %s", channel.key, reason)
    return sent, failed


def batched(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


@flow(name="monitor", log_prints=False, timeout_seconds=3600)
def monitor(config_path: str | None = None, config: Config | None = None) -> dict:
    """One monitoring pass over the configured feeds."""
    logger = get_run_logger()
    started = time.monotonic()
    config = config or load_config(config_path)
    db = Database(config.database_url)  # migrates to the newest schema first
    summary = RunSummary()
    try:
        outcomes, feeds, summary.feeds_skipped = fetch_feeds_task(config, db)
        summary.feeds = len(feeds)
        page_tasks = select_new_entries(config, db, outcomes, feeds, summary)
        if page_tasks:
            trusted = [f.url for f in feeds.values()]
            with make_pool(config.pipeline.extract_workers) as pool:
                for batch in batched(page_tasks, config.pipeline.batch_size):
                    for key, value in process_articles(config, db, batch, pool, trusted).items():
                        setattr(summary, key, getattr(summary, key) + value)
        summary.alerts_sent, summary.alerts_failed = deliver_alerts(config, db)
    finally:
        db.dispose()
    summary.seconds = round(time.monotonic() - started, 2)
    logger.info("run finished: %s", {k: v for k, v in asdict(summary).items() if v and k != "errors"})
    return asdict(summary)


if __name__ == "__main__":
    monitor()
