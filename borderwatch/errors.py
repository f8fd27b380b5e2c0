"""Every error a borderwatch user can meet, in one hierarchy."""

from __future__ import annotations


class BorderwatchError(Exception):
    """Base class: a problem borderwatch can explain in one line."""


class ConfigError(BorderwatchError):
    """The configuration file or an environment override is invalid."""


class FetchError(BorderwatchError):
    """An HTTP fetch failed: network error, bad status, oversize body, refused address."""

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class BlockedURLError(FetchError):
    """A URL was refused: scheme not http(s), or it resolves to a private/loopback/link-local address."""


class FeedParseError(BorderwatchError):
    """Feed bytes could not be parsed into any entries."""


class DatabaseError(BorderwatchError):
    """The database is unreachable or not at the expected schema."""


class UsageError(BorderwatchError):
    """A value given on the command line is invalid (an unknown schema revision, filter value, ...)."""


class MissingDatabaseError(DatabaseError):
    """There is no borderwatch database where the configuration points (reading commands never create one)."""


class PrefectServerError(BorderwatchError):
    """Prefect's temporary server for a pass did not start."""
