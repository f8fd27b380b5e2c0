"""Which language a text (or a sentence) is in: the script first, then the language files' markers.

This is the one language guesser of the project (extraction uses it too). It only needs to tell apart the
languages borderwatch has rules for, and those differ by script and by a few letters and function words each
language file lists as ``markers``: Tajik ``ӣ ӯ ҷ``, Kyrgyz ``ң ө ү``, Uzbek ``ў қ ғ ҳ`` / ``oʻ gʻ``, Pashto
``ښ ږ ځ څ``, Urdu ``ے ں ٹ ڈ ڑ``, Arabic ``ة``, Turkish ``ı ğ ş``…. General-purpose identifiers on PyPI were
measured against this and rejected (see README, "Languages"): none knows Tajik, Kyrgyz, Uzbek and Pashto at once.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache, lru_cache

from .lexicon import Lexicon, load_languages

SCRIPTS = {
    "Latin": re.compile(r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff]"),
    "Cyrillic": re.compile(r"[\u0400-\u04ff\u0500-\u052f]"),
    "Arabic": re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]"),
    "Devanagari": re.compile(r"[\u0900-\u097f]"),
}
# words of one script (possessive: nothing follows a word, so no backtracking state is kept)
_SCRIPT_WORDS = {name: re.compile(rf"{rx.pattern}++(?:['’ʻʼ`‘]{rx.pattern}++)*+") for name, rx in SCRIPTS.items()}
# the language a script's text is taken to be when no marker says otherwise
DEFAULT = {"Latin": "en", "Cyrillic": "ru", "Arabic": "fa", "Devanagari": "hi"}
_WORD = re.compile(r"[^\W\d_]++(?:['’ʻʼ`‘][^\W\d_]++)*+")


# one character class (the union of the other scripts' classes): the search skips non-matching text at C speed
_NON_LATIN = re.compile("[" + "".join(rx.pattern[1:-1] for name, rx in SCRIPTS.items() if name != "Latin") + "]")


# (text, answer) for the last text asked about: the same article is asked several times; one tuple, replaced
# whole, so that threads never see a text with another's answer
_last_non_latin: tuple[str | None, bool] = (None, False)


def has_non_latin(text: str) -> bool:
    """Whether ``text`` holds a letter of a known script other than Latin (one scan per text object)."""
    global _last_non_latin
    last = _last_non_latin
    if last[0] is text:
        return last[1]
    got = _NON_LATIN.search(text) is not None
    _last_non_latin = (text, got)
    return got


def script_of(text: str) -> str | None:
    """The script most letters of ``text`` are written in (None for no letters of a known script)."""
    if not has_non_latin(text):
        return "Latin" if SCRIPTS["Latin"].search(text) else None
    best, best_n = None, 0
    for name, rx in SCRIPTS.items():
        n = len(rx.findall(text))
        if n > best_n:
            best, best_n = name, n
    return best


def scripts_in(text: str) -> set[str]:
    if not has_non_latin(text):
        return {"Latin"} if SCRIPTS["Latin"].search(text) else set()
    return {name for name, rx in SCRIPTS.items() if rx.search(text)}


@lru_cache(maxsize=1)
def _by_script() -> dict[str, list[Lexicon]]:
    out: dict[str, list[Lexicon]] = {}
    for lex in load_languages().values():
        for sc in lex.scripts:
            out.setdefault(sc, []).append(lex)
    return out


@lru_cache(maxsize=1)
def _markers() -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    """code -> (marker letters, marker words)."""
    out = {}
    for lex in load_languages().values():
        letters = frozenset(m for m in lex.markers if len(m) == 1)
        words = frozenset(m.lower() for m in lex.markers if len(m) > 1)
        out[lex.lang] = (letters, words)
    return out


_SAMPLE = 6000  # characters of an article enough to tell its language


_APOSTROPHES = "'’ʻʼ`‘"  # the word-inner characters of _WORD and _SCRIPT_WORDS
# the code points of each script's class in SCRIPTS (tests/test_detect_places_speed.py checks that they agree)
SCRIPT_RANGES = {
    "Latin": ((0x41, 0x5A), (0x61, 0x7A), (0xC0, 0x24F), (0x1E00, 0x1EFF)),
    "Cyrillic": ((0x400, 0x52F),),
    "Arabic": ((0x600, 0x6FF), (0x750, 0x77F), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF)),
    "Devanagari": ((0x900, 0x97F),),
}


@cache
def _script_word(script: str) -> re.Pattern:
    """``_WORD`` for text written only with ``script``'s characters, apostrophes and spaces (what :func:`routing`
    gives :func:`scores`): the letters of that alphabet as an explicit class, so that each character is one table
    lookup instead of the four Unicode lookups of ``[^\\W\\d_]``. On such text every character is in the class exactly
    when it is in ``[^\\W\\d_]``, so the matches are the same."""
    letter = re.compile(r"[^\W\d_]")
    chars = [chr(c) for a, b in SCRIPT_RANGES[script] for c in range(a, b + 1)] + list(_APOSTROPHES) + [" "]
    codes = sorted({ord(c) for c in chars if letter.match(c)})
    runs: list[list[int]] = []
    for c in codes:
        if runs and c == runs[-1][1] + 1:
            runs[-1][1] = c
        else:
            runs.append([c, c])
    cls = "".join(f"\\u{a:04x}-\\u{b:04x}" if b > a else f"\\u{a:04x}" for a, b in runs)
    return re.compile(f"[{cls}]++(?:[{_APOSTROPHES}][{cls}]++)*+")


def scores(text: str, script: str, within_script: bool = False) -> Counter:
    """Marker hits per language of ``script`` in ``text`` (its first few thousand characters). ``within_script``:
    ``text`` holds only that script's characters, apostrophes and spaces (words joined by :func:`routing`)."""
    text = text[:_SAMPLE]
    cands = _by_script().get(script, [])
    marks = _markers()
    word = _script_word(script) if within_script else _WORD
    words = Counter(map(str.lower, word.findall(text.replace("’", "ʼ")))) \
        if any(marks[c.lang][1] for c in cands) else Counter()
    out: Counter = Counter()
    for lex in cands:
        ls, ws = marks[lex.lang]
        out[lex.lang] = sum(map(text.count, ls)) + sum(words[w] for w in words.keys() & ws)
    return out


def language_for(text: str, script: str | None = None, within_script: bool = False) -> str | None:
    """The code of the language file for ``text`` (of ``script``, or its own main script); ``within_script`` as
    for :func:`scores`."""
    script = script or script_of(text)
    if script is None:
        return None
    cands = _by_script().get(script, [])
    if not cands:
        return None
    got = scores(text, script, within_script)
    default = DEFAULT.get(script, cands[0].lang)
    best = max(cands, key=lambda lex: (got[lex.lang], lex.lang == default))
    if got[best.lang] == 0:
        return default if any(c.lang == default for c in cands) else cands[0].lang
    return best.lang


_LANG_SCRIPT = {"ru": "Cyrillic", "uk": "Cyrillic", "be": "Cyrillic", "bg": "Cyrillic", "kk": "Cyrillic", "tg": "Cyrillic",
                "ky": "Cyrillic", "mn": "Cyrillic", "fa": "Arabic", "ps": "Arabic", "ur": "Arabic", "ar": "Arabic",
                "hi": "Devanagari", "ne": "Devanagari", "mr": "Devanagari"}


def guess_language(text: str, declared: str | None = None) -> str | None:
    """ISO 639-1 code of ``text``'s language, as far as borderwatch can tell (None: no letters).

    ``declared`` (a page's ``<html lang>``, a feed's language) wins when it is written in the text's script
    (Uzbek declares "uz" in Latin or Cyrillic); otherwise the script and the language files' markers decide."""
    sample = text[:20000]
    script = script_of(sample)
    if declared:
        code = declared.split("-")[0].split("_")[0].lower()
        lex = load_languages().get(code)
        want = lex.scripts if lex is not None else (_LANG_SCRIPT.get(code, "Latin"),)
        if script is None or script in want:
            return code
    return language_for(sample, script) if script else (declared or None)


def routing(text: str, hint: str | None = None) -> dict[str, str]:
    """Script -> language code for the sentences of one article: the hint's language for its scripts, else the
    language whose markers the article's text in that script carries most."""
    langs = load_languages()
    out: dict[str, str] = {}
    hinted = langs.get((hint or "").split("-")[0].lower()) if hint else None
    for script in scripts_in(text):
        if hinted is not None and script in hinted.scripts:
            out[script] = hinted.lang
            continue
        cands = _by_script().get(script, [])
        if len(cands) == 1:
            out[script] = cands[0].lang
            continue
        # only the text in that script decides (an English quote in a Russian article is routed as English)
        part = " ".join(_SCRIPT_WORDS[script].findall(text[:4 * _SAMPLE]))
        code = language_for(part, script, within_script=True)
        if code is not None:
            out[script] = code
    return out
