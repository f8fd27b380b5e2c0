"""Command line: a thin layer over the library, the flow and the store.

Every command reads one configuration (``--config`` or ``BORDERWATCH_CONFIG``, else the built-in default) and
so one database (``--database-url`` > ``BORDERWATCH_DATABASE_URL`` > the file's ``database_url`` > the default
SQLite file). Commands that only read (events, feeds, alerts, map) never create or migrate a database.
Exit status: 0 done, 1 a problem at run time (database unreachable, no database yet), 2 bad input (one line
naming the bad value and where it came from), 3 ``run``: every feed that was due failed.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from borderwatch.config import ENV_CONFIG, ENV_DATABASE_URL, Config, load_config
from borderwatch.errors import BorderwatchError, ConfigError, UsageError
from borderwatch.isodate import parse_iso
from borderwatch.redact import install_log_filters, redact_text, redact_url, register_secrets, scrub

# Prefect reads these at import: no telemetry, readable logs, no surprises on an offline machine.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY", "false")
os.environ.setdefault("PREFECT_LOGGING_LOG_PRINTS", "false")
os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")

EXIT_FEEDS_FAILED = 3  # `run`: every due feed failed (cron's MAILTO sees a non-zero status)
SERVE_DEPLOYMENT = "borderwatch-serve"  # prefect.yaml's deployment is borderwatch-monitor: neither replaces the other

app = typer.Typer(help="borderwatch: news monitoring for Afghanistan's northern borders and Central Asia.",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")

ConfigOpt = Annotated[str | None, typer.Option("--config", "-c", help=f"YAML config file (default: ${ENV_CONFIG}, "
                                               "else the built-in default)")]
DatabaseOpt = Annotated[str | None, typer.Option(
    "--database-url", help=f"database to use, over ${ENV_DATABASE_URL} and the config file's database_url")]
WideOpt = Annotated[bool, typer.Option("--wide", help="table: every column, nothing cut (lines may be long)")]


@app.callback()
def _global(config: ConfigOpt = None, database_url: DatabaseOpt = None) -> None:
    """Global options, given before the command (`borderwatch --database-url URL events`) or after it."""


def _fail(exc: BaseException | str, code: int = 1) -> typer.Exit:
    typer.echo(f"borderwatch: error: {exc}", err=True)
    return typer.Exit(code)


def _exit_code(exc: BorderwatchError) -> int:
    return 2 if isinstance(exc, ConfigError | UsageError) else 1


def _config(ctx: typer.Context, config: str | None, database_url: str | None) -> Config:
    """The configuration from the command's options, else the global ones given before the command."""
    root = ctx.find_root().params
    try:
        return load_config(config or root.get("config"), database_url=database_url or root.get("database_url"))
    except BorderwatchError as exc:
        raise _fail(exc, 2) from None


def _config_path(ctx: typer.Context, config: str | None) -> str | None:
    path = config or ctx.find_root().params.get("config")
    return str(Path(path).resolve()) if path else None


def _database(config: Config):
    """The configured database, created and migrated if need be (commands that write)."""
    from borderwatch.models.db import Database

    try:
        return Database(config.database_url, migrate=True)
    except BorderwatchError as exc:
        raise _fail(exc, _exit_code(exc)) from None


def _existing_database(config: Config):
    """The configured database as it is (commands that read): never created, never migrated."""
    from borderwatch.models.db import open_existing

    try:
        return open_existing(config.database_url)
    except BorderwatchError as exc:
        raise _fail(exc, _exit_code(exc)) from None


def _json_default(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


@app.command()
def run(ctx: typer.Context, config: ConfigOpt = None, database_url: DatabaseOpt = None) -> None:
    """One monitoring pass (for system cron). Works without a Prefect server.

    Exit status 0 when the pass ran, 3 when every feed that was due failed (cron mails the output when
    MAILTO is set), 1 when the database failed, 2 for a bad configuration."""
    cfg = _config(ctx, config, database_url)
    _database(cfg).dispose()  # migrate and connect before Prefect starts: a database that is down is one line
    if database_url or ctx.find_root().params.get("database_url"):
        os.environ[ENV_DATABASE_URL] = cfg.database_url  # the flow reads the config by path: hand it the option
    from sqlalchemy.exc import SQLAlchemyError

    from borderwatch.flows.prefect_api import TemporaryServer, api_problem, configured_api_url, cron_pass
    from borderwatch.models.db import describe_error

    api_url = configured_api_url()
    problem = api_problem(api_url) if api_url else None
    if problem:  # the pass is not lost: it runs on a temporary server
        typer.echo(f"borderwatch: warning: no Prefect server answers at {redact_url(api_url)} ({problem}); "
                   "this pass runs on a temporary Prefect server", err=True)
    server = TemporaryServer() if problem or not api_url else None  # starts up while the flow is imported;
    # it stops when this process exits, after Prefect has sent it the run's last logs
    try:
        from borderwatch.flows.monitor import monitor

        if server is not None:
            server.wait()
        # by path, not as an object: Prefect records flow-run parameters (shown in its UI), and the Config
        # object carries the database and alert URLs with their passwords
        with cron_pass(api_url=server.url if server else None):
            summary = monitor(config_path=_config_path(ctx, config))
    except BorderwatchError as exc:
        raise _fail(exc) from None
    except SQLAlchemyError as exc:  # lost mid-run (restart, failover): what was committed stays; rerun resumes
        raise _fail(f"database error during the run (committed work is kept; the next run resumes): "
                    f"{redact_text(describe_error(exc), cfg.secrets)}") from None
    typer.echo(json.dumps(summary, default=_json_default))
    due = summary["feeds"] - summary["feeds_skipped"]
    if due and summary["feeds_failed"] >= due:
        typer.echo(f"borderwatch: every feed that was due failed ({summary['feeds_failed']} of {due}); "
                   "see `borderwatch feeds`", err=True)
        raise typer.Exit(EXIT_FEEDS_FAILED)


@app.command()
def serve(ctx: typer.Context, config: ConfigOpt = None, database_url: DatabaseOpt = None,
          cron: Annotated[str, typer.Option(help="schedule")] = "*/5 * * * *",
          timezone: Annotated[str, typer.Option(help="timezone of the schedule")] = "UTC",
          name: Annotated[str, typer.Option(help="deployment name (prefect.yaml's is borderwatch-monitor)")]
          = SERVE_DEPLOYMENT) -> None:
    """Run the monitor on a schedule in this process (needs a Prefect server: 'prefect server start')."""
    cfg = _config(ctx, config, database_url)  # validated here: a bad file fails now, not at the first scheduled run
    if database_url or ctx.find_root().params.get("database_url"):
        os.environ[ENV_DATABASE_URL] = cfg.database_url  # inherited by the flow runs, never a run parameter
    from borderwatch.flows.monitor import serve_monitor
    from borderwatch.flows.prefect_api import START_HINT, api_problem, configured_api_url

    api_url = configured_api_url()
    if not api_url:
        raise _fail(f"`serve` schedules runs on a Prefect server and none is set: {START_HINT}", 2)
    if problem := api_problem(api_url):
        raise _fail(f"no Prefect server answers at {redact_url(api_url)} ({problem}): {START_HINT}", 2)
    path = _config_path(ctx, config) or (str(Path(cfg.source).resolve()) if os.environ.get(ENV_CONFIG) else None)
    serve_monitor(path, cron=cron, timezone=timezone, name=name)


@app.command()
def demo(ctx: typer.Context, config: ConfigOpt = None, database_url: DatabaseOpt = None,
         port: Annotated[int, typer.Option(help="port of the local sample-world server")] = 8765,
         fresh: Annotated[bool, typer.Option(help="empty the database first (only one holding nothing but the "
                                                  "demo's feeds)")] = False) -> None:
    """Run the real pipeline over a bundled sample world served on 127.0.0.1, into the configured database
    (by default the one every other command reads, so `borderwatch events` shows the demo's events next)."""
    from borderwatch.demo.runner import run_demo

    cfg = _config(ctx, config, database_url)
    try:
        run_demo(port=port, database_url=cfg.database_url, fresh=fresh)
    except BorderwatchError as exc:
        raise _fail(exc, _exit_code(exc)) from None


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context, config: ConfigOpt = None, database_url: DatabaseOpt = None,
               revision: Annotated[str, typer.Option(help="schema revision to reach")] = "head") -> None:
    """Migrate the database to the newest schema (or REVISION)."""
    from borderwatch.models.db import upgrade

    cfg = _config(ctx, config, database_url)
    try:
        upgrade(cfg.database_url, revision)
    except BorderwatchError as exc:
        raise _fail(exc, _exit_code(exc)) from None
    typer.echo(f"database {redact_url(cfg.database_url)} at revision {revision}")


@db_app.command("downgrade")
def db_downgrade(ctx: typer.Context,
                 revision: Annotated[str, typer.Argument(help="schema revision ('base' removes everything)")],
                 config: ConfigOpt = None, database_url: DatabaseOpt = None) -> None:
    """Migrate the database down to REVISION ('base' removes everything)."""
    from borderwatch.models.db import downgrade

    cfg = _config(ctx, config, database_url)
    try:
        downgrade(cfg.database_url, revision)
    except BorderwatchError as exc:
        raise _fail(exc, _exit_code(exc)) from None
    typer.echo(f"database {redact_url(cfg.database_url)} at revision {revision}")


@app.command()
def detect() -> None:
    """Detection on JSON Lines: stdin {"id","text","title"?...} -> stdout {"id","relevant","score","events"}."""
    from borderwatch.detect.__main__ import run_jsonl

    raise typer.Exit(run_jsonl(sys.stdin, sys.stdout))


_HTML_MARK = re.compile(rb"<(?:!doctype\s+html|html|head|body|article|main|div|p|meta|title)[\s>/]", re.IGNORECASE)


def _html_problem(data: bytes) -> str | None:
    """Why these bytes are not an HTML page (None when they look like one)."""
    head = data[:65536]
    if not head.strip():
        return None  # an empty page: extraction says "empty page"
    if b"\x00" in head[:4096]:
        return "not an HTML file (binary content)"
    if not _HTML_MARK.search(head):
        return "not an HTML file (no HTML tags)"
    return None


@app.command()
def extract(paths: Annotated[list[Path], typer.Argument(help="HTML files")]) -> None:
    """Extract article text from HTML files: one JSON object per file on stdout, in order.

    A file that cannot be read or is not HTML gets an object with "error" too; the exit status is then 1.
    A page where no article text is found gets "text": "" and the reason in "error" (exit status 0)."""
    from borderwatch.extract import extract_article

    failed = 0
    for path in paths:
        out = {"source": str(path), "title": None, "text": "", "published": None, "author": None,
               "language": None, "error": None}
        try:
            html = path.read_bytes()
            problem = _html_problem(html)
        except OSError as exc:
            problem = f"cannot read: {exc.strerror or exc}"
        if problem:
            failed += 1
            out["error"] = problem
        else:
            doc = extract_article(html)
            out.update(title=doc.title, text=doc.text or "", published=doc.published, author=doc.author,
                       language=doc.language, error=doc.error)
        typer.echo(json.dumps(out, ensure_ascii=False))
    if failed:
        typer.echo(f"borderwatch: {failed} of {len(paths)} file(s) could not be read as HTML", err=True)
        raise typer.Exit(1)


# --- reading commands --------------------------------------------------------------------------------------------

class Output(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class EventOutput(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    geojson = "geojson"


ALERT_STATUSES = ("pending", "sending", "sent", "failed")
_AGE = re.compile(r"^(\d+)\s*([hdw])$", re.IGNORECASE)


def _when(option: str, value: str | None) -> datetime | None:
    """An ISO date or time (UTC unless it says otherwise), or an age such as 24h, 7d, 2w."""
    if not value:
        return None
    value = value.strip()
    age = _AGE.match(value)
    if age:
        units = {"h": "hours", "d": "days", "w": "weeks"}[age[2].lower()]
        return datetime.now(UTC) - timedelta(**{units: int(age[1])})
    when = parse_iso(value)
    if when is None:
        raise UsageError(f"{option}: {value!r} is neither an ISO date (2026-11-01) nor an age like 24h, 7d, 2w")
    return when


def _choice(option: str, value: str | None, valid) -> str | None:
    """``value`` as spelled in ``valid`` (compared case-insensitively); an unknown one is bad input."""
    if value is None:
        return None
    valid = list(dict.fromkeys(valid))
    for candidate in valid:
        if candidate.casefold() == value.strip().casefold():
            return candidate
    raise UsageError(f"{option}: unknown value {value!r}; valid: {', '.join(valid)}")


def _reading(config: Config, work):
    """Run ``work(session)`` on the existing database; bad filter values are one line, exit status 2."""
    db = _existing_database(config)
    try:
        with db.session() as s:
            return work(s)
    except BorderwatchError as exc:
        raise _fail(exc, _exit_code(exc)) from None
    finally:
        db.dispose()


def _places(session, column: str) -> list[str]:
    """Countries (names and ISO codes) or provinces a filter may name: the gazetteer's and the database's."""
    from borderwatch.gazetteer import load_gazetteer
    from borderwatch.models import queries

    places = load_gazetteer().places.values()
    if column == "country":
        known = [v for p in places if p.kind == "country" for v in (p.country, p.country_code)]
        known += queries.distinct_values(session, "events_v", "country_code")
    else:
        known = [p.name for p in places if p.kind == "province"]
    return sorted(set(known + queries.distinct_values(session, "events_v", column)), key=str.casefold)


@app.command()
def events(ctx: typer.Context, config: ConfigOpt = None, database_url: DatabaseOpt = None,
           since: Annotated[str | None, typer.Option(help="events that happened on or after: ISO date or age "
                                                          "(24h, 7d, 2w); undated events by the day first seen")]
           = None,
           seen_since: Annotated[str | None, typer.Option(help="events first seen on or after: ISO date/time or "
                                                               "age")] = None,
           kind: Annotated[str | None, typer.Option(help="territorial, troop_movement, ...")] = None,
           subtype: Annotated[str | None, typer.Option(help="captured, retaken, crossed_border, ...")] = None,
           country: Annotated[str | None, typer.Option(help="country name or ISO code")] = None,
           province: Annotated[str | None, typer.Option(help="province name")] = None,
           min_sources: Annotated[int, typer.Option(min=1, help="at least this many distinct sources")] = 1,
           limit: Annotated[int, typer.Option(min=1, help="at most this many events")] = 200,
           output: Annotated[EventOutput, typer.Option("--format", "-f", help="table, csv, json (one object "
                                                       "per line) or geojson (events with coordinates)")]
           = EventOutput.table,
           wide: WideOpt = False) -> None:
    """Events, newest first (by when they were first seen)."""
    from borderwatch.models import queries
    from borderwatch.tables import EVENTS

    cfg = _config(ctx, config, database_url)
    try:
        if kind or subtype:  # the detector's vocabulary (importing it costs ~0.6 s: only when needed)
            from borderwatch.detect.types import KINDS, SUBTYPES

            kind = _choice("--kind", kind, KINDS)
            subtype = _choice("--subtype", subtype, SUBTYPES[kind] if kind else
                              [s for subs in SUBTYPES.values() for s in subs])
        since_at, seen_at = _when("--since", since), _when("--seen-since", seen_since)
    except UsageError as exc:
        raise _fail(exc, 2) from None

    def work(s):
        nonlocal country, province
        country = _choice("--country", country, _places(s, "country")) if country else None
        province = _choice("--province", province, _places(s, "province")) if province else None
        rows = queries.events(s, since=since_at.date() if since_at else None, seen_since=seen_at, kind=kind,
                              subtype=subtype, country=country, province=province, min_sources=min_sources,
                              limit=limit)
        return queries.view_columns(s, "events_v"), rows

    columns, rows = _reading(cfg, work)
    _emit(rows, columns, EVENTS, output, "events", wide)


@app.command()
def feeds(ctx: typer.Context, config: ConfigOpt = None, database_url: DatabaseOpt = None,
          output: Annotated[Output, typer.Option("--format", "-f", help="table, csv or json")] = Output.table,
          wide: WideOpt = False) -> None:
    """Feed health: last success, last error, failures in a row, items seen."""
    from borderwatch.models import queries
    from borderwatch.tables import FEEDS

    cfg = _config(ctx, config, database_url)
    columns, rows = _reading(cfg, lambda s: (queries.view_columns(s, "feed_health_v"), queries.feed_health(s)))
    for row in rows:
        row["url"] = redact_url(row["url"])
    _emit(rows, columns, FEEDS, output, "feeds", wide)


@app.command()
def alerts(ctx: typer.Context, config: ConfigOpt = None, database_url: DatabaseOpt = None,
           status: Annotated[str | None, typer.Option(help="pending, sending, sent or failed")] = None,
           channel: Annotated[str | None, typer.Option(help="channel name (or its URL without secrets)")] = None,
           limit: Annotated[int, typer.Option(min=1, help="at most this many rows")] = 200,
           output: Annotated[Output, typer.Option("--format", "-f", help="table, csv or json")] = Output.table,
           wide: WideOpt = False) -> None:
    """The alert outbox: what was sent, what waits (and until when), what failed and why."""
    from borderwatch.models import queries
    from borderwatch.tables import ALERTS

    cfg = _config(ctx, config, database_url)
    try:
        status = _choice("--status", status, ALERT_STATUSES)
    except UsageError as exc:
        raise _fail(exc, 2) from None

    def work(s):
        chosen = channel
        if channel is not None:
            known = queries.distinct_values(s, "alerts_v", "channel") + [a.key for a in cfg.alerts]
            chosen = _choice("--channel", channel, [redact_url(k) for k in known])
        return queries.view_columns(s, "alerts_v"), queries.alerts(s, status=status, channel=chosen, limit=limit)

    columns, rows = _reading(cfg, work)
    register_secrets(*(a.url for a in cfg.alerts))
    for row in rows:  # stored without secrets already; scrub again in case a channel's URL changed since
        if row.get("status") not in ("pending", "sending"):  # no next attempt for what is sent or given up
            row["next_attempt_at"] = None
        if row.get("status") != "sending":
            row["lease_until"] = None
        for key in ("channel", "last_error"):
            if row.get(key):
                row[key] = scrub(redact_url(row[key]) if key == "channel" else row[key], set(cfg.secrets))
    _emit(rows, columns, ALERTS, output, "alerts", wide)


@app.command("map")
def map_(ctx: typer.Context, config: ConfigOpt = None, database_url: DatabaseOpt = None,
         out: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write")] = Path("borderwatch-map.html"),
         since: Annotated[str | None, typer.Option(help="events that happened on or after: ISO date or age "
                                                        "(30d)")] = None,
         min_sources: Annotated[int, typer.Option(min=1, help="at least this many distinct sources")] = 1) -> None:
    """Write a map of the events and of who holds each place: one self-contained HTML file (open it in a
    browser; only the background map tiles need the internet)."""
    from borderwatch.eventmap import render_map
    from borderwatch.models import queries
    from borderwatch.outbox import event_summaries

    cfg = _config(ctx, config, database_url)
    try:
        since_at = _when("--since", since)
    except UsageError as exc:
        raise _fail(exc, 2) from None

    def work(s):
        rows = queries.events(s, since=since_at.date() if since_at else None, min_sources=min_sources,
                              limit=100_000)
        return rows, queries.place_control(s), event_summaries(s, [r["event_id"] for r in rows])

    rows, control, summaries = _reading(cfg, work)
    html = render_map(rows, control, summaries, since=since_at.date() if since_at else None)
    try:
        out.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise _fail(f"cannot write {out}: {exc.strerror or exc}", 1) from None
    located = sum(1 for r in rows if r.get("lat") is not None)
    typer.echo(f"wrote {out}: {located} of {len(rows)} events on the map, {len(control)} places with a holder")


def _emit(rows: list[dict], columns: list[str], table_columns, output: StrEnum, title: str, wide: bool) -> None:
    if output == "json":
        for row in rows:
            typer.echo(json.dumps(row, default=_json_default, ensure_ascii=False))
    elif output == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _json_default(v) if v is not None and not isinstance(v, str | int | float) else v
                             for k, v in row.items()})
        typer.echo(buf.getvalue(), nl=False)
    elif output == "geojson":
        features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
                     "properties": {k: v for k, v in r.items() if k not in ("lat", "lon")}}
                    for r in rows if r.get("lat") is not None and r.get("lon") is not None]
        typer.echo(json.dumps({"type": "FeatureCollection", "features": features}, default=_json_default,
                              ensure_ascii=False))
    else:
        from rich.console import Console

        from borderwatch.tables import build, terminal_width

        width = terminal_width()
        table = build(f"{title} ({len(rows)}, times UTC)", rows, table_columns, width, wide=wide)
        Console(width=10**6 if wide else width, color_system=None, highlight=False, soft_wrap=False).print(table)


def main() -> None:
    """The ``borderwatch`` command: usage errors (an unknown option, a value of the wrong type) are one line
    on stderr with exit status 2, like every other bad input."""
    install_log_filters()  # the process's edge: no secret in apprise's (or urllib3's) log records from here on
    try:
        code = app(standalone_mode=False)
    except typer.Abort:
        typer.echo("borderwatch: aborted", err=True)
        sys.exit(130)
    except Exception as exc:  # click's usage errors (typer vendors click: matched by what they offer)
        if not (hasattr(exc, "format_message") and hasattr(exc, "exit_code")):
            raise
        if type(exc).__name__ == "NoArgsIsHelpError":
            exc.show()
            sys.exit(2)
        ctx = getattr(exc, "ctx", None)
        hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
        typer.echo(f"borderwatch: error: {exc.format_message().replace('Value error, ', '')}{hint}", err=True)
        sys.exit(exc.exit_code or 2)
    _exit(code or 0)


def _exit(code: int) -> NoReturn:
    """Exit as the interpreter does, minus its final teardown of every module (Prefect, SQLAlchemy, pydantic:
    ~0.5 s of every `run`, more on a busy machine, for nothing). What exit does first still happens, in its
    order: non-daemon threads are joined and threading's exit hooks run (Prefect drains its event and log
    queues there), then the atexit handlers (a temporary Prefect server is stopped, logging flushed)."""
    import atexit
    import threading

    sys.stdout.flush()
    sys.stderr.flush()
    threading._shutdown()  # type: ignore[attr-defined]  # what Py_Finalize calls first
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
