"""Secrets in apprise URLs (passwords, webhook tokens) never reach logs (ours or apprise's, at DEBUG), stored
errors, or `borderwatch alerts` output, when deliveries fail in the ways that make libraries talk."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest
from apprise.plugins.slack import NotifySlack
from sqlalchemy import select
from typer.testing import CliRunner

from borderwatch.alerts import send
from borderwatch.cli import app
from borderwatch.delivery import deliver
from borderwatch.models.db import Database
from borderwatch.models.schema import Alert
from borderwatch.redact import url_secrets
from tests.conftest import make_config
from tests.eventseed import HttpSink, SmtpSink, capture_reports, free_port, seed

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

MAIL_PW = "Sup3r-Secret-MailPW"
JSON_PW = "Json-Secret-Pw-99"
SLACK = ("T0SECRETA1", "B0SECRETB2", "SECRETtokenC3c3c3c3c3c3")


def test_no_secret_in_logs_errors_or_cli(sqlite_url, tmp_path, caplog, capfd, monkeypatch):
    caplog.set_level(logging.DEBUG)  # everything, apprise's and urllib3's debug lines included
    with SmtpSink() as smtp, HttpSink(default=500) as slack_endpoint:
        monkeypatch.setattr(NotifySlack, "webhook_url", f"http://127.0.0.1:{slack_endpoint.port}/services")
        urls = [
            smtp.url_for(MAIL_PW) + "&cto=2",  # wrong password: SMTP auth fails
            f"json://hookuser:{JSON_PW}@127.0.0.1:{free_port()}/hook",  # nothing listens
            f"slack://{'/'.join(SLACK)}/#desk",  # the endpoint answers 500
        ]
        config = make_config(sqlite_url, alerts=[{"url": u} for u in urls], delivery={"max_attempts": 1})
        db = Database(sqlite_url)
        seed(db, capture_reports(1), config)
        assert deliver(config, db) == (0, 3)
        assert len(slack_endpoint.posts) == 1 and smtp.auth_failures >= 1
        with db.session() as s:
            stored = s.execute(select(Alert.channel, Alert.last_error, Alert.status)).all()
        db.dispose()

    cfg = tmp_path / "bw.yaml"
    cfg.write_text(f"database_url: {sqlite_url}\nalerts:\n" + "".join(f"  - url: '{u}'\n" for u in urls))
    runner = CliRunner()
    outputs = [runner.invoke(app, ["alerts", "--config", str(cfg), "-f", fmt], env={"COLUMNS": "300"}).output
               for fmt in ("json", "table", "csv")]

    secrets = [MAIL_PW, JSON_PW, *SLACK]
    assert all(status == "failed" and error for _, error, status in stored)
    captured = capfd.readouterr()
    haystacks = {"logs": caplog.text, "stored": repr(stored), "cli": "\n".join(outputs),
                 "stdout/stderr": captured.out + captured.err}
    assert "apprise" in caplog.text.lower() or any(r.name.startswith("apprise") for r in caplog.records)
    for where, hay in haystacks.items():
        for secret in secrets:
            assert secret not in hay, f"{secret!r} leaked into {where}"
    # the channels are still recognisable
    assert "mailto://127.0.0.1#" in outputs[0] and "slack#" in outputs[0]


def test_send_reasons_never_carry_the_url_secrets():
    bad = f"mailto://user:{MAIL_PW}@127.0.0.1:{free_port()}?to=a@example.org&from=b@example.org&cto=1"
    result = send(bad, "t", "b", "text", timeout=5)
    assert not result.ok and MAIL_PW not in (result.reason or "")
    invalid = f"json://user:{JSON_PW}@"  # not a usable URL
    result = send(invalid, "t", "b", "text")
    assert not result.ok and JSON_PW not in (result.reason or "")


def test_url_secrets():
    assert {MAIL_PW} <= url_secrets(f"mailtos://u:{MAIL_PW}@smtp.example.org?to=a@b")
    assert set(SLACK) <= url_secrets(f"slack://{'/'.join(SLACK)}")
    assert "abcdef123456" in url_secrets("tgram://abcdef123456/-100200300")


def test_importing_installs_no_log_filter_and_the_edges_install_one_each():
    """No module installs a logging filter when imported; `install_log_filters` (called by the CLI's entry point
    and by `send`) puts one on each scrubbed logger, once, and it scrubs registered secrets from records."""
    code = f"""
import io, logging
import borderwatch.alerts, borderwatch.cli, borderwatch.flows.monitor, borderwatch.redact as redact
assert all(not logging.getLogger(n).filters for n in redact.SCRUBBED_LOGGERS), "a filter was installed at import"
redact.install_log_filters(); redact.install_log_filters()
assert all(len(logging.getLogger(n).filters) == 1 for n in redact.SCRUBBED_LOGGERS)
redact.register_secrets("json://user:{JSON_PW}@127.0.0.1/hook")
out = io.StringIO(); logging.getLogger().addHandler(logging.StreamHandler(out))
logging.getLogger("apprise").warning("POST failed for %s", "{JSON_PW}")
assert "{JSON_PW}" not in out.getvalue() and "POST failed for ***" in out.getvalue(), out.getvalue()
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
