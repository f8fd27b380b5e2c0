"""Issue 4's 'done when': with BORDERWATCH_ALERT_URLS pointing at a local SMTP server, two `borderwatch demo`
runs deliver each alert exactly once (as mail, and to the demo's own json:// sink)."""

from __future__ import annotations

import pytest

from borderwatch.demo.runner import run_demo
from tests.conftest import free_port
from tests.eventseed import SmtpSink

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@pytest.mark.usefixtures("prefect_harness")
def test_two_demo_runs_mail_each_alert_once(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    db_url = f"sqlite:///{tmp_path / 'demo.db'}"
    port = free_port()
    with SmtpSink() as smtp:
        monkeypatch.setenv("BORDERWATCH_ALERT_URLS", smtp.url)
        first = run_demo(port=port, database_url=db_url, fresh=True)
        mails_after_first = len(smtp.mails)
        second = run_demo(port=port, database_url=db_url)
    assert first["alerts_failed"] == 0 and len(first["delivered"]) >= 5
    assert mails_after_first == len(first["delivered"])  # same events, both channels
    assert first["alerts_sent"] == 2 * mails_after_first
    assert second["alerts_sent"] == 0 and len(smtp.mails) == mails_after_first
    assert {m.subject for m in smtp.mails} == {d["title"] for d in first["delivered"]}
    assert all(m.to == ["analyst@example.org"] and "Sources:" in m.text for m in smtp.mails)
