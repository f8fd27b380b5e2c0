"""Counts of people as the source states them: "280 soldiers", "more than 1,000 troops", "hundreds", "сотни".

``find_count(sentence, unit_regex)`` returns the count nearest before a personnel noun. Vague quantities
("hundreds of", "сотни") keep ``count=None`` but still give ``count_text``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_RU = {
    "один": 1, "одна": 1, "два": 2, "две": 2, "три": 3, "четыре": 4, "пять": 5, "шесть": 6, "семь": 7,
    "восемь": 8, "девять": 9, "десять": 10, "двадцать": 20, "тридцать": 30, "сорок": 40, "пятьдесят": 50,
    "сто": 100, "двести": 200, "триста": 300, "пятьсот": 500,
}
_RU_SCALE = {"тыс": 1000, "тысяч": 1000, "тысячи": 1000, "тысяча": 1000, "млн": 1_000_000}

_WORD = "|".join(sorted(list(_UNITS) + list(_TENS) + list(_SCALES), key=len, reverse=True))
_QUAL = (r"(?:(?:more than|over|nearly|almost|about|around|approximately|roughly|some|at least|up to|as many as"
         r"|a total of|an estimated|close to|fewer than|less than|under"
         r"|более|свыше|около|почти|порядка|до|не менее|примерно|больше)\s+)?")
_NUM = (r"(?:\d{1,3}(?:[,\u202f\u00a0 ]\d{3})+|\d+(?:\.\d+)?)(?:\s*(?:thousand|million|тыс\.?|тысяч[аи]?|млн))?"
        rf"|(?:(?:{_WORD})(?:[\s-]+(?:and\s+)?(?:{_WORD}))*)"
        r"|(?:" + "|".join(_RU) + r")(?:\s+(?:тысяч[аи]?|" + "|".join(_RU) + r"))*")
_VAGUE = (r"(?:several\s+)?(?:hundreds|thousands|dozens|scores|tens of thousands|several hundred|several thousand"
          r"|a few hundred|a group|a small contingent|a number|many"
          r"|сотни|сотен|тысячи|тысяч|десятки|десятков|несколько сотен|несколько тысяч|группа)")
COUNT_RE = re.compile(rf"(?<![\w-])(?P<q>{_QUAL})(?P<n>{_NUM}|{_VAGUE})(?![\w])", re.IGNORECASE)


@dataclass(slots=True)
class Count:
    value: int | None
    text: str
    start: int
    end: int


def parse_number(text: str) -> int | None:
    """Parse '1,037', '2.5 thousand', 'eighty-four', 'two hundred', 'двести' into an int; None when vague."""
    t = text.lower().replace("\u202f", "").replace("\u00a0", "").strip()
    m = re.fullmatch(r"(\d[\d, ]*(?:\.\d+)?)\s*(thousand|million|тыс\.?|тысяч[аи]?|млн)?", t)
    if m:
        digits = m.group(1).replace(",", "").replace(" ", "")
        try:
            val = float(digits)
        except ValueError:
            return None
        scale = m.group(2) or ""
        if scale.startswith(("thousand", "тыс")):
            val *= 1000
        elif scale.startswith(("million", "млн")):
            val *= 1_000_000
        return int(val)
    total = current = 0
    seen = False
    for w in re.split(r"[\s-]+", t):
        if w in ("and", ""):
            continue
        if w in _UNITS:
            current += _UNITS[w]
        elif w in _TENS:
            current += _TENS[w]
        elif w in _SCALES:
            current = max(current, 1) * _SCALES[w]
            if _SCALES[w] >= 1000:
                total += current
                current = 0
        elif w in _RU:
            current += _RU[w]
        elif w in _RU_SCALE:
            current = max(current, 1) * _RU_SCALE[w]
            total += current
            current = 0
        else:
            return None
        seen = True
    return total + current if seen else None


def find_count(sentence: str, unit_re: re.Pattern, lo: int = 0, hi: int | None = None,
               max_gap: int = 45) -> tuple[Count | None, str | None]:
    """The count that qualifies a personnel noun in sentence[lo:hi]: returns (Count, unit) or (None, None).

    The number must precede the noun within ``max_gap`` characters with no sentence-internal break
    (e.g. "1,037 Afghan soldiers", "more than 300 Afghan military personnel", "hundreds of Taliban fighters").
    """
    hi = len(sentence) if hi is None else hi
    best: tuple[Count, str] | None = None
    for um in unit_re.finditer(sentence, lo, hi):
        window_start = max(0, um.start() - max_gap)
        seg = sentence[window_start:um.start()]
        cands = list(COUNT_RE.finditer(seg))
        for cm in reversed(cands):
            between = seg[cm.end():]
            if re.search(r"[.;:()\"“”]|\b(?:and|or|in|on|at|after|since|from|per|percent|km|kilometres?|miles?)\b",
                         between, re.IGNORECASE) and not re.fullmatch(r"\s*of\s+(?:the\s+)?[\w\s'-]*", between):
                continue
            num_txt = cm.group("n")
            if re.fullmatch(r"(?:19|20)\d\d", num_txt):
                continue  # a year, not a count
            value = parse_number(num_txt)
            text = sentence[window_start + cm.start():um.end()].strip()
            c = Count(value, text, window_start + cm.start(), um.end())
            if best is None:
                best = (c, um.group(0).lower())
            break
        if best:
            break
    if best is None:
        return None, None
    return best
