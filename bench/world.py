"""The benchmark's feed world: real news pages behind RSS feeds, served on loopback by a separate process.

Pages are the 181 gzip'd pages of ``../shared/bench/aeb/html/`` (read in place, never copied) plus any ``*.html``
/ ``*.html.gz`` files of ``--extra-dir``. ``pages`` slots are laid out over them round-robin, so a page is reused
under several URLs when more slots than pages are asked for. Feed ``f`` lives on its own site (host
``127.0.0.{f+1}``, like a real outlet with its articles on its own origin) and lists every F-th slot.
``rerun_feeds`` further feeds (``/rerun/{r}.xml``) list the same slots again: a pass over them finds only known
items, and a pass after that is answered 304 everywhere.

The server runs in a child process (a real site is not inside the monitor's interpreter: its threads would
share the GIL with the flow) and sends the gzip'd bytes as they are, with ETag / Last-Modified validators
(``borderwatch.demo.server``).
"""

from __future__ import annotations

import gzip
import html as html_lib
import multiprocessing
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

from borderwatch.demo.server import Route, WorldServer

REPO = Path(__file__).resolve().parents[1]
AEB_PAGES = REPO.parent / "shared" / "bench" / "aeb" / "html"
MAX_HOSTS = 250  # 127.0.0.1 .. 127.0.0.250
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
HTML_TYPE = "text/html; charset=utf-8"
RSS_TYPE = "application/rss+xml; charset=utf-8"


@dataclass(slots=True)
class Page:
    key: str
    gz: bytes  # the page, gzip'd

    @property
    def html(self) -> bytes:
        return gzip.decompress(self.gz)

    def title(self) -> str:
        m = _TITLE.search(self.html[:200_000])
        raw = m.group(1).decode("utf-8", "replace") if m else self.key
        return " ".join(html_lib.unescape(raw).split())[:300] or self.key


def load_pages(pages_dir: Path | None = None, extra_dir: Path | None = None) -> list[Page]:
    """The benchmark pages: the AEB set, then the user's own (``*.html`` or ``*.html.gz``), in name order."""
    pages: list[Page] = []
    for directory in (pages_dir or AEB_PAGES, extra_dir):
        if directory is None:
            continue
        directory = Path(directory)
        if not directory.is_dir():
            raise SystemExit(f"bench: no page directory {directory}")
        for path in sorted(directory.iterdir()):
            if path.name.endswith(".html.gz"):
                pages.append(Page(path.name[: -len(".html.gz")], path.read_bytes()))
            elif path.name.endswith((".html", ".htm")):
                pages.append(Page(path.stem, gzip.compress(path.read_bytes(), 6)))
    if not pages:
        raise SystemExit("bench: no pages found")
    return pages


@dataclass
class WorldPlan:
    """Where everything is served. ``slots[i]`` = (host index, path, page index)."""

    pages: int
    feeds: int
    rerun_feeds: int
    slots: list[tuple[int, str, int]] = field(default_factory=list)

    @property
    def hosts(self) -> int:
        return min(MAX_HOSTS, max(self.feeds, self.rerun_feeds, 1))

    @classmethod
    def make(cls, n_pages: int, pages: list[Page], feeds: int, rerun_feeds: int) -> WorldPlan:
        plan = cls(n_pages, feeds, rerun_feeds)
        for i in range(n_pages):
            page = i % len(pages)
            f = i % feeds
            copy = i // len(pages)
            plan.slots.append((f % plan.hosts, f"/news/{copy}/{pages[page].key[:16]}.html", page))
        return plan

    def feed_items(self, f: int, count: int) -> list[int]:
        return list(range(f, self.pages, count))


def _rss(title: str, items: list[tuple[str, str, str]], now: datetime) -> bytes:
    body = []
    for n, (link, item_title, summary) in enumerate(items):
        published = format_datetime(now - timedelta(minutes=n), usegmt=True)
        body.append(f"<item><title>{escape(item_title)}</title><link>{escape(link)}</link>"
                    f"<guid isPermaLink=\"true\">{escape(link)}</guid><pubDate>{published}</pubDate>"
                    f"<description>{escape(summary)}</description></item>")
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{escape(title)}</title>'
            f"<link>http://127.0.0.1/</link><description>benchmark feed</description>{''.join(body)}"
            "</channel></rss>").encode()


class PrecompressedServer(WorldServer):
    """WorldServer whose routes may carry their body already gzip'd: sent as is (no per-request compression)."""

    def __init__(self, host: str, port: int = 0):
        self.gz: dict[str, bytes] = {}
        super().__init__(host=host, port=port)

    def set_gz(self, path: str, content_type: str, gz: bytes, etag: str) -> None:
        # the ETag is taken from the gzip'd bytes: hashing 1,000 decompressed pages would only slow start-up
        self.routes[path] = Route(content_type, b"", etag=etag)
        self.gz[path] = gz

    def _handler(self):
        base = super()._handler()
        server = self

        class Handler(base):
            def do_GET(self) -> None:
                path = self.path.split("#", 1)[0].split("?", 1)[0]
                gz = server.gz.get(path)
                if gz is None:
                    return super().do_GET()
                route = server.routes[path]
                if self.headers.get("If-None-Match") == route.etag:
                    self.send_response(304)
                    self.send_header("ETag", route.etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                extra = {"ETag": route.etag, "Last-Modified": route.last_modified}
                if "gzip" in (self.headers.get("Accept-Encoding") or ""):
                    extra["Content-Encoding"] = "gzip"
                    return self._send(200, route.content_type, gz, extra)
                self._send(200, route.content_type, gzip.decompress(gz), extra)

        return Handler


def _serve(conn, pages_dir: str | None, extra_dir: str | None, n_pages: int, feeds: int, rerun_feeds: int) -> None:
    """Child process: bind one server per host, publish the routes, report the URLs, serve until told."""
    import hashlib
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    pages = load_pages(Path(pages_dir) if pages_dir else None, Path(extra_dir) if extra_dir else None)
    plan = WorldPlan.make(n_pages, pages, feeds, rerun_feeds)
    servers: list[PrecompressedServer] = []
    port = 0
    for h in range(plan.hosts):
        try:
            srv = PrecompressedServer(f"127.0.0.{h + 1}", port)
        except OSError:  # the port is taken on that address: any other will do
            srv = PrecompressedServer(f"127.0.0.{h + 1}", 0)
        port = port or srv.httpd.server_address[1]
        servers.append(srv)
    bases = [s.base_url for s in servers]
    titles = [p.title() for p in pages]
    etags = ['"' + hashlib.sha1(p.gz).hexdigest()[:16] + '"' for p in pages]
    slot_urls = []
    for host, path, page in plan.slots:
        servers[host].set_gz(path, HTML_TYPE, pages[page].gz, etags[page])
        slot_urls.append(bases[host] + path)
    now = datetime.now(UTC).replace(microsecond=0)

    def items(indices: list[int]) -> list[tuple[str, str, str]]:
        return [(slot_urls[i], titles[plan.slots[i][2]], titles[plan.slots[i][2]]) for i in indices]

    feed_urls = []
    for f in range(feeds):
        host = f % plan.hosts
        servers[host].set(f"/feeds/{f}.xml", RSS_TYPE, _rss(f"Bench feed {f}", items(plan.feed_items(f, feeds)), now))
        feed_urls.append(f"{bases[host]}/feeds/{f}.xml")
    rerun_urls = []
    for r in range(rerun_feeds):
        host = r % plan.hosts
        servers[host].set(f"/rerun/{r}.xml", RSS_TYPE,
                          _rss(f"Bench rerun feed {r}", items(plan.feed_items(r, rerun_feeds)), now))
        rerun_urls.append(f"{bases[host]}/rerun/{r}.xml")
    for srv in servers:
        srv.start()
    conn.send({"feeds": feed_urls, "rerun_feeds": rerun_urls, "pages": slot_urls,
               "page_index": [s[2] for s in plan.slots], "hosts": len(servers)})
    conn.recv()  # anything (or EOF) means stop
    for srv in servers:
        srv.stop()


class BenchWorld:
    """Start the world server process; ``feeds``, ``rerun_feeds``, ``pages`` (slot URLs) once entered."""

    def __init__(self, n_pages: int, feeds: int, rerun_feeds: int, *, pages_dir: Path | None = None,
                 extra_dir: Path | None = None):
        self.args = (str(pages_dir) if pages_dir else None, str(extra_dir) if extra_dir else None, n_pages,
                     feeds, rerun_feeds)
        self.feeds: list[str] = []
        self.rerun_feeds: list[str] = []
        self.pages: list[str] = []
        self.page_index: list[int] = []
        self.hosts = 0

    def __enter__(self) -> BenchWorld:
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(child, *self.args), name="bench-world", daemon=True)
        self._proc.start()
        child.close()
        if not self._conn.poll(120):
            self._proc.kill()
            raise RuntimeError("the benchmark world server did not start")
        info = self._conn.recv()
        self.feeds, self.rerun_feeds, self.pages = info["feeds"], info["rerun_feeds"], info["pages"]
        self.page_index, self.hosts = info["page_index"], info["hosts"]
        return self

    @property
    def pid(self) -> int:
        return self._proc.pid

    def __exit__(self, *exc: object) -> None:
        try:
            self._conn.send("stop")
        except OSError:
            pass
        self._proc.join(10)
        if self._proc.is_alive():
            self._proc.kill()
