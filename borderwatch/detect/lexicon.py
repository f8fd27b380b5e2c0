"""A language as data: one TOML file per language in ``borderwatch/detect/languages/``, loaded and checked here.

A file holds four things, each read by the language-agnostic engine (:mod:`.engine`) and its named checks
(:mod:`.checks`):

``[language]``
    ``code``, ``name``, ``scripts`` (Latin, Cyrillic, Arabic, Devanagari), ``boundary`` (how a word starts:
    ``word`` = ``\\b``, ``letter`` = not after a letter, ``clitic`` = not after a letter, or after one of the
    ``clitics`` glued to the word as in Arabic, Persian, Pashto and Urdu), ``case`` (whether names are
    capitalised), ``markers`` (letters or words that tell this language from others of its script; see
    :mod:`.langid`).
``[vocab]``
    Named word lists (:data:`VOCABS` says what each is for). An entry is a *term* — ``word`` (that word),
    ``stem*`` (any word starting so), or a phrase of such words (``border guard*``) — or, when it needs more, a
    regular expression. Both the regex the engine searches with and the word-prefix sets it counts and gates with
    are derived from this one list, so they cannot drift apart.
``[cues]``
    Named regular expressions read by named checks (:data:`CUES`), e.g. ``background`` ("since the Taliban
    seized power"). A string or a list of alternatives.
``[[frame]]``
    A rule: ``id`` (``<code>.<kind>.<name>``, the id every event records), ``kind``, ``subtype``, ``trigger``
    (alternatives, each starting with a literal word: the word prefixes that gate the rule are derived from them),
    ``needs`` (frame checks that must hold, by name), ``skip`` (vetoes this frame is exempt from, by name),
    ``confidence``, ``window`` (characters before / after the trigger that count as near), ``state_subtype``
    (the subtype when a state takes a place: captured → retaken).

Loading validates everything: unknown tables or keys, unknown vocabularies, cues, checks, kinds and subtypes,
regexes that do not compile, trigger alternatives that cannot be gated; each error names the file and the key.
"""

from __future__ import annotations

import re
import re._constants as sre_c
import re._parser as sre_parse
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .types import KINDS, SUBTYPES
from .vocab import MARKS, StemMap, StemSet

FLAGS = re.IGNORECASE | re.UNICODE


class LexiconError(ValueError):
    """A language file that cannot be used: the message names the file and the key."""


def rx(pattern: str) -> re.Pattern:
    """Compile case-insensitively, except that explicit capital classes ``[A-Z]`` / ``[А-ЯЁ]`` keep meaning
    "a capital letter" (names, sentence starts)."""
    pattern = pattern.replace("[A-Z]", "(?-i:[A-Z])").replace("[А-ЯЁ]", "(?-i:[А-ЯЁ])")
    # "\u200c" (the zero-width non-joiner of Persian spellings) as the character itself: patterns keep their
    # lower-case twin (see lower_twin), and the file stays readable
    pattern = _U_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), pattern)
    return re.compile(pattern, FLAGS)


_U_ESCAPE = re.compile(r"(?<!\\)\\u([0-9a-fA-F]{4})")


# ------------------------------------------------------------------------------------------- the schema
# What the engine reads. A name here that no code reads, or a name in a file that is not here, is an error
# (tests/test_detect_languages.py checks the first; the loader the second).
VOCABS: dict[str, str] = {
    "personnel": "armed personnel: soldiers, troops, border guards, militants, reservists… (frame need 'personnel', counts)",
    "pronouns": "pronouns that stand for personnel in a frame ('they', 'of them')",
    "civilians": "civilians, refugees, families (frame need 'civilians', refugee counts)",
    "equipment": "heavy weapons and military vehicles: tanks, armour, artillery (frame need 'equipment': equipment moved "
                 "to the border is a build-up)",
    "aircraft": "military aircraft: planes, helicopters, jets (frame need 'aircraft': military aircraft landing abroad)",
    "place_type": "nouns of places: district, town, border crossing, base… (need 'placeish', local withdrawals)",
    "military": "military context words, for ambiguous triggers such as 'exercise' (need 'military')",
    "region": "words that place a sentence in the region: country names and demonyms, the Taliban, provinces",
    "security": "security vocabulary for relevance (soldiers, attack, border guards…)",
    "other_region": "other theatres (Ukraine, Syria, Karabakh…): relevance goes down, events are vetoed",
    "non_security": "non-security news words (earthquake, football, investment…): relevance goes down",
    "drill": "exercise wording (a sentence about a drill: its moves are the drill's, not real ones)",
    "attack": "attacks and clashes with no change of control (non-alert kind 'attack')",
    "cooperation": "consultations, agreements, aid to border forces (non-alert kind 'cooperation')",
    "threat": "warnings, fears, risks (non-alert kind 'threat_assessment')",
    "posture": "the CSTO, the Russian bases: with the region named, their moves and statements are posture news",
    "claim_verbs": "verbs that introduce who says so ('said', 'told'): gate for the claimant cue",
}
CUES: dict[str, str] = {
    "abroad": "a destination across a border right after a movement verb ('into Tajikistan', 'across the border')",
    "abroad_before": "a destination across a border before a movement verb ('в Таджикистан … перешли'; SOV languages)",
    "background": "a past takeover told as background ('since the Taliban seized power')",
    "long_ago": "a change of control a week or more old ('ten days ago', 'last week', 'ده روز پیش')",
    "negation": "a negation right before the trigger ('did not capture')",
    "negation_after": "a negation right after the trigger (verb-final languages: 'قبضہ نہیں کیا')",
    "modal_after": "modal or attempt wording right after the trigger ('قبضے کی کوشش کی', 'ele geçirmeye çalıştı')",
    "denial": "a denial anywhere before the trigger ('denied reports that … captured')",
    "modal": "hypothetical or planned wording before the trigger in its clause ('could fall', 'plan to')",
    "modal_near": "modal wording right before a troop verb ('would be sent back', 'may hold drills')",
    "repelled": "a repelled attempt ('repelled an attack', 'tried to seize')",
    "drill_scenario": "an exercise scenario ('mock enemy', 'notional militants')",
    "outside_region": "a venue outside the region (Russia's training grounds, other conflicts)",
    "foreign_forces": "US/NATO forces, whose 2021 pull-out is background",
    "shelling": "fire across a border with nobody moving",
    "reference": "words right before a place that make it a reference, not the event place ('near', 'from')",
    "region_words": "the border or the region named without a gazetteer place ('the Tajik-Afghan border')",
    "claimant": "who says so: named groups c, c2, c3",
    "clause_break": "where a clause ends",
    "place_stop": "where the frame of a trigger ends for places, counts and actors ('after fighting in X')",
    "relative_past": "an earlier event told relative to the news ('four days after fighters seized it')",
    "non_place_object": "a capture verb's object that is not territory ('seized weapons', 'captured the cup')",
    "not_place_after": "a place name used as something else right after it ('the Panj river', 'Kabul-based')",
    "state_subject": "a state as the clause subject ('Tajikistan has put its troops …'): group 1 is the country",
    "lead_year": "a past year heading the sentence ('In July 2021, …'): group 1 is the year",
    "gerund_lead": "what may stand before a gerund that heads its clause as subject ('Seizing a district …')",
    "gerund": "the trigger word is a gerund or verbal noun ('seizing')",
    "backed_by": "'backed by' before a deployment word: circumstance of another event",
    "people_passive": "a passive auxiliary right before 'handed over' (people, not territory)",
    "sent_back": "a deployment verb that is really a return ('sent … back')",
    "crossing_noun_before": "words that make 'crossing' a noun ('the border crossing')",
    "crossing_noun_after": "words after 'crossing' that make it a noun ('crossing point')",
    "passive_trigger": "trigger words that take the place as subject ('fell to', 'came under')",
    "passive_before": "a passive auxiliary right before the trigger ('was captured')",
    "possessive_after": "a possessive right after a place before the trigger ('Badakhshan's governor') — not the object",
    "generic_object": "a generic object after a capture verb ('territories', 'several districts')",
    "sub_province_object": "the object is a place inside a province ('the district', 'a town') ",
    "counted_places": "a number of places as the object or subject ('13 districts', 'another 17 districts')",
    "list_intro": "what introduces a list of places ('The districts include', 'including', 'namely')",
    "list_gap": "what joins items of one list ('and', a comma)",
    "list_stop": "what ends a list of places ('from', 'after', 'said')",
    "enum_sep": "the whole gap between two items of an enumeration (', ', ' and ')",
    "dest_before": "a destination or route word right before a place ('into', 'via')",
    "route_before": "a road / direction word before 'to' ('the road to')",
    "towards_before": "'to', 'towards' right before a place (where a withdrawal went, not where it happened)",
    "crossing_after": "words after a place that make it a crossing ('… border crossing', '… bridge')",
    "agent_after": "the agent right after a passive trigger ('to', 'by', 'into the hands of')",
    "prep_before": "a preposition before an actor that makes it not the subject ('from', 'against')",
    "oblique_actor": "an actor word in a case that cannot be the subject, at the actor ('талибам': to the Taliban)",
    "fronted_adverbial": "a phrase heading the sentence before its subject ('Following the retreat of X, …')",
    "seat_before": "words right before a province that make it stand for its seat ('the centre of', 'مرکز ولایت')",
    "seat_after": "words right after a province that make it stand for its seat (\"'s capital\", 'viloyati markazi')",
    "province_word": "a province noun right before or after a place name ('Kunduz province', 'ولایت کندز'): the province, not its seat of the same name",
    "admit": "a trigger by which a host lets others cross ('let in', 'впустили'): the mover is its object",
    "officials_before": "officials / civilians right before a withdrawal verb (not forces)",
    "group_before": "an armed group named right before an advance noun ('a rapid Taliban advance')",
    "unknown_after": "a place the gazetteer lacks, named after the trigger: groups n/noun or n2/noun2",
    "unknown_before": "a place the gazetteer lacks, named before a passive trigger: groups n/noun/noun2",
    "unknown_in": "'a stronghold in X' right after the trigger: group n",
    "unknown_range": "a training ground named near a drill: groups n/noun, n2/noun2, n3/noun3, n4/noun4 (a second one: nb, nb4)",
    "unknown_dest": "where troops went or stand, named with a place noun the gazetteer may lack ('to the town of X', "
                    "'at X airport', 'на заставе «X»'): groups n/noun or n2/noun2",
    "locality_of": "a locality named right before the district that locates it ('в местности X района', 'the village of "
                   "X in'): group n",
    "river_name": "border rivers that are also towns' names ('Panj', 'Пяндж'): the river after river_before",
    "river_before": "words before a river name that make it the river crossed ('across the', 'через')",
    "definite_place_after": "a definite or demonstrative place noun right after a movement verb ('fled the airport', "
                            "'withdrew to the city'; in verb-final languages before it in its clause: 'از این "
                            "ولسوالی'): the place named before it",
    "facility_in": "an airport or base named after another place and located by the town after it ('Khanabad airport "
                   "in Karshi'): the town is where the movement went",
    "there_after": "a word pointing back to the place just named, right after a movement verb ('there', 'туда')",
    "unknown_continue": "what may follow an unknown place with no noun (',', 'on', 'in'…)",
    "not_place_word": "capitalised words that are never places (The, Taliban, Monday…)",
    "given_name": "given names and honorifics (a place name right after one is a person's name)",
    "title_before": "a title right before a name ('Gen.', 'Mr.')",
    "not_name": "capitalised words that are not part of a person's name",
    "dateline_tail": "what follows a wire dateline ('KABUL, Afghanistan —')",
    "based_after": "'-based' / '-born' right after a place",
    "share_before": "a share of a border or territory right before control wording ('85 per cent of the border is')",
    "border_forces": "border troops named in a sentence whose subject is Tajikistan ('its border guards')",
    "origin_before": "'from', 'out of' right before a place: where a withdrawal left from",
    "near_after": "a postposition right after a place: where forces are posted ('Termiz yaqinida', 'Termez yakınında')",
    "non_place_object_before": "a capture verb's non-territorial object before it (verb-final: 'silah ve mühimmat')",
    "near_before": "'near', 'along' right before a place: where forces are posted or drill (not a capture's object)",
    "venue_before": "words before a place that make it the venue of a drill ('in', 'at the')",
    "crossing_word": "the trigger word 'crossing' (checked for being a noun)",
    "other_countries": "countries outside the region that appear in enumerations of countries",
    "name_ok_before": "a lower-case word that may stand before a place without making it part of a name",
}

# armed actors: the key a language file lists surface forms under -> the normalised name events carry. The order is
# the order of matching: more specific forms first ("Russian 201st military base" before "Russian forces", "Taliban
# forces" before "Afghan government forces" before "Taliban", "TTP" before "Taliban").
ACTORS: dict[str, str] = {
    "Russian 201st military base": "Russian 201st military base", "CSTO": "CSTO",
    "Anti-Taliban forces": "Anti-Taliban forces", "Taliban forces": "Taliban",
    "Afghan government forces": "Afghan government forces", "ISIS-K": "ISIS-K", "TTP": "TTP", "Taliban": "Taliban",
    "al-Qaeda": "al-Qaeda", "IMU": "IMU", "Jamaat Ansarullah": "Jamaat Ansarullah", "NRF": "NRF",
    "Tajik border troops": "Tajik border troops", "Tajik forces": "Tajik forces", "Uzbek forces": "Uzbek forces",
    "Turkmen forces": "Turkmen forces", "Kyrgyz forces": "Kyrgyz forces", "Kazakh forces": "Kazakh forces",
    "Russian forces": "Russian forces", "US/NATO forces": "US/NATO forces",
    "Unidentified armed group": "Unidentified armed group",
}

# what a frame may need; each is a named function in .checks (the loader checks the names against it)
NEED_NAMES = frozenset({"personnel", "civilians", "aircraft", "equipment", "fighting", "military", "abroad", "abroad_any", "local", "region",
                        "holder", "group_before", "placeish", "named_place", "share_before"})

_TABLES = {"language", "vocab", "cues", "frame", "place_kinds", "numbers", "actors"}
_LANGUAGE_KEYS = {"code", "name", "scripts", "boundary", "clitics", "case", "markers", "order"}
_FRAME_KEYS = {"id", "kind", "subtype", "trigger", "needs", "skip", "confidence", "window", "state_subtype", "note"}
_SCRIPTS = {"Latin", "Cyrillic", "Arabic", "Devanagari"}
_BOUNDARY = {"word": r"\b", "letter": r"(?<!\w)", "clitic": r"(?<!\w)"}
_END = {"word": r"\b", "letter": "", "clitic": ""}
_TERM = re.compile(r"(?:[^\W\d_][\w'’-]*|\d+[^\W\d_]+)(?: [\w'’-]+\*?)*\*?")
_TOKEN_CHARS = re.compile(f"[\\w'’{MARKS}-]")
MIN_STEM = 2


# ------------------------------------------------------------------------------------------- data types
@dataclass(frozen=True, slots=True)
class Rule:
    """A frame: a trigger and what must hold around it. See the module docstring for the fields."""

    name: str  # the frame id, e.g. "en.territorial.captured"
    kind: str
    subtype: str
    trigger: re.Pattern
    needs: frozenset[str] = frozenset()
    conf: float = 0.8
    state_subtype: str | None = None
    before: int = 90
    after: int = 90
    skip: frozenset[str] = frozenset()  # vetoes this frame is exempt from
    stems: StemSet | None = None  # word prefixes one of which a sentence must hold for the trigger to match


@dataclass(slots=True)
class Vocab:
    """One word list, compiled both ways: ``regex`` to search, word prefixes to count and gate."""

    name: str
    regex: re.Pattern
    words: frozenset[str]  # single-word terms
    stems: frozenset[str]  # single-word prefix terms
    complex: re.Pattern | None  # phrases and regex entries, counted with the regex …
    complex_gate: frozenset[str] = frozenset()  # … only when a token starts with one of these

    def stemset(self) -> StemSet:
        return StemSet(self.stems, self.words)


@dataclass(slots=True)
class Cue:
    name: str
    regex: re.Pattern
    gate: frozenset[str] | None  # a sentence without a token starting so cannot match (None: always try)


@dataclass(slots=True)
class Lexicon:
    lang: str
    name: str
    scripts: tuple[str, ...]
    boundary: str
    clitics: tuple[str, ...]
    case: bool
    markers: tuple[str, ...]
    rules: list[Rule]
    order: str  # "SVO" | "SOV" | "VSO": in SOV languages the object, place and negation may stand after the verb's arguments
    vocab: dict[str, Vocab]
    cues: dict[str, Cue]
    rule_map: StemMap
    place_kinds: dict[str, str] = field(default_factory=dict)  # noun prefix -> kind of an unknown place
    personnel_any: re.Pattern | None = None  # personnel or a pronoun standing for them
    numbers: dict = field(default_factory=dict)  # units / scales (word -> value), qualifiers / vague (regexes)
    actors: dict[str, list[str]] = field(default_factory=dict)  # actor key -> surface-form regexes
    source: str = ""
    _empty: re.Pattern = field(default_factory=lambda: re.compile(r"(?!)"))
    _cue_rx: dict[str, re.Pattern] = field(default_factory=dict)  # cue name -> regex (filled on first use)

    def v(self, name: str) -> re.Pattern:
        """The regex of vocabulary ``name`` (a never-matching one when the language has none)."""
        got = self.vocab.get(name)
        return got.regex if got is not None else self._empty

    def cue(self, name: str) -> re.Pattern | None:
        try:
            return self._cue_rx[name]
        except KeyError:
            got = self.cues.get(name)
            rx = self._cue_rx[name] = got.regex if got is not None else None
            return rx


# ------------------------------------------------------------------------------------------ gate words
# Short, common words make poor gates (nearly every sentence holds one): a gate prefers a longer word anywhere in
# the match over a short first word.
_WEAK = frozenset("""a an the of in on at to by is are was were be been has have had and or for with from into as its
    their his her it they he she this that these those not no now still over under more also after will would which
    there said says border borders forces force troops soldiers country district districts province provinces
    territory land area areas city town army military security government people police fighting""".split())


def _is_word_char(c: str) -> bool:
    return bool(_TOKEN_CHARS.match(c))


def _nonword_class(av) -> bool:
    """Whether a character class matches only characters that cannot be inside a word (spaces, punctuation)."""
    for op, arg in av:
        if op is sre_c.LITERAL:
            if _is_word_char(chr(arg)):
                return False
        elif op is sre_c.CATEGORY:
            if arg not in (sre_c.CATEGORY_SPACE, sre_c.CATEGORY_NOT_WORD):
                return False
        else:
            return False
    return True


def _weight(cand: frozenset[str]) -> tuple:
    """Rare long words gate best; a set with one common word ("border", "in") lets most sentences through."""
    lengths = [1 if w in _WEAK or len(w) < 3 else len(w) for w in cand]
    return (min(lengths), sum(lengths) / len(lengths), -len(cand))


_depth = [0]  # optional groups expanded so far (bounded: each doubles the work)


def _analyze(items: list, bound: bool, prefix: str = "", prefix_bound: bool = False) -> tuple[list[frozenset[str]], bool]:
    """Gate candidates of a parsed sequence (each a set of word prefixes, one of which every match holds at the
    start of a token) and whether the sequence ends at a token boundary. ``bound``: it starts at one;
    ``prefix``: literal letters of the enclosing sequence that this one continues (``prefix_bound``: they
    started a token)."""
    cands: list[frozenset[str]] = []
    run: list[str] = list(prefix)
    run_bound = prefix_bound

    def close() -> None:
        nonlocal run
        word = "".join(run).lower().replace("’", "'").strip("'")
        if run and run_bound and len(word) >= MIN_STEM:
            cands.append(frozenset({word}))
        run = []

    for i, (op, av) in enumerate(items):
        if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT) and av[0] == 0 and av[1] == 1 and _depth[0] < 64:
            # "(?:re)?deploy": either the optional part and the rest, or the rest alone
            _depth[0] += 1
            rest = list(items[i + 1:])
            pre, pre_bound = "".join(run), run_bound if run else bound
            outs = [_analyze(list(av[2]) + rest, bound if not run else False, pre, pre_bound),
                    _analyze(rest, bound if not run else False, pre, pre_bound)]
            _depth[0] -= 1
            run = []
            if all(c for c, _ in outs):
                cands.append(frozenset().union(*(max(c, key=_weight) for c, _ in outs)))
            return cands, all(b for _, b in outs)
        if op is sre_c.LITERAL:
            c = chr(av)
            if _is_word_char(c) and c != "-":
                if not run:
                    run_bound = bound
                run.append(c)
                bound = False
            else:
                close()
                bound = True
            continue
        if op is sre_c.SUBPATTERN or op is sre_c.BRANCH or (op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT) and av[0] >= 1 and av[1] == 1):
            # a group the open word may continue into: "f(?:ell|alls)", "captur(?:e|ed)"
            branches = [list(av[-1])] if op is sre_c.SUBPATTERN else [list(alt) for alt in av[1]] \
                if op is sre_c.BRANCH else [list(av[2])]
            pre, pre_bound = "".join(run), run_bound if run else bound
            outs = [_analyze(br, bound if not run else False, pre, pre_bound) for br in branches]
            run = []
            if len(outs) == 1:
                cands += outs[0][0]
            elif all(c for c, _ in outs):
                cands.append(frozenset().union(*(max(c, key=_weight) for c, _ in outs)))
            bound = all(b for _, b in outs)
            continue
        close()
        if op is sre_c.AT:
            if av in (sre_c.AT_BOUNDARY, sre_c.AT_BEGINNING, sre_c.AT_BEGINNING_STRING):
                bound = True
        elif op in (sre_c.ASSERT, sre_c.ASSERT_NOT):
            direction, sub = av
            if op is sre_c.ASSERT_NOT and direction < 0 and len(sub) == 1 and sub[0][0] is sre_c.IN \
                    and list(sub[0][1]) == [(sre_c.CATEGORY, sre_c.CATEGORY_WORD)]:
                bound = True  # (?<!\w)
        elif op is sre_c.IN:
            bound = _nonword_class(av)
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, sre_c.POSSESSIVE_REPEAT):
            lo, _hi, sub = av
            sub_c, sub_bound = _analyze(list(sub), bound)
            if lo >= 1:
                cands += sub_c
                bound = sub_bound
            else:
                bound = bound and sub_bound
        else:
            bound = False
    close()
    return cands, bound


def gate_words(pattern: str) -> set[str] | None:
    """Word prefixes one of which every match of ``pattern`` holds at the start of a token (lower case): the
    strongest such set found (long words over short common ones). None when no word is certain."""
    try:
        parsed = sre_parse.parse(pattern, FLAGS)
    except re.error:
        return None
    cands, _ = _analyze(list(parsed), True)
    if not cands:
        return None
    return set(max(cands, key=_weight))


def top_alternatives(pattern: str) -> list[str]:
    """The top-level ``|`` alternatives of a pattern (groups, classes and escapes kept whole)."""
    out: list[str] = []
    cur: list[str] = []
    depth, i, in_class = 0, 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            cur.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            out.append("".join(cur))
            cur = []
            i += 1
            continue
        cur.append(c)
        i += 1
    out.append("".join(cur))
    return out


# ------------------------------------------------------------------------------------------------ loading
class _Ctx:
    def __init__(self, source: str):
        self.source = source

    def fail(self, key: str, why: str) -> LexiconError:
        return LexiconError(f"{self.source}: {key}: {why}")

    def compile(self, key: str, pattern: str) -> re.Pattern:
        try:
            return rx(pattern)
        except re.error as exc:
            raise self.fail(key, f"invalid regular expression ({exc})") from None


def _alternatives(ctx: _Ctx, key: str, value) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise ctx.fail(key, "expected a non-empty string or list of non-empty strings")
    return value


def _start(boundary: str, clitics: tuple[str, ...]) -> str:
    start = _BOUNDARY[boundary]
    if boundary == "clitic" and clitics:  # a word start, or right after a clitic glued to the word ("و" + "القوات")
        after = "|".join(rf"(?<=(?<!\w){re.escape(c)})" for c in sorted(clitics, key=len, reverse=True))
        start = rf"(?:(?<!\w)|{after})"
    return start


def _term_regex(term: str) -> str:
    words = term.split(" ")
    parts = []
    for n, w in enumerate(words):
        last = n == len(words) - 1
        if w.endswith("*"):
            parts.append(re.escape(w[:-1]) + r"\w*")
        else:
            parts.append(re.escape(w) + (r"(?![\w])" if last else ""))
    return r"[\s-]+".join(parts)


def _vocab(ctx: _Ctx, name: str, value, start: str, end: str = "") -> Vocab:
    key = f"vocab.{name}"
    entries = _alternatives(ctx, key, value)
    words: set[str] = set()
    stems: set[str] = set()
    complex_parts: list[str] = []
    gate: set[str] = set()
    alts: list[str] = []
    for entry in entries:
        if _TERM.fullmatch(entry):
            low = entry.lower().replace("’", "'")
            alts.append(_term_regex(low))
            if " " in low:
                complex_parts.append(_term_regex(low))
                first = low.split(" ")[0]
                gate.add(first.rstrip("*"))
            elif low.endswith("*"):
                stems.add(low[:-1])
            else:
                words.add(low)
        else:
            ctx.compile(key, entry)
            prefixes = gate_words(entry)
            if prefixes is None:
                raise ctx.fail(key, f"entry {entry!r} holds no word every match must contain: write one in "
                                    "literally, so that it can be counted")
            alts.append(entry)
            complex_parts.append(entry)
            gate |= prefixes
    regex = ctx.compile(key, f"{start}(?:{'|'.join(alts)}){end}")
    cplx = ctx.compile(key, f"{start}(?:{'|'.join(complex_parts)}){end}") if complex_parts else None
    return Vocab(name, regex, frozenset(words), frozenset(stems), cplx, frozenset(gate))


def _cue(ctx: _Ctx, name: str, value) -> Cue:
    key = f"cues.{name}"
    alts = _alternatives(ctx, key, value)
    pattern = "|".join(f"(?:{a})" for a in alts) if len(alts) > 1 else alts[0]
    regex = ctx.compile(key, pattern)
    gate: set[str] | None = set()
    for a in alts:
        for part in top_alternatives(a):
            p = gate_words(part)
            if p is None:
                gate = None
                break
            gate |= p
        if gate is None:
            break
    return Cue(name, regex, frozenset(gate) if gate is not None else None)


def _frame(ctx: _Ctx, n: int, data: dict, code: str, start: str, ids: set[str]) -> Rule:
    key = f"frame[{n}]"
    if not isinstance(data, dict):
        raise ctx.fail(key, "expected a table")
    unknown = set(data) - _FRAME_KEYS
    if unknown:
        raise ctx.fail(key, f"unknown key(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(_FRAME_KEYS))}")
    fid = data.get("id")
    if not isinstance(fid, str) or not re.fullmatch(rf"{re.escape(code)}\.[a-z_]+\.[a-z_]+", fid):
        raise ctx.fail(f"{key}.id", f"expected '{code}.<kind>.<name>', got {fid!r}")
    if fid in ids:
        raise ctx.fail(f"{key}.id", f"duplicate frame id {fid!r}")
    ids.add(fid)
    key = f"frame {fid}"
    kind, subtype = data.get("kind"), data.get("subtype")
    if kind not in KINDS:
        raise ctx.fail(f"{key}.kind", f"unknown kind {kind!r}; known: {', '.join(KINDS)}")
    if subtype not in SUBTYPES[kind]:
        raise ctx.fail(f"{key}.subtype", f"unknown subtype {subtype!r} of {kind}; known: {', '.join(SUBTYPES[kind])}")
    state_subtype = data.get("state_subtype")
    if state_subtype is not None and state_subtype not in SUBTYPES[kind]:
        raise ctx.fail(f"{key}.state_subtype", f"unknown subtype {state_subtype!r}")
    needs = data.get("needs", [])
    bad = [x for x in needs if x not in NEED_NAMES] if isinstance(needs, list) else [needs]
    if bad:
        raise ctx.fail(f"{key}.needs", f"unknown check(s) {bad}; known: {', '.join(sorted(NEED_NAMES))}")
    from .checks import VETOES  # the named vetoes (imported late: checks imports this module)

    skip = data.get("skip", [])
    bad = [x for x in skip if x not in VETOES] if isinstance(skip, list) else [skip]
    if bad:
        raise ctx.fail(f"{key}.skip", f"unknown veto(es) {bad}; known: {', '.join(sorted(VETOES))}")
    alts = _alternatives(ctx, f"{key}.trigger", data.get("trigger"))
    stems: set[str] = set()
    for a in alts:
        ctx.compile(f"{key}.trigger", a)
        for part in top_alternatives(a):
            p = gate_words(part)
            if p is None:
                raise ctx.fail(f"{key}.trigger", f"alternative {part!r} holds no word of {MIN_STEM}+ letters that "
                                                 "every match must contain, so no sentence can be ruled out cheaply: "
                                                 "write one in literally")
            stems |= p
    trigger = ctx.compile(f"{key}.trigger", f"{start}(?:{'|'.join(alts)})")
    window = data.get("window", [90, 90])
    if not (isinstance(window, list) and len(window) == 2 and all(isinstance(w, int) and w >= 0 for w in window)):
        raise ctx.fail(f"{key}.window", "expected [before, after] in characters")
    conf = data.get("confidence", 0.8)
    if not isinstance(conf, (int, float)) or not 0 < conf < 1:
        raise ctx.fail(f"{key}.confidence", "expected a number between 0 and 1")
    return Rule(name=fid, kind=kind, subtype=subtype, trigger=trigger, needs=frozenset(needs), conf=float(conf),
                state_subtype=state_subtype, before=window[0], after=window[1], skip=frozenset(skip),
                stems=StemSet(stems))


def parse_language(text: str, source: str) -> Lexicon:
    """Build a :class:`Lexicon` from the TOML text of one language file (``source`` names it in errors)."""
    ctx = _Ctx(source)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ctx.fail("(file)", f"not valid TOML ({exc})") from None
    unknown = set(data) - _TABLES
    if unknown:
        raise ctx.fail("(top level)", f"unknown table(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(_TABLES))}")
    lang = data.get("language")
    if not isinstance(lang, dict):
        raise ctx.fail("language", "missing [language] table")
    unknown = set(lang) - _LANGUAGE_KEYS
    if unknown:
        raise ctx.fail("language", f"unknown key(s) {', '.join(sorted(unknown))}")
    code = lang.get("code")
    if not isinstance(code, str) or not re.fullmatch(r"[a-z]{2,3}", code):
        raise ctx.fail("language.code", f"expected an ISO 639 code, got {code!r}")
    scripts = lang.get("scripts", ["Latin"])
    if not isinstance(scripts, list) or not scripts or any(s not in _SCRIPTS for s in scripts):
        raise ctx.fail("language.scripts", f"expected a list of {', '.join(sorted(_SCRIPTS))}")
    boundary = lang.get("boundary", "word")
    if boundary not in _BOUNDARY:
        raise ctx.fail("language.boundary", f"expected one of {', '.join(_BOUNDARY)}")
    clitics = tuple(lang.get("clitics", []))
    order = lang.get("order", "SVO")
    if order not in ("SVO", "SOV", "VSO"):
        raise ctx.fail("language.order", "expected SVO, SOV or VSO (where the verb stands: checks look at both sides "
                                         "of an SOV verb)")
    markers = tuple(lang.get("markers", []))
    start = _start(boundary, clitics)
    vocab_data = data.get("vocab", {})
    unknown = set(vocab_data) - set(VOCABS)
    if unknown:
        raise ctx.fail("vocab", f"unknown vocabular(ies) {', '.join(sorted(unknown))}; known: {', '.join(sorted(VOCABS))}")
    end = _END[boundary]
    vocab = {name: _vocab(ctx, name, value, start, end) for name, value in vocab_data.items()}
    personnel_any = None
    if "personnel" in vocab_data:
        both = _alternatives(ctx, "vocab.personnel", vocab_data["personnel"]) + list(vocab_data.get("pronouns", []))
        personnel_any = _vocab(ctx, "personnel", both, start, end).regex
    actors = data.get("actors", {})
    unknown = set(actors) - set(ACTORS)
    if unknown:
        raise ctx.fail("actors", f"unknown actor(s) {', '.join(sorted(unknown))}; known: {', '.join(ACTORS)}")
    for key, value in actors.items():
        for alt in _alternatives(ctx, f"actors.{key}", value):
            try:
                re.compile(alt, re.IGNORECASE)
            except re.error as exc:
                raise ctx.fail(f"actors.{key}", f"invalid regular expression ({exc})") from None
    numbers = data.get("numbers", {})
    unknown = set(numbers) - {"units", "scales", "qualifiers", "vague"}
    if unknown:
        raise ctx.fail("numbers", f"unknown key(s) {', '.join(sorted(unknown))}; known: units, scales, qualifiers, vague")
    for key in ("units", "scales"):
        table = numbers.get(key, {})
        if not isinstance(table, dict) or not all(isinstance(v, int) and v > 0 for v in table.values()):
            raise ctx.fail(f"numbers.{key}", "expected a table of word = positive integer")
    for key in ("qualifiers", "vague"):
        if key in numbers:
            for alt in _alternatives(ctx, f"numbers.{key}", numbers[key]):
                ctx.compile(f"numbers.{key}", alt)
    numbers = {"units": {k.lower(): v for k, v in numbers.get("units", {}).items()},
               "scales": {k.lower(): v for k, v in numbers.get("scales", {}).items()},
               "qualifiers": list(numbers.get("qualifiers", [])), "vague": list(numbers.get("vague", []))}
    kinds = data.get("place_kinds", {})
    if not isinstance(kinds, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in kinds.items()):
        raise ctx.fail("place_kinds", "expected a table of noun prefix = kind")
    cue_data = data.get("cues", {})
    unknown = set(cue_data) - set(CUES)
    if unknown:
        raise ctx.fail("cues", f"unknown cue(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(CUES))}")
    cues = {name: _cue(ctx, name, value) for name, value in cue_data.items()}
    frames = data.get("frame", [])
    if not isinstance(frames, list):
        raise ctx.fail("frame", "expected [[frame]] tables")
    ids: set[str] = set()
    rules = [_frame(ctx, n, f, code, start, ids) for n, f in enumerate(frames)]
    rule_map = StemMap({r.name: _stems_of(r.stems) for r in rules}, clitics=clitics)
    return Lexicon(lang=code, name=str(lang.get("name", code)), scripts=tuple(scripts), boundary=boundary,
                   clitics=clitics, case=bool(lang.get("case", True)), markers=markers, rules=rules, order=order,
                   vocab=vocab,
                   cues=cues, rule_map=rule_map, place_kinds={k.lower(): v for k, v in kinds.items()},
                   personnel_any=personnel_any, numbers=numbers, source=source,
                   actors={k: _alternatives(ctx, f"actors.{k}", v) for k, v in actors.items()})


def _stems_of(s: StemSet | None) -> list[str]:
    if s is None:
        return []
    return [st for _, group in s._by_len for st in group] + sorted(s.words)


LANGUAGE_DIR = "languages"


@lru_cache(maxsize=1)
def load_languages() -> dict[str, Lexicon]:
    """Every language file shipped in ``borderwatch/detect/languages/``, by code (loaded once)."""
    out: dict[str, Lexicon] = {}
    folder = resources.files("borderwatch.detect").joinpath(LANGUAGE_DIR)
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".toml"):
            continue
        lex = parse_language(entry.read_text(encoding="utf-8"), f"borderwatch/detect/{LANGUAGE_DIR}/{entry.name}")
        if lex.lang != Path(entry.name).stem:
            raise LexiconError(f"{lex.source}: language.code: {lex.lang!r} does not match the file name")
        out[lex.lang] = lex
    return out


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
        return _compile_boundary_late(_lower_literals(src), pattern.flags & ~re.IGNORECASE), confirm
    except re.error:
        return None


_WORD_CHAR = re.compile(r"\w")


def _not_after_word(state) -> tuple:
    """``(?<!\\w.)``: the character before the one just matched is no word character (or there is none)."""
    behind = sre_parse.SubPattern(state, [(sre_c.IN, [(sre_c.CATEGORY, sre_c.CATEGORY_WORD)]), (sre_c.ANY, None)])
    return (sre_c.ASSERT_NOT, (-1, behind))


def _compile_boundary_late(src: str, flags: int) -> re.Pattern:
    """``re.compile(src, flags)``, where each top-level alternative that starts with a word boundary and a word
    character (``(?:\\bbut\\b)|(?:[;:])|…``) checks the boundary after that character instead: ``b(?<!\\w.)ut\\b``.
    The same matches (before a word character, a boundary means that the character before is no word character),
    but the search tries the boundary — four Unicode table lookups per character — only where the letter is, not
    at every position (cue lists several times faster). A pattern that is a boundary before alternatives that all
    start with a word character is regrouped likewise (below). Any other shape compiles as written."""
    tree = sre_parse.parse(src, flags)
    data = tree.data
    changed = False
    if len(data) == 1 and data[0][0] is sre_c.BRANCH:
        for alt in data[0][1][1]:
            head = alt.data[:2]
            if (len(head) == 2 and head[0] == (sre_c.AT, sre_c.AT_BOUNDARY) and head[1][0] is sre_c.LITERAL
                    and _WORD_CHAR.match(chr(head[1][1]))):
                alt.data[:2] = [head[1], _not_after_word(tree.state)]
                changed = True
    elif len(data) >= 2 and data[0] == (sre_c.AT, sre_c.AT_BOUNDARY) and data[1][0] is sre_c.BRANCH:
        # "\\b(?:seiz(?:e|ed)|captur…|sent…)…": alternatives grouped by their first letter (two alternatives with
        # different first letters never both match at one position; within a group the order is kept), each group
        # "s(?<!\\w.)(?:eiz(?:e|ed)|ent…)": a branch of literals, which the search skips to at C speed
        groups: dict[int, list] = {}
        for alt in data[1][1][1]:
            if not alt.data or alt.data[0][0] is not sre_c.LITERAL or not _WORD_CHAR.match(chr(alt.data[0][1])):
                groups = {}
                break
            groups.setdefault(alt.data[0][1], []).append(sre_parse.SubPattern(tree.state, alt.data[1:]))
        if groups:
            alts = []
            for c, tails in groups.items():
                body = [(sre_c.LITERAL, c), _not_after_word(tree.state)]
                body += tails[0].data if len(tails) == 1 else [(sre_c.BRANCH, (None, tails))]
                alts.append(sre_parse.SubPattern(tree.state, body))
            tree.data = [(sre_c.BRANCH, (None, alts))] + data[2:]
            changed = True
    if not changed:
        return re.compile(src, flags)
    # CPython internals (3.11–3.13): should they change, the pattern compiles as written
    try:
        return _compile_tree(src, flags, tree)
    except (ImportError, AttributeError, TypeError, ValueError):
        return re.compile(src, flags)


def _compile_tree(src: str, flags: int, tree) -> re.Pattern:
    """What re._compiler.compile does with a parsed tree, keeping ``src`` (same matches) as the pattern's text."""
    import _sre
    import re._compiler as sre_compile

    state = tree.state
    indexgroup: list[str | None] = [None] * state.groups
    for k, i in state.groupdict.items():
        indexgroup[i] = k
    return _sre.compile(src, flags | state.flags, sre_compile._code(tree, flags), state.groups - 1,
                        state.groupdict, tuple(indexgroup))


# keyed by id(): hashing a compiled pattern hashes its whole code (tens of microseconds for a large vocabulary);
# the pattern is kept in the value so that its id is not reused
_TWIN_CACHE: dict[int, tuple[re.Pattern, tuple[re.Pattern, bool] | None]] = {}


def twin_of(pattern: re.Pattern) -> tuple[re.Pattern, bool] | None:
    """:func:`lower_twin`, computed once per pattern."""
    try:
        return _TWIN_CACHE[id(pattern)][1]
    except KeyError:
        got = lower_twin(pattern)
        _TWIN_CACHE[id(pattern)] = (pattern, got)
        return got


def spans_lower(pattern: re.Pattern, twin: tuple[re.Pattern, bool] | None, text: str, low: str | None,
                pos: int = 0, endpos: int | None = None) -> list[tuple[int, int]]:
    """``(start, end)`` of ``pattern.finditer(text, pos, endpos)``, computed with the lower-case twin when
    ``low`` (``text`` lower-cased, same length) is given."""
    if endpos is None:
        endpos = len(text)
    if twin is None or low is None:
        return [m.span() for m in pattern.finditer(text, pos, endpos)]
    rx_, confirm = twin
    if not confirm:
        return [m.span() for m in rx_.finditer(low, pos, endpos)]
    out = []
    while pos <= endpos:
        m = rx_.search(low, pos, endpos)
        if m is None:
            break
        o = pattern.match(text, m.start(), endpos)
        if o is None:
            pos = m.start() + 1
            continue
        out.append(o.span())
        pos = o.end() if o.end() > o.start() else o.end() + 1
    return out


def first_lower(pattern: re.Pattern, text: str, low: str | None, pos: int = 0,
                endpos: int | None = None) -> tuple[int, int] | None:
    """The span of ``pattern.search(text, pos, endpos)`` (None when it finds nothing), with the lower-case twin
    when ``low`` is given."""
    if endpos is None:
        endpos = len(text)
    twin = twin_of(pattern) if low is not None else None
    if twin is None:
        m = pattern.search(text, pos, endpos)
        return m.span() if m is not None else None
    rx_, confirm = twin
    if not confirm:
        m = rx_.search(low, pos, endpos)
        return m.span() if m is not None else None
    while pos <= endpos:
        m = rx_.search(low, pos, endpos)
        if m is None:
            return None
        o = pattern.match(text, m.start(), endpos)
        if o is not None:
            return o.span()
        pos = m.start() + 1
    return None


def search_lower(pattern: re.Pattern, text: str, low: str | None, pos: int = 0, endpos: int | None = None) -> bool:
    """``bool(pattern.search(text, pos, endpos))``, with the lower-case twin when ``low`` is given."""
    if endpos is None:
        endpos = len(text)
    twin = twin_of(pattern) if low is not None else None
    if twin is None:
        return pattern.search(text, pos, endpos) is not None
    rx_, confirm = twin
    if not confirm:
        return rx_.search(low, pos, endpos) is not None
    return bool(spans_lower(pattern, twin, text, low, pos, endpos))
