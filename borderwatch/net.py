"""HTTP edge: bounded, polite fetching with httpx, and the SSRF guard.

Every request has connect/read timeouts, a total deadline, a body-size cap (after decompression), a redirect
limit checked hop by hop, gzip, and a User-Agent naming the project. Links found inside feeds are checked
against private, loopback, link-local, multicast and reserved addresses (after DNS, at every redirect) unless
``network.allow_private`` is set or they are on the same origin as a feed the user configured.
"""

from __future__ import annotations

import asyncio
import email.utils
import ipaddress
import socket
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

from borderwatch.config import NetworkConfig
from borderwatch.errors import BlockedURLError, FetchError

REDIRECT_CODES = {301, 302, 303, 307, 308}


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
        timeout = httpx.Timeout(self.config.timeout)
        limits = httpx.Limits(max_connections=self.config.concurrency, max_keepalive_connections=self.config.concurrency)
        self._client = httpx.AsyncClient(
            timeout=timeout, limits=limits, follow_redirects=False, trust_env=False,
            headers={"User-Agent": self.config.user_agent, "Accept-Encoding": "gzip, deflate"},
        )
        self._global = asyncio.Semaphore(self.config.concurrency)
        self._hosts = defaultdict(lambda: asyncio.Semaphore(self.config.per_host))
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def check_url(self, url: str, *, trusted: bool) -> None:
        """Raise BlockedURLError unless ``url`` is http(s) and (trusted or) resolves only to public addresses."""
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https"):
            raise BlockedURLError(f"refused URL scheme {parts.scheme or '(none)'!r}: only http and https are fetched")
        if not parts.hostname:
            raise BlockedURLError("refused URL without a host")
        if trusted or self.config.allow_private or origin(url) in self.trusted_origins:
            return
        host = parts.hostname
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, parts.port or 80, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise FetchError(f"cannot resolve host {host}: {exc.strerror}") from None
        for info in infos:
            addr = info[4][0]
            if _address_blocked(addr):
                raise BlockedURLError(
                    f"refused {host}: resolves to non-public address {addr} (set network.allow_private to allow)")

    async def get(self, url: str, *, trusted: bool = False, etag: str | None = None,
                  last_modified: str | None = None, accept: str | None = None) -> Response:
        """GET with conditional headers, checked redirects, a size cap and a total deadline.

        Returns the Response for 2xx and 304; raises FetchError (with status / retry_after) otherwise.
        """
        assert self._client is not None, "use 'async with Fetcher(...)'"
        started = time.monotonic()
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        if accept:
            headers["Accept"] = accept
        start_origin = origin(url)
        host = urlsplit(url).hostname or ""
        try:
            async with self._global, self._hosts[host]:
                async with asyncio.timeout(self.config.deadline):
                    current = url
                    for _hop in range(self.config.max_redirects + 1):
                        # the configured URL is trusted; a redirect elsewhere is a new, untrusted link
                        await self.check_url(current, trusted=trusted and origin(current) == start_origin)
                        response = await self._fetch_one(current, headers)
                        if response.status in REDIRECT_CODES and "location" in response.headers:
                            current = urljoin(current, response.headers["location"])
                            continue
                        response.elapsed = time.monotonic() - started
                        return self._check_status(response)
                    raise FetchError(f"too many redirects (more than {self.config.max_redirects})")
        except TimeoutError:
            raise FetchError(f"deadline of {self.config.deadline:g}s exceeded") from None
        except httpx.TimeoutException as exc:
            raise FetchError(f"timed out ({type(exc).__name__})") from None
        except httpx.HTTPError as exc:
            raise FetchError(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__) from None

    async def _fetch_one(self, url: str, headers: dict[str, str]) -> Response:
        assert self._client is not None
        cap = self.config.max_bytes
        async with self._client.stream("GET", url, headers=headers) as resp:
            resp_headers = {k.lower(): v for k, v in resp.headers.items()}
            if resp.status_code in REDIRECT_CODES or resp.status_code == 304 or resp.status_code >= 400:
                return Response(str(resp.url), resp.status_code, resp_headers)
            declared = resp_headers.get("content-length", "")
            if declared.isdigit() and int(declared) > cap:
                raise FetchError(f"body too large: Content-Length {int(declared)} exceeds {cap} bytes",
                                 status=resp.status_code)
            chunks: list[bytes] = []
            size = 0
            async for chunk in resp.aiter_bytes():
                size += len(chunk)
                if size > cap:
                    raise FetchError(f"body too large: more than {cap} bytes", status=resp.status_code)
                chunks.append(chunk)
            return Response(str(resp.url), resp.status_code, resp_headers, b"".join(chunks))

    @staticmethod
    def _check_status(response: Response) -> Response:
        status = response.status
        if 200 <= status < 300 or status == 304:
            return response
        retry_after = parse_retry_after(response.headers.get("retry-after")) if status in (429, 503) else None
        reason = httpx.codes.get_reason_phrase(status) or "error"
        hint = f", retry after {retry_after:g}s" if retry_after is not None else ""
        raise FetchError(f"HTTP {status} {reason}{hint}", status=status, retry_after=retry_after)
