import pytest

from borderwatch.redact import redact_text, redact_url
from borderwatch.urls import canonical_url


@pytest.mark.parametrize("given, expected", [
    ("HTTPS://WWW.Example.org:443/news/a?utm_source=rss&utm_medium=feed#top", "https://example.org/news/a"),
    ("http://example.org:80", "http://example.org/"),
    ("https://example.org/a?b=2&a=1&fbclid=xyz", "https://example.org/a?a=1&b=2"),
    ("https://example.org:8443/a?id=7", "https://example.org:8443/a?id=7"),
    ("https://example.org/Path/Case", "https://example.org/Path/Case"),
])
def test_canonical_url(given, expected):
    assert canonical_url(given) == expected


def test_same_article_with_and_without_tracking_is_one_url():
    assert canonical_url("https://news.example/a/1?utm_campaign=x") == canonical_url("https://news.example/a/1")


@pytest.mark.parametrize("url, secret", [
    ("mailtos://desk:app-password-9@smtp.example.org?to=a@b.org", "app-password-9"),
    ("slack://TOKENA1/TOKENB2/TOKENC3/#room", "TOKENB2"),
    ("tgram://123456:ABCDEF/987", "ABCDEF"),
    ("postgresql+psycopg://bw:dbpass77@db.example.org/bw", "dbpass77"),
    ("json://hooks.example.org/x?token=tok123456", "tok123456"),
])
def test_redact_url_hides_secrets(url, secret):
    assert secret not in redact_url(url)


def test_redact_text_hides_literal_secrets_and_userinfo():
    text = "failed to send to mailto://u:pw1234@h and token s3cr3t-value"
    out = redact_text(text, ["s3cr3t-value"])
    assert "pw1234" not in out and "s3cr3t-value" not in out
