"""Alert messages and their delivery through apprise.

Rendering is pure: an ``EventSummary`` in, a title and body out, in plain text (mail) or Markdown (chat).
Anything quoted from an article is escaped so it cannot break the message format. ``send`` is the I/O edge.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime

import apprise

from borderwatch.redact import redact_text, redact_url

# apprise schemes whose messages render Markdown
MARKDOWN_SCHEMES = ("slack", "discord", "tgram", "matrix", "mmost", "rocket", "msteams", "zulip", "ntfy", "gotify")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<])")


@dataclass(slots=True)
class SourceRef:
    title: str
    url: str
    site: str | None = None


@dataclass(slots=True)
class EventSummary:
    """Everything an alert about one event says."""

    event_id: int
    kind: str
    subtype: str
    place_name: str | None
    district: str | None
    province: str | None
    country: str | None
    lat: float | None
    lon: float | None
    actor: str | None
    first_seen: datetime
    event_date: date | None
    evidence: str
    confidence: float
    corroboration: int
    counts: list[str] = field(default_factory=list)  # "280 soldiers (Tajik border service)"
    claimants: list[str] = field(default_factory=list)
    sources: list[SourceRef] = field(default_factory=list)


def message_format(url: str, preference: str = "auto") -> str:
    if preference != "auto":
        return preference
    return "markdown" if url.split("://", 1)[0].lower().rstrip("s") in MARKDOWN_SCHEMES or \
        url.split("://", 1)[0].lower() in MARKDOWN_SCHEMES else "text"


def escape_markdown(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", " ".join((text or "").split()))


def plain(text: str) -> str:
    """One line of untrusted text for a plain-text message: whitespace folded, control characters dropped."""
    return "".join(ch for ch in " ".join((text or "").split()) if ch.isprintable())


def map_link(lat: float | None, lon: float | None) -> str | None:
    if lat is None or lon is None:
        return None
    return f"https://www.openstreetmap.org/?mlat={lat:.5f}&mlon={lon:.5f}#map=10/{lat:.5f}/{lon:.5f}"


def _where(ev: EventSummary) -> str:
    parts = [p for p in (ev.place_name, ev.district if ev.district != ev.place_name else None,
                         ev.province if ev.province not in (ev.place_name, ev.district) else None, ev.country) if p]
    return ", ".join(dict.fromkeys(parts)) or "place not named"


def headline(ev: EventSummary) -> str:
    what = f"{ev.kind.replace('_', ' ')}: {ev.subtype.replace('_', ' ')}"
    return f"[borderwatch] {what} — {_where(ev)}" + (f" ({ev.actor})" if ev.actor else "")


def render_event(ev: EventSummary, fmt: str) -> tuple[str, str]:
    """(title, body) for one event in 'text' or 'markdown'."""
    esc = escape_markdown if fmt == "markdown" else plain
    title = plain(headline(ev))
    lines = []
    bold = (lambda s: f"*{s}*") if fmt == "markdown" else (lambda s: s)
    lines.append(f"{bold('Event')}: {esc(ev.kind)} / {esc(ev.subtype)}")
    lines.append(f"{bold('Place')}: {esc(_where(ev))}")
    link = map_link(ev.lat, ev.lon)
    if link:
        lines.append(f"{bold('Map')}: {link}")
    if ev.actor:
        lines.append(f"{bold('Actor')}: {esc(ev.actor)}")
    if ev.counts:
        lines.append(f"{bold('Counts as claimed')}: {esc('; '.join(ev.counts))}")
    if ev.claimants:
        lines.append(f"{bold('Claimed by')}: {esc('; '.join(ev.claimants))}")
    when = ev.first_seen.strftime("%Y-%m-%d %H:%M UTC")
    lines.append(f"{bold('First seen')}: {when}" + (f" (event date {ev.event_date.isoformat()})" if ev.event_date else ""))
    lines.append(f"{bold('Sources')}: {ev.corroboration} · confidence {ev.confidence:.2f}")
    lines.append("")
    quote = esc(ev.evidence[:600])
    lines.append(f"> {quote}" if fmt == "markdown" else f'"{quote}"')
    lines.append("")
    for src in ev.sources[:10]:
        t = esc(src.title or src.url)
        lines.append(f"- [{t}](<{src.url}>)" if fmt == "markdown" else f"- {t}: {plain(src.url)}")
    return title, "\n".join(lines)


def render_digest(events: list[EventSummary], fmt: str) -> tuple[str, str]:
    """One message listing several events."""
    title = f"[borderwatch] {len(events)} new event{'s' if len(events) != 1 else ''}"
    blocks = [render_event(ev, fmt) for ev in events]
    sep = "\n\n---\n\n"
    return title, sep.join(("**" + escape_markdown(t) + "**" if fmt == "markdown" else t) + "\n" + b for t, b in blocks)


def render_feed_notice(feed_name: str, feed_url: str, down: bool, failures: int, error: str | None) -> tuple[str, str]:
    state = "failing" if down else "recovered"
    title = f"[borderwatch] feed {state}: {plain(feed_name)}"
    body = (f"Feed {plain(feed_name)} ({plain(redact_url(feed_url))}) has failed {failures} runs in a row.\n"
            f"Last error: {plain(error or 'unknown')}" if down else
            f"Feed {plain(feed_name)} ({plain(redact_url(feed_url))}) is fetched successfully again.")
    return title, body


def send(url: str, title: str, body: str, fmt: str, *, timeout: float = 30.0) -> tuple[bool, str | None]:
    """Send one message to one apprise URL. Returns (delivered, reason if not); secrets never in the reason."""
    app = apprise.Apprise()
    if not app.add(url):
        return False, f"not a valid apprise URL: {redact_url(url)}"
    body_format = apprise.NotifyFormat.MARKDOWN if fmt == "markdown" else apprise.NotifyFormat.TEXT
    with apprise.LogCapture(level=logging.WARNING) as output:
        result = app.notify(body=body, title=title, body_format=body_format)
        log = output.getvalue() if hasattr(output, "getvalue") else ""
    if result:  # apprise 2.x: an AppriseResult, falsy on failure
        return True, None
    reason = " ".join(line.split(" - ", 2)[-1] for line in log.strip().splitlines()[-3:]) or "delivery failed"
    return False, redact_text(reason, [url])[:500]
