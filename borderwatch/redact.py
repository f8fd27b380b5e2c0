"""Keep secrets (passwords, tokens in apprise and database URLs) out of logs and messages."""

from __future__ import annotations

import re

# scheme://user:password@host  -> scheme://user:***@host ; scheme://token@host -> scheme://***@host
_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.\-]*://)(?P<userinfo>[^/@\s]+)@")
# tokens in the path of apprise URLs (slack://T/B/C, tgram://bot/chat, discord://id/token) and query secrets
_QUERY_SECRET = re.compile(r"(?i)([?&](?:pass|password|token|key|secret|apikey|api_key|webhook)=)[^&\s]+")


# Schemes whose host part is a real host name (kept); every other scheme is an apprise service token URL.
HOST_SCHEMES = frozenset({"http", "https", "json", "jsons", "xml", "xmls", "form", "forms", "mailto", "mailtos",
                          "postgresql", "postgresql+psycopg", "postgres", "sqlite"})


# Schemes whose user name alone is not a secret: "postgresql://bw@db/bw" is shown as it is (only a password is
# masked); elsewhere a lone user part may be a token ("json://TOKEN@host") and is masked.
USER_SCHEMES = frozenset({"postgresql", "postgresql+psycopg", "postgres", "sqlite", "mailto", "mailtos"})


def redact_url(url: str) -> str:
    """Return a URL safe to log: userinfo, path tokens of non-http schemes and secret query values hidden."""
    if not url:
        return url
    out = _USERINFO.sub(_masked, url)
    out = _QUERY_SECRET.sub(r"\1***", out)
    scheme, sep, _rest = out.partition("://")
    if sep and scheme.lower() not in HOST_SCHEMES:
        # other apprise services (slack, tgram, discord...) carry tokens in host and path alike
        out = f"{scheme}://***"
    return out


def _masked(m: re.Match) -> str:
    user, colon, _password = m["userinfo"].partition(":")
    if colon:
        return f"{m['scheme']}{user}:***@"
    return f"{m['scheme']}{user if m['scheme'][:-3].lower() in USER_SCHEMES else '***'}@"


def redact_text(text: str, secrets: list[str] | tuple[str, ...] = ()) -> str:
    """Redact every URL-like secret in free text, and any literal secret values given."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return _QUERY_SECRET.sub(r"\1***", _USERINFO.sub(_masked, text))
