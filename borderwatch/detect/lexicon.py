"""The shape of one language's rule set: triggers (verb frames) plus the cue patterns that veto or re-type them.

Each language module (``rules_en``, ``rules_ru``, ``rules_xx``) builds one :class:`Lexicon`; the engine is
language-agnostic and only reads these fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .vocab import StemMap, StemSet

FLAGS = re.IGNORECASE | re.UNICODE


def rx(pattern: str) -> re.Pattern:
    """Compile case-insensitively, except that explicit capital classes ``[A-Z]`` / ``[А-ЯЁ]`` keep meaning
    "a capital letter" (names, sentence starts)."""
    pattern = pattern.replace("[A-Z]", "(?-i:[A-Z])").replace("[А-ЯЁ]", "(?-i:[А-ЯЁ])")
    return re.compile(pattern, FLAGS)


@dataclass(frozen=True, slots=True)
class Rule:
    """A verb frame. ``needs`` lists what must hold around the trigger:

    - ``personnel``: armed personnel noun (soldiers, troops, border guards, militants…) near the trigger
    - ``civilians``: civilians / refugees near the trigger
    - ``abroad``: a destination across a border (another country, "across the border") after the trigger
    - ``placeish``: a named place or a place-type noun (district, city, border crossing…) next to the trigger
    - ``military``: military context word in the sentence (for ambiguous nouns like "exercise")
    - ``region``: the sentence itself names a place in the region (or the border)
    """

    name: str
    kind: str
    subtype: str
    trigger: re.Pattern
    needs: frozenset[str] = frozenset()
    conf: float = 0.8
    # territorial: subject is a state actor → this subtype instead (captured → retaken)
    state_subtype: str | None = None
    # how many characters around the trigger count as "near"
    before: int = 90
    after: int = 90
    # cheap pre-check: the sentence must contain one of these word prefixes (None: always try the regex)
    stems: StemSet | None = None
    # cheap pre-check: the sentence must contain one of these word prefixes (None: always try the regex)
    stems: StemSet | None = None


@dataclass(slots=True)
class Lexicon:
    lang: str
    rules: list[Rule]
    gate: re.Pattern  # cheap pre-check: any trigger word at all
    personnel: re.Pattern
    civilians: re.Pattern
    place_type: re.Pattern
    abroad: re.Pattern  # destination across a border, matched right after a movement trigger
    military: re.Pattern
    # vetoes / re-typing cues
    background: re.Pattern  # past takeovers told as background
    negation: re.Pattern  # immediately before the trigger
    denial: re.Pattern  # anywhere before the trigger in the sentence
    modal: re.Pattern  # hypothetical / planned / feared, before the trigger in the clause
    repelled: re.Pattern
    drill: re.Pattern  # scenario / exercise wording
    drill_scenario: re.Pattern  # explicitly a scenario (mock enemy, notional militants)
    outside_region: re.Pattern  # places outside the region (Russia's training grounds, other conflicts)
    foreign_forces: re.Pattern  # US/NATO etc., whose 2021 pull-out is background
    shelling: re.Pattern  # fire across a border with nobody moving
    reference: re.Pattern  # "near", "from", "border with" right before a place: not the event place
    region_words: re.Pattern  # the border / region named without a gazetteer place
    claimant: re.Pattern
    clause_break: re.Pattern
    # relevance vocabulary
    region_anchor: re.Pattern
    security: re.Pattern
    other_region: re.Pattern
    non_security: re.Pattern
    # non-alert kinds
    attack: re.Pattern
    cooperation: re.Pattern
    threat: re.Pattern
    statement: re.Pattern
    # token-prefix versions of gate / relevance vocabularies (faster than the regexes when given)
    gate_vocab: StemSet | None = None
    rule_map: StemMap | None = None  # token prefix → names of the rules it can trigger
    security_vocab: StemSet | None = None
    other_vocab: StemSet | None = None
    nonsec_vocab: StemSet | None = None
    region_vocab: StemSet | None = None  # must agree with region_anchor (used when no enumeration is possible)
    drill_vocab: StemSet | None = None  # necessary words for ``drill``
    attack_vocab: StemSet | None = None  # necessary words for the non-alert patterns
    cooperation_vocab: StemSet | None = None
    threat_vocab: StemSet | None = None
    # dates
    date_patterns: list[re.Pattern] = field(default_factory=list)
    # token-prefix gates for cue patterns: cue name -> words one of which the cue needs (skips the regex when absent)
    cue_gates: dict = field(default_factory=dict)
    # where the frame of a trigger ends for places, counts and actors ("… on alert after fighting in X")
    place_stop: re.Pattern | None = None
    # "N days after …", "a week after …": an earlier event told relative to the news
    relative_past: re.Pattern | None = None
    # the object of a capture verb that is not territory ("seized weapons", "captured the cup")
    non_place_object: re.Pattern | None = None
    # a place name used as something else right after it ("the Panj river", "Kabul-based")
    not_place_after: re.Pattern | None = None
    # a movement's destination / route right before a place ("to", "towards", "via the")
    destination_before: re.Pattern | None = None
    # clause subject that is a state ("Tajikistan has put its troops …"): group 1 is the country word
    state_subject: re.Pattern | None = None


# ----------------------------------------------------------------------------- lower-case twins of patterns
# Python's regex engine cannot skip ahead on case-insensitive alternations (every branch is entered at every
# position); the same pattern with lower-case literals, compiled case-sensitively and run on the lower-cased
# text, finds the same spans two to three times faster. Capital classes ("[A-Z]": a name must follow) are
# widened to any letter in the twin, whose hits are then confirmed with the original pattern.
_CAPITAL_CLASSES = ("(?-i:[A-Z])", "(?-i:[А-ЯЁ])")


def _lower_literals(src: str) -> str:
    out: list[str] = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c == "\\":
            out.append(src[i:i + 2])  # \S, \W, \B… keep their meaning
            i += 2
        elif src.startswith(("(?P<", "(?P="), i):
            j = src.index(">" if src[i + 3] == "<" else ")", i)
            out.append(src[i:j + 1])  # group names as written
            i = j + 1
        else:
            out.append(c.lower())
            i += 1
    return "".join(out)


def lower_twin(pattern: re.Pattern) -> tuple[re.Pattern, bool] | None:
    """``(twin, confirm)``: a case-sensitive pattern for lower-cased text that matches where ``pattern`` matches
    the original text (``confirm``: only a superset, check each hit with ``pattern``); None when not possible."""
    if not pattern.flags & re.IGNORECASE:
        return None
    src = pattern.pattern
    confirm = False
    for cap in _CAPITAL_CLASSES:
        if cap in src:
            src = src.replace(cap, r"[^\W\d_]")  # only inside positive contexts in the rule patterns
            confirm = True
    if "(?-i" in src or "\\N" in src or "\\x" in src or "\\u" in src:
        return None
    try:
        return re.compile(_lower_literals(src), pattern.flags & ~re.IGNORECASE), confirm
    except re.error:
        return None


_TWIN_CACHE: dict[re.Pattern, tuple[re.Pattern, bool] | None] = {}


def twin_of(pattern: re.Pattern) -> tuple[re.Pattern, bool] | None:
    """:func:`lower_twin`, computed once per pattern."""
    try:
        return _TWIN_CACHE[pattern]
    except KeyError:
        got = _TWIN_CACHE[pattern] = lower_twin(pattern)
        return got


def spans_lower(pattern: re.Pattern, twin: tuple[re.Pattern, bool] | None, text: str, low: str | None,
                pos: int = 0, endpos: int | None = None) -> list[tuple[int, int]]:
    """``(start, end)`` of ``pattern.finditer(text, pos, endpos)``, computed with the lower-case twin when
    ``low`` (``text`` lower-cased, same length) is given."""
    if endpos is None:
        endpos = len(text)
    if twin is None or low is None:
        return [m.span() for m in pattern.finditer(text, pos, endpos)]
    rx, confirm = twin
    if not confirm:
        return [m.span() for m in rx.finditer(low, pos, endpos)]
    out = []
    while pos <= endpos:
        m = rx.search(low, pos, endpos)
        if m is None:
            break
        o = pattern.match(text, m.start(), endpos)
        if o is None:
            pos = m.start() + 1
            continue
        out.append(o.span())
        pos = o.end() if o.end() > o.start() else o.end() + 1
    return out


def search_lower(pattern: re.Pattern, text: str, low: str | None, pos: int = 0, endpos: int | None = None) -> bool:
    """``bool(pattern.search(text, pos, endpos))``, with the lower-case twin when ``low`` is given."""
    if endpos is None:
        endpos = len(text)
    twin = twin_of(pattern) if low is not None else None
    if twin is None:
        return pattern.search(text, pos, endpos) is not None
    rx, confirm = twin
    if not confirm:
        return rx.search(low, pos, endpos) is not None
    return bool(spans_lower(pattern, twin, text, low, pos, endpos))
