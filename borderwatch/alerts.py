"""Alert messages and their delivery through apprise.

Rendering is pure: an ``EventSummary`` in, a title and body out, in plain text (mail) or Markdown (chat).
Anything quoted from an article (titles, evidence, claimants, counts as written) is escaped so it cannot break
the message format: newlines and control characters are folded away, Markdown/HTML specials are
backslash-escaped in Markdown, link targets are percent-encoded. ``send`` is the I/O edge: one message to one
apprise URL, with apprise 2.x's ``AppriseResult`` checked for truth (falsy on failure) and every secret of the
URL kept out of the returned reason and out of apprise's own log records (``borderwatch.redact``).
"""

from __future__ import annotations

import inspect
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from borderwatch.config import period_seconds
from borderwatch.redact import (
    install_log_filters,
    redact_url,
    register_secrets,
    scheme_of,
    scrub,
    url_secrets,
)

# apprise schemes whose messages render Markdown (chat services)
MARKDOWN_SCHEMES = frozenset({"slack", "discord", "tgram", "matrix", "matrixs", "mmost", "mmosts", "rocket",
                              "rockets", "msteams", "zulip", "ntfy", "ntfys", "gotify", "gotifys", "workflow",
                              "workflows", "gchat", "ryver", "lark", "feishu"})
# Inline Markdown specials (CommonMark, Slack/Discord/Telegram flavours), HTML brackets and '@' (mentions such
# as @everyone). Untrusted text never starts a line in our messages (it always follows a label, "> " or "- "),
# so line-start syntax (#, -, +, 1.) cannot trigger and is left alone: fewer stray backslashes in chat.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>|~@])")
_RATE_LIMITED = re.compile(r"\b429\b|too many requests|rate.?limit", re.IGNORECASE)
MAX_SOURCES_LISTED = 10
MAX_EVIDENCE_CHARS = 600


@dataclass(slots=True)
class SourceRef:
    title: str
    url: str
    site: str | None = None


@dataclass(slots=True)
class CountClaim:
    """A number as one source gave it, with who it attributes it to. Never merged with other sources'."""

    text: str  # as written: "280 soldiers"
    source: str | None = None  # site host: "asiaplus.tj"
    claimant: str | None = None  # "Tajik border service"


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
    counts: list[CountClaim] = field(default_factory=list)
    claimants: list[str] = field(default_factory=list)
    sources: list[SourceRef] = field(default_factory=list)
    also_reported: list[str] = field(default_factory=list)  # other subtypes of the family in its reports


# --- formatting helpers ----------------------------------------------------------------------------------------

def message_format(url: str, preference: str = "auto") -> str:
    """'markdown' for chat services, 'text' for mail and generic webhooks, unless the channel says otherwise."""
    if preference != "auto":
        return preference
    return "markdown" if scheme_of(url) in MARKDOWN_SCHEMES else "text"


def plain(text: str | None) -> str:
    """One line of untrusted text for a plain-text message: whitespace (newlines too) folded, control and
    other non-printable characters dropped."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in (text or "")).split())


def escape_markdown(text: str | None) -> str:
    """One line of untrusted text for a Markdown message: folded like ``plain``, specials backslash-escaped."""
    return _MD_SPECIAL.sub(r"\\\1", plain(text))


def safe_link(url: str) -> str:
    """A URL that cannot end a Markdown link early or smuggle markup: spaces, brackets, quotes encoded."""
    out = plain(url)
    for ch, enc in ((" ", "%20"), ("<", "%3C"), (">", "%3E"), ("(", "%28"), (")", "%29"), ("[", "%5B"),
                    ("]", "%5D"), ('"', "%22"), ("'", "%27"), ("`", "%60"), ("|", "%7C")):
        out = out.replace(ch, enc)
    return out


def map_link(lat: float | None, lon: float | None) -> str | None:
    if lat is None or lon is None:
        return None
    return f"https://www.openstreetmap.org/?mlat={lat:.5f}&mlon={lon:.5f}#map=10/{lat:.5f}/{lon:.5f}"


def where(ev: EventSummary) -> str:
    """'Eshkashem, Badakhshan, Afghanistan': place, district, province, country without repeats."""
    parts = [ev.place_name, ev.district, ev.province, ev.country]
    return ", ".join(dict.fromkeys(plain(p) for p in parts if p)) or "place not named"


def headline(ev: EventSummary) -> str:
    what = f"{ev.kind.replace('_', ' ')}: {ev.subtype.replace('_', ' ')}"
    return plain(f"[borderwatch] {what} — {where(ev)}" + (f" ({ev.actor})" if ev.actor else ""))


def _count_line(c: CountClaim, esc) -> str:
    by = ", ".join(esc(p) for p in (c.claimant, c.source) if p)
    return f"{esc(c.text)} (according to {by})" if by else esc(c.text)


# --- rendering -------------------------------------------------------------------------------------------------

def render_event(ev: EventSummary, fmt: str) -> tuple[str, str]:
    """(title, body) for one event, ``fmt`` 'text' (mail) or 'markdown' (chat)."""
    md = fmt == "markdown"
    esc = escape_markdown if md else plain

    def label(s: str) -> str:
        return f"**{s}**" if md else s

    also = f" (also reported as: {', '.join(plain(x) for x in ev.also_reported)})" if ev.also_reported else ""
    lines = [f"{label('Event')}: {plain(ev.kind)} / {plain(ev.subtype)}{also}",  # fixed vocabulary: '_' is safe
             f"{label('Place')}: {esc(where(ev))}"]
    link = map_link(ev.lat, ev.lon)
    if link:
        lines.append(f"{label('Map')}: {link}")
    lines.append(f"{label('Actor')}: {esc(ev.actor) if ev.actor else 'not named in the reports'}")
    if ev.counts:
        lines.append(f"{label('Counts as claimed')}:")
        lines += [f"{'-' if md else '  -'} {_count_line(c, esc)}" for c in ev.counts]
    if ev.claimants:
        lines.append(f"{label('Claimed by')}: {esc('; '.join(ev.claimants))}")
    when = ev.first_seen.strftime("%Y-%m-%d %H:%M UTC")
    lines.append(f"{label('First seen')}: {when}" +
                 (f" (event date {ev.event_date.isoformat()})" if ev.event_date else ""))
    lines.append(f"{label('Corroboration')}: {ev.corroboration} source{'s' if ev.corroboration != 1 else ''}, "
                 f"confidence {ev.confidence:.2f}")
    quote = esc(ev.evidence[:MAX_EVIDENCE_CHARS])
    lines += ["", f"> {quote}" if md else f'Evidence: "{quote}"', "", label("Sources") + ":"]
    for src in ev.sources[:MAX_SOURCES_LISTED]:
        title = esc(src.title or src.url)
        site = f" ({esc(src.site)})" if src.site else ""
        lines.append(f"- [{title}](<{safe_link(src.url)}>){site}" if md else f"- {title}{site}: {plain(src.url)}")
    if len(ev.sources) > MAX_SOURCES_LISTED:
        lines.append(f"- … and {len(ev.sources) - MAX_SOURCES_LISTED} more")
    return headline(ev), "\n".join(lines)


def period(at: datetime, every: str) -> tuple[datetime, datetime]:
    """The digest period (start, end) that contains ``at``: UTC-aligned ("1h": on the hour, "1d": midnight UTC)."""
    seconds = period_seconds(every)
    stamp = int(at.timestamp())
    start = datetime.fromtimestamp(stamp - stamp % seconds, UTC)
    return start, start + timedelta(seconds=seconds)


def period_label(start: datetime, end: datetime) -> str:
    if end - start == timedelta(days=1):
        return start.strftime("%Y-%m-%d")
    last = end - timedelta(minutes=1)
    return f"{start:%Y-%m-%d %H:%M}–{last:%H:%M} UTC" if last.date() == start.date() else \
        f"{start:%Y-%m-%d %H:%M}–{end:%Y-%m-%d %H:%M} UTC"


def render_digest(events: list[EventSummary], fmt: str, span: tuple[datetime, datetime] | None = None
                  ) -> tuple[str, str]:
    """One message listing several events: a channel in ``digest`` mode gets one per run, or with ``every`` one
    per period (``span``), named in the title."""
    md = fmt == "markdown"
    title = f"[borderwatch] {len(events)} new event{'s' if len(events) != 1 else ''}"
    if span:
        title += f", {period_label(*span)}"
    blocks = []
    for ev in events:
        head, body = render_event(ev, fmt)
        head = head.removeprefix("[borderwatch] ")
        blocks.append((f"### {escape_markdown(head)}" if md else f"== {head} ==") + "\n" + body)
    return title, ("\n\n---\n\n" if md else "\n\n").join(blocks)


def render_feed_notice(feed_name: str, feed_url: str, down: bool, failures: int, error: str | None,
                       fmt: str = "text") -> tuple[str, str]:
    """Operator notice: a feed failing N runs in a row, or working again."""
    esc = escape_markdown if fmt == "markdown" else plain
    name, url = esc(feed_name), esc(redact_url(feed_url))
    if down:
        return (plain(f"[borderwatch] feed failing: {feed_name}"),
                f"Feed {name} ({url}) has failed {failures} runs in a row.\nLast error: {esc(error or 'unknown')}")
    return (plain(f"[borderwatch] feed recovered: {feed_name}"),
            f"Feed {name} ({url}) is fetched successfully again.")


# --- delivery --------------------------------------------------------------------------------------------------

@dataclass(slots=True, frozen=True)
class SendResult:
    ok: bool
    reason: str | None = None  # why not, secrets removed
    rate_limited: bool = False  # the service said 429 / too many requests: stop sending to it for now

    def __bool__(self) -> bool:
        return self.ok


def _apprise_2(apprise) -> bool:
    """apprise 2.x: ``notify`` takes a timeout and returns an AppriseResult carrying the call's own log."""
    return hasattr(apprise, "AppriseResult") and "timeout" in inspect.signature(apprise.Apprise.notify).parameters


def send(url: str, title: str, body: str, fmt: str, *, timeout: float = 30.0) -> SendResult:
    """Send one message to one apprise URL. Never raises for a delivery problem; the reason never contains
    the URL's password or tokens."""
    import apprise  # here, not at import: a pass with nothing to send never loads it (~0.1 s)

    install_log_filters()
    register_secrets(url)
    secrets = url_secrets(url)
    app = apprise.Apprise()
    try:
        added = app.add(url)
    except Exception as exc:  # apprise validates plugin arguments by raising various types
        return SendResult(False, scrub(f"not a usable apprise URL {redact_url(url)}: {type(exc).__name__}", secrets))
    if not added:
        return SendResult(False, f"not a valid apprise URL: {redact_url(url)}")
    body_format = apprise.NotifyFormat.MARKDOWN if fmt == "markdown" else apprise.NotifyFormat.TEXT
    if _apprise_2(apprise):  # the result carries this call's own log entries (thread-safe, unlike LogCapture)
        result = app.notify(body=body, title=title, body_format=body_format, timeout=timeout)
        lines = [f"{e.level} - {e.message}" for e in result.logs()]
        result.close()
    else:  # apprise 1.x: a bool, and the reason only in the global log
        with apprise.LogCapture(level=logging.INFO, fmt="%(levelname)s - %(message)s") as capture:
            result = app.notify(body=body, title=title, body_format=body_format)
            lines = capture.getvalue().strip().splitlines()
    if result:  # apprise 2.x: AppriseResult, truthy only when status is SUCCESS; 1.x: a bool
        return SendResult(True)
    problems = [ln.split(" - ", 2)[-1] for ln in lines if ln.startswith(("WARNING", "ERROR"))]
    reason = "; ".join(problems[-3:]) or f"delivery failed ({getattr(getattr(result, 'status', None), 'name', 'no detail')})"
    return SendResult(False, scrub(reason, secrets)[:500], bool(_RATE_LIMITED.search(reason)))
