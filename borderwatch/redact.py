"""Keep secrets (passwords, tokens in apprise and database URLs) out of logs and messages: the one secrets module.

Pure redaction (``redact_url``, ``redact_text``), the literal secrets of a URL (``url_secrets``), a registry of
the secrets this process knows (``register_secrets``, ``scrub``), and a logging filter that scrubs them from the
records of apprise and the HTTP libraries under it. The filter is installed by the edges that talk to those
libraries (``install_log_filters``: the CLI's entry point and ``alerts.send``), never by importing a module.
"""

from __future__ import annotations

import logging
import re
import threading
from urllib.parse import parse_qsl, unquote, urlsplit

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


def scheme_of(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""


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


# --- the secrets this process knows ------------------------------------------------------------------------

_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def url_secrets(url: str) -> set[str]:
    """The literal secret parts of an apprise URL: the whole URL, its password, and for service schemes
    (slack, tgram, discord, ...) every host and path token, plus secret-looking query values."""
    out = {url}
    try:
        parts = urlsplit(url)
        if parts.password:
            out |= {parts.password, unquote(parts.password)}
        if scheme_of(url) not in HOST_SCHEMES:  # tokens; host names and IPs (with dots) are not secrets
            out |= {t for t in re.split(r"[/@:]", parts.netloc + parts.path) if len(t) >= 6 and "." not in t}
            if parts.username:
                out.add(parts.username)
        for key, value in parse_qsl(parts.query):
            if re.search(r"pass|token|key|secret|webhook", key, re.IGNORECASE):
                out.add(value)
    except ValueError:
        pass
    return {s for s in out if s and len(s) >= 4}


def register_secrets(*urls: str) -> None:
    """Remember these URLs' secrets: they are scrubbed from apprise's log records and from reasons."""
    with _secrets_lock:
        for url in urls:
            _secrets.update(url_secrets(url))


def scrub(text: str, extra: set[str] | None = None) -> str:
    with _secrets_lock:
        known = sorted(_secrets | (extra or set()), key=len, reverse=True)
    return redact_text(text, known)


class _ScrubSecrets(logging.Filter):
    """Installed on apprise's logger: no registered secret reaches any log handler (theirs or ours)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _secrets:
            message = record.getMessage()
            clean = scrub(message)
            if clean != message:
                record.msg, record.args = clean, ()
        return True


# apprise's own logger, and the HTTP libraries under it: urllib3 logs request lines with the full path, where
# webhook tokens live (slack://T/B/C -> "POST /services/T/B/C").
SCRUBBED_LOGGERS = ("apprise", "urllib3.connectionpool", "requests")


def install_log_filters() -> None:
    """Scrub registered secrets from the records of ``SCRUBBED_LOGGERS`` (idempotent; a filter on the logger
    itself, so no handler — theirs, ours, pytest's — sees the secret)."""
    for name in SCRUBBED_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _ScrubSecrets) for f in logger.filters):
            logger.addFilter(_ScrubSecrets())
