"""What a pass tells the people around it: `borderwatch run`'s exit status (0 when the pass ran, 3 when every
feed that was due failed, for cron's MAILTO), feed failures logged under the task that fetched them, and the
Prefect artifact on each flow run's page (new events with places and sources, failed feeds)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from borderwatch.alerts import EventSummary, SourceRef
from borderwatch.flows.monitor import run_monitor
from borderwatch.report import render_pass_report
from tests import bwproc
from tests.bwproc import run, run_config, write_config
from tests.conftest import make_config
from tests.servers import ScriptedServer, static
from tests.test_monitor_flow import CAPTURE, PAGE, rss

prefect_api_env = bwproc.prefect_api_env  # fixture


@pytest.fixture
def site():
    with ScriptedServer() as server:
        server.routes["/broken.xml"] = static(b"oops", "text/plain", status=500)
        server.routes["/down.xml"] = static(b"gone", "text/plain", status=502)
        server.routes["/a/capture.html"] = static(PAGE.format(title="Taliban capture district in Jowzjan",
                                                              body=CAPTURE).encode(), "text/html; charset=utf-8")
        server.routes["/feed.xml"] = static(rss(server.base_url, [
            ("/a/capture.html", "Taliban capture district in Jowzjan", "Fighters took Khamyab.")]))
        yield server


def test_exit_status_3_only_when_every_due_feed_failed(site, prefect_api_env, tmp_path):
    db = f"sqlite:///{tmp_path / 'bw.db'}"
    all_bad = write_config(tmp_path / "bad.yaml", run_config(db, [site.url("/broken.xml"), site.url("/down.xml")]))
    failed = run(["run", "--config", str(all_bad)], prefect_api_env, tmp_path, "all-bad")
    assert failed.returncode == 3, failed.stderr[-2000:]
    summary = json.loads(failed.stdout.strip().splitlines()[-1])  # the summary is still printed
    assert summary["feeds_failed"] == 2 and summary["feeds"] == 2
    assert "borderwatch: every feed that was due failed (2 of 2); see `borderwatch feeds`" in failed.stderr
    # each failure is logged by the task that fetched the feed, not by the one selecting entries
    for name in ("feed0", "feed1"):
        line = next(ln for ln in failed.stderr.splitlines() if f"feed {name} failed" in ln)
        assert "fetch-feeds" in line and "select-new-entries" not in line, line

    mixed = write_config(tmp_path / "mixed.yaml", run_config(db, [site.url("/broken.xml"), site.url("/feed.xml")]))
    ok = run(["run", "--config", str(mixed)], prefect_api_env, tmp_path, "mixed")
    assert ok.returncode == 0, ok.stderr[-2000:]
    assert json.loads(ok.stdout.strip().splitlines()[-1])["feeds_failed"] == 1

    resting = run_config(db, [site.url("/broken.xml"), site.url("/down.xml")])
    resting["pipeline"]["feed_backoff_base"] = 3600  # after this failure both feeds wait an hour
    write_config(tmp_path / "resting.yaml", resting)
    assert run(["run", "--config", str(tmp_path / "resting.yaml")], prefect_api_env, tmp_path,
               "backing-off").returncode == 3
    quiet = run(["run", "--config", str(tmp_path / "resting.yaml")], prefect_api_env, tmp_path, "resting")
    assert quiet.returncode == 0, quiet.stderr[-2000:]  # no feed was due: not a failure
    assert json.loads(quiet.stdout.strip().splitlines()[-1])["feeds_skipped"] == 2


@pytest.mark.usefixtures("prefect_harness")
def test_each_pass_publishes_what_it_found_as_a_prefect_artifact(site, sqlite_url):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.client.schemas.sorting import ArtifactSort

    config = make_config(sqlite_url, [("desk", site.url("/feed.xml")), ("broken desk", site.url("/broken.xml"))])
    summary = run_monitor(config)
    assert summary["events_new"] >= 1 and summary["feeds_failed"] == 1
    with get_client(sync_client=True) as client:
        (artifact,) = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(
            any_=["borderwatch-pass"])), sort=ArtifactSort.CREATED_DESC, limit=1)
        flow_run = client.read_flow_run(artifact.flow_run_id)
    assert flow_run.flow_id and artifact.type == "markdown"
    text = artifact.data
    assert f"## New events ({summary['events_new']})" in text
    assert "Khamyab" in text and "Jowzjan" in text and "Taliban" in text
    assert f"(<{site.url('/a/capture.html')}" in text, text  # the source, as a link
    assert "## Feeds that failed (1)" in text and "broken desk" in text and "500" in text


def _event(**kw) -> EventSummary:
    base = dict(event_id=1, kind="territorial", subtype="captured", place_name="Argo", district="Argo",
                province="Badakhshan", country="Afghanistan", lat=37.0, lon=70.4, actor="Taliban",
                first_seen=datetime(2026, 11, 24, 9, 30, tzinfo=UTC), event_date=date(2026, 11, 23),
                evidence="Taliban fighters captured Argo.", confidence=0.9, corroboration=2,
                sources=[SourceRef("Argo falls", "https://news.example/argo", "news.example")])
    base.update(kw)
    return EventSummary(**base)


def test_the_report_escapes_what_articles_and_feeds_say():
    hostile = _event(place_name="Argo | <b>x</b>", actor="[click](https://evil.example)",
                     evidence="a | b ` c <script>alert(1)</script> ![img](https://evil.example/i.png)",
                     sources=[SourceRef("t", "javascript:alert(1)", "evil"),
                              SourceRef("ok", "https://news.example/a b)c", "news.example")])
    text = render_pass_report({"feeds": 2, "feeds_failed": 1, "events_new": 1}, [hostile],
                              [("feed | x", "HTTP 500 <i>boom</i>")])
    table_rows = [ln for ln in text.splitlines() if ln.startswith("| territorial")]
    assert len(table_rows) == 1 and table_rows[0].count(" | ") == 5  # no cell was split by a "|" in the text
    assert "<script>" not in text and "<b>" not in text and "<i>" not in text
    assert "](https://evil" not in text and "![img]" not in text
    assert "javascript:" not in text  # not a link, and not shown as one
    assert "(<https://news.example/a%20b%29c>)" in text
    assert "| feed \\| x | HTTP 500 \\<i\\>boom\\</i\\> |" in text


def test_the_report_of_a_quiet_pass():
    text = render_pass_report({"feeds": 3, "feeds_not_modified": 3}, [], [])
    assert "No new events in this pass." in text and "## Feeds that failed (0)" in text
    assert "unchanged (304) **3**" in text
