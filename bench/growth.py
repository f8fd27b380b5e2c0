"""``python -m bench.growth``: does a run that sees only known items cost the same with 1,000 or 100,000 stored
articles? Seeds fresh databases in bulk (SQLAlchemy core), then times the new-entry selection of the
``monitor`` flow (``borderwatch.models.store.new_entries`` per feed + ``known_articles``) for 50 feeds x 50 known items,
and prints the query plans.

    python -m bench.growth [--rows 1000 100000] [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import insert, select

from borderwatch.models import store
from borderwatch.models.db import Database
from borderwatch.models.schema import Article, Entry, Feed
from borderwatch.records import FeedEntry

FEEDS = 50
PER_FEED = 50  # items a feed lists (all known)
BATCH = 5000


def url_of(i: int) -> str:
    return f"http://site{i % FEEDS}.example/news/{i}.html"


def seed(db: Database, rows: int) -> float:
    """``rows`` articles, each listed by one entry of one of FEEDS feeds. Returns seconds."""
    started = time.perf_counter()
    now = datetime.now(UTC)
    with db.engine.begin() as conn:
        conn.execute(insert(Feed), [dict(id=f + 1, name=f"feed {f}", url=f"http://site{f}.example/feed.xml",
                                         tags=[], enabled=True, consecutive_failures=0, items_seen=0,
                                         created_at=now) for f in range(FEEDS)])
        for lo in range(0, rows, BATCH):
            ids = range(lo, min(rows, lo + BATCH))
            conn.execute(insert(Article), [dict(id=i + 1, url=url_of(i), feed_id=i % FEEDS + 1, title=f"t{i}",
                                                text="x", text_source="trafilatura", fetch_status="ok",
                                                relevant=False, relevance_score=0.0, fetched_at=now) for i in ids])
            conn.execute(insert(Entry), [dict(feed_id=i % FEEDS + 1, guid=url_of(i), article_id=i + 1,
                                              url=url_of(i), seen_at=now) for i in ids])
        if db.dialect == "postgresql":
            conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('articles', 'id'), :n)"), {"n": rows})
            conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('feeds', 'id'), :n)"), {"n": FEEDS})
    if db.dialect == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("ANALYZE"))  # as autovacuum would soon after a bulk load
    return time.perf_counter() - started


def feed_listings(rows: int) -> dict[int, list[FeedEntry]]:
    """What each feed lists in the run: its newest PER_FEED items (fewer in a small database), all stored."""
    out: dict[int, list[FeedEntry]] = {}
    for f in range(FEEDS):
        mine = [i for i in range(rows - 1, -1, -1) if i % FEEDS == f][:PER_FEED]
        out[f + 1] = [FeedEntry(guid=url_of(i), url=url_of(i), canonical_url=url_of(i)) for i in mine]
    return out


def selection(db: Database, listings: dict[int, list[FeedEntry]], *, new_guids: bool) -> float:
    """Seconds for the flow's selection step. ``new_guids``: the feeds list known URLs under GUIDs they have
    not used before (another feed's article), so ``known_articles`` is asked about every URL."""
    if new_guids:
        listings = {f: [FeedEntry(guid=f"other:{e.guid}", url=e.url, canonical_url=e.canonical_url) for e in es]
                    for f, es in listings.items()}
    started = time.perf_counter()
    with db.session() as s:
        fresh = {f: store.new_entries(s, f, es) for f, es in listings.items()}
        known = store.known_articles(s, (e.canonical_url for es in fresh.values() for e in es))
    elapsed = time.perf_counter() - started
    expected = 0 if not new_guids else sum(map(len, listings.values()))
    assert sum(map(len, fresh.values())) == expected and len(known) == expected, "unexpected selection result"
    return elapsed


def plans(db: Database, listings: dict[int, list[FeedEntry]]) -> list[str]:
    guids = [e.guid for e in listings[1]]
    stmts = [select(Entry.guid).where(Entry.feed_id == 1, Entry.guid.in_(guids)),
             select(Article.url, Article.id).where(Article.url.in_(guids))]
    out = []
    with db.engine.connect() as conn:
        for stmt in stmts:
            sql = str(stmt.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))
            explain = "EXPLAIN QUERY PLAN " if db.dialect == "sqlite" else "EXPLAIN "
            rows = conn.execute(sa.text(explain + sql)).all()
            text = "\n".join("    " + (r[-1] if db.dialect == "sqlite" else r[0]) for r in rows)
            text = re.sub(r"'\{[^}]*\}'", "'{...}'", text)  # the 50 literal values
            out.append(f"  {sql.splitlines()[0][:60]} ... IN ({len(guids)} values)\n{text}")
    return out


def run(label: str, url: str, rows: int, repeat: int) -> dict:
    db = Database(url)
    try:
        seconds = seed(db, rows)
        listings = feed_listings(rows)
        selection(db, listings, new_guids=False)  # warm the caches once
        known = statistics.median(selection(db, listings, new_guids=False) for _ in range(repeat))
        cross = statistics.median(selection(db, listings, new_guids=True) for _ in range(repeat))
        return {"db": label, "rows": rows, "seed_s": seconds, "known_s": known, "cross_s": cross,
                "plans": plans(db, listings)}
    finally:
        db.dispose()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.growth", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, nargs="+", default=[1000, 100_000], help="stored articles to compare")
    ap.add_argument("--postgres", metavar="ADMIN_URL", help="also on Postgres (a throwaway database per size)")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="borderwatch-growth-") as tmp:
        for rows in args.rows:
            results.append(run("sqlite", f"sqlite:///{Path(tmp) / f'growth-{rows}.db'}", rows, args.repeat))
            if args.postgres:
                admin = sa.create_engine(args.postgres, isolation_level="AUTOCOMMIT")
                name = f"bw_growth_{uuid.uuid4().hex[:10]}"
                with admin.connect() as conn:
                    conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
                try:
                    url = sa.engine.make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
                    results.append(run("postgres", url, rows, args.repeat))
                finally:
                    with admin.connect() as conn:
                        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                    admin.dispose()
    print(f"selection for {FEEDS} feeds x {PER_FEED} items, median of {args.repeat}:")
    print(f"{'db':9} {'articles':>9} {'seed s':>7} {'all known (GUID) ms':>20} {'known URL, new GUID ms':>23}")
    for r in results:
        print(f"{r['db']:9} {r['rows']:>9} {r['seed_s']:>7.1f} {r['known_s'] * 1000:>20.1f} {r['cross_s'] * 1000:>23.1f}")
    for r in results:
        if r["rows"] == max(args.rows):
            print(f"\nquery plans, {r['db']}, {r['rows']} articles:")
            print("\n".join(r["plans"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
