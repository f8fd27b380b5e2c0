"""The alert outbox's policy: which channel hears of which event (routing), the rows that queue it, and what an
alert says about an event (the read model). Storage (``models.store``) keeps the rows and claims them; delivery
(``borderwatch.delivery``) sends them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from borderwatch.alerts import CountClaim, EventSummary, SourceRef, period
from borderwatch.config import AlertChannelConfig
from borderwatch.models import store
from borderwatch.models.schema import Event


def _folded(values: Iterable[str | None]) -> set[str]:
    return {v.casefold() for v in values if v}


def channel_wants(channel: AlertChannelConfig, event: Event) -> bool:
    """Does this channel's routing take this event now? (kinds, subtypes, countries, provinces, minimum
    corroboration and confidence; an empty list means 'all'). A channel with ``kinds: []`` gets no events
    (an operators-only channel, tagged ``ops``)."""
    if event.kind not in channel.kinds:
        return False
    if channel.subtypes and event.subtype not in channel.subtypes:
        return False
    if channel.countries and not _folded((event.country_code, event.country)) & _folded(channel.countries):
        return False
    if channel.provinces and not _folded((event.province, event.place_name if event.place_key and
                                          event.province is None else None)) & _folded(channel.provinces):
        return False
    return (event.sources or 0) >= channel.min_sources and (event.confidence or 0.0) >= channel.min_confidence


def queue_event_alerts(session: Session, event_ids: Iterable[int], channels: Sequence[AlertChannelConfig],
                       now: datetime | None = None) -> int:
    """Queue one outbox row per (channel, event) the channel wants now. Call it with new AND updated events:
    a channel with ``min_sources: 3`` is queued when the third source arrives. The unique (channel, key)
    constraint makes a second queueing a no-op, so each channel hears of an event once. Returns rows added."""
    ids = sorted(set(event_ids))
    if not ids or not channels:
        return 0
    now = now or store.utcnow()
    rows = []
    for event in store.events_by_id(session, ids):
        for ch in channels:
            if channel_wants(ch, event):  # a per-period digest waits for the end of its period
                due = period(now, ch.every)[1] if ch.mode == "digest" and ch.every else now
                rows.append(dict(channel=ch.key, key=f"event:{event.id}", kind="event", event_id=event.id,
                                 status="pending", attempts=0, next_attempt_at=due, created_at=now))
    return store.add_alerts(session, rows)


def queue_ops_alert(session: Session, channels: Sequence[AlertChannelConfig], key: str, kind: str,
                    feed_id: int) -> int:
    """Queue an operator notice (``feed_down`` / ``feed_recovered``) for every channel tagged ``ops``; the key
    names the incident, so one incident notifies once per channel. Returns rows added."""
    now = store.utcnow()
    return store.add_alerts(session, [dict(channel=ch.key, key=key[:200], kind=kind, feed_id=feed_id,
                                           status="pending", attempts=0, next_attempt_at=now, created_at=now)
                                      for ch in channels if "ops" in ch.tags])


def event_summaries(session: Session, event_ids: Sequence[int]) -> dict[int, EventSummary]:
    """What an alert says about each event: the first mention's evidence, counts as each source gave them and
    whom they attribute them to (side by side, never merged), and the sources' titles and links."""
    events, rows = store.event_mentions(session, event_ids)
    out = {e.id: EventSummary(e.id, e.kind, e.subtype, e.place_name, e.district, e.province, e.country, e.lat,
                              e.lon, e.actor, e.first_seen_at, e.event_date, "", e.confidence, e.sources)
           for e in events.values()}
    for mention, title, url, final_url in rows:
        summary = out[mention.event_id]
        if not summary.evidence or mention.id == events[mention.event_id].first_mention_id:
            summary.evidence = mention.evidence
        if mention.count_text or mention.count is not None:
            claim = CountClaim(mention.count_text or str(mention.count), mention.source, mention.claimant)
            if claim not in summary.counts:
                summary.counts.append(claim)
        if mention.subtype and mention.subtype != summary.subtype and mention.subtype not in summary.also_reported:
            summary.also_reported.append(mention.subtype)  # one build-up told as a deployment and an alert
        if mention.claimant and mention.claimant not in summary.claimants:
            summary.claimants.append(mention.claimant)
        link = final_url or url
        if all(s.url != link for s in summary.sources):
            summary.sources.append(SourceRef(title or link, link, mention.source))
    return out
