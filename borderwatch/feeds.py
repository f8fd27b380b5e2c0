"""Feed parsing: bytes in, entries out. RSS 0.9x/1.0/2.0 and Atom via feedparser; JSON Feed 1.x directly.

feedparser never does HTTP here: it gets the bytes and the response headers the fetcher already has.
"""

from __future__ import annotations

import calendar
import html
import io
import json
import re
from datetime import UTC, datetime
from urllib.parse import urljoin

from borderwatch.errors import FeedParseError
from borderwatch.isodate import parse_iso
from borderwatch.polling import parse_ttl
from borderwatch.records import FeedEntry, ParsedFeed
from borderwatch.urls import canonical_url

# Feeds may not declare entities: refuse before any XML parser sees them (billion laughs, external entities).
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]+>")


def _plain(markup: str) -> str:
    return " ".join(html.unescape(_TAGS.sub(" ", markup or "")).split())


_HTML_START = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b",
                         re.IGNORECASE | re.DOTALL)


def _looks_like_html(content: bytes, ctype: str) -> bool:
    return ctype.startswith(("text/html", "application/xhtml")) or bool(_HTML_START.match(content[:4096]))


def _when(struct) -> datetime | None:
    if not struct:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(struct), tz=UTC)
    except (OverflowError, ValueError, TypeError):
        return None


def _entry(link, base_url: str | None, guid, title, summary, published: datetime | None, author,
           source_name=None, source_url=None) -> FeedEntry | None:
    """One entry from a feed's (untrusted, loosely typed) fields; None when its link is missing or malformed."""
    if not isinstance(link, str) or not link.strip():
        return None
    try:
        link = urljoin(base_url, link.strip()) if base_url else link.strip()
        canonical = canonical_url(link)
    except ValueError:  # "http://host:99999/", "http://[oops/": skip the entry, keep the feed
        return None
    return FeedEntry(guid=str(guid or link)[:1000], url=link, canonical_url=canonical, title=_plain(str(title or "")),
                     summary=_plain(str(summary or "")), published=published,
                     author=str(author) if author else None,
                     source_name=(_plain(source_name)[:300] or None) if isinstance(source_name, str) else None,
                     source_url=(source_url.strip()[:1000] or None) if isinstance(source_url, str) else None)


def parse_feed(content: bytes, headers: dict[str, str] | None = None, *, base_url: str | None = None,
               limit: int | None = None) -> ParsedFeed:
    """Parse feed bytes. Raises FeedParseError when nothing usable is there."""
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    if not content.strip():
        raise FeedParseError("empty response body")
    head = content.lstrip()[:1]
    ctype = headers.get("content-type", "").lower()
    if head == b"{" or "json" in ctype:
        return _parse_json_feed(content, base_url, limit)
    if _ENTITY_DECL.search(content[:65536]):
        raise FeedParseError("feed declares XML entities (<!ENTITY>): refused to protect the parser")
    if base_url and "content-location" not in headers:
        headers["content-location"] = base_url
    import feedparser  # here: a pass whose feeds all answer 304 never loads it

    parsed = feedparser.parse(io.BytesIO(content), response_headers=headers, sanitize_html=False,
                              resolve_relative_uris=False)
    problem = None
    if parsed.bozo:
        exc = parsed.get("bozo_exception")
        problem = f"{type(exc).__name__}: {exc}" if exc else "malformed feed"
    if not parsed.entries:
        version = parsed.get("version") or ""
        if not version and _looks_like_html(content, ctype):
            raise FeedParseError(f"not a feed: the server sent an HTML page ({ctype or 'no content type'})")
        if problem:
            raise FeedParseError(f"no entries; {problem}")
        if not version:
            raise FeedParseError("not a feed (no RSS/Atom/JSON Feed structure found)")
        return ParsedFeed([], parsed.feed.get("title"), None, parse_ttl(parsed.feed.get("ttl")))
    entries: list[FeedEntry] = []
    for item in parsed.entries[: limit or None]:
        link = item.get("link") or ""
        if not link:
            links = [lk.get("href") for lk in item.get("links", []) if lk.get("href")]
            link = links[0] if links else ""
        summary = item.get("summary") or ""
        if not summary and item.get("content"):
            summary = item["content"][0].get("value", "")
        source = item.get("source") if isinstance(item.get("source"), dict) else {}
        entry = _entry(link, base_url, item.get("id") or item.get("guid"), item.get("title"), summary,
                       _when(item.get("published_parsed") or item.get("updated_parsed")), item.get("author"),
                       source.get("title") or item.get("news_source"), source.get("href"))
        if entry is not None:
            entries.append(entry)
    if not entries:
        raise FeedParseError("entries have no links" + (f"; {problem}" if problem else ""))
    return ParsedFeed(entries, parsed.feed.get("title"), problem, parse_ttl(parsed.feed.get("ttl")))


def _parse_json_feed(content: bytes, base_url: str | None, limit: int | None) -> ParsedFeed:
    try:
        data = json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FeedParseError(f"invalid JSON feed: {exc}") from None
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith("https://jsonfeed.org/version/"):
        raise FeedParseError("JSON document is not a JSON Feed (no jsonfeed.org version)")
    entries = []
    for item in (data.get("items") or [])[: limit or None]:
        if not isinstance(item, dict):
            continue
        authors = item.get("authors") or ([item["author"]] if item.get("author") else [])
        published = item.get("date_published") or item.get("date_modified")
        entry = _entry(item.get("url") or item.get("external_url"), base_url, item.get("id"), item.get("title"),
                       item.get("summary") or item.get("content_text") or item.get("content_html") or "",
                       parse_iso(published) if isinstance(published, str) else None,
                       authors[0].get("name") if isinstance(authors, list) and authors and isinstance(authors[0], dict)
                       else None)
        if entry is not None:
            entries.append(entry)
    return ParsedFeed(entries, data.get("title"), None)
