"""The detector: relevance, then frames per sentence, then merging. Pure, deterministic, language-agnostic.

Everything a language contributes — its words, its cues, its frames — comes from its file in
``borderwatch/detect/languages/`` (:mod:`.lexicon`); the vetoes and frame requirements are the named checks of
:mod:`.checks`. Pipeline for one article:

1. ``combined`` = ``title + "\\n\\n" + text`` when a title is given, else ``text`` (offsets returned by
   :func:`detect` are then shifted back into ``text``).
2. Split sentences once; route each sentence to a language by its script and the article's markers
   (:mod:`.langid`).
3. Find places once with the gazetteer, indexed by offset.
4. Per sentence: a word-prefix gate tells which frames can fire; each firing frame runs the vetoes and its
   requirements (:mod:`.checks`), then finds its place(s), actors, count.
5. Relevance from region / security / other-conflict / non-security vocabulary plus the events found.
6. Merge duplicates (same kind, subtype, place), add non-alert kinds for relevant items.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache, lru_cache

from . import checks
from .actors import AFGHAN_GOV, FOREIGN_WITHDRAWING, NON_STATE, STATE_ACTORS, TALIBAN, find_actors, unique
from .dates import event_date, parse_published, years_in
from .langid import has_non_latin, routing, script_of
from .lexicon import Lexicon, Rule, first_lower, load_languages, search_lower, spans_lower, twin_of
from .numbers import find_count
from .places import (
    REGION_CC,
    Mention,
    PlaceIndex,
    article_places,
    border_provinces,
    capital_country,
    country_code_of,
    country_place,
    latin_name,
    lookup_name,
    may_name_region_place,
    seat_of,
)
from .sentences import split_sentences
from .types import ALERT_KINDS, Detection, EventMention
from .vocab import MARKS, FeatureTable, StemSet, tokens

_FALL_OF_KABUL = date(2021, 8, 15)
_TOKEN_CHAR = re.compile(f"[^\\W_]|[{MARKS}]|['’-]")  # a character that may be inside a token (vocab.TOKEN_RE)
_ISO_DATE = re.compile(r"\b((?:19|20)\d\d)-\d\d(?:-\d\d)?\b")
_TERRITORIAL_PLACE_KINDS = frozenset({"district", "province", "town", "crossing", "city", "village", "place", "region"})
RELEVANCE_THRESHOLD = 0.5

# vocabularies counted per sentence (relevance) or tested (non-alert kinds, gates)
COUNTED = ("region", "security", "other_region", "non_security", "drill", "attack", "cooperation", "threat",
           "claim_verbs", "posture")


# ------------------------------------------------------------------------------------------- features
@dataclass(frozen=True, slots=True)
class _Features:
    """One token lookup answers every vocabulary question about a sentence: bits of a per-language table."""

    table: FeatureTable
    word_bits: dict[str, int]  # vocabulary -> bit of its single-word terms
    gate_bits: dict[str, int]  # vocabulary -> bit of the first words of its phrases / regex entries
    cue_bits: dict[str, int]  # cue -> bit of the words one of which it needs
    rule_bits: tuple[tuple[Rule, int], ...]  # in the language file's order
    lang: str = ""
    rule_mask: int = 0  # union of the rule bits


@cache
def _features(lang: str) -> _Features:
    lex = load_languages()[lang]
    sets: list[tuple[int, StemSet]] = []
    bit = 1
    word_bits: dict[str, int] = {}
    gate_bits: dict[str, int] = {}
    cue_bits: dict[str, int] = {}
    part_mask = 0
    for name in COUNTED:
        v = lex.vocab.get(name)
        if v is None:
            continue
        word_bits[name] = bit
        sets.append((bit, v.stemset()))
        bit <<= 1
        if v.complex is not None:
            gate_bits[name] = bit
            sets.append((bit, StemSet(v.complex_gate)))
            part_mask |= bit
            bit <<= 1
    for name, cue in lex.cues.items():
        if cue.gate is not None:
            cue_bits[name] = bit
            sets.append((bit, StemSet(cue.gate)))
            part_mask |= bit
            bit <<= 1
    rule_bits = []
    for rule in lex.rules:
        rule_bits.append((rule, bit))
        sets.append((bit, rule.stems or StemSet()))
        part_mask |= bit
        bit <<= 1
    rule_mask = 0
    for _, b in rule_bits:
        rule_mask |= b
    return _Features(FeatureTable(sets, clitics=lex.clitics, part_mask=part_mask), word_bits, gate_bits, cue_bits,
                     tuple(rule_bits), lex.lang, rule_mask)


_RULES_BY_BITS: dict[tuple[str, int], tuple[Rule, ...]] = {}


def _rules_of(feats: _Features, bits: int) -> tuple[Rule, ...]:
    """The frames whose trigger words a sentence with feature ``bits`` holds, in the language file's order (one
    tuple per distinct combination)."""
    key = (feats.lang, bits & feats.rule_mask)
    got = _RULES_BY_BITS.get(key)
    if got is None:
        if len(_RULES_BY_BITS) > 50_000:
            _RULES_BY_BITS.clear()
        got = _RULES_BY_BITS[key] = tuple(rule for rule, bit in feats.rule_bits if bits & bit)
    return got


def _twin(rule: Rule):
    return twin_of(rule.trigger)  # (not cached by rule: hashing a Rule hashes its compiled patterns)


@dataclass(slots=True)
class _Sentence:
    idx: int
    start: int
    end: int
    text: str
    lex: Lexicon
    feats: _Features
    tokens: list[str]
    counts: Counter  # feature mask -> number of tokens with it
    bits: int  # union of the tokens' feature bits
    region: int = 0
    security: int = 0
    other: int = 0
    nonsec: int = 0
    places: list[Mention] = field(default_factory=list)
    rules: tuple[Rule, ...] = ()  # frames whose trigger words occur, in the language file's order
    _memo: dict = field(default_factory=dict)

    def _bit_count(self, bit: int) -> int:
        return sum(n for m, n in self.counts.items() if m & bit) if self.bits & bit else 0

    def count(self, vocab: str) -> int:
        """How many words of vocabulary ``vocab`` the sentence holds (single words by token, phrases by regex)."""
        n = self._bit_count(self.feats.word_bits.get(vocab, 0))
        gate = self.feats.gate_bits.get(vocab, 0)
        if gate and self.bits & gate:
            v = self.lex.vocab[vocab]
            n += len(spans_lower(v.complex, twin_of(v.complex), self.text, self.lower()))
        return n

    def has(self, vocab: str) -> bool:
        """Whether the sentence holds a word of ``vocab`` (the regex confirms what the tokens suggest)."""
        f = self.feats
        bits = f.word_bits.get(vocab, 0) | f.gate_bits.get(vocab, 0)
        if not self.bits & bits:
            return False
        return search_lower(self.lex.v(vocab), self.text, self.lower())

    def flag(self, cue: str) -> bool:
        """Whether the language's ``cue`` occurs in this sentence (computed once)."""
        got = self._memo.get(cue)
        if got is None:
            rx = self.lex.cue(cue)
            bit = self.feats.cue_bits.get(cue)
            if cue == "drill":  # the drill wording is a vocabulary, asked for like a cue
                got = self.has("drill")
            elif rx is None or (bit is not None and not self.bits & bit):
                got = False
            else:
                got = search_lower(rx, self.text, self.lower())
            self._memo[cue] = got
        return got

    def may_have(self, cue: str) -> bool:
        """False when the sentence lacks every word one of which each match of ``cue`` holds (as :meth:`flag`)."""
        bit = self.feats.cue_bits.get(cue)
        return bit is None or bool(self.bits & bit)

    def may_hold(self, cue: str, a: int, b: int) -> bool:
        """Whether ``s[a:b]`` (searched as its own string) may hold a match of ``cue``: False when none of the words
        one of which every match holds starts a token of the slice. The slice's tokens are the sentence's, except
        that the first may be the tail of a word cut at ``a`` (looked up on its own) and the last the head of a
        word cut at ``b`` (a word prefix it starts with, the whole word starts with too). Languages with clitics
        glued to words always search (their table strips a clitic only from a word that matches nothing)."""
        bit = self.feats.cue_bits.get(cue)
        if bit is None or self.bits & bit or self.lex.clitics:
            return True
        s = self.text
        if 0 < a < b and _TOKEN_CHAR.match(s, a - 1) and _TOKEN_CHAR.match(s, a):
            key = ("head", a, min(b, a + 80))
            mask = self._memo.get(key)
            if mask is None:
                head = tokens(s[a:key[2]])
                mask = self._memo[key] = self.feats.table[head[0]] if head else 0
            return bool(mask & bit)
        return False

    def lower(self) -> str | None:
        """The sentence lower-cased, when that keeps every offset (None otherwise); computed once."""
        got = self._memo.get("lower", False)
        if got is False:
            low = self.text.lower()
            got = self._memo["lower"] = low if len(low) == len(self.text) else None
        return got

    def personnel(self) -> re.Pattern:
        return self.lex.personnel_any or self.lex.v("personnel")

    def memo(self, key, fn):
        if key not in self._memo:
            self._memo[key] = fn()
        return self._memo[key]


def _reference_year(combined: str, published) -> int | None:
    """The year the article is written in: its publication date, an ISO date at the top, else the latest year it
    names (news names past years as background, rarely future ones)."""
    if published:
        return published.year
    m = _ISO_DATE.search(combined[:300])
    if m:
        return int(m.group(1))
    years = years_in(combined)
    return max(years) if years else None


def _region_hits(sent: _Sentence) -> int:
    """Region words, not counting names inside enumerations of 3+ countries ("Armenia, Belarus, Kazakhstan,
    Kyrgyzstan, Russia and Tajikistan"): such member lists say nothing about where the news happens."""
    lex, text, low = sent.lex, sent.text, sent.lower()
    region = lex.v("region")
    hits = spans_lower(region, twin_of(region), text, low)
    if not hits:
        return 0
    sep = lex.cue("enum_sep")
    if sep is None:
        return len(hits)
    other = lex.v("other_region")
    others = spans_lower(other, twin_of(other), text, low)
    oc = lex.cue("other_countries")
    if oc is not None:
        others += [m.span() for m in oc.finditer(text)]
    names = sorted([(a, b, True) for a, b in hits] + [(a, b, False) for a, b in others])
    groups: list[list[tuple[int, int, bool]]] = []
    for item in names:
        if groups and item[0] >= groups[-1][-1][1] and sep.match(text[groups[-1][-1][1]:item[0]]):
            groups[-1].append(item)
        else:
            groups.append([item])
    return sum(sum(1 for _, _, is_region in g if is_region) for g in groups if len(g) < 3)


class _Article:
    def __init__(self, combined: str, published, route: dict[str, str]):
        self.text = combined
        low = combined.lower()
        self.low = low if len(low) == len(combined) else None  # for the lower-case pattern twins
        self.published = published
        self.ref_year = _reference_year(combined, published)
        # since 15 August 2021 "Afghan forces" and "Afghan border guards" are the Taliban's
        self.taliban_era = (published >= _FALL_OF_KABUL) if published else bool(self.ref_year and self.ref_year >= 2022)
        langs = load_languages()
        self.sentences: list[_Sentence] = []
        latin_only = not has_non_latin(combined)  # then every sentence reads as Latin script
        for i, (a, b) in enumerate(split_sentences(combined)):
            s = combined[a:b]
            script = "Latin" if latin_only else (script_of(s) or "Latin")
            lex = langs[route.get(script) or route.get("Latin") or "en"]
            feats = _features(lex.lang)
            toks = tokens(s)
            counts = Counter(map(feats.table.__getitem__, toks))
            bits = 0
            for mask in counts:
                bits |= mask
            st = _Sentence(i, a, b, s, lex, feats, toks, counts, bits)
            st.rules = _rules_of(feats, bits)
            self.sentences.append(st)
        # the gazetteer only reads sentences that can carry an event (trigger words) and their neighbours
        gated = [i for i, st in enumerate(self.sentences) if st.rules]
        self.gated = set(gated)
        want = sorted({j for i in gated for j in (i - 1, i, i + 1) if 0 <= j < len(self.sentences)})
        spans: list[tuple[int, int]] = []
        for j in want:
            a, b = self.sentences[j].start, self.sentences[j].end
            if spans and a - spans[-1][1] <= 2:
                spans[-1] = (spans[-1][0], b)
            else:
                spans.append((a, b))
        self.places = PlaceIndex(_seats(self.sentences, article_places(combined, spans) if spans else []))
        self._actor_cache: dict[int, list[tuple[int, str]]] = {}
        self._by_start = {st.start: st for st in self.sentences}
        self.place_freq: dict[str, int] = {}
        for mm in self.places.mentions:
            self.place_freq[mm.place.id] = self.place_freq.get(mm.place.id, 0) + 1
        self._refs: set[int] = set()
        for s in self.sentences:
            s.places = self.places.between(s.start, s.end)
            self._refs |= {id(mm) for mm in s.places if _dateline_or_person(combined, mm, s.lex)}
        for s in self.sentences:
            region = s.count("region")
            if region and s.text.count(",") + s.text.count("،") >= 2:
                region = _region_hits(s)
            s.region = region + sum(1 for m in s.places if m.in_region and not m.is_country)
            s.security = s.count("security")
            s.other = s.count("other_region")
            s.nonsec = s.count("non_security")
        self.region_total = sum(s.region for s in self.sentences)
        self.other_total = sum(s.other for s in self.sentences)
        # the article is "about the region" when region anchors outweigh other theatres
        self.region_dominant = self.region_total > 0 and self.region_total >= self.other_total
        drill_sents = sum(1 for s in self.sentences if s.flag("drill"))
        self.drill_article = drill_sents >= 2 and drill_sents * 4 >= len(self.sentences)

    def actors_in(self, lo: int, hi: int) -> list[tuple[int, str]]:
        """Actor mentions between offsets lo and hi (computed per sentence on first use)."""
        got = self._actor_cache.get(lo)
        if got is None:
            sent = self._by_start.get(lo)
            # word-prefix gates only where words are spaced (Devanagari and Arabic script glue words together)
            toks = sent.tokens if sent is not None and sent.lex.boundary == "word" else None
            got = find_actors(self.text, lo, hi, toks, self.low)
            self._actor_cache[lo] = got
        return [a for a in got if a[0] < hi]

    def is_reference(self, mm: Mention) -> bool:
        return id(mm) in self._refs

    def sentence_in_region(self, sent: _Sentence) -> bool:
        if any(m.in_region for m in sent.places):
            return True
        return sent.flag("region_words")

    def venue_outside(self, sent: _Sentence) -> bool:
        """A drill sentence names a place outside the region as its venue ("in Russia", "at the Donguz range"),
        not only as where participants come from ("servicemen from Russia, Tajikistan and Belarus")."""
        lex, s = sent.lex, sent.text
        venue = lex.cue("venue_before")
        if venue is None:
            return False
        for m in lex.cue("outside_region").finditer(s):
            first = m.group(0).split(" ")[0] + " "
            if venue.search(first) or venue.search(s[max(0, m.start() - 30):m.start()]):
                return True
        return False

    def not_place_here(self, sent: _Sentence, mm: Mention) -> bool:
        return _not_place_here(self, sent.lex, sent.text, sent, mm)

    def inner_place(self, province: Mention, sent: _Sentence) -> Mention | None:
        """The district / town inside ``province`` that this article is about: nearest sentences first, then
        the most often named."""
        best: tuple | None = None
        for mm in self.places.mentions:
            if mm.place.province_id != province.place.id or mm.place.kind == "province" or self.is_reference(mm):
                continue
            dist = abs(mm.start - sent.start)
            key = (dist > 600, -self.place_freq.get(mm.place.id, 0), dist)
            if best is None or key < best[0]:
                best = (key, mm)
        return best[1] if best else None


_DATE_LEAD = re.compile(r"\s*(?:date\s+[\d-]+\s*)?")
_CAPS_AFTER = re.compile(r"[\s,]*(?:[A-Z][a-z]+|[A-Z]+)?\s*[,(:\-–—]")
_PREV_CAP = re.compile(r"([A-Z][a-z'’]+)\s+$")


def _dateline_or_person(text: str, mm: Mention, lex: Lexicon) -> bool:
    """A place mention that is a wire dateline ("KABUL, Afghanistan —", "DUSHANBE, Tajikistan, July 5") or part
    of a person's name ("Abdul Ahad Torial Kakar", "Attahullah Khogyani"): not where an event happens."""
    span = text[mm.start:mm.end]
    based = lex.cue("based_after")
    if based is not None and based.match(text[mm.end:mm.end + 8]):
        return True
    line_start = text.rfind("\n", 0, mm.start) + 1
    lead = text[line_start:mm.start]
    lead_ok = not lead.strip() or _DATE_LEAD.fullmatch(lead)
    if span.isupper() and len(span) > 3 and lead_ok:
        return True
    tail = lex.cue("dateline_tail")
    if lead_ok and tail is not None and tail.match(text[mm.end:mm.end + 40]):
        return True
    if span.isupper() and len(span) > 3 and _CAPS_AFTER.match(text[mm.end:mm.end + 30]):
        return True
    window = text[max(0, mm.start - 40):mm.start]
    title = lex.cue("title_before")
    if title is not None and title.search(window):
        return True  # "Mr. Khashi", "Gen. Dostum"
    if not lex.case:
        return False
    prev = _PREV_CAP.search(window)
    if prev and not prev.group(1).endswith(("'s", "’s")):
        word = prev.group(1)
        given, not_name, ok_before = lex.cue("given_name"), lex.cue("not_name"), lex.cue("name_ok_before")
        if given is not None and given.fullmatch(word):
            return True
        prev2 = _PREV_CAP.search(window[:prev.start()])
        if (prev2 and ok_before is not None and not ok_before.fullmatch(word.lower())
                and not ok_before.fullmatch(prev2.group(1).lower())
                and not (not_name and not_name.fullmatch(word)) and not (not_name and not_name.fullmatch(prev2.group(1)))):
            return True
    return False


# ------------------------------------------------------------------------------------------------ rules
def _lower(s: str) -> str | None:
    low = s.lower()
    return low if len(low) == len(s) else None


def _clause_start(lex: Lexicon, s: str, pos: int, limit: int, low: str | None | bool = False) -> int:
    """Where the clause holding ``pos`` starts (at most ``limit`` characters back); ``low``: ``s`` lower-cased,
    when the caller has it."""
    lo = max(0, pos - limit)
    last = lo
    rx = lex.cue("clause_break")
    if rx is None:
        return last
    for _, b in spans_lower(rx, twin_of(rx), s, _lower(s) if low is False else low, lo, pos):
        last = b
    return last


def _clause_end(lex: Lexicon, s: str, pos: int, limit: int, low: str | None = None) -> int:
    end = min(len(s), pos + limit)
    rx = lex.cue("clause_break")
    if rx is None:
        return end
    m = first_lower(rx, s, low, pos, end)
    if m and s[m[0]:m[1]] == ":" and m[0] - pos < 80:  # "took two capitals: X and Y"
        m = first_lower(rx, s, low, m[1], end)
    return m[0] if m else end


def _is_reference(lex: Lexicon, s: str, start: int, low: str | None = None) -> bool:
    rx = lex.cue("reference")
    lo = max(0, start - 40)
    return rx is not None and search_lower(rx, s[lo:start], low[lo:start] if low is not None else None)


def _reference_in_trigger(lex: Lexicon, s: str, t1: int, a: int) -> bool:
    """Whether the reference word before the place at ``a`` is the trigger's own ("pulled back from | the town"),
    with nothing but articles after it ("… from the town towards Ishkashim": Ishkashim has its own)."""
    rx = lex.cue("reference")
    if rx is None:
        return False
    lo = max(0, a - 40)
    m = rx.search(s[lo:a])
    return bool(m) and lo + m.start() < t1


def _drop_containers(cands: list[Mention]) -> list[Mention]:
    """Drop a province (or country) when a place inside it is also a candidate: "Yamgan district of
    Badakhshan province" → Yamgan."""
    ids_inside = {m.place.province_id for m in cands if m.place.province_id and m.place.kind not in ("province", "country")}
    out = [m for m in cands if not (m.place.kind == "province" and m.place.id in ids_inside)]
    seen: set[str] = set()
    uniq = []
    for m in out:
        if m.place.id not in seen:
            seen.add(m.place.id)
            uniq.append(m)
    return uniq


def _subject_actor(lex: Lexicon, actors: list[tuple[int, str]], s: str, t0: int, t1: int, clause_lo: int,
                   movement: bool = False) -> str | None:
    agent = lex.cue("agent_after")
    if movement and agent is not None:
        # "dispatched troops to Kunduz to help Afghan forces": after a movement verb "to" is where they went; an
        # agent follows only a passive one ("were sent by Moscow")
        pb = lex.cue("passive_before")
        if not (pb is not None and pb.search(s[max(0, t0 - 30):t0])):
            agent = None
    if agent is not None:
        # the agent after the trigger, or after the trigger's own last word ("collapsed | to the Taliban")
        passive = lex.cue("passive_trigger")
        tries = [(t1, 25)]  # (where the agent's preposition may start, how far after it the actor may stand)
        if passive is not None and passive.match(s[t0:t1]) and s.rfind(" ", t0, t1) > t0:
            tries.append((s.rfind(" ", t0, t1), 12))
        for at, reach in tries:
            m = agent.match(s, at, min(len(s), t1 + 40))
            if m:
                for pos, name in actors:
                    if m.end() <= pos <= m.end() + reach:
                        return name
    prep = lex.cue("prep_before")
    oblique = lex.cue("oblique_actor")
    front = lex.cue("fronted_adverbial")
    fm = front.match(s) if front is not None else None
    lo = max(clause_lo - 60, fm.end()) if fm is not None and fm.end() <= t0 else clause_lo - 60
    before = [name for pos, name in actors
              if lo <= pos < t0 and not (prep is not None and prep.search(s[max(0, pos - 40):pos]))
              and not (oblique is not None and oblique.match(s, pos))]
    if before:
        return before[-1]
    return None


def _admitted(lex: Lexicon, actors: list[tuple[int, str]], s: str, t0: int, t1: int,
              hi: int) -> tuple[str | None, set[str]] | None:
    """"Tajik border guards let in 300 Afghan soldiers": a host admits the movers, so the mover is the actor after
    the trigger (or none is named) and the host before it is not the one who moved. None when the trigger is not
    an admitting verb."""
    rx = lex.cue("admit")
    if rx is None or not rx.match(s, t0, min(len(s), t1 + 20)):
        return None
    after = [name for pos, name in actors if t1 <= pos < hi]
    hosts = {name for pos, name in actors if pos < t0} - set(after)
    return (after[0] if after else None), hosts


_HOME_CC = {"Afghan government forces": "AF", "Tajik border troops": "TJ", "Tajik forces": "TJ", "Uzbek forces": "UZ",
            "Turkmen forces": "TM", "Kyrgyz forces": "KG", "Kazakh forces": "KZ"}
_STATE_MOVES = frozenset({"alert", "mobilised", "deployed", "exercise", "returned"})
_POSTURES = frozenset({"alert", "mobilised", "deployed"})
_STATE_FORCES = {"TJ": "Tajik forces", "UZ": "Uzbek forces", "TM": "Turkmen forces", "KG": "Kyrgyz forces",
                 "KZ": "Kazakh forces", "RU": "Russian forces"}


def _seats(sentences: list[_Sentence], mentions: list[Mention]) -> list[Mention]:
    """"the centre of Baghlan province", "مرکز ولایات بغلان، بدخشان و فراه", "Baghlan's capital": the province
    stands for its seat (and so does each province listed right after the first)."""
    out = list(mentions)
    k = 0
    for sent in sentences:
        lex = sent.lex
        before, after, gap = lex.cue("seat_before"), lex.cue("seat_after"), lex.cue("list_gap")
        if before is None and after is None:
            continue
        while k < len(out) and out[k].start < sent.start:
            k += 1
        prev: Mention | None = None
        j = k
        while j < len(out) and out[j].start < sent.end:
            mm = out[j]
            s, a, b = sent.text, mm.start - sent.start, mm.end - sent.start
            listed = prev is not None and (a - (prev.end - sent.start)) <= 25 and gap is not None \
                and gap.search(s, prev.end - sent.start, a) is not None
            if mm.place.kind == "province" and (listed or (before is not None and before.search(s[max(0, a - 60):a]))
                                                or (after is not None and after.match(s, b))):
                seat = seat_of(mm.place)
                if seat is not None:
                    out[j] = mm = Mention(mm.start, mm.end, seat)
                    prev = mm
                    j += 1
                    continue
            prev = None
            j += 1
    return out


def _as_seat(lex: Lexicon, s: str, offset: int, mm: Mention) -> Mention:
    """"The Taliban captured Kunduz": an event's place that is a province named like its seat, with no province
    noun beside the name, is the city ("Kunduz province", "ولایت کندز" stay the province)."""
    if mm.place.kind != "province" or mm.start < 0:
        return mm
    seat = seat_of(mm.place)
    word = lex.cue("province_word")
    if seat is None or word is None or _squash(seat.name) != _squash(mm.place.name):
        return mm
    a, b = mm.start - offset, mm.end - offset
    if word.search(s[max(0, a - 14):a]) or word.search(s[b:b + 14]):
        return mm
    return Mention(mm.start, mm.end, seat)


def _squash(name: str) -> str:
    return "".join(c for c in name.casefold() if c.isalnum())


class _Ctx:
    """Per-article state shared by the rule checks."""

    def __init__(self, art: _Article):
        self.art = art
        self.events: list[EventMention] = []
        self.vetoed: list[tuple[str, _Sentence]] = []  # (why, sentence) — e.g. modal captures → threat_assessment


def _apply_rule(ctx: _Ctx, sent: _Sentence, rule: Rule, span: tuple[int, int]) -> None:
    art = ctx.art
    lex = sent.lex
    s = sent.text
    t0, t1 = span
    while t1 < len(s) and s[t1 - 1].isalnum() and s[t1].isalnum():  # alternations stop at the shortest form ("captur(e|ed)")
        t1 += 1
    f = checks.Frame(art, sent, rule, t0, t1, rule.subtype, lo=max(0, t0 - rule.before),
                     hi=min(len(s), t1 + rule.after),
                     clause_lo=sent.memo(("clause", t0, rule.before),
                                         lambda: _clause_start(lex, s, t0, rule.before, sent.lower())))
    if checks.run_vetoes(f):
        if f.vetoed_as:
            ctx.vetoed.append((f.vetoed_as, sent))
        return
    if not checks.run_needs(f):
        return
    kind, subtype, lo, hi, clause_lo = rule.kind, f.subtype, f.lo, f.hi, f.clause_lo
    region_here = art.sentence_in_region(sent)

    # ---------------------------------------------------------------- places
    chosen: list[Mention] = []
    from_context = False
    needs = rule.needs
    if kind == "territorial":
        held = "holder" in needs
        chosen, generic = _territorial_targets(art, sent, lex, s, t0, t1, clause_lo, "held" if held else subtype)
        if subtype != "control_claim":
            unknown = _unknown_place(art, sent, lex, s, t0, t1, clause_lo)
            if unknown is not None and (not chosen or all(mm.place.kind == "province" for mm in chosen)
                                        or t1 <= unknown.start - sent.start < chosen[0].start - sent.start):
                chosen = [unknown]  # "captured the village of X in Warduj district": X is the object, Warduj locates it
        if "placeish" in needs:
            if not chosen and not checks.placeish(f):
                return
            f.passed.append("placeish")
        if "named_place" in needs:
            if not chosen:
                return
            f.passed.append("named_place")
        if generic and subtype != "control_claim":
            listed = _enumeration(art, sent, lex, t1)
            if listed and (not chosen or all(mm.place.kind == "province" for mm in chosen) or len(listed) > len(chosen)):
                chosen = listed
        if not chosen and subtype != "control_claim" and not generic:
            ctx_place = _context_place(art, sent)
            if ctx_place is not None:
                chosen = [ctx_place]
                from_context = True
        if not chosen and not region_here and not art.region_dominant:
            return
    else:
        if f.dest is not None:
            chosen = [f.dest]
        elif subtype == "exercise" and (unknown := _unknown_place(art, sent, lex, s, t0, t1, clause_lo, exercise=True)):
            chosen = [unknown]
            second = _second_range(art, sent, lex, unknown)
            if second is not None:
                chosen.append(second)  # "at the Harb-Maidon and Momirak training grounds"
        elif f.dest_cc:
            chosen = [Mention(-1, -1, country_place(f.dest_cc, _written_country(s, t1)))]
        else:
            chosen = _movement_place(art, sent, lex, s, t0, t1, clause_lo, subtype)
        if subtype not in ("exercise", "withdrawal") and all(mm.is_country or mm.place.kind == "province" for mm in chosen):
            # "moved heavy armour to the town of X", "crossed near the outpost «X»": a destination or post the
            # gazetteer lacks is finer than the country or province
            there = _unknown_place(art, sent, lex, s, t0, t1, clause_lo, dest=True)
            if there is not None:
                chosen = [there]
            elif (deixis := lex.cue("there_after")) is not None and deixis.match(s, t1):
                # "sent reinforcements there", "стянули туда силы": the place the sentence before names
                back = _context_place(art, sent, back_only=True)
                if back is not None:
                    chosen, from_context = [back], True
        chosen = [_finer_locality(art, sent, lex, _located_facility(sent, lex, mm)) for mm in chosen]
        if not chosen and (definite := lex.cue("definite_place_after")) is not None and (
                definite.match(s, t1) or (lex.order == "SOV" and definite.search(s, clause_lo, t0))):
            back = _antecedent(art, sent)  # "fled the airport", "از این ولسوالی فرار کردند": the one named before
            if back is not None:
                chosen, from_context = [back], True
        if chosen and subtype in _SIDE_MOVES and all(mm.is_country for mm in chosen):
            side = _side_place(art, sent, lex, subtype, chosen)
            if side is not None:
                chosen.append(side)
        if not chosen:
            ctx_place = _context_place(art, sent) if subtype in ("withdrawal", "surrendered", "deployed") else None
            if ctx_place is not None:
                chosen = [ctx_place]
                from_context = True

    chosen = [_as_seat(lex, s, sent.start, mm) for mm in chosen]

    # ---------------------------------------------------------------- actors, subtype by actor
    actors = [(p - sent.start, n) for p, n in art.actors_in(sent.start, sent.end)]
    f_hi = _frame_end(lex, s, t1, hi, sent.lower())
    clause_actors = [(p, n) for p, n in actors if lo <= p < f_hi] or [(p, n) for p, n in actors if p < f_hi]
    subj = _subject_actor(lex, actors, s, t0, t1, clause_lo, movement=kind == "troop_movement")
    admitted = _admitted(lex, actors, s, t0, t1, f_hi) if kind == "troop_movement" else None
    if admitted is not None:
        subj, hosts = admitted
        clause_actors = [(p, n) for p, n in clause_actors if n not in hosts]
        f.passed.append("admitted")
    elif subj is None and kind == "troop_movement" and subtype in _STATE_MOVES:
        subj = _state_subject(lex, s, clause_lo, t0, posture=subtype in _POSTURES)
    if kind == "territorial" and rule.state_subtype and subj in STATE_ACTORS and subj not in NON_STATE:
        # a government taking a place in its own country takes it back; another state's forces capture it
        home = _HOME_CC.get(subj)
        if home is None or not chosen or any(mm.place.country_code == home for mm in chosen):
            subtype = rule.state_subtype
    if subtype == "withdrawal" and subj in FOREIGN_WITHDRAWING:
        return
    names = _era_names(art, unique(([subj] if subj else []) + [n for _, n in clause_actors]))
    home = _HOME_CC.get(subj or "")
    if kind == "troop_movement" and subtype in _POSTURES and home and home != "AF" and chosen \
            and all(mm.place.country_code != home and not _crossing_to(sent, lex, mm, home) for mm in chosen):
        # "Turkmen border guards were deployed near Khamyab": a state posts its forces on its own side — at the
        # place of that name on its side if there is one ("sent troops to the Murghab district": Tajikistan's)
        chosen = [_on_side(mm, home) for mm in chosen]
    elif kind == "troop_movement" and subtype in _POSTURES and home and home != "AF" and not chosen and not from_context:
        # "Turkmen troops were put on high alert": a state's posture with no place named is on its own territory
        chosen = [Mention(-1, -1, country_place(home))]

    # ---------------------------------------------------------------- count
    count = unit = None
    if kind == "troop_movement":
        unit_rx = lex.v("civilians") if subtype == "refugees_crossing" else sent.personnel()
        c, unit = find_count(s, unit_rx, max(lo, clause_lo), f_hi, low=sent.lower())
        if c is not None:
            count = c

    conf = rule.conf
    if chosen and not from_context:
        conf += 0.05
    if from_context:
        conf -= 0.15
    if names:
        conf += 0.05
    if count is not None:
        conf += 0.03
    if f.in_drill:
        conf -= 0.1
    conf = max(0.05, min(0.99, conf))
    for place_m in chosen or [None]:
        ctx.events.append(EventMention(
            kind=kind, subtype=subtype, evidence=s, start=sent.start, end=sent.end, rule=rule.name,
            confidence=round(conf, 3), place=place_m.place if place_m else None, actors=list(names),
            count=count.value if count else None, count_unit=unit if count else None,
            count_text=count.text if count else None, checks=list(f.passed),
        ))


def _on_side(mm: Mention, home: str) -> Mention:
    """The place of the same name in country ``home`` (the gazetteer's first), or ``home`` itself."""
    written = mm.place.as_written or mm.place.name
    for p in lookup_name(written):
        if p.country_code == home and p.kind != "country" and p.precision != "country":
            return Mention(mm.start, mm.end, replace(p, as_written=written))
    return Mention(-1, -1, country_place(home))


def _era_names(art: _Article, names: list[str]) -> list[str]:
    """Actor names as of the article's date: after the fall of Kabul the Afghan state's forces are the Taliban's."""
    if not art.taliban_era or AFGHAN_GOV not in names:
        return names
    return unique([TALIBAN if n == AFGHAN_GOV else n for n in names])


def _crossing_after(lex: Lexicon, s: str, pos: int) -> bool:
    rx = lex.cue("crossing_after")
    return bool(rx is not None and rx.match(s[pos:pos + 20]))


def _frame_end(lex: Lexicon, s: str, t1: int, hi: int, low: str | None = None) -> int:
    """Where a trigger's frame ends for places, counts and actors: "put on alert | after fighting in X sent …".
    ``low``: ``s`` lower-cased (same length), for the pattern's lower-case twin."""
    rx = lex.cue("place_stop")
    if rx is None:
        return hi
    m = first_lower(rx, s, low, t1, hi)
    return m[0] if m else hi


def _frame_start(lex: Lexicon, s: str, t0: int, clause_lo: int, low: str | None = None) -> int:
    rx = lex.cue("place_stop")
    if rx is None:
        return clause_lo
    last = clause_lo
    for _, b in spans_lower(rx, twin_of(rx) if low is not None else None, s, low, clause_lo, t0):
        last = b
    return last


def _state_subject(lex: Lexicon, s: str, clause_lo: int, t0: int, posture: bool = False) -> str | None:
    """"Tajikistan has put its border troops on alert", "Туркменистан перебросил …": the state acts through its forces."""
    rx = lex.cue("state_subject")
    if rx is None:
        return None
    m = None
    comma = s.rfind(",", clause_lo, t0) if posture else -1
    if comma > clause_lo:
        # "Russia will not send troops, Tajikistan mobilises 20,000": the state heading the trigger's own clause
        m = rx.match(s, comma + 1, t0)
        if m and t0 - m.end() > 40:
            m = None
    m = m or rx.match(s, clause_lo, t0)
    if not m:
        return None
    w = m.group(1)
    cc = capital_country(w) or country_code_of(w)
    name = _STATE_FORCES.get(cc or "")
    border = lex.cue("border_forces")
    if name == "Tajik forces" and border is not None and border.search(s):
        name = "Tajik border troops"
    return name


def _ref_mentions(art: _Article, sent: _Sentence) -> set[int]:
    """Mentions in ``sent`` that are references, not event places: "from Faizabad and Baharak", "near X",
    a dateline, "Kabul-based", "the Panj river" (computed once per sentence)."""
    def compute() -> set[int]:
        lex = sent.lex
        s = sent.text
        npa = lex.cue("not_place_after")
        sep = lex.cue("enum_sep")
        out: set[int] = set()
        prev: Mention | None = None
        for mm in sent.places:
            a = mm.start - sent.start
            ref = art.is_reference(mm) or _is_reference(lex, s, a, sent.lower())
            if not ref and npa is not None and npa.match(s, mm.end - sent.start):
                ref = True
            if not ref and _river_here(lex, s, a):
                ref = True
            if not ref and prev is not None and id(prev) in out and sep is not None \
                    and sep.match(s[prev.end - sent.start:a]):
                ref = True  # "from Faizabad and Baharak": the second is as much an origin as the first
            if ref:
                out.add(id(mm))
            prev = mm
        return out
    return sent.memo("refs", compute)


def _river_here(lex: Lexicon, s: str, a: int) -> bool:
    """"переправлялись через Пяндж", "waded across the Panj": a border river that is also a town's name, after a
    word that makes it the river crossed, is not the town."""
    river, before = lex.cue("river_name"), lex.cue("river_before")
    return bool(river is not None and before is not None and river.match(s, a) and before.search(s[max(0, a - 25):a]))


def _not_place_here(art: _Article, lex: Lexicon, s: str, sent: _Sentence, mm: Mention) -> bool:
    if id(mm) not in _ref_mentions(art, sent):
        return False
    # a destination or route after the verb is still the place of a movement ("to Imam Sahib", "via the X crossing")
    a = mm.start - sent.start
    npa = lex.cue("not_place_after")
    if art.is_reference(mm) or (npa is not None and npa.match(s, mm.end - sent.start)) or _river_here(lex, s, a):
        return True
    pre = s[max(0, a - 30):a]
    dest, route = lex.cue("dest_before"), lex.cue("route_before")
    if dest is not None and dest.search(pre) and not (route is not None and route.search(pre)):
        return False  # "into Tajikistan", "towards Ishkoshim", "via the X crossing": where the movement goes
    return True


def _movement_place(art: _Article, sent: _Sentence, lex: Lexicon, s: str, t0: int, t1: int, clause_lo: int,
                    subtype: str = "") -> list[Mention]:
    """Where a movement happens: its destination / location after the verb, inside the verb's frame (not in an
    "after fighting in X" clause), else the location before it in the same clause; a crossing named with "via"
    / "through" / "at" wins; the sending capital or the speaker's town does not count."""
    low = sent.lower()
    f_hi = _frame_end(lex, s, t1, len(s), low)
    f_lo = _frame_start(lex, s, t0, clause_lo, low)
    cands = [mm for mm in sent.places if mm.in_region and not _not_place_here(art, lex, s, sent, mm)]
    origin = lex.cue("origin_before")
    if subtype == "withdrawal" and origin is not None:  # "withdrew from X": the place they left is the event's
        cands = sorted(cands + [mm for mm in sent.places if mm.in_region and not mm.is_country and mm not in cands
                                and not art.is_reference(mm)
                                and origin.search(s[max(0, mm.start - sent.start - 30):mm.start - sent.start])],
                       key=lambda mm: mm.start)
    towards = lex.cue("towards_before")
    if subtype == "withdrawal" and towards is not None:  # a withdrawal happens where they left, not where they went
        went = [mm for mm in cands if towards.search(s[max(0, mm.start - sent.start - 25):mm.start - sent.start])]
        # "fled to Faizabad, the capital of Badakhshan": the province locates where they went, not where they left
        left = [mm for mm in cands if mm not in went
                and not (mm.place.kind == "province" and any(w.place.province_id == mm.place.id for w in went))]
        if any(not mm.is_country for mm in left):
            cands = left  # ("fled to Faizabad": with nothing left named, where they went)
        elif _origin_is_place_type(lex, s, t1):
            return []  # "pulled back from the town towards Ishkashim": the town, named elsewhere, not Ishkashim
    state = lex.cue("state_subject")
    after = [mm for mm in cands if t1 <= mm.start - sent.start < f_hi]
    before = [mm for mm in cands if f_lo <= mm.start - sent.start < t0
              and not (not mm.is_country and state is not None and state.match(s, mm.start - sent.start))]
    ordered = after + before[::-1]
    crossing = [mm for mm in ordered if mm.place.kind == "crossing" or _crossing_after(lex, s, mm.end - sent.start)]
    sub = [mm for mm in ordered if not mm.is_country]
    if not crossing and not sub:
        # "deployed troops to the border near Termez": where forces are posted, drill or stand on alert is named
        # with "near" (a reference for a capture, the location for a posture)
        near, near_after = lex.cue("near_before"), lex.cue("near_after")
        if (near is not None or near_after is not None) and subtype not in checks.MOVES:
            sub = [mm for mm in sent.places if mm.in_region and not mm.is_country and not art.is_reference(mm)
                   and f_lo <= mm.start - sent.start < f_hi
                   and ((near is not None and near.search(s[max(0, mm.start - sent.start - 40):mm.start - sent.start]))
                        or (near_after is not None and near_after.match(s, mm.end - sent.start)))]
    if subtype == "withdrawal" and not crossing and after and not after[0].is_country:
        # "retreated from the Dara Suf Bala district of Samangan; Chahar Bolak in Balkh; …": every place left
        rest = [mm for mm in cands if mm.start >= after[0].start and not mm.is_country]  # past ";" too
        listed = _drop_containers(_fill_list_slots(art, sent, lex, _extend_list(lex, sent, rest)))
        if len(listed) > 1:
            return listed
    return crossing[:1] or _drop_containers(sub)[:1] or ordered[:1]


_SIDE_MOVES = frozenset({"crossed_border", "refugees_crossing", "returned", "exercise"})


def _side_place(art: _Article, sent: _Sentence, lex: Lexicon, subtype: str, told: list[Mention]) -> Mention | None:
    """Where a move told only by its country happened on the ground: "1,037 soldiers fled into Tajikistan" after
    "clashes in Badakhshan" (the province they came from), "they were turned back to Afghanistan" after "on the Panj
    detachment's section" (where they were stopped), drills "in Tajikistan" after "the enemy advanced to the Sambuli
    training ground". The place of the same sentence first, else that of the sentence before or after; a drill takes
    only a training ground. A place on the Afghan side counts only in a province with a crossing to the country
    they went to (Jalalabad is no side of a crossing into Uzbekistan)."""
    dest = {mm.place.country_code for mm in told}
    if subtype == "exercise":
        return _named_beside(art, sent, "unknown_range", told[0], lambda mm: True, exercise=True)

    def on_a_side(mm: Mention) -> bool:
        p = mm.place
        if p.country_code != "AF":
            return True
        return any((p.province_id or p.id) in border_provinces(cc) for cc in dest if cc != "AF")

    refs = _ref_mentions(art, sent)
    own = [mm for mm in sent.places if mm.in_region and not mm.is_country and not art.is_reference(mm)
           and (id(mm) not in refs or _origin_named(lex, sent.text, mm.start - sent.start))
           and mm.place.name not in _CAPITAL_NAMES and on_a_side(mm)]
    if own:
        return _drop_containers(own)[0]
    near = _context_place(art, sent)
    if near is not None and on_a_side(near):
        return near
    # a post or checkpoint the gazetteer lacks, named beside it ("… opposite the Tajik checkpoint «Tem». 312 guards
    # crossed at the checkpoint")
    return _named_beside(art, sent, "unknown_dest", told[0], on_a_side, dest=True)


def _named_beside(art: _Article, sent: _Sentence, cue: str, fallback: Mention, accept, **kind) -> Mention | None:
    """A place the gazetteer lacks, named with cue ``cue`` in the sentence before or after ``sent`` (below the
    country, and ``accept``-ed)."""
    for j in (sent.idx - 1, sent.idx + 1):
        if 0 <= j < len(art.sentences):
            other = art.sentences[j]
            rx = other.lex.cue(cue)
            m = rx.search(other.text) if rx is not None else None
            if m is not None:
                got = _unknown_place(art, other, other.lex, other.text, m.start(), m.start(), 0, fallback=fallback,
                                     **kind)
                if got is not None and got.place.kind != "country" and accept(got):
                    return got
    return None


def _origin_named(lex: Lexicon, s: str, a: int) -> bool:
    """"fled from Badakhshan into Tajikistan": a place named as where they came from is a reference for other
    frames, the origin side of a crossing here."""
    origin = lex.cue("origin_before")
    return bool(origin is not None and origin.search(s[max(0, a - 30):a]))


def _antecedent(art: _Article, sent: _Sentence, back: int = 3) -> Mention | None:
    """The place a definite noun points back to ("the city", "the airport"): the last sub-country region place
    named in the sentences before (up to ``back`` of them), not one named after."""
    for j in range(sent.idx - 1, max(-1, sent.idx - 1 - back), -1):
        other = art.sentences[j]
        here = _drop_containers([mm for mm in other.places if mm.in_region and not mm.is_country
                                 and not art.is_reference(mm) and mm.place.name not in _CAPITAL_NAMES])
        if here:
            return here[-1]
    return None


def _finer_locality(art: _Article, sent: _Sentence, lex: Lexicon, mm: Mention) -> Mention:
    """"в местности Кавоки района Шамсиддин Шохин", "near the village of X in Y district": a locality named right
    before the district that locates it is where the movement happened (kept as written, in that district)."""
    rx = lex.cue("locality_of")
    a = mm.start - sent.start
    if rx is None or a < 0 or mm.place.kind != "district":
        return mm
    m = rx.search(sent.text, max(0, a - 80), a)
    if m is None or m.end() != a:
        return mm
    name = m.group("n")
    words = re.split(r"[- ]", name)
    npw = lex.cue("not_place_word")
    if npw is not None and any(npw.match(w) for w in words):
        return mm
    from borderwatch.gazetteer import Place
    p = mm.place
    prov = art.places.province_of(p)
    return Mention(sent.start + m.start("n"), sent.start + m.end("n"), Place(
        id=f"unresolved:{name}", name=latin_name(name), kind="village", country=p.country,
        country_code=p.country_code, district=p.name, province=p.province,
        lat=prov.lat if prov else p.lat, lon=prov.lon if prov else p.lon,
        precision="province" if prov and prov.lat is not None else "district", as_written=name,
        province_id=p.province_id, district_id=p.id))


def _crossing_to(sent: _Sentence, lex: Lexicon, mm: Mention, cc: str) -> bool:
    """Whether ``mm`` names a border crossing to country ``cc``: a crossing of the gazetteer that leads there, or a
    place named with "bridge" / "crossing" in a province with a crossing to it ("near the Hairatan bridge" is
    Uzbekistan's side of the border too)."""
    p = mm.place
    if p.kind == "crossing":
        return p.id.startswith(cc + "-")
    return mm.start >= sent.start and _crossing_after(lex, sent.text, mm.end - sent.start) \
        and (p.province_id or p.id) in border_provinces(cc)


def _located_facility(sent: _Sentence, lex: Lexicon, mm: Mention) -> Mention:
    """"landed at Khanabad airport in Karshi": an airport or base named after one place and located by the town
    named right after it is at that town (unless the first place already lies inside the second)."""
    rx = lex.cue("facility_in")
    if rx is None or mm.start < sent.start:
        return mm
    nxt = next((q for q in sent.places if q.start >= mm.end), None)
    if nxt is None or not nxt.in_region or nxt.is_country \
            or not rx.match(sent.text[mm.end - sent.start:nxt.start - sent.start]):
        return mm
    return mm if _contains(nxt.place, mm.place) else nxt


def _origin_is_place_type(lex: Lexicon, s: str, t1: int) -> bool:
    """"withdrew from the town", "pulled out of the district": the place left is named by its type only."""
    m = lex.v("place_type").search(s, t1, min(len(s), t1 + 30))
    return bool(m) and len(s[t1:m.start()].split()) <= 2


def _named(m: re.Match) -> tuple[str | None, str | None, int]:
    """(name, noun, start) from an unknown-place cue match: groups n/noun, n2/noun2, n3/noun3 or n4/noun4."""
    gd = m.groupdict()
    for n, noun in (("n", "noun"), ("n2", "noun2"), ("n3", "noun3"), ("n4", "noun4")):
        if gd.get(n):
            return gd[n], gd.get(noun), m.start(n)
    return None, None, -1


def _unknown_place(art: _Article, sent: _Sentence, lex: Lexicon, s: str, t0: int, t1: int, clause_lo: int,
                   exercise: bool = False, dest: bool = False, fallback: Mention | None = None) -> Mention | None:
    """A place the gazetteer lacks, named as the object of the verb ("captured the village of Momirak", "seized a
    stronghold in Tora Bora", "Yumgan district has fallen", drills "at the Harb-Maidon range", "на полигоне «Харбмайдон»"):
    the name as written, the kind from the noun, and the district / province / country of the nearest resolved
    place (no gazetteer id; coordinates only as the province's, with ``precision="province"``)."""
    name = noun = None
    a = -1
    if dest:
        # where troops went or stand: after the verb inside its frame, else the nearest before it in the clause
        rx = lex.cue("unknown_dest")
        if rx is None:
            return None
        # (from the trigger's last word on: a trigger may end with the preposition, "forced to land in")
        m = rx.search(s, max(t0, t1 - 12), _frame_end(lex, s, t1, min(len(s), t1 + 150), sent.lower()))
        if m is None:
            m = next(reversed(list(rx.finditer(s, clause_lo, t0))), None)
        if m is None:
            return None
        name, noun, a = _named(m)
    elif exercise:
        rx = lex.cue("unknown_range")
        m = rx.search(s, max(0, t0 - 200), min(len(s), t1 + 200)) if rx is not None else None
        if not m:
            return None
        name, noun, a = _named(m)
        if m.groupdict().get("n3"):
            name, noun = name.title(), (noun or "").lower()
    else:
        rx = lex.cue("unknown_after")
        m = rx.match(s, t1) if rx is not None else None
        if m:
            gd = m.groupdict()
            if gd.get("n"):
                name, noun, a = gd["n"], gd.get("noun"), m.start("n")
            elif gd.get("n2"):
                name, noun, a = gd["n2"], gd.get("noun2"), m.start("n2")
                cont = lex.cue("unknown_continue")
                if noun is None and not (cont is not None and cont.match(s[m.end():])):
                    name = None  # "captured Taliban commanders": a capitalised word before a common noun
        before = lex.cue("unknown_before")
        passive = lex.cue("passive_trigger")
        passive_before = lex.cue("passive_before")
        if name is None and before is not None and (
                (passive is not None and passive.match(s[t0:t1]))
                or (passive_before is not None and passive_before.search(s[max(0, t0 - 16):t0]))):
            # the last one: nearest the verb (verb-final languages name several places before it)
            m = next(reversed(list(before.finditer(s, clause_lo, t0))), None)
            if m:
                name, noun, a = m.group("n"), m.group("noun") or m.group("noun2"), m.start("n")
        # a stronghold / base / area "in X" right after the object
        inside = lex.cue("unknown_in")
        if name is None and inside is not None:
            m = inside.match(s[t1:t1 + 80])
            if m:
                name, noun, a = m.group("n"), None, t1 + m.start("n")
    if not name or name.endswith(("'s", "’s")):
        return None  # "a district in Afghanistan's Badakhshan": a possessive modifies, it is not the place
    words = re.split(r"[- ]", name)
    npw, given = lex.cue("not_place_word"), lex.cue("given_name")
    if (npw is not None and any(npw.match(w) for w in words if w[:1].isupper())) or (given is not None and given.fullmatch(words[0])):
        return None
    known = [mm for mm in sent.places if mm.start - sent.start <= a < mm.end - sent.start and not mm.is_country]
    if known:  # the gazetteer knows it (a destination or post named with its noun is still the movement's place)
        return known[0] if dest and known[0].in_region and not art.is_reference(known[0]) else None
    ctx = _nearest_resolved(art, sent, a) or fallback  # (fallback: the country the event is told in)
    if ctx is None:
        return None
    kind = "place"
    if noun:
        low = noun.lower()
        kind = next((v for k, v in lex.place_kinds.items() if low.startswith(k)), "range" if exercise else "place")
    elif exercise:
        kind = "range"
    cp = ctx.place
    latin = latin_name(name)
    if latin != name:  # a Cyrillic spelling the gazetteer lacks may be a Latin one it has ("Юмган" -> Yumgan)
        known = [p for p in lookup_name(latin) if p.country_code == cp.country_code and p.kind != "country"]
        if known:
            return Mention(sent.start + a, sent.start + a + len(name), replace(known[0], as_written=name))
    prov = art.places.province_of(cp)
    from borderwatch.gazetteer import Place
    place = Place(id=f"unresolved:{name}", name=latin, kind=kind, country=cp.country, country_code=cp.country_code,
                  district=cp.district if cp.kind != "province" else None,
                  province=cp.province if cp.kind != "country" else None,
                  lat=prov.lat if prov else None, lon=prov.lon if prov else None,
                  precision="province" if prov and prov.lat is not None else "country", as_written=name,
                  province_id=cp.province_id, district_id=cp.district_id if cp.kind != "district" else cp.id)
    return Mention(sent.start + a, sent.start + a + len(name), place)


def _second_range(art: _Article, sent: _Sentence, lex: Lexicon, first: Mention) -> Mention | None:
    """The other training ground of "the X and Y training grounds" or "two training grounds - X and Y" (group
    ``nb`` or ``nb4`` of the unknown_range cue), as a known place or as written."""
    rx = lex.cue("unknown_range")
    s = sent.text
    a = first.start - sent.start
    m = rx.search(s, max(0, a - 40), min(len(s), a + 200)) if rx is not None else None
    second = next((g for g in ("nb", "nb4") if m and m.groupdict().get(g)), None)
    if second is None:
        return None
    b0, b1 = m.span(second)
    known = [mm for mm in sent.places if mm.start - sent.start <= b0 < mm.end - sent.start and mm.in_region]
    if known:
        return known[0]
    from borderwatch.gazetteer import Place
    p = first.place
    name = m.group(second)
    return Mention(sent.start + b0, sent.start + b1, Place(
        id=f"unresolved:{name}", name=name, kind=p.kind if p.id.startswith("unresolved:") else "range",
        country=p.country, country_code=p.country_code, district=p.district, province=p.province, lat=p.lat, lon=p.lon,
        precision="province" if p.lat is not None else "country", as_written=name, province_id=p.province_id))


def _nearest_resolved(art: _Article, sent: _Sentence, a: int) -> Mention | None:
    """The resolved region place nearest to offset ``a`` of ``sent`` (same sentence first, then the article's most
    often named sub-country place)."""
    refs = _ref_mentions(art, sent)
    here = [mm for mm in sent.places if mm.in_region and not art.is_reference(mm)]
    sub = [mm for mm in here if not mm.is_country]
    if sub:
        return min(sub, key=lambda mm: (id(mm) in refs, abs(mm.start - sent.start - a)))
    ctx = _context_place(art, sent)
    if ctx is None:
        ctx = max((mm for mm in art.places.mentions if mm.in_region and not mm.is_country
                   and not art.is_reference(mm)), key=lambda mm: art.place_freq.get(mm.place.id, 0), default=None)
    # "two training grounds in Tajikistan - X and Y": a country the sentence names outranks places named elsewhere
    # in another country
    named = [mm for mm in here if mm.is_country]
    if named and (ctx is None or ctx.place.country_code not in {mm.place.country_code for mm in named}):
        return min(named, key=lambda mm: abs(mm.start - sent.start - a))
    if ctx is not None:
        return ctx
    if here:
        return here[0]
    # no place resolved anywhere: the country the sentence names ("near the Tajik-Afghan border" -> Tajikistan)
    for w in re.findall(r"[^\W\d_]+", sent.text):
        cc = country_code_of(w)
        if cc in REGION_CC:
            return Mention(-1, -1, country_place(cc))
    return None


def _written_country(s: str, t1: int) -> str | None:
    m = re.search(r"[A-ZА-Я][\w-]+", s[t1:t1 + 80])
    return m.group(0) if m else None


def _list_gap(lex: Lexicon, gap: str) -> bool:
    """Text between two items of one list: a comma or "and" after at most four words ("Sheberghan, the capital of
    Jowzjan Province in the north, and Zaranj"), at most three words after it."""
    rx = lex.cue("list_gap")
    m = rx.search(gap) if rx is not None else None
    return bool(m) and len(gap[:m.start()].split()) <= 4 and len(gap[m.end():].split()) <= 3


def _extend_list(lex: Lexicon, sent: _Sentence, seq: list[Mention], backwards: bool = False) -> list[Mention]:
    """``seq[0]`` and the mentions after it (before it, ``backwards``) that continue one list with it:
    "captured A, B and C", "A, B and C fell to …", a province locating the item before it ("A of X")."""
    stop = lex.cue("list_stop")
    out = [seq[0]]
    for mm in seq[1:]:
        a, b = (mm.end, out[-1].start) if backwards else (out[-1].end, mm.start)
        gap = sent.text[a - sent.start:b - sent.start]
        prev = out[-1]
        # a province locating the item before it ("A of X", "A in X, B in Y"; read backwards too: "… B Y و C Z fell")
        locator = (mm.place.kind == "province" and prev.place.province_id == mm.place.id) if not backwards else \
            (prev.place.kind == "province" and mm.place.province_id == prev.place.id and mm.place.kind != "province")
        if len(gap) <= 70 and not (stop is not None and stop.search(gap)) and (locator or _list_gap(lex, gap)):
            out.append(mm)
        else:
            break
    return out


_LIST_NAME = re.compile(r"""[«"“]?([^\W\d_][\w'’]*(?:-[^\W\d_][\w'’]*){0,3}(?: [^\W\d_][\w'’]*(?:-[^\W\d_][\w'’]*){0,3})?)[»"”]?""")


_LIST_NAME_ONE = re.compile(r"""[«"“]?([^\W\d_][\w'’]*(?:-[^\W\d_][\w'’]*){0,3})[»"”]?""")


def _fill_list_slots(art: _Article, sent: _Sentence, lex: Lexicon, items: list[Mention]) -> list[Mention]:
    """Names the gazetteer lacks that stand in a list of its places: between two of them ("… in Faryab; X, Faizabad
    and Khanaqah districts"), or after the last one when the list ends with a place noun ("A, B, X ve Y yerleşim
    alanları"). Each is kept as written, with the district / province / country of the place before it. Only in
    languages that capitalise names, and only whole slots: every piece between the separators must be a
    capitalised name (one that is no actor or common word), else the gap adds nothing."""
    sep = lex.cue("list_gap")
    if len(items) < 2 or not lex.case or sep is None:
        return items
    s = sent.text
    npw, given = lex.cue("not_place_word"), lex.cue("given_name")

    def name_ok(name: str) -> bool:
        words = re.split(r"[- ]", name)
        # capitalised words, with short lower-case connectors inside ("Khwaja Baha-u-Din", "Qala-e-Zal")
        return (words[0][:1].isupper() and words[-1][:1].isupper()
                and all(w[:1].isupper() or (len(w) <= 3 and w.islower()) for w in words) and not (npw is not None and any(npw.match(w) for w in words))
                and not (given is not None and given.fullmatch(words[0])))

    def pieces(a: int, b: int) -> list[tuple[int, str]]:
        out, pos = [], a
        for m in list(sep.finditer(s, a, b)) + [None]:
            end = m.start() if m is not None else b
            piece = s[pos:end]
            if piece.strip():
                out.append((pos + len(piece) - len(piece.lstrip()), piece.strip()))
            if m is not None:
                pos = m.end()
        return out

    def place_for(off: int, name: str, like: Mention) -> Mention:
        from borderwatch.gazetteer import Place
        p = like.place
        kind = p.kind if p.kind in ("district", "village", "town") else "place"
        prov = art.places.province_of(p)
        return Mention(sent.start + off, sent.start + off + len(name), Place(
            id=f"unresolved:{name}", name=latin_name(name), kind=kind, country=p.country, country_code=p.country_code,
            district=None, province=p.province if p.kind != "country" else None,
            lat=prov.lat if prov else None, lon=prov.lon if prov else None,
            precision="province" if prov and prov.lat is not None else "country", as_written=name,
            province_id=p.province_id, district_id=None))

    out: list[Mention] = []
    for i, mm in enumerate(items):
        out.append(mm)
        if i + 1 < len(items):
            got = pieces(mm.end - sent.start, items[i + 1].start - sent.start)
            found = [(off + m.start(1), m.group(1)) for off, piece in got
                     if (m := _LIST_NAME.fullmatch(piece)) is not None and name_ok(m.group(1))]
            if got and len(found) == len(got):
                out += [place_for(off, name, mm) for off, name in found]
    # after the last place: names up to one followed by a place noun ("… Şungon ve Sulton yerleşim alanlarına")
    last = items[-1]
    a = last.end - sent.start
    got = pieces(a, min(len(s), a + 120))
    ptype = lex.v("place_type")
    tail: list[tuple[int, str]] = []
    for off, piece in got:
        m = _LIST_NAME.match(piece)
        if m is not None and not name_ok(m.group(1)):
            m = _LIST_NAME_ONE.match(piece)  # "Kulan yerleşim alanları": the name is the first word
        if m is None or not name_ok(m.group(1)):
            break
        rest = piece[m.end():].lstrip()
        if not rest:
            tail.append((off + m.start(1), m.group(1)))
            continue
        if ptype.match(rest) and rest[:1].islower():  # a place noun, not a capitalised name
            tail.append((off + m.start(1), m.group(1)))
            out += [place_for(o, n, last) for o, n in tail]
        break
    return _glue_split_names(sent, out, place_for)


def _glue_split_names(sent: _Sentence, items: list[Mention], place_for) -> list[Mention]:
    """"… Khwaja Ghar, Hazar Samuch, Yangi Qala": a list item the gazetteer read as a place of another province
    ("Hazar", a town in Turkmenistan) right before a name it lacks ("Samuch") is the first word of one name, kept as
    written in the province of the list's other items."""
    if len(items) < 3:
        return items
    s = sent.text
    out: list[Mention] = []
    i = 0
    while i < len(items):
        a = items[i]
        b = items[i + 1] if i + 1 < len(items) else None
        if b is not None and b.place.id.startswith("unresolved:") and not a.place.id.startswith("unresolved:") \
                and s[a.end - sent.start:b.start - sent.start] == " ":
            others = [q for q in items if q is not a and q is not b and not q.place.id.startswith("unresolved:")]
            provinces = {q.place.province_id for q in others if q.place.province_id}
            if provinces and a.place.province_id not in provinces:
                like = next((q for q in reversed(out) if q in others), others[0])
                out.append(place_for(a.start - sent.start, s[a.start - sent.start:b.end - sent.start], like))
                i += 2
                continue
        out.append(a)
        i += 1
    return out


def _enumeration(art: _Article, sent: _Sentence, lex: Lexicon, t1: int) -> list[Mention]:
    """The places a generic report ("13 districts have fallen", "seized another 17 districts") names in a list
    after it: in the same sentence after "including" / a dash, or in the next sentence when that one is the list
    ("The districts include A, B and C in X, D in Y")."""
    intro = lex.cue("list_intro")
    if intro is None:
        return []
    spots: list[tuple[_Sentence, int]] = []
    m = intro.search(sent.text, t1)
    if m:
        spots.append((sent, m.end()))
    if sent.idx + 1 < len(art.sentences):
        nxt = art.sentences[sent.idx + 1]
        m = intro.match(nxt.text)
        if m:
            spots.append((nxt, m.end()))
    for where, pos in spots:
        refs = _ref_mentions(art, where)
        cands = [mm for mm in where.places if mm.in_region and not mm.is_country and id(mm) not in refs
                 and mm.start - where.start >= pos]
        if not cands:
            continue
        items = _drop_containers(_extend_list(lex, where, cands))
        if len(items) >= 2 or (len(items) == 1 and items[0].place.kind != "province"):
            return items
    return []


def _territorial_targets(art: _Article, sent: _Sentence, lex: Lexicon, s: str, t0: int, t1: int, clause_lo: int,
                         subtype: str) -> tuple[list[Mention], bool]:
    """The place(s) a territorial trigger is about: the object after an active verb ("captured X, Y and Z"),
    the subject before a passive one ("X fell to…"); a province that only locates a district named in the
    sentence gives way to the district. Also says whether the object is generic ("territories", "districts")."""
    c_hi = _clause_end(lex, s, t1, 260, sent.lower())
    refs = _ref_mentions(art, sent)
    # a reference word that belongs to the trigger ("withdrew from | the Kohistan district") does not make the
    # place right after it a reference
    own = {id(mm) for mm in sent.places if id(mm) in refs and not art.is_reference(mm)
           and 0 <= mm.start - sent.start - t1 <= 30 and _reference_in_trigger(lex, s, t1, mm.start - sent.start)}
    cands = [mm for mm in sent.places if mm.in_region and not mm.is_country and (id(mm) not in refs or id(mm) in own)]
    agent = lex.cue("agent_after")
    # "steps taken by Dushanbe", "fell to the Taliban": right after "by" / "to" stands the taker, not the place
    after = [mm for mm in cands if t1 <= mm.start - sent.start < c_hi
             and not (agent is not None and agent.fullmatch(s[t1:mm.start - sent.start]))]
    ptrig, pbefore = lex.cue("passive_trigger"), lex.cue("passive_before")
    passive = subtype == "held" or bool((ptrig is not None and ptrig.match(s[t0:t1]))
                                        or (pbefore is not None and pbefore.search(s[max(0, t0 - 16):t0])))
    poss = lex.cue("possessive_after")
    before = [mm for mm in cands if clause_lo - 150 <= mm.start - sent.start < t0
              and (passive or poss is None or not poss.match(s[mm.end - sent.start:mm.end - sent.start + 30]))]
    if subtype == "control_claim":
        after = [mm for mm in after if mm.start - sent.start <= t1 + 60]
        return _drop_containers(after), False
    gen = lex.cue("generic_object")
    generic = bool(gen is not None and gen.match(s[t1:t1 + 40].lstrip()))
    counted = lex.cue("counted_places")
    if counted is not None and first_lower(counted, s, sent.lower(), clause_lo, min(len(s), t1 + 60)):
        generic = True  # "13 districts have fallen", "seized another 17 districts": the places are listed elsewhere
    chosen: list[Mention] = []
    if after and not (passive and before) and after[0].start - sent.start - t1 <= 90:
        # the list may run on past the clause ("… from A of X; B in Y; C in Z")
        chosen = _fill_list_slots(art, sent, lex, _extend_list(lex, sent, [mm for mm in cands if mm.start >= after[0].start]))
    elif before:
        chosen = _fill_list_slots(art, sent, lex, _extend_list(lex, sent, before[::-1], backwards=True)[::-1])
    elif after and after[0].start - sent.start - t1 <= 160:
        chosen = [after[0]]
    # a province chosen only as container: prefer a district / town inside it named in the same sentence,
    # or, when the object is "a district" / "the town", the one the nearby sentences or the article name
    sub_obj = lex.cue("sub_province_object")
    out: list[Mention] = []
    for mm in chosen:
        if mm.place.kind == "province":
            inner = [q for q in cands if q.place.province_id == mm.place.id and q.place.kind != "province"]
            if inner:
                mm = min(inner, key=lambda q: abs(q.start - sent.start - t0))
            elif sub_obj is not None and sub_obj.match(s, t1):
                mm = art.inner_place(mm, sent) or mm
        out.append(mm)
    return _drop_containers(out), generic


# a national capital named in a neighbouring sentence is mostly the government ("the envoy of Kabul"), not the place
_CAPITAL_NAMES = frozenset({"Kabul", "Dushanbe", "Tashkent", "Ashgabat", "Bishkek", "Astana"})


def _context_place(art: _Article, sent: _Sentence, back_only: bool = False) -> Mention | None:
    """A sub-country region place from the sentence before or after (headline + lead, "…the district. It lies
    in Badakhshan"), used when the event sentence names only a place type. Among several, the one the article
    names most often wins; a district inside a province named there beats the province."""
    cands: list[Mention] = []
    for j in (sent.idx - 1,) if back_only else (sent.idx - 1, sent.idx + 1):
        if 0 <= j < len(art.sentences):
            other = art.sentences[j]
            refs = _ref_mentions(art, other)
            cands += [mm for mm in other.places if mm.in_region and not mm.is_country and id(mm) not in refs
                      and mm.place.name not in _CAPITAL_NAMES]
    cands = _drop_containers(cands)
    if not cands:
        return None
    return max(cands, key=lambda mm: (art.place_freq.get(mm.place.id, 0), -abs(mm.start - sent.start)))


def _claimant(lex: Lexicon, s: str) -> str | None:
    rx = lex.cue("claimant")
    m = rx.search(s) if rx is not None else None
    if not m:
        return None
    for g in ("c", "c2", "c3"):
        val = m.groupdict().get(g)
        if val:
            val = val.strip(" ,.;:\"'“”")
            if 3 <= len(val) <= 120:
                return val
    return None


# --------------------------------------------------------------------------------------------- relevance
@lru_cache(maxsize=1)
def _latin_region_words() -> FeatureTable:
    """One token table for every Latin-script language: bit 1 when a token is (or starts) a region word of one
    of them, or is the first word of one of their region phrases."""
    sets = []
    for lex in load_languages().values():
        v = lex.vocab.get("region")
        if "Latin" in lex.scripts and v is not None:
            sets.append((1, v.stemset()))
            sets.append((1, StemSet(v.complex_gate)))
    return FeatureTable(sets, part_mask=1)


def _cannot_name_region(combined: str) -> bool:
    """True when no sentence of ``combined`` can count as naming the region, so the article is not relevant
    whatever else it says: the sentence pass (most of the cost, and most news is about elsewhere) is skipped.

    Conservative by construction, for Latin-script text (others take the full pass): every way a sentence's
    ``region`` count can be non-zero is looked for in the whole text instead: a region word or the first word
    of a region phrase of any Latin-script language, and a word that starts the name of a place of the region."""
    if has_non_latin(combined):
        return False
    table = _latin_region_words()
    # region news names the region early: look at the opening first, in growing pieces (cut at a space, so that
    # their tokens are the text's own), then at the rest
    start = 0
    for limit, min_len in _GATE_PIECES:
        if len(combined) > min_len:
            cut = combined.rfind(" ", start, limit)
            if cut > start:
                if any(map(table.__getitem__, set(tokens(combined[start:cut])))):
                    return False
                start = cut + 1
    if any(map(table.__getitem__, set(tokens(combined[start:] if start else combined)))):
        return False
    return not may_name_region_place(combined)


_GATE_PIECES = ((400, 1000), (1500, 3000))  # (piece ends before, when the text is longer than)


_NO_REGION_SCORE = 0.02  # relevance of an article that never names the region


def _relevance(art: _Article, alert_events: list[EventMention]) -> float:
    sents = art.sentences
    n = len(sents)
    region = art.region_total
    other = art.other_total
    nonsec = sum(s.nonsec for s in sents)
    # security sentences that sit in a region context (same or neighbouring sentence names the region)
    sec_region = 0
    event_starts = {e.start for e in alert_events}
    for i, s in enumerate(sents):
        if not s.security and s.start not in event_starts:
            continue
        near = s.region or (i > 0 and sents[i - 1].region) or (i + 1 < n and sents[i + 1].region)
        if near:
            sec_region += 1
    if region == 0 or sec_region == 0:
        return _NO_REGION_SCORE if region == 0 else 0.1
    z = -2.6
    z += 1.1 * math.log1p(region)
    z += 1.6 * math.log1p(sec_region)
    z -= 1.6 * math.log1p(other) * (1.0 if other >= region * 0.5 else 0.4)
    z -= 1.3 * math.log1p(nonsec) * (1.0 if nonsec > sec_region else 0.5)
    if alert_events:
        z += 1.5
    # the CSTO's or a Russian base's posture with the region named in the same or a neighbouring sentence
    posture = sum(1 for i, s in enumerate(sents) if s.has("posture") and (
        s.region or (i > 0 and sents[i - 1].region) or (i + 1 < n and sents[i + 1].region)))
    z += min(1.5, 0.9 * posture)
    if other > 2 * region:
        z -= 2.0
    return 1.0 / (1.0 + math.exp(-z))


# ------------------------------------------------------------------------------------------- non-alert
_NON_ALERT = (("attack", 0.55), ("cooperation", 0.5), ("threat_assessment", 0.5))
_VOCAB_OF = {"attack": "attack", "cooperation": "cooperation", "threat_assessment": "threat"}


def _non_alert(ctx: _Ctx) -> list[EventMention]:
    art = ctx.art
    out: list[EventMention] = []
    have = {e.kind for e in ctx.events}
    for sent in art.sentences:
        lex = sent.lex
        s = sent.text
        if not (sent.region or art.sentence_in_region(sent)) or sent.other > sent.region:
            continue
        if sent.flag("drill_scenario"):
            continue
        actors: list[str] | None = None
        for kind, conf in _NON_ALERT:
            if not sent.has(_VOCAB_OF[kind]):
                continue
            if kind != "attack" and not sent.security:
                continue
            if actors is None:
                actors = [n for _, n in art.actors_in(sent.start, sent.end)]
            if kind == "attack" and not (actors or search_lower(sent.personnel(), s, sent.lower())):
                continue
            refs = _ref_mentions(art, sent)
            place = next((mm.place for mm in sent.places if mm.in_region and not mm.is_country
                          and id(mm) not in refs), None)
            out.append(EventMention(kind=kind, subtype=kind, evidence=s, start=sent.start, end=sent.end,
                                    rule=f"{lex.lang}.{kind}", confidence=conf, place=place,
                                    actors=_era_names(art, unique(actors))))
    for why, sent in ctx.vetoed:
        if why == "modal":
            out.append(EventMention(kind="threat_assessment", subtype="threat_assessment", evidence=sent.text,
                                    start=sent.start, end=sent.end, rule=f"{sent.lex.lang}.vetoed_modal",
                                    confidence=0.45,
                                    actors=unique([n for _, n in art.actors_in(sent.start, sent.end)])))
        elif why == "repelled":
            out.append(EventMention(kind="attack", subtype="attack", evidence=sent.text, start=sent.start,
                                    end=sent.end, rule=f"{sent.lex.lang}.repelled", confidence=0.55,
                                    actors=unique([n for _, n in art.actors_in(sent.start, sent.end)])))
    if not out and not have:
        best = max(art.sentences, key=lambda s: (s.region > 0) * (s.security + s.region), default=None)
        if best is not None and best.security:
            out.append(EventMention(kind="statement", subtype="statement", evidence=best.text, start=best.start,
                                    end=best.end, rule=f"{best.lex.lang}.statement", confidence=0.4,
                                    actors=unique([n for _, n in art.actors_in(best.start, best.end)])))
    return out


# ------------------------------------------------------------------------------------------------ merge
def _merge(events: list[EventMention]) -> list[EventMention]:
    best: dict[tuple, EventMention] = {}
    order: list[tuple] = []
    for e in events:
        key = (e.kind, e.subtype, e.place.id if e.place else None)
        cur = best.get(key)
        if cur is None:
            best[key] = e
            order.append(key)
            continue
        winner, loser = (e, cur) if e.confidence > cur.confidence else (cur, e)
        if winner.count is None and loser.count is not None:
            winner.count, winner.count_unit, winner.count_text = loser.count, loser.count_unit, loser.count_text
        if winner.claimant is None:
            winner.claimant = loser.claimant
        if winner.event_date is None:
            winner.event_date = loser.event_date
        for a in loser.actors:
            if a not in winner.actors:
                winner.actors.append(a)
        best[key] = winner
    merged = [best[k] for k in order]
    taken = {e.place.id for e in merged if e.kind == "territorial" and e.subtype != "contested" and e.place}
    merged = [e for e in merged if not (e.subtype == "contested" and e.place and e.place.id in taken)]
    placed = {(e.kind, e.subtype) for e in merged if e.place is not None}
    merged = [e for e in merged if e.place is not None or (e.kind, e.subtype) not in placed
              or e.kind not in ALERT_KINDS]
    merged = _merge_compatible(merged)
    merged.sort(key=lambda e: (e.kind not in ALERT_KINDS, e.start, -e.confidence))
    return merged


_AREA = {"country": 3, "province": 2, "district": 1}
_CHANGES = frozenset({"captured", "retaken", "handed_over"})
_FAMILY = {"Afghan government forces": "AF", "Tajik border troops": "TJ", "Tajik forces": "TJ", "Uzbek forces": "UZ",
           "Turkmen forces": "TM", "Kyrgyz forces": "KG", "Kazakh forces": "KZ", "Russian forces": "RU",
           "Russian 201st military base": "RU", "NRF": "anti", "Anti-Taliban forces": "anti"}


def _is_country_level(p) -> bool:
    """A country, or a place known only to its country (not a named place kept as written)."""
    return p.kind == "country" or (p.precision == "country" and not p.id.startswith("unresolved:"))


def _area(e: EventMention) -> int:
    if e.place is None:
        return 4
    if _is_country_level(e.place):
        return 3
    return _AREA.get(e.place.kind, 0)


def _contains(big, small) -> bool:
    """Whether place ``big`` (coarser or equal) covers place ``small``."""
    if big is None:
        return True
    if small is None:
        return False
    if big.id == small.id:
        return True
    if _is_country_level(big):
        return big.country_code == small.country_code
    if big.kind == "province":
        return small.province_id == big.id
    if big.kind == "district":
        return small.district_id == big.id
    return False


def _actors_agree(a: EventMention, b: EventMention) -> bool:
    if not a.actors or not b.actors:
        return True
    fa, fb = _FAMILY.get(a.actors[0], a.actors[0]), _FAMILY.get(b.actors[0], b.actors[0])
    return fa == fb or "Unidentified armed group" in (a.actors[0], b.actors[0])


def _merge_compatible(events: list[EventMention]) -> list[EventMention]:
    """One article, one event: a title or less precise report of the same kind and subtype (captured and retaken
    count as one when the same side is named) folds into the most precise one whose place it covers (same place,
    its district, its province or its country) when the actors and counts do not disagree. Two different districts
    stay two events."""
    alert = [e for e in events if e.kind in ALERT_KINDS]
    rest = [e for e in events if e.kind not in ALERT_KINDS]
    kept: list[EventMention] = []
    for e in sorted(alert, key=lambda e: (_area(e), e.start)):
        home = None
        for k in kept:
            if k.kind != e.kind:
                continue
            # a place handed over is the same change as its capture or retake, named from the side that left
            handover = "handed_over" in (k.subtype, e.subtype) and {k.subtype, e.subtype} <= _CHANGES
            same = k.subtype == e.subtype or {k.subtype, e.subtype} == {"captured", "retaken"} or handover
            if not same or not (handover or _actors_agree(k, e)):
                continue
            same_group = (k.kind == "troop_movement" and k.subtype == e.subtype and k.count is not None
                          and k.count == e.count)  # "150 soldiers returned" told twice, from either side of the crossing
            if not same_group and not _contains(e.place, k.place):
                continue
            if k.count is not None and e.count is not None and k.count != e.count:
                continue
            if k.subtype != e.subtype and not handover and not (k.actors and e.actors):
                continue  # captured vs retaken: only when both name the side
            home = k
            break
        if home is None:
            kept.append(e)
            continue
        if "handed_over" in (home.subtype, e.subtype) and home.subtype != e.subtype:
            if home.subtype == "handed_over":  # the capture or retake names the taker: it leads
                home.subtype, home.actors, home.rule = e.subtype, list(e.actors), f"{e.rule}+{home.rule}"
            home.confidence = max(home.confidence, e.confidence)
            continue
        if e.subtype == "retaken" and home.subtype != "retaken":
            home.subtype = "retaken"
            home.rule = f"{home.rule}+{e.rule}"
        if home.count is None and e.count is not None:
            home.count, home.count_unit, home.count_text = e.count, e.count_unit, e.count_text
        home.claimant = home.claimant or e.claimant
        home.event_date = home.event_date or e.event_date
        for a in e.actors:
            if a not in home.actors:
                home.actors.append(a)
        home.confidence = max(home.confidence, e.confidence)
    return kept + rest


# ------------------------------------------------------------------------------------------------- API
def detect(text: str, title: str | None = None, language: str | None = None,
           published: str | None = None) -> Detection:
    """Detect CSTO / Afghanistan border-security events in one article.

    The analysed text is ``combined = title + "\\n\\n" + text`` when ``title`` is given (non-empty), else
    ``text``; every event's ``evidence`` is a sentence of ``combined`` and ``start``/``end`` index it (the
    ``borderwatch detect`` CLI reports offsets into ``text``). ``language`` is a hint (the rules are chosen per
    sentence by script and markers); ``published`` (ISO date) anchors relative dates and tells background years
    from current news. Pure: no I/O besides loading the packaged language files and gazetteer once.
    """
    text = text or ""
    combined = f"{title}\n\n{text}" if title else text
    pub = parse_published(published)
    hint = (language or "").split("-")[0].lower() or None
    if _cannot_name_region(combined):  # before routing: most news is about elsewhere, and cheap to rule out
        return Detection(relevant=False, score=_NO_REGION_SCORE, events=[], language=hint)
    route = routing(combined, language)
    lang = hint or (route.get(script_of(combined) or "") if combined else None)
    art = _Article(combined, pub, route)
    ctx = _Ctx(art)
    if art.region_total == 0:  # nothing names the region: not relevant, whatever else it says
        return Detection(relevant=False, score=_relevance(art, []), events=[], language=hint)
    for sent in art.sentences:
        if sent.idx not in art.gated:
            continue
        low = sent.lower()
        for rule in sent.rules:
            for span in spans_lower(rule.trigger, _twin(rule), sent.text, low):
                _apply_rule(ctx, sent, rule, span)
    alert = [e for e in ctx.events if e.kind in ALERT_KINDS]
    score = _relevance(art, alert)
    relevant = score >= RELEVANCE_THRESHOLD
    if not relevant:
        return Detection(relevant=False, score=score, events=[], language=lang)
    events = _merge(alert + _non_alert(ctx))
    by_start = {st.start: st for st in art.sentences}
    for e in events:  # claimant and date only for the events kept (the patterns are costly)
        st = by_start.get(e.start)
        if st is not None:
            if e.claimant is None:
                e.claimant = st.memo("claimant", lambda st=st: _claimant(st.lex, st.text)
                                     if st.has("claim_verbs") and st.may_have("claimant") else None)
            if e.event_date is None:
                e.event_date = st.memo("date", lambda st=st: event_date(st.text, art.published, art.ref_year))
    return Detection(relevant=True, score=score, events=events, language=lang,
                     text_offset=len(title) + 2 if title else 0)
