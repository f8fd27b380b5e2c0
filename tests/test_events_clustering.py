"""Mentions become events: one real-world event from many sources is one event and one alert; conflicting
counts stay side by side; a reversal of control is a new event and shows in place_control_v. SQLite and
Postgres."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select, text

from borderwatch.delivery import deliver
from borderwatch.events import Claim, best_match, same_event
from borderwatch.models import store
from borderwatch.models.schema import Alert, Event, Mention
from borderwatch.outbox import event_summaries
from tests.conftest import make_config
from tests.eventseed import (
    ARGO,
    GOVERNMENT,
    KHOROG,
    TALIBAN,
    WAKHAN,
    article,
    capture_reports,
    mention,
    seed,
)


def test_ten_sources_one_event_corroboration_ten_one_alert(db_url, db, sink):
    config = make_config(db_url, alerts=[{"url": sink.json_url(), "name": "desk"}])
    records = capture_reports(10)  # ten hosts (127.0.0.1:9000..9009), event dates over two days
    records.append(article("http://127.0.0.1:9003/news/follow-up", "Follow-up from a source already counted",
                           [mention(event_date=date.today())]))
    created, updated, queued = seed(db, records[:4], config)
    assert len(created) == 1 and queued == 1
    created2, updated2, queued2 = seed(db, records[4:], config)  # a later run brings the other reports
    assert created2 == [] and updated2 == created and queued2 == 0

    with db.session() as s:
        events = s.scalars(select(Event)).all()
        assert len(events) == 1
        event = events[0]
        assert event.sources == 10  # distinct hosts, the follow-up from a known source does not count twice
        assert event.mentions_count == 11
        assert event.status == "corroborated"
        assert s.scalar(select(text("count(*)")).select_from(Alert)) == 1
        row = s.execute(text("SELECT corroboration, mentions_count FROM events_v")).one()
        assert tuple(row) == (10, 11)

    assert deliver(config, db) == (1, 0)
    assert deliver(config, db) == (0, 0)
    assert len(sink.ok_posts()) == 1
    assert "Ishkashim" in sink.posts[0].json["title"]


def test_sources_are_hosts_with_port_without_www(db):
    same = [article("https://www.example.org/a", "A", [mention()]),
            article("https://example.org/b", "B", [mention()]),
            article("https://example.org:8443/c", "C", [mention()])]
    seed(db, same)
    with db.session() as s:
        assert sorted(s.scalars(select(Mention.source))) == ["example.org", "example.org", "example.org:8443"]
        assert s.scalar(select(Event.sources)) == 2


def test_conflicting_counts_are_kept_side_by_side(db):
    records = [
        article("http://asiaplus.example/a", "280 soldiers crossed", [mention(
            "troop_movement", "crossed_border", WAKHAN, ("Afghan government forces",), count=280,
            count_text="280 soldiers", claimant="Tajik border service")]),
        article("http://tolo.example/b", "About 300 crossed", [mention(
            "troop_movement", "crossed_border", WAKHAN, ("Afghan government forces",), count=300,
            count_text="about 300 soldiers", claimant="Afghan defence ministry")]),
        article("http://rferl.example/c", "Dozens crossed", [mention(
            "troop_movement", "crossed_border", WAKHAN, (), count=40, count_text="40 servicemen")]),
    ]
    created, _, _ = seed(db, records)
    assert len(created) == 1
    with db.session() as s:
        counts = s.execute(text("SELECT count, count_text, claimant, source FROM mentions_v ORDER BY mention_id")).all()
        assert [tuple(r) for r in counts] == [
            (280, "280 soldiers", "Tajik border service", "asiaplus.example"),
            (300, "about 300 soldiers", "Afghan defence ministry", "tolo.example"),
            (40, "40 servicemen", None, "rferl.example"),
        ]
        low, high = s.execute(text("SELECT count_low, count_high FROM events_v")).one()
        assert (low, high) == (40, 300)
        summary = event_summaries(s, created)[created[0]]
    assert [(c.text, c.claimant, c.source) for c in summary.counts] == [
        ("280 soldiers", "Tajik border service", "asiaplus.example"),
        ("about 300 soldiers", "Afghan defence ministry", "tolo.example"),
        ("40 servicemen", None, "rferl.example"),
    ]
    assert summary.claimants == ["Tajik border service", "Afghan defence ministry"]


def test_reversal_is_a_second_event_and_both_alert(db_url, db, sink):
    config = make_config(db_url, alerts=[{"url": sink.json_url(), "name": "desk"}])
    day = date.today() - timedelta(days=6)
    seed(db, capture_reports(3, start=day), config)
    assert deliver(config, db) == (1, 0)
    with db.session() as s:
        holder = s.execute(text("SELECT holder, by_subtype FROM place_control_v WHERE place_id = 'AF1723'")).one()
        assert tuple(holder) == (TALIBAN, "captured")

    retake = capture_reports(2, start=day + timedelta(days=2), actor=GOVERNMENT, subtype="retaken", port_base=9100)
    created, _, queued = seed(db, retake, config)
    assert len(created) == 1 and queued == 1
    assert deliver(config, db) == (1, 0)
    assert [p.json["title"] for p in sink.ok_posts()] == [
        f"[borderwatch] territorial: captured — Ishkashim, Badakhshan, Afghanistan ({TALIBAN})",
        f"[borderwatch] territorial: retaken — Ishkashim, Badakhshan, Afghanistan ({GOVERNMENT})",
    ]
    with db.session() as s:
        assert s.scalar(text("SELECT count(*) FROM events")) == 2
        row = s.execute(text("SELECT holder, previous_holder, by_subtype, since, control_events "
                             "FROM place_control_v WHERE place_id = 'AF1723'")).one()
        assert row.holder == GOVERNMENT and row.previous_holder == TALIBAN and row.by_subtype == "retaken"
        assert str(row.since) == (day + timedelta(days=2)).isoformat() and row.control_events == 2
        timeline = s.execute(text("SELECT subtype, holder, previous_holder FROM control_timeline_v "
                                  "WHERE place_id = 'AF1723' ORDER BY event_date")).all()
        assert [tuple(r) for r in timeline] == [("captured", TALIBAN, None), ("retaken", GOVERNMENT, TALIBAN)]


def test_recapture_after_retake_is_a_third_event(db):
    day = date.today() - timedelta(days=20)
    seed(db, capture_reports(1, start=day))
    seed(db, capture_reports(1, start=day + timedelta(days=5), actor=GOVERNMENT, subtype="retaken", port_base=9100))
    seed(db, capture_reports(1, start=day + timedelta(days=10), port_base=9200))
    with db.session() as s:
        assert s.scalar(text("SELECT count(*) FROM events")) == 3
        assert s.scalar(text("SELECT holder FROM place_control_v WHERE place_id = 'AF1723'")) == TALIBAN
        assert s.scalar(text("SELECT control_events FROM place_control_v WHERE place_id = 'AF1723'")) == 3


def test_other_places_dates_and_actors_are_other_events(db):
    day = date.today() - timedelta(days=30)
    seed(db, [
        article("http://a.example/1", "Ishkashim falls", [mention(event_date=day)]),
        article("http://b.example/2", "Argo falls", [mention(place=ARGO, event_date=day)]),  # other place
        article("http://c.example/3", "Ishkashim falls again", [mention(event_date=day + timedelta(days=9))]),
        article("http://d.example/4", "Unnamed group takes Ishkashim", [mention(actors=(), event_date=day)]),
        article("http://e.example/5", "IS-K takes Ishkashim", [mention(actors=("ISKP",), event_date=day)]),
    ])
    with db.session() as s:
        events = s.execute(text("SELECT place_name, actor, event_date, corroboration FROM events_v "
                                "ORDER BY event_id")).all()
    # d (no actor named) joins the first event; ISKP's claim and the 9-day-later report are events of their own
    # (events open in the order the reports were published)
    assert [(e.place_name, e.actor, e.corroboration) for e in events] == [
        ("Ishkashim", TALIBAN, 2), ("Argo", TALIBAN, 1), ("Ishkashim", "ISKP", 1), ("Ishkashim", TALIBAN, 1)]


def test_one_article_many_events(db):
    seed(db, [article("http://a.example/1", "Two districts fell", [mention(), mention(place=WAKHAN),
                                                                   mention(place=WAKHAN)])])
    with db.session() as s:
        assert s.scalar(text("SELECT count(*) FROM events")) == 2
        assert s.scalar(text("SELECT count(*) FROM mentions")) == 2  # the duplicate claim is stored once


def test_unplaced_mentions_of_unrelated_stories_never_pile_up(db):
    """Rule 3 in storage: an unplaced mention joins only its own article's event; elsewhere it stays a mention
    (event_id NULL), so five unrelated unplaced reports make no event and no alert."""
    day = date.today() - timedelta(days=20)
    seed(db, [article(f"http://s{i}.example/x", "Somewhere, something", [mention(place=None, event_date=day)])
              for i in range(5)])
    seed(db, [article("http://t.example/1", "Ishkashim falls; the district was taken",
                      [mention(event_date=day), mention(place=None, event_date=day)])])
    with db.session() as s:
        assert s.scalar(text("SELECT count(*) FROM events")) == 1
        assert s.scalar(text("SELECT count(*) FROM mentions WHERE event_id IS NULL")) == 5
        assert s.scalar(text("SELECT mentions_count FROM events")) == 2


def test_a_country_level_event_takes_the_place_of_a_finer_report(db):
    day = date.today() - timedelta(days=20)
    tajikistan = KHOROG.__class__(id="TJ", name="Tajikistan", kind="country", country="Tajikistan",
                                  country_code="TJ", precision="country")
    seed(db, [article("http://a.example/1", "Soldiers fled into Tajikistan",
                      [mention("troop_movement", "crossed_border", tajikistan, event_date=day)])])
    seed(db, [article("http://b.example/2", "Soldiers crossed at Khorog",
                      [mention("troop_movement", "crossed_border", KHOROG, event_date=day)])])
    with db.session() as s:
        rows = s.execute(text("SELECT place_name, province, corroboration FROM events_v")).all()
    assert [tuple(r) for r in rows] == [("Khorog", "Gorno-Badakhshan", 2)]


def test_window_is_configurable(db):
    day = date.today() - timedelta(days=40)
    recs = [article("http://a.example/1", "x", [mention(event_date=day)]),
            article("http://b.example/2", "y", [mention(event_date=day + timedelta(days=5))])]
    seed(db, recs, window_days=7)
    with db.session() as s:
        assert s.scalar(text("SELECT count(*) FROM events")) == 1
        # a report dating the event earlier moves the event date back
        assert str(s.scalar(text("SELECT event_date FROM events"))) == day.isoformat()


def test_clustering_rules_are_pure_functions():
    class E:
        kind, subtype, family, place_key, actor, event_date = "territorial", "captured", "takeover", "AF1723", \
            "Taliban", date(2026, 1, 10)
        place_name, province, country, country_code, precision = "Ishkashim", "Badakhshan", "Afghanistan", "AF", \
            "district"

    assert same_event(Claim("territorial", "captured", "AF1723", None, date(2026, 1, 12)), E, 3)
    assert same_event(Claim("territorial", "handed_over", "AF1723", "taliban", date(2026, 1, 8)), E, 3)
    assert not same_event(Claim("territorial", "retaken", "AF1723", "Taliban", date(2026, 1, 10)), E, 3)
    assert not same_event(Claim("territorial", "captured", "AF1728", "Taliban", date(2026, 1, 10)), E, 3)
    assert not same_event(Claim("territorial", "captured", "AF1723", "ISKP", date(2026, 1, 10)), E, 3)
    assert not same_event(Claim("territorial", "captured", "AF1723", None, date(2026, 1, 14)), E, 3)

    class F(E):
        event_date = date(2026, 1, 12)

    assert best_match(Claim("territorial", "captured", "AF1723", None, date(2026, 1, 13)), [E, F], 3) is F
    assert best_match(Claim("territorial", "captured", "AF1723", None, date(2026, 2, 13)), [E, F], 3) is None


def test_a_town_clusters_with_its_district():
    from borderwatch.events import place_key
    from borderwatch.gazetteer import load_gazetteer

    gz = load_gazetteer()
    town = next(p for p in gz.lookup("Khandud") if p.kind == "town")
    district = next(p for p in gz.lookup("Wakhan") if p.kind == "district")
    crossing = next(p for p in gz.lookup("Sher Khan Bandar") if p.kind == "crossing")
    assert place_key(town) == place_key(district) == district.id
    assert place_key(crossing) == crossing.district_id  # a crossing counts as the district it lies in
    assert place_key(None) == ""


def test_saving_articles_skips_stored_urls_and_keeps_ids_with_their_records(db):
    """Multi-row inserts (500 per statement): every id returned is the row of its own URL, URLs stored before
    (by another run) are skipped, mentions are stored for the new articles only."""
    from borderwatch.models.schema import Article

    stored_before = capture_reports(1, port_base=7000)
    seed(db, stored_before)
    batch = capture_reports(1201, port_base=7000)  # its first URL is the one stored before; three statements
    twice = capture_reports(3, port_base=7000)[2]  # the third URL once more, in the same statement
    with db.session() as s:
        inserted = store.save_articles(s, batch[:3] + [twice] + batch[3:])
    assert [rec for _, rec in inserted] == batch[1:]  # the repeated URL: the first record only
    with db.session() as s:
        urls = dict(s.execute(select(Article.id, Article.url)).all())
        assert all(urls[article_id] == rec.entry.canonical_url for article_id, rec in inserted)
        assert s.scalar(select(text("count(*)")).select_from(Mention)) == 1201
