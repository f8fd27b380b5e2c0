"""Feed formats in, entries out: RSS 0.91 / 1.0 / 2.0, Atom, JSON Feed; broken and hostile feeds."""

import json

import pytest

from borderwatch.errors import FeedParseError
from borderwatch.feeds import parse_feed

RSS2 = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Frontier Desk</title>
<item><title>Border post changes hands</title><link>https://news.example/a/1?utm_source=rss</link>
<guid isPermaLink="false">fd-1</guid><pubDate>Mon, 09 Nov 2026 08:30:00 GMT</pubDate>
<description>&lt;p&gt;Fighters took a &lt;b&gt;border post&lt;/b&gt; overnight.&lt;/p&gt;</description></item>
<item><title>Second</title><link>/a/2</link><pubDate>Mon, 09 Nov 2026 09:30:00 GMT</pubDate></item>
</channel></rss>"""

RSS091 = b"""<?xml version="1.0"?><rss version="0.91"><channel><title>Old</title><link>https://old.example/</link>
<item><title>Plain item</title><link>https://old.example/x</link><description>Text</description></item>
</channel></rss>"""

RSS1 = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://rdf.example/"><title>RDF</title><link>https://rdf.example/</link></channel>
<item rdf:about="https://rdf.example/item-1"><title>RDF item</title><link>https://rdf.example/item-1</link>
<dc:date>2026-11-09T10:00:00Z</dc:date></item></rdf:RDF>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Граница</title><id>urn:x</id><updated>2026-11-09T10:00:00Z</updated>
<entry><title>Пограничники усилили охрану</title><id>urn:x:1</id><link href="https://atom.example/ru/1"/>
<updated>2026-11-09T10:00:00Z</updated><summary>Краткий текст</summary></entry></feed>""".encode()


def test_rss2_entries_with_canonical_urls_and_plain_summaries():
    feed = parse_feed(RSS2, {"Content-Type": "application/rss+xml"}, base_url="https://news.example/feed")
    first, second = feed.entries
    assert first.guid == "fd-1"
    assert first.canonical_url == "https://news.example/a/1"
    assert first.summary == "Fighters took a border post overnight."
    assert first.published.isoformat() == "2026-11-09T08:30:00+00:00"
    assert second.url == "https://news.example/a/2"  # relative link resolved against the feed URL
    assert second.guid == "https://news.example/a/2"  # no GUID: the link stands in
    assert feed.problem is None


@pytest.mark.parametrize("content, title", [(RSS091, "Plain item"), (RSS1, "RDF item"),
                                            (ATOM, "Пограничники усилили охрану")])
def test_other_formats(content, title):
    feed = parse_feed(content, {"content-type": "application/xml"})
    assert [e.title for e in feed.entries] == [title]


def test_json_feed():
    doc = {"version": "https://jsonfeed.org/version/1.1", "title": "J",
           "items": [{"id": "j1", "url": "https://json.example/1", "title": "Item",
                      "content_text": "Body", "date_published": "2026-11-09T10:00:00Z"}]}
    feed = parse_feed(json.dumps(doc).encode(), {"content-type": "application/feed+json"})
    assert feed.entries[0].guid == "j1" and feed.entries[0].summary == "Body"
    assert feed.entries[0].published.year == 2026


def test_broken_feed_with_entries_is_used_and_its_problem_kept():
    broken = RSS2.replace(b"</channel></rss>", b"<item><title>Unclosed & bad</title></channel>")
    feed = parse_feed(broken, {"content-type": "application/rss+xml"})
    assert len(feed.entries) >= 1
    assert feed.problem


@pytest.mark.parametrize("content, reason", [
    (b"", "empty"),
    (b"<html><body><p>Not a feed</p></body></html>", "not a feed"),
    (b"<?xml version='1.0'?><rss><channel><item><title>x", "no entries|no links"),
    (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
     b"<rss version='2.0'><channel><item><title>&lol2;</title><link>https://a.example/</link></item></channel></rss>",
     "entities"),
    (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
     b"<rss version='2.0'><channel><item><title>&xxe;</title><link>https://a.example/</link></item></channel></rss>",
     "entities"),
    (b'{"not": "a feed"}', "not a JSON Feed"),
])
def test_unusable_feeds_raise_a_readable_error(content, reason):
    with pytest.raises(FeedParseError, match=reason):
        parse_feed(content, {"content-type": "application/xml"})


def test_wrong_declared_charset_still_parses():
    body = RSS2.replace(b'encoding="utf-8"', b'encoding="iso-8859-1"').replace(b"Second", "Сводка".encode())
    feed = parse_feed(body, {"content-type": "text/xml; charset=utf-8"})
    assert len(feed.entries) == 2


def test_malformed_entry_links_are_skipped_not_fatal():
    doc = {"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [
        {"id": "bad-port", "url": "http://example.org:99999/x", "title": "Bad port"},
        {"id": "bad-host", "url": "http://[oops/", "title": 7},
        {"id": 3, "url": "https://json.example/ok", "title": ["not", "a", "string"], "date_published": 12},
    ]}
    feed = parse_feed(json.dumps(doc).encode(), {"content-type": "application/feed+json"})
    assert [e.url for e in feed.entries] == ["https://json.example/ok"]
    assert feed.entries[0].guid == "3" and feed.entries[0].published is None
    rss = RSS2.replace(b"https://news.example/a/1?utm_source=rss", b"http://[oops/")
    assert [e.url for e in parse_feed(rss, {}, base_url="https://news.example/feed").entries] == ["https://news.example/a/2"]
