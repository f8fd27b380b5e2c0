"""Configuration: one YAML file, validated, plus environment overrides.

Sources, later wins: built-in defaults < YAML file (``--config`` or ``BORDERWATCH_CONFIG``) < environment
(``BORDERWATCH_DATABASE_URL``, ``BORDERWATCH_ALERT_URLS``).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import ipaddress
import json
import logging
import os
import re
import secrets
import tempfile
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import yaml
from platformdirs import user_cache_path, user_data_path
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from borderwatch import __version__
from borderwatch.errors import ConfigError
from borderwatch.polling import PollPolicy
from borderwatch.redact import HOST_SCHEMES, redact_url

ENV_CONFIG = "BORDERWATCH_CONFIG"
ENV_DATABASE_URL = "BORDERWATCH_DATABASE_URL"
ENV_ALERT_URLS = "BORDERWATCH_ALERT_URLS"
FLAG_DATABASE_URL = "--database-url"

DEFAULT_USER_AGENT = f"borderwatch/{__version__} (news monitor; +https://pypi.org/project/borderwatch/)"


def default_database_url() -> str:
    """SQLite file in the user's data directory (e.g. ``~/.local/share/borderwatch/borderwatch.db``)."""
    return f"sqlite:///{user_data_path('borderwatch') / 'borderwatch.db'}"


# One DNS label: letters, digits, hyphens (and underscores, which some real hosts use), not starting or ending
# with a hyphen.
_LABEL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$")


def http_url_problem(url: str) -> str | None:
    """Why ``url`` is not a usable http(s) URL (None when it is): the whole URL is parsed, so a URL with no
    host, a space, a bad port or a malformed host name fails here rather than at the first run."""
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        return "contains a space or control character (write a space in a path as %20)"
    try:
        parts = urlsplit(url)
        port = parts.port  # noqa: F841  (raises for a port that is not a number in range)
    except ValueError as exc:
        return f"not a valid URL ({exc})"
    if parts.scheme.lower() not in ("http", "https"):
        return "must be an http:// or https:// URL"
    host = parts.hostname
    if not host:
        return "has no host name"
    if ":" in host or parts.netloc.rpartition("@")[2].startswith("["):
        try:
            ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            return f"has an invalid IPv6 address {host!r}"
        return None
    try:
        ascii_host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        return f"has an invalid host name {host!r}"
    labels = ascii_host.rstrip(".").split(".")
    if len(ascii_host) > 253 or not all(_LABEL.match(label) for label in labels):
        return f"has an invalid host name {host!r}"
    return None


class AcceptedURLs:
    """Alert URLs that apprise (this version of it) accepted before: a small file in the user's cache directory
    (``~/.cache/borderwatch/apprise-urls.json``, mode 0600). It holds keyed hashes (HMAC-SHA256 with a random key
    kept in the file), never a URL. Only acceptances are kept: a URL apprise refused is parsed again every
    time, so every problem is still reported. A file that cannot be read or written only costs the parse."""

    def __init__(self, path: Path | None = None):
        from importlib.metadata import PackageNotFoundError, version

        self.path = path or user_cache_path("borderwatch") / "apprise-urls.json"
        try:
            self.version = version("apprise")
        except PackageNotFoundError:
            self.version = ""
        self.key, self.digests = b"", []
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("apprise") == self.version and self.version:
                self.key, self.digests = bytes.fromhex(data["key"]), list(data["accepted"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass

    def _digest(self, url: str) -> str:
        return hmac.new(self.key, url.encode("utf-8"), hashlib.sha256).hexdigest()

    def __contains__(self, url: str) -> bool:
        return bool(self.key) and self._digest(url) in self.digests

    def add(self, url: str, keep: int = 256) -> None:
        if not self.version:
            return
        if not self.key:
            self.key, self.digests = secrets.token_bytes(32), []
        digest = self._digest(url)
        self.digests = [d for d in self.digests if d != digest][-(keep - 1):] + [digest]
        data = json.dumps({"apprise": self.version, "key": self.key.hex(), "accepted": self.digests})
        tmp = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".apprise-urls.")  # created 0600
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(data)
            os.replace(tmp, self.path)  # whole or not at all, when passes run at the same time
        except OSError:  # a read-only home: the next load parses again, nothing else changes
            if tmp:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)


def apprise_url_problem(url: str) -> str | None:
    """Why apprise cannot use ``url`` (None when it can), decided by apprise's own parser: the scheme must be
    one of its services and the service must accept the URL's parts. The reason never contains the URL's
    secrets (apprise's log lines, which can quote them, are kept out).

    A URL this version of apprise accepted before is not parsed again (``AcceptedURLs``): apprise's parser
    imports every one of its ~130 service modules, ~0.3 s of every command that reads the configuration, and
    a cron pass reads the same one every few minutes."""
    scheme, sep, _rest = url.partition("://")
    if not sep or not scheme:
        return "must be an apprise URL such as mailto://user:pass@host or json://host/path"
    accepted = AcceptedURLs()
    if url in accepted:
        return None
    import apprise
    from apprise.manager_plugins import NotificationManager

    log = logging.getLogger("apprise")
    disabled, log.disabled = log.disabled, True  # its messages quote tokens; the reason below says enough
    try:
        plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    finally:
        log.disabled = disabled
    if plugin is not None:
        accepted.add(url)
        return None
    scheme = scheme.lower()
    if scheme in ("http", "https"):
        return (f"apprise does not know this {scheme}:// address as a service's web hook "
                "(for a generic endpoint use json://, form:// or xml://)")
    if scheme not in NotificationManager():
        return f"apprise has no service for the scheme {scheme[:30]!r} (see apprise's list of services)"
    return f"apprise cannot use this {scheme}:// URL (a part is missing or malformed; see its {scheme} documentation)"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FeedConfig(_Strict):
    name: str = Field(min_length=1, max_length=200)
    url: str
    language: str | None = None
    tags: list[str] = Field(default_factory=list)
    enabled: bool = True
    # a news-search feed (items are other outlets' articles); detected by host for news.google.com / bing.com
    aggregator: Literal["google", "bing"] | None = None

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        problem = http_url_problem(value)
        if problem:
            raise ValueError(problem)
        return value


Kind = Literal["territorial", "troop_movement", "statement", "cooperation", "attack", "threat_assessment"]


def period_seconds(every: str) -> int:
    """'30m' -> 1800, '1h' -> 3600, '1d' -> 86400."""
    return int(every[:-1]) * {"m": 60, "h": 3600, "d": 86400}[every[-1]]


class AlertChannelConfig(_Strict):
    """One apprise channel, with routing filters."""

    url: str = Field(min_length=3, repr=False)  # apprise URL; carries secrets
    name: str | None = Field(default=None, min_length=1, max_length=100)
    tags: list[str] = Field(default_factory=list)
    mode: Literal["immediate", "digest"] = "immediate"
    # digest only: one message per period ("30m", "1h", "6h", "1d"; UTC-aligned) listing the period's new events,
    # sent when the period is over; unset: one digest per run
    every: str | None = Field(default=None, pattern=r"^[1-9][0-9]*[mhd]$")
    kinds: list[Kind] = Field(default_factory=lambda: ["territorial", "troop_movement"])
    subtypes: list[str] = Field(default_factory=list)  # empty: all
    countries: list[str] = Field(default_factory=list)  # ISO codes or names; empty: all
    provinces: list[str] = Field(default_factory=list)
    min_sources: Annotated[int, Field(ge=1)] = 1
    min_confidence: Annotated[float, Field(ge=0, le=1)] = 0.0
    format: Literal["text", "markdown", "auto"] = "auto"

    @field_validator("url")
    @classmethod
    def _apprise_url(cls, value: str) -> str:
        problem = apprise_url_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _every_needs_digest(self) -> AlertChannelConfig:
        if self.every and self.mode != "digest":
            raise ValueError("'every' is for mode: digest (one message per period)")
        if self.every and (period_seconds(self.every) < 60 or 86400 % period_seconds(self.every) and
                           period_seconds(self.every) % 86400):
            raise ValueError(f"every: {self.every!r} must divide a day or be whole days (e.g. 30m, 1h, 6h, 1d)")
        return self

    @property
    def key(self) -> str:
        """Stable channel id stored in the outbox: the name, else scheme, host (where the scheme has a real host)
        and a short hash of the whole URL — distinct for distinct URLs, bounded, and free of secrets."""
        if self.name:
            return self.name
        parts = urlsplit(self.url)
        scheme = parts.scheme.lower()
        digest = hashlib.sha256(self.url.encode("utf-8")).hexdigest()[:12]
        host = (parts.hostname or "") if scheme in HOST_SCHEMES else ""
        return f"{scheme}://{host[:100]}#{digest}" if host else f"{scheme}#{digest}"


class NetworkConfig(_Strict):
    allow_private: bool = False  # allow links in feeds that resolve to private/loopback addresses
    timeout: Annotated[float, Field(gt=0)] = 15.0  # connect / read / write timeout, seconds
    deadline: Annotated[float, Field(gt=0)] = 45.0  # total time for one request, seconds
    max_bytes: Annotated[int, Field(gt=0)] = 8_000_000  # body size cap (after decompression)
    max_redirects: Annotated[int, Field(ge=0)] = 5
    user_agent: str = DEFAULT_USER_AGENT
    concurrency: Annotated[int, Field(ge=1)] = 16  # requests in flight in total
    per_host: Annotated[int, Field(ge=1)] = 2  # requests in flight per host


class PipelineConfig(_Strict):
    extract_workers: Annotated[int, Field(ge=1)] | None = None  # default: CPU count
    extract_timeout: Annotated[float, Field(gt=0)] = 20.0  # seconds per page
    max_html_bytes: Annotated[int, Field(gt=0)] = 3_000_000  # pages larger than this are cut before extraction
    max_entries_per_feed: Annotated[int, Field(ge=1)] = 200
    batch_size: Annotated[int, Field(ge=1)] = 250  # articles per Prefect task (and held in memory at once)
    feed_backoff_base: Annotated[float, Field(ge=0)] = 300.0  # seconds; doubles per consecutive failure
    feed_backoff_max: Annotated[float, Field(ge=0)] = 6 * 3600.0


class PollingConfig(_Strict):
    """Each feed is polled about as often as it publishes (borderwatch.polling), between these bounds
    (seconds); ``window``: how far back its items count. ``min_interval: 0, max_interval: 0``: every feed on
    every pass."""

    min_interval: Annotated[float, Field(ge=0)] = 300.0
    max_interval: Annotated[float, Field(ge=0)] = 6 * 3600.0
    window: Annotated[float, Field(gt=0)] = 3 * 86400.0
    lease: Annotated[float, Field(gt=0)] = 900.0  # seconds a pass holds the feeds it claimed (a crash frees them)

    @model_validator(mode="after")
    def _ordered(self) -> PollingConfig:
        if self.min_interval > self.max_interval:
            raise ValueError(f"min_interval ({self.min_interval:g}) is more than max_interval ({self.max_interval:g})")
        return self


class AggregatorsConfig(_Strict):
    """News-search feeds. ``google_resolver``: an optional service of your own that turns a Google News
    article link into the publisher's URL: a URL with ``{url}`` where the (percent-encoded) Google link goes;
    it answers 200 with the publisher's URL as its body. Without it, Google items are headline-only."""

    google_resolver: str | None = None

    @field_validator("google_resolver")
    @classmethod
    def _template(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if "{url}" not in value:
            raise ValueError("must contain {url} where the Google News link goes")
        problem = http_url_problem(value.replace("{url}", "x"))
        if problem:
            raise ValueError(problem)
        return value


class EventsConfig(_Strict):
    window_days: Annotated[float, Field(gt=0)] = 3.0  # mentions within this window can be one event


class DeliveryConfig(_Strict):
    max_attempts: Annotated[int, Field(ge=1)] = 8
    retry_base: Annotated[float, Field(ge=0)] = 60.0  # seconds; doubles per attempt
    retry_max: Annotated[float, Field(ge=0)] = 3600.0
    feed_failure_threshold: Annotated[int, Field(ge=1)] = 3  # ops alert after this many failed runs in a row
    min_interval: Annotated[float, Field(ge=0)] = 1.0  # seconds between messages to one channel (Slack: ~1/s)


class Config(_Strict):
    database_url: str = Field(default_factory=default_database_url, repr=False)
    feeds: list[FeedConfig] = Field(default_factory=list)
    alerts: list[AlertChannelConfig] = Field(default_factory=list)
    network: NetworkConfig = Field(default_factory=NetworkConfig)
    pipeline: PipelineConfig = Field(default_factory=PipelineConfig)
    events: EventsConfig = Field(default_factory=EventsConfig)
    aggregators: AggregatorsConfig = Field(default_factory=AggregatorsConfig)
    polling: PollingConfig = Field(default_factory=PollingConfig)
    delivery: DeliveryConfig = Field(default_factory=DeliveryConfig)
    source: str | None = None  # where this config came from (for messages)

    @field_validator("database_url")
    @classmethod
    def _db_url(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:", "postgres:")):
            raise ValueError(f"must be sqlite:///PATH or postgresql+psycopg://USER@HOST/DB, not {redact_url(value)}")
        if value.startswith("postgres:"):
            value = "postgresql+psycopg:" + value[len("postgres:"):]
        elif value.startswith("postgresql:"):
            value = "postgresql+psycopg:" + value[len("postgresql:"):]
        return value

    @model_validator(mode="after")
    def _distinct_channels(self) -> Config:
        seen: dict[str, int] = {}
        for i, channel in enumerate(self.alerts):
            if channel.key in seen:
                raise ValueError(f"alerts.{i}: same channel as alerts.{seen[channel.key]} "
                                 f"(give each a distinct name, or remove the duplicate)")
            seen[channel.key] = i
        return self

    @cached_property
    def poll_policy(self) -> PollPolicy:
        """The feed-polling policy (borderwatch.polling): adaptive bounds and the failure back-off."""
        return PollPolicy(self.polling.min_interval, self.polling.max_interval, self.polling.window,
                          self.pipeline.feed_backoff_base, self.pipeline.feed_backoff_max)

    @cached_property
    def secrets(self) -> tuple[str, ...]:
        """Literal strings that must never be logged (whole alert and database URLs)."""
        return tuple(a.url for a in self.alerts) + (self.database_url,)


def _format_errors(exc: ValidationError, origin_of) -> str:
    """Every problem, on one line, grouped by where the bad value came from (file, variable or option)."""
    problems: dict[str, list[str]] = {}
    for err in exc.errors():
        origin, key = origin_of(err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        problems.setdefault(origin, []).append(f"{key}: {msg}" if key else msg)
    return "; ".join(f"{origin}: {'; '.join(items)}" for origin, items in problems.items())


def default_config_text() -> str:
    return resources.files("borderwatch").joinpath("config/default.yaml").read_text(encoding="utf-8")


def load_config(path: str | os.PathLike[str] | None = None, *, env: dict[str, str] | None = None,
                overrides: dict[str, Any] | None = None, database_url: str | None = None) -> Config:
    """Load and validate the configuration. Raises ConfigError with one line naming every bad key and where
    its value came from: the file, ``BORDERWATCH_DATABASE_URL`` / ``BORDERWATCH_ALERT_URLS``, or the
    ``--database-url`` option (``database_url``, which wins over the other two)."""
    env = os.environ if env is None else env
    path = path or env.get(ENV_CONFIG) or None
    if path is None:
        source, text = "built-in default config", default_config_text()
    else:
        source = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{source}: cannot read config file: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{source}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the top level must be a mapping of keys (database_url, feeds, alerts, ...)")
    data.update(overrides or {})
    db_origin = source
    if database_url:
        data["database_url"], db_origin = database_url, FLAG_DATABASE_URL
    elif env.get(ENV_DATABASE_URL):
        data["database_url"], db_origin = env[ENV_DATABASE_URL], ENV_DATABASE_URL
    file_alerts = len(data.get("alerts") or []) if isinstance(data.get("alerts") or [], list) else 0
    if env.get(ENV_ALERT_URLS):
        data["alerts"] = [*(data.get("alerts") or []), *({"url": u} for u in env[ENV_ALERT_URLS].split())]
    data["source"] = source

    def origin_of(loc: tuple) -> tuple[str, str]:
        if loc and loc[0] == "database_url" and db_origin != source:
            return db_origin, ""
        if len(loc) >= 2 and loc[0] == "alerts" and isinstance(loc[1], int) and loc[1] >= file_alerts:
            rest = ".".join(str(p) for p in loc[2:] if p != "url")
            return ENV_ALERT_URLS, f"URL {loc[1] - file_alerts + 1}" + (f" {rest}" if rest else "")
        return source, ".".join(str(p) for p in loc)

    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_errors(exc, origin_of)) from None
