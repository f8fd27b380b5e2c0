"""One real `borderwatch run` against every kind of misbehaving feed server at once, beside a healthy feed.

The run must finish within a bound derived from the configured timeouts, process the healthy feed, record a
readable reason for each failure in feed health, keep its memory bounded, and back off on the next run (the
429's Retry-After honoured). Plus the HTTP-edge defences these rest on: bounded decompression (gzip bombs,
nested ones) and the connect-time address check (DNS rebinding)."""

from __future__ import annotations

import asyncio
import functools
import gzip
import json
import re
import zlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from borderwatch.config import NetworkConfig
from borderwatch.errors import BlockedURLError, FetchError
from borderwatch.models.db import Database
from borderwatch.models.schema import Article, Feed
from borderwatch.net import Fetcher
from tests import bwproc
from tests.bwproc import run, write_config
from tests.servers import ScriptedServer, hang, redirect, static, trickle
from tests.test_monitor_flow import CAPTURE, PAGE

prefect_api_env = bwproc.prefect_api_env  # fixture

TIMEOUT, DEADLINE, EXTRACT_TIMEOUT = 2.0, 4.0, 5.0
MAX_BYTES = 4_000_000
BACKOFF = 60.0
RETRY_AFTER = 600
STARTUP = 25.0  # interpreter, imports, Prefect client, migrations: what a run costs before any feed


@functools.cache
def gzip_bomb() -> bytes:
    """512 MB of zeros in ~0.5 MB of gzip."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1 << 20)
    return b"".join([*(comp.compress(block) for _ in range(512)), comp.flush()])


@functools.cache
def nested_gzip_bomb() -> bytes:
    """The same bomb gzipped again (``Content-Encoding: gzip, gzip``): ~1 KB on the wire."""
    return gzip.compress(gzip_bomb(), 9)


def rss_items(items: list[tuple[str, str, str]], decl: str = '<?xml version="1.0" encoding="utf-8"?>') -> str:
    body = "".join(f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid>"
                   f"<pubDate>Fri, 20 Nov 2026 09:00:00 GMT</pubDate><description>{d}</description></item>"
                   for link, t, d in items)
    return f'{decl}<rss version="2.0"><channel><title>Feed</title>{body}</channel></rss>'


def stream_forever(server: ScriptedServer, declare: bool) -> callable:
    """A 50 MB body, sent in 64 KB pieces (with or without a Content-Length)."""
    total, piece = 50 * 1024 * 1024, b"<rss>" + b"x" * (64 * 1024 - 5)

    def handler(h):
        h.send_response(200)
        h.send_header("Content-Type", "application/rss+xml")
        if declare:
            h.send_header("Content-Length", str(total))
        else:
            h.send_header("Connection", "close")
            h.close_connection = True
        h.end_headers()
        for _ in range(total // len(piece)):
            if server.stopping.is_set():
                return
            h.wfile.write(piece)
    return handler


BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + b"".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
                             .encode() for i in range(1, 10))
                  + b']><rss version="2.0"><channel><item><title>&lol9;</title><link>http://127.0.0.1:9/x</link>'
                  b"</item></channel></rss>")
XXE = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
       b'<rss version="2.0"><channel><item><title>&xxe;</title><link>http://127.0.0.1:9/x</link></item>'
       b"</channel></rss>")

# feed name -> regex its recorded last_error must match (a readable reason)
EXPECTED_ERRORS = {
    "never-answers": r"timed out \(ReadTimeout\)|deadline of 4s exceeded",
    "trickles": r"deadline of 4s exceeded",
    "http-500": r"HTTP 500 Internal Server Error",
    "http-502": r"HTTP 502 Bad Gateway",
    "http-503": r"HTTP 503 Service Unavailable",
    "http-429": rf"HTTP 429 Too Many Requests, retry after {RETRY_AFTER}s",
    "redirect-loop": r"too many redirects \(more than 5\)",
    "redirect-private": r"refused 127\.0\.0\.2: resolves to non-public address 127\.0\.0\.2",
    "50mb-declared": rf"body too large: Content-Length 52428800 exceeds {MAX_BYTES} bytes",
    "50mb-streamed": rf"body too large: more than {MAX_BYTES} bytes",
    "gzip-bomb": rf"body too large: more than {MAX_BYTES} bytes after decompression",
    "gzip-bomb-nested": rf"body too large: more than {MAX_BYTES} bytes after decompression",
    "malformed-xml": r"unusable feed: .*(SAXParseException|mismatched tag|not well-formed)",
    "billion-laughs": r"unusable feed: feed declares XML entities",
    "external-entity": r"unusable feed: feed declares XML entities",
    "html-as-feed": r"unusable feed: not a feed",
    "empty-200": r"unusable feed: empty response body",
}


@pytest.fixture
def hostile(world):
    """The servers: ``bad`` (every hostile feed), ``world`` (the healthy feed and its pages) and ``private``
    on 127.0.0.2 (stands in for an internal address: must never receive a request)."""
    with ScriptedServer() as bad, ScriptedServer("127.0.0.2") as private:
        private.routes["/admin"] = static(b"<html>internal</html>", "text/html")
        private.routes["/feed.xml"] = static(rss_items([]).encode())
        r = bad.routes
        r["/never-answers"] = hang(bad, 60)
        r["/trickles"] = trickle(bad, total=10_000, every=1.0)
        r["/http-500"] = static(b"oops", "text/plain", 500)
        r["/http-502"] = static(b"bad gateway", "text/html", 502)
        r["/http-503"] = static(b"down", "text/plain", 503)
        r["/http-429"] = static(b"slow down", "text/plain", 429, {"Retry-After": str(RETRY_AFTER)})
        r["/redirect-loop"] = redirect("/redirect-loop-b")
        r["/redirect-loop-b"] = redirect("/redirect-loop")
        r["/redirect-private"] = redirect(private.url("/feed.xml"))
        r["/50mb-declared"] = stream_forever(bad, declare=True)
        r["/50mb-streamed"] = stream_forever(bad, declare=False)
        r["/gzip-bomb"] = static(gzip_bomb(), headers={"Content-Encoding": "gzip"})
        r["/gzip-bomb-nested"] = static(nested_gzip_bomb(), headers={"Content-Encoding": "gzip, gzip"})
        r["/malformed-xml"] = static(b'<?xml version="1.0"?><rss version="2.0"><channel><item><title>x</chan')
        r["/billion-laughs"] = static(BILLION_LAUGHS)
        r["/external-entity"] = static(XXE)
        r["/html-as-feed"] = static(b"<!doctype html><html><body><h1>Welcome</h1><p>No feed here.</p></body></html>",
                                    "text/html")
        r["/empty-200"] = static(b"", "application/rss+xml")
        # usable despite their charset: used, and the problem kept
        cyrillic = "Пограничники усилили охрану"
        r["/wrong-charset"] = static(rss_items([(bad.url("/x/1"), cyrillic, "")], decl="").encode("cp1251"),
                                     "application/rss+xml; charset=utf-8")
        r["/missing-charset"] = static(rss_items([(bad.url("/x/2"), cyrillic, "")], decl="").encode(),
                                       "text/xml")
        r["/x/1"] = r["/x/2"] = static(b"", "image/gif")

        base = world.base_url
        world.set("/a/capture.html", "text/html; charset=utf-8",
                  PAGE.format(title="Taliban capture district in Jowzjan", body=CAPTURE).encode())
        world.set("/a/photo.html", "image/png", b"\x89PNG\r\n\x1a\n" + bytes(2000))
        world.set("/a/report.html", "application/pdf", b"%PDF-1.4\n" + bytes(2000))
        world.set("/feed.xml", "application/rss+xml", rss_items([
            (base + "/a/capture.html", "Taliban capture district in Jowzjan", "Fighters took Khamyab."),
            (base + "/a/photo.html", "Photo of the day", "A photo from Termez."),
            (base + "/a/report.html", "Quarterly report", "A PDF report on border trade."),
            ("file:///etc/passwd", "Local file", "A link to a local file."),
            ("ftp://127.0.0.1/pub/story.html", "FTP story", "A link over FTP."),
            (private.url("/admin"), "Internal page", "A link to an internal address."),
        ]).encode())
        yield bad, world, private


def health(url: str) -> dict[str, Feed]:
    db = Database(url)
    with db.session() as s:
        out = {f.name: f for f in s.scalars(select(Feed))}
    db.dispose()
    return out


def test_one_run_with_every_hostile_feed(hostile, prefect_api_env, tmp_path):
    bad, world, private = hostile
    db_url = f"sqlite:///{tmp_path / 'bw.db'}"
    hostile_names = [*EXPECTED_ERRORS, "wrong-charset", "missing-charset"]
    config = write_config(tmp_path / "config.yaml", {
        "database_url": db_url,
        "feeds": [{"name": "desk", "url": world.base_url + "/feed.xml"},
                  *({"name": n, "url": bad.url("/" + n)} for n in hostile_names)],
        # every test server is 127.0.0.1: let them count as different hosts, as they would be in real life
        "network": {"timeout": TIMEOUT, "deadline": DEADLINE, "max_bytes": MAX_BYTES, "per_host": 64,
                    "concurrency": 64},
        "pipeline": {"feed_backoff_base": BACKOFF, "extract_timeout": EXTRACT_TIMEOUT, "extract_workers": 2},
        "polling": {"min_interval": 0, "max_interval": 0},  # a healthy feed is due on every pass; failing ones back off
    })

    first = run(["run", "--config", str(config)], prefect_api_env, tmp_path, "first")
    assert first.returncode == 0, first.stderr[-3000:]
    summary = json.loads(first.stdout.strip().splitlines()[-1])

    # bounded in time: one feed deadline, one page deadline, one extraction bound, plus start-up
    flow_bound = 2 * DEADLINE + EXTRACT_TIMEOUT + 5
    assert summary["seconds"] <= flow_bound, summary
    assert first.seconds <= STARTUP + flow_bound
    # bounded in memory: a 50 MB body, two gzip bombs (512 MB and a nested one) cost at most the cap each
    assert first.peak_rss_mb < 400, f"peak RSS {first.peak_rss_mb:.0f} MB"
    print(f"\nhostile run: {first.seconds:.1f}s wall, flow {summary['seconds']}s, "
          f"peak RSS {first.peak_rss_mb:.0f} MB")

    assert summary["feeds"] == len(hostile_names) + 1
    assert summary["feeds_failed"] == len(EXPECTED_ERRORS)
    assert summary["feeds_fetched"] == 3  # desk and the two feeds with a charset problem
    assert summary["articles_stored"] == 8 and summary["articles_flagged"] >= 1 and summary["events_new"] >= 1

    feeds = health(db_url)
    now = datetime.now(UTC)
    for name, reason in EXPECTED_ERRORS.items():
        feed = feeds[name]
        assert re.search(reason, feed.last_error or ""), f"{name}: {feed.last_error!r}"
        assert "\n" not in feed.last_error and len(feed.last_error) < 600
        assert feed.consecutive_failures == 1 and feed.last_success_at is None
        wait = RETRY_AFTER if name == "http-429" else BACKOFF
        assert feed.next_attempt_at - feed.last_error_at == timedelta(seconds=wait), name
    for name in ("wrong-charset", "missing-charset"):
        assert feeds[name].last_success_at and feeds[name].consecutive_failures == 0
        assert "CharacterEncodingOverride" in (feeds[name].parse_problem or ""), name
    assert feeds["desk"].last_success_at and feeds["desk"].items_seen == 6
    assert private.total_hits() == 0  # neither the redirect nor the feed's link reached 127.0.0.2

    db = Database(db_url)
    with db.session() as s:
        articles = {a.title: a for a in s.scalars(select(Article))}
    db.dispose()
    capture = articles["Taliban capture district in Jowzjan"]
    assert capture.fetch_status == "ok" and capture.relevant and "Khamyab" in capture.text
    assert articles["Photo of the day"].fetch_status == "unsupported"
    assert articles["Photo of the day"].fetch_error == "not an HTML page: image/png"
    assert articles["Quarterly report"].fetch_error == "not an HTML page: application/pdf"
    assert articles["Quarterly report"].text == "A PDF report on border trade."  # the feed's summary kept
    assert articles["Local file"].fetch_status == "blocked" and "scheme 'file'" in articles["Local file"].fetch_error
    assert articles["FTP story"].fetch_status == "blocked" and "scheme 'ftp'" in articles["FTP story"].fetch_error
    assert articles["Internal page"].fetch_status == "blocked"
    assert "non-public address 127.0.0.2" in articles["Internal page"].fetch_error
    assert articles["Пограничники усилили охрану"].fetch_status == "unsupported"  # missing charset: read right

    # the next run backs off: no failing feed is asked again, the healthy one is (and answers 304)
    hits_before = dict(bad.hits)
    second = run(["run", "--config", str(config)], prefect_api_env, tmp_path, "second")
    assert second.returncode == 0, second.stderr[-3000:]
    again = json.loads(second.stdout.strip().splitlines()[-1])
    assert again["feeds_skipped"] == len(EXPECTED_ERRORS)
    assert again["feeds_not_modified"] == 1 and again["entries_new"] == 0
    assert {p: n for p, n in bad.hits.items() if p.strip("/") in EXPECTED_ERRORS} == \
        {p: n for p, n in hits_before.items() if p.strip("/") in EXPECTED_ERRORS}
    after = health(db_url)
    assert after["http-429"].next_attempt_at > now + timedelta(seconds=RETRY_AFTER - 60)
    assert all(after[n].consecutive_failures == 1 for n in EXPECTED_ERRORS)


# --- the HTTP edge under the run --------------------------------------------------------------------------------

def fetch(url: str, net: NetworkConfig, **kw):
    async def go():
        async with Fetcher(net) as f:
            return await f.get(url, **kw)
    return asyncio.run(go())


@pytest.mark.parametrize("route, encoding", [("/bomb", "gzip"), ("/nested", "gzip, gzip")])
def test_gzip_bomb_is_stopped_at_the_cap_while_inflating(route, encoding):
    import resource

    with ScriptedServer() as srv:
        srv.routes["/bomb"] = static(gzip_bomb(), headers={"Content-Encoding": "gzip"})
        srv.routes["/nested"] = static(nested_gzip_bomb(), headers={"Content-Encoding": "gzip, gzip"})
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        with pytest.raises(FetchError, match="after decompression"):
            fetch(srv.url(route), NetworkConfig(max_bytes=1_000_000), trusted=True)
        grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 40, f"peak RSS grew {grown_mb:.0f} MB for a 1 MB cap"


@pytest.mark.parametrize("encoding, body", [
    ("gzip", gzip.compress(b"<rss>" + b"a" * 50_000 + b"</rss>")),
    ("deflate", zlib.compress(b"<rss>" + b"a" * 50_000 + b"</rss>")),  # zlib-wrapped, as the RFC says
    ("deflate", zlib.compress(b"<rss>" + b"a" * 50_000 + b"</rss>", wbits=-15)),  # raw, as servers send it
    ("gzip, gzip", gzip.compress(gzip.compress(b"<rss>" + b"a" * 50_000 + b"</rss>"))),
    ("identity", b"<rss>" + b"a" * 50_000 + b"</rss>"),
])
def test_honest_compressed_bodies_decode(encoding, body):
    with ScriptedServer() as srv:
        srv.routes["/f"] = static(body, headers={"Content-Encoding": encoding})
        resp = fetch(srv.url("/f"), NetworkConfig(), trusted=True)
    assert resp.content == b"<rss>" + b"a" * 50_000 + b"</rss>"


def test_corrupt_or_unknown_encodings_are_readable_errors():
    with ScriptedServer() as srv:
        srv.routes["/corrupt"] = static(b"\x1f\x8b\x08\x00garbage-not-gzip" * 10, headers={"Content-Encoding": "gzip"})
        srv.routes["/br"] = static(b"\x0b\x02\x80hello\x03", headers={"Content-Encoding": "br"})
        with pytest.raises(FetchError, match="corrupt gzip body"):
            fetch(srv.url("/corrupt"), NetworkConfig(), trusted=True)
        with pytest.raises(FetchError, match="unsupported Content-Encoding 'br'"):
            fetch(srv.url("/br"), NetworkConfig(), trusted=True)


def test_dns_rebinding_is_refused_at_connect_time(monkeypatch):
    """The name passes the check (as if DNS answered a public address), then resolves to loopback when the
    connection is made: the connect-time guard refuses it and the server receives nothing."""
    with ScriptedServer() as internal:  # on 127.0.0.1: what "localhost" really resolves to
        internal.routes["/admin"] = static(b"<html>internal</html>", "text/html")

        async def passes(self, url, *, trusted):  # the first DNS answer was public
            return False

        monkeypatch.setattr(Fetcher, "check_url", passes)
        port = internal.httpd.server_address[1]
        with pytest.raises(BlockedURLError, match="non-public address .* at connect time"):
            fetch(f"http://localhost:{port}/admin", NetworkConfig())
        assert internal.total_hits() == 0
        # the same request when private addresses are allowed goes through (the guard is not in the way)
        monkeypatch.undo()
        assert fetch(f"http://localhost:{port}/admin", NetworkConfig(allow_private=True)).status == 200
        assert internal.total_hits() == 1


def test_a_page_that_crashes_analysis_is_kept_and_does_not_fail_the_batch(monkeypatch):
    """A poison page (the detector raises on it) must not fail its batch on every run forever: it is stored
    with the feed's text and the reason, and the other pages of the batch are analysed as usual."""
    import borderwatch.detect
    from borderwatch.pipeline import fetch_and_analyse
    from borderwatch.records import FeedEntry, PageTask
    from tests.conftest import make_config

    real = borderwatch.detect.detect

    def detect(text, *, title=None, **kw):
        if title == "Poison":
            raise ValueError("detector bug")
        return real(text, title=title, **kw)

    monkeypatch.setattr(borderwatch.detect, "detect", detect)
    with ScriptedServer() as srv:
        srv.routes["/a"] = srv.routes["/b"] = static(PAGE.format(title="Report", body=CAPTURE).encode(), "text/html")
        tasks = [PageTask(1, FeedEntry(p, srv.url(p), srv.url(p), title, summary="Feed text."))
                 for p, title in (("/a", "Poison"), ("/b", "Taliban capture district in Jowzjan"))]
        config = make_config("sqlite://")
        records = asyncio.run(fetch_and_analyse(config, tasks, None, [srv.url("/feed.xml")]))
    poison, good = records
    assert poison.fetch_status == "analysis_failed"
    assert poison.fetch_error == "analysis failed: ValueError: detector bug"
    assert poison.result.text == "Feed text." and not poison.result.detection.relevant
    assert good.fetch_status == "ok" and good.result.detection.relevant
