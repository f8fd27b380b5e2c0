"""Armed actors: surface forms (from every language file's ``[actors]`` table) → normalised names.

Order matters: more specific forms first ("Russian 201st military base" before "Russian forces", "Tajik border
troops" before "Tajik forces"; the order is :data:`borderwatch.detect.lexicon.ACTORS`). ``STATE_ACTORS`` tells a
government (or former holder) from a non-state armed group, which decides captured vs retaken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .lexicon import ACTORS, gate_words, load_languages, spans_lower, top_alternatives, twin_of
from .vocab import StemMap

TALIBAN = "Taliban"
AFGHAN_GOV = "Afghan government forces"
ISISK = "ISIS-K"

STATE_ACTORS = frozenset({
    AFGHAN_GOV, "Tajik border troops", "Tajik forces", "Uzbek forces", "Turkmen forces", "Kyrgyz forces",
    "Kazakh forces", "Russian forces", "Russian 201st military base", "CSTO", "US/NATO forces",
})
NON_STATE = frozenset({TALIBAN, ISISK, "al-Qaeda", "IMU", "Jamaat Ansarullah", "TTP", "NRF", "Anti-Taliban forces",
                       "Unidentified armed group"})
FOREIGN_WITHDRAWING = frozenset({"US/NATO forces"})


@dataclass(frozen=True, slots=True)
class _Matchers:
    keys: tuple[tuple[str, tuple[str, ...], str], ...]  # (key, its forms in every language, normalised name)
    gates: StemMap  # token prefix -> (key, form index) pairs whose forms need it
    always: frozenset[tuple[str, int]]  # forms with no certain word: always tried


@lru_cache(maxsize=1)
def _matchers() -> _Matchers:
    langs = load_languages().values()
    clitics = sorted({c for lex in langs for c in lex.clitics})
    keys = []
    stems: dict[tuple[str, int], set[str]] = {}
    always: set[tuple[str, int]] = set()
    for key, name in ACTORS.items():
        forms = tuple(f for lex in langs for f in lex.actors.get(key, []))
        if not forms:
            continue
        keys.append((key, forms, name))
        for i, f in enumerate(forms):
            for part in top_alternatives(f):
                g = gate_words(part)
                if g is None:
                    always.add((key, i))
                else:
                    stems.setdefault((key, i), set()).update(g)
    return _Matchers(tuple(keys), StemMap(stems, clitics=clitics), frozenset(always))


@lru_cache(maxsize=4096)
def _pattern(forms: tuple[str, ...]) -> re.Pattern:
    """One regex for the forms of a key whose words a sentence holds, in the key's order (a form whose words are
    absent cannot match, so the alternation matches where and as the one over all forms would)."""
    return re.compile("|".join(f"(?:{f})" for f in forms), re.IGNORECASE)


def find_actors(text: str, lo: int = 0, hi: int | None = None, toks: list[str] | None = None,
                low: str | None = None) -> list[tuple[int, str]]:
    """(position, normalised actor) pairs in text[lo:hi], earliest first; a span claimed by a more specific
    form is not matched again by a general one. ``toks`` (the span's lower-case tokens) lets forms whose
    words are absent be skipped; ``low`` (``text`` lower-cased, same length) lets the patterns run as their
    faster lower-case twins."""
    hi = len(text) if hi is None else hi
    m = _matchers()
    present = (m.gates.labels(toks) | m.always) if toks is not None else None
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, str]] = []
    by_key: dict[str, list[int]] = {}
    if present is not None:
        for key, i in present:
            by_key.setdefault(key, []).append(i)
    for key, forms, name in m.keys:
        if present is not None:
            idx = by_key.get(key)
            if not idx:
                continue
            forms = tuple(forms[i] for i in sorted(idx))
        rx = _pattern(forms)
        for start, end in spans_lower(rx, twin_of(rx) if low is not None else None, text, low, lo, hi):
            if any(a < end and start < b for a, b in taken):
                continue
            taken.append((start, end))
            found.append((start, name))
    found.sort()
    return found


def unique(names: list[str]) -> list[str]:
    seen: list[str] = []
    for n in names:
        if n not in seen:
            seen.append(n)
    return seen
