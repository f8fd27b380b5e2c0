"""HTTP edge: bounded, polite fetching with httpx, and the SSRF guard.

Every request has connect/read timeouts, a total deadline, a body-size cap (after decompression), a redirect
limit checked hop by hop, gzip, and a User-Agent naming the project. Links found inside feeds are checked
against private, loopback, link-local, multicast and reserved addresses (after DNS, at every redirect) unless
``network.allow_private`` is set or they are on the same origin as a feed the user configured.

Two defences are below httpx's own behaviour:

* Compressed bodies are decoded here, from the raw stream, with ``zlib``'s ``max_length``: no layer of
  ``Content-Encoding`` ever produces more than the size cap, so a gzip bomb (or ``gzip, gzip``: a bomb in a
  bomb, a few KB on the wire, gigabytes decoded) costs at most the cap in memory.
* The address check is repeated at connect time, on the addresses actually connected to (a network backend
  under httpx's connection pool), so a host name that resolves to a public address for the check and to a
  private one a moment later (DNS rebinding) is still refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import email.utils
import ipaddress
import socket
import ssl
import time
import zlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from borderwatch.config import NetworkConfig
from borderwatch.errors import BlockedURLError, FetchError

REDIRECT_CODES = {301, 302, 303, 307, 308}
# Whether the request being made may connect to non-public addresses (a configured feed, allow_private).
_private_ok: contextvars.ContextVar[bool] = contextvars.ContextVar("borderwatch_private_ok", default=False)


@dataclass(slots=True)
class Response:
    url: str  # final URL after redirects
    status: int
    headers: dict[str, str]  # lowercased names
    content: bytes = b""
    elapsed: float = 0.0

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date); None when absent or invalid."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:  # "-0000" dates parse as naive: they are UTC
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


def origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    return (parts.scheme.lower(), (parts.hostname or "").lower(), port)


def _address_blocked(addr: str) -> bool:
    ip = ipaddress.ip_address(addr.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified or not ip.is_global)


async def _resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (the one resolver of this module: checks and connects use it)."""
    try:
        ipaddress.ip_address(host)
        return [host]
    except ValueError:
        pass
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError(f"cannot resolve host {host}: {exc.strerror}") from None
    return list(dict.fromkeys(info[4][0] for info in infos))


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore network backend that resolves the host itself and refuses to connect to a non-public address
    unless the current request may (``_private_ok``). Closes the window between the URL check and the connect
    (DNS rebinding). TLS still verifies the certificate against the host name (httpcore passes the origin's
    host as ``server_hostname``)."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend):
        self._inner = inner

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        if _private_ok.get():
            return await self._inner.connect_tcp(host, port, timeout=timeout, local_address=local_address,
                                                 socket_options=socket_options)
        addresses = await _resolve(host, port)
        for addr in addresses:
            if _address_blocked(addr):
                raise BlockedURLError(f"refused {host}: resolves to non-public address {addr} at connect time "
                                      "(set network.allow_private to allow)")
        error: Exception | None = None
        for addr in addresses:  # connect to the very addresses just checked
            try:
                return await self._inner.connect_tcp(addr, port, timeout=timeout, local_address=local_address,
                                                     socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        raise error or httpcore.ConnectError(f"no address for {host}")

    async def connect_unix_socket(self, path, timeout=None, socket_options=None):  # pragma: no cover
        raise BlockedURLError("unix sockets are not fetched")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def decode_body(raw: bytes, content_encoding: str | None, cap: int) -> bytes:
    """Undo ``Content-Encoding`` on a whole body fetched with ``decode=False``; FetchError past ``cap`` bytes."""
    if not content_encoding:
        return raw
    return _BodyDecoder(content_encoding, cap).decode(raw, final=True)


class _BodyDecoder:
    """Undo ``Content-Encoding`` (identity, gzip, deflate, stacked in any order) chunk by chunk, never letting
    a layer produce more than the cap: ``zlib``'s ``max_length`` stops inflating at the cap, not after it."""

    SLACK = 64 * 1024  # inner layers carry compressed data: a little framing overhead above the cap is fine

    def __init__(self, content_encoding: str, cap: int):
        self.cap = cap
        self._layers: list[_Layer] = []  # in decoding order: the last coding applied is undone first
        for coding in reversed([c.strip().lower() for c in content_encoding.split(",") if c.strip()]):
            if coding in ("gzip", "x-gzip", "deflate"):
                self._layers.append(_Layer(coding))
            elif coding != "identity":
                raise FetchError(f"unsupported Content-Encoding {coding!r} (only gzip and deflate are accepted)")

    def decode(self, data: bytes, *, final: bool = False) -> bytes:
        """Decoded bytes for one raw chunk (``final``: the stream ended). Raises FetchError past the cap."""
        for i, layer in enumerate(self._layers):
            budget = self.cap - layer.produced + (self.SLACK if i < len(self._layers) - 1 else 0)
            if not layer.decode_into(data, budget, final):
                raise FetchError(f"body too large: more than {self.cap} bytes after decompression")
            data = layer.output
        return data


class _Layer:
    def __init__(self, coding: str):
        self.coding = coding
        self.produced = 0
        self.output = b""
        self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS if coding != "deflate" else zlib.MAX_WBITS)

    def decode_into(self, data: bytes, budget: int, final: bool) -> bool:
        """Decode ``data`` into ``self.output``, at most ``budget`` bytes; False when it would be more."""
        try:
            out = self._obj.decompress(data, budget + 1) if data else b""
            if len(out) > budget or self._obj.unconsumed_tail:
                return False
            if final:
                out += self._obj.flush(budget + 1 - len(out))
        except zlib.error as exc:
            if self.coding == "deflate" and self.produced == 0:
                # "deflate" is often sent raw, without the zlib header the RFC asks for: read it as raw deflate
                self.coding, self._obj = "deflate (raw)", zlib.decompressobj(-zlib.MAX_WBITS)
                return self.decode_into(data, budget, final)
            raise FetchError(f"corrupt {self.coding} body: {exc}") from None
        if len(out) > budget:
            return False
        self.produced += len(out)
        self.output = out
        return True


def guard(transport: httpx.AsyncHTTPTransport) -> httpx.AsyncHTTPTransport:
    """Put the connect-time address check under ``transport``'s connection pool.

    httpx exposes no setter for the network backend, so this wraps the pool's own: ``transport._pool`` (httpx)
    and its ``_network_backend`` (httpcore) are private, which is why pyproject.toml bounds both versions.
    Fails loudly rather than fetch without the guard when a new version renames them."""
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if not isinstance(backend, httpcore.AsyncNetworkBackend):
        raise RuntimeError(
            f"the SSRF guard cannot be installed: httpx {httpx.__version__} / httpcore {httpcore.__version__} have "
            "no AsyncHTTPTransport._pool._network_backend (the private hook borderwatch/net.py wraps); use the "
            "httpx/httpcore versions pyproject.toml allows")
    pool._network_backend = _GuardedBackend(backend)
    return transport


class _PerOriginTransport(httpx.AsyncBaseTransport):
    """One small connection pool per origin (scheme, host, port), all behind the SSRF-guarded backend.

    A single shared pool of ``concurrency`` connections thrashes once more hosts are busy than it holds
    (every request to another host closes an idle connection and opens a new one), and httpcore checks every
    pooled connection on every request. Per origin, keep-alive connections survive the round-robin over
    hosts and each check looks at that host's few connections. Origins beyond ``MAX_ORIGINS`` are closed,
    least recently used first, when idle; one TLS context is shared by all https origins."""

    MAX_ORIGINS = 64

    def __init__(self, config: NetworkConfig):
        self._limits = httpx.Limits(max_connections=config.concurrency, max_keepalive_connections=config.per_host)
        self._tls: ssl.SSLContext | None = None  # made for the first https origin: loading the CAs costs ~30 ms
        self._no_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # http origins: never used, verifies if it were
        self._pools: dict[tuple[bytes, bytes, int | None], httpx.AsyncHTTPTransport] = {}  # LRU order
        self._busy: dict[tuple[bytes, bytes, int | None], int] = defaultdict(int)
        self._retired: list[httpx.AsyncHTTPTransport] = []  # evicted, being closed

    def _checkout(self, key: tuple[bytes, bytes, int | None]) -> tuple[httpx.AsyncHTTPTransport,
                                                                      list[httpx.AsyncHTTPTransport]]:
        """The origin's pool, marked busy, and the idle pools evicted to make room. No ``await`` here: other
        requests run only once this origin is busy and the evicted pools are out of the map."""
        transport = self._pools.pop(key, None)
        if transport is None:
            if key[0] == b"https" and self._tls is None:
                self._tls = httpx.create_ssl_context(trust_env=False)
            verify = self._tls if key[0] == b"https" else self._no_tls
            transport = guard(httpx.AsyncHTTPTransport(verify=verify, limits=self._limits, trust_env=False))
        self._pools[key] = transport  # most recently used last
        self._busy[key] += 1
        surplus = len(self._pools) - self.MAX_ORIGINS
        idle = [k for k in self._pools if k not in self._busy][:max(0, surplus)]
        evicted = [self._pools.pop(k) for k in idle]
        self._retired += evicted
        return transport, evicted

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        key = (request.url.raw_scheme, request.url.raw_host, request.url.port)
        transport, evicted = self._checkout(key)
        try:
            for old in evicted:  # if this request is cancelled meanwhile, aclose() closes the rest
                await old.aclose()
                self._retired.remove(old)
            response = await transport.handle_async_request(request)
        except BaseException:
            self._release(key)
            raise
        return httpx.Response(response.status_code, headers=response.headers,
                              stream=_ReleasingStream(response.stream, lambda: self._release(key)),
                              extensions=response.extensions)

    def _release(self, key: tuple[bytes, bytes, int | None]) -> None:
        self._busy[key] -= 1
        if not self._busy[key]:
            del self._busy[key]

    async def aclose(self) -> None:
        pools, self._pools, self._retired = [*self._pools.values(), *self._retired], {}, []
        for transport in pools:
            await transport.aclose()


class _ReleasingStream(httpx.AsyncByteStream):
    """A response body that tells its origin's pool when it is closed (the origin is no longer busy)."""

    def __init__(self, inner: httpx.AsyncByteStream, on_close):
        self._inner, self._on_close = inner, on_close

    async def __aiter__(self):
        async for chunk in self._inner:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            on_close, self._on_close = self._on_close, None
            if on_close is not None:
                on_close()


def _conditional_headers(etag: str | None, last_modified: str | None, accept: str | None) -> dict[str, str]:
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    if accept:
        headers["Accept"] = accept
    return headers


@contextlib.contextmanager
def _fetch_errors(deadline: float):
    """Every failure of a fetch as one FetchError naming it (httpx's errors, the deadline, a malformed URL)."""
    try:
        yield
    except TimeoutError:
        raise FetchError(f"deadline of {deadline:g}s exceeded") from None
    except httpx.TimeoutException as exc:
        raise FetchError(f"timed out ({type(exc).__name__})") from None
    except httpx.HTTPError as exc:
        raise FetchError(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__) from None
    except (httpx.InvalidURL, ValueError) as exc:  # a malformed URL or Location header ("http://[oops/")
        raise FetchError(f"invalid URL: {exc}") from None


@dataclass
class Fetcher:
    """One shared async HTTP client with global and per-host concurrency limits."""

    config: NetworkConfig
    trusted_origins: set[tuple[str, str, int | None]] = field(default_factory=set)
    _client: httpx.AsyncClient | None = None
    _global: asyncio.Semaphore | None = None
    _hosts: dict[str, asyncio.Semaphore] = field(default_factory=dict)

    def trust(self, urls: Iterable[str]) -> None:
        """Origins of feeds the user configured: their own links are trusted even on private addresses."""
        self.trusted_origins.update(origin(u) for u in urls)

    async def __aenter__(self) -> Fetcher:
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(self.config.timeout), transport=_PerOriginTransport(self.config),
            follow_redirects=False, trust_env=False,
            headers={"User-Agent": self.config.user_agent, "Accept-Encoding": "gzip, deflate"},
        )
        self._global = asyncio.Semaphore(self.config.concurrency)
        self._hosts = defaultdict(lambda: asyncio.Semaphore(self.config.per_host))
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def check_url(self, url: str, *, trusted: bool) -> bool:
        """Raise BlockedURLError unless ``url`` is http(s) and (trusted or) resolves only to public addresses.

        Returns whether the request may reach non-public addresses (the connect-time guard asks again)."""
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https"):
            raise BlockedURLError(f"refused URL scheme {parts.scheme or '(none)'!r}: only http and https are fetched")
        if not parts.hostname:
            raise BlockedURLError("refused URL without a host")
        if trusted or self.config.allow_private or origin(url) in self.trusted_origins:
            return True
        host = parts.hostname
        for addr in await _resolve(host, parts.port or 80):
            if _address_blocked(addr):
                raise BlockedURLError(
                    f"refused {host}: resolves to non-public address {addr} (set network.allow_private to allow)")
        return False

    async def get(self, url: str, *, trusted: bool = False, etag: str | None = None,
                  last_modified: str | None = None, accept: str | None = None, decode: bool = True) -> Response:
        """GET with conditional headers, checked redirects, a size cap and a total deadline.

        ``decode=False`` leaves the body as sent (``Content-Encoding`` still applied, size-capped as sent), for
        a consumer that decodes it elsewhere with ``decode_body`` (the extraction workers: CPU off this process).

        Returns the Response for 2xx and 304; raises FetchError (with status / retry_after) otherwise.

        One job per method, in the order a request meets them (as httpx's ``Client.send`` chain): ``get``
        (headers, errors mapped in one place by ``_fetch_errors``) -> ``_slots`` (per-host and global
        concurrency) -> ``_within_deadline`` -> ``_follow_redirects`` (hop limit) -> ``_send_checked`` (SSRF
        checks) -> ``_fetch_one`` (one request, size-capped body) -> ``_check_status``.
        """
        assert self._client is not None, "use 'async with Fetcher(...)'"
        started = time.monotonic()
        headers = _conditional_headers(etag, last_modified, accept)
        with _fetch_errors(self.config.deadline):
            async with self._slots(urlsplit(url).hostname or ""):
                response = await self._within_deadline(url, headers, trusted, decode)
                response.elapsed = time.monotonic() - started
            return self._check_status(response)

    @contextlib.asynccontextmanager
    async def _slots(self, host: str):
        """The host's slot first: a request waiting for a busy host must not hold a global slot."""
        async with self._hosts[host], self._global:
            yield

    async def _within_deadline(self, url: str, headers: dict[str, str], trusted: bool, decode: bool) -> Response:
        """The whole exchange, redirects included, within ``network.deadline`` (TimeoutError past it)."""
        async with asyncio.timeout(self.config.deadline):
            return await self._follow_redirects(url, headers, trusted, decode)

    async def _follow_redirects(self, url: str, headers: dict[str, str], trusted: bool, decode: bool) -> Response:
        """Follow up to ``network.max_redirects`` redirects, each hop checked again."""
        start_origin = origin(url)
        current = url
        for _hop in range(self.config.max_redirects + 1):
            # the configured URL is trusted; a redirect elsewhere is a new, untrusted link
            response = await self._send_checked(current, headers, trusted and origin(current) == start_origin,
                                                decode)
            if response.status not in REDIRECT_CODES or "location" not in response.headers:
                return response
            current = urljoin(current, response.headers["location"])
        raise FetchError(f"too many redirects (more than {self.config.max_redirects})")

    async def _send_checked(self, url: str, headers: dict[str, str], trusted: bool, decode: bool) -> Response:
        """One request after the URL check; the connect-time guard learns whether it may reach private
        addresses."""
        token = _private_ok.set(await self.check_url(url, trusted=trusted))
        try:
            return await self._fetch_one(url, headers, decode)
        finally:
            _private_ok.reset(token)

    async def _fetch_one(self, url: str, headers: dict[str, str], decode: bool = True) -> Response:
        """One request: the status and headers; the body only for a 2xx answer, capped (``_read_body``)."""
        assert self._client is not None
        async with self._client.stream("GET", url, headers=headers) as resp:
            resp_headers = {k.lower(): v for k, v in resp.headers.items()}
            if resp.status_code == 304:  # no body by definition: reading its end keeps the connection alive
                await resp.aread()
                return Response(str(resp.url), resp.status_code, resp_headers)
            if resp.status_code in REDIRECT_CODES or resp.status_code >= 400:
                return Response(str(resp.url), resp.status_code, resp_headers)
            content = await self._read_body(resp, resp_headers, decode)
            return Response(str(resp.url), resp.status_code, resp_headers, content)

    async def _read_body(self, resp: httpx.Response, headers: dict[str, str], decode: bool) -> bytes:
        """The body, never more than ``network.max_bytes`` as sent or decoded (FetchError past it)."""
        cap = self.config.max_bytes
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise FetchError(f"body too large: Content-Length {int(declared)} exceeds {cap} bytes",
                             status=resp.status_code)
        # decoded here, not by httpx: its decoders inflate a whole chunk at once, whatever it grows to
        decoder = _BodyDecoder(headers.get("content-encoding", "") if decode else "", cap)
        chunks: list[bytes] = []
        raw_size = size = 0
        try:
            async for raw in resp.aiter_raw():
                raw_size += len(raw)
                if raw_size > cap:
                    raise FetchError(f"body too large: more than {cap} bytes")
                chunk = decoder.decode(raw)
                size += len(chunk)
                if size > cap:
                    raise FetchError(f"body too large: more than {cap} bytes")
                chunks.append(chunk)
            chunks.append(decoder.decode(b"", final=True))
            if size + len(chunks[-1]) > cap:
                raise FetchError(f"body too large: more than {cap} bytes")
        except FetchError as exc:
            exc.status = resp.status_code
            raise
        return b"".join(chunks)

    @staticmethod
    def _check_status(response: Response) -> Response:
        status = response.status
        if 200 <= status < 300 or status == 304:
            return response
        retry_after = parse_retry_after(response.headers.get("retry-after")) if status in (429, 503) else None
        reason = httpx.codes.get_reason_phrase(status) or "error"
        hint = f", retry after {retry_after:g}s" if retry_after is not None else ""
        raise FetchError(f"HTTP {status} {reason}{hint}", status=status, retry_after=retry_after)
