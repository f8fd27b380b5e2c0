"""Event dates stated in a sentence ("on August 14", "5 July 2021", "14 августа", "on Sunday") → ISO date.

A date is only returned when the year is known: written in the sentence, or taken from ``published``
(weekday names need ``published`` too: the latest such weekday on or before it).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
    "января": 1, "февраля": 2, "марта": 3, "апреля": 4, "мая": 5, "июня": 6, "июля": 7, "августа": 8,
    "сентября": 9, "октября": 10, "ноября": 11, "декабря": 12,
}
_WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
             "понедельник": 0, "вторник": 1, "среду": 2, "четверг": 3, "пятницу": 4, "субботу": 5, "воскресенье": 6}
_MON = "|".join(sorted(_MONTHS, key=len, reverse=True))
_MD = re.compile(rf"\b(?P<m>{_MON})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<y>(?:19|20)\d\d))?\b", re.I)
_DM = re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m>{_MON})\.?(?:,?\s+(?P<y>(?:19|20)\d\d))?\b", re.I)
_ISO = re.compile(r"\b(?P<y>(?:19|20)\d\d)-(?P<m>\d\d)-(?P<d>\d\d)\b")
_WD = re.compile(r"\b(?:on|last|в|во)\s+(?P<w>" + "|".join(_WEEKDAYS) + r")\b", re.I)
# Relative dates, counted back from ``published`` ("last week" is taken as seven days back: near enough to
# cluster the report with the event it recalls).
_RELATIVE_DAYS = {"yesterday": 1, "last week": 7, "вчера": 1, "накануне": 1, "на прошлой неделе": 7}
_SMALL_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "два": 2, "две": 2, "три": 3,
                  "четыре": 4, "пять": 5, "шесть": 6}
_RELATIVE = re.compile(r"\b(?:(?P<rel>yesterday|last week|вчера|накануне|на прошлой неделе)"
                       r"|(?P<n>\d|two|three|four|five|six|два|две|три|четыре|пять|шесть)\s+(?:days ago|дня назад|дней назад))\b",
                       re.I)
# r"\b((?:19|20)\d\d)\b" with the word boundary checked after the first digit ("(?<!\w.)": the character before it
# is no word character), so that the search skips to a "1" or "2" at C speed instead of trying every position
_YEAR = re.compile(r"(?:1(?<!\w.)9|2(?<!\w.)0)\d\d\b")
_DIGIT = re.compile(r"\d")


def parse_published(published: str | None) -> date | None:
    if not published:
        return None
    try:  # "2026-11-18" or a full ISO timestamp "2026-11-18T09:00:00+00:00"
        return date.fromisoformat(published.strip()[:10])
    except ValueError:
        pass
    m = _ISO.search(published)
    if not m:
        return None
    try:
        return date(int(m["y"]), int(m["m"]), int(m["d"]))
    except ValueError:
        return None


def event_date(sentence: str, published: date | None, ref_year: int | None) -> str | None:
    for rx in (_ISO, _MD, _DM) if _DIGIT.search(sentence) else ():  # each needs a day or year in digits
        m = rx.search(sentence)
        if not m:
            continue
        month = m["m"]
        mon = int(month) if month.isdigit() else _MONTHS.get(month.lower())
        year = int(m["y"]) if m["y"] else (published.year if published else ref_year)
        if not mon or not year:
            continue
        try:
            d = date(year, mon, int(m["d"]))
        except ValueError:
            continue
        if published and not m["y"] and d > published + timedelta(days=1):
            d = date(year - 1, mon, int(m["d"]))  # "on December 30" in a January article
        return d.isoformat()
    if published:
        m = _WD.search(sentence)
        if m:
            wd = _WEEKDAYS[m["w"].lower()]
            delta = (published.weekday() - wd) % 7
            return (published - timedelta(days=delta)).isoformat()
        m = _RELATIVE.search(sentence)
        if m:
            if m["n"]:
                n = m["n"].lower()
                days = int(n) if n.isdigit() else _SMALL_NUMBERS[n]
            else:
                days = _RELATIVE_DAYS[m["rel"].lower()]
            return (published - timedelta(days=days)).isoformat()
    return None


# digits of the region's scripts (Persian ۰-۹, Arabic-Indic ٠-٩, Devanagari ०-९) as ASCII, for years
DIGITS = str.maketrans({**{chr(0x06F0 + i): str(i) for i in range(10)}, **{chr(0x0660 + i): str(i) for i in range(10)},
                        **{chr(0x0966 + i): str(i) for i in range(10)}})


_OTHER_DIGITS = re.compile(r"[\u0660-\u0669\u06f0-\u06f9\u0966-\u096f]")


def years_in(text: str) -> list[int]:
    if _OTHER_DIGITS.search(text):
        text = text.translate(DIGITS)
    if "19" not in text and "20" not in text:  # every year starts so (a scan at C speed)
        return []
    return [int(y) for y in _YEAR.findall(text)]
