"""Passes share the work: a pass claims the due feeds of a host at a time and the pages it fetches, with a lease
in the database (``FOR UPDATE SKIP LOCKED`` on Postgres, a compare-and-set ``UPDATE … RETURNING`` on SQLite);
a crashed pass's claims run out and are taken over; two `borderwatch run` at once on one Postgres poll every
feed exactly once between them (counted at the server)."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from borderwatch.config import FeedConfig
from borderwatch.models import store
from borderwatch.models.db import Database
from borderwatch.models.schema import Feed
from tests import bwproc
from tests.bwproc import Run, run_config, write_config
from tests.servers import ScriptedServer, slow, static

prefect_api_env = bwproc.prefect_api_env  # fixture
LEASE = timedelta(minutes=15)


def _feeds(db: Database, hosts: int, per_host: int) -> list[int]:
    configs = [FeedConfig(name=f"h{h}f{f}", url=f"http://10.0.0.{h + 1}:8080/feed{f}.xml")
               for h in range(hosts) for f in range(per_host)]
    with db.session() as s:
        return [f.id for f in store.sync_feeds(s, configs)]


def _claim(db, ids, owner, hosts=100, now=None, due_before=None):
    now = now or store.utcnow()
    with db.session() as s:
        claimed, more = store.claim_feeds(s, ids, due_before=due_before or now, lease=LEASE, owner=owner, hosts=hosts,
                                          now=now)
        return [(f.id, f.host) for f in claimed], more


def test_passes_claim_whole_hosts_and_never_the_same_feed(db):
    ids = _feeds(db, hosts=6, per_host=3)
    a, more_a = _claim(db, ids, "pass-a", hosts=2)
    b, more_b = _claim(db, ids, "pass-b", hosts=3)
    c, _ = _claim(db, ids, "pass-c", hosts=5)
    assert len(a) == 6 and len(b) == 9 and len(c) == 3 and more_a and more_b
    assert {h for _, h in a}.isdisjoint({h for _, h in b}) and {h for _, h in c}.isdisjoint({h for _, h in a + b})
    assert sorted(i for i, _ in a + b + c) == sorted(ids)  # every feed once
    assert _claim(db, ids, "pass-d") == ([], False)  # nothing due and free is left


def test_a_host_being_polled_is_not_claimed_by_another_pass_until_its_leases_end(db):
    """A feed of a host that becomes due while another pass polls that host waits: two passes on one host
    would make twice ``per_host`` requests to it."""
    ids = _feeds(db, hosts=2, per_host=2)
    now = store.utcnow()
    with db.session() as s:  # the second feed of each host is due only later
        for fid in (ids[1], ids[3]):
            s.get(Feed, fid).next_attempt_at = now + timedelta(minutes=5)
    first, more = _claim(db, ids, "first", hosts=1, now=now)
    assert len(first) == 1 and more
    later = now + timedelta(minutes=6)  # both hosts' second feeds are due now; the first's host is being polled
    second, _ = _claim(db, ids, "second", now=later, due_before=later)
    assert {h for _, h in second}.isdisjoint({h for _, h in first}) and len(second) == 2, (first, second)
    after_lease = now + LEASE + timedelta(seconds=1)
    third, _ = _claim(db, ids, "third", now=after_lease, due_before=after_lease)
    # the lease ran out (that pass crashed): its host is free again, its feed with the other one
    assert sorted(i for i, _ in third) == sorted(set(ids) - {i for i, _ in second})


def test_a_recorded_outcome_releases_the_feed_and_a_crashed_pass_is_taken_over(db):
    from borderwatch.pipeline import FeedOutcome
    from borderwatch.polling import PollPolicy

    ids = _feeds(db, hosts=2, per_host=1)
    first, _ = _claim(db, ids, "crashes")
    assert len(first) == 2
    with db.session() as s:  # one of its feeds got done, then the pass died
        store.record_feed_outcome(s, FeedOutcome(first[0][0], status=304), 0, PollPolicy(), 3)
    with db.session() as s:
        feeds = {f.id: f for f in s.scalars(select(Feed))}
    assert feeds[first[0][0]].lease_until is None and feeds[first[1][0]].leased_by == "crashes"
    assert _claim(db, ids, "next") == ([], False)  # the other is still leased (and the done one not due)
    later = store.utcnow() + LEASE + timedelta(seconds=1)
    taken, _ = _claim(db, ids, "next", now=later, due_before=store.utcnow())
    assert [i for i, _ in taken] == [first[1][0]]  # the crashed pass's claim ran out: taken over
    with db.session() as s:
        assert s.get(Feed, first[1][0]).leased_by == "next"


@pytest.mark.postgres
def test_postgres_skips_rows_another_pass_is_claiming_instead_of_waiting(pg_url):
    db = Database(pg_url)
    ids = _feeds(db, hosts=1, per_host=4)
    now = store.utcnow()
    holding, released = threading.Event(), threading.Event()

    def slow_claimer():
        with db.session() as s:  # claims and holds its transaction open
            store.claim_feeds(s, ids, due_before=now, lease=LEASE, owner="slow", hosts=5, now=now)
            holding.set()
            released.wait(10)

    t = threading.Thread(target=slow_claimer)
    t.start()
    assert holding.wait(10)
    started = time.monotonic()
    assert _claim(db, ids, "fast", now=now) == ([], True)  # locked rows skipped: nothing, ask again
    assert time.monotonic() - started < 2  # did not wait for the other transaction
    released.set()
    t.join()
    assert _claim(db, ids, "fast", now=now) == ([], False)  # committed: all held by "slow"
    db.dispose()


@pytest.mark.postgres
def test_postgres_never_splits_a_host_between_two_passes_locking_its_rows_at_once(pg_url):
    """Two passes locking the same host's rows at the same moment (``SKIP LOCKED`` lets each skip the other's
    rows) must not take half of it each: the host is left to the pass that holds its rows, the other takes
    the hosts it has whole."""
    db = Database(pg_url)
    ids = _feeds(db, hosts=2, per_host=4)
    with db.session() as s:
        hosts = {f.id: f.host for f in s.scalars(select(Feed))}
    split_host = hosts[ids[0]]
    holding, release = threading.Event(), threading.Event()

    def other_pass():  # has locked two of the first host's four rows so far
        with db.session() as s:
            s.execute(select(Feed.id).where(Feed.id.in_(ids[:2])).with_for_update())
            holding.set()
            release.wait(10)
            s.rollback()

    t = threading.Thread(target=other_pass)
    t.start()
    try:
        assert holding.wait(10)
        got, more = _claim(db, ids, "fast", hosts=2)
    finally:
        release.set()
        t.join()
    assert {h for _, h in got} == {hosts[ids[4]]} and len(got) == 4 and more  # only the whole host
    rest, _ = _claim(db, ids, "fast-again", hosts=2)  # once the rows are free, the host is taken whole
    assert {h for _, h in rest} == {split_host} and len(rest) == 4
    db.dispose()


def test_a_page_is_claimed_by_one_pass_until_stored_or_its_lease_runs_out(db):
    urls = ["http://a.example/1", "http://a.example/2", "http://b.example/3"]
    with db.session() as s:
        assert store.claim_pages(s, urls[:2], lease=LEASE, owner="one") == set(urls[:2])
    with db.session() as s:
        assert store.claim_pages(s, urls, lease=LEASE, owner="two") == {urls[2]}
    later = store.utcnow() + LEASE + timedelta(seconds=1)
    with db.session() as s:
        assert store.claim_pages(s, urls[:1], lease=LEASE, owner="three", now=later) == {urls[0]}
    with db.session() as s:
        store.release_claims(s, "two")
        store.release_claims(s, "one")
    with db.session() as s:
        assert store.claim_pages(s, urls[1:], lease=LEASE, owner="four") == set(urls[1:])


def test_claims_of_a_pass_whose_process_is_gone_are_taken_back_at_once(db):
    """A pass that exited without giving its claims back (the database was down when it failed) holds them only
    while its process lives: the next pass on the host takes them back at once; a live pass keeps its own."""
    import subprocess
    import sys

    from borderwatch import stages

    me = stages.pass_owner()
    host = me.split(":")[0]
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    gone = f"{host}:{done.stdout.strip()}:deadbeef"  # that process has exited
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        living = f"{host}:{alive.pid}:cafe"
        elsewhere = f"other-host:{done.stdout.strip()}:f00d"  # another host's pass: its lease decides
        ids = _feeds(db, hosts=1, per_host=1)
        with db.session() as s:
            store.claim_pages(s, ["http://a.example/1"], lease=LEASE, owner=gone)
            store.claim_pages(s, ["http://a.example/2"], lease=LEASE, owner=living)
            store.claim_pages(s, ["http://a.example/3"], lease=LEASE, owner=elsewhere)
        _claim(db, ids, gone)
        with db.session() as s:
            assert stages.release_dead_claims(s, me) == [gone]
        with db.session() as s:
            assert store.claim_owners(s) == {living, elsewhere}
            assert store.claim_pages(s, [f"http://a.example/{i}" for i in (1, 2, 3)], lease=LEASE,
                                     owner=me) == {"http://a.example/1"}
        assert [fid for fid, _host in _claim(db, ids, me)[0]] == ids  # the feed lease came back too
    finally:
        alive.kill()
        alive.wait()


@pytest.mark.postgres
def test_two_runs_at_once_poll_every_feed_exactly_once(prefect_api_env, pg_url, tmp_path):
    hosts, per_host = 8, 5
    lock, in_flight, peak = threading.Lock(), {}, {}

    def feed(host: int, i: int):
        body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>{host}/{i}</title></channel></rss>'.encode()

        def handler(h):
            with lock:
                in_flight[host] = in_flight.get(host, 0) + 1
                peak[host] = max(peak.get(host, 0), in_flight[host])
            try:
                slow(0.5, static(body))(h)
            finally:
                with lock:
                    in_flight[host] -= 1
        return handler

    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(ScriptedServer(f"127.0.0.{h + 1}")) for h in range(hosts)]
        for h, srv in enumerate(servers):
            for i in range(per_host):
                srv.routes[f"/feed{i}.xml"] = feed(h, i)
        urls = [srv.url(f"/feed{i}.xml") for srv in servers for i in range(per_host)]
        data = run_config(pg_url, urls, polling={"min_interval": 300, "max_interval": 3600})
        data["network"].update(per_host=2, concurrency=4)  # two hosts at a time per run: ~6 s alone
        config = write_config(tmp_path / "config.yaml", data)
        runs = [Run(["run", "--config", str(config)], prefect_api_env, tmp_path, f"run{i}") for i in (1, 2)]
        finished = [r.wait(180) for r in runs]
        hits = {f"{h}{p}": c for h, srv in enumerate(servers) for p, c in srv.hits.items()}
    summaries = []
    for f in finished:
        assert f.returncode == 0, f.stderr[-3000:]
        summaries.append(json.loads(f.stdout.strip().splitlines()[-1]))
    assert len(hits) == hosts * per_host and set(hits.values()) == {1}, hits  # every feed asked exactly once
    assert sum(s["feeds_fetched"] for s in summaries) == hosts * per_host
    assert max(peak.values()) <= 2  # per-host politeness across both runs: a host is polled by one run at a time
    print(f"\nfeeds polled per run: {[s['feeds_fetched'] for s in summaries]}")


@pytest.mark.postgres
def test_a_pass_that_found_hosts_locked_takes_them_once_free_not_after_its_own_hosts(pg_url):
    """A pass that starts while another pass holds some hosts' rows (Postgres: skipped, not waited for) asks
    again shortly while it has free slots: those hosts are polled as soon as they are free, not when one of its
    first hosts is done (two passes at once took as long as one: the second sat on its free slots)."""
    from borderwatch import stages
    from borderwatch.config import load_config

    answer_after, lock_for = 4.0, 1.5
    asked: dict[int, float] = {}
    rss = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'

    def feed(host: int):
        def handler(h):
            asked[host] = time.monotonic()
            slow(answer_after, static(rss))(h)
        return handler

    db = Database(pg_url)
    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(ScriptedServer(f"127.0.0.{h + 1}")) for h in range(4)]
        for h, srv in enumerate(servers):
            srv.routes["/feed.xml"] = feed(h)
        config = load_config(None, env={}, overrides={
            "database_url": pg_url,
            "feeds": [{"name": f"h{h}", "url": s.url("/feed.xml")} for h, s in enumerate(servers)],
            "network": {"concurrency": 4, "per_host": 1, "timeout": 10, "deadline": 10}})  # 4 hosts at a time
        with db.session() as s:
            held = [f.id for f in store.sync_feeds(s, config.feeds)][2:]  # hosts 2 and 3
        holding, done = threading.Event(), threading.Event()

        def other_pass():  # locks two hosts' rows as a pass claiming them does, then lets them go
            with db.session() as s:
                s.execute(select(Feed.id).where(Feed.id.in_(held)).with_for_update())
                holding.set()
                time.sleep(lock_for)
                s.rollback()
                done.set()

        t = threading.Thread(target=other_pass)
        t.start()
        assert holding.wait(10)
        started = time.monotonic()
        outcomes, _feeds, left = stages.poll_feeds(config, db, stages.pass_owner())
        t.join()
    db.dispose()
    assert sorted(o.status for o in outcomes) == [200] * 4 and left == 0
    assert all(servers[h].hits == {"/feed.xml": 1} for h in range(4))
    since = {h: round(asked[h] - started, 2) for h in asked}
    assert since[0] < lock_for and since[1] < lock_for, since  # the free hosts at once: the lock not waited for
    # the held hosts once they were free, long before the first hosts answered (then it asked again before)
    assert lock_for <= since[2] < answer_after - 1 and lock_for <= since[3] < answer_after - 1, since
