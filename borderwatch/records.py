"""The plain records the stages hand each other and storage keeps: a feed's entries, what fetching a feed gave,
the pages to fetch, an analysed page. Data only (no I/O, no parsing), so that storage (``models``) can take
them without loading the libraries the stages use (feedparser, httpx, trafilatura)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from borderwatch.extract import PageResult


@dataclass(slots=True)
class FeedEntry:
    guid: str
    url: str  # as the feed gave it (absolute)
    canonical_url: str
    title: str = ""
    summary: str = ""  # plain text
    published: datetime | None = None
    author: str | None = None
    # the item's own <source url="…">Name</source> (RSS 2.0; Google News) or <News:Source> (Bing News)
    source_name: str | None = None
    source_url: str | None = None
    # set for items of news-search feeds (borderwatch.aggregators): who published it, and how we reached it
    publisher: str | None = None  # the publisher's name
    publisher_site: str | None = None  # the publisher's site (host without www.): the article's source
    via: str | None = None  # "google" | "bing"
    headline_only: bool = False  # the publisher's URL is unknown: title and snippet only, no page fetched


@dataclass(slots=True)
class ParsedFeed:
    entries: list[FeedEntry] = field(default_factory=list)
    title: str | None = None
    problem: str | None = None  # a bozo feed that still had entries: what was wrong
    ttl: float | None = None  # seconds: RSS <ttl> (given in minutes), how long the feed may be cached


@dataclass(slots=True)
class FeedRequest:
    feed_id: int
    url: str
    etag: str | None = None
    last_modified: str | None = None
    aggregator: str | None = None  # "google" | "bing": a news-search feed (borderwatch.aggregators)


@dataclass(slots=True)
class FeedOutcome:
    """What fetching one feed gave."""

    feed_id: int
    status: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    parsed: ParsedFeed | None = None
    error: str | None = None
    retry_after: float | None = None
    seconds: float = 0.0
    max_age: float | None = None  # Cache-Control max-age of the answer (a 304's too)
    polled_at: datetime | None = None  # when the pass that polled it started: its next poll counts from then

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def entries(self) -> list[FeedEntry]:
        return self.parsed.entries if self.parsed else []


@dataclass(slots=True)
class PageTask:
    """A new entry whose page is to be fetched and analysed."""

    feed_id: int
    entry: FeedEntry
    language: str | None = None
    also_listed: list[tuple[int, FeedEntry]] = field(default_factory=list)  # other feeds' entries, same URL
    replaces: int | None = None  # a headline-only article of the same story, completed by this page


@dataclass(slots=True)
class ArticleRecord:
    """One analysed page, ready to store."""

    feed_id: int
    entry: FeedEntry
    final_url: str | None
    http_status: int | None
    fetch_status: str  # ok | extraction_failed | fetch_failed | blocked | unsupported | analysis_failed | headline_only
    fetch_error: str | None
    result: PageResult
    replaces: int | None = None  # see PageTask.replaces
