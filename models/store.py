"""What the pipeline reads and writes, in batches. Every write is idempotent under the unique constraints, so
two runs at once (Postgres) or a run killed half-way never duplicate feed items, articles, mentions, events
or alerts. Storage takes plain records (``borderwatch.records``) and imports no HTTP, alerting or Prefect library;
which channel hears of which event is decided in ``borderwatch.outbox``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sqlalchemy import Row, and_, delete, func, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from borderwatch import polling
from borderwatch.aggregators import entry_story_key
from borderwatch.batches import chunked
from borderwatch.events import Claim, EventState, family, place_key, plan
from borderwatch.isodate import parse_iso, parse_iso_date
from borderwatch.models.schema import Alert, Article, Entry, Event, Feed, Mention, PageClaim
from borderwatch.polling import PollPolicy
from borderwatch.records import ArticleRecord, FeedEntry, FeedOutcome

if TYPE_CHECKING:
    from borderwatch.config import FeedConfig

# Postgres advisory lock id serialising event clustering across concurrent runs ("bw" + 1).
CLUSTER_LOCK = 0x627701


def utcnow() -> datetime:
    return datetime.now(UTC)


def _insert(session: Session, table):
    """INSERT with the dialect's ON CONFLICT; the dialect's module is the engine's own (already loaded): the
    other one is never imported (Postgres' ~30 ms on every SQLite pass)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def source_of(url: str) -> str:
    """A source is a site: host (and port when not default), without 'www.'."""
    netloc = urlsplit(url).netloc.lower()
    return netloc[4:] if netloc.startswith("www.") else netloc


# --- feeds -------------------------------------------------------------------------------------------------

def sync_feeds(session: Session, configured: Sequence[FeedConfig]) -> list[Feed]:
    """Make the feeds table match the configuration (by URL) and return the configured, enabled feeds."""
    now = utcnow()
    existing = {f.url: f for f in session.scalars(select(Feed).where(Feed.url.in_([c.url for c in configured])))}
    result = []
    for cfg in configured:
        feed = existing.get(cfg.url)
        if feed is None:
            session.execute(_insert(session, Feed).values(
                name=cfg.name, url=cfg.url, host=host_of(cfg.url), language=cfg.language, tags=list(cfg.tags),
                enabled=cfg.enabled,
                consecutive_failures=0, items_seen=0, created_at=now).on_conflict_do_nothing(index_elements=["url"]))
            feed = session.scalars(select(Feed).where(Feed.url == cfg.url)).one()
        else:
            feed.name, feed.language, feed.tags, feed.enabled = cfg.name, cfg.language, list(cfg.tags), cfg.enabled
        if feed.host is None:
            feed.host = host_of(cfg.url)
        if feed.enabled:
            result.append(feed)
    session.flush()
    return result


def host_of(url: str) -> str:
    """The host a feed is polled from (its origin's host and port): a pass claims a host's feeds together."""
    return urlsplit(url).netloc.lower()[:300]


def claim_feeds(session: Session, feed_ids: Sequence[int], *, due_before: datetime, lease: timedelta, owner: str,
                hosts: int, now: datetime | None = None) -> tuple[list[Row], bool]:
    """Claim for ``owner`` the due feeds (``next_attempt_at`` before ``due_before``) of up to ``hosts`` hosts
    that no pass holds, until ``now + lease`` (``record_feed_outcome`` releases each one).

    Returns (the feeds claimed: rows with ``id``, ``url``, ``host``, ``etag``, ``last_modified``, by id;
    whether due unclaimed feeds may remain). Hosts are taken at random, a host's due feeds all together, and a
    host is taken only whole and only while no feed of it is leased (a pass is polling it): passes at the same
    time poll different hosts, so per-host politeness holds across passes. The claim is a compare-and-set
    (``UPDATE … WHERE still due and free RETURNING``): of two passes racing for a feed exactly one gets it. On
    Postgres the candidate rows are first locked ``FOR UPDATE SKIP LOCKED``, so a pass skips what another is
    claiming instead of waiting (it then sees nothing and ``True``: try again in a moment); a host some of whose
    rows another pass locked first is left to it, not split between the two. SQLite runs one writer at a time,
    which makes the one ``UPDATE … RETURNING`` atomic. A lease that ran out (a pass that crashed) is free
    again. Commit right after claiming (the caller's session block) so other passes see the claim.

    A pass calls this every few hosts: the configured feeds are named once, in the statement that picks the
    hosts; the rest of the claim names the few rows picked."""
    now = now or utcnow()
    ids = list(feed_ids)
    if not ids or hosts < 1:
        return [], bool(ids)
    busy = select(Feed.host).where(Feed.lease_until >= now, Feed.host.is_not(None))  # being polled
    free = and_(Feed.enabled.is_(True), Feed.host.not_in(busy),
                or_(Feed.lease_until.is_(None), Feed.lease_until < now),
                or_(Feed.next_attempt_at.is_(None), Feed.next_attempt_at <= due_before))
    candidates = select(Feed.id, Feed.host).where(Feed.id.in_(ids), free).cte("candidates")
    chosen = select(candidates.c.host).group_by(candidates.c.host).order_by(func.random()).limit(hosts)
    picked = select(candidates.c.id, candidates.c.host).where(candidates.c.host.in_(chosen))
    claim = update(Feed).values(lease_until=now + lease, leased_by=owner).returning(
        Feed.id, Feed.url, Feed.host, Feed.etag, Feed.last_modified).execution_options(synchronize_session=False)
    if session.get_bind().dialect.name != "postgresql":
        won = session.execute(claim.where(free, Feed.id.in_(select(picked.subquery().c.id)))).all()
        return sorted(won, key=lambda r: r.id), bool(won)
    wanted = session.execute(picked).all()
    if not wanted:
        return [], False
    locked = set(session.scalars(select(Feed.id).where(Feed.id.in_([fid for fid, _ in wanted]), free)
                                 .with_for_update(skip_locked=True)))
    split = {host for fid, host in wanted if fid not in locked}  # another pass holds some of their rows
    whole = [fid for fid, host in wanted if fid in locked and host not in split]
    won = session.execute(claim.where(Feed.id.in_(whole), free)).all() if whole else []
    return sorted(won, key=lambda r: r.id), True


def claim_pages(session: Session, urls: Iterable[str], *, lease: timedelta, owner: str,
                now: datetime | None = None) -> set[str]:
    """Claim pages (canonical URLs) for ``owner`` to fetch: the ones no other pass is fetching (or whose lease
    ran out). Returns the URLs won; ``release_claims`` gives them back once they are stored."""
    now = now or utcnow()
    rows = [dict(url=u, owner=owner, lease_until=now + lease) for u in sorted(set(urls))]
    if not rows:
        return set()
    stmt = _insert(session, PageClaim)
    stmt = stmt.on_conflict_do_update(index_elements=["url"],
                                      set_=dict(owner=stmt.excluded.owner, lease_until=stmt.excluded.lease_until),
                                      where=PageClaim.lease_until < now).returning(PageClaim.url)
    won: set[str] = set()
    for chunk in chunked(rows, 500):
        won.update(session.scalars(stmt, chunk))
    return won


def claim_owners(session: Session) -> set[str]:
    """Every pass that holds a page claim or a feed lease now."""
    pages = session.scalars(select(PageClaim.owner).distinct())
    feeds = session.scalars(select(Feed.leased_by).where(Feed.leased_by.is_not(None)).distinct())
    return set(pages) | set(feeds)


def release_claims(session: Session, owner: str) -> None:
    """Give back every claim ``owner`` still holds: its pages (stored, or the pass failed) and any feed whose
    outcome it did not record (the pass failed before): the next pass need not wait for the leases."""
    session.execute(delete(PageClaim).where(PageClaim.owner == owner))
    session.execute(update(Feed).where(Feed.leased_by == owner).values(lease_until=None, leased_by=None)
                    .execution_options(synchronize_session=False))


def load_feeds(session: Session, feed_ids: Iterable[int]) -> dict[int, Feed]:
    """The feeds by id, in one query per 500, into the session: while the caller holds the result,
    ``record_feed_outcome`` finds them there (the identity map keeps only objects something refers to), and
    their updates go out as one executemany at the flush."""
    out: dict[int, Feed] = {}
    for chunk in chunked(sorted(set(feed_ids)), 500):
        out.update((f.id, f) for f in session.scalars(select(Feed).where(Feed.id.in_(chunk))))
    return out


def record_feed_outcome(session: Session, outcome: FeedOutcome, new_items: int, policy: PollPolicy,
                        failure_threshold: int, now: datetime | None = None, *,
                        save_validators: bool = True) -> tuple[Feed, tuple[str, str] | None]:
    """Update a feed's health, validators and next poll after one fetch attempt (``now``: when the pass
    started; the times come from ``borderwatch.polling``).

    ``save_validators=False`` keeps the old ETag / Last-Modified: while the feed's new entries are not stored
    yet, a 304 on the next run would hide them (see ``save_validators``).

    Returns the feed and, for operators, (transition, incident key): "feed_down" when it just reached
    ``failure_threshold`` failed runs in a row, "feed_recovered" when a feed reported down works again."""
    now = now or outcome.polled_at or utcnow()
    feed = session.get(Feed, outcome.feed_id)
    assert feed is not None
    feed.last_fetched_at = now
    feed.last_status = outcome.status
    feed.lease_until = feed.leased_by = None  # the pass that claimed it is done with it
    transition = None
    if outcome.ok:
        if (feed.consecutive_failures or 0) >= failure_threshold:
            transition = ("feed_recovered", _incident_key("feed_recovered", feed))
        # a 304: nothing new, the interval stands (none yet, as after an upgrade: the shortest, to learn it)
        observed = feed.poll_interval if feed.poll_interval is not None else policy.min_interval
        if outcome.status != 304:
            feed.parse_problem = outcome.parsed.problem if outcome.parsed else None
            feed.ttl = outcome.parsed.ttl if outcome.parsed else None
            if save_validators:
                feed.etag, feed.last_modified = outcome.etag, outcome.last_modified
            since_last = (now - feed.last_success_at).total_seconds() if feed.last_success_at else None
            observed = polling.observed_interval([e.published for e in outcome.entries], now, policy.window,
                                                 new_items=new_items, since_last=since_last)
            observed = polling.poll_interval(observed, feed.poll_interval, policy)
        feed.poll_interval = polling.poll_interval(observed, None, policy)
        feed.next_attempt_at = polling.next_poll(now, feed.poll_interval, policy, ttl=feed.ttl,
                                                 max_age=outcome.max_age)
        feed.failing_since = None
        feed.last_success_at = now
        feed.consecutive_failures = 0
        feed.items_seen = (feed.items_seen or 0) + new_items
    else:
        feed.consecutive_failures = (feed.consecutive_failures or 0) + 1
        feed.failing_since = feed.failing_since or now
        feed.last_error = outcome.error
        feed.last_error_at = now
        delay = polling.failure_delay(feed.consecutive_failures, policy, outcome.retry_after)
        feed.next_attempt_at = now + timedelta(seconds=delay)
        if feed.consecutive_failures == failure_threshold:
            transition = ("feed_down", _incident_key("feed_down", feed))
    return feed, transition


def save_validators(session: Session, validators: dict[int, tuple[str | None, str | None]]) -> None:
    """Store feeds' ETag / Last-Modified once every new entry they listed is stored."""
    for feed_id, (etag, last_modified) in validators.items():
        feed = session.get(Feed, feed_id)
        if feed is not None:
            feed.etag, feed.last_modified = etag, last_modified


def _incident_key(kind: str, feed: Feed) -> str:
    since = feed.failing_since.strftime("%Y%m%dT%H%M%S") if feed.failing_since else "unknown"
    return f"{kind}:{feed.id}:{since}"


# --- entries and articles ----------------------------------------------------------------------------------

def new_entries(session: Session, feed_id: int, entries: Sequence[FeedEntry]) -> list[FeedEntry]:
    """Entries of this feed not seen before (by GUID for this feed), in feed order, without repeats."""
    if not entries:
        return []
    known: set[str] = set()
    guids = [e.guid for e in entries]
    for chunk in chunked(guids, 500):
        known.update(session.scalars(select(Entry.guid).where(Entry.feed_id == feed_id, Entry.guid.in_(chunk))))
    seen: set[str] = set()
    fresh = []
    for e in entries:
        if e.guid in known or e.guid in seen:
            continue
        seen.add(e.guid)
        fresh.append(e)
    return fresh


def known_articles(session: Session, urls: Iterable[str]) -> dict[str, int]:
    """Canonical URL -> article id for the URLs already stored."""
    out: dict[str, int] = {}
    for chunk in chunked(list(set(urls)), 500):
        out.update((url, id_) for url, id_ in session.execute(select(Article.url, Article.id).where(Article.url.in_(chunk))))
    return out


def known_stories(session: Session, keys: Iterable[str | None]) -> dict[str, tuple[int, bool]]:
    """Story key -> (article id, whether that article is headline-only) for the stories already stored (the
    oldest article of each story)."""
    out: dict[str, tuple[int, bool]] = {}
    for chunk in chunked(sorted({k for k in keys if k}), 500):
        rows = session.execute(select(Article.story_key, Article.id, Article.fetch_status)
                               .where(Article.story_key.in_(chunk)).order_by(Article.id))
        for key, id_, status in rows:
            out.setdefault(key, (id_, status == "headline_only"))
    return out


def article_source(rec: ArticleRecord) -> str | None:
    """The article's source: the site of the page fetched, or of the page listed; for a headline-only item of a
    news-search feed, the publisher's site it names (None when it names none: never the aggregator)."""
    if rec.final_url or not rec.entry.headline_only:
        return source_of(rec.final_url or rec.entry.url)
    return rec.entry.publisher_site


def record_entries(session: Session, rows: Sequence[tuple[int, FeedEntry, int | None]]) -> None:
    """Remember (feed, GUID) -> article; duplicates from a concurrent run are ignored."""
    if not rows:
        return
    now = utcnow()
    values = [dict(feed_id=feed_id, guid=e.guid, article_id=article_id, url=e.url, title=e.title[:2000] or None,
                   published_at=e.published, seen_at=now) for feed_id, e, article_id in rows]
    session.execute(_insert(session, Entry).on_conflict_do_nothing(index_elements=["feed_id", "guid"]), values)


def save_articles(session: Session, records: Sequence[ArticleRecord]) -> list[tuple[int, ArticleRecord]]:
    """Insert articles (skipping URLs another run stored first) and their mentions. Returns (id, record) of
    the articles this call inserted (or completed: see ``ArticleRecord.replaces``), in the order of ``records``.

    One multi-row ``INSERT … ON CONFLICT DO NOTHING RETURNING`` per 500 articles (SQLAlchemy's
    "insertmanyvalues"), not a statement and a round trip per article."""
    now = utcnow()
    inserted: list[tuple[int, ArticleRecord]] = []
    stmt = _insert(session, Article).on_conflict_do_nothing(index_elements=["url"]).returning(Article.id, Article.url)
    for chunk in chunked(records, 500):
        rows, fresh = [], []
        for rec in chunk:
            res = rec.result
            row = dict(
                url=rec.entry.canonical_url, final_url=rec.final_url, feed_id=rec.feed_id,
                title=(res.title or None), author=res.extracted.author or rec.entry.author,
                published_at=rec.entry.published or parse_iso(res.extracted.published),
                language=res.language, site_name=res.extracted.site_name, text=res.text,
                content_hash=res.content_hash, text_source=res.source, fetch_status=rec.fetch_status,
                fetch_error=rec.fetch_error, http_status=rec.http_status, relevant=res.detection.relevant,
                relevance_score=res.detection.score, fetched_at=now, publisher=rec.entry.publisher,
                source=article_source(rec), via=rec.entry.via, story_key=entry_story_key(rec.entry),
            )
            if rec.replaces is not None and _complete_headline(session, rec.replaces, row):
                inserted.append((rec.replaces, rec))
                _save_mentions(session, rec.replaces, rec, row["published_at"] or now, now, row["source"])
                continue
            rows.append(row)
            fresh.append(rec)
        ids = {url: article_id for article_id, url in session.execute(stmt, rows)} if rows else {}
        for rec, row in zip(fresh, rows, strict=True):
            article_id = ids.pop(row["url"], None)
            if article_id is None:
                continue  # stored before (by a concurrent run), or twice in ``records``: the first one counts
            inserted.append((article_id, rec))
            _save_mentions(session, article_id, rec, row["published_at"] or now, now, row["source"])
    return inserted


def _complete_headline(session: Session, article_id: int, row: dict) -> bool:
    """Turn a headline-only article into the full one, in place (its entries, mentions and events stay): the
    outlet's own feed listed the same story. False when it is not headline-only any more (another run
    completed it) or the full article's URL is stored already."""
    # the first feed and the aggregator it came through stay; what the page says replaces the headline
    values = {k: v for k, v in row.items() if k not in ("feed_id", "via", "story_key")}
    try:
        with session.begin_nested():
            done = session.execute(update(Article).where(Article.id == article_id,
                                                         Article.fetch_status == "headline_only")
                                   .values(**values).execution_options(synchronize_session=False)).rowcount
    except IntegrityError:
        return False
    return bool(done)


def _save_mentions(session: Session, article_id: int, rec: ArticleRecord, published: datetime, now: datetime,
                   source: str | None) -> None:
    detection = rec.result.detection
    if not detection.relevant or not detection.events:
        return
    seen: set[tuple[str, str, str]] = set()
    values = []
    for ev in detection.events:
        key = (ev.kind, ev.subtype, place_key(ev.place))
        if key in seen:
            continue
        seen.add(key)
        p = ev.place
        values.append(dict(
            article_id=article_id, kind=ev.kind, subtype=ev.subtype, place_key=key[2],
            place_id=p.id if p else None, place_name=p.name if p else None,
            place_as_written=p.as_written if p else None, district=p.district if p else None,
            province=p.province if p else None, country=p.country if p else None,
            country_code=p.country_code if p else None, lat=p.lat if p else None, lon=p.lon if p else None,
            precision=p.precision if p else None, actor=ev.actors[0] if ev.actors else None,
            actors=list(ev.actors), count=ev.count, count_unit=ev.count_unit, count_text=ev.count_text,
            claimant=ev.claimant, event_date=parse_iso_date(ev.event_date) or published.date(),
            evidence=ev.evidence, evidence_start=ev.start, evidence_end=ev.end, rule=ev.rule[:100],
            confidence=ev.confidence, source=source, created_at=now,
        ))
    session.execute(_insert(session, Mention).on_conflict_do_nothing(
        index_elements=["article_id", "kind", "subtype", "place_key"]), values)


# --- events --------------------------------------------------------------------------------------------------

_PLACE_FIELDS = ("place_key", "place_id", "place_name", "district", "province", "country", "country_code", "lat",
                 "lon", "precision")


def _claim(m: Mention, reported: datetime) -> Claim:
    return Claim(m.kind, m.subtype, m.place_key, m.actor, m.event_date, place_name=m.place_name,
                 province=m.province, country=m.country, country_code=m.country_code, precision=m.precision,
                 article=m.article_id, reported=_as_date(reported))


def _state(e: Event, reported: tuple | None) -> EventState:
    return EventState(e.id, e.kind, e.subtype, e.place_key, e.actor, e.event_date, place_name=e.place_name,
                      province=e.province, country=e.country, country_code=e.country_code, precision=e.precision,
                      sources=e.sources or 0,
                      reported=(_as_date(reported[0]), _as_date(reported[1])) if reported else None)


def _as_date(value: datetime | date | str) -> date:
    """A day from what the database returns for a timestamp (SQLite's aggregates give strings)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.tzinfo else value).date()
    return value


def cluster_mentions(session: Session, article_ids: Sequence[int], window_days: float) -> tuple[list[int], list[int]]:
    """Attach the unclustered mentions of these articles to events, creating events as needed, by the rules of
    ``borderwatch.events.plan`` (one query for the candidate events, one flush for the batch). A mention with no
    place that its own article does not place stays unclustered (rule 3).

    Returns (new event ids, updated event ids). Serialised across processes on Postgres by an advisory lock.
    """
    if not article_ids:
        return [], []
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": CLUSTER_LOCK})
    reported_at = func.coalesce(Article.published_at, Mention.created_at)
    found = session.execute(select(Mention, reported_at).join(Article, Article.id == Mention.article_id)
                            .where(Mention.article_id.in_(article_ids), Mention.event_id.is_(None))
                            .order_by(reported_at, Mention.article_id, Mention.id)).all()  # oldest report first
    if not found:
        return [], []
    mentions = [m for m, _ in found]
    claims = [_claim(m, reported) for m, reported in found]
    window = timedelta(days=window_days)
    kinds = {m.kind for m in mentions}
    lo, hi = min(c.reported for c in claims) - window, max(c.reported for c in claims) + window
    reported_nearby = (select(Mention.event_id).join(Article, Article.id == Mention.article_id)
                       .where(Mention.event_id.is_not(None), Mention.kind.in_(kinds),
                              reported_at >= datetime.combine(lo, time.min, UTC),
                              reported_at < datetime.combine(hi + timedelta(days=1), time.min, UTC)))
    stored = list(session.scalars(select(Event).where(Event.kind.in_(kinds), or_(
        Event.event_date.between(min(m.event_date for m in mentions) - window,
                                 max(m.event_date for m in mentions) + window),
        Event.id.in_(reported_nearby))).order_by(Event.id)))
    spans = {event_id: (first, last) for event_id, first, last in session.execute(
        select(Mention.event_id, func.min(reported_at), func.max(reported_at))
        .join(Article, Article.id == Mention.article_id)
        .where(Mention.event_id.in_([e.id for e in stored])).group_by(Mention.event_id))} if stored else {}
    states = [_state(e, spans.get(e.id)) for e in stored]
    chosen = plan(claims, states, window_days)
    rows: list[Event | None] = [*stored, *([None] * (len(states) - len(stored)))]
    touched: set[int] = set()
    for index, state in enumerate(states):
        if state.place_from is None and state.id is not None:
            continue
        origin = mentions[state.place_from] if state.place_from is not None else None
        event = rows[index]
        if event is None:
            assert origin is not None
            event = Event(kind=origin.kind, subtype=origin.subtype, family=family(origin.subtype),
                          actor=origin.actor, event_date=origin.event_date, first_seen_at=origin.created_at,
                          last_seen_at=origin.created_at, sources=1, mentions_count=0, confidence=origin.confidence,
                          status="new", first_mention_id=origin.id)
            session.add(event)
            rows[index] = event
        for name in _PLACE_FIELDS:  # a new event's place, or a finer place that joined a stored one
            setattr(event, name, getattr(origin, name))
    session.flush()
    created = {rows[i].id for i, s in enumerate(states) if s.id is None}
    for m, index in zip(mentions, chosen, strict=True):
        if index is None:
            continue
        event, state = rows[index], states[index]
        m.event_id = event.id
        event.mentions_count += 1
        event.last_seen_at = max(event.last_seen_at, m.created_at)
        event.confidence = max(event.confidence, m.confidence)
        event.actor, event.event_date = state.actor, state.event_date
        if event.id not in created:
            touched.add(event.id)
    session.flush()
    for event_id in touched | created:
        sources = session.scalar(select(func.count(func.distinct(Mention.source))).where(Mention.event_id == event_id))
        event = session.get(Event, event_id)
        event.sources = sources or 1
        event.status = "corroborated" if event.sources >= 2 else "new"
    return sorted(created), sorted(touched)


# --- outbox ----------------------------------------------------------------------------------------------------

def add_alerts(session: Session, rows: Sequence[dict]) -> int:
    """Insert outbox rows; a (channel, key) already queued is left as it is, so queueing twice is a no-op.
    Returns rows added."""
    if not rows:
        return 0
    result = session.execute(_insert(session, Alert).on_conflict_do_nothing(index_elements=["channel", "key"])
                             .returning(Alert.id), list(rows))
    return len(result.all())


def events_by_id(session: Session, event_ids: Iterable[int]) -> list[Event]:
    """The events with these ids (those that exist), in batches of 500."""
    ids = sorted(set(event_ids))
    return [e for chunk in chunked(ids, 500) for e in session.scalars(select(Event).where(Event.id.in_(chunk)))]


def feeds_by_id(session: Session, feed_ids: Iterable[int]) -> dict[int, Feed]:
    ids = sorted(set(feed_ids))
    return {f.id: f for f in session.scalars(select(Feed).where(Feed.id.in_(ids)))} if ids else {}


def claim_due_alerts(session: Session, channel: str, lease: timedelta, limit: int = 100,
                     due_before: datetime | None = None) -> list[Alert]:
    """Claim due outbox rows of one channel for delivery: they become 'sending' until ``lease`` ends.

    Due: pending with ``next_attempt_at <= due_before`` (default now), or 'sending' whose lease ran out (a run
    that died mid-delivery). The claim is a compare-and-set (``UPDATE ... WHERE status still claimable
    RETURNING id``), so of two runs racing for a row exactly one gets it; on Postgres the candidate rows are
    also locked ``FOR UPDATE SKIP LOCKED``, so a second run skips them instead of waiting. Commit right after
    claiming (the caller's session block) so other runs see the claim."""
    now = utcnow()
    due_before = min(due_before or now, now)
    claimable = (((Alert.status == "pending") & (Alert.next_attempt_at <= due_before))
                 | ((Alert.status == "sending") & (Alert.lease_until < now)))
    candidates = (select(Alert.id).where(Alert.channel == channel, claimable).order_by(Alert.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list(session.scalars(candidates))
    if not ids:
        return []
    won = list(session.scalars(update(Alert).where(Alert.id.in_(ids), claimable)
                               .values(status="sending", lease_until=now + lease)
                               .returning(Alert.id).execution_options(synchronize_session=False)))
    if not won:
        return []
    return list(session.scalars(select(Alert).where(Alert.id.in_(won)).order_by(Alert.id)
                                .execution_options(populate_existing=True)))


def hold_claim(session: Session, alert_ids: Sequence[int], leases: dict[int, datetime],
               lease: timedelta) -> list[int]:
    """Renew this run's claim on rows just before sending them; returns the ids still held. A row whose lease
    ran out and was claimed by another run is not ours any more (its ``lease_until`` changed): not sent here."""
    new = utcnow() + lease
    held = []
    for alert_id in alert_ids:
        won = session.execute(update(Alert).where(Alert.id == alert_id, Alert.status == "sending",
                                                  Alert.lease_until == leases[alert_id])
                              .values(lease_until=new).execution_options(synchronize_session=False)).rowcount
        if won:
            leases[alert_id] = new
            held.append(alert_id)
    return held


def finish_alert(session: Session, alert_id: int, *, ok: bool, error: str | None, max_attempts: int,
                 retry_base: float, retry_max: float, lease_until: datetime | None = None) -> str:
    """Record one delivery attempt of a claimed row: 'sent'; or back to 'pending' with exponential back-off;
    or 'failed' after ``max_attempts``. Returns the new status. With ``lease_until`` (the claim's lease), a row
    another run has claimed since is left alone ("lost")."""
    now = utcnow()
    alert = session.get(Alert, alert_id, populate_existing=True)
    if alert is None:
        return "gone"
    if lease_until is not None and (alert.status != "sending" or alert.lease_until != lease_until):
        return "lost"
    alert.attempts = (alert.attempts or 0) + 1
    alert.lease_until = None
    if ok:
        alert.status, alert.sent_at, alert.last_error = "sent", now, None
    else:
        alert.last_error = (error or "delivery failed")[:2000]
        if alert.attempts >= max_attempts:
            alert.status = "failed"
        else:
            alert.status = "pending"
            alert.next_attempt_at = now + timedelta(seconds=polling.backoff_delay(alert.attempts, retry_base,
                                                                                     retry_max))
    return alert.status


def release_alerts(session: Session, alert_ids: Sequence[int], delay: float, reason: str | None = None) -> None:
    """Give claimed rows back unsent, without counting an attempt (the channel asked us to slow down)."""
    if not alert_ids:
        return
    values = dict(status="pending", lease_until=None, next_attempt_at=utcnow() + timedelta(seconds=delay))
    if reason:
        values["last_error"] = reason[:2000]
    session.execute(update(Alert).where(Alert.id.in_(list(alert_ids)), Alert.status == "sending").values(**values)
                    .execution_options(synchronize_session=False))


def event_mentions(session: Session, event_ids: Sequence[int]
                   ) -> tuple[dict[int, Event], list[tuple[Mention, str | None, str, str | None]]]:
    """These events, and their mentions in order with each one's article title, URL and final URL."""
    ids = sorted(set(event_ids))
    if not ids:
        return {}, []
    events = {e.id: e for e in session.scalars(select(Event).where(Event.id.in_(ids)))}
    rows = session.execute(select(Mention, Article.title, Article.url, Article.final_url)
                           .join(Article, Article.id == Mention.article_id)
                           .where(Mention.event_id.in_(ids)).order_by(Mention.id)).all()
    return events, [tuple(r) for r in rows]
