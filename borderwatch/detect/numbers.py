"""Counts of people as the source states them: "280 soldiers", "more than 1,000 troops", "two dozen", "hundreds",
"девяносто военнослужащих".

The number words come from the language files (``[numbers]``: ``units``, ``scales``, ``qualifiers``, ``vague``),
so a language brings its own. ``find_count(sentence, unit_regex)`` returns the count nearest before a personnel
noun. Vague quantities ("hundreds of", "сотни") keep ``count=None`` but still give ``count_text``. Digits of any
script count ("۸۴", "٨٤").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .lexicon import load_languages, twin_of


@dataclass(slots=True)
class Count:
    value: int | None
    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Words:
    units: dict[str, int]
    scales: dict[str, int]
    count_re: re.Pattern


_THOUSANDS_SPACES = "\u202f\u00a0"  # narrow and no-break space


@lru_cache(maxsize=1)
def _words() -> _Words:
    units: dict[str, int] = {}
    scales: dict[str, int] = {}
    quals: list[str] = []
    vague: list[str] = []
    for lex in load_languages().values():
        units.update(lex.numbers.get("units", {}))
        scales.update(lex.numbers.get("scales", {}))
        quals += lex.numbers.get("qualifiers", [])
        vague += lex.numbers.get("vague", [])
    words = sorted(set(units) | set(scales), key=len, reverse=True)
    word = "|".join(re.escape(w) for w in words) or r"(?!)"
    scale = "|".join(re.escape(w) for w in sorted(scales, key=len, reverse=True)) or r"(?!)"
    qual = "|".join(sorted(quals, key=len, reverse=True)) or r"(?!)"
    vag = "|".join(sorted(vague, key=len, reverse=True)) or r"(?!)"
    # the narrow and the no-break space written as themselves (an escape leaves the pattern without its lower-case
    # twin)
    num = (rf"(?:\d{{1,3}}(?:[,.{_THOUSANDS_SPACES} ]\d{{3}})+|\d+(?:[.,]\d+)?)(?:\s*(?:{scale})\.?)?"
           rf"|(?:a\s+|an\s+)?(?:{word})(?:[\s-]+(?:and\s+|и\s+)?(?:{word}))*")
    count_re = re.compile(rf"(?<![\w-])(?P<q>(?:(?:{qual})\s+)?)(?P<n>{num}|{vag})(?![\w])", re.IGNORECASE)
    return _Words(units, scales, count_re)


def parse_number(text: str) -> int | None:
    """Parse '1,037', '2.5 thousand', 'eighty-four', 'two dozen', 'двести', '۸۴' into an int; None when vague."""
    w = _words()
    t = text.lower().replace("\u202f", "").replace("\u00a0", "").strip()
    m = re.fullmatch(r"(\d[\d, ]*(?:[.]\d+)?)\s*(\S+?)?\.?", t)
    if m:
        digits = m.group(1).replace(" ", "")
        if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", digits):
            digits = digits.replace(".", "")  # "1.037", "20.000": a thousands point (German, Turkish)
        digits = digits.replace(",", ".") if re.fullmatch(r"\d+,\d{1,2}", digits) else digits.replace(",", "")
        try:
            val = float(digits)
        except ValueError:
            return None
        scale = m.group(2)
        if scale:
            if scale not in w.scales:
                return None
            val *= w.scales[scale]
        return int(val)
    total = current = 0
    seen = False
    parts = [p for p in re.split(r"[\s-]+", t) if p and p not in ("and", "и")]
    if parts and parts[0] in ("a", "an") and len(parts) > 1 and parts[1] in w.scales:
        parts[0] = "one"
        current, seen, parts = 1, True, parts[1:]
    for p in parts:
        if p in w.units:
            current += w.units[p]
        elif p in w.scales:
            current = max(current, 1) * w.scales[p]
            if w.scales[p] >= 1000:
                total += current
                current = 0
        else:
            return None
        seen = True
    return total + current if seen else None


_BETWEEN_STOP = re.compile(r"[.;:()\"“”]|\b(?:and|or|in|on|at|after|since|from|per|percent|km|kilometres?|miles?)\b",
                           re.IGNORECASE)
_OF_NOUNS = re.compile(r"\s*of\s+(?:the\s+)?[\w\s'-]*", re.IGNORECASE)
_YEAR = re.compile(r"(?:19|20)\d\d")


def find_count(sentence: str, unit_re: re.Pattern, lo: int = 0, hi: int | None = None,
               max_gap: int = 45, low: str | None = None) -> tuple[Count | None, str | None]:
    """The count that qualifies a personnel noun in sentence[lo:hi]: returns (Count, unit) or (None, None).

    The number must precede the noun within ``max_gap`` characters with no sentence-internal break
    (e.g. "1,037 Afghan soldiers", "more than 300 Afghan military personnel", "hundreds of Taliban fighters").
    ``low`` (``sentence`` lower-cased, same length) lets the unit pattern run as its lower-case twin.
    """
    hi = len(sentence) if hi is None else hi
    count_re = _words().count_re
    twin = twin_of(unit_re) if low is not None else None
    if twin is not None and not twin[1]:
        units = twin[0].finditer(low, lo, hi)  # same spans; the unit is reported lower-cased anyway
    else:
        units = unit_re.finditer(sentence, lo, hi)
    count_twin = twin_of(count_re) if low is not None else None
    if count_twin is not None and count_twin[1]:
        count_twin = None
    for um in units:
        window_start = max(0, um.start() - max_gap)
        seg = sentence[window_start:um.start()]
        # the counts' spans, with the lower-case twin when there is one (same spans; the text is taken from seg)
        counts = count_twin[0].finditer(low[window_start:um.start()]) if count_twin is not None \
            else count_re.finditer(seg)
        for cm in reversed(list(counts)):
            between = seg[cm.end():]
            if _BETWEEN_STOP.search(between) and not _OF_NOUNS.fullmatch(between):
                continue
            num_txt = seg[cm.start("n"):cm.end("n")]
            if _YEAR.fullmatch(num_txt):
                continue  # a year, not a count
            value = parse_number(num_txt)
            text = sentence[window_start + cm.start():um.end()].strip()
            return Count(value, text, window_start + cm.start(), um.end()), um.group(0).lower()
    return None, None
