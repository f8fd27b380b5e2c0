"""Alerts reach real receivers: an SMTP server (aiosmtpd) reads the mail, a local HTTP endpoint receives
apprise's json:// posts, and apprise's own Slack plugin posts its Slack payload to a local endpoint. Messages
carry what the analyst needs, and hostile article titles cannot break their format."""

from __future__ import annotations

from datetime import UTC, date, datetime

import apprise
import pytest
from apprise.plugins.slack import NotifySlack

from borderwatch.alerts import (
    CountClaim,
    EventSummary,
    SourceRef,
    escape_markdown,
    message_format,
    plain,
    render_digest,
    render_event,
    send,
)
from borderwatch.delivery import deliver
from borderwatch.models.db import Database
from tests.conftest import make_config
from tests.eventseed import GOVERNMENT, WAKHAN, HttpSink, SmtpSink, article, capture_reports, mention, seed

HOSTILE = ('Breaking</b><script>alert(1)</script> **bold** [click](http://evil.example) @channel <!here>\n'
           'Subject: injected\r\nBcc: victim@example.org\x00\x1b[31m')

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@pytest.fixture
def db(sqlite_url):
    db = Database(sqlite_url)
    yield db
    db.dispose()


def _crossing_reports():
    return [
        article("http://asiaplus.example/news/1", HOSTILE, [mention(
            "troop_movement", "crossed_border", WAKHAN, (GOVERNMENT,), count=280, count_text="280 soldiers",
            claimant="Tajik border service", evidence="280 Afghan soldiers crossed into Tajikistan near Wakhan.",
            event_date=date(2026, 11, 27))]),
        article("http://tolo.example/news/2", "Soldiers flee to Tajikistan", [mention(
            "troop_movement", "crossed_border", WAKHAN, (GOVERNMENT,), count=300, count_text="about 300 soldiers",
            claimant="Afghan defence ministry", event_date=date(2026, 11, 27))]),
    ]


def test_mail_arrives_at_a_real_smtp_server(sqlite_url, db):
    with SmtpSink() as smtp:
        config = make_config(sqlite_url, alerts=[{"url": smtp.url, "name": "analyst-mail"}])
        seed(db, _crossing_reports(), config)
        assert deliver(config, db) == (1, 0)
        assert deliver(config, db) == (0, 0)
    assert len(smtp.mails) == 1
    mail = smtp.mails[0]
    assert mail.to == ["analyst@example.org"] and mail.sender == "borderwatch@example.org"
    assert mail.subject == ("[borderwatch] troop movement: crossed border — Wakhan, Badakhshan, Afghanistan "
                            f"({GOVERNMENT})")
    body = mail.text
    for expected in ("Event: troop_movement / crossed_border",
                     "Place: Wakhan, Badakhshan, Afghanistan",
                     "Map: https://www.openstreetmap.org/?mlat=37.05730&mlon=73.34190",
                     f"Actor: {GOVERNMENT}",
                     "- 280 soldiers (according to Tajik border service, asiaplus.example)",
                     "- about 300 soldiers (according to Afghan defence ministry, tolo.example)",
                     "First seen: ", "(event date 2026-11-27)",
                     "Corroboration: 2 sources",
                     'Evidence: "280 Afghan soldiers crossed into Tajikistan near Wakhan."',
                     "- Soldiers flee to Tajikistan (tolo.example): http://tolo.example/news/2"):
        assert expected in body, expected
    # the hostile title is one inert line: no header injection, no control characters
    assert "\nBcc:" not in body and "\nSubject:" not in body and "\x00" not in body and "\x1b" not in body
    assert b"Bcc: victim" not in mail.raw.split(b"\r\n\r\n", 1)[0]


def test_smtp_wrong_password_is_a_failure_not_a_success(sqlite_url, db):
    with SmtpSink() as smtp:
        config = make_config(sqlite_url, alerts=[{"url": smtp.url_for("wrong-password") + "&cto=2", "name": "mail"}],
                             delivery={"max_attempts": 5})
        seed(db, capture_reports(1), config)
        assert deliver(config, db) == (0, 1)
    assert smtp.mails == [] and smtp.auth_failures >= 1


def test_json_endpoint_receives_the_alert(sqlite_url, db):
    with HttpSink() as sink:
        config = make_config(sqlite_url, alerts=[{"url": sink.json_url("/hook"), "name": "webhook"}])
        seed(db, _crossing_reports(), config)
        assert deliver(config, db) == (1, 0)
    (post,) = sink.posts
    assert post.path == "/hook" and post.headers["content-type"].startswith("application/json")
    payload = post.json
    assert payload["title"].startswith("[borderwatch] troop movement: crossed border — Wakhan")
    assert "280 soldiers (according to Tajik border service, asiaplus.example)" in payload["message"]
    assert "<script>" in payload["message"]  # plain text for webhooks: kept as text, on one line, in JSON
    assert "\nSubject: injected" not in payload["message"]


def test_slack_plugin_posts_slack_payload_to_a_local_endpoint(sqlite_url, db, monkeypatch):
    """apprise's Slack plugin has its webhook base URL as a class constant (hooks.slack.com); the URL syntax
    cannot point it elsewhere. We point that constant at a local endpoint: the real plugin builds and sends
    its real Slack payload, only the host differs."""
    with HttpSink() as sink:
        monkeypatch.setattr(NotifySlack, "webhook_url", f"http://127.0.0.1:{sink.port}/services")
        url = "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7/#border-desk"
        config = make_config(sqlite_url, alerts=[{"url": url, "name": "slack-desk"}])
        seed(db, _crossing_reports(), config)
        assert deliver(config, db) == (1, 0)
    (post,) = sink.posts
    assert post.path == "/services/T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7"
    payload = post.json
    assert payload["channel"] == "#border-desk"
    flat = repr(payload)
    assert "Wakhan" in flat and "280 soldiers" in flat
    # the hostile title cannot make a Slack link (<url|text>), ping the channel (<!here>) or inject markup:
    # apprise turns our escaped Markdown into Slack mrkdwn with &lt; &gt; entities
    assert "<!here>" not in flat and "&lt;!here&gt;" in flat and "<script>" not in flat
    assert "<http://evil.example" not in flat and "|click>" not in flat


def test_slack_format_via_mattermost_plugin(sqlite_url, db):
    """Mattermost's incoming webhooks take Slack-format payloads ({"text": ...}); apprise's mmost:// plugin
    takes a host and port, so it posts to a local endpoint unchanged."""
    with HttpSink() as sink:
        url = f"mmost://127.0.0.1:{sink.port}/abcdefghijklmnopqrstuvwxyz"
        config = make_config(sqlite_url, alerts=[{"url": url, "name": "mattermost"}])
        seed(db, _crossing_reports(), config)
        assert deliver(config, db) == (1, 0)
    (post,) = sink.posts
    assert post.path == "/hooks/abcdefghijklmnopqrstuvwxyz"
    text = post.json["text"]
    assert "**Place**: Wakhan, Badakhshan, Afghanistan" in text
    assert "\\<script\\>" in text and "\\[click\\]\\(http" in text and "\n" in text
    assert "<!here>" not in text


def _summary(title: str = HOSTILE, evidence: str = HOSTILE) -> EventSummary:
    return EventSummary(7, "territorial", "captured", "Ishkashim", "Ishkashim", "Badakhshan", "Afghanistan",
                        36.7097, 71.5994, "Taliban", datetime(2026, 11, 28, 9, 30, tzinfo=UTC), date(2026, 11, 27),
                        evidence, 0.82, 2,
                        counts=[CountClaim("12 *posts*", "a.example", "Taliban spokesman\nZabihullah")],
                        claimants=["Taliban spokesman"],
                        sources=[SourceRef(title, "http://a.example/x?a=1&b=(2)>", "a.example")])


def test_markdown_escapes_everything_quoted():
    title, body = render_event(_summary(), "markdown")
    assert "\n" not in title
    lines = body.splitlines()
    quote = next(ln for ln in lines if ln.startswith("> "))
    assert "<script>" not in quote and "\\<script\\>" in quote and "\\*\\*bold\\*\\*" in quote
    assert "Subject" in quote  # folded into the one line, not a line of its own
    link = next(ln for ln in lines if ln.startswith("- [Breaking"))
    assert link.endswith("](<http://a.example/x?a=1&b=%282%29%3E>) (a.example)")
    assert "\\[click\\]\\(http://evil.example\\)" in link and "\\@channel \\<!here\\>" in link
    assert not any(ln.startswith(("Subject:", "Bcc:", "#", "<")) for ln in lines)
    assert "12 \\*posts\\* (according to Taliban spokesman Zabihullah, a.example)" in body


def test_plain_text_folds_lines_and_drops_control_characters():
    _title, body = render_event(_summary(), "text")
    evidence = next(ln for ln in body.splitlines() if ln.startswith("Evidence:"))
    assert "\x00" not in body and "\x1b" not in body and "\r" not in body
    assert "Subject: injected Bcc: victim@example.org" in evidence
    assert plain("a\nb\tc\u2028d") == "a b c d"
    assert escape_markdown("_x_ [y](z) <b> #h @all") == "\\_x\\_ \\[y\\]\\(z\\) \\<b\\> #h \\@all"


def test_message_format_by_scheme():
    assert message_format("mailto://u:p@h?to=a@b") == "text"
    assert message_format("json://h/x") == "text"
    assert message_format("slack://a/b/c") == "markdown"
    assert message_format("tgram://bot/chat") == "markdown"
    assert message_format("discord://id/token") == "markdown"
    assert message_format("json://h/x", "markdown") == "markdown"


def test_digest_lists_every_event():
    a, b = _summary("one", "first"), _summary("two", "second")
    b.place_name = b.district = "Wakhan"
    title, body = render_digest([a, b], "text")
    assert title == "[borderwatch] 2 new events"
    assert body.count("== territorial: captured") == 2 and "Wakhan" in body and "Ishkashim" in body


def test_send_checks_apprise_result_truthiness():
    """apprise 2.x returns an AppriseResult object: never None, falsy on failure. `is not None` or bare object
    checks would call every failure a success."""
    with HttpSink(default=500) as sink:
        app = apprise.Apprise()
        app.add(sink.json_url())
        result = app.notify(body="b", title="t")
        assert result is not None and not result
        outcome = send(sink.json_url(), "t", "b", "text")
    assert not outcome.ok and "500" in (outcome.reason or "")
    with HttpSink(default=200) as ok_sink:
        assert send(ok_sink.json_url(), "t", "b", "text").ok
    assert not send("json://127.0.0.1:1/nothing-listens", "t", "b", "text", timeout=5)
    assert not send("nosuchscheme://x", "t", "b", "text")


def test_slack_429_is_seen_as_rate_limiting(monkeypatch):
    with HttpSink(script=[429]) as sink:
        monkeypatch.setattr(NotifySlack, "webhook_url", f"http://127.0.0.1:{sink.port}/services")
        url = "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7"
        limited = send(url, "t", "b", "markdown")
        assert not limited.ok and limited.rate_limited
        assert "TIiajkdnlazkcOXrIdevi7" not in (limited.reason or "")
        again = send(url, "t", "b", "markdown")
    assert again.ok and not again.rate_limited
