"""Tables. Feeds (health and HTTP validators), entries, articles, mentions, events, alerts (outbox)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC timestamps on both Postgres (timestamptz) and SQLite (stored as UTC text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict: JSON, list: JSON}


class Feed(Base):
    __tablename__ = "feeds"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(Text, unique=True)
    language: Mapped[str | None] = mapped_column(String(16))
    tags: Mapped[list] = mapped_column(JSON, default=list)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # HTTP cache validators
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    # health
    last_fetched_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_status: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]
    parse_problem: Mapped[str | None] = mapped_column(Text)  # bozo feed used anyway: what was wrong
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]  # the next poll (borderwatch.polling), after success or failure
    poll_interval: Mapped[float | None]  # seconds: how often it is polled now, from how often it publishes
    ttl: Mapped[float | None]  # seconds: the feed's own <ttl>, kept for 304 answers
    # work sharing: a pass claims a host's due feeds until their outcome is recorded or the lease runs out
    host: Mapped[str | None] = mapped_column(String(300))
    lease_until: Mapped[datetime | None]
    leased_by: Mapped[str | None] = mapped_column(String(64))
    items_seen: Mapped[int] = mapped_column(Integer, default=0)
    failing_since: Mapped[datetime | None]
    created_at: Mapped[datetime]


Index("ix_feeds_due", Feed.next_attempt_at)


class PageClaim(Base):
    """A page a pass is fetching (canonical URL), so another pass at the same time leaves it alone."""

    __tablename__ = "page_claims"
    url: Mapped[str] = mapped_column(Text, primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    lease_until: Mapped[datetime]


class Entry(Base):
    """A feed item: which feed listed which article, under which GUID."""

    __tablename__ = "entries"
    __table_args__ = (UniqueConstraint("feed_id", "guid", name="uq_entries_feed_guid"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    guid: Mapped[str] = mapped_column(String(1000))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"), index=True)
    url: Mapped[str] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None]
    seen_at: Mapped[datetime]


class Article(Base):
    __tablename__ = "articles"
    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)  # canonical URL
    final_url: Mapped[str | None] = mapped_column(Text)  # after redirects
    feed_id: Mapped[int | None] = mapped_column(ForeignKey("feeds.id", ondelete="SET NULL"), index=True)
    title: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    language: Mapped[str | None] = mapped_column(String(16))
    site_name: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    text_source: Mapped[str] = mapped_column(String(20))  # trafilatura | feed_summary
    # ok | extraction_failed | fetch_failed | blocked | unsupported | analysis_failed | headline_only (a news-search
    # item whose publisher URL is unknown: title, snippet and publisher only; its page was never fetched)
    fetch_status: Mapped[str] = mapped_column(String(20))
    fetch_error: Mapped[str | None] = mapped_column(Text)
    http_status: Mapped[int | None]
    relevant: Mapped[bool] = mapped_column(Boolean, default=False)
    relevance_score: Mapped[float] = mapped_column(Float, default=0.0)
    fetched_at: Mapped[datetime]
    publisher: Mapped[str | None] = mapped_column(Text)  # named by a news-search feed (Google / Bing News)
    source: Mapped[str | None] = mapped_column(Text)  # the publisher's site (host without www.), never an aggregator
    via: Mapped[str | None] = mapped_column(String(16))  # google | bing: reached through a news-search feed
    story_key: Mapped[str | None] = mapped_column(String(40), index=True)  # site + normalised title (aggregators)


class Event(Base):
    """One real-world event, clustered from the mentions of one or more articles."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    subtype: Mapped[str] = mapped_column(String(32))
    family: Mapped[str] = mapped_column(String(32))  # subtype family used for clustering
    place_key: Mapped[str] = mapped_column(String(200))  # gazetteer id, or normalised name; "" when none
    place_id: Mapped[str | None] = mapped_column(String(64))
    place_name: Mapped[str | None] = mapped_column(Text)
    district: Mapped[str | None] = mapped_column(Text)
    province: Mapped[str | None] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(Text)
    country_code: Mapped[str | None] = mapped_column(String(8))
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    precision: Mapped[str | None] = mapped_column(String(16))
    actor: Mapped[str | None] = mapped_column(Text)
    event_date: Mapped[date | None] = mapped_column(Date)  # stated or inferred from the first article
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    sources: Mapped[int] = mapped_column(Integer, default=1)  # distinct sources (site hosts)
    mentions_count: Mapped[int] = mapped_column(Integer, default=1)
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    status: Mapped[str] = mapped_column(String(20), default="new")  # new | corroborated
    first_mention_id: Mapped[int | None]


Index("ix_events_cluster", Event.kind, Event.family, Event.place_key, Event.event_date)
Index("ix_events_first_seen", Event.first_seen_at)


class Mention(Base):
    """One article's claim of an event, with its evidence."""

    __tablename__ = "mentions"
    __table_args__ = (UniqueConstraint("article_id", "kind", "subtype", "place_key", name="uq_mentions_article_claim"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    subtype: Mapped[str] = mapped_column(String(32))
    place_key: Mapped[str] = mapped_column(String(200))
    place_id: Mapped[str | None] = mapped_column(String(64))
    place_name: Mapped[str | None] = mapped_column(Text)
    place_as_written: Mapped[str | None] = mapped_column(Text)
    district: Mapped[str | None] = mapped_column(Text)
    province: Mapped[str | None] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(Text)
    country_code: Mapped[str | None] = mapped_column(String(8))
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    precision: Mapped[str | None] = mapped_column(String(16))
    actor: Mapped[str | None] = mapped_column(Text)
    actors: Mapped[list] = mapped_column(JSON, default=list)
    count: Mapped[int | None]
    count_unit: Mapped[str | None] = mapped_column(Text)
    count_text: Mapped[str | None] = mapped_column(Text)
    claimant: Mapped[str | None] = mapped_column(Text)
    event_date: Mapped[date | None] = mapped_column(Date)
    evidence: Mapped[str] = mapped_column(Text)
    evidence_start: Mapped[int]
    evidence_end: Mapped[int]
    rule: Mapped[str] = mapped_column(String(100))
    confidence: Mapped[float] = mapped_column(Float)
    source: Mapped[str | None] = mapped_column(Text)  # site host of the article
    created_at: Mapped[datetime]


class Alert(Base):
    """Outbox: one row per (channel, thing to say). Delivered exactly once per row."""

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("channel", "key", name="uq_alerts_channel_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(300))  # channel key: its name, or its URL without secrets
    key: Mapped[str] = mapped_column(String(200))  # "event:42", "feed_down:3:2026-11-28T10:00", ...
    kind: Mapped[str] = mapped_column(String(20))  # event | feed_down | feed_recovered
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    feed_id: Mapped[int | None] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | sending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


Index("ix_alerts_due", Alert.status, Alert.next_attempt_at)
