"""`borderwatch demo`: the real pipeline over a bundled sample world served on 127.0.0.1."""

from __future__ import annotations

import contextlib
import json
import os
import threading
from pathlib import Path

from platformdirs import user_data_path
from rich.console import Console
from rich.table import Table

from borderwatch.config import ENV_CONFIG, default_database_url, load_config
from borderwatch.demo.server import WorldServer
from borderwatch.errors import BorderwatchError, MissingDatabaseError, UsageError
from borderwatch.redact import redact_url

EXAMPLE_SQL = [
    ("Events, newest first",
     "SELECT first_seen_at, kind, subtype, place_name, province, country, actor, corroboration FROM events_v "
     "ORDER BY first_seen_at DESC;"),
    ("Who holds what (latest control claim per place)",
     "SELECT place_name, province, holder, since, by_subtype FROM place_control_v ORDER BY province, place_name;"),
    ("Troop movements with the evidence and source",
     "SELECT subtype, place_name, count_text, evidence, url FROM mentions_v WHERE kind = 'troop_movement';"),
]


def demo_sink_path() -> Path:
    """Where the demo's alerts are written (the local json:// endpoint appends each message)."""
    return user_data_path("borderwatch") / "demo-alerts.jsonl"


def foreign_feeds(database_url: str) -> list[str]:
    """Names of the feeds in the database that are not the demo's (the demo never writes over real work)."""
    from sqlalchemy import select

    from borderwatch.demo.world import FEEDS
    from borderwatch.models.db import open_existing
    from borderwatch.models.schema import Feed

    try:
        db = open_existing(database_url)
    except MissingDatabaseError:
        return []
    except BorderwatchError:  # an older schema: the run migrates it; the feeds table exists since 0001
        from borderwatch.models.db import Database

        db = Database(database_url, migrate=False)
    try:
        with db.session() as s:
            names = list(s.scalars(select(Feed.name)))
    finally:
        db.dispose()
    demo_names = {f["name"] for f in FEEDS}
    return sorted(n for n in names if n not in demo_names)


_SENTINEL = "http://demo-world.invalid"


def _outlet(feed: dict) -> str:
    """The outlet a feed belongs to: its file name ("/feeds/kabul-wire.rss" -> "kabul-wire")."""
    return feed["path"].rsplit("/", 1)[-1].split(".", 1)[0]


def _outlet_servers(feeds: list[dict], port: int) -> dict[str, WorldServer]:
    """One server per outlet, on its own loopback address (127.0.0.1, .2, ...) and the same port, so each
    outlet is a source of its own (corroboration counts distinct sources). Where only 127.0.0.1 can be bound
    (macOS), every outlet shares it."""
    servers: dict[str, WorldServer] = {}
    for i, feed in enumerate(feeds):
        host = f"127.0.0.{i + 1}"
        try:
            servers[_outlet(feed)] = WorldServer(host=host, port=port)
        except OSError as exc:
            if i == 0:
                raise BorderwatchError(f"cannot serve the sample world on {host}:{port}: {exc.strerror} "
                                       "(choose another with --port)") from None
            servers[_outlet(feed)] = next(iter(servers.values()))
    return servers


def _routes(world: dict[str, tuple[str, bytes]], servers: dict[str, WorldServer]) -> dict[str, tuple[str, bytes]]:
    """Point every link at the server of the outlet whose path it is under (/kabul-wire/... -> Kabul Wire)."""
    first = next(iter(servers.values())).base_url
    out = {}
    for path, (ctype, body) in world.items():
        for outlet, server in servers.items():
            body = body.replace(f"{_SENTINEL}/{outlet}/".encode(), f"{server.base_url}/{outlet}/".encode())
        out[path] = (ctype, body.replace(_SENTINEL.encode(), first.encode()))
    return out


def run_demo(*, port: int = 8765, database_url: str | None = None, fresh: bool = False,
             console: Console | None = None) -> dict:
    """One pass over the sample world into ``database_url`` (default: the default configuration's database,
    the one `borderwatch events` reads). ``fresh`` empties that database first. A database holding feeds
    that are not the demo's is refused either way: the demo never mixes its fictional events into real work,
    nor deletes it."""
    from borderwatch.demo.world import FEEDS, load_world
    from borderwatch.flows.monitor import run_monitor
    from borderwatch.models.db import reset

    console = console or Console()
    database_url = database_url or default_database_url()
    sink_path = demo_sink_path()
    sink_path.parent.mkdir(parents=True, exist_ok=True)
    others = foreign_feeds(database_url)
    if others:
        raise UsageError(f"{redact_url(database_url)} holds feeds that are not the demo's ({len(others)}, e.g. "
                         f"{others[0]!r}); give the demo a database of its own with --database-url")
    if fresh:
        reset(database_url)
        sink_path.unlink(missing_ok=True)
    servers = _outlet_servers(FEEDS, port)
    main = next(iter(servers.values()))
    for path, (ctype, body) in _routes(load_world(_SENTINEL), servers).items():
        for server in dict.fromkeys(servers.values()):
            server.set(path, ctype, body)
    lock = threading.Lock()
    delivered: list[dict] = []

    def sink(path: str, body: bytes) -> None:
        if path != "/alerts":
            return
        message = json.loads(body or b"{}")
        with lock, sink_path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(message, ensure_ascii=False) + "\n")
        delivered.append(message)

    main.on_post = sink
    env = {k: v for k, v in os.environ.items() if k != ENV_CONFIG}
    overrides = {
        "feeds": [{"name": f["name"], "url": servers[_outlet(f)].base_url + f["path"], "language": f.get("language"),
                   "tags": f.get("tags", [])} for f in FEEDS],
        "alerts": [{"url": f"json://{main.base_url.split('://', 1)[1]}/alerts", "name": "demo-sink"}],
        "delivery": {"min_interval": 0},
        "polling": {"min_interval": 0, "max_interval": 0},  # every demo pass reads every feed
    }
    config = load_config(None, env=env, overrides=overrides, database_url=database_url)
    with contextlib.ExitStack() as stack:
        for server in dict.fromkeys(servers.values()):
            stack.enter_context(server)
        summary = run_monitor(config)
    summary.update(_afterwards(config.database_url))
    _report(console, summary, delivered, config.database_url, sink_path)
    return {**summary, "delivered": delivered, "database_url": config.database_url}


def _afterwards(database_url: str) -> dict[str, int]:
    """What the database holds after the pass: events with 2+ sources, alerts waiting for a retry, given up."""
    from sqlalchemy import func, select

    from borderwatch.models import queries
    from borderwatch.models.db import Database
    from borderwatch.models.schema import Alert

    db = Database(database_url, migrate=False)
    try:
        with db.session() as s:
            status = dict(s.execute(select(Alert.status, func.count()).group_by(Alert.status)).all())
            return {"events_corroborated": len(queries.events(s, min_sources=2, limit=100_000)),
                    "alerts_waiting": status.get("pending", 0) + status.get("sending", 0),
                    "alerts_given_up": status.get("failed", 0)}
    finally:
        db.dispose()


def _report(console: Console, summary: dict, delivered: list[dict], database_url: str, sink_path: Path) -> None:
    table = Table(title="borderwatch demo: one monitoring pass", show_header=False)
    for label, key in (("feeds fetched", "feeds_fetched"), ("feeds unchanged (304)", "feeds_not_modified"),
                       ("feeds failed", "feeds_failed"), ("new entries", "entries_new"),
                       ("articles stored", "articles_stored"), ("items flagged (relevant)", "articles_flagged"),
                       ("extraction fell back to feed summary", "extraction_failed"), ("new events", "events_new"),
                       ("earlier events reported again", "events_updated"),
                       ("events reported by 2+ outlets (all runs)", "events_corroborated"),
                       ("alerts queued", "alerts_queued"), ("alerts sent", "alerts_sent"),
                       ("alerts waiting for a retry (all runs)", "alerts_waiting"),
                       ("alerts given up after delivery.max_attempts (all runs)", "alerts_given_up")):
        table.add_row(label, str(summary.get(key, 0)))
    console.print(table)
    for message in delivered:
        console.print(f"[bold]alert delivered[/bold]: {message.get('title', '')}")
    if not summary.get("entries_new"):
        console.print("Nothing new since the last pass: no alerts sent.")
    console.print(f"\ndatabase: {redact_url(database_url)}")
    console.print(f"alert sink (apprise json:// to the local server): {sink_path}")
    console.print("\nNext (the same database, no flags needed): borderwatch events | borderwatch feeds | "
                  "borderwatch alerts | borderwatch map --out map.html")
    console.print("\nTry these queries (sqlite3 <database file> or psql):")
    for title, sql in EXAMPLE_SQL:
        console.print(f"  -- {title}\n  {sql}")
