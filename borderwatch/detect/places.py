"""Adapter between the detector and :mod:`borderwatch.gazetteer`.

One call per article (``article_places``) finds and disambiguates every place mention; the rules then look
places up by character offset. When the gazetteer data is not installed the detector still runs, with no
places (events keep their evidence, actors and counts).
"""

from __future__ import annotations

import sys
from bisect import bisect_left
from dataclasses import dataclass, replace
from functools import lru_cache

from borderwatch.gazetteer import Place

REGION_CC = frozenset({"AF", "TJ", "UZ", "TM", "KG", "KZ"})
COUNTRY_NAMES = {
    "AF": "Afghanistan", "TJ": "Tajikistan", "UZ": "Uzbekistan", "TM": "Turkmenistan", "KG": "Kyrgyzstan",
    "KZ": "Kazakhstan", "IR": "Iran", "PK": "Pakistan", "CN": "China", "RU": "Russia",
}
# surface forms of country names and demonyms used in "fled into Tajikistan", "Tajik territory"
_COUNTRY_FORMS = {
    "AF": ("afghanistan", "afghan", "афганистан", "афганск", "أفغانستان", "افغانستان", "अफगानिस्तान"),
    "TJ": ("tajikistan", "tajik", "таджикистан", "таджикск", "طاجيكستان", "تاجیکستان", "ताजिकिस्तान", "तजाकिस्तान"),
    "UZ": ("uzbekistan", "uzbek", "узбекистан", "узбекск", "أوزبكستان", "ازبکستان", "उज्बेकिस्तान"),
    "TM": ("turkmenistan", "turkmen", "туркменистан", "туркменск", "تركمانستان", "ترکمنستان", "तुर्कमेनिस्तान"),
    "KG": ("kyrgyzstan", "kyrgyz", "kirghiz", "кыргызстан", "киргизи", "киргизск", "кыргызск", "قرغيزستان", "किर्गिस्तान"),
    "KZ": ("kazakhstan", "kazakh", "казахстан", "казахстанск", "كازاخستان", "कजाकिस्तान"),
    "IR": ("iran", "иран", "إيران", "ایران", "ईरान"),
    "PK": ("pakistan", "пакистан", "باكستان", "پاکستان", "पाकिस्तान"),
    "CN": ("china", "chinese", "китай", "الصين", "चीन"),
}


# English words the gazetteer's alternate names collide with ("the former Soviet country")
_NOT_PLACES = frozenset({"soviet", "soviets"})


@dataclass(slots=True)
class Mention:
    start: int
    end: int
    place: Place

    @property
    def in_region(self) -> bool:
        return self.place.country_code in REGION_CC

    @property
    def is_country(self) -> bool:
        return self.place.kind == "country" or self.place.precision == "country"


@lru_cache(maxsize=1)
def _gazetteer():
    try:
        from borderwatch.gazetteer import load_gazetteer
    except ImportError:  # stub gazetteer: no matcher yet
        return None
    try:
        return load_gazetteer()
    except (OSError, FileNotFoundError, ValueError, AssertionError) as exc:  # data file missing or stale
        print(f"borderwatch.detect: gazetteer unavailable ({exc}); events carry no places", file=sys.stderr)
        return None


def gazetteer_available() -> bool:
    return _gazetteer() is not None


def article_places(text: str, spans: list[tuple[int, int]] | None = None) -> list[Mention]:
    """Every disambiguated place mention in ``text`` (or only inside ``spans``), in order of position.

    Candidates are disambiguated against all the other mentions found (a province or country named elsewhere in
    the article decides between two districts of the same name)."""
    gz = _gazetteer()
    if gz is None:
        return []
    found: list[tuple[int, int, object]] = []
    for a, b in spans if spans is not None else [(0, len(text))]:
        for m in gz.find(text[a:b]):
            if m.text.lower() in _NOT_PLACES:
                continue
            found.append((a + m.start, a + m.end, m))
    if not found:
        return []
    ctx = [m.candidates[0] for _, _, m in found]
    out: list[Mention] = []
    for start, end, m in found:
        p = gz.disambiguate(m, ctx) if len(m.candidates) > 1 else m.candidates[0]
        if p is None:
            continue
        if p.as_written is None:
            p = replace(p, as_written=m.text)
        out.append(Mention(start, end, p))
    return out


class PlaceIndex:
    """Place mentions of one article, looked up by character range."""

    def __init__(self, mentions: list[Mention]) -> None:
        self.mentions = mentions
        self._starts = [m.start for m in mentions]

    def between(self, lo: int, hi: int) -> list[Mention]:
        i = bisect_left(self._starts, lo)
        out = []
        while i < len(self.mentions) and self.mentions[i].start < hi:
            out.append(self.mentions[i])
            i += 1
        return out


def country_code_of(word: str) -> str | None:
    """'Tajikistan' / 'Tajik' / 'Таджикистан' → 'TJ'."""
    w = word.lower()
    for cc, forms in _COUNTRY_FORMS.items():
        if any(w.startswith(f) for f in forms):
            return cc
    return None


@lru_cache(maxsize=32)
def country_place(cc: str, as_written: str | None = None) -> Place:
    """The country as a Place: from the gazetteer when it has one, else a bare country-precision Place."""
    gz = _gazetteer()
    if gz is not None:
        p = gz.get(cc)
        if p is None and hasattr(gz, "lookup"):
            p = next((q for q in gz.lookup(COUNTRY_NAMES.get(cc, cc)) if q.kind == "country"), None)
        if p is not None:
            return replace(p, as_written=as_written)
    name = COUNTRY_NAMES.get(cc, cc)
    return Place(id=cc, name=name, kind="country", country=name, country_code=cc, precision="country",
                 as_written=as_written)
