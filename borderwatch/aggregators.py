"""News-search feeds (Google News, Bing News): their items are other outlets' articles.

An aggregator item is attributed to its publisher, never to the aggregator:

* **Google News** links to ``news.google.com/rss/articles/CBMi…``, a JavaScript interstitial that does not
  redirect over HTTP (decoding the token needs an internal Google RPC). The item names its publisher:
  ``<source url="https://www.reuters.com">Reuters</source>``, and its title ends with `` - Reuters``. Without a
  resolver (``aggregators.google_resolver``) such an item is kept as a *headline-only* article: title, snippet
  and publisher, and the interstitial is never fetched. An old-style link carrying the publisher's URL in a
  ``url`` parameter is unwrapped.
* **Bing News** links to ``bing.com/news/apiclick.aspx?…&url=<publisher URL, percent-encoded>&…``: the link is
  unwrapped, and the page is fetched at the publisher (under the same SSRF rules as any link in a feed).

The same story reached through an aggregator and through the outlet's own feed is one article: by URL when the
publisher's URL is known, else by :func:`story_key` (the publisher's site and the normalised title).
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import unicodedata
from typing import Literal
from urllib.parse import parse_qsl, urlsplit

from borderwatch.records import FeedEntry
from borderwatch.urls import canonical_url

Aggregator = Literal["google", "bing"]
GOOGLE: Aggregator = "google"
BING: Aggregator = "bing"

_WORD_SEPARATORS = re.compile(r"[\W_]+", re.UNICODE)


def aggregator_for(url: str, declared: str | None = None) -> Aggregator | None:
    """Which news-search service a feed is: as declared in its config entry (``aggregator: google|bing``),
    else by its host (``news.google.com``; ``bing.com`` and its subdomains)."""
    if declared:
        return GOOGLE if declared == GOOGLE else BING
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if host == "news.google.com":
        return GOOGLE
    if host == "bing.com" or host.endswith(".bing.com"):
        return BING
    return None


def site_of(url: str | None) -> str | None:
    """A publisher's site: the URL's host (and port when not the default), without ``www.``."""
    if not url:
        return None
    try:
        netloc = urlsplit(canonical_url(url)).netloc
    except ValueError:
        return None
    return netloc or None


def normalise_title(title: str) -> str:
    """A headline for comparison: Unicode-folded, case-folded, punctuation and spacing collapsed."""
    folded = unicodedata.normalize("NFKC", title or "").casefold()
    return " ".join(_WORD_SEPARATORS.sub(" ", folded).split())


def story_key(site: str | None, title: str | None) -> str | None:
    """Identity of a story without its URL: its publisher's site and normalised headline (hashed, fixed width).
    None when either is unknown (an empty title identifies nothing)."""
    headline = normalise_title(title or "")
    if not site or not headline:
        return None
    return hashlib.sha256(f"{site.lower()}\n{headline}".encode()).hexdigest()[:40]


def strip_publisher(title: str, publisher: str | None) -> tuple[str, str | None]:
    """Google News titles end with `` - Publisher``: (headline, publisher). The publisher named by the item's
    ``source`` element wins; without one, the last `` - `` segment is taken as the publisher."""
    if publisher:
        for sep in (" - ", " – ", " — "):
            suffix = sep + publisher
            if title.endswith(suffix) and len(title) > len(suffix):
                return title[: -len(suffix)].rstrip(), publisher
        return title, publisher
    head, sep, tail = title.rpartition(" - ")
    if sep and head.strip() and tail.strip() and len(tail) <= 80:
        return head.rstrip(), tail.strip()
    return title, None


def _param_url(link: str) -> str | None:
    """The ``url`` query parameter of an aggregator's click-through link, when it is an absolute http(s) URL."""
    try:
        params = parse_qsl(urlsplit(link).query, keep_blank_values=True)
    except ValueError:
        return None
    for key, value in params:
        if key.lower() == "url" and urlsplit(value).scheme.lower() in ("http", "https") and urlsplit(value).hostname:
            return value
    return None


def unwrap_bing(link: str) -> str | None:
    """The publisher's URL inside a Bing News click-through link (its ``url`` parameter), else None."""
    return _param_url(link)


def _aggregator_link(link: str, aggregator: Aggregator, feed_url: str | None) -> bool:
    """Is ``link`` on the aggregator's own site (its domain, or the host the feed is served from)?"""
    try:
        host = (urlsplit(link).hostname or "").lower().rstrip(".")
        feed_host = (urlsplit(feed_url).hostname or "").lower().rstrip(".") if feed_url else None
    except ValueError:
        return False
    domain = "google.com" if aggregator == GOOGLE else "bing.com"
    return host == feed_host or host == domain or host.endswith("." + domain)


def _with_url(entry: FeedEntry, url: str) -> FeedEntry | None:
    try:
        canonical = canonical_url(url)
    except ValueError:
        return None
    return dataclasses.replace(entry, url=url, canonical_url=canonical, headline_only=False)


def attribute(entry: FeedEntry, aggregator: Aggregator, feed_url: str | None = None) -> FeedEntry | None:
    """The entry as its publisher's: publisher name and site, the publisher's URL where it is known, else a
    headline-only entry (a link on the aggregator's domain or on the feed's own host is the aggregator's; its
    source is then the publisher's site from the ``source`` element, or none: never
    the aggregator). None only when the publisher URL in the link is malformed."""
    if aggregator == BING:
        publisher = entry.source_name
        target = unwrap_bing(entry.url)
        if target is None and not _aggregator_link(entry.url, BING, feed_url):
            target = entry.url  # a direct link to the publisher
        if target is not None:
            out = _with_url(entry, target)
            if out is None:
                return None
            return dataclasses.replace(out, publisher=publisher, publisher_site=site_of(target), via=BING)
        return dataclasses.replace(entry, publisher=publisher, publisher_site=None, via=BING, headline_only=True)
    title, publisher = strip_publisher(entry.title, entry.source_name)
    target = _param_url(entry.url)  # old-style news.google.com/news/url?…&url=…
    if target is None and not _aggregator_link(entry.url, GOOGLE, feed_url):
        target = entry.url
    if target is not None:
        out = _with_url(entry, target)
        if out is None:
            return None
        return dataclasses.replace(out, title=title, publisher=publisher, publisher_site=site_of(target), via=GOOGLE)
    return dataclasses.replace(entry, title=title, publisher=publisher, publisher_site=site_of(entry.source_url),
                               via=GOOGLE,
                               headline_only=True)


def resolved(entry: FeedEntry, publisher_url: str) -> FeedEntry | None:
    """A headline-only entry once a resolver named its publisher URL: fetched there from now on."""
    out = _with_url(entry, publisher_url)
    if out is None:
        return None
    return dataclasses.replace(out, publisher_site=site_of(publisher_url))


def entry_story_key(entry: FeedEntry) -> str | None:
    """The story key of a feed entry: its publisher's site (the page's site when its URL is known) and title."""
    return story_key(entry.publisher_site if entry.headline_only else site_of(entry.url), entry.title)
