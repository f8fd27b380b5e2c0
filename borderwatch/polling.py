"""When to poll a feed next, and how long to wait after failures: the whole policy, as pure functions.

A feed is polled about as often as it publishes: the interval is the time its recent items took to appear,
divided by their number (items dated within ``window``; the feed's own list, so a feed showing only its last ten
items of a busy hour still reads as busy), kept within ``[min_interval, max_interval]``. A server's own word is
respected: RSS ``<ttl>`` (minutes) and ``Cache-Control: max-age`` are a floor (itself capped at
``max_interval``, so a wrong header cannot hide a feed for days); after a failure the exponential back-off
applies, and a ``Retry-After`` of a 429 / 503 is honoured up to the back-off's cap.

Storage only keeps the times this module computes (``feeds.poll_interval``, ``feeds.next_attempt_at``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

_MAX_AGE = re.compile(r"(?:^|,)\s*(s-maxage|max-age)\s*=\s*\"?(\d+)\"?", re.IGNORECASE)
_NO_CACHE = re.compile(r"(?:^|,)\s*(no-cache|no-store)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class PollPolicy:
    """Bounds of the adaptive interval, in seconds, and the window over which the publishing rate is read.
    ``min_interval = max_interval = 0`` polls every feed on every pass."""

    min_interval: float = 300.0
    max_interval: float = 6 * 3600.0
    window: float = 3 * 86400.0
    backoff_base: float = 300.0
    backoff_max: float = 6 * 3600.0


def backoff_delay(failures: int, base: float, cap: float) -> float:
    """Seconds before the next try after ``failures`` failed ones in a row: base, 2*base, 4*base, ... capped.
    (Feeds after failed fetches, alerts after failed deliveries.)"""
    return min(base * 2 ** max(failures - 1, 0), cap)


def failure_delay(failures: int, policy: PollPolicy, retry_after: float | None = None) -> float:
    """Seconds before a failing feed is tried again: the back-off, or the server's Retry-After when longer
    (itself capped by ``backoff_max``)."""
    delay = backoff_delay(failures, policy.backoff_base, policy.backoff_max)
    if retry_after is not None:
        delay = max(delay, min(retry_after, policy.backoff_max))
    return delay


def cache_max_age(headers: Mapping[str, str]) -> float | None:
    """``Cache-Control`` max-age (s-maxage wins) in seconds; None when absent, 0 for no-cache / no-store."""
    value = headers.get("cache-control") or ""
    if _NO_CACHE.search(value):
        return 0.0
    ages = dict((k.lower(), int(v)) for k, v in _MAX_AGE.findall(value))
    age = ages.get("s-maxage", ages.get("max-age"))
    return float(age) if age is not None else None


def parse_ttl(value: object) -> float | None:
    """RSS ``<ttl>`` (minutes) in seconds; None when absent or not a number."""
    try:
        minutes = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return minutes * 60 if 0 <= minutes < 1e7 else None


def publishing_interval(published: Iterable[datetime | None], now: datetime, window: float) -> float | None:
    """Mean time between the items a feed lists that are dated within ``window`` before ``now``: the time
    since the oldest of them, divided by their number. None when no item is dated within the window."""
    since = now - timedelta(seconds=window)
    recent = [min(p, now) for p in published if p is not None and p >= since]
    if not recent:
        return None
    return max((now - min(recent)).total_seconds(), 1.0) / len(recent)


def observed_interval(published: Iterable[datetime | None], now: datetime, window: float, *, new_items: int = 0,
                      since_last: float | None = None) -> float | None:
    """How often a feed that just answered with items publishes: from its items' dates
    (:func:`publishing_interval`); for a feed without dates, the time since its last good poll divided by the
    new items found now. None when neither tells."""
    interval = publishing_interval(published, now, window)
    if interval is None and new_items and since_last:
        interval = since_last / new_items
    return interval


def poll_interval(observed: float | None, previous: float | None, policy: PollPolicy) -> float:
    """The interval to use from now: the observed publishing interval within the bounds; with nothing dated in
    the window, the previous interval grown by half (the feed went quiet), or the upper bound."""
    if observed is None:
        observed = previous * 1.5 if previous else policy.max_interval
    return min(max(observed, policy.min_interval), policy.max_interval)


def next_poll(now: datetime, interval: float, policy: PollPolicy, *, ttl: float | None = None,
              max_age: float | None = None) -> datetime:
    """When to poll a feed that answered at ``now`` (its pass's start): after ``interval`` less a tenth of it
    (at most ``EARLY`` seconds: scheduled passes start a few seconds early or late, and a feed due just after
    one would wait a whole cadence), but not before its ``<ttl>`` or ``Cache-Control: max-age`` ran out (that
    floor capped at ``max_interval``)."""
    floor = min(max(ttl or 0.0, max_age or 0.0), policy.max_interval)
    return now + timedelta(seconds=max(interval - min(EARLY, interval / 10), floor))


# A feed that answered is due again this much before its interval is over (a tenth of the interval at most):
# a scheduled pass starts a few seconds early or late. Failure back-off and Retry-After are kept to the second.
EARLY = 60.0


def due_by(now: datetime) -> datetime:
    """A pass at ``now`` polls the feeds whose next poll comes before this time."""
    return now


def is_due(next_attempt_at: datetime | None, now: datetime) -> bool:
    """A feed never polled, or whose next poll time has come."""
    return next_attempt_at is None or next_attempt_at <= due_by(now)
