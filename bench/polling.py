"""``python -m bench.polling``: adaptive polling against polling every feed on every pass, over one simulated day.

A local world on 127.0.0.1 serves feeds that publish on a simulated clock: ``--fast`` feeds every 5 minutes,
``--hourly`` feeds every hour, ``--daily`` feeds once a day (each at its own phase). Each feed lists its last 20
items with their dates and answers 304 to a matching ETag. A pass runs every 5 simulated minutes for
``--hours`` hours; each pass fetches the due feeds over real HTTP (``borderwatch.pipeline.fetch_feeds``) and
records each outcome in a real SQLite database (``models.store.record_feed_outcome``, the code the ``monitor``
flow runs), with the simulated time as "now". Two policies, each in a fresh database:

* **every pass**: ``polling: {min_interval: 0, max_interval: 0}`` (what every pass did before);
* **adaptive**: the defaults (5 minutes to 6 hours).

Counted: requests the server answered per simulated day, and the delay from an item's publication to the pass
that first saw it (median and 90th percentile, per class of feed). Prints one JSON line per policy.

    python -m bench.polling [--fast 10] [--hourly 10] [--daily 20] [--hours 24] [--seed 15]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import statistics
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PASS_EVERY = timedelta(minutes=5)
LISTED = 20
START = datetime(2026, 12, 1, tzinfo=UTC)
PERIODS = {"fast": timedelta(minutes=5), "hourly": timedelta(hours=1), "daily": timedelta(days=1)}


class SimWorld:
    """Feeds publishing on a simulated clock (``now``, set by the runner before each pass)."""

    def __init__(self, classes: dict[str, int], seed: int = 15):
        rng = random.Random(seed)
        self.now = START
        self.feeds: list[tuple[str, timedelta, timedelta]] = []  # (class, period, phase)
        for kind, count in classes.items():
            period = PERIODS[kind]
            self.feeds += [(kind, period, timedelta(seconds=rng.uniform(0, period.total_seconds())))
                           for _ in range(count)]
        self.requests = 0
        self._lock = threading.Lock()
        world = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                with world._lock:
                    world.requests += 1
                index = int(self.path.rsplit("/", 1)[1].split(".")[0])
                newest, body = world.render(index)
                etag = '"' + hashlib.sha1(f"{index}:{newest}".encode()).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True

    def published(self, index: int, k: int) -> datetime:
        _kind, period, phase = self.feeds[index]
        return START + phase + (k - 10_000) * period  # item k; item 10,000 is the first after START

    def render(self, index: int) -> tuple[int, bytes]:
        _kind, period, phase = self.feeds[index]
        newest = 10_000 + int((self.now - START - phase) // period)
        items = "".join(f"<item><title>feed {index} item {k}</title><link>http://127.0.0.1/{index}/{k}</link>"
                        f"<guid>{index}-{k}</guid><pubDate>{format_datetime(self.published(index, k), usegmt=True)}"
                        "</pubDate></item>" for k in range(newest, newest - LISTED, -1))
        return newest, (f'<?xml version="1.0"?><rss version="2.0"><channel><title>feed {index}</title>{items}'
                        "</channel></rss>").encode()

    def url(self, index: int) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/feeds/{index}.xml"

    def __enter__(self) -> SimWorld:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def simulate(world: SimWorld, polling_config: dict, hours: float, tmp: Path, name: str) -> dict:
    from sqlalchemy import select

    from borderwatch.config import load_config
    from borderwatch.models import store
    from borderwatch.models.db import Database
    from borderwatch.models.schema import Feed
    from borderwatch.pipeline import fetch_feeds
    from borderwatch.polling import is_due
    from borderwatch.records import FeedRequest

    config = load_config(None, env={}, overrides={
        "database_url": f"sqlite:///{tmp / f'{name}.db'}",
        "feeds": [{"name": f"feed {i}", "url": world.url(i)} for i in range(len(world.feeds))],
        "polling": polling_config,
    })
    db = Database(config.database_url)
    with db.session() as s:
        ids = {f.url: f.id for f in store.sync_feeds(s, config.feeds)}
    kind_of = {ids[world.url(i)]: world.feeds[i][0] for i in range(len(world.feeds))}
    seen: set[tuple[int, str]] = set()
    delays: dict[str, list[float]] = {kind: [] for kind in PERIODS}
    polls: dict[str, int] = {kind: 0 for kind in PERIODS}
    requests_before = world.requests
    passes = int(timedelta(hours=hours) / PASS_EVERY)
    for p in range(passes):
        now = START + p * PASS_EVERY
        world.now = now
        with db.session() as s:
            due = [FeedRequest(f.id, f.url, f.etag, f.last_modified) for f in s.scalars(select(Feed))
                   if is_due(f.next_attempt_at, now)]
        outcomes = asyncio.run(fetch_feeds(config, due, list(ids)))
        with db.session() as s:
            for o in outcomes:
                polls[kind_of[o.feed_id]] += 1
                new = [e for e in o.entries if (o.feed_id, e.guid) not in seen]
                for e in new:
                    seen.add((o.feed_id, e.guid))
                    if p > 0 and e.published >= START:  # the first pass reads history: not a delay
                        delays[kind_of[o.feed_id]].append((now - e.published).total_seconds())
                store.record_feed_outcome(s, o, len(new), config.poll_policy,
                                          config.delivery.feed_failure_threshold, now=now)
    db.dispose()
    days = hours / 24
    out = {"policy": name, "requests_per_day": round((world.requests - requests_before) / days),
           "polls_per_feed_day": {k: round(polls[k] / days / max(1, sum(1 for f in world.feeds if f[0] == k)), 1)
                                  for k in PERIODS}}
    for kind, values in delays.items():
        if values:
            values.sort()
            out[f"{kind}_delay_median_s"] = round(statistics.median(values))
            out[f"{kind}_delay_p90_s"] = round(values[int(0.9 * (len(values) - 1))])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.polling", description=__doc__.split("\n\n")[0])
    parser.add_argument("--fast", type=int, default=10, help="feeds publishing every 5 minutes")
    parser.add_argument("--hourly", type=int, default=10, help="feeds publishing every hour")
    parser.add_argument("--daily", type=int, default=20, help="feeds publishing once a day")
    parser.add_argument("--hours", type=float, default=24.0, help="simulated hours")
    parser.add_argument("--seed", type=int, default=15, help="the feeds' publishing phases")
    args = parser.parse_args(argv)
    results = []
    with SimWorld({"fast": args.fast, "hourly": args.hourly, "daily": args.daily}, args.seed) as world, \
            tempfile.TemporaryDirectory(prefix="bw-bench-polling-") as tmp:
        for name, polling_config in (("every pass", {"min_interval": 0, "max_interval": 0}), ("adaptive", {})):
            results.append(simulate(world, polling_config, args.hours, Path(tmp), name))
    for r in results:
        print(json.dumps(r))
    base, adaptive = results
    print(f"requests/day: {base['requests_per_day']} -> {adaptive['requests_per_day']} "
          f"({adaptive['requests_per_day'] / base['requests_per_day']:.0%}); fast feeds' median delay "
          f"{base.get('fast_delay_median_s')} s -> {adaptive.get('fast_delay_median_s')} s "
          f"(their poll interval: {PERIODS['fast'].total_seconds():.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
