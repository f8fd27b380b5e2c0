"""``python -m bench.scaleout``: passes share the work instead of repeating it.

A world of ``--feeds`` feeds (default 2,000) on ``--hosts`` loopback hosts (127.0.0.1 .. 127.0.0.50), each
request answered after ``--delay`` seconds (default 0.2), served by a child process that counts every request
and the most requests one host had in flight at once. Every feed has a stored ETag (a first pass fetched them
all), so every answer is a 304. One Postgres database (``--postgres``), created and dropped here.

Measured, ``--repeat`` times each, every feed made due before each measurement:

* **one pass**: the feed stage of the ``monitor`` flow (``borderwatch.stages.poll_feeds``: claim the due feeds a
  host at a time with a lease, fetch them; then record each outcome, which releases the lease), in a process
  of its own; its wall time, the requests counted at the server.
* **two passes at once**: the same in two processes started together; the wall time of each and of both, and
  the requests counted at the server: every feed exactly once between them.

Each pass also reports its CPU seconds and where its time went (``phases``: seconds in ``sync_feeds``,
``claim_owners``, ``claim_feeds`` with the number of calls and when the first began, the whole of ``poll_feeds``,
recording the outcomes); the server reports, per pass (told apart by User-Agent), when its first request came
and its last answer went, counted from the first pass's start, and the requests per second over the measurement.

    python -m bench.scaleout [--feeds 2000] [--hosts 50] [--delay 0.2] [--concurrency 64] [--repeat 3]
        [--max-passes 2] [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import time
import uuid

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _serve(conn, hosts: int, feeds: int, delay: float) -> None:
    """Child process: one threaded server per host; answers every feed after ``delay``; counts requests."""
    import signal
    import threading
    from collections import Counter
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    lock = threading.Lock()
    hits: Counter[str] = Counter()
    by_agent: dict[str, list[float]] = {}  # User-Agent (one per pass) -> [first, last answer sent, requests]
    inflight: Counter[int] = Counter()
    peak: Counter[int] = Counter()

    def handler(host: int):
        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                agent = self.headers.get("User-Agent", "")
                with lock:
                    hits[f"{host}{self.path}"] += 1
                    seen = by_agent.setdefault(agent, [time.time(), 0.0, 0])
                    seen[2] += 1
                    inflight[host] += 1
                    peak[host] = max(peak[host], inflight[host])
                try:
                    time.sleep(delay)
                finally:
                    with lock:
                        inflight[host] -= 1  # answered now: what the client waits for next is another request
                        by_agent[agent][1] = time.time()
                etag = '"' + self.path.rsplit("/", 1)[1] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>{self.path}</title><item>'
                        f"<title>Item</title><link>http://127.0.0.{host + 1}/item{self.path}.html</link>"
                        "<guid>item</guid><pubDate>Tue, 01 Dec 2026 08:00:00 GMT</pubDate></item></channel>"
                        "</rss>").encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
        return H

    servers, port = [], 0
    for h in range(hosts):
        try:
            srv = ThreadingHTTPServer((f"127.0.0.{h + 1}", port), handler(h))
        except OSError:
            srv = ThreadingHTTPServer((f"127.0.0.{h + 1}", 0), handler(h))
        srv.daemon_threads = True
        srv.request_queue_size = 128
        port = port or srv.server_address[1]
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
    urls = [f"http://127.0.0.{f % hosts + 1}:{servers[f % hosts].server_address[1]}/feeds/{f}.xml"
            for f in range(feeds)]
    conn.send(urls)
    while True:
        try:
            cmd = conn.recv()
        except EOFError:
            break
        if cmd == "stop":
            break
        with lock:
            first = min((v[0] for v in by_agent.values()), default=0.0)
            last = max((v[1] for v in by_agent.values()), default=0.0)
            conn.send({"requests": sum(hits.values()), "feeds_asked": len(hits),
                       "requests_per_second": round(sum(hits.values()) / max(last - first, 1e-9), 1),
                       "at_server": {a.rsplit(" ", 1)[-1]: {"first": v[0], "last": v[1], "requests": v[2]}
                                     for a, v in sorted(by_agent.items())},
                       "asked_twice": sum(1 for n in hits.values() if n > 1),
                       "max_in_flight_per_host": max(peak.values(), default=0)})
            if cmd == "reset":
                hits.clear()
                peak.clear()
                by_agent.clear()
    for srv in servers:
        srv.shutdown()


def _config(db_url: str, urls: list[str], concurrency: int, agent: str = "bench"):
    from borderwatch.config import load_config

    return load_config(None, env={}, overrides={
        "database_url": db_url,
        "feeds": [{"name": f"feed {i}", "url": u} for i, u in enumerate(urls)],
        "network": {"concurrency": concurrency, "per_host": 2, "timeout": 15, "deadline": 60,
                    "user_agent": f"borderwatch-bench {agent}"},
    })


def _timed(phases: dict, name: str, fn, started: list[float]):
    """``fn`` timed into ``phases[name]``: [calls, seconds inside, first call's start from the pass's start]."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        t = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            row = phases.setdefault(name, [0, 0.0, round(t - started[0], 3)])
            row[0] += 1
            row[1] += time.perf_counter() - t
    return wrapper


def _pass(db_url: str, urls: list[str], concurrency: int, barrier, results, agent: str) -> None:
    """Child process: one pass's feed stage, started when every pass is ready. Where its time goes: each store
    call it makes (calls, seconds, first call's start), fetching, recording the outcomes."""
    from borderwatch import stages
    from borderwatch.models import store
    from borderwatch.models.db import Database

    config = _config(db_url, urls, concurrency, agent)
    db = Database(db_url, migrate=False)
    owner = stages.pass_owner()
    phases: dict[str, list] = {}
    started = [0.0]
    for name in ("sync_feeds", "claim_owners", "claim_feeds"):
        setattr(store, name, _timed(phases, name, getattr(store, name), started))
    barrier.wait()
    started[0], cpu, wall_start = time.perf_counter(), time.process_time(), time.time()
    outcomes, _feeds, _skipped = stages.poll_feeds(config, db, owner)
    polled = time.perf_counter()
    with db.session() as s:  # as the flow's select-new-entries records them
        _polled = store.load_feeds(s, (o.feed_id for o in outcomes))  # held: the identity map is weak
        for outcome in outcomes:
            store.record_feed_outcome(s, outcome, 0, config.poll_policy, config.delivery.feed_failure_threshold)
    done = time.perf_counter()
    calls = {k: {"calls": v[0], "seconds": round(v[1], 3), "first_at": v[2]} for k, v in phases.items()}
    results.put({"pass": agent, "started": wall_start, "feeds": len(outcomes),
                 "not_modified": sum(o.status == 304 for o in outcomes), "failed": sum(not o.ok for o in outcomes),
                 "seconds": round(done - started[0], 2), "cpu_seconds": round(time.process_time() - cpu, 2),
                 "phases": {**calls, "poll_feeds": round(polled - started[0], 3),
                            "record_outcomes": round(done - polled, 3)}})
    db.dispose()


def _make_due(db_url: str) -> None:
    from sqlalchemy import update

    from borderwatch.models.db import Database
    from borderwatch.models.schema import Feed

    db = Database(db_url, migrate=False)
    with db.session() as s:
        s.execute(update(Feed).values(next_attempt_at=None, lease_until=None, leased_by=None))
    db.dispose()


def _passes(ctx, n: int, db_url: str, urls: list[str], concurrency: int) -> tuple[list[dict], float]:
    barrier, results = ctx.Barrier(n + 1), ctx.Queue()
    procs = [ctx.Process(target=_pass, args=(db_url, urls, concurrency, barrier, results, f"pass{i + 1}"))
             for i in range(n)]
    for p in procs:
        p.start()
    barrier.wait()
    started = time.perf_counter()
    out = [results.get(timeout=600) for _ in procs]
    wall = time.perf_counter() - started
    for p in procs:
        p.join(30)
    return out, wall


def main(argv: list[str] | None = None) -> int:
    import sqlalchemy as sa

    parser = argparse.ArgumentParser(prog="python -m bench.scaleout", description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=2000)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--delay", type=float, default=0.2, help="seconds before each answer")
    parser.add_argument("--concurrency", type=int, default=64, help="network.concurrency of each pass")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--max-passes", type=int, default=2,
                        help="also measure 3 .. N passes at once (their JSON lines only)")
    parser.add_argument("--postgres", default=PG_DEFAULT)
    args = parser.parse_args(argv)

    ctx = multiprocessing.get_context("spawn")
    conn, child = ctx.Pipe()
    world = ctx.Process(target=_serve, args=(child, args.hosts, args.feeds, args.delay), daemon=True)
    world.start()
    urls = conn.recv()
    name = f"bw_scale_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    db_url = sa.engine.make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
    rows = []
    try:
        from borderwatch.models import store
        from borderwatch.models.db import Database

        db = Database(db_url)  # migrate
        with db.session() as s:
            store.sync_feeds(s, _config(db_url, urls, args.concurrency).feeds)
        db.dispose()
        _passes(ctx, 1, db_url, urls, args.concurrency)  # the first pass: 200s, ETags stored
        for _ in range(args.repeat):
            for n in range(1, max(2, args.max_passes) + 1):
                _make_due(db_url)
                conn.send("reset")
                conn.recv()
                passes, wall = _passes(ctx, n, db_url, urls, args.concurrency)
                conn.send("stats")
                server = conn.recv()
                t0 = min(p.pop("started") for p in passes)  # the server's times from the first pass's start
                for seen in server["at_server"].values():
                    seen["first"], seen["last"] = round(seen["first"] - t0, 2), round(seen["last"] - t0, 2)
                row = {"passes": n, "wall_seconds": round(wall, 2), "each": passes, **server}
                rows.append(row)
                print(json.dumps(row), flush=True)
    finally:
        conn.send("stop")
        world.join(10)
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    one = [r for r in rows if r["passes"] == 1]
    two = [r for r in rows if r["passes"] == 2]

    def span(values) -> str:
        values = list(values)
        return f"{min(values):.2f}-{max(values):.2f}" if values else "-"

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"one pass: {span(r['wall_seconds'] for r in one)} s, "
          f"CPU {span(p['cpu_seconds'] for r in one for p in r['each'])} s, "
          f"{span(r['requests_per_second'] for r in one)} requests/s at the server")
    print(f"two passes at once: {span(r['wall_seconds'] for r in two)} s (the slower), CPU each "
          f"{span(p['cpu_seconds'] for r in two for p in r['each'])} s, "
          f"{span(r['requests_per_second'] for r in two)} requests/s at the server; of one pass's time in the same "
          f"repeat: {span(b['wall_seconds'] / a['wall_seconds'] for a, b in zip(one, two, strict=True))}")
    print(f"requests per measurement: {sorted({r['requests'] for r in rows})}, asked twice: "
          f"{sorted({r['asked_twice'] for r in rows})}, most in flight on one host: "
          f"{max(r['max_in_flight_per_host'] for r in rows)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
