"""One way to cut work into batches: database ``IN (...)`` lists, bulk inserts and the flow's page batches."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")


def chunked(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Consecutive slices of ``items`` of at most ``size`` (a list gives lists), in order; none when empty."""
    for i in range(0, len(items), size):
        yield items[i:i + size]
