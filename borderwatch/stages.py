"""The stages of a monitoring pass that read and write the store: polling the due feeds (claimed, so that passes
running at the same time share them), which entries are new (and which page each needs, claimed likewise),
storing a batch of analysed pages with what follows from it (entries, events, alerts), and giving the claims
back. Plain functions; the ``monitor`` flow (``flows/monitor.py``) runs them as tasks."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from borderwatch.aggregators import aggregator_for, entry_story_key
from borderwatch.config import Config
from borderwatch.models import store
from borderwatch.models.db import Database
from borderwatch.models.schema import Feed
from borderwatch.outbox import queue_event_alerts, queue_ops_alert
from borderwatch.pipeline import fetch_claimed_feeds
from borderwatch.polling import due_by
from borderwatch.records import ArticleRecord, FeedEntry, FeedOutcome, FeedRequest, PageTask


def pass_owner() -> str:
    """This pass's name in the leases it takes on feeds and pages: host, process id and a random part (a
    process may run several passes, one after another)."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:16]}"


def _process_gone(owner: str, host: str) -> bool:
    """Whether ``owner`` is a pass of another process of this host that no longer runs."""
    parts = owner.split(":")
    if len(parts) != 3 or parts[0] != host or not parts[1].isdigit() or int(parts[1]) == os.getpid():
        return False
    try:
        os.kill(int(parts[1]), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    return False


def release_dead_claims(session: Session, owner: str) -> list[str]:
    """Give back at once the claims of passes of this host whose process is gone (killed, or exited after the
    database went away, so it could not give them back itself): the next pass need not wait for their leases.
    Passes of other hosts keep theirs until the leases run out. Returns the owners released."""
    host = owner.split(":")[0]
    dead = sorted(o for o in store.claim_owners(session) if o != owner and _process_gone(o, host))
    for gone in dead:
        store.release_claims(session, gone)
    return dead


def poll_feeds(config: Config, db: Database, owner: str) -> tuple[list[FeedOutcome], dict[int, Feed], int]:
    """Sync the configured feeds; claim the due ones a host at a time (a lease in the database: passes running
    at the same time share the feeds, never poll one twice) and fetch them concurrently (conditional GET),
    parse them. Returns (outcomes, every enabled feed by id, feeds not polled by this pass)."""
    with db.session() as s:
        feeds = store.sync_feeds(s, config.feeds)
        release_dead_claims(s, owner)
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


@dataclass
class Selection:
    """What ``select_new_entries`` decided: the pages to fetch, the feeds' deferred validators, counts for the
    pass summary, and the feeds that were malformed but usable (name, problem)."""

    tasks: list[PageTask] = field(default_factory=list)
    deferred: dict[int, tuple[str | None, str | None]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("feeds_failed", "feeds_fetched", "feeds_not_modified", "alerts_queued", "pages_left_to_others"), 0))
    malformed: list[tuple[str, str]] = field(default_factory=list)


def select_new_entries(session: Session, config: Config, outcomes: Sequence[FeedOutcome],
                       feeds: dict[int, Feed], owner: str) -> Selection:
    """Record feed health; keep entries never seen (by GUID per feed, by canonical URL across feeds).

    Returns the pages to fetch, and the HTTP validators of the feeds that listed them: those are stored only
    after the pages are (a run that dies half-way must not get a 304 for entries it never stored)."""
    picked = Selection()
    counts = picked.counts
    # one query, not one per feed; held in a name: the session keeps only objects something refers to
    _polled = store.load_feeds(session, (o.feed_id for o in outcomes))
    fresh_by_feed = {o.feed_id: store.new_entries(session, o.feed_id, o.entries) for o in outcomes if o.ok}
    known = store.known_articles(session, (e.canonical_url for es in fresh_by_feed.values() for e in es))
    stories = store.known_stories(session, (entry_story_key(e) for es in fresh_by_feed.values() for e in es))
    listed: list[tuple[int, FeedEntry]] = []
    for o in outcomes:
        feed = feeds[o.feed_id]
        fresh = fresh_by_feed.get(o.feed_id, [])
        pending = any(e.canonical_url not in known for e in fresh)
        if pending and o.status != 304:
            picked.deferred[o.feed_id] = (o.etag, o.last_modified)
        _feed, transition = store.record_feed_outcome(session, o, len(fresh), config.poll_policy,
                                                      config.delivery.feed_failure_threshold,
                                                      save_validators=not pending)
        if transition:
            counts["alerts_queued"] += queue_ops_alert(session, config.alerts, transition[1], transition[0], feed.id)
        if not o.ok:
            counts["feeds_failed"] += 1  # logged by fetch-feeds
            continue
        counts["feeds_fetched"] += 1
        counts["feeds_not_modified"] += o.status == 304
        if o.parsed and o.parsed.problem:
            picked.malformed.append((feed.name, o.parsed.problem))
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
            picked.tasks.append(task)
    # pages another pass is fetching right now are left to it; their feeds keep their old validators, so
    # the next poll lists those entries again and finds the articles stored
    won = store.claim_pages(session, [t.entry.canonical_url for t in picked.tasks], owner=owner,
                            lease=timedelta(seconds=config.polling.lease))
    for t in picked.tasks:
        if t.entry.canonical_url not in won:
            counts["pages_left_to_others"] += 1
            for feed_id in {t.feed_id, *(f for f, _ in t.also_listed)}:
                picked.deferred.pop(feed_id, None)
    picked.tasks = [t for t in picked.tasks if t.entry.canonical_url in won]
    store.record_entries(session, entry_rows)
    return picked


def store_pages(session: Session, config: Config, batch: Sequence[PageTask],
                records: Sequence[ArticleRecord]) -> dict:
    """Store a batch of analysed pages: articles and mentions, every feed entry that listed them, the events
    they report (clustering), the alerts those events call for. Returns counts for the pass summary and the
    new events' ids (``new_event_ids``)."""
    inserted = store.save_articles(session, records)
    article_ids = [a for a, _ in inserted]
    listed = {t.entry.canonical_url: t.also_listed for t in batch if t.also_listed}
    store.record_entries(session, [(r.feed_id, r.entry, a) for a, r in inserted]
                         + [(feed_id, e, a) for a, r in inserted for feed_id, e in listed.get(r.entry.canonical_url, [])])
    created, updated = store.cluster_mentions(session, article_ids, config.events.window_days)
    queued = queue_event_alerts(session, created + updated, config.alerts)
    return {
        "articles_stored": len(inserted),
        "articles_flagged": sum(r.result.detection.relevant for _, r in inserted),
        "extraction_failed": sum(r.fetch_status != "ok" for _, r in inserted),
        "mentions": sum(len(r.result.detection.events) for _, r in inserted if r.result.detection.relevant),
        "events_new": len(created), "events_updated": len(updated), "alerts_queued": queued, "new_event_ids": created,
    }


def release_claims(db: Database, owner: str) -> bool:
    """Give a pass's feed and page claims back now (done or failed); False when the database cannot take it
    (the claims' leases run out then)."""
    try:
        with db.session() as s:
            store.release_claims(s, owner)
    except SQLAlchemyError:
        return False
    return True
