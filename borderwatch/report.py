"""What one monitoring pass found, as Markdown: the Prefect artifact on each flow run's page (the flow only
publishes it). New events with their places, actors, evidence and sources; the feeds that failed; the pass's
figures. Anything from an article or a feed (titles, evidence, error texts) is escaped: it is untrusted.
"""

from __future__ import annotations

from collections.abc import Sequence

from borderwatch.alerts import EventSummary, escape_markdown, plain, safe_link, where

MAX_EVENTS = 100  # rows in the events table; the rest are counted
MAX_SOURCES = 3  # links per event
MAX_EVIDENCE = 300  # characters of the evidence sentence

_FIGURES = (("feeds", "feeds"), ("feeds_fetched", "fetched"), ("feeds_not_modified", "unchanged (304)"),
            ("feeds_failed", "failed"), ("feeds_skipped", "backing off"), ("entries_new", "new entries"),
            ("articles_stored", "articles stored"), ("articles_flagged", "flagged relevant"),
            ("events_new", "new events"), ("events_updated", "events reported again"),
            ("alerts_queued", "alerts queued"), ("alerts_sent", "alerts sent"),
            ("alerts_failed", "deliveries failed (retried later)"), ("seconds", "seconds"))


def _cell(text: str | None) -> str:
    """Untrusted text for one Markdown table cell: one line, specials escaped (``|`` included)."""
    return escape_markdown(text) or " "


def render_pass_report(summary: dict, events: Sequence[EventSummary], failures: Sequence[tuple[str, str]]) -> str:
    """Markdown for one pass. ``summary``: the flow's figures; ``events``: the events this pass created;
    ``failures``: (feed name, reason, secrets already removed) for each feed that failed."""
    lines = ["# borderwatch pass", ""]
    figures = [f"{label} **{summary[key]}**" for key, label in _FIGURES if summary.get(key)]
    lines += [" · ".join(figures) if figures else "Nothing to do: no feed was due.", ""]

    lines += [f"## New events ({len(events)})", ""]
    if events:
        lines += ["| event | place | actor | date | sources | evidence |", "|---|---|---|---|---|---|"]
        ordered = sorted(events, key=lambda e: (e.kind != "territorial", e.kind, e.subtype, e.place_name or ""))
        for ev in ordered[:MAX_EVENTS]:
            what = f"{plain(ev.kind)} / {plain(ev.subtype)}".replace("_", " ")
            when = (ev.event_date.isoformat() if ev.event_date else
                    f"seen {ev.first_seen.strftime('%Y-%m-%d %H:%M')}")
            links = ", ".join(f"[{_cell(src.site or src.title or 'source')}](<{safe_link(src.url)}>)"
                              for src in ev.sources[:MAX_SOURCES] if src.url.lower().startswith(("http://",
                                                                                                 "https://")))
            more = f" +{len(ev.sources) - MAX_SOURCES}" if len(ev.sources) > MAX_SOURCES else ""
            evidence = ev.evidence if len(ev.evidence) <= MAX_EVIDENCE else ev.evidence[:MAX_EVIDENCE - 1] + "…"
            lines.append(f"| {what} | {_cell(where(ev))} | {_cell(ev.actor)} | {when} | "
                         f"{ev.corroboration}: {links or ' '}{more} | {_cell(evidence)} |")
        if len(events) > MAX_EVENTS:
            lines.append(f"\n… and {len(events) - MAX_EVENTS} more: `borderwatch events --seen-since 1h`")
    else:
        lines.append("No new events in this pass.")
    lines.append("")

    lines += [f"## Feeds that failed ({len(failures)})", ""]
    if failures:
        lines += ["| feed | reason |", "|---|---|"]
        lines += [f"| {_cell(name)} | {_cell(reason)} |" for name, reason in failures]
    else:
        lines.append("None.")
    return "\n".join(lines) + "\n"
