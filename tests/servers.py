"""A programmable misbehaving HTTP server for tests (127.0.0.x only)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Handler = Callable[[BaseHTTPRequestHandler], None]


class ScriptedServer:
    """Each path runs a function that writes the raw response; ``hits`` counts requests per path."""

    def __init__(self, host: str = "127.0.0.1"):
        self.routes: dict[str, Handler] = {}
        self.hits: dict[str, int] = {}
        self.headers_seen: dict[str, dict[str, str]] = {}
        self.clients: set[tuple[str, int]] = set()  # client (address, port) of every request: one per connection
        self._stop = threading.Event()
        server = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                path = self.path
                server.clients.add(self.client_address[:2])
                server.hits[path] = server.hits.get(path, 0) + 1
                server.headers_seen[path] = {k.lower(): v for k, v in self.headers.items()}
                handler = server.routes.get(path) or server.routes.get(path.split("?")[0])
                if handler is None:
                    return respond(self, 404, b"not found", "text/plain")
                try:
                    handler(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer((host, 0), H)
        self.httpd.daemon_threads = True
        self.stopping = self._stop

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def total_hits(self) -> int:
        return sum(self.hits.values())


def respond(h: BaseHTTPRequestHandler, status: int, body: bytes = b"", ctype: str = "text/html; charset=utf-8",
            headers: dict[str, str] | None = None) -> None:
    h.send_response(status)
    h.send_header("Content-Type", ctype)
    h.send_header("Content-Length", str(len(body)))
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.end_headers()
    h.wfile.write(body)


def static(body: bytes, ctype: str = "application/rss+xml", status: int = 200,
           headers: dict[str, str] | None = None) -> Handler:
    return lambda h: respond(h, status, body, ctype, headers)


def hang(server: ScriptedServer, seconds: float = 30) -> Handler:
    """Accept the request and never answer (until the test ends)."""
    return lambda h: server.stopping.wait(seconds)


def trickle(server: ScriptedServer, total: int = 10_000, every: float = 0.5) -> Handler:
    """Send headers, then one byte at a time."""
    def handler(h):
        h.send_response(200)
        h.send_header("Content-Type", "application/rss+xml")
        h.send_header("Content-Length", str(total))
        h.end_headers()
        for _ in range(total):
            if server.stopping.wait(every):
                return
            h.wfile.write(b" ")
            h.wfile.flush()
    return handler


def redirect(location: str, status: int = 302) -> Handler:
    return lambda h: respond(h, status, b"", "text/plain", {"Location": location})


def slow(seconds: float, inner: Handler) -> Handler:
    def handler(h):
        time.sleep(seconds)
        inner(h)
    return handler
