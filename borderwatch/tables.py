"""Tables for a terminal: the most useful columns that fit the width, long text cut with "…", times to the
minute. Pure layout: rows and column specs in, a rich Table out (the CLI prints it).

Width: ``COLUMNS`` when set, else the terminal's width, else 100 (output to a file or a pipe). ``wide``
shows every column and every value in full, one line per row, however long the lines get.
"""

from __future__ import annotations

import os
import shutil
import sys
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from rich import box
from rich.table import Table

from borderwatch.isodate import parse_iso

GAP = 2  # characters between two columns
NOT_A_TERMINAL_WIDTH = 100


@dataclass(frozen=True)
class Column:
    """One column: the row key it shows, its header, the narrowest width still worth showing and the widest
    it needs (None: whatever is left; one such column per table), and its rank (0 first: kept at any width).
    ``lines``: how many lines a long value may wrap to before it is cut. ``value`` derives the cell from the
    whole row (counts as a range, a place with its province)."""

    key: str
    header: str
    min: int
    max: int | None
    rank: int
    lines: int = 1
    justify: str = "left"
    want: int | None = None  # the open-ended column: the width it should have before less useful columns
    value: Callable[[dict], object] | None = None


def terminal_width(stream=None) -> int:
    """``COLUMNS`` if set to a number, else the terminal's width, else 100 when not writing to a terminal."""
    env = os.environ.get("COLUMNS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    stream = stream or sys.stdout
    if hasattr(stream, "isatty") and stream.isatty():
        return shutil.get_terminal_size((NOT_A_TERMINAL_WIDTH, 24)).columns
    return NOT_A_TERMINAL_WIDTH


def fit(columns: Sequence[Column], width: int, natural: dict[str, int] | None = None) -> list[tuple[Column, int]]:
    """The columns that fit ``width`` (by rank, kept in their given order) and the width each gets.

    ``natural``: the width each column's longest value needs (default: its maximum). Columns are taken by
    rank at their minimum widths up to the open-ended one (the evidence, the error); a less useful column
    is taken only if the more useful ones still get their natural width and the open one the width it
    ``want``s. Spare width goes to the rank-0 columns (up to natural), then the open column (up to its want),
    then the others by rank (up to natural), and what is left to the open column."""
    open_col = next((c for c in columns if c.max is None), None)
    open_rank = open_col.rank if open_col else max(c.rank for c in columns)

    def nat(c: Column) -> int:
        if c is open_col:
            return c.want or c.min
        full = c.max if natural is None else natural.get(c.key, c.max)
        return max(c.min, min(full, c.max))

    kept: list[Column] = []
    for col in sorted(columns, key=lambda c: c.rank):
        trial = [*kept, col]
        if col.rank <= open_rank:
            need = sum(c.min for c in trial)
        else:
            need = sum(nat(c) if c.rank <= open_rank else c.min for c in trial)
        if need + GAP * (len(trial) - 1) <= width:
            kept.append(col)
    kept.sort(key=list(columns).index)
    widths = {c.key: c.min for c in kept}
    spare = width - sum(widths.values()) - GAP * (len(kept) - 1)

    def grow(col: Column, upto: int) -> None:
        nonlocal spare
        extra = max(0, min(spare, upto - widths[col.key]))
        widths[col.key] += extra
        spare -= extra

    by_rank = sorted(kept, key=lambda c: c.rank)
    if open_col in kept:  # the rank-0 columns grow first, but leave the open one a third of the width
        spare -= (held := max(0, min(min(nat(open_col), width // 3) - open_col.min, spare)))
    for col in by_rank:
        if col.rank == 0 and col is not open_col:
            grow(col, nat(col))
    if open_col in kept:
        spare += held
    if open_col in kept:
        grow(open_col, nat(open_col))
    for col in by_rank:
        if col is not open_col:
            grow(col, nat(col))
    if open_col in kept:
        grow(open_col, width)
    return [(c, widths[c.key]) for c in kept]


def cell_text(value: object) -> str:
    """A value as a cell shows it: times to the minute (UTC), nothing for None, one line."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.2f}"
    text = " ".join(str(value).split())
    if len(text) >= 16 and text[4:5] == "-" and text[10:11] in ("T", " ") and text[13:14] == ":":
        when = parse_iso(text)  # a timestamp stored as text (SQLite views)
        if when is not None:
            return when.strftime("%Y-%m-%d %H:%M")
    return text


def clip(text: str, width: int, lines: int = 1) -> str:
    """``text`` in at most ``lines`` lines of ``width``, cut with "…" when it does not fit."""
    if len(text) <= width:
        return text
    if lines <= 1:
        return text[: max(width - 1, 0)].rstrip() + "…"
    wrapped = textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=True)
    if len(wrapped) <= lines:
        return "\n".join(wrapped)
    last = wrapped[lines - 1]
    last = (last if len(last) < width else last[: width - 1].rstrip()) + "…"
    return "\n".join([*wrapped[: lines - 1], last])


def build(title: str, rows: Sequence[dict], columns: Sequence[Column], width: int, *, wide: bool = False) -> Table:
    """A rich Table of ``rows``: the columns that fit ``width`` with values cut to fit, or (``wide``) every
    column and every value whole on one line."""
    texts = [[cell_text(c.value(row) if c.value else row.get(c.key)) for c in columns] for row in rows]
    natural = {c.key: max([len(c.header), *(len(t[i]) for t in texts)]) for i, c in enumerate(columns)}
    chosen = [(c, None) for c in columns] if wide else fit(columns, width, natural)
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, padding=(0, 1, 0, 0), pad_edge=False,
                  show_edge=False)
    for col, w in chosen:
        header = col.header if w is None else clip(col.header, w)
        table.add_column(header, justify=col.justify, no_wrap=col.lines == 1 or w is None, overflow="ellipsis",
                         width=w, min_width=w, max_width=w)
    index = {c.key: i for i, c in enumerate(columns)}
    for row_texts in texts:
        table.add_row(*(row_texts[index[c.key]] if w is None else clip(row_texts[index[c.key]], w, c.lines)
                        for c, w in chosen))
    return table


# --- the CLI's tables ----------------------------------------------------------------------------------------------

def _counts(row: dict) -> str | None:
    low, high = row.get("count_low"), row.get("count_high")
    if low is None:
        return None
    return str(low) if low == high else f"{low}–{high}"


def _about(row: dict) -> str | None:
    """What an alert is about: the event (subtype, place) or the feed."""
    if row.get("subtype"):
        return f"{row['subtype'].replace('_', ' ')} {row.get('place_name') or ''}".strip()
    return row.get("feed_name")


def span(seconds: float | None) -> str | None:
    """A polling interval, short: 45s, 5m, 1h30, 6h, 2d."""
    if seconds is None:
        return None
    seconds = round(float(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        hours, minutes = divmod(seconds // 60, 60)
        return f"{hours}h{minutes:02d}" if minutes else f"{hours}h"
    return f"{seconds // 86400}d"


def _words(key: str):
    return lambda row: str(row[key]).replace("_", " ") if row.get(key) else None


EVENTS = [  # rank 0 is kept at any width; the evidence takes what is left; every cell at most two lines
    Column("event_id", "id", 3, 6, 7, justify="right"),
    Column("event_date", "date", 10, 10, 1),
    Column("first_seen_at", "first seen", 16, 16, 6),
    Column("kind", "kind", 11, 14, 8, value=_words("kind")),
    Column("subtype", "what", 10, 17, 0, lines=2, value=_words("subtype")),
    Column("place_name", "place", 10, 20, 0, lines=2),
    Column("province", "province", 8, 16, 3, lines=2),
    Column("country_code", "cc", 2, 2, 4),
    Column("actor", "actor", 10, 26, 1, lines=2),
    Column("counts", "count", 5, 9, 5, justify="right", value=_counts),
    Column("corroboration", "src", 3, 3, 1, justify="right"),
    Column("confidence", "conf", 4, 4, 9, justify="right"),
    Column("first_evidence", "evidence", 16, None, 2, lines=2, want=60),
    Column("first_url", "source", 20, 60, 10),
]

FEEDS = [
    Column("name", "feed", 10, 32, 0, lines=2),
    Column("state", "state", 6, 13, 0),
    Column("consecutive_failures", "fails", 5, 5, 1, justify="right"),
    Column("last_success_at", "last success", 16, 16, 2),
    Column("poll_interval", "every", 5, 6, 3, justify="right", value=lambda row: span(row.get("poll_interval"))),
    Column("next_attempt_at", "next poll", 16, 16, 3),
    Column("items_seen", "items", 5, 6, 4, justify="right"),
    Column("last_error", "last error", 16, None, 1, lines=2, want=50),
    Column("parse_problem", "parse problem", 16, 40, 8),
    Column("url", "url", 20, 70, 9),
]

ALERTS = [
    Column("alert_id", "id", 3, 6, 3, justify="right"),
    Column("created_at", "queued", 16, 16, 2),
    Column("channel", "channel", 8, 30, 1, lines=2),
    Column("alert_kind", "type", 5, 14, 5),
    Column("status", "status", 7, 7, 0),
    Column("attempts", "tries", 5, 5, 4, justify="right"),
    Column("sent_at", "sent", 16, 16, 3),
    Column("next_attempt_at", "next try", 16, 16, 4),
    Column("about", "about", 10, 30, 1, lines=2, value=_about),
    Column("last_error", "last error", 16, None, 2, lines=2, want=40),
]
