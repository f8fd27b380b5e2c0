"""Helpers for event and alert tests: hand-made articles and mentions (no detector), and real local alert
receivers: an SMTP server (aiosmtpd) and an HTTP endpoint that records POSTs and answers as scripted."""

from __future__ import annotations

import email
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from borderwatch.config import Config
from borderwatch.detect.types import Detection, EventMention
from borderwatch.extract import Extracted, PageResult, content_hash
from borderwatch.gazetteer import Place
from borderwatch.models import store
from borderwatch.models.db import Database
from borderwatch.outbox import queue_event_alerts
from borderwatch.records import ArticleRecord, FeedEntry

# --- places (hand-made, so tests do not depend on the gazetteer build) -------------------------------------------

ISHKASHIM = Place(id="AF1723", name="Ishkashim", kind="district", country="Afghanistan", country_code="AF",
                  district="Ishkashim", province="Badakhshan", lat=36.7097, lon=71.5994, precision="district")
WAKHAN = Place(id="AF1728", name="Wakhan", kind="district", country="Afghanistan", country_code="AF",
               district="Wakhan", province="Badakhshan", lat=37.0573, lon=73.3419, precision="district")
ARGO = Place(id="AF1702", name="Argo", kind="district", country="Afghanistan", country_code="AF",
             district="Argo", province="Badakhshan", lat=37.0646, lon=70.4225, precision="district")
KHAN_ABAD = Place(id="AF1904", name="Khan Abad", kind="district", country="Afghanistan", country_code="AF",
                  district="Khan Abad", province="Kunduz", lat=36.6830, lon=69.1150, precision="district")
KHOROG = Place(id="TJ-GB-KHOROG", name="Khorog", kind="town", country="Tajikistan", country_code="TJ",
               district="Shughnon", province="Gorno-Badakhshan", lat=37.4897, lon=71.5530, precision="place")

TALIBAN = "Taliban"
GOVERNMENT = "Afghan government forces"


def mention(kind: str = "territorial", subtype: str = "captured", place: Place | None = ISHKASHIM,
            actors: tuple[str, ...] = (TALIBAN,), *, count: int | None = None, count_text: str | None = None,
            claimant: str | None = None, evidence: str | None = None, event_date: date | None = None,
            confidence: float = 0.8) -> EventMention:
    evidence = evidence or f"{actors[0] if actors else 'Someone'} {subtype} {place.name if place else 'a place'}."
    return EventMention(kind=kind, subtype=subtype, evidence=evidence, start=0, end=len(evidence), rule="test",
                        confidence=confidence, place=place, actors=list(actors), count=count,
                        count_unit="soldiers" if count else None, count_text=count_text, claimant=claimant,
                        event_date=event_date.isoformat() if event_date else None)


def article(url: str, title: str, mentions: list[EventMention], *, published: datetime | None = None,
            text: str | None = None) -> ArticleRecord:
    """An analysed page as the pipeline would store it; the source is the URL's host[:port]. Published on the
    day its first mention is dated (news reports an event when it happens), else now."""
    text = text or " ".join(m.evidence for m in mentions) or title
    if published is None and mentions and mentions[0].event_date:
        published = datetime.combine(date.fromisoformat(mentions[0].event_date), clock(12), UTC)
    entry = FeedEntry(guid=url, url=url, canonical_url=url, title=title, summary="",
                      published=published or datetime.now(UTC), author=None)
    detection = Detection(relevant=bool(mentions), score=0.9 if mentions else 0.1, events=list(mentions),
                          language="en")
    result = PageResult(key=0, extracted=Extracted(text=text, title=title, language="en"), detection=detection,
                        text=text, title=title, source="trafilatura", content_hash=content_hash(title + text),
                        language="en")
    return ArticleRecord(feed_id=None, entry=entry, final_url=url, http_status=200, fetch_status="ok",
                         fetch_error=None, result=result)


def seed(db: Database, records: list[ArticleRecord], config: Config | None = None,
         window_days: float = 3.0) -> tuple[list[int], list[int], int]:
    """What process_articles does with analysed pages: store, cluster, queue alerts. Returns
    (new event ids, updated event ids, alert rows queued)."""
    with db.session() as s:
        inserted = store.save_articles(s, records)
        created, updated = store.cluster_mentions(s, [a for a, _ in inserted],
                                                  config.events.window_days if config else window_days)
        queued = queue_event_alerts(s, created + updated, config.alerts if config else [])
    return created, updated, queued


def capture_reports(n: int, *, start: date | None = None, place: Place = ISHKASHIM, actor: str = TALIBAN,
                    subtype: str = "captured", port_base: int = 9000, **kw) -> list[ArticleRecord]:
    """n reports of one event from n different sources (host:port), spread over two days."""
    start = start or date.today()
    return [article(f"http://127.0.0.1:{port_base + i}/news/{subtype}-{place.id}-{i}",
                    f"Report {i}: {actor} {subtype} {place.name}",
                    [mention(subtype=subtype, place=place, actors=(actor,), event_date=start + timedelta(days=i % 2),
                             **kw)])
            for i in range(n)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- a real SMTP server -------------------------------------------------------------------------------------------

@dataclass
class Mail:
    subject: str
    to: list[str]
    sender: str
    text: str
    raw: bytes


class SmtpSink:
    """aiosmtpd on 127.0.0.1 with LOGIN/PLAIN auth (no TLS: a test box). ``down()`` / ``up()`` stop and
    restart it on the same port, so a channel can be unreachable for some runs."""

    def __init__(self, user: str = "alerts", password: str = "s3cret-Pa55"):
        self.user, self.password = user, password
        self.port = free_port()
        self.mails: list[Mail] = []
        self.auth_failures = 0
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return self.url_for(self.password)

    def url_for(self, password: str, to: str = "analyst@example.org") -> str:
        return (f"mailto://{self.user}:{password}@127.0.0.1:{self.port}"
                f"?to={to}&from=borderwatch@example.org&format=text")

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        part = msg.get_body(preferencelist=("plain",))
        self.mails.append(Mail(str(msg["Subject"]), list(envelope.rcpt_tos), envelope.mail_from,
                               part.get_content() if part else "", envelope.content))
        return "250 OK"

    def _auth(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == self.user
              and auth_data.password.decode() == self.password)
        self.auth_failures += not ok
        return AuthResult(success=ok)

    def up(self) -> SmtpSink:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "AUTH without TLS" warning: fine on loopback in a test
            self._controller = Controller(self, hostname="127.0.0.1", port=self.port, authenticator=self._auth,
                                          auth_required=True, auth_require_tls=False)
            self._controller.start()
        return self

    def down(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpSink:
        return self.up()

    def __exit__(self, *exc) -> None:
        self.down()


# --- a real HTTP endpoint -------------------------------------------------------------------------------------------

@dataclass
class Post:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int  # what the endpoint answered

    @property
    def json(self) -> dict:
        return json.loads(self.body or b"{}")


@dataclass
class HttpSink:
    """Records every POST. ``script`` holds the statuses to answer next (then ``default``); ``delay`` slows each
    answer (to make concurrent deliveries overlap). Answers 'ok' (what a Slack webhook says) with 200."""

    script: list[int] = field(default_factory=list)
    default: int = 200
    delay: float = 0.0
    retry_after: str = "1"
    posts: list[Post] = field(default_factory=list)

    def __post_init__(self) -> None:
        sink = self
        self._lock = threading.Lock()

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if sink.delay:
                    time.sleep(sink.delay)
                with sink._lock:
                    status = sink.script.pop(0) if sink.script else sink.default
                    sink.posts.append(Post(self.path, {k.lower(): v for k, v in self.headers.items()}, body,
                                           status))
                payload = b"ok" if status == 200 else b'{"ok": false, "error": "scripted"}'
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(payload)))
                if status == 429:
                    self.send_header("Retry-After", sink.retry_after)
                self.end_headers()
                self.wfile.write(payload)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    def json_url(self, path: str = "/alerts", userinfo: str = "") -> str:
        return f"json://{userinfo + '@' if userinfo else ''}127.0.0.1:{self.port}{path}"

    def ok_posts(self, path: str | None = None) -> list[Post]:
        return [p for p in self.posts if p.status == 200 and (path is None or p.path == path)]

    def __enter__(self) -> HttpSink:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
