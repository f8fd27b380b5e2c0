"""Clustering rules: when two mentions are the same real-world event. Pure functions, no storage."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from borderwatch.gazetteer import Place

# Subtypes that describe the same change on the ground. A reversal (captured -> retaken) is a new event.
FAMILY: dict[str, str] = {
    "captured": "takeover", "handed_over": "takeover",
    "retaken": "retaken",
    "control_claim": "control_claim",
    "contested": "contested",
    "crossed_border": "crossing", "withdrawal": "crossing",
    "refugees_crossing": "refugees",
    "returned": "returned",
    "deployed": "deployed",
    "mobilised": "mobilised",
    "exercise": "exercise",
    "alert": "alert",
    "surrendered": "surrender", "defected": "surrender",
}

def family(subtype: str) -> str:
    return FAMILY.get(subtype, subtype)


def place_key(place: Place | None) -> str:
    """Identity of a place for clustering: '' when the mention has no place; for a town inside a known district
    the district (news names a district by its centre: "took Khandud" = "took the Wakhan district centre");
    otherwise the gazetteer id (districts, provinces, countries, crossings, places the gazetteer lacks)."""
    if place is None:
        return ""
    if place.kind == "town" and place.district_id:
        return place.district_id
    return place.id


def actors_compatible(a: str | None, b: str | None) -> bool:
    """Unknown actors are compatible with anything; named ones must agree."""
    return not a or not b or a.casefold() == b.casefold()


class EventLike(Protocol):
    kind: str
    family: str
    place_key: str
    actor: str | None
    event_date: date | None


@dataclass(frozen=True, slots=True)
class Claim:
    """What clustering needs to know about one mention."""

    kind: str
    subtype: str
    place_key: str
    actor: str | None
    event_date: date

    @property
    def family(self) -> str:
        return family(self.subtype)


def same_event(claim: Claim, event: EventLike, window_days: float) -> bool:
    if claim.kind != event.kind or claim.family != event.family or claim.place_key != event.place_key:
        return False
    if not actors_compatible(claim.actor, event.actor):
        return False
    if event.event_date is None:
        return True
    return abs((claim.event_date - event.event_date).days) <= window_days


def best_match(claim: Claim, candidates: Iterable[EventLike], window_days: float) -> EventLike | None:
    """The candidate event this claim belongs to (closest in date), or None for a new event."""
    matches: Sequence[EventLike] = [e for e in candidates if same_event(claim, e, window_days)]
    if not matches:
        return None
    return min(matches, key=lambda e: abs((claim.event_date - e.event_date).days) if e.event_date else 0)
