"""The `monitor` flow: one monitoring pass. Reads like the pipeline: feeds, new entries, articles, detection,
events and alerts. Tasks are coarse (all feeds, a batch of pages, the outbox) and each is a few lines over the
library's plain functions (``borderwatch.stages``, ``borderwatch.delivery``), which use storage (``models``)."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import asdict, dataclass

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from borderwatch import stages
from borderwatch.batches import chunked
from borderwatch.config import Config, load_config
from borderwatch.delivery import deliver
from borderwatch.extract import make_pool
from borderwatch.models import store
from borderwatch.models.db import Database
from borderwatch.models.schema import Feed
from borderwatch.outbox import event_summaries
from borderwatch.pipeline import fetch_and_analyse
from borderwatch.records import FeedOutcome, PageTask
from borderwatch.redact import redact_text
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


@task(name="fetch-feeds", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=5)
def fetch_feeds_task(config: Config, db: Database, owner: str) -> tuple[list[FeedOutcome], dict[int, Feed], int]:
    """Claim and fetch the due feeds (``stages.poll_feeds``); log the failures."""
    outcomes, feeds, skipped = stages.poll_feeds(config, db, owner)
    for o in outcomes:
        if not o.ok:
            get_run_logger().warning("feed %s failed: %s", feeds[o.feed_id].name,
                                     redact_text(o.error or "", config.secrets))
    return outcomes, feeds, skipped


@task(name="select-new-entries", cache_policy=NO_CACHE)
def select_new_entries(config: Config, db: Database, outcomes: list[FeedOutcome], feeds: dict[int, Feed],
                       summary: RunSummary, owner: str) -> tuple[list[PageTask], dict[int, tuple[str | None, str | None]]]:
    """Record feed health; keep entries never seen and claim their pages (``stages.select_new_entries``): the
    pages to fetch, and the validators of the feeds that listed them (stored once the pages are)."""
    with db.session() as s:
        picked = stages.select_new_entries(s, config, outcomes, feeds, owner)
    for name, problem in picked.malformed:
        get_run_logger().info("feed %s is malformed but usable: %s", name, problem)
    _add(summary, {**picked.counts, "entries_new": len(picked.tasks)})
    return picked.tasks, picked.deferred


@task(name="process-articles", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=10)
def process_articles(config: Config, db: Database, batch: list[PageTask], pool, trusted: list[str]) -> dict:
    """Fetch a batch of pages, extract and detect on all cores, store articles, mentions, events, alerts."""
    started = time.monotonic()
    records = asyncio.run(fetch_and_analyse(config, batch, pool, trusted))
    fetched = time.monotonic()
    with db.session() as s:
        stats = stages.store_pages(s, config, batch, records)
    return {**stats, "seconds_pages": fetched - started, "seconds_store": time.monotonic() - fetched}


@task(name="deliver-alerts", cache_policy=NO_CACHE)
def deliver_alerts(config: Config, db: Database) -> tuple[int, int]:
    """Send what is due in the outbox, each row exactly once; failures stay queued with back-off."""
    return deliver(config, db, logger=get_run_logger())


def _add(summary: RunSummary, counts: dict) -> None:
    for key, value in counts.items():
        setattr(summary, key, getattr(summary, key) + value)


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
    owner = stages.pass_owner()  # this pass, in the leases it takes on feeds and pages
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
                    _add(summary, stats)
        with db.session() as s:  # every new entry is stored: the feeds may answer 304 from now on
            store.save_validators(s, deferred_validators)
        phase = time.monotonic()
        summary.alerts_sent, summary.alerts_failed = deliver_alerts(quote(config), db)
        summary.seconds_deliver = time.monotonic() - phase
        with db.session() as s:
            new_events = list(event_summaries(s, new_event_ids).values())
    finally:
        if not stages.release_claims(db, owner):  # done or failed: its claims go back now
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
