"""Command line: a thin layer over the library, the flow and the store."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from borderwatch.config import ENV_CONFIG, Config, load_config
from borderwatch.errors import BorderwatchError
from borderwatch.redact import redact_text, redact_url

# Prefect reads these at import: no telemetry, readable logs, no surprises on an offline machine.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY", "false")
os.environ.setdefault("PREFECT_LOGGING_LOG_PRINTS", "false")
os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")

app = typer.Typer(help="borderwatch: news monitoring for Afghanistan's northern borders and Central Asia.",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")

ConfigOpt = Annotated[str | None, typer.Option("--config", "-c", help=f"YAML config file (default: ${ENV_CONFIG}, "
                                               "else the built-in default)")]


def _fail(exc: BaseException | str, code: int = 1) -> typer.Exit:
    typer.echo(f"borderwatch: error: {exc}", err=True)
    return typer.Exit(code)


def _config(path: str | None) -> Config:
    try:
        return load_config(path)
    except BorderwatchError as exc:
        raise _fail(exc, 2) from None


def _database(config: Config, migrate: bool = True):
    from models.db import Database

    try:
        return Database(config.database_url, migrate=migrate)
    except BorderwatchError as exc:
        raise _fail(exc) from None


def _json_default(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


@app.command()
def run(config: ConfigOpt = None) -> None:
    """One monitoring pass (for system cron). Works without a Prefect server."""
    cfg = _config(config)
    _database(cfg).dispose()  # migrate and connect before Prefect starts: a database that is down is one line
    from sqlalchemy.exc import SQLAlchemyError

    from flows.monitor import monitor
    from models.db import describe_error

    try:
        # by path, not as an object: Prefect records flow-run parameters (shown in its UI), and the Config
        # object carries the database and alert URLs with their passwords
        summary = monitor(config_path=str(Path(config).resolve()) if config else None)
    except BorderwatchError as exc:
        raise _fail(exc) from None
    except SQLAlchemyError as exc:  # lost mid-run (restart, failover): what was committed stays; rerun resumes
        raise _fail(f"database error during the run (committed work is kept; the next run resumes): "
                    f"{redact_text(describe_error(exc), cfg.secrets)}") from None
    typer.echo(json.dumps(summary, default=_json_default))


@app.command()
def serve(config: ConfigOpt = None,
          cron: Annotated[str, typer.Option(help="schedule")] = "*/15 * * * *",
          timezone: Annotated[str, typer.Option(help="timezone of the schedule")] = "UTC",
          name: Annotated[str, typer.Option(help="deployment name")] = "borderwatch-monitor") -> None:
    """Run the monitor on a schedule in this process (needs a Prefect server: 'prefect server start')."""
    cfg = _config(config)  # validated here: a bad file fails now, not at the first scheduled run
    from flows.monitor import serve_monitor

    serve_monitor(str(Path(cfg.source).resolve()) if config or os.environ.get(ENV_CONFIG) else None,
                  cron=cron, timezone=timezone, name=name)


@app.command()
def demo(port: Annotated[int, typer.Option(help="port of the local sample-world server")] = 8765,
         database_url: Annotated[str | None, typer.Option(help="default: demo.db in the data directory")] = None,
         fresh: Annotated[bool, typer.Option(help="delete the demo database first")] = False) -> None:
    """Run the real pipeline over a bundled sample world served on 127.0.0.1."""
    from borderwatch.demo.runner import run_demo

    try:
        run_demo(port=port, database_url=database_url, fresh=fresh)
    except BorderwatchError as exc:
        raise _fail(exc) from None


@db_app.command("upgrade")
def db_upgrade(config: ConfigOpt = None, revision: str = "head") -> None:
    """Migrate the database to the newest schema (or REVISION)."""
    from models.db import upgrade

    cfg = _config(config)
    try:
        upgrade(cfg.database_url, revision)
    except BorderwatchError as exc:
        raise _fail(exc) from None
    typer.echo(f"database {redact_url(cfg.database_url)} at revision {revision}")


@db_app.command("downgrade")
def db_downgrade(revision: str, config: ConfigOpt = None) -> None:
    """Migrate the database down to REVISION ('base' removes everything)."""
    from models.db import downgrade

    cfg = _config(config)
    try:
        downgrade(cfg.database_url, revision)
    except BorderwatchError as exc:
        raise _fail(exc) from None
    typer.echo(f"database {redact_url(cfg.database_url)} at revision {revision}")


@app.command()
def detect() -> None:
    """Detection on JSON Lines: stdin {"id","text","title"?...} -> stdout {"id","relevant","score","events"}."""
    from borderwatch.detect.__main__ import run_jsonl

    raise typer.Exit(run_jsonl(sys.stdin, sys.stdout))


@app.command()
def extract(paths: Annotated[list[Path], typer.Argument(help="HTML files")]) -> None:
    """Extract article text from HTML files: one JSON object per file on stdout."""
    from borderwatch.extract import extract_article

    for path in paths:
        try:
            html = path.read_bytes()
        except OSError as exc:
            typer.echo(f"borderwatch: cannot read {path}: {exc.strerror}", err=True)
            raise typer.Exit(2) from None
        doc = extract_article(html)
        typer.echo(json.dumps({"source": str(path), "title": doc.title, "text": doc.text or "",
                               "published": doc.published, "author": doc.author, "language": doc.language,
                               "error": doc.error}, ensure_ascii=False))


class Output(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    geojson = "geojson"


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    value = value.strip()
    units = {"h": "hours", "d": "days", "w": "weeks"}
    if value[:-1].isdigit() and value[-1] in units:
        return datetime.now(UTC) - timedelta(**{units[value[-1]]: int(value[:-1])})
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("use an ISO date (2026-11-01) or an age like 24h, 7d, 2w", param_hint="--since") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@app.command()
def events(config: ConfigOpt = None,
           since: Annotated[str | None, typer.Option(help="ISO date or age: 24h, 7d, 2w")] = None,
           kind: Annotated[str | None, typer.Option(help="territorial, troop_movement, ...")] = None,
           subtype: Annotated[str | None, typer.Option(help="captured, retaken, crossed_border, ...")] = None,
           country: Annotated[str | None, typer.Option(help="country name or ISO code")] = None,
           province: Annotated[str | None, typer.Option()] = None,
           min_sources: Annotated[int, typer.Option(min=1)] = 1,
           limit: Annotated[int, typer.Option(min=1)] = 200,
           output: Annotated[Output, typer.Option("--format", "-f")] = Output.table) -> None:
    """Recent events, newest first."""
    from models import queries

    cfg = _config(config)
    db = _database(cfg)
    with db.session() as s:
        rows = queries.events(s, since=_since(since), kind=kind, subtype=subtype, country=country,
                              province=province, min_sources=min_sources, limit=limit)
    columns = ["event_id", "first_seen_at", "kind", "subtype", "place_name", "province", "country", "actor",
               "corroboration", "confidence", "first_evidence"]
    _emit(rows, columns, output, title="events")


@app.command()
def feeds(config: ConfigOpt = None,
          output: Annotated[Output, typer.Option("--format", "-f")] = Output.table) -> None:
    """Feed health: last success, last error, failures in a row, items seen."""
    from models import queries

    cfg = _config(config)
    db = _database(cfg)
    with db.session() as s:
        rows = queries.feed_health(s)
    for row in rows:
        row["url"] = redact_url(row["url"])
    _emit(rows, ["name", "state", "last_success_at", "consecutive_failures", "next_attempt_at", "items_seen",
                 "last_error"], output, title="feeds")


@app.command()
def alerts(config: ConfigOpt = None,
           status: Annotated[str | None, typer.Option(help="pending, sending, sent, failed")] = None,
           channel: Annotated[str | None, typer.Option(help="channel name (or its URL without secrets)")] = None,
           limit: Annotated[int, typer.Option(min=1)] = 200,
           output: Annotated[Output, typer.Option("--format", "-f")] = Output.table) -> None:
    """The alert outbox: what was sent, what waits (and until when), what failed and why."""
    from borderwatch.alerts import register_secrets, scrub
    from models import queries

    cfg = _config(config)
    db = _database(cfg)
    with db.session() as s:
        rows = queries.alerts(s, status=status, channel=channel, limit=limit)
    register_secrets(*(a.url for a in cfg.alerts))
    for row in rows:  # stored without secrets already; scrub again in case a channel's URL changed since
        for key in ("channel", "last_error"):
            if row.get(key):
                row[key] = scrub(redact_url(row[key]) if key == "channel" else row[key], set(cfg.secrets))
    _emit(rows, ["alert_id", "channel", "alert_kind", "status", "attempts", "created_at", "sent_at",
                 "next_attempt_at", "subtype", "place_name", "feed_name", "last_error"], output, title="alerts")


def _emit(rows: list[dict], columns: list[str], output: Output, title: str) -> None:
    if output is Output.json:
        for row in rows:
            typer.echo(json.dumps(row, default=_json_default, ensure_ascii=False))
    elif output is Output.csv:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]) if rows else columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _json_default(v) if v is not None and not isinstance(v, str | int | float) else v
                             for k, v in row.items()})
        typer.echo(buf.getvalue(), nl=False)
    elif output is Output.geojson:
        features = [{"type": "Feature",
                     "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]} if r.get("lat") is not None
                     else None,
                     "properties": {k: v for k, v in r.items() if k not in ("lat", "lon")}} for r in rows]
        typer.echo(json.dumps({"type": "FeatureCollection", "features": features}, default=_json_default,
                              ensure_ascii=False))
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"{title} ({len(rows)})", show_lines=False)
        for col in columns:
            table.add_column(col, overflow="fold", max_width=60 if col in ("first_evidence", "last_error") else None)
        for row in rows:
            table.add_row(*("" if row.get(c) is None else str(row.get(c))[:300] for c in columns))
        Console().print(table)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
