"""Read-only queries behind the CLI's tables (through the documented views)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session


def events(session: Session, *, since: date | None = None, seen_since: datetime | None = None,
           kind: str | None = None, subtype: str | None = None, country: str | None = None,
           province: str | None = None, min_sources: int = 1, limit: int = 200) -> list[dict]:
    """Events from events_v, newest first, filtered. ``since``: on the event's date (the day it happened,
    else the day it was first seen); ``seen_since``: on when borderwatch first saw it."""
    postgres = session.get_bind().dialect.name == "postgresql"
    where, params = ["corroboration >= :min_sources"], {"min_sources": min_sources, "limit": limit}
    if since is not None:
        seen_day = "CAST(first_seen_at AS date)" if postgres else "date(first_seen_at)"
        where.append(f"COALESCE(event_date, {seen_day}) >= :since")
        params["since"] = since if postgres else since.isoformat()
    if seen_since is not None:
        where.append("first_seen_at >= :seen_since")
        params["seen_since"] = seen_since if postgres else \
            seen_since.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    for col, value in (("kind", kind), ("subtype", subtype), ("province", province)):
        if value:
            where.append(f"lower({col}) = lower(:{col})")
            params[col] = value
    if country:
        where.append("(lower(country) = lower(:country) OR lower(country_code) = lower(:country))")
        params["country"] = country
    sql = f"SELECT * FROM events_v WHERE {' AND '.join(where)} ORDER BY first_seen_at DESC, event_id DESC LIMIT :limit"
    return [dict(r) for r in session.execute(text(sql), params).mappings()]


def place_control(session: Session) -> list[dict]:
    """Who holds each place now (place_control_v), by province and place."""
    sql = "SELECT * FROM place_control_v ORDER BY country, province, place_name"
    return [dict(r) for r in session.execute(text(sql)).mappings()]


def view_columns(session: Session, view: str) -> list[str]:
    """A view's column names, in order (also when it has no rows: CSV headers do not depend on the data)."""
    if view not in ("events_v", "mentions_v", "place_control_v", "feed_health_v", "alerts_v"):
        raise ValueError(f"not a borderwatch view: {view}")
    return list(session.execute(text(f"SELECT * FROM {view} WHERE 1 = 0")).keys())


def distinct_values(session: Session, view: str, column: str) -> list[str]:
    """The values a column holds (for checking a filter value against what exists)."""
    if column not in view_columns(session, view):
        raise ValueError(f"{view} has no column {column}")
    sql = f"SELECT DISTINCT {column} FROM {view} WHERE {column} IS NOT NULL"
    return sorted(str(v) for v in session.execute(text(sql)).scalars())


def feed_health(session: Session) -> list[dict]:
    return [dict(r) for r in session.execute(text("SELECT * FROM feed_health_v ORDER BY name")).mappings()]


def alerts(session: Session, *, status: str | None = None, channel: str | None = None,
           limit: int = 200) -> list[dict]:
    """The outbox from alerts_v, newest first."""
    where, params = [], {"limit": limit}
    if status:
        where.append("status = :status")
        params["status"] = status
    if channel:
        where.append("channel = :channel")
        params["channel"] = channel
    sql = "SELECT * FROM alerts_v" + (f" WHERE {' AND '.join(where)}" if where else "") + \
        " ORDER BY alert_id DESC LIMIT :limit"
    return [dict(r) for r in session.execute(text(sql), params).mappings()]
