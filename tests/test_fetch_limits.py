"""The HTTP edge against a real local server: conditional GET, limits, redirects, SSRF guard."""

import asyncio
import gzip
import tomllib
from pathlib import Path

import httpcore
import httpx
import pytest
from packaging.requirements import Requirement

from borderwatch.config import NetworkConfig
from borderwatch.errors import BlockedURLError, FetchError
from borderwatch.net import Fetcher, _GuardedBackend, _private_ok, guard, parse_retry_after
from tests.servers import ScriptedServer, hang, redirect, respond, static, trickle


def fetch(url, *, net=None, trusted=False, trust=(), **kw):
    async def go():
        async with Fetcher(net or NetworkConfig(timeout=1, deadline=3)) as f:
            f.trust(trust)
            return await f.get(url, trusted=trusted, **kw)
    return asyncio.run(go())


def test_conditional_get_sends_validators_and_304_has_no_body():
    with ScriptedServer() as srv:
        def handler(h):
            if h.headers.get("If-None-Match") == '"v1"':
                return respond(h, 304)
            respond(h, 200, b"<rss/>", "application/rss+xml", {"ETag": '"v1"', "Last-Modified": "Mon, 09 Nov 2026 08:00:00 GMT"})
        srv.routes["/feed"] = handler
        first = fetch(srv.url("/feed"), trusted=True)
        assert first.status == 200 and first.headers["etag"] == '"v1"'
        again = fetch(srv.url("/feed"), trusted=True, etag='"v1"', last_modified=first.headers["last-modified"])
        assert again.not_modified and again.content == b""
        seen = srv.headers_seen["/feed"]
        assert seen["if-none-match"] == '"v1"' and seen["if-modified-since"].startswith("Mon, 09 Nov")
        assert seen["user-agent"].startswith("borderwatch/")
        assert "gzip" in seen["accept-encoding"]


def test_gzip_body_is_decoded():
    with ScriptedServer() as srv:
        srv.routes["/z"] = static(gzip.compress(b"<rss>" + b"x" * 5000 + b"</rss>"), headers={"Content-Encoding": "gzip"})
        assert fetch(srv.url("/z"), trusted=True).content.startswith(b"<rss>xxx")


def test_hanging_server_times_out():
    with ScriptedServer() as srv:
        srv.routes["/hang"] = hang(srv)
        with pytest.raises(FetchError, match="timed out|deadline"):
            fetch(srv.url("/hang"), trusted=True)


def test_trickling_server_hits_the_total_deadline():
    with ScriptedServer() as srv:
        srv.routes["/slow"] = trickle(srv, every=0.3)
        with pytest.raises(FetchError, match="deadline of 2s exceeded"):
            fetch(srv.url("/slow"), trusted=True, net=NetworkConfig(timeout=1, deadline=2))


@pytest.mark.parametrize("declare_length", [True, False])
def test_body_size_cap(declare_length):
    big = b"<rss>" + b"y" * 300_000
    with ScriptedServer() as srv:
        if declare_length:
            srv.routes["/big"] = static(big)
        else:
            def chunked(h):
                h.send_response(200)
                h.send_header("Content-Type", "application/rss+xml")
                h.send_header("Connection", "close")
                h.end_headers()
                for i in range(0, len(big), 8192):
                    h.wfile.write(big[i:i + 8192])
                h.close_connection = True
            srv.routes["/big"] = chunked
        with pytest.raises(FetchError, match="body too large"):
            fetch(srv.url("/big"), trusted=True, net=NetworkConfig(max_bytes=100_000))


def test_redirect_loop_stops_at_the_limit():
    with ScriptedServer() as srv:
        srv.routes["/a"] = redirect("/b")
        srv.routes["/b"] = redirect("/a")
        with pytest.raises(FetchError, match="too many redirects"):
            fetch(srv.url("/a"), trusted=True, net=NetworkConfig(max_redirects=4))
        assert srv.total_hits() == 5


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_reported(status):
    with ScriptedServer() as srv:
        srv.routes["/busy"] = static(b"busy", "text/plain", status, {"Retry-After": "120"})
        with pytest.raises(FetchError) as info:
            fetch(srv.url("/busy"), trusted=True)
        assert info.value.status == status and info.value.retry_after == 120
        assert f"HTTP {status}" in str(info.value)


def test_retry_after_http_date():
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480 - 60) == 60
    assert parse_retry_after("soon") is None


def test_links_to_private_addresses_are_refused_before_any_request():
    with ScriptedServer("127.0.0.2") as private, ScriptedServer() as feed_host:
        private.routes["/secret"] = static(b"internal", "text/html")
        with pytest.raises(BlockedURLError, match="non-public address 127.0.0.2"):
            fetch(private.url("/secret"), trust=[feed_host.url("/feed")])
        assert private.total_hits() == 0


def test_redirect_from_a_trusted_feed_to_a_private_address_is_refused():
    with ScriptedServer("127.0.0.2") as private, ScriptedServer() as feed_host:
        private.routes["/admin"] = static(b"internal", "text/html")
        feed_host.routes["/go"] = redirect(private.url("/admin"))
        with pytest.raises(BlockedURLError):
            fetch(feed_host.url("/go"), trusted=True)
        assert private.total_hits() == 0


def test_same_origin_as_a_configured_feed_and_allow_private_are_allowed():
    with ScriptedServer() as srv:
        srv.routes["/page"] = static(b"<html>ok</html>", "text/html")
        assert fetch(srv.url("/page"), trust=[srv.url("/feed.xml")]).status == 200
        assert fetch(srv.url("/page"), net=NetworkConfig(allow_private=True)).status == 200
        with pytest.raises(BlockedURLError):
            fetch(srv.url("/page"))


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1/"])
def test_only_http_schemes(url):
    with pytest.raises(BlockedURLError, match="scheme"):
        fetch(url, net=NetworkConfig(allow_private=True))


def test_a_busy_host_does_not_hold_up_other_hosts():
    """Requests queued for one host's limit must not occupy the global slots other hosts need."""
    import time

    from tests.servers import slow

    with ScriptedServer("127.0.0.1") as busy, ScriptedServer("127.0.0.2") as other:
        busy.routes["/slow"] = slow(1.0, static(b"<html>slow</html>", "text/html"))
        other.routes["/fast"] = static(b"<html>fast</html>", "text/html")
        net = NetworkConfig(allow_private=True, concurrency=2, per_host=1, timeout=5, deadline=10)

        async def go():
            async with Fetcher(net) as f:
                async def timed(url):
                    started = time.monotonic()
                    await f.get(url)
                    return time.monotonic() - started
                slow_ones = [asyncio.create_task(timed(busy.url("/slow"))) for _ in range(3)]
                await asyncio.sleep(0.1)
                fast = await timed(other.url("/fast"))
                await asyncio.gather(*slow_ones)
                return fast

        assert asyncio.run(go()) < 0.5


def _fetch_round_robin(servers, pages: int, net: NetworkConfig) -> list[int]:
    async def go():
        async with Fetcher(net) as f:
            urls = [s.url(f"/p{i}") for i in range(pages) for s in servers]  # host after host, as a batch runs
            return [r.status for r in await asyncio.gather(*(f.get(u) for u in urls))]
    return asyncio.run(go())


def test_connections_are_kept_alive_per_host_when_more_hosts_than_slots():
    """Six hosts, four request slots: each host's connection is reused, not closed for another host's."""
    from contextlib import ExitStack

    with ExitStack() as stack:
        servers = [stack.enter_context(ScriptedServer(f"127.0.0.{i}")) for i in range(1, 7)]
        for s in servers:
            for i in range(10):
                s.routes[f"/p{i}"] = static(b"<html>page</html>", "text/html")
        statuses = _fetch_round_robin(servers, 10, NetworkConfig(allow_private=True, concurrency=4, per_host=1,
                                                                  timeout=5, deadline=10))
        assert statuses == [200] * 60
        assert [len(s.clients) for s in servers] == [1] * 6  # one connection per host, not one per page


def test_idle_hosts_beyond_the_pool_limit_are_closed(monkeypatch):
    """Twelve hosts through room for two: idle pools are closed while other requests run (one host is slow, so
    its pool stays busy and several are evicted at once); every request still succeeds."""
    from contextlib import ExitStack

    from borderwatch import net as net_module
    from tests.servers import slow

    monkeypatch.setattr(net_module._PerOriginTransport, "MAX_ORIGINS", 2)
    with ExitStack() as stack:
        servers = [stack.enter_context(ScriptedServer(f"127.0.0.{i}")) for i in range(1, 13)]
        for n, s in enumerate(servers):
            for i in range(6):
                page = static(b"<html>page</html>", "text/html")
                s.routes[f"/p{i}"] = slow(0.3, page) if n == 0 else page
        statuses = _fetch_round_robin(servers, 6, NetworkConfig(allow_private=True, concurrency=8, per_host=1,
                                                                 timeout=5, deadline=10))
        assert statuses == [200] * 72
        assert sum(len(s.clients) for s in servers) > 12  # connections of evicted hosts were closed and reopened


def test_interleave_hosts_round_robin():
    from borderwatch.pipeline import interleave_hosts

    items = ["a1", "a2", "a3", "b1", "b2", "c1"]
    assert interleave_hosts(items, key=lambda s: s[0]) == ["a1", "b1", "c1", "a2", "b2", "a3"]


def test_malformed_redirect_is_a_fetch_error():
    with ScriptedServer() as srv:
        srv.routes["/bad"] = redirect("http://[oops/")
        with pytest.raises(FetchError, match="invalid URL"):
            fetch(srv.url("/bad"), trusted=True)


def test_retry_after_minus_zero_date_is_utc():
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 -0000", now=1445412480 - 60) == 60


# --- the private httpx/httpcore hook the connect-time SSRF guard relies on ------------------------------------

def test_the_hook_the_ssrf_guard_patches_exists_in_these_httpx_and_httpcore_versions():
    transport = httpx.AsyncHTTPTransport()
    backend = getattr(getattr(transport, "_pool", None), "_network_backend", None)
    assert isinstance(backend, httpcore.AsyncNetworkBackend), (
        f"httpx {httpx.__version__} / httpcore {httpcore.__version__}: AsyncHTTPTransport._pool._network_backend "
        "is gone, so borderwatch/net.py cannot put its connect-time SSRF guard under the pool; keep httpx and "
        "httpcore within the bounds in pyproject.toml or port guard()")
    assert isinstance(guard(transport)._pool._network_backend, _GuardedBackend)


def test_a_transport_without_the_hook_is_refused_not_used_unguarded():
    class Renamed(httpx.AsyncBaseTransport):  # what a future httpx that renamed its pool would look like
        pass

    with pytest.raises(RuntimeError, match=r"SSRF guard cannot be installed: httpx .* use the httpx/httpcore versions"):
        guard(Renamed())


def test_httpx_and_httpcore_have_upper_bounds_that_hold_the_installed_versions():
    project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"]
    requirements = {Requirement(r).name.lower(): Requirement(r) for r in project["dependencies"]}
    for name, module in (("httpx", httpx), ("httpcore", httpcore)):
        spec = requirements[name].specifier
        assert any(s.operator in ("<", "<=", "~=", "==") for s in spec), f"{name} has no upper bound in pyproject.toml"
        assert spec.contains(module.__version__), f"installed {name} {module.__version__} is outside {spec}"


def test_the_guard_is_under_every_pool_the_fetcher_opens():
    """A request to 127.0.0.1 that skipped the URL check (``_fetch_one`` directly, private addresses not
    allowed) is refused all the same: by the backend under the origin's pool, at connect time."""
    with ScriptedServer() as srv:
        srv.routes["/x"] = static(b"ok")

        async def go():
            async with Fetcher(NetworkConfig(timeout=1, deadline=3)) as f:
                token = _private_ok.set(False)
                try:
                    return await f._fetch_one(srv.url("/x"), {})
                finally:
                    _private_ok.reset(token)

        with pytest.raises(BlockedURLError, match="at connect time"):
            asyncio.run(go())
