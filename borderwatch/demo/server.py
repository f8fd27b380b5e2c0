"""A small local HTTP server for the demo, tests and benchmarks: serves fixed routes with ETag / Last-Modified
(so a second pass gets 304), gzip when asked, and records POSTs (an alert sink for apprise's json:// plugin)."""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    content_type: str
    body: bytes
    etag: str = ""
    last_modified: str = field(default_factory=lambda: formatdate(usegmt=True))

    def __post_init__(self) -> None:
        self.etag = self.etag or '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'


class WorldServer:
    """Serve ``routes`` (path -> (content_type, body)) on host:port in a background thread.

    ``requests`` lists (method, path) of everything asked; ``posts`` keeps (path, body) of every POST;
    ``on_post`` may be set to a callable(path, body) for a live sink.
    """

    def __init__(self, routes: dict[str, tuple[str, bytes]] | None = None, host: str = "127.0.0.1", port: int = 0):
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, str]] = []
        self.posts: list[tuple[str, bytes]] = []
        self.on_post: Callable[[str, bytes], None] | None = None
        self._lock = threading.Lock()
        for path, (ctype, body) in (routes or {}).items():
            self.set(path, ctype, body)
        self.httpd = ThreadingHTTPServer((host, port), self._handler())
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def set(self, path: str, content_type: str, body: bytes) -> None:
        with self._lock:
            self.routes[path] = Route(content_type, body)

    def start(self) -> WorldServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="world-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> WorldServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                path = self.path.split("#", 1)[0]
                server.requests.append(("GET", path))
                route = server.routes.get(path) or server.routes.get(path.split("?", 1)[0])
                if route is None:
                    return self._send(404, "text/plain", b"not found")
                if self.headers.get("If-None-Match") == route.etag or (
                        not self.headers.get("If-None-Match")
                        and self.headers.get("If-Modified-Since") == route.last_modified):
                    self.send_response(304)
                    self.send_header("ETag", route.etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body, extra = route.body, {"ETag": route.etag, "Last-Modified": route.last_modified}
                if "gzip" in (self.headers.get("Accept-Encoding") or "") and len(body) > 512:
                    body, extra["Content-Encoding"] = gzip.compress(body, 5), "gzip"
                self._send(200, route.content_type, body, extra)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                server.requests.append(("POST", self.path))
                server.posts.append((self.path, body))
                if server.on_post:
                    server.on_post(self.path, body)
                self._send(200, "application/json", json.dumps({"ok": True}).encode())

            def _send(self, code: int, ctype: str, body: bytes, extra: dict | None = None) -> None:
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

        return Handler
