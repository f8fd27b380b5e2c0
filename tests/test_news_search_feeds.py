"""News-search feeds (Google News, Bing News) in their real formats, served on 127.0.0.1, with the publisher on
127.0.0.2: items are credited to the publisher, Bing links are unwrapped and fetched at the publisher (SSRF rules
as for any link), Google items are headline-only (the interstitial is never fetched) unless a resolver is
configured, and a story reached through an aggregator and through the outlet's own feed is one article."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import select

from borderwatch.aggregators import aggregator_for, attribute, normalise_title, story_key, unwrap_bing
from borderwatch.config import FeedConfig, load_config
from borderwatch.feeds import parse_feed
from borderwatch.flows.monitor import run_monitor
from borderwatch.models.db import Database
from borderwatch.models.schema import Article, Entry, Mention
from tests.conftest import make_config
from tests.servers import ScriptedServer, respond, static
from tests.test_monitor_flow import CAPTURE, MARKET  # the same two article bodies

FEEDS = Path(__file__).parent / "newsfeeds"
CAPTURE_TITLE = "Taliban capture district in Jowzjan"
PAGE = """<!doctype html><html lang="en"><head><title>{title}</title>
<meta property="article:published_time" content="2026-12-03T07:40:00Z"></head>
<body><article><h1>{title}</h1>{body}</article><footer>Frontier Desk</footer></body></html>"""


def google_feed(base: str, publisher: str) -> bytes:
    return (FEEDS / "google_news.rss").read_text().replace("{base}", base).replace("{publisher}", publisher).encode()


def bing_feed(base: str, page_url: str) -> bytes:
    # Bing percent-encodes the publisher's URL in lower case: https%3a%2f%2f…
    encoded = quote(page_url, safe="").replace("%3A", "%3a").replace("%2F", "%2f")
    return (FEEDS / "bing_news.rss").read_text().replace("{base}", base).replace("{page_encoded}", encoded).encode()


def outlet_feed(publisher: str) -> bytes:
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Frontier Desk</title>'
            f"<item><title>{CAPTURE_TITLE}</title><link>{publisher}/a/capture.html</link><guid>capture</guid>"
            "<pubDate>Thu, 03 Dec 2026 07:40:00 GMT</pubDate><description>Fighters took Khamyab.</description>"
            "</item></channel></rss>").encode()


class World:
    """Aggregators on 127.0.0.1 (``agg``), the publisher Frontier Desk on 127.0.0.2 (``pub``)."""

    def __init__(self, agg: ScriptedServer, pub: ScriptedServer):
        self.agg, self.pub = agg, pub
        pub.routes["/a/capture.html"] = static(PAGE.format(title=CAPTURE_TITLE, body=CAPTURE).encode(), "text/html")
        pub.routes["/a/market.html"] = static(PAGE.format(title="Bazaar prices climb", body=MARKET).encode(),
                                              "text/html")
        pub.routes["/feed.xml"] = static(outlet_feed(pub.base_url))
        agg.routes["/rss/search"] = static(google_feed(agg.base_url, pub.base_url))
        agg.routes["/news/search"] = static(bing_feed(agg.base_url, pub.url("/a/market.html?utm_source=bing")))
        # the interstitial and the click-through: must never be asked for
        agg.routes["/rss/articles"] = lambda h: respond(h, 200, b"<html><script>redirect()</script></html>")
        agg.routes["/news/apiclick.aspx"] = lambda h: respond(h, 302, b"", headers={"Location": "/"})

    def google(self) -> dict:
        return {"name": "Google News: Jowzjan", "url": self.agg.url("/rss/search?q=Jowzjan&hl=en-US"),
                "aggregator": "google"}

    def bing(self) -> dict:
        return {"name": "Bing News: Jowzjan", "url": self.agg.url("/news/search?q=Jowzjan&format=rss"),
                "aggregator": "bing"}

    def outlet(self) -> dict:
        return {"name": "Frontier Desk", "url": self.pub.url("/feed.xml")}

    def aggregator_page_hits(self) -> int:
        return sum(n for path, n in self.agg.hits.items() if path.startswith(("/rss/articles", "/news/apiclick")))

    def publisher_page_hits(self, name: str) -> int:
        return sum(n for path, n in self.pub.hits.items() if path.startswith(f"/a/{name}"))

    @property
    def site(self) -> str:
        return self.pub.base_url.removeprefix("http://")


@pytest.fixture
def news():
    with ScriptedServer("127.0.0.1") as agg, ScriptedServer("127.0.0.2") as pub:
        yield World(agg, pub)


def with_feeds(db_url: str, feeds: list[dict], **overrides):
    """make_config with feeds given as whole config entries (``aggregator`` included)."""
    return make_config(db_url, None, **overrides).model_copy(update={"feeds": [FeedConfig(**f) for f in feeds]})


def config(db_url: str, feeds: list[dict], **overrides):
    return with_feeds(db_url, feeds, **{"network": {"allow_private": True}, **overrides})


def articles(db_url: str) -> tuple[list[Article], list[Entry], list[Mention]]:
    db = Database(db_url)
    with db.session() as s:
        out = (list(s.scalars(select(Article).order_by(Article.id))), list(s.scalars(select(Entry).order_by(Entry.id))),
               list(s.scalars(select(Mention))))
        s.expunge_all()
    db.dispose()
    return out


# --- pure ---------------------------------------------------------------------------------------------------

def test_news_search_feeds_are_known_by_host_or_by_declaration():
    assert aggregator_for("https://news.google.com/rss/search?q=CSTO&hl=en-US") == "google"
    assert aggregator_for("https://www.bing.com/news/search?q=Afghanistan&format=rss") == "bing"
    assert aggregator_for("https://bing.com/news/search?q=x&format=rss") == "bing"
    assert aggregator_for("https://tolonews.com/rss.xml") is None
    assert aggregator_for("https://google.com.evil.example/rss") is None
    assert aggregator_for("http://127.0.0.1:8000/rss", "google") == "google"
    assert aggregator_for("http://127.0.0.1:8000/rss", "bing") == "bing"


def test_google_items_name_their_publisher_and_keep_no_aggregator_link():
    parsed = parse_feed(google_feed("https://news.google.com", "https://www.frontierdesk.example"))
    first, second = (attribute(e, "google") for e in parsed.entries)
    assert first.title == CAPTURE_TITLE and first.publisher == "Frontier Desk"
    assert first.publisher_site == "frontierdesk.example" and first.via == "google" and first.headline_only
    assert first.summary == f"{CAPTURE_TITLE} Frontier Desk"  # entities and markup of the snippet undone
    assert second.publisher == "Valley Times" and second.publisher_site == "valleytimes.example"


def test_google_title_suffix_names_the_publisher_when_no_source_element():
    entry = parse_feed(b'<rss version="2.0"><channel><item><title>Border post reopens - Asia Wire</title>'
                       b"<link>https://news.google.com/rss/articles/CBMiXYZ?oc=5</link></item></channel></rss>")
    item = attribute(entry.entries[0], "google")
    assert item.title == "Border post reopens" and item.publisher == "Asia Wire" and item.headline_only
    assert item.publisher_site is None  # never news.google.com


def test_old_google_links_and_bing_links_are_unwrapped():
    assert unwrap_bing("http://www.bing.com/news/apiclick.aspx?ref=FexRss&aid=&tid=1&url=https%3a%2f%2f"
                       "www.rferl.org%2fa%2ftajik-border%2f1.html&c=2&mkt=en-us") == \
        "https://www.rferl.org/a/tajik-border/1.html"
    assert unwrap_bing("http://www.bing.com/news/apiclick.aspx?ref=FexRss&url=javascript%3aalert(1)") is None
    parsed = parse_feed(bing_feed("http://www.bing.com", "https://www.rferl.org/a/tajik.html?utm_source=bing"))
    item = attribute(parsed.entries[0], "bing")
    assert item.url == "https://www.rferl.org/a/tajik.html?utm_source=bing"
    assert item.canonical_url == "https://rferl.org/a/tajik.html"
    assert item.publisher == "Frontier Desk" and item.publisher_site == "rferl.org" and not item.headline_only
    old = parse_feed(b'<rss version="2.0"><channel><item><title>Post - Wire</title><link>https://news.google.com/'
                     b"news/url?sa=t&amp;fd=R&amp;url=https://wire.example/post-1&amp;usg=AFQ</link></item>"
                     b"</channel></rss>").entries[0]
    assert attribute(old, "google").url == "https://wire.example/post-1"


def test_story_key_is_publisher_and_normalised_title():
    assert normalise_title("Taliban  capture district in JOWZJAN!") == "taliban capture district in jowzjan"
    assert story_key("frontierdesk.example", "Taliban capture district in Jowzjan") == \
        story_key("frontierdesk.example", "Taliban capture district in Jowzjan.")
    assert story_key("frontierdesk.example", CAPTURE_TITLE) != story_key("valleytimes.example", CAPTURE_TITLE)
    assert story_key(None, CAPTURE_TITLE) is None and story_key("frontierdesk.example", " - ") is None


# --- through the monitor flow ---------------------------------------------------------------------------------

@pytest.mark.usefixtures("prefect_harness")
def test_aggregator_items_are_credited_to_the_publisher_and_one_story_is_one_article(news, db_url):
    first = run_monitor(config(db_url, [news.google(), news.bing()]))
    assert first["feeds_fetched"] == 2 and first["articles_stored"] == 3
    assert news.aggregator_page_hits() == 0  # no interstitial, no click-through
    assert news.publisher_page_hits("market") == 1 and news.publisher_page_hits("capture") == 0
    stored, entries, mentions = articles(db_url)
    by_title = {a.title: a for a in stored}
    capture = by_title[CAPTURE_TITLE]
    assert capture.fetch_status == "headline_only" and capture.text_source == "feed_summary"
    assert capture.publisher == "Frontier Desk" and capture.source == news.site and capture.via == "google"
    assert capture.text == f"{CAPTURE_TITLE} Frontier Desk"  # Google's snippet: the headline and publisher
    assert capture.fetch_error is None and capture.http_status is None
    market = next(a for a in stored if a.via == "bing")
    assert market.url == news.pub.url("/a/market.html") and market.fetch_status == "ok"
    assert market.publisher == "Frontier Desk" and market.source == news.site and "flour" in market.text
    valley = by_title["Bazaar prices climb as winter nears"]
    assert valley.via == "google" and valley.source == "valleytimes.example"  # a different story, not merged
    assert all(m.source == news.site for m in mentions)
    assert not any("127.0.0.1" in (a.source or "") for a in stored)

    # the outlet's own feed lists the Google story: the headline-only article is completed, not duplicated
    second = run_monitor(config(db_url, [news.google(), news.bing(), news.outlet()]))
    assert second["articles_stored"] == 1 and news.publisher_page_hits("capture") == 1
    stored, entries, mentions = articles(db_url)
    assert len(stored) == 3
    capture = next(a for a in stored if a.id == capture.id)
    assert capture.url == news.pub.url("/a/capture.html") and capture.fetch_status == "ok"
    assert "Khamyab" in capture.text and capture.source == news.site
    assert [e.article_id for e in entries].count(capture.id) == 2  # Google's entry and the outlet's
    assert any(m.article_id == capture.id and m.kind == "territorial" for m in mentions)
    assert news.aggregator_page_hits() == 0


@pytest.mark.usefixtures("prefect_harness")
def test_outlet_first_then_aggregator_is_still_one_article(news, sqlite_url):
    run_monitor(config(sqlite_url, [news.outlet()]))
    run_monitor(config(sqlite_url, [news.outlet(), news.google()]))
    stored, entries, _ = articles(sqlite_url)
    capture = [a for a in stored if a.title == CAPTURE_TITLE]
    assert len(capture) == 1 and capture[0].fetch_status == "ok" and capture[0].via is None
    assert [e.article_id for e in entries].count(capture[0].id) == 2
    assert news.aggregator_page_hits() == 0 and news.publisher_page_hits("capture") == 1


@pytest.mark.usefixtures("prefect_harness")
def test_unwrapped_bing_links_obey_the_ssrf_rules(news, sqlite_url):
    # no allow_private, the publisher's feed not configured: its address 127.0.0.2 is not public
    run_monitor(with_feeds(sqlite_url, [news.bing()]))
    assert news.publisher_page_hits("market") == 0 and news.aggregator_page_hits() == 0
    stored, _, _ = articles(sqlite_url)
    assert len(stored) == 1 and stored[0].fetch_status == "blocked" and "non-public" in stored[0].fetch_error
    assert stored[0].publisher == "Frontier Desk" and stored[0].source == news.site


@pytest.mark.usefixtures("prefect_harness")
def test_a_configured_resolver_turns_google_items_into_fetched_articles(news, db_url):
    asked = []

    def resolve(h):  # knows the Frontier Desk story only
        asked.append(h.path)
        if "CBMiWkFV" in h.path:
            respond(h, 200, news.pub.url("/a/capture.html?utm_medium=gn").encode(), "text/plain")
        else:
            respond(h, 404, b"unknown", "text/plain")

    with ScriptedServer("127.0.0.1") as resolver:
        resolver.routes["/resolve"] = resolve
        resolving = {"aggregators": {"google_resolver": resolver.url("/resolve?link={url}")}}
        first = run_monitor(config(db_url, [news.google()], **resolving))
        assert len(asked) == 2 and news.aggregator_page_hits() == 0 and news.publisher_page_hits("capture") == 1
        second = run_monitor(config(db_url, [news.google(), news.outlet()], **resolving))
    assert first["articles_stored"] == 2 and second["articles_stored"] == 0
    stored, entries, _ = articles(db_url)
    capture = [a for a in stored if a.title == CAPTURE_TITLE]
    assert len(capture) == 1 and capture[0].fetch_status == "ok"  # one article by URL, once resolved
    assert capture[0].url == news.pub.url("/a/capture.html") and capture[0].via == "google"
    assert [e.article_id for e in entries].count(capture[0].id) == 2
    valley = next(a for a in stored if a.source == "valleytimes.example")
    assert valley.fetch_status == "headline_only" and "resolver" in valley.fetch_error
    assert news.publisher_page_hits("capture") == 1


def test_resolver_must_say_where_the_link_goes():
    from borderwatch.errors import ConfigError

    with pytest.raises(ConfigError, match=r"google_resolver: must contain \{url\}"):
        make_config("sqlite://", None, aggregators={"google_resolver": "http://127.0.0.1/resolve"})
    with pytest.raises(ConfigError, match=r"feeds.0.aggregator"):
        load_config(None, env={}, overrides={"feeds": [{"name": "x", "url": "http://127.0.0.1/f", "aggregator": "yahoo"}]})
