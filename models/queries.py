"""Read-only queries behind the CLI's tables (through the documented views)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session


def events(session: Session, *, since: datetime | None = None, kind: str | None = None, subtype: str | None = None,
           country: str | None = None, province: str | None = None, min_sources: int = 1,
           limit: int = 200) -> list[dict]:
    """Events from events_v, newest first, filtered."""
    where, params = ["corroboration >= :min_sources"], {"min_sources": min_sources, "limit": limit}
    if since is not None:
        where.append("first_seen_at >= :since")
        params["since"] = since if session.get_bind().dialect.name == "postgresql" else \
            since.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    for col, value in (("kind", kind), ("subtype", subtype), ("province", province)):
        if value:
            where.append(f"lower({col}) = lower(:{col})")
            params[col] = value
    if country:
        where.append("(lower(country) = lower(:country) OR lower(country_code) = lower(:country))")
        params["country"] = country
    sql = f"SELECT * FROM events_v WHERE {' AND '.join(where)} ORDER BY first_seen_at DESC, event_id DESC LIMIT :limit"
    return [dict(r) for r in session.execute(text(sql), params).mappings()]


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
