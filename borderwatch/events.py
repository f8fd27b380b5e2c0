"""Clustering rules: when two mentions are the same real-world event. Pure functions, no storage.

The rules, in the order they are applied (docs/alerts-and-sql.md, "What makes two mentions one event", says the
same for analysts; tests/test_events_rules.py has one test per rule):

1. **Kind and family.** Same kind; subtypes of one family describe one change on the ground (captured and
   handed_over are one takeover; crossed_border, withdrawal and surrender one movement; deployed, mobilised and
   put on alert one build-up). A reversal (captured → retaken) is a new event.
2. **Place, at any granularity.** Same place key (a town or a border crossing counts as the district it lies in:
   news names a district by its centre, "took Khandud" = "took the Wakhan district centre", and a crossing by its
   town), or one place inside the other: a report naming only the province or the country joins the event at a
   place inside it ("fled into Tajikistan" joins "fled into Tajikistan at Ishkoshim"), and an event known only at
   province or country level takes the more precise place of a later report. Places kept as written match by
   their folded spelling ("Harb-Maidon" = "Kharb-Maidon").
3. **A mention with no place** joins only an event its own article already feeds; otherwise it opens an event
   only if it is a claim of a share of a border or territory (which has no single place). Anywhere else it is
   kept as a mention, unalerted: unplaced reports from unrelated stories never pile up into one event.
4. **Actors.** The sides must agree (an unnamed side agrees with any; aliases: the Tajik border troops are Tajik
   forces; the 201st base, Russian forces and the CSTO are one side; the NRF and "anti-Taliban forces" are one):
   the Taliban pulling out of a town and the NRF pulling out of it days later are two movements, ISKP and the
   Taliban claiming one district two claims. A handover and a capture of one place agree whatever side each names
   (the one names who left, the other who took it). For a drill the actor is a participant, not a side (a drill
   reported as the CSTO's, Russia's or the 201st base's is one drill): it does not split events.
5. **Dates** within ``window_days`` of each other: the dates the texts state, or the days they were reported.
6. **Among several candidates**: the same place key first, then the closest date, then the most sources.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
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
    # a force's build-up: sent to a place, reservists called up, put on alert ("Tajikistan put its border troops
    # on alert and called up 20,000 reservists" is one posture change on the ground)
    "deployed": "posture", "mobilised": "posture", "alert": "posture",
    "exercise": "exercise",
    # a force giving up ground: fleeing across a border, withdrawing, surrendering ("soldiers fled into
    # Tajikistan and surrendered to its border guards" is one movement)
    "surrendered": "crossing", "defected": "crossing",
}
# families whose events need no place: a claim to "85 % of the border"
PLACELESS_FAMILIES = frozenset({"control_claim"})
# families whose actor is a participant, not a side: a drill is reported as the CSTO's, Russia's or Tajikistan's
JOINT_FAMILIES = frozenset({"exercise"})
# one side under several names
ACTOR_FAMILY: dict[str, str] = {
    "Tajik border troops": "TJ", "Tajik forces": "TJ", "Uzbek forces": "UZ", "Turkmen forces": "TM",
    "Kyrgyz forces": "KG", "Kazakh forces": "KZ", "Russian forces": "RU-CSTO", "Russian 201st military base": "RU-CSTO",
    "CSTO": "RU-CSTO", "NRF": "anti-Taliban", "Anti-Taliban forces": "anti-Taliban",
}
# level of a place: 0 none, 1 country, 2 province, 3 district / town / crossing / a place kept as written
NONE, COUNTRY, PROVINCE, LOCAL = 0, 1, 2, 3


def family(subtype: str) -> str:
    return FAMILY.get(subtype, subtype)


def _fold(name: str) -> str:
    """A spelling-insensitive form of a name kept as written ("Kharb-Maidon" = "Harb Maidon")."""
    t = unicodedata.normalize("NFKD", name.lower())
    t = "".join(c for c in t if c.isalnum())
    t = re.sub(r"^kh", "h", t).replace("kh", "x")
    return re.sub(r"(.)\1+", r"\1", t)


def place_key(place: Place | None) -> str:
    """Identity of a place for clustering: '' when the mention has no place; for a town or a crossing inside a
    known district the district (news names a district by its centre, and a crossing by its town); a place
    kept as written by its folded spelling; otherwise the gazetteer id."""
    if place is None:
        return ""
    if place.kind in ("town", "crossing") and place.district_id:
        return place.district_id
    if place.id.startswith("unresolved:"):  # its country is a guess from the article: not part of the key
        return f"unresolved:{_fold(place.name)}"
    return place.id


def place_level(place_key_: str, place_name: str | None, province: str | None, country: str | None,
                precision: str | None) -> int:
    """How precise a stored place is (see the levels above)."""
    if not place_key_:
        return NONE
    if place_key_.startswith("unresolved:"):
        return LOCAL
    if precision:  # the gazetteer's word: Kabul the city is a place, Kabul the province a province
        return {"country": COUNTRY, "province": PROVINCE}.get(precision, LOCAL)
    if place_name and place_name == country:
        return COUNTRY
    if place_name and place_name == province:
        return PROVINCE
    return LOCAL


def actors_compatible(a: str | None, b: str | None) -> bool:
    """Unknown actors are compatible with anything; named ones must be one side (aliases included)."""
    if not a or not b:
        return True
    return ACTOR_FAMILY.get(a, a).casefold() == ACTOR_FAMILY.get(b, b).casefold()


class EventLike(Protocol):
    kind: str
    subtype: str
    family: str
    place_key: str
    place_name: str | None
    province: str | None
    country: str | None
    country_code: str | None
    precision: str | None
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
    place_name: str | None = None
    province: str | None = None
    country: str | None = None
    country_code: str | None = None
    precision: str | None = None
    article: int | None = None  # the article the mention comes from (rule 3)
    reported: date | None = None  # when that article was published (rule 5)

    @property
    def family(self) -> str:
        return family(self.subtype)

    @property
    def level(self) -> int:
        return place_level(self.place_key, self.place_name, self.province, self.country, self.precision)


def _level(e: EventLike) -> int:
    return place_level(e.place_key, e.place_name, e.province, e.country, e.precision)


def covers(coarse: EventLike | Claim, fine: EventLike | Claim) -> bool:
    """Whether place ``coarse`` contains place ``fine`` (a country its provinces and districts, a province its
    districts); equal places do not count (see same_place)."""
    lc = coarse.level if isinstance(coarse, Claim) else _level(coarse)
    lf = fine.level if isinstance(fine, Claim) else _level(fine)
    if lc == NONE or lf == NONE or lc >= lf or not coarse.country_code or coarse.country_code != fine.country_code:
        return False
    if lc == COUNTRY:
        return True
    return bool(coarse.province) and coarse.province == fine.province


def same_place(claim: Claim, event: EventLike) -> bool:
    if not claim.place_key:  # rule 3: only a claim of a share of a border meets its like without a place
        return not event.place_key and claim.family in PLACELESS_FAMILIES
    return claim.place_key == event.place_key or covers(claim, event) or covers(event, claim)


def same_event(claim: Claim, event: EventLike, window_days: float) -> bool:
    """Rules 1, 2, 4 and 5 of the module docstring (rule 3, mentions with no place, needs the article and is
    applied by the caller)."""
    if claim.kind != event.kind or claim.family != event.family:
        return False
    if not same_place(claim, event):
        return False
    handover = "handed_over" in (claim.subtype, event.subtype) and claim.subtype != event.subtype
    if claim.family not in JOINT_FAMILIES and not handover and not actors_compatible(claim.actor, event.actor):
        return False
    return close_in_time(claim, event, window_days)


def close_in_time(claim: Claim, event: EventLike, window_days: float) -> bool:
    """Rule 5: the dates the texts state within the window, or the days they were reported. A later article
    recalling the event names its date ("the Taliban, who took Yamgan on July 4, …"); a report whose stated date
    is off (a year guessed wrong, an anniversary) was still published with the others."""
    if event.event_date is None or abs((claim.event_date - event.event_date).days) <= window_days:
        return True
    reported = getattr(event, "reported", None)
    return bool(claim.reported and reported) and \
        (reported[0] - timedelta(days=window_days) <= claim.reported <= reported[1] + timedelta(days=window_days))


def best_match(claim: Claim, candidates: Iterable[EventLike], window_days: float) -> EventLike | None:
    """The candidate event this claim belongs to, or None for a new event: the same place key first, then the
    closest date, then the most sources."""
    matches: Sequence[EventLike] = [e for e in candidates if same_event(claim, e, window_days)]
    if not matches:
        return None

    def rank(e: EventLike) -> tuple:
        days = abs((claim.event_date - e.event_date).days) if e.event_date else 0
        return (e.place_key != claim.place_key, days, -(getattr(e, "sources", 0) or 0))

    return min(matches, key=rank)


def refine(event: EventLike, claim: Claim) -> bool:
    """Whether the event should take the claim's place: the claim names a place inside the event's."""
    return covers(event, claim)


@dataclass(slots=True, eq=False)
class EventState:
    """An event as clustering sees it while it works through a batch: a stored event (``id``) or one the batch
    opens (``id`` None). ``place_from`` is the index of the claim whose place the event now carries (the claim
    that opened it, or a finer one that joined it: the caller copies that mention's place), ``articles`` the
    batch's articles that feed it (rule 3)."""

    id: int | None
    kind: str
    subtype: str
    place_key: str
    actor: str | None
    event_date: date | None
    place_name: str | None = None
    province: str | None = None
    country: str | None = None
    country_code: str | None = None
    precision: str | None = None
    sources: int = 0
    reported: tuple[date, date] | None = None  # first and last day its reports were published
    place_from: int | None = None
    articles: set[int] = field(default_factory=set)

    @property
    def family(self) -> str:
        return family(self.subtype)

    def take_place(self, claim: Claim, index: int) -> None:
        self.place_key, self.place_name, self.province = claim.place_key, claim.place_name, claim.province
        self.country, self.country_code, self.precision = claim.country, claim.country_code, claim.precision
        self.place_from = index


def plan(claims: Sequence[Claim], events: list[EventState], window_days: float) -> list[int | None]:
    """Rules 1–6 over a batch: for each claim the index in ``events`` of the event it belongs to, or None for a
    mention that stays unclustered (rule 3). ``events`` holds the stored candidates on entry; events the
    batch opens are appended, and an event a finer place joins takes that place (``refine``). Claims are taken
    article by article in the order given (oldest report first, so the first report names the event, whatever
    order the pages were fetched in), placed ones first, so a claim with no place can join its own article's
    event."""
    first: dict[int | None, int] = {}
    for i, c in enumerate(claims):
        first.setdefault(c.article, i)
    order = sorted(range(len(claims)), key=lambda i: (first[claims[i].article], not claims[i].place_key, i))
    result: list[int | None] = [None] * len(claims)
    for i in order:
        claim = claims[i]
        if claim.place_key or claim.family in PLACELESS_FAMILIES:
            pool = events
        else:  # rule 3: only an event its own article feeds
            pool = [e for e in events if claim.article is not None and claim.article in e.articles]
            if not pool:
                continue
            matches = [e for e in pool if e.kind == claim.kind and e.family == claim.family
                       and (claim.family in JOINT_FAMILIES or actors_compatible(claim.actor, e.actor))]
            if not matches:
                continue
            result[i] = events.index(matches[0])
            continue
        event = best_match(claim, pool, window_days)
        if event is None:
            event = EventState(None, claim.kind, claim.subtype, "", claim.actor, claim.event_date)
            event.take_place(claim, i)
            events.append(event)
        else:
            assert isinstance(event, EventState)
            if refine(event, claim):
                event.take_place(claim, i)
            event.actor = event.actor or claim.actor
            if claim.event_date and (event.event_date is None or claim.event_date < event.event_date):
                event.event_date = claim.event_date  # a later report dating the event earlier
        if claim.article is not None:
            event.articles.add(claim.article)
        if claim.reported:
            lo, hi = event.reported or (claim.reported, claim.reported)
            event.reported = (min(lo, claim.reported), max(hi, claim.reported))
        result[i] = events.index(event)
    return result
