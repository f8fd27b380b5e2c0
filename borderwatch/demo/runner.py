"""`borderwatch demo`: the real pipeline over a bundled sample world served on 127.0.0.1."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from platformdirs import user_data_path
from rich.console import Console
from rich.table import Table

from borderwatch.config import ENV_CONFIG, load_config
from borderwatch.demo.server import WorldServer
from borderwatch.errors import BorderwatchError

EXAMPLE_SQL = [
    ("Events, newest first",
     "SELECT first_seen_at, kind, subtype, place_name, province, country, actor, corroboration FROM events_v "
     "ORDER BY first_seen_at DESC;"),
    ("Who holds what (latest control claim per place)",
     "SELECT place_name, province, holder, since, by_subtype FROM place_control_v ORDER BY province, place_name;"),
    ("Troop movements with the evidence and source",
     "SELECT subtype, place_name, count_text, evidence, url FROM mentions_v WHERE kind = 'troop_movement';"),
]


def demo_paths() -> tuple[Path, Path]:
    base = user_data_path("borderwatch")
    return base / "demo.db", base / "demo-alerts.jsonl"


def run_demo(*, port: int = 8765, database_url: str | None = None, fresh: bool = False,
             console: Console | None = None) -> dict:
    from borderwatch.demo.world import FEEDS, load_world
    from flows.monitor import run_monitor

    console = console or Console()
    db_path, sink_path = demo_paths()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    if fresh:
        for path in (db_path, sink_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
            path.unlink(missing_ok=True)
    try:
        server = WorldServer(host="127.0.0.1", port=port)
    except OSError as exc:
        raise BorderwatchError(f"cannot serve the sample world on 127.0.0.1:{port}: {exc.strerror} "
                               "(choose another with --port)") from None
    for path, (ctype, body) in load_world(server.base_url).items():
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

    server.on_post = sink
    env = {k: v for k, v in os.environ.items() if k != ENV_CONFIG}
    overrides = {
        "database_url": database_url or f"sqlite:///{db_path}",
        "feeds": [{"name": f["name"], "url": server.base_url + f["path"], "language": f.get("language"),
                   "tags": f.get("tags", [])} for f in FEEDS],
        "alerts": [{"url": f"json://127.0.0.1:{server.httpd.server_address[1]}/alerts", "name": "demo-sink"}],
        "delivery": {"min_interval": 0},
    }
    config = load_config(None, env=env, overrides=overrides)
    with server:
        summary = run_monitor(config)
    _report(console, summary, delivered, config.database_url, sink_path)
    return {**summary, "delivered": delivered, "database_url": config.database_url}


def _report(console: Console, summary: dict, delivered: list[dict], database_url: str, sink_path: Path) -> None:
    table = Table(title="borderwatch demo: one monitoring pass", show_header=False)
    for label, key in (("feeds fetched", "feeds_fetched"), ("feeds unchanged (304)", "feeds_not_modified"),
                       ("feeds failed", "feeds_failed"), ("new entries", "entries_new"),
                       ("articles stored", "articles_stored"), ("items flagged (relevant)", "articles_flagged"),
                       ("extraction fell back to feed summary", "extraction_failed"), ("new events", "events_new"),
                       ("earlier events reported again", "events_updated"), ("alerts queued", "alerts_queued"),
                       ("alerts sent", "alerts_sent"), ("alerts failed", "alerts_failed")):
        table.add_row(label, str(summary.get(key, 0)))
    console.print(table)
    for message in delivered:
        console.print(f"[bold]alert delivered[/bold]: {message.get('title', '')}")
    if not summary.get("entries_new"):
        console.print("Nothing new since the last pass: no alerts sent.")
    console.print(f"\ndatabase: {database_url}")
    console.print(f"alert sink (apprise json:// to the local server): {sink_path}")
    console.print("\nTry these queries (sqlite3 <database file> or psql):")
    for title, sql in EXAMPLE_SQL:
        console.print(f"  -- {title}\n  {sql}")
