"""Alembic migrations upgrade and downgrade on SQLite and Postgres; the views exist with the same names."""

import pytest
from sqlalchemy import create_engine, inspect

from borderwatch.errors import DatabaseError
from borderwatch.models.db import Database, downgrade, upgrade

TABLES = {"feeds", "entries", "articles", "mentions", "events", "alerts"}
VIEWS = {"events_v", "mentions_v", "place_control_v", "feed_health_v", "alerts_v"}


def schema(url):
    engine = create_engine(url)
    insp = inspect(engine)
    tables, views = set(insp.get_table_names()), set(insp.get_view_names())
    engine.dispose()
    return tables, views


def test_upgrade_downgrade_upgrade(db_url):
    upgrade(db_url)
    tables, views = schema(db_url)
    assert TABLES <= tables and VIEWS <= views
    downgrade(db_url, "0001")
    tables, views = schema(db_url)
    assert TABLES <= tables and not (VIEWS & views)
    downgrade(db_url, "base")
    tables, _ = schema(db_url)
    assert not (TABLES & tables)
    upgrade(db_url)
    upgrade(db_url)  # idempotent
    assert VIEWS <= schema(db_url)[1]


def test_unique_constraints_back_up_deduplication(db_url):
    upgrade(db_url)
    engine = create_engine(db_url)
    insp = inspect(engine)
    uniques = {t: [tuple(u["column_names"]) for u in insp.get_unique_constraints(t)] for t in ("entries", "articles", "mentions", "alerts")}
    indexes = {t: [tuple(i["column_names"]) for i in insp.get_indexes(t)] for t in ("articles", "events", "alerts")}
    engine.dispose()
    assert ("feed_id", "guid") in uniques["entries"]
    assert ("url",) in uniques["articles"] or ("url",) in indexes["articles"]
    assert ("article_id", "kind", "subtype", "place_key") in uniques["mentions"]
    assert ("channel", "key") in uniques["alerts"]
    assert ("kind", "family", "place_key", "event_date") in indexes["events"]
    assert ("status", "next_attempt_at") in indexes["alerts"]


def test_unreachable_postgres_is_a_clear_error():
    with pytest.raises(DatabaseError, match=r"cannot (migrate|connect).*127\.0\.0\.1:1/"):
        Database("postgresql+psycopg://bw:pw@127.0.0.1:1/nope")


def test_database_url_password_is_not_in_the_error():
    with pytest.raises(DatabaseError) as info:
        Database("postgresql+psycopg://bw:topsecretpw@127.0.0.1:1/nope")
    assert "topsecretpw" not in str(info.value)
