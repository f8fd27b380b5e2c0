"""One reader of ISO 8601 dates and timestamps as feeds, extractors, detectors and users write them."""

from __future__ import annotations

from datetime import UTC, date, datetime


def parse_iso(value: str | None) -> datetime | None:
    """An aware datetime from "2026-11-18", "2026-11-18T09:00:00Z" or "...+03:00" (no zone: UTC); None when
    empty or not ISO 8601."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def parse_iso_date(value: str | None) -> date | None:
    """The calendar day of ``parse_iso(value)`` as written (the zone is not applied)."""
    when = parse_iso(value)
    return when.date() if when else None
