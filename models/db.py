"""Engines, sessions and migrations for SQLite (embedded default) and Postgres (production)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from borderwatch.errors import DatabaseError, MissingDatabaseError, UsageError
from borderwatch.redact import redact_url

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

# Alembic is imported only when the schema has to change or be described (~0.2 s of every command otherwise):
# a database already at the newest revision is recognised by one query and the revision files' headers.


def make_engine(url: str) -> Engine:
    """Create an engine. SQLite: the file's directory is created, WAL mode, foreign keys, a busy timeout."""
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite"):
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5,
                         connect_args={"connect_timeout": 10, "application_name": "borderwatch"})


def alembic_config(url: str) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(resources.files("borderwatch.migrations")))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    return cfg


# Postgres advisory lock id serialising migrations across processes ("bw" + 2): two runs starting at once on a
# fresh database would otherwise both create the schema, and one fail.
MIGRATION_LOCK = 0x627702


@contextmanager
def _migration_lock(url: str) -> Iterator[None]:
    """Hold a session-level advisory lock while migrating (Postgres); SQLite needs none for one process."""
    if not make_url(url).drivername.startswith("postgresql"):
        yield
        return
    engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 10,
                                                                  "application_name": "borderwatch-migrate"})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK})
            conn.commit()
            yield
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK})
            conn.commit()  # on an error the lock goes with the connection, closed just below
    finally:
        engine.dispose()


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (default: the newest). Safe to run every time, and at the same time
    from several processes (Postgres: they take turns)."""
    if revision == "head" and _at_head(url):
        return
    _migrate("upgrade", url, revision)


def downgrade(url: str, revision: str) -> None:
    """Take the schema down to ``revision`` ('base': nothing left). The database must exist."""
    _check_exists(url)
    _migrate("downgrade", url, revision)


_REVISION = re.compile(r"^(down_revision|revision)\b[^=\n]*=\s*(None|[\"'](\w+)[\"'])\s*$", re.MULTILINE)


def newest_revision() -> str | None:
    """The head revision read from the headers of ``migrations/versions/*.py`` (``revision = "0004"``,
    ``down_revision = "0003"``); None when a file says it in another way or the chain does not have one head:
    then Alembic decides."""
    revisions, parents = set(), set()
    for path in (resources.files("borderwatch.migrations") / "versions").iterdir():
        if not path.name.endswith(".py") or path.name.startswith("_"):
            continue
        found = dict((m[1], m[3]) for m in _REVISION.finditer(path.read_text(encoding="utf-8")))
        if "revision" not in found or "down_revision" not in found or not found["revision"]:
            return None
        revisions.add(found["revision"])
        parents.add(found["down_revision"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _at_head(url: str) -> bool:
    """Whether the database is at the newest revision already (one query; False when unsure)."""
    head = newest_revision()
    if head is None or (_sqlite_path(url) is not None and not _sqlite_path(url).is_file()):
        return False
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return False
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except SQLAlchemyError:
        return False  # the migration says why, in its own words
    finally:
        engine.dispose()
    return current == [head]


def _migrate(step: str, url: str, revision: str) -> None:
    from alembic import command
    from alembic.util import CommandError

    try:
        with _migration_lock(url):
            getattr(command, step)(alembic_config(url), revision)
    except SQLAlchemyError as exc:
        raise DatabaseError(f"cannot migrate {redact_url(url)}: {describe_error(exc)}") from None
    except CommandError as exc:  # an unknown or unreachable revision: the user's input, not a crash
        known = ", ".join(["base", *reversed([s.revision for s in _scripts(url).walk_revisions()]), "head"])
        raise UsageError(f"revision {revision!r}: {exc} (known: {known})") from None


def _scripts(url: str) -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(url))


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite") and parsed.database and parsed.database != ":memory:":
        return Path(parsed.database).expanduser()
    return None


def _check_exists(url: str) -> None:
    path = _sqlite_path(url)
    if path is not None and not path.is_file():
        raise MissingDatabaseError(f"no borderwatch database at {path}; run `borderwatch run` first")


def open_existing(url: str) -> Database:
    """The borderwatch database at ``url`` as it is, for reading: never created, never migrated. Raises
    MissingDatabaseError when there is none there, DatabaseError when it is unreachable or its schema is not
    this version's (then ``borderwatch db upgrade`` brings it up)."""
    _check_exists(url)
    where = _sqlite_path(url) or redact_url(url)
    engine = make_engine(url)
    from alembic.migration import MigrationContext

    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
    except SQLAlchemyError as exc:
        raise DatabaseError(f"cannot open {where}: {describe_error(exc)}") from None
    finally:
        engine.dispose()
    if current is None:
        raise MissingDatabaseError(f"no borderwatch database at {where}; run `borderwatch run` first")
    heads = _scripts(url).get_heads()
    if current not in heads:
        raise DatabaseError(f"the database at {where} is at schema revision {current}, this borderwatch needs "
                            f"{', '.join(heads)}: run `borderwatch db upgrade`")
    return Database(url, migrate=False)


def reset(url: str) -> None:
    """Remove every borderwatch table and view at ``url`` (SQLite: the file, its WAL and shared-memory files;
    Postgres: the schema taken down to 'base'), so the next upgrade starts from nothing."""
    path = _sqlite_path(url)
    if path is not None:
        for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
            file.unlink(missing_ok=True)
    elif make_url(url).drivername.startswith("postgresql"):
        _migrate("downgrade", url, "base")


def describe_error(exc: SQLAlchemyError) -> str:
    """The driver's first line (never the SQL, never the URL)."""
    orig = getattr(exc, "orig", None)
    text_ = str(orig).strip() if orig is not None else str(exc).strip()
    return (text_.splitlines() or [type(exc).__name__])[0]


class Database:
    """An engine plus a session factory; the only way the rest of the code reaches the database."""

    def __init__(self, url: str, *, migrate: bool = True):
        self.url = url
        if migrate:
            upgrade(url)
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        try:
            with self.engine.connect() as conn:
                if not inspect(conn).has_table("feeds"):
                    self.engine.dispose()
                    raise DatabaseError(f"{redact_url(url)} has no borderwatch schema: run 'borderwatch db upgrade'")
        except SQLAlchemyError as exc:
            self.engine.dispose()
            raise DatabaseError(f"cannot connect to {redact_url(url)}: {describe_error(exc)}") from None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        with self._sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
