"""The detector: relevance, then verb-frame rules per sentence, then merging. Pure and deterministic.

Pipeline for one article:

1. ``combined`` = ``title + "\\n\\n" + text`` when a title is given, else ``text``; all offsets refer to it.
2. Split sentences once; pick each sentence's rule set by its script (Latin → English, Cyrillic → Russian,
   Arabic script / Devanagari → ``rules_xx``).
3. Find places once with the gazetteer, indexed by offset.
4. Per sentence: cheap trigger gate, then each matching rule checks its frame (personnel near the verb,
   a destination across a border, a place…) and the vetoes (background, negation, modality, repelled,
   drill scenario, outside the region…).
5. Relevance from region / security / other-conflict / non-security vocabulary plus the events found.
6. Merge duplicates (same kind, subtype, place), add non-alert kinds for relevant items.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from .actors import FOREIGN_WITHDRAWING, NON_STATE, STATE_ACTORS, find_actors, unique
from .dates import event_date, parse_published, years_in
from .lexicon import Lexicon, Rule, lower_twin, search_lower, spans_lower, twin_of
from .numbers import find_count
from .places import Mention, PlaceIndex, article_places, country_code_of, country_place, may_name_region_place
from .rules_en import LEXICON as EN
from .rules_ru import LEXICON as RU
from .rules_xx import LEXICON as XX
from .sentences import split_sentences
from .types import ALERT_KINDS, Detection, EventMention
from .vocab import FeatureTable, StemMap, StemSet, tokens

_LETTER = re.compile(r"[^\W\d_]")
_CYR = re.compile(r"[\u0400-\u04ff]")
_ARAB_DEV = re.compile(r"[\u0600-\u06ff\u0900-\u097f]")
_ISO_DATE = re.compile(r"\b((?:19|20)\d\d)-\d\d(?:-\d\d)?\b")
_ENUM_SEP = re.compile(r"^\s*(?:,|and|и|،|و)\s*(?:and\s+)?$")
_SEP_AFTER = re.compile(r"\s*(?:,|and|и|،|و)")
_SEP_BEFORE = re.compile(r"(?:,|and|и|،|و)\s*(?:and\s+)?$")
_TERRITORIAL_PLACE_KINDS = frozenset({"district", "province", "town", "crossing", "city", "village", "place", "region"})

RELEVANCE_THRESHOLD = 0.5

# one token lookup answers every vocabulary question about a sentence: bits of a per-lexicon FeatureTable
_B_REGION, _B_SEC, _B_OTHER, _B_NONSEC, _B_DRILL, _B_ATTACK, _B_COOP, _B_THREAT = (1 << i for i in range(8))


@dataclass(frozen=True, slots=True)
class _Features:
    table: FeatureTable
    cue_bits: dict[str, int]
    rule_bits: tuple[tuple[str, int], ...]
    nonalert_bits: dict[str, int]


def _stemset_of(rule_map: StemMap, label: str) -> StemSet:
    return StemSet(k for _, d in rule_map._by_len for k, labels in d.items() if label in labels)


def _features_for(lex: Lexicon) -> _Features | None:
    """The token feature table of a lexicon with token vocabularies (English); None for regex-only lexicons."""
    if lex.gate_vocab is None or lex.rule_map is None or lex.region_vocab is None or lex.security_vocab is None:
        return None
    empty = StemSet()
    sets = [(_B_REGION, lex.region_vocab), (_B_SEC, lex.security_vocab), (_B_OTHER, lex.other_vocab or empty),
            (_B_NONSEC, lex.nonsec_vocab or empty), (_B_DRILL, lex.drill_vocab or empty),
            (_B_ATTACK, lex.attack_vocab or empty), (_B_COOP, lex.cooperation_vocab or empty),
            (_B_THREAT, lex.threat_vocab or empty)]
    bit = 1 << len(sets)
    cue_bits: dict[str, int] = {}
    for cue, gate in lex.cue_gates.items():
        cue_bits[cue] = bit
        sets.append((bit, gate))
        bit <<= 1
    rule_bits = []
    for name in dict.fromkeys(r.name for r in lex.rules):
        rule_bits.append((name, bit))
        sets.append((bit, _stemset_of(lex.rule_map, name)))
        bit <<= 1
    nonalert = {"attack": _B_ATTACK if lex.attack_vocab is not None else 0,
                "cooperation": _B_COOP if lex.cooperation_vocab is not None else 0,
                "threat_assessment": _B_THREAT if lex.threat_vocab is not None else 0}
    return _Features(FeatureTable(sets), cue_bits, tuple(rule_bits), nonalert)
_HOME_CC = {"Afghan government forces": "AF", "Tajik border troops": "TJ", "Tajik forces": "TJ", "Uzbek forces": "UZ",
            "Turkmen forces": "TM", "Kyrgyz forces": "KG", "Kazakh forces": "KZ"}


@dataclass(slots=True)
class _Sentence:
    idx: int
    start: int
    end: int
    text: str
    lex: Lexicon
    region: int = 0
    security: int = 0
    other: int = 0
    nonsec: int = 0
    places: list[Mention] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    rules: set[str] | None = None  # rules whose trigger words occur (None: not known, try all)
    _memo: dict = field(default_factory=dict)
    feats: _Features | None = None  # the lexicon's token feature table (None: regex-only lexicon)
    bits: int = 0  # union of the tokens' feature bits
    counts: Counter | None = None  # feature mask -> number of tokens with it

    def count(self, bit: int) -> int:
        return sum(n for m, n in self.counts.items() if m & bit) if self.bits & bit else 0

    def flag(self, cue: str) -> bool:
        """Whether the lexicon's ``cue`` pattern occurs in this sentence (computed once)."""
        got = self._memo.get(cue)
        if got is None:
            if self.feats is not None and self.tokens and cue in self.feats.cue_bits:
                gate_hit = bool(self.bits & self.feats.cue_bits[cue])
            else:
                gate = self.lex.cue_gates.get(cue)
                gate_hit = gate is None or not self.tokens or gate.any(self.tokens)
            if not gate_hit:
                got = self._memo[cue] = False
            else:
                got = self._memo[cue] = search_lower(getattr(self.lex, cue), self.text, self.lower())
        return got

    def lower(self) -> str | None:
        """The sentence lower-cased, when that keeps every offset (None otherwise); computed once."""
        got = self._memo.get("lower", False)
        if got is False:
            low = self.text.lower()
            got = self._memo["lower"] = low if len(low) == len(self.text) else None
        return got

    def memo(self, key: str, fn):
        if key not in self._memo:
            self._memo[key] = fn()
        return self._memo[key]


# lower-case twins of the rule triggers (see lexicon.lower_twin), by rule name
_TWINS = {rule.name: lower_twin(rule.trigger) for lex in (EN, RU, XX) for rule in lex.rules}
_FEATURES: dict[str, _Features] = {lex.lang: f for lex in (EN, RU, XX) if (f := _features_for(lex)) is not None}


def _lexicon_for(sentence: str) -> Lexicon:
    if _CYR.search(sentence):
        return RU
    if _ARAB_DEV.search(sentence):
        return XX
    return EN


def _language(combined: str, given: str | None) -> str:
    if given:
        return given
    sample = combined[:4000]
    if not _CYR.search(sample) and not _ARAB_DEV.search(sample):
        return "en"
    cyr = len(_CYR.findall(sample))
    arab = len(_ARAB_DEV.findall(sample))
    letters = len(_LETTER.findall(sample)) or 1
    if cyr / letters > 0.3:
        return "ru"
    if arab / letters > 0.3:
        return "hi" if re.search(r"[\u0900-\u097f]", sample) else "ar"
    return "en"


def _reference_year(combined: str, published) -> int | None:
    if published:
        return published.year
    m = _ISO_DATE.search(combined[:300])
    if m:
        return int(m.group(1))
    return None


_SEC_AFTER = frozenset("forces force situation threat threats council services service cooperation personnel officials "
                       "agency committee operation operations measures".split())
_SEC_BEFORE = frozenset("national collective border regional".split())


def _security_phrases(toks: list[str]) -> int:
    """'security' counts only in security phrases ("security forces", "national security"), not in
    "energy security" or "food security"."""
    n = 0
    for i, t in enumerate(toks):
        if t == "security" and ((i + 1 < len(toks) and toks[i + 1] in _SEC_AFTER) or (i > 0 and toks[i - 1] in _SEC_BEFORE)):
            n += 1
    return n


def _central_asia(toks: list[str]) -> int:
    return sum(1 for i, t in enumerate(toks) if t in ("asia", "asian") and i > 0 and toks[i - 1] == "central")


def _count_hits(rx: re.Pattern, text: str) -> int:
    return sum(1 for _ in rx.finditer(text))


def _region_hits(lex: Lexicon, text: str, low: str | None = None) -> int:
    """Region anchors, not counting names inside enumerations of 3+ countries ("Armenia, Belarus, Kazakhstan,
    Kyrgyzstan, Russia and Tajikistan"): such member lists say nothing about where the news happens."""
    hits = spans_lower(lex.region_anchor, twin_of(lex.region_anchor), text, low)
    if not hits:
        return 0
    if text.count(",") + text.count("،") < 2:
        return len(hits)
    # a hit can only sit in an enumeration when a separator touches it on one side
    if not any(_SEP_AFTER.match(text, b) or _SEP_BEFORE.search(text, max(0, a - 12), a) for a, b in hits):
        return len(hits)
    others = spans_lower(lex.other_region, twin_of(lex.other_region), text, low)
    names = sorted([(a, b, True) for a, b in hits] + [(a, b, False) for a, b in others]
                   + [(m.start(), m.end(), False) for m in re.finditer(r"\b(?:Russia|Россия|China|Pakistan|Iran)\b", text)])
    # group consecutive names separated only by commas / "and"
    groups: list[list[tuple[int, int, bool]]] = []
    for item in names:
        if groups and _ENUM_SEP.match(text[groups[-1][-1][1]:item[0]]):
            groups[-1].append(item)
        else:
            groups.append([item])
    count = 0
    for g in groups:
        if len(g) >= 3:
            continue
        count += sum(1 for _, _, is_region in g if is_region)
    return count


class _Article:
    def __init__(self, combined: str, published, lang: str):
        self.text = combined
        low = combined.lower()
        self.low = low if len(low) == len(combined) else None  # for the lower-case pattern twins
        self.published = published
        self.lang = lang
        self.ref_year = _reference_year(combined, published)
        self.sentences: list[_Sentence] = []
        for i, (a, b) in enumerate(split_sentences(combined)):
            s = combined[a:b]
            lex = _lexicon_for(s)
            st = _Sentence(i, a, b, s, lex)
            feats = _FEATURES.get(lex.lang)
            if feats is not None:
                st.feats = feats
                st.tokens = toks = tokens(s)
                st.counts = counts = Counter(map(feats.table.__getitem__, toks))
                bits = 0
                for mask in counts:
                    bits |= mask
                st.bits = bits
            elif lex.gate_vocab is not None:
                st.tokens = tokens(s)
            self.sentences.append(st)
        # the gazetteer only reads sentences that can carry an event (trigger words) and their neighbours
        gated = []
        for i, st in enumerate(self.sentences):
            if st.feats is not None:
                bits = st.bits
                st.rules = {name for name, bit in st.feats.rule_bits if bits & bit}
                if st.rules:
                    gated.append(i)
            elif st.lex.rule_map is not None:
                st.rules = st.lex.rule_map.labels(st.tokens)
                if st.rules:
                    gated.append(i)
            elif st.lex.gate.search(st.text):
                gated.append(i)
        self.gated = set(gated)
        want = sorted({j for i in gated for j in (i - 1, i, i + 1) if 0 <= j < len(self.sentences)})
        spans: list[tuple[int, int]] = []
        for j in want:
            a, b = self.sentences[j].start, self.sentences[j].end
            if spans and a - spans[-1][1] <= 2:
                spans[-1] = (spans[-1][0], b)
            else:
                spans.append((a, b))
        self.places = PlaceIndex(article_places(combined, spans) if spans else [])
        self._actor_cache: dict[int, list[tuple[int, str]]] = {}
        self._by_start = {st.start: st for st in self.sentences}
        self.place_freq: dict[str, int] = {}
        for mm in self.places.mentions:
            self.place_freq[mm.place.id] = self.place_freq.get(mm.place.id, 0) + 1
        self._refs = {id(mm) for mm in self.places.mentions if _dateline_or_person(combined, mm)}
        for s in self.sentences:
            s.places = self.places.between(s.start, s.end)
            lex = s.lex
            if s.feats is not None:
                region = s.count(_B_REGION)
                if s.text.count(",") < 2 or (not region and "201" not in s.text):
                    s.region = region + (_central_asia(s.tokens) if "asia" in s.tokens or "asian" in s.tokens else 0)
                else:
                    s.region = _region_hits(lex, s.text, s.lower())
                s.security = s.count(_B_SEC) + (_security_phrases(s.tokens) if "security" in s.tokens else 0)
                s.other = s.count(_B_OTHER)
                s.nonsec = s.count(_B_NONSEC)
                s.region += sum(1 for m in s.places if m.in_region and not m.is_country)
                continue
            if lex.region_vocab is not None and (s.text.count(",") < 2 or (
                    not lex.region_vocab.any(s.tokens) and "201" not in s.text)):
                s.region = lex.region_vocab.count(s.tokens) + _central_asia(s.tokens)
            else:
                s.region = _region_hits(lex, s.text)
            s.region += sum(1 for m in s.places if m.in_region and not m.is_country)
            if lex.security_vocab is not None:
                s.security = lex.security_vocab.count(s.tokens) + _security_phrases(s.tokens)
                s.other = lex.other_vocab.count(s.tokens)
                s.nonsec = lex.nonsec_vocab.count(s.tokens)
            else:
                s.security = _count_hits(lex.security, s.text)
                s.other = _count_hits(lex.other_region, s.text)
                s.nonsec = _count_hits(lex.non_security, s.text)
        self.region_total = sum(s.region for s in self.sentences)
        self.other_total = sum(s.other for s in self.sentences)
        # the article is "about the region" when region anchors outweigh other theatres
        self.region_dominant = self.region_total > 0 and self.region_total >= self.other_total
        drill_sents = sum(1 for s in self.sentences
                          if (s.bits & _B_DRILL if s.feats is not None
                              else s.lex.drill_vocab is None or s.lex.drill_vocab.any(s.tokens)) and s.flag("drill"))
        self.drill_article = drill_sents >= 2 and drill_sents * 4 >= len(self.sentences)


    def actors_in(self, lo: int, hi: int) -> list[tuple[int, str]]:
        """Actor mentions between offsets lo and hi (computed per sentence on first use)."""
        got = self._actor_cache.get(lo)
        if got is None:
            sent = self._by_start.get(lo)
            toks = None
            if sent is not None and sent.tokens and not _CYR.search(sent.text) and not _ARAB_DEV.search(sent.text):
                toks = sent.tokens + (["201"] if "201" in sent.text else [])
            got = find_actors(self.text, lo, hi, toks, self.low)
            self._actor_cache[lo] = got
        return [a for a in got if a[0] < hi]

    def is_reference(self, mm: Mention) -> bool:
        return id(mm) in self._refs

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


_NAME_OK_BEFORE = frozenset("""in at on of from to into near the and or by for with as a an northern southern eastern western
    central north south east west upper lower afghan tajik uzbek turkmen kyrgyz kazakh russian province district city
    town village neighbouring neighboring remote key strategic capital greater old new""".split())


_GIVEN_NAME = re.compile(r"\w*(?:ullah|ulla|uddin|ddin)|Mohammad|Muhammad|Mohammed|Ahmad|Ahmed|Abdul|Gul|Haji|Mullah|Mulla|Maulavi"
                         r"|Mawlawi|Qari|Sayed|Syed|Sayyid|Sheikh|Amir|Noor|Nur|Khwaja|Mir|Mufti|Hafiz|Rahman|Rahim|Torial", re.I)
_NOT_NAME = re.compile(r"Taliban|Talibs?|Afghan\w*|Tajik\w*|Uzbek\w*|Turkmen\w*|Kyrgyz\w*|Islamic|State|Emirate|Army|National"
                       r"|Province|District|City|Border|Forces?|Police|Security|Defen[cs]e|Ministry|Government|Council|Governor"
                       r"|Took|Take|Takes|Captured?|Captures|Seize[sd]?|Falls?|Fell|Control|Overrun|Overruns|Of|Collapses", re.I)


_TITLE_BEFORE = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|Gen|Col|Maj|Capt|Lt|Sgt|Prof|Sen|Rep|Brig|Cmdr|Mawlawi|Maulavi|Mullah|Haji|Hajji"
                           r"|г-н|г-жа)\.?\s+(?:[A-Z]\w*\.?\s+)?$")


def _dateline_or_person(text: str, mm: Mention) -> bool:
    """A place mention that is a wire dateline ("KABUL, Afghanistan —", "DUSHANBE, Tajikistan, July 5") or part
    of a person's name ("Abdul Ahad Torial Kakar", "Attahullah Khogyani"): not where an event happens."""
    span = text[mm.start:mm.end]
    if re.match(r"[-‑](?:based|born)\b", text[mm.end:mm.end + 8]):
        return True
    line_start = text.rfind("\n", 0, mm.start) + 1
    lead = text[line_start:mm.start]
    if span.isupper() and len(span) > 3 and (not lead.strip() or re.fullmatch(r"\s*(?:date\s+[\d-]+\s*)?", lead)):
        return True
    if (not lead.strip() or re.fullmatch(r"\s*(?:date\s+[\d-]+\s*)?", lead)) and re.match(
            r"\s*(?:[:—–]|\((?:Reuters|AP|AFP|IANS|dpa|TASS|RIA|Xinhua)|,\s*(?:Afghanistan|Tajikistan|Uzbekistan|Turkmenistan|Kyrgyzstan)\b\s*(?:[(—–-]|\s+[A-Z]))",
            text[mm.end:mm.end + 40]):
        return True
    if span.isupper() and len(span) > 3 and re.match(r"[\s,]*(?:[A-Z][a-z]+|[A-Z]+)?\s*[,(:\-–—]", text[mm.end:mm.end + 30]):
        return True
    window = text[max(0, mm.start - 40):mm.start]
    if _TITLE_BEFORE.search(window):
        return True  # "Mr. Khashi", "Gen. Dostum"
    prev = re.search(r"([A-Z][a-z'’]+)\s+$", window)
    if prev and not prev.group(1).endswith(("'s", "’s")):
        word = prev.group(1)
        if _GIVEN_NAME.fullmatch(word):
            return True
        prev2 = re.search(r"([A-Z][a-z'’]+)\s+$", window[:prev.start()])
        if (prev2 and word.lower() not in _NAME_OK_BEFORE and prev2.group(1).lower() not in _NAME_OK_BEFORE
                and not _NOT_NAME.fullmatch(word) and not _NOT_NAME.fullmatch(prev2.group(1))):
            return True
    return False


# ------------------------------------------------------------------------------------------------ rules
def _lower(s: str) -> str | None:
    low = s.lower()
    return low if len(low) == len(s) else None


def _search_slice(rx: re.Pattern, s: str, low: str | None, a: int, b: int) -> bool:
    """``bool(rx.search(s[a:b]))`` (the slice as its own string: its ends are text boundaries)."""
    return search_lower(rx, s[a:b], low[a:b] if low is not None else None)


def _clause_start(lex: Lexicon, s: str, pos: int, limit: int) -> int:
    lo = max(0, pos - limit)
    last = lo
    for _, b in spans_lower(lex.clause_break, twin_of(lex.clause_break), s, _lower(s), lo, pos):
        last = b
    return last


def _clause_end(lex: Lexicon, s: str, pos: int, limit: int) -> int:
    end = min(len(s), pos + limit)
    m = lex.clause_break.search(s, pos, end)
    if m and m.group(0) == ":" and m.start() - pos < 80:  # "took two capitals: X and Y"
        m = lex.clause_break.search(s, m.end(), end)
    return m.start() if m else end


def _is_reference(lex: Lexicon, s: str, start: int) -> bool:
    return bool(lex.reference.search(s[max(0, start - 40):start]))


def _drop_containers(cands: list[Mention]) -> list[Mention]:
    """Drop a province (or country) when a place inside it is also a candidate: "Yamgan district of
    Badakhshan province" → Yamgan."""
    ids_inside = {m.place.province_id for m in cands if m.place.province_id and m.place.kind not in ("province", "country")}
    out = [m for m in cands if not (m.place.kind == "province" and m.place.id in ids_inside)]
    # one event per place id
    seen: set[str] = set()
    uniq = []
    for m in out:
        if m.place.id not in seen:
            seen.add(m.place.id)
            uniq.append(m)
    return uniq


def _subject_actor(actors: list[tuple[int, str]], s: str, t0: int, t1: int, clause_lo: int) -> str | None:
    post = s[t1:t1 + 40]
    m = re.match(r"\s*(?:\w+\s+){0,3}?(?:by|to|into the hands of|в руки|к)\s+(?:the\s+)?", post)
    if m:
        for pos, name in actors:
            if t1 + m.end() <= pos <= t1 + m.end() + 25:
                return name
    before = [name for pos, name in actors if clause_lo - 60 <= pos < t0 and not _PREP_BEFORE.search(s[max(0, pos - 40):pos])]
    if before:
        return before[-1]
    return None


# an actor in a prepositional phrase ("under pressure from Afghan and U.S. forces", "backed by …") is not the subject
_PREP_BEFORE = re.compile(r"\b(?:from|by|against|with|between|among|alongside|versus|vs|на|против|со стороны)\s+(?:the\s+)?(?:[\w.'’-]+\s+){0,3}$", re.I)


class _Ctx:
    """Per-article state shared by the rule checks."""

    def __init__(self, art: _Article):
        self.art = art
        self.events: list[EventMention] = []
        self.vetoed: list[tuple[str, _Sentence]] = []  # (why, sentence) — e.g. modal captures → threat_assessment


def _sentence_in_region(art: _Article, sent: _Sentence) -> bool:
    if any(m.in_region for m in sent.places):
        return True
    return sent.flag("region_words")


def _apply_rule(ctx: _Ctx, sent: _Sentence, rule: Rule, span: tuple[int, int]) -> None:
    art = ctx.art
    lex = sent.lex
    s = sent.text
    t0, t1 = span
    while t1 < len(s) and s[t1 - 1].isalnum() and s[t1].isalnum():  # alternations stop at the shortest form ("captur(e|ed)")
        t1 += 1
    lo = max(0, t0 - rule.before)
    hi = min(len(s), t1 + rule.after)
    clause_lo = _clause_start(lex, s, t0, rule.before)
    pre_clause = s[clause_lo:t0]
    kind, subtype = rule.kind, rule.subtype
    alert_move = kind == "troop_movement" and subtype not in ("exercise", "deployed", "mobilised", "alert")

    # ---------------------------------------------------------------- vetoes
    low = sent.lower()
    if _search_slice(lex.negation, s, low, max(0, t0 - 40), t0):
        return
    if _search_slice(lex.denial, s, low, max(0, t0 - 120), t0):
        return
    if (kind == "territorial" or alert_move) and sent.flag("repelled"):
        ctx.vetoed.append(("repelled", sent))
        return
    if (kind == "territorial" or alert_move) and _search_slice(lex.modal, s, low, max(clause_lo, t0 - 80), t0):
        ctx.vetoed.append(("modal", sent))
        return
    in_drill = sent.flag("drill_scenario") or (subtype != "exercise" and art.drill_article and sent.flag("drill"))
    if in_drill and (kind == "territorial" or subtype != "exercise"):
        if kind == "territorial" or subtype in ("crossed_border", "returned", "surrendered", "defected", "withdrawal",
                                                "refugees_crossing"):
            return
        subtype = "exercise"
    if kind == "territorial" or subtype in ("returned", "withdrawal", "surrendered", "defected"):
        if sent.flag("background"):
            return
    if subtype != "exercise" and art.ref_year and any(y < art.ref_year for y in years_in(s[clause_lo:hi])):
        return  # a past year in the same clause: background
    if subtype != "exercise" and art.ref_year and _lead_year(s, art.ref_year):
        return  # "In July 2021, as the republic collapsed, …": a past year heading the sentence
    if (kind == "territorial" or alert_move) and lex.relative_past is not None and _search_slice(lex.relative_past, s, low, max(0, t0 - 120), t0):
        return  # "four days after fighters seized it": an earlier event told relative to the news
    if (kind == "territorial" or kind == "troop_movement") and _nominal_subject(lex, s, t0, t1, clause_lo):
        return  # "Seizing a district centre would be its biggest gain": the verb is a noun phrase, not a report
    if kind == "troop_movement" and not alert_move and _MODAL_NEAR.search(pre_clause[-40:]):
        return  # "would be sent back", "may hold drills"
    if kind == "territorial" and lex.non_place_object is not None and not _PASSIVE_TRIGGER.match(s[t0:t1]) \
            and lex.non_place_object.match(s, t1):
        return  # "seized weapons", "captured the cup"
    if subtype == "handed_over" and _PEOPLE_PASSIVE.search(s[max(0, t0 - 30):t0]) and lex.personnel.search(pre_clause[-80:]):
        return  # "the soldiers were handed over to …": people, not territory
    if subtype == "deployed" and re.search(r"\bback\b|обратно", s[t0:t1]):
        return  # "sent 280 soldiers back to Afghanistan": a return, not a deployment
    if subtype == "deployed" and _BACKED_BY.search(s[max(0, t0 - 40):t0]):
        return  # "units backed by reinforcements entered X": circumstance of another event
    if subtype in ("crossed_border", "refugees_crossing") and _crossing_noun(sent, s, t0, t1):
        return  # "the border crossing", "Sher Khan Bandar crossing": a place, not a movement
    region_here = _sentence_in_region(art, sent)
    if sent.flag("outside_region") and not any(mm.in_region and not mm.is_country for mm in sent.places):
        if not region_here or (subtype == "exercise" and _venue_outside(lex, s)):
            return
    if subtype == "exercise" and sent.flag("outside_region") and _venue_outside(lex, s):
        return

    # ---------------------------------------------------------------- frame requirements
    win = s[lo:hi]
    needs = rule.needs
    if "personnel" in needs:
        pm = spans_lower(lex.personnel, twin_of(lex.personnel), s, low, lo, hi)
        if not pm:
            return
        if all(s[a:b].lower() in _PRONOUNS for a, b in pm) and lex.civilians.search(s):
            return  # "residents said they saw …", "families …, most of them moving to …": civilians, not forces
    if "civilians" in needs and (not lex.civilians.search(win) or lex.personnel.search(win)):
        return
    if "fighting" in needs and not lex.security.search(s):
        return
    if "military" in needs and not lex.military.search(s):
        return
    dest: Mention | None = None
    dest_cc: str | None = None
    if "abroad" in needs:
        am = lex.abroad.match(s, t1)
        after_places = [mm for mm in sent.places if t1 <= mm.start - sent.start <= t1 + 80]
        if am:
            word = re.findall(r"[^\W\d_]+", am.group(0))
            for w in word:
                cc = country_code_of(w)
                if cc:
                    dest_cc = cc
                    break
        elif not after_places or not any(mm.is_country or mm.place.country_code != "AF" for mm in after_places):
            return
        if after_places:
            after_places = [mm for mm in after_places if not _not_place_here(art, lex, s, sent, mm)]
            foreign = [mm for mm in after_places if mm.place.country_code != "AF"]
            dest = (foreign or after_places or [None])[0]
        if lex.shelling.search(s[max(0, t0 - 40):t0]):
            return
    if "abroad_any" in needs and not lex.abroad.search(s, max(0, t0 - 60), hi):
        return
    if "local" in needs:
        if lex.foreign_forces.search(s[max(0, t0 - 120):min(len(s), t1 + 60)]):
            return
        if lex.abroad.match(s, t1):
            return  # crossing a border is the better reading
        obj = s[t1:t1 + 60]
        if not (lex.place_type.search(obj) or any(0 <= mm.start - sent.start - t1 <= 60 for mm in sent.places)):
            return  # a retreat from / to a named place or place type
        if re.search(r"\b(?:officials?|residents|civilians|families|people|governor|staff|diplomats|employees)\b", s[max(0, t0 - 40):t0]):
            return
    if "region" in needs and not region_here:
        return
    if "holder" in needs and not any(0 <= p - sent.start - t1 <= 12 and n not in _FOREIGN_HOLDERS
                                     for p, n in art.actors_in(sent.start, sent.end)):
        return  # "… is still controlled by <armed party>": the holder is named right after
    if "group_before" in needs and not _GROUP_BEFORE.search(s, max(0, t0 - 45), t0):
        return  # "a rapid Taliban advance", "the militants' gains": the group is named right before

    # ---------------------------------------------------------------- places
    chosen: list[Mention] = []
    from_context = False
    if kind == "territorial":
        held = "holder" in needs
        chosen, generic = _territorial_targets(art, sent, lex, s, t0, t1, clause_lo, "held" if held else subtype)
        if subtype != "control_claim":
            unknown = _unknown_place(art, sent, lex, s, t0, t1, clause_lo)
            if unknown is not None and (not chosen or all(mm.place.kind == "province" for mm in chosen)
                                        or t1 <= unknown.start - sent.start < chosen[0].start - sent.start):
                chosen = [unknown]  # "captured the village of X in Warduj district": X is the object, Warduj locates it
        near = s[max(0, t0 - 80):min(len(s), t1 + 80)]
        if "placeish" in needs and not chosen and not lex.place_type.search(near):
            return
        if "named_place" in needs and not chosen:
            return
        if not chosen and subtype != "control_claim" and not generic:
            ctx_place = _context_place(art, sent)
            if ctx_place is not None:
                chosen = [ctx_place]
                from_context = True
        if not chosen and not region_here and not art.region_dominant:
            return
    else:
        if dest is not None:
            chosen = [dest]
        elif subtype == "exercise" and (unknown := _unknown_place(art, sent, lex, s, t0, t1, clause_lo, exercise=True)):
            chosen = [unknown]
        elif dest_cc:
            chosen = [Mention(-1, -1, country_place(dest_cc, _written_country(s, t1)))]
        else:
            chosen = _movement_place(art, sent, lex, s, t0, t1, clause_lo, subtype)
            if not chosen:
                ctx_place = _context_place(art, sent) if subtype in ("withdrawal", "surrendered", "deployed") else None
                if ctx_place is not None:
                    chosen = [ctx_place]
                    from_context = True

    # ---------------------------------------------------------------- actors, subtype by actor
    actors = [(p - sent.start, n) for p, n in art.actors_in(sent.start, sent.end)]
    f_hi = _frame_end(lex, s, t1, hi)
    clause_actors = [(p, n) for p, n in actors if lo <= p < f_hi] or [(p, n) for p, n in actors if p < f_hi]
    subj = _subject_actor(actors, s, t0, t1, clause_lo)
    if subj is None and kind == "troop_movement" and subtype in _STATE_MOVES:
        subj = _state_subject(lex, s, clause_lo, t0)
    if kind == "territorial" and rule.state_subtype and subj in STATE_ACTORS and subj not in NON_STATE:
        # a government taking a place in its own country takes it back; another state's forces capture it
        home = _HOME_CC.get(subj)
        if home is None or not chosen or any(mm.place.country_code == home for mm in chosen):
            subtype = rule.state_subtype
    if subtype == "withdrawal" and subj in FOREIGN_WITHDRAWING:
        return
    names = unique(([subj] if subj else []) + [n for _, n in clause_actors])

    # ---------------------------------------------------------------- count, claimant, date
    count = unit = None
    if kind == "troop_movement":
        unit_rx = lex.civilians if subtype == "refugees_crossing" else lex.personnel
        c, unit = find_count(s, unit_rx, max(lo, clause_lo), f_hi)
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
    if in_drill:
        conf -= 0.1
    conf = max(0.05, min(0.99, conf))
    for place_m in chosen or [None]:
        ctx.events.append(EventMention(
            kind=kind, subtype=subtype, evidence=s, start=sent.start, end=sent.end, rule=rule.name,
            confidence=round(conf, 3), place=place_m.place if place_m else None, actors=names,
            count=count.value if count else None, count_unit=unit if count else None,
            count_text=count.text if count else None,
        ))


_PRONOUNS = frozenset({"they", "of them"})
_FOREIGN_HOLDERS = frozenset({"US/NATO forces"})
_GROUP_BEFORE = re.compile(r"\b(?:Taliban|Taleban|militants?|insurgents?|rebels?|jihadists?|ISIS(?:-K)?|ISKP|IS|Islamic State|Daesh"
                           r"|the group)(?:'s|’s|s'|’)?\s+(?:(?:rapid|swift|lightning|steady|recent|latest|ongoing|continuing"
                           r"|relentless|sweeping|territorial|military|battlefield)\s+){0,2}$", re.I)
_MODAL_NEAR = re.compile(r"(?<!\w)(?:would|could|might|may|should|whether|if|unless|plan(?:s|ned|ning)? to|intend(?:s|ed)? to"
                         r"|threaten(?:s|ed)? to|ready to|no (?:plans?|need) to|могут|может|мог бы|могли бы|если|ли|планиру\w+|намерен\w*)(?!\w)[^.;]*$", re.I)
_BACKED_BY = re.compile(r"\b(?:backed|supported|aided|helped|assisted|accompanied|joined|reinforced)\s+by\s+(?:\w+\s+){0,2}$", re.I)
_PEOPLE_PASSIVE = re.compile(r"\b(?:were|was|been|are|is|being|be)\s+(?:\w+\s+)?$", re.I)
_STATE_MOVES = frozenset({"alert", "mobilised", "deployed", "exercise", "returned"})
_LEAD_YEAR = re.compile(r"^\W*(?:(?:In|By|During|Back in|At the (?:end|start|beginning) of|Until|Between|В|К|До)\s+)"
                        r"(?:(?:late|early|mid-?|the|summer|spring|autumn|winter|конце|начале|середине|\w+)\s+){0,2}((?:19|20)\d\d)\b")
_GERUND_LEAD = re.compile(r"^[\W]*(?:(?:the|a|an|its|their|any|successfully|eventually)\s+)?$", re.I)
_STATE_FORCES = {"TJ": "Tajik forces", "UZ": "Uzbek forces", "TM": "Turkmen forces", "KG": "Kyrgyz forces",
                 "KZ": "Kazakh forces", "RU": "Russian forces"}
_CAPITALS = {"dushanbe": "TJ", "душанбе": "TJ", "tashkent": "UZ", "ташкент": "UZ", "ashgabat": "TM", "ашхабад": "TM",
             "bishkek": "KG", "бишкек": "KG", "astana": "KZ", "moscow": "RU", "москва": "RU", "russia": "RU",
             "россия": "RU", "туркмения": "TM", "киргизия": "KG"}


_VENUE_BEFORE = re.compile(r"(?<!\w)(?:in|at|near|on|to|into|в|во|на|под|близ|у)\s+(?:the\s+)?(?:[\w-]+\s+){0,2}$", re.I)


def _venue_outside(lex: Lexicon, s: str) -> bool:
    """A drill sentence names a place outside the region as its venue ("in Russia", "at the Donguz range"), not
    only as where participants come from ("servicemen from Russia, Tajikistan and Belarus")."""
    for m in lex.outside_region.finditer(s):
        if m.group(0).lower().startswith(("in ", "в ", "на ")) or _VENUE_BEFORE.search(s[max(0, m.start() - 30):m.start()]):
            return True
    return False


def _lead_year(s: str, ref_year: int) -> bool:
    m = _LEAD_YEAR.match(s)
    return bool(m) and int(m.group(1)) < ref_year


def _nominal_subject(lex: Lexicon, s: str, t0: int, t1: int, clause_lo: int) -> bool:
    """A gerund heading its clause as subject ("Seizing a district would be …", "Capturing Kunduz remains the
    goal"): the verb names an act, it does not report one."""
    word = s[t0:t1].split(" ")[0].lower()
    if not word.endswith("ing") or lex.lang != "en":
        return False
    return bool(_GERUND_LEAD.match(s[clause_lo:t0]))


def _crossing_noun(sent: _Sentence, s: str, t0: int, t1: int) -> bool:
    word = s[t0:t1].lower()
    if not word.startswith("crossing"):
        return False
    if re.search(r"\b(?:border|the|a|an|this|that|its|river|bridge|main|key|busy|official|illegal)\s+$", s[max(0, t0 - 20):t0], re.I):
        return True
    if re.match(r"s?\s+(?:point|post|station)s?\b", s[t1:t1 + 12], re.I):
        return True
    return any(0 <= t0 - (mm.end - sent.start) <= 2 for mm in sent.places)


def _frame_end(lex: Lexicon, s: str, t1: int, hi: int) -> int:
    """Where a trigger's frame ends for places, counts and actors: "put on alert | after fighting in X sent …"."""
    if lex.place_stop is None:
        return hi
    m = lex.place_stop.search(s, t1, hi)
    return m.start() if m else hi


def _state_subject(lex: Lexicon, s: str, clause_lo: int, t0: int) -> str | None:
    """"Tajikistan has put its border troops on alert", "Туркменистан перебросил …": the state acts through its forces."""
    if lex.state_subject is None:
        return None
    m = lex.state_subject.match(s, clause_lo, t0)
    if not m:
        return None
    w = m.group(1)
    cc = _CAPITALS.get(w.lower()) or country_code_of(w)
    name = _STATE_FORCES.get(cc or "")
    if name == "Tajik forces" and re.search(r"\bborder (?:troops|guards|forces)|погранич", s, re.I):
        name = "Tajik border troops"
    return name


def _ref_mentions(art: _Article, sent: _Sentence) -> set[int]:
    """Mentions in ``sent`` that are references, not event places: "from Faizabad and Baharak", "near X",
    a dateline, "Kabul-based", "the Panj river" (computed once per sentence)."""
    def compute() -> set[int]:
        lex = sent.lex
        s = sent.text
        out: set[int] = set()
        prev: Mention | None = None
        for mm in sent.places:
            a = mm.start - sent.start
            ref = art.is_reference(mm) or _is_reference(lex, s, a)
            if not ref and lex.not_place_after is not None and lex.not_place_after.match(s, mm.end - sent.start):
                ref = True
            if not ref and prev is not None and id(prev) in out and _ENUM_SEP.match(s[prev.end - sent.start:a]):
                ref = True  # "from Faizabad and Baharak": the second is as much an origin as the first
            if ref:
                out.add(id(mm))
            prev = mm
        return out
    return sent.memo("refs", compute)


def _not_place_here(art: _Article, lex: Lexicon, s: str, sent: _Sentence, mm: Mention) -> bool:
    if id(mm) not in _ref_mentions(art, sent):
        return False
    # a destination or route after the verb is still the place of a movement ("to Imam Sahib", "via the X crossing")
    a = mm.start - sent.start
    if art.is_reference(mm) or (lex.not_place_after is not None and lex.not_place_after.match(s, mm.end - sent.start)):
        return True
    pre = s[max(0, a - 30):a]
    if _DEST_BEFORE.search(pre) and not _ROUTE_BEFORE.search(pre):
        return False  # "into Tajikistan", "towards Ishkoshim", "via the X crossing": where the movement goes
    return True


_DEST_BEFORE = re.compile(r"(?<!\w)(?:to|towards?|into|via|through|в|во|к|через|на территорию)\s+(?:the\s+)?(?:[\w-]+\s+)?$", re.I)
_ROUTE_BEFORE = re.compile(r"\b(?:road|highway|way|route|direction|path)\s+(?:to|towards?)\s+(?:the\s+)?(?:\w+\s+)?$", re.I)


def _frame_start(lex: Lexicon, s: str, t0: int, clause_lo: int) -> int:
    if lex.place_stop is None:
        return clause_lo
    last = clause_lo
    for m in lex.place_stop.finditer(s, clause_lo, t0):
        last = m.end()
    return last


def _movement_place(art: _Article, sent: _Sentence, lex: Lexicon, s: str, t0: int, t1: int, clause_lo: int,
                    subtype: str = "") -> list[Mention]:
    """Where a movement happens: its destination / location after the verb, inside the verb's frame (not in an
    "after fighting in X" clause), else the location before it in the same clause; a crossing named with "via"
    / "through" / "at" wins; the sending capital or the speaker's town does not count."""
    f_hi = _frame_end(lex, s, t1, len(s))
    f_lo = _frame_start(lex, s, t0, clause_lo)
    cands = [mm for mm in sent.places if mm.in_region and not _not_place_here(art, lex, s, sent, mm)]
    if subtype == "withdrawal":  # a withdrawal happens where they left, not where they went
        cands = [mm for mm in cands if not re.search(r"\b(?:to|towards?|into|в сторону|к)\s+(?:the\s+)?(?:\w+\s+)?$",
                                                      s[max(0, mm.start - sent.start - 25):mm.start - sent.start], re.I)]
    after = [mm for mm in cands if t1 <= mm.start - sent.start < f_hi]
    before = [mm for mm in cands if f_lo <= mm.start - sent.start < t0
              and not (not mm.is_country and lex.state_subject is not None
                       and lex.state_subject.match(s, mm.start - sent.start))]
    ordered = after + before[::-1]
    crossing = [mm for mm in ordered if mm.place.kind == "crossing"
                or re.match(r"\s+(?:border\s+)?(?:crossing|bridge|checkpoint|border post)", s[mm.end - sent.start:mm.end - sent.start + 20], re.I)]
    sub = [mm for mm in ordered if not mm.is_country]
    return crossing[:1] or _drop_containers(sub)[:1] or ordered[:1]


_NAME = r"[A-Z][a-z'’]+(?:[- ](?:(?:e|i|ye|ul|al)[- ])?[A-Z][a-z'’]+){0,3}"
_NAME_RU = r"[А-ЯЁ][а-яё]+(?:-[А-ЯЁа-яё][а-яё]+){0,2}"
_UNK_NOUN = (r"village|town|district(?: cent(?:er|re))?|settlement|area|valley|hamlet|outpost|base|range|locality|stronghold|region|pass"
             r"|gorge|bazaar|mountains?|heights|hill|airport|airfield|crossing|post|checkpoint")
_UNK_AFTER = re.compile(
    rf"\s+(?:(?:the|a|an|its|their)\s+)?(?:(?:remote|strategic|key|mountainous|small|border|nearby|new|important|northern|southern"
    rf"|eastern|western|main|former)\s+)*(?:(?P<noun>{_UNK_NOUN})\s+(?:of|in|at|called|known as|near)\s+(?P<n>{_NAME})"
    rf"|(?P<n2>{_NAME})(?:\s+(?P<noun2>{_UNK_NOUN}))?)")
_UNK_BEFORE = re.compile(rf"(?:the\s+)?(?:(?P<noun>{_UNK_NOUN})\s+of\s+)?(?P<n>{_NAME})(?:\s+(?P<noun2>{_UNK_NOUN}))?\s+"
                         rf"(?:(?:has|have|had|was|were|is|reportedly|also|now)\s+)*(?:been\s+)?$")
_RANGE_NOUN = r"(?:(?:firing|training|military|shooting|tactical|mountain)\s+)?(?:range|ground|field|polygon|cent(?:er|re))s?\b"
_UNK_RANGE = re.compile(rf"(?:\b(?:at|on|in|over|near|to)\s+(?:the\s+)?(?P<n>{_NAME})(?:\s+(?:and|or)\s+{_NAME})?\s+(?P<noun>{_RANGE_NOUN})"
                        rf"|(?P<noun2>полигон\w*|стрельбищ\w*)\s+«?(?P<n2>{_NAME_RU}|{_NAME})»?"
                        rf"|\b(?P<n3>[A-Z][A-Z'’]+(?:[- ][A-Z][A-Z'’]+)?)\s+(?P<noun3>(?:TRAINING|FIRING|MILITARY)\s+(?:GROUND|RANGE|FIELD)|RANGE|POLYGON)\b)")
_UNK_RU = re.compile(rf"\s+(?:(?P<noun>кишлак\w*|сел(?:о|а)|деревн\w+|поселок\w*|посёлок\w*|уезд\w*|район\w*|населенн\w+ пункт\w*|населённ\w+ пункт\w*|застав\w*|пост\w*)\s+)?«?(?P<n>{_NAME_RU})»?")
_NOT_PLACE_WORD = re.compile(
    r"(?:The|A|An|This|That|These|Those|It|They|He|She|We|Taliban|Talibs?|Afghan\w*|Tajik\w*|Uzbek\w*|Turkmen\w*|Kyrgyz\w*|Kazakh\w*|Russia\w*"
    r"|Iran\w*|Pakistan\w*|China|Chinese|American\w*|US|U|NATO|CSTO|Islamic|State|ISIS|IS|Daesh|National|Resistance|Front|Army|Police"
    r"|Government|Ministry|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|May|June|July|August"
    r"|September|October|November|December|Mullah|Mawlawi|Maulavi|Commander|General|President|Minister|Governor|Mr|Mrs|Dr|Sheikh|Haji"
    r"|Kabul|Power|Control|Most|Many|Some|All|Several|Two|Three|Four|Five|Mujahideen|Northern|Southern|Eastern|Western|Central|North|South"
    r"|East|West|Al|Qaeda|Emirate|Republic|Province|District|City|Border|Forces?|Security|Defen[cs]e|Council|Reuters|AFP|AP"
    r"|Талибан|Талиб\w*|Афганистан\w*|Таджикистан\w*|Узбекистан\w*|Туркмен\w*|Росси\w*|ИГИЛ|ОДКБ|Кабул\w*|Фронт\w*)$")
_KIND_OF_NOUN = {"village": "village", "hamlet": "village", "settlement": "village", "town": "town", "district": "district",
                 "base": "base", "outpost": "outpost", "post": "outpost", "checkpoint": "outpost", "airport": "airport",
                 "airfield": "airport", "crossing": "crossing", "кишлак": "village", "село": "village", "сел": "village",
                 "деревн": "village", "посел": "village", "посёл": "village", "уезд": "district", "район": "district",
                 "застав": "outpost", "пост": "outpost", "населен": "village", "населён": "village"}


def _unknown_place(art: _Article, sent: _Sentence, lex: Lexicon, s: str, t0: int, t1: int, clause_lo: int,
                   exercise: bool = False) -> Mention | None:
    """A place the gazetteer lacks, named as the object of the verb ("captured the village of Momirak", "seized a
    stronghold in Tora Bora", "Yumgan district has fallen", drills "at the Harb-Maidon range", "на полигоне «Харбмайдон»"):
    the name as written, the kind from the noun, and the district / province / country of the nearest resolved
    place (no gazetteer id; coordinates only as the province's, with ``precision="province"``)."""
    if exercise:
        m = _UNK_RANGE.search(s, max(0, t0 - 200), min(len(s), t1 + 200))
        if not m:
            return None
        if m.group("n"):
            name, noun, a = m.group("n"), m.group("noun"), m.start("n")
        elif m.group("n2"):
            name, noun, a = m.group("n2"), m.group("noun2"), m.start("n2")
        else:
            name, noun, a = m.group("n3").title(), m.group("noun3").lower(), m.start("n3")
    else:
        m = (_UNK_RU if lex.lang == "ru" else _UNK_AFTER).match(s, t1)
        name = noun = None
        a = -1
        if m and lex.lang != "ru":
            if m.group("n"):
                name, noun, a = m.group("n"), m.group("noun"), m.start("n")
            else:
                name, noun, a = m.group("n2"), m.group("noun2"), m.start("n2")
                if noun is None and not re.match(r"\s*(?:[,.;]|$|on\b|in\b|at\b|after\b|from\b|late\b|early\b|last\b|overnight\b|and\b|,)", s[m.end():]):
                    name = None  # "captured Taliban commanders": a capitalised word before a common noun
        elif m and lex.lang == "ru" and m.group("noun"):
            name, noun, a = m.group("n"), m.group("noun"), m.start("n")
        if name is None and lex.lang != "ru" and (_PASSIVE_TRIGGER.match(s[t0:t1]) or _PASSIVE_BEFORE.search(s[max(0, t0 - 16):t0])):
            m = _UNK_BEFORE.search(s, clause_lo, t0)
            if m:
                name, noun, a = m.group("n"), m.group("noun") or m.group("noun2"), m.start("n")
        # a stronghold / base / area "in X" right after the object
        if name is None and lex.lang != "ru":
            m = re.match(rf"\s+(?:(?:the|a|an|its|their|new|key|strategic|remote|mountain|mountainous)\s+)*(?:{_UNK_NOUN})\s+(?:in|at|of)\s+(?P<n>{_NAME})", s[t1:t1 + 80])
            if m:
                name, noun, a = m.group("n"), None, t1 + m.start("n")
    if not name or name.endswith(("'s", "’s")):
        return None  # "a district in Afghanistan's Badakhshan": a possessive modifies, it is not the place
    words = re.split(r"[- ]", name)
    if any(_NOT_PLACE_WORD.match(w) for w in words if w[:1].isupper()) or _GIVEN_NAME.fullmatch(words[0]):
        return None
    if any(mm.start - sent.start <= a < mm.end - sent.start and not mm.is_country for mm in sent.places):
        return None  # the gazetteer knows it
    ctx = _nearest_resolved(art, sent, a)
    if ctx is None:
        return None
    kind = "place"
    if noun:
        low = noun.lower()
        kind = next((v for k, v in _KIND_OF_NOUN.items() if low.startswith(k)), "range" if exercise else "place")
    elif exercise:
        kind = "range"
    cp = ctx.place
    prov = art.places.province_of(cp)
    from borderwatch.gazetteer import Place
    place = Place(id=f"unresolved:{name}", name=name, kind=kind, country=cp.country, country_code=cp.country_code,
                  district=cp.district if cp.kind != "province" else None,
                  province=cp.province if cp.kind != "country" else None,
                  lat=prov.lat if prov else None, lon=prov.lon if prov else None,
                  precision="province" if prov and prov.lat is not None else "country", as_written=name,
                  province_id=cp.province_id, district_id=cp.district_id if cp.kind != "district" else cp.id)
    return Mention(sent.start + a, sent.start + a + len(name), place)


def _nearest_resolved(art: _Article, sent: _Sentence, a: int) -> Mention | None:
    """The resolved region place nearest to offset ``a`` of ``sent`` (same sentence first, then the article's most
    often named sub-country place)."""
    refs = _ref_mentions(art, sent)
    here = [mm for mm in sent.places if mm.in_region and (not mm.is_country or True) and not art.is_reference(mm)]
    sub = [mm for mm in here if not mm.is_country]
    if sub:
        return min(sub, key=lambda mm: (id(mm) in refs, abs(mm.start - sent.start - a)))
    ctx = _context_place(art, sent)
    if ctx is not None:
        return ctx
    best = max((mm for mm in art.places.mentions if mm.in_region and not mm.is_country and not art.is_reference(mm)),
               key=lambda mm: art.place_freq.get(mm.place.id, 0), default=None)
    if best is not None:
        return best
    return here[0] if here else None


def _written_country(s: str, t1: int) -> str | None:
    m = re.search(r"[A-ZА-Я][\w-]+", s[t1:t1 + 80])
    return m.group(0) if m else None


_PASSIVE_BEFORE = re.compile(r"\b(?:was|were|been|being|is|are|be|has|have|had)\s+(?:\w+\s+)?$", re.I)
_PASSIVE_TRIGGER = re.compile(r"^(?:fell|fall|falls|fallen|collaps|succumb|lost|came under|come under|comes under|under|be under"
                              r"|is under|are under|was under|were under|now under|remains? under|brought under|захвачен|пал|перешл|перешел|перешёл|сдан|взят|سقط)", re.I)
_LIST_GAP = re.compile(r",|\band\b|&|\bas well as\b|\bи\b|\bو\b", re.I)
def _list_gap(gap: str) -> bool:
    """Text between two items of one list: a comma or "and" after at most four words ("Sheberghan, the capital of
    Jowzjan Province in the north, and Zaranj"), at most three words after it."""
    m = _LIST_GAP.search(gap)
    return bool(m) and len(gap[:m.start()].split()) <= 4 and len(gap[m.end():].split()) <= 3


_LIST_STOP = re.compile(r"[.;:!?]|\b(?:from|near|to|toward|towards|after|before|while|when|where|which|who|said|says|then|but"
                        r"|из|от|после|когда|но|где)\b", re.I)
_SUB_PROVINCE_OBJECT = re.compile(r"\s*(?:(?:the|a|an|another|one|remote|key|strategic|northern|southern|eastern|western|main)\s+)*"
                                  r"(?:district|town|city|village|district cent(?:er|re)|border crossing|crossing|base|outpost)\b", re.I)
_GENERIC_OBJECT = re.compile(r"(?:(?:significant|large|vast|new|more|several|many|some|key|strategic|rural|further|other|dozens of|swathes of|parts of|much of|most of)\s+){0,2}\b(?:territor(?:y|ies)|areas|regions|parts|swathes|villages|districts|provinces|the country|land)\b", re.I)


def _territorial_targets(art: _Article, sent: _Sentence, lex: Lexicon, s: str, t0: int, t1: int, clause_lo: int,
                         subtype: str) -> tuple[list[Mention], bool]:
    """The place(s) a territorial trigger is about: the object after an active verb ("captured X, Y and Z"),
    the subject before a passive one ("X fell to…"); a province that only locates a district named in the
    sentence gives way to the district. Also says whether the object is generic ("territories", "districts")."""
    c_hi = _clause_end(lex, s, t1, 260)
    refs = _ref_mentions(art, sent)
    cands = [mm for mm in sent.places if mm.in_region and not mm.is_country and id(mm) not in refs]
    after = [mm for mm in cands if t1 <= mm.start - sent.start < c_hi]
    passive = subtype == "held" or bool(_PASSIVE_TRIGGER.match(s[t0:t1]) or _PASSIVE_BEFORE.search(s[max(0, t0 - 16):t0]))
    before = [mm for mm in cands if clause_lo - 150 <= mm.start - sent.start < t0
              and (passive or not re.match(r"['’]s\s+(?!(?:\w+\s+)?(?:district|province|city|town|village|border|crossing))", s[mm.end - sent.start:mm.end - sent.start + 30]))]
    if subtype == "control_claim":
        after = [mm for mm in after if mm.start - sent.start <= t1 + 60]
        return _drop_containers(after), False
    generic = bool(_GENERIC_OBJECT.match(s[t1:t1 + 40].lstrip().removeprefix("the ").removeprefix("most of the ")))
    chosen: list[Mention] = []
    if after and not (passive and before) and after[0].start - sent.start - t1 <= 90:
        chosen = [after[0]]
        for mm in after[1:]:
            gap = s[chosen[-1].end - sent.start:mm.start - sent.start]
            locator = mm.place.kind == "province" and chosen[-1].place.province_id == mm.place.id
            if len(gap) <= 70 and not _LIST_STOP.search(gap) and (locator or _list_gap(gap)):
                chosen.append(mm)
            else:
                break
    elif before:
        chosen = [before[-1]]
    elif after and after[0].start - sent.start - t1 <= 160:
        chosen = [after[0]]
    # a province chosen only as container: prefer a district / town inside it named in the same sentence,
    # or, when the object is "a district" / "the town", the one the nearby sentences or the article name
    out: list[Mention] = []
    for mm in chosen:
        if mm.place.kind == "province":
            inner = [q for q in cands if q.place.province_id == mm.place.id and q.place.kind != "province"]
            if inner:
                mm = min(inner, key=lambda q: abs(q.start - sent.start - t0))
            elif _SUB_PROVINCE_OBJECT.match(s, t1):
                mm = art.inner_place(mm, sent) or mm
        out.append(mm)
    return _drop_containers(out), generic


# a national capital named in a neighbouring sentence is mostly the government ("the envoy of Kabul"), not the place
_CAPITAL_NAMES = frozenset({"Kabul", "Dushanbe", "Tashkent", "Ashgabat", "Bishkek", "Astana"})


def _context_place(art: _Article, sent: _Sentence) -> Mention | None:
    """A sub-country region place from the sentence before or after (headline + lead, "…the district. It lies
    in Badakhshan"), used when the event sentence names only a place type. Among several, the one the article
    names most often wins; a district inside a province named there beats the province."""
    cands: list[Mention] = []
    for j in (sent.idx - 1, sent.idx + 1):
        if 0 <= j < len(art.sentences):
            other = art.sentences[j]
            refs = _ref_mentions(art, other)
            cands += [mm for mm in other.places if mm.in_region and not mm.is_country and id(mm) not in refs
                      and mm.place.name not in _CAPITAL_NAMES]
    cands = _drop_containers(cands)
    if not cands:
        return None
    return max(cands, key=lambda mm: (art.place_freq.get(mm.place.id, 0), -abs(mm.start - sent.start)))


# the English claimant pattern needs one of these verbs (a cheap gate in front of a costly pattern)
_CLAIM_WORDS = frozenset("said says told claimed confirmed announced reported stated added according citing quoted".split())


def _claimant(lex: Lexicon, s: str) -> str | None:
    m = lex.claimant.search(s)
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
_LIKELY_REGION = re.compile(r"Afghan|Tajik|Taliban|Uzbek|Turkmen|Kyrgyz|Kazakh|CSTO|Kabul|Dushanbe")


def _cannot_name_region(combined: str) -> bool:
    """True when no sentence of ``combined`` can count as naming the region, so the article is not relevant
    whatever else it says: the sentence pass (most of the cost, and most news is about elsewhere) is skipped.

    Conservative by construction, for Latin-script text (others take the full pass): every way a sentence's
    ``region`` count can be non-zero is looked for in the whole text instead: a region word (the token table),
    "Central Asia", the region-anchor pattern (used by list sentences; only those with a year of the 2010s can
    take that path without a region word), and a word that starts the name of a place of the region."""
    if _LIKELY_REGION.search(combined) or _CYR.search(combined) or _ARAB_DEV.search(combined):
        return False  # region news mostly names a country early: the full pass, without proving anything
    feats = _FEATURES.get(EN.lang)
    if feats is None:
        return False
    toks = set(tokens(combined))
    table = feats.table
    if any(table[t] & _B_REGION for t in toks) or "asia" in toks or "asian" in toks:
        return False
    if "201" in combined and search_lower(EN.region_anchor, combined, _lower(combined)):
        return False
    return not may_name_region_place(combined)


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
    if other > 2 * region:
        z -= 2.0
    return 1.0 / (1.0 + math.exp(-z))


# ------------------------------------------------------------------------------------------- non-alert
def _non_alert(ctx: _Ctx) -> list[EventMention]:
    art = ctx.art
    out: list[EventMention] = []
    have = {e.kind for e in ctx.events}
    for sent in art.sentences:
        lex = sent.lex
        s = sent.text
        if not (sent.region or _sentence_in_region(art, sent)) or sent.other > sent.region:
            continue
        if sent.flag("drill_scenario"):
            continue
        actors: list[str] | None = None
        for kind, rx_, vocab, conf in (("attack", lex.attack, lex.attack_vocab, 0.55),
                                       ("cooperation", lex.cooperation, lex.cooperation_vocab, 0.5),
                                       ("threat_assessment", lex.threat, lex.threat_vocab, 0.5)):
            if sent.feats is not None:
                if not sent.bits & sent.feats.nonalert_bits[kind]:
                    continue
            elif vocab is not None and not vocab.any(sent.tokens):
                continue
            if not search_lower(rx_, s, sent.lower()):
                continue
            if kind != "attack" and not sent.security:
                continue
            if actors is None:
                actors = [n for _, n in art.actors_in(sent.start, sent.end)]
            if kind == "attack" and not (actors or search_lower(lex.personnel, s, sent.lower())):
                continue
            if kind != "attack" and not sent.security:
                continue
            refs = _ref_mentions(art, sent)
            place = next((mm.place for mm in sent.places if mm.in_region and not mm.is_country
                          and id(mm) not in refs), None)
            out.append(EventMention(kind=kind, subtype=kind, evidence=s, start=sent.start, end=sent.end,
                                    rule=f"{lex.lang}.{kind}", confidence=conf, place=place, actors=unique(actors),
                                    ))
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
                                    actors=unique([n for _, n in art.actors_in(best.start, best.end)]),
                                    ))
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
_FAMILY = {"Afghan government forces": "AF", "Tajik border troops": "TJ", "Tajik forces": "TJ", "Uzbek forces": "UZ",
           "Turkmen forces": "TM", "Kyrgyz forces": "KG", "Kazakh forces": "KZ", "Russian forces": "RU",
           "Russian 201st military base": "RU", "NRF": "anti", "Anti-Taliban forces": "anti"}


def _area(e: EventMention) -> int:
    if e.place is None:
        return 4
    if e.place.precision == "country":
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
    if big.kind == "country" or big.precision == "country":
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
            same = k.subtype == e.subtype or {k.subtype, e.subtype} == {"captured", "retaken"}
            if not same or not _actors_agree(k, e):
                continue
            same_group = (k.kind == "troop_movement" and k.subtype == e.subtype and k.count is not None
                          and k.count == e.count)  # "150 soldiers returned" told twice, from either side of the crossing
            if not same_group and not _contains(e.place, k.place):
                continue
            if k.count is not None and e.count is not None and k.count != e.count:
                continue
            if k.subtype != e.subtype and not (k.actors and e.actors):
                continue  # captured vs retaken: only when both name the side
            home = k
            break
        if home is None:
            kept.append(e)
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
    ``text``; every event's ``start``/``end`` index ``combined`` and ``evidence == combined[start:end]``.
    ``language`` is a hint only (rules are chosen per sentence by script); ``published`` (ISO date) anchors
    relative dates and tells background years from current news. Pure: no I/O besides loading the packaged
    gazetteer once.
    """
    text = text or ""
    combined = f"{title}\n\n{text}" if title else text
    pub = parse_published(published)
    lang = _language(combined, language)
    if _cannot_name_region(combined):
        return Detection(relevant=False, score=_NO_REGION_SCORE, events=[], language=lang)
    art = _Article(combined, pub, lang)
    ctx = _Ctx(art)
    if art.region_total == 0:  # nothing names the region: not relevant, whatever else it says
        return Detection(relevant=False, score=_relevance(art, []), events=[], language=lang)
    for sent in art.sentences:
        lex = sent.lex
        if sent.idx not in art.gated:
            continue
        low = sent.lower()
        for rule in lex.rules:
            if sent.rules is not None and rule.name not in sent.rules:
                continue
            for span in spans_lower(rule.trigger, _TWINS.get(rule.name), sent.text, low):
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
                e.claimant = st.memo("claimant", lambda st=st: None if st.tokens and _CLAIM_WORDS.isdisjoint(st.tokens)
                                     else _claimant(st.lex, st.text))
            if e.event_date is None:
                e.event_date = st.memo("date", lambda st=st: event_date(st.text, art.published, art.ref_year))
    return Detection(relevant=True, score=score, events=events, language=lang)
