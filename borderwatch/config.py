"""Configuration: one YAML file, validated, plus environment overrides.

Sources, later wins: built-in defaults < YAML file (``--config`` or ``BORDERWATCH_CONFIG``) < environment
(``BORDERWATCH_DATABASE_URL``, ``BORDERWATCH_ALERT_URLS``).
"""

from __future__ import annotations

import hashlib
import os
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import yaml
from platformdirs import user_data_path
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from borderwatch import __version__
from borderwatch.errors import ConfigError
from borderwatch.redact import HOST_SCHEMES

ENV_CONFIG = "BORDERWATCH_CONFIG"
ENV_DATABASE_URL = "BORDERWATCH_DATABASE_URL"
ENV_ALERT_URLS = "BORDERWATCH_ALERT_URLS"

DEFAULT_USER_AGENT = f"borderwatch/{__version__} (news monitor; +https://pypi.org/project/borderwatch/)"


def default_database_url() -> str:
    """SQLite file in the user's data directory (e.g. ``~/.local/share/borderwatch/borderwatch.db``)."""
    return f"sqlite:///{user_data_path('borderwatch') / 'borderwatch.db'}"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FeedConfig(_Strict):
    name: str = Field(min_length=1, max_length=200)
    url: str
    language: str | None = None
    tags: list[str] = Field(default_factory=list)
    enabled: bool = True

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.lower().startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value


Kind = Literal["territorial", "troop_movement", "statement", "cooperation", "attack", "threat_assessment"]


class AlertChannelConfig(_Strict):
    """One apprise channel, with routing filters."""

    url: str = Field(min_length=3, repr=False)  # apprise URL; carries secrets
    name: str | None = Field(default=None, min_length=1, max_length=100)
    tags: list[str] = Field(default_factory=list)
    mode: Literal["immediate", "digest"] = "immediate"
    kinds: list[Kind] = Field(default_factory=lambda: ["territorial", "troop_movement"])
    subtypes: list[str] = Field(default_factory=list)  # empty: all
    countries: list[str] = Field(default_factory=list)  # ISO codes or names; empty: all
    provinces: list[str] = Field(default_factory=list)
    min_sources: Annotated[int, Field(ge=1)] = 1
    min_confidence: Annotated[float, Field(ge=0, le=1)] = 0.0
    format: Literal["text", "markdown", "auto"] = "auto"

    @field_validator("url")
    @classmethod
    def _scheme(cls, value: str) -> str:
        if "://" not in value:
            raise ValueError("must be an apprise URL such as mailto://user:pass@host or json://host/path")
        return value

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
    batch_size: Annotated[int, Field(ge=1)] = 1000  # articles per Prefect task
    feed_backoff_base: Annotated[float, Field(ge=0)] = 300.0  # seconds; doubles per consecutive failure
    feed_backoff_max: Annotated[float, Field(ge=0)] = 6 * 3600.0


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
    delivery: DeliveryConfig = Field(default_factory=DeliveryConfig)
    source: str | None = None  # where this config came from (for messages)

    @field_validator("database_url")
    @classmethod
    def _db_url(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:", "postgres:")):
            raise ValueError("must be sqlite:///PATH or postgresql+psycopg://USER@HOST/DB")
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
    def secrets(self) -> tuple[str, ...]:
        """Literal strings that must never be logged (whole alert and database URLs)."""
        return tuple(a.url for a in self.alerts) + (self.database_url,)


def _format_error(exc: ValidationError, source: str) -> str:
    first = exc.errors()[0]
    key = ".".join(str(p) for p in first["loc"]) or "(top level)"
    msg = first["msg"]
    if first["type"] == "extra_forbidden":
        msg = "unknown key"
    more = f" (and {len(exc.errors()) - 1} more problem(s))" if len(exc.errors()) > 1 else ""
    return f"{source}: {key}: {msg}{more}"


def default_config_text() -> str:
    return resources.files("borderwatch").joinpath("config/default.yaml").read_text(encoding="utf-8")


def load_config(path: str | os.PathLike[str] | None = None, *, env: dict[str, str] | None = None,
                overrides: dict[str, Any] | None = None) -> Config:
    """Load and validate the configuration. Raises ConfigError with a one-line message naming the bad key."""
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
    if env.get(ENV_DATABASE_URL):
        data["database_url"] = env[ENV_DATABASE_URL]
    if env.get(ENV_ALERT_URLS):
        data["alerts"] = [*(data.get("alerts") or []), *({"url": u} for u in env[ENV_ALERT_URLS].split())]
    data["source"] = source
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_error(exc, source)) from None
