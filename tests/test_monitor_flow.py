"""The monitor flow end to end over real HTTP, on SQLite and Postgres: broken feeds do not stop healthy ones,
the second pass finds nothing new, conditional GET is used, nothing is stored twice."""

import pytest
from sqlalchemy import func, select

from borderwatch.flows.monitor import run_monitor
from borderwatch.models.db import Database
from borderwatch.models.schema import Article, Entry, Event, Feed, Mention
from tests.conftest import make_config
from tests.servers import ScriptedServer, hang, static

PAGE = """<!doctype html><html lang="en"><head><title>{title}</title>
<meta name="author" content="Desk Reporter"><meta property="og:site_name" content="Frontier Desk">
<meta property="article:published_time" content="2026-11-20T09:00:00Z"></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>{title}</h1>{body}</article>
<footer>Copyright Frontier Desk. All rights reserved.</footer></body></html>"""

CAPTURE = ("<p>Taliban fighters captured the Khamyab district centre in Jowzjan province on Thursday after "
           "government forces withdrew overnight, a provincial council member said.</p>"
           "<p>The district lies on the Amu Darya river across from Turkmenistan. Residents said the fighters "
           "raised their flag over the district governor's compound early in the morning.</p>"
           "<p>A Taliban spokesman confirmed the capture in a statement and said the district was now under "
           "the group's control. The defence ministry did not comment on the report.</p>")
MARKET = ("<p>Prices of flour and cooking oil rose again at the main bazaar this week, traders said, as "
          "winter approaches and fewer lorries arrive from the north.</p>"
          "<p>Shopkeepers blamed higher transport costs and a weaker currency for the increase.</p>"
          "<p>Aid groups said they would expand food distributions in the coming months.</p>")


def rss(base, items):
    body = "".join(f"<item><title>{t}</title><link>{base}{path}?utm_source=rss</link><guid>{path}</guid>"
                   f"<pubDate>Fri, 20 Nov 2026 09:00:00 GMT</pubDate><description>{d}</description></item>"
                   for path, t, d in items)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Desk</title>{body}</channel></rss>'.encode()


@pytest.fixture
def news_world(world):
    base = world.base_url
    world.set("/a/capture.html", "text/html; charset=utf-8",
              PAGE.format(title="Taliban capture district in Jowzjan", body=CAPTURE).encode())
    world.set("/a/market.html", "text/html; charset=utf-8",
              PAGE.format(title="Bazaar prices climb", body=MARKET).encode())
    world.set("/feed.xml", "application/rss+xml", rss(base, [
        ("/a/capture.html", "Taliban capture district in Jowzjan", "Fighters took Khamyab."),
        ("/a/market.html", "Bazaar prices climb", "Flour is dearer."),
    ]))
    # a second feed listing one of the same articles: fetched once, remembered for both feeds
    world.set("/other.xml", "application/rss+xml", rss(base, [
        ("/a/capture.html", "Taliban capture district in Jowzjan", "Fighters took Khamyab."),
    ]))
    return world


def counts(url):
    db = Database(url)
    with db.session() as s:
        out = {t.__name__: s.scalar(select(func.count()).select_from(t)) for t in (Feed, Entry, Article, Mention, Event)}
    db.dispose()
    return out


@pytest.mark.usefixtures("prefect_harness")
def test_broken_feeds_do_not_stop_healthy_ones_and_second_pass_is_quiet(news_world, db_url):
    with ScriptedServer() as bad:
        bad.routes["/hang.xml"] = hang(bad)
        bad.routes["/500.xml"] = static(b"oops", "text/plain", 500)
        bad.routes["/broken.xml"] = static(b"<rss><channel><title>Broken</title><item><tit", "application/xml")
        feeds = [("desk", news_world.base_url + "/feed.xml"), ("other", news_world.base_url + "/other.xml"),
                 ("hangs", bad.url("/hang.xml")), ("errors", bad.url("/500.xml")), ("broken", bad.url("/broken.xml"))]
        config = make_config(db_url, feeds)

        first = run_monitor(config)
        assert first["feeds_fetched"] == 2 and first["feeds_failed"] == 3
        assert first["articles_stored"] == 2 and first["articles_flagged"] >= 1
        assert first["events_new"] >= 1
        stored = counts(db_url)
        assert stored["Article"] == 2 and stored["Entry"] == 3  # the shared article is one row, two entries
        db = Database(db_url)
        with db.session() as s:
            assert all(e.article_id for e in s.scalars(select(Entry)))  # both feeds' entries point at it
        db.dispose()

        db = Database(db_url)
        with db.session() as s:
            health = {f.name: f for f in s.scalars(select(Feed))}
            article = s.scalars(select(Article).where(Article.url.like("%capture%"))).one()
            places = {(e.place_name, e.province) for e in s.scalars(select(Event).where(Event.kind == "territorial"))}
        db.dispose()
        assert health["hangs"].consecutive_failures == 1 and "timed out" in health["hangs"].last_error
        assert "HTTP 500" in health["errors"].last_error
        assert "unusable feed" in health["broken"].last_error
        assert health["desk"].last_success_at is not None and health["desk"].items_seen == 2
        assert health["desk"].etag
        assert article.url == news_world.base_url + "/a/capture.html"  # tracking parameters dropped
        assert article.fetch_status == "ok" and article.text_source == "trafilatura"
        assert "Khamyab" in article.text and "All rights reserved" not in article.text
        assert article.author == "Desk Reporter" and article.content_hash
        assert ("Khamyab", "Jowzjan") in places

        page_hits = sum(1 for method, path in news_world.requests if path.startswith("/a/"))
        assert page_hits == 2
        second = run_monitor(config)
        assert second["entries_new"] == 0 and second["articles_stored"] == 0 and second["events_new"] == 0
        assert second["feeds_not_modified"] == 2
        assert sum(1 for method, path in news_world.requests if path.startswith("/a/")) == 2
        assert counts(db_url) == stored


@pytest.mark.usefixtures("prefect_harness")
def test_extraction_failure_keeps_the_feed_summary(world, sqlite_url):
    world.set("/app.html", "text/html", b"<html><body><div id='app'></div><script>render()</script></body></html>")
    world.set("/feed.xml", "application/rss+xml", rss(world.base_url, [
        ("/app.html", "Live page", "About 300 Tajik reservists were mobilised and sent to the Afghan border."),
    ]))
    run_monitor(make_config(sqlite_url, [("desk", world.base_url + "/feed.xml")]))
    db = Database(sqlite_url)
    with db.session() as s:
        article = s.scalars(select(Article)).one()
    assert article.fetch_status == "extraction_failed" and article.text_source == "feed_summary"
    assert "reservists" in article.text and article.fetch_error


@pytest.mark.usefixtures("prefect_harness")
def test_links_to_private_addresses_are_not_fetched(world, sqlite_url):
    with ScriptedServer("127.0.0.2") as private:
        private.routes["/internal.html"] = static(b"<html>secret</html>", "text/html")
        world.set("/feed.xml", "application/rss+xml", rss("", [
            (private.url("/internal.html"), "Internal", "Nothing here."),
        ]))
        summary = run_monitor(make_config(sqlite_url, [("desk", world.base_url + "/feed.xml")]))
        assert private.total_hits() == 0
    assert summary["articles_stored"] == 1
    db = Database(sqlite_url)
    with db.session() as s:
        article = s.scalars(select(Article)).one()
    assert article.fetch_status == "blocked" and "non-public address" in article.fetch_error


@pytest.mark.usefixtures("prefect_harness")
def test_a_failed_page_stage_does_not_hide_its_entries_behind_a_304(news_world, sqlite_url, monkeypatch):
    import borderwatch.flows.monitor as monitor_module

    config = make_config(sqlite_url, [("desk", news_world.base_url + "/feed.xml")])
    real = monitor_module.fetch_and_analyse

    async def broken(*args, **kwargs):
        raise RuntimeError("worker pool died")

    monkeypatch.setattr(monitor_module, "fetch_and_analyse", broken)
    with pytest.raises(RuntimeError):
        run_monitor(config)
    db = Database(sqlite_url)
    with db.session() as s:
        feed = s.scalars(select(Feed)).one()
        assert feed.etag is None  # not stored while its entries are not
    db.dispose()
    monkeypatch.setattr(monitor_module, "fetch_and_analyse", real)
    summary = run_monitor(config)
    assert summary["entries_new"] == 2 and summary["articles_stored"] == 2
    assert run_monitor(config)["feeds_not_modified"] == 1
