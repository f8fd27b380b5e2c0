"""Passwords and tokens in apprise URLs, feed URLs and the database URL never show: not in a real run's logs
(Prefect at DEBUG), not in errors shown to the user, not in `borderwatch feeds` / `alerts` / `events` output,
not in what the run records in Prefect (flow-run parameters are shown in its UI)."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

import pytest
from sqlalchemy.engine import make_url

from tests import bwproc
from tests.bwproc import AlertSink, NewsSite, db_counts, run, run_config, write_config
from tests.conftest import free_port
from tests.servers import ScriptedServer

prefect_api_env = bwproc.prefect_api_env  # fixture

DB_PASSWORD = "DbPass-7f3a9c"
MAIL_PASSWORD = "MailPass-b41e08"
HOOK_TOKEN = "HookToken-c9d2e5"
FEED_PASSWORD = "FeedPass-5a6b7c"
SECRETS = [DB_PASSWORD, MAIL_PASSWORD, HOOK_TOKEN, FEED_PASSWORD]


def leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text or quote(s) in text]


@pytest.mark.postgres
def test_secrets_never_appear_in_logs_errors_or_cli_output(prefect_api_env, pg_url, tmp_path):
    db_url = make_url(pg_url).set(password=DB_PASSWORD).render_as_string(hide_password=False)  # trust auth
    closed = free_port()  # nothing listens: the mail channel fails on every attempt
    with ScriptedServer() as srv, AlertSink() as sink:
        site = NewsSite(srv)
        feed_url = site.feed_url.replace("http://", f"http://reader:{FEED_PASSWORD}@")
        down_feed = f"http://reader:{FEED_PASSWORD}@127.0.0.1:{closed}/feed.xml"
        mail = f"mailto://desk:{MAIL_PASSWORD}@127.0.0.1:{closed}?to=ops@example.invalid&from=bw@example.invalid"
        data = run_config(db_url, [feed_url, down_feed], [mail, sink.url(HOOK_TOKEN)])
        for channel in data["alerts"]:
            channel.pop("name")  # unnamed channels are keyed by their URL: the key must be redacted too
        data["alerts"][0]["tags"] = ["ops"]
        data["delivery"]["feed_failure_threshold"] = 1  # the down feed makes an operator notice at once
        config = write_config(tmp_path / "config.yaml", data)
        env = {**prefect_api_env, "PREFECT_LOGGING_LEVEL": "DEBUG"}

        outputs = {}
        first = run(["run", "--config", str(config)], env, tmp_path, "run")
        assert first.returncode == 0, first.stderr[-3000:]
        outputs["run"] = first.output
        assert "alert delivery to" in first.stderr  # the mail failure was logged (without its password)
        assert sink.titles  # the working channel got its alerts
        for args in (["feeds"], ["feeds", "-f", "json"], ["feeds", "-f", "csv"], ["alerts"],
                     ["alerts", "-f", "json"], ["alerts", "-f", "csv"], ["events", "-f", "json"]):
            result = run([*args, "--config", str(config)], env, tmp_path, "-".join(args))
            assert result.returncode == 0, result.stderr
            outputs[" ".join(args)] = result.output
    assert "mailto://127.0.0.1#" in outputs["alerts -f json"]  # the channel is named, safely
    assert "reader:***@127.0.0.1" in outputs["feeds -f json"]
    assert "Connection error while submitting email" in outputs["alerts -f json"]  # the reason is shown
    for name, text in outputs.items():
        assert not leaks(text), f"{name} shows {leaks(text)}:\n{text[-2000:]}"

    # the database: nothing secret stored where the CLI or an analyst would read it
    assert db_counts(pg_url)["alerts"] >= 2
    from sqlalchemy import text as sql

    from borderwatch.models.db import Database

    db = Database(pg_url, migrate=False)
    with db.session() as s:
        stored = " ".join(str(v) for row in s.execute(sql(
            "SELECT channel, key, last_error FROM alerts UNION ALL SELECT url, last_error, parse_problem FROM feeds"))
                          for v in row)
    db.dispose()
    assert leaks(stored) == [FEED_PASSWORD] or not leaks(stored)  # feeds.url keeps the URL the user configured
    assert DB_PASSWORD not in stored and MAIL_PASSWORD not in stored and HOOK_TOKEN not in stored

    # what Prefect recorded for the run (its UI shows flow-run parameters and logs)
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId, LogFilter, LogFilterFlowRunId
    from prefect.client.schemas.sorting import FlowRunSort

    async def recorded() -> str:
        async with get_client() as client:
            runs = await client.read_flow_runs(sort=FlowRunSort.EXPECTED_START_TIME_DESC, limit=10)
            ids = [r.id for r in runs]
            logs = await client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=ids)))
            tasks = await client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=ids)))
        return " ".join([*(str(r.parameters) for r in runs), *(log.message for log in logs),
                         *(str(t.task_inputs) for t in tasks)])

    prefect_side = asyncio.run(recorded())
    assert not leaks(prefect_side), f"Prefect recorded {leaks(prefect_side)}"
