"""Adapter between the detector and :mod:`borderwatch.gazetteer`.

One call per article (``article_places``) finds and disambiguates every place mention; the rules then look
places up by character offset. When the gazetteer data is not installed the detector still runs, with no
places (events keep their evidence, actors and counts).
"""

from __future__ import annotations

import re
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
    "AF": ("afghanistan", "afghan", "afganistan", "afgan", "afg'on", "afgʻon", "afg‘on", "afghani", "афганистан",
           "афганск", "афғон", "ооган", "أفغانستان", "افغانستان", "अफगानिस्तान", "afeganist", "afghanist"),
    "TJ": ("tajikistan", "tajik", "tadschik", "tadjik", "tayik", "tacik", "tojik", "таджикистан", "таджикск", "тоҷик",
           "тожик", "тажик", "طاجيكستان", "تاجیکستان", "تاجکستان", "تاجكستان", "ताजिकिस्तान", "तजाकिस्तान"),
    "UZ": ("uzbekistan", "uzbek", "usbek", "ouzbek", "özbek", "o'zbek", "oʻzbek", "o‘zbek", "узбекистан", "узбекск",
           "ўзбек", "өзбек", "ӯзбек", "أوزبكستان", "ازبکستان", "اوزبکستان", "ازبكستان", "उज्बेकिस्तान"),
    "TM": ("turkmenistan", "turkmen", "türkmen", "turkménistan", "туркменистан", "туркменск", "туркман", "түркмөн",
           "تركمانستان", "ترکمنستان", "ترکمانستان", "तुर्कमेनिस्तान"),
    "KG": ("kyrgyzstan", "kyrgyz", "kirghiz", "kirgis", "kırgız", "kirguist", "qirg'iz", "qirgʻiz", "кыргызстан",
           "киргизи", "киргизск", "кыргызск", "қирғиз", "قرغيزستان", "قرقیزستان", "قرغیزستان", "किर्गिस्तान"),
    "KZ": ("kazakhstan", "kazakh", "kasach", "kazakist", "kazajist", "qozog'", "qozogʻ", "казахстан", "казахстанск",
           "қозоғ", "қазақ", "كازاخستان", "قزاقستان", "कजाकिस्तान"),
    "IR": ("iran", "иран", "إيران", "ایران", "ईरान", "eron", "эрон"),
    "PK": ("pakistan", "пакистан", "باكستان", "پاکستان", "पाकिस्तान", "покистон"),
    "CN": ("china", "chinese", "xitoy", "китай", "الصين", "چین", "चीन"),
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


@lru_cache(maxsize=1)
def _region_signatures() -> tuple[frozenset[str], dict[str, list[frozenset[str]]]]:
    gz = _gazetteer()
    return gz.signatures(lambda p: p.country_code in REGION_CC and p.kind != "country" and p.precision != "country") \
        if gz is not None else (frozenset(), {})


def may_name_region_place(text: str) -> bool:
    """Whether ``text`` may mention a place of the region below country level (False: it cannot)."""
    gz = _gazetteer()
    return gz is not None and gz.may_name(text, _region_signatures())


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
        for m in gz.find(text[a:b], written=False):
            if m.text.lower() in _NOT_PLACES:
                continue
            if _in_compound(text, a + m.start, a + m.end) and m.candidates[0].kind != "country":
                continue  # "Harb-Maidon": part of a longer hyphenated name the gazetteer does not know
            found.append((a + m.start, a + m.end, m))
    if not found:
        return []
    ctx = [m.candidates[0] for _, _, m in found]
    out: list[Mention] = []
    for i, (start, end, m) in enumerate(found):
        if len(m.candidates) > 1:
            m = _narrow(m, found, i)
        p = gz.disambiguate(m, ctx) if len(m.candidates) > 1 else m.candidates[0]
        if p is None:
            continue
        if p.kind != "country" and _common_cyrillic_word(m.text):
            continue
        if p.as_written is None:
            p = _as_written(p, m.text)
        out.append(Mention(start, end, p))
    return out


_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_CYRILLIC_ADJECTIVE = re.compile(r"[сц]к(?:ий|ого|ому|им|ом|ая|ой|ую|ое|ие|их|ими)$")


def _common_cyrillic_word(text: str) -> bool:
    """A place name in Cyrillic written in lower case is a common word ("қабул", "accept" in Uzbek and Tajik, is
    not Kabul): names are capitalised in every Cyrillic-script language of the region; only an adjective made
    from one is not ("кундузском")."""
    return bool(_CYRILLIC.search(text)) and text == text.lower() and not _CYRILLIC_ADJECTIVE.search(text)


_WRITTEN: dict[tuple[str, str], tuple[Place, Place]] = {}


def _as_written(p: Place, text: str) -> Place:
    """``replace(p, as_written=text)``, shared between articles (places are immutable)."""
    key = (p.id, text)
    got = _WRITTEN.get(key)
    if got is None or got[0] is not p:  # another gazetteer object with the same ids: recompute
        got = (p, replace(p, as_written=text))
        if len(_WRITTEN) > 50_000:
            _WRITTEN.clear()
        _WRITTEN[key] = got
    return got[1]


def _in_compound(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - 2):start]
    after = text[end:end + 2]
    return bool((len(before) == 2 and before[1] == "-" and before[0].isalpha())
                or (len(after) == 2 and after[0] == "-" and after[1].isupper()))


def _narrow(m, found, i: int, window: int = 120):
    """Candidates of an ambiguous name spread over several countries: keep those in the country of the
    unambiguous sub-country places named right next to it ("the Ishkoshim and Roshtqal'a districts" → Tajikistan),
    else those spelt exactly as written ("Ishkoshim" is the Tajik spelling, "Ishkashim" the Afghan one)."""
    ccs = {c.country_code for c in m.candidates}
    if len(ccs) < 2:
        return m
    start, end = found[i][0], found[i][1]
    near: set[str] = set()
    for j, (a, b, other) in enumerate(found):
        if j == i or b < start - window or a > end + window:
            continue
        oc = {c.country_code for c in other.candidates}
        if len(oc) == 1 and other.candidates[0].kind != "country":
            near |= oc
    keep = ccs & near
    if len(keep) == 1:
        return replace(m, candidates=tuple(c for c in m.candidates if c.country_code in keep))
    written = m.text.casefold()
    exact = [c for c in m.candidates if c.name.casefold() == written]
    if exact and len({c.country_code for c in exact}) == 1:
        cc = exact[0].country_code
        return replace(m, candidates=tuple(c for c in m.candidates if c.country_code == cc))
    return m


@lru_cache(maxsize=16)
def border_provinces(cc: str) -> frozenset[str]:
    """Ids of the provinces that hold a border crossing to country ``cc`` (crossings are named by the neighbour
    they lead to: "UZ-01" is Hairatan - Termez, in Balkh)."""
    gz = _gazetteer()
    if gz is None or not hasattr(gz, "places"):
        return frozenset()
    return frozenset(p.province_id for p in gz.places.values()
                     if p.kind == "crossing" and p.id.startswith(cc + "-") and p.province_id)


def seat_of(p: Place) -> Place | None:
    """The seat of an Afghan province ("the centre of Baghlan province" → Pul-e Khumri): in the OCHA/AGCHO codes
    the gazetteer uses, district ``<province>01`` is the provincial centre. None for other places."""
    gz = _gazetteer()
    if gz is None or p.kind != "province" or p.country_code != "AF" or not p.province_id:
        return None
    seat = gz.get(p.province_id + "01")
    if seat is None or seat.province_id != p.province_id:
        return None
    return _as_written(seat, p.as_written) if p.as_written else seat


class PlaceIndex:
    """Place mentions of one article, looked up by character range."""

    def __init__(self, mentions: list[Mention]) -> None:
        self.mentions = mentions
        self._starts = [m.start for m in mentions]

    def province_of(self, p: Place) -> Place | None:
        """The province (admin-1) place of ``p`` from the gazetteer, if any."""
        gz = _gazetteer()
        if gz is None or not p.province_id:
            return None
        return gz.get(p.province_id)

    def between(self, lo: int, hi: int) -> list[Mention]:
        i = bisect_left(self._starts, lo)
        out = []
        while i < len(self.mentions) and self.mentions[i].start < hi:
            out.append(self.mentions[i])
            i += 1
        return out


# capitals and state names that stand for a country as the subject of a sentence ("Dushanbe has sent troops")
_CAPITALS = {"dushanbe": "TJ", "душанбе": "TJ", "tashkent": "UZ", "ташкент": "UZ", "ashgabat": "TM", "ашхабад": "TM",
             "bishkek": "KG", "бишкек": "KG", "astana": "KZ", "moscow": "RU", "москва": "RU", "russia": "RU",
             "россия": "RU", "туркмения": "TM", "киргизия": "KG"}


def capital_country(word: str) -> str | None:
    """'Dushanbe' / 'Москва' → 'TJ' / 'RU' (a capital or state name as the acting state)."""
    return _CAPITALS.get(word.lower())


_CYR_LATIN = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z", "и": "i", "й": "y",
    "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f",
    "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya", "ҳ": "h", "ӣ": "i", "ӯ": "u", "ҷ": "j", "қ": "q", "ғ": "gh", "ў": "o", "ң": "ng", "ө": "o", "ү": "u",
    "і": "i", "ї": "yi", "є": "ye",
})


def latin_name(name: str) -> str:
    """A Cyrillic name in Latin letters ("Юмган" -> "Yumgan", "Бахорак" -> "Bakhorak", Tajik and Uzbek letters
    included); any other name as it is. Gives a place the gazetteer lacks a name an analyst (and a lookup of the
    Latin spellings) can read."""
    if not any("\u0400" <= c <= "\u04ff" for c in name):
        return name
    out = []
    for word in re.split(r"([\s-]+)", name):
        low = word.lower().translate(_CYR_LATIN)
        out.append(low[:1].upper() + low[1:] if word[:1].isupper() else low)
    return "".join(out)


def lookup_name(name: str) -> tuple[Place, ...]:
    """Gazetteer places called ``name`` (any known spelling; none without a gazetteer)."""
    gz = _gazetteer()
    return gz.lookup(name) if gz is not None and hasattr(gz, "lookup") else ()


_CC_CACHE: dict[str, str | None] = {}


def country_code_of(word: str) -> str | None:
    """'Tajikistan' / 'Tajik' / 'Таджикистан' / 'تاجکستان' / "O'zbekiston" → 'TJ' / 'UZ'."""
    try:
        return _CC_CACHE[word]
    except KeyError:
        pass
    w = word.lower().replace("’", "'")
    got = None
    for cc, forms in _COUNTRY_FORMS.items():
        if w.startswith(forms):
            got = cc
            break
    if len(_CC_CACHE) > 50_000:
        _CC_CACHE.clear()
    _CC_CACHE[word] = got
    return got


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
