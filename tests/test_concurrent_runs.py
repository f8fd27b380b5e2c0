"""Two `borderwatch run` processes at the same moment on one Postgres database, same config: both see every
entry as new, yet each page is fetched by one of them (page claims), nothing is stored twice and every alert is
sent once."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from borderwatch.models.db import Database
from borderwatch.models.schema import Alert, Article, Entry, Event, Mention
from tests import bwproc
from tests.bwproc import AlertSink, NewsSite, Run, db_counts, run_config, wait_until, write_config
from tests.servers import ScriptedServer

prefect_api_env = bwproc.prefect_api_env  # fixture
N = len(bwproc.ARTICLES)


@pytest.mark.postgres
def test_two_runs_at_once_store_and_alert_everything_once(prefect_api_env, pg_url, tmp_path):
    with ScriptedServer() as srv, AlertSink() as sink:
        site = NewsSite(srv)
        # generous page timeouts: the site holds pages until both runs are waiting on them
        config = write_config(tmp_path / "config.yaml", run_config(
            pg_url, [site.feed_url], [sink.url()], network={"timeout": 15, "deadline": 20}))
        site.gate.clear()
        runs = [Run(["run", "--config", str(config)], prefect_api_env, tmp_path, f"run{i}") for i in (1, 2)]
        # the run that claimed the pages waits on the closed site; the other leaves them to it and ends
        wait_until(lambda: any(r.out_path.read_text().strip() for r in runs), 90,
                   "one run to leave the pages to the other and print its summary")
        assert site.page_hits() <= 2  # per_host=2 of the holder's requests, nothing from the other run
        site.gate.set()
        finished = [r.wait(120) for r in runs]

    summaries = []
    for f in finished:
        assert f.returncode == 0, f.stderr[-3000:]
        summaries.append(json.loads(f.stdout.strip().splitlines()[-1]))
    assert site.page_hits() == N  # each page fetched once, by the run that claimed it
    loser = min(summaries, key=lambda s: s["articles_stored"])  # found the feed or its pages claimed
    assert loser["articles_stored"] == 0 and (loser["feeds_skipped"] == 1 or loser["pages_left_to_others"] == N)
    assert sum(s["articles_stored"] for s in summaries) == N  # each article stored by exactly one run

    counts = db_counts(pg_url)
    assert counts["feeds"] == 1 and counts["entries"] == N and counts["articles"] == N
    db = Database(pg_url, migrate=False)
    with db.session() as s:
        urls = list(s.scalars(select(Article.url)))
        guids = list(s.scalars(select(Entry.guid)))
        claims = s.execute(select(Mention.article_id, Mention.kind, Mention.subtype, Mention.place_key)).all()
        clusters = s.execute(select(Event.kind, Event.family, Event.place_key, Event.event_date, func.count())
                             .group_by(Event.kind, Event.family, Event.place_key, Event.event_date)).all()
        clustered = s.scalar(select(func.count()).select_from(Mention).where(Mention.event_id.is_not(None)))
        mention_total = s.scalar(select(func.sum(Event.mentions_count)))
        alerts = list(s.scalars(select(Alert)))
        alertable = s.scalar(select(func.count()).select_from(Event)  # the channel's default kinds
                             .where(Event.kind.in_(["territorial", "troop_movement"])))
    db.dispose()
    assert len(urls) == len(set(urls)) and len(guids) == len(set(guids))
    assert len(claims) == len(set(claims)) and clustered == len(claims)
    assert all(n == 1 for *_, n in clusters), f"an event was created twice: {clusters}"
    assert mention_total == clustered  # no mention counted into an event twice
    assert len(alerts) == alertable >= 2 and len({(a.channel, a.key) for a in alerts}) == len(alerts)
    assert {a.status for a in alerts} == {"sent"} and all(a.attempts == 1 for a in alerts)
    assert sum(s["alerts_sent"] for s in summaries) == len(alerts)
    assert sorted(sink.counts().values()) == [1] * len(alerts), sink.counts()
