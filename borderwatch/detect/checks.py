"""Named checks: the vetoes and frame requirements a trigger passes before it becomes an event.

Each check is a function whose docstring starts with the sentence it is about (written for this project), so
that ``grep -n "def negation" borderwatch/detect/checks.py`` shows what "negation" means. Language files name
them: a frame lists the requirements it ``needs`` and the vetoes it may ``skip``; the words each check looks for
come from the language's cues and vocabularies (:mod:`.lexicon`), so the checks themselves are the same in every
language. A language without a cue simply never trips the check that reads it.

A veto returns ``True`` (the trigger is not an event), ``False`` (checked and passed) or ``None`` (does not
apply to this frame); a requirement returns ``True`` when met. Every event records, in ``checks``, the names of
the vetoes it passed and the requirements it met.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .actors import STATE_ACTORS
from .dates import years_in
from .lexicon import Lexicon, Rule, search_lower, spans_lower, twin_of
from .places import Mention, country_code_of

if TYPE_CHECKING:  # the engine's article and sentence objects
    Article = Any
    Sentence = Any

_LETTERS = re.compile(r"[^\W\d_]++(?:['’ʻ‘`][^\W\d_]++)*+")
# subtypes of troop movements that report people moving (not a posture: deployments, drills, alerts)
MOVES = frozenset({"crossed_border", "returned", "surrendered", "defected", "withdrawal", "refugees_crossing"})
# moves that cannot be part of a drill and are not reported about the past as news
_DRILL_VETOED = frozenset({"crossed_border", "returned", "surrendered", "defected", "withdrawal", "refugees_crossing"})
_POSTURE_SUBTYPES = frozenset({"alert", "mobilised", "deployed", "exercise"})
_BACKGROUND_SUBTYPES = frozenset({"returned", "withdrawal", "surrendered", "defected"})


@dataclass(slots=True)
class Frame:
    """One trigger match being checked: where it is and what the checks have found so far."""

    art: Article
    sent: Sentence
    rule: Rule
    t0: int  # trigger span in the sentence
    t1: int
    subtype: str  # may be re-typed by a check (a deployment inside a drill report is the drill)
    lo: int = 0  # the rule's window around the trigger
    hi: int = 0
    clause_lo: int = 0
    in_drill: bool = False
    dest: Mention | None = None  # where a crossing went ("into Tajikistan")
    dest_cc: str | None = None
    passed: list[str] = field(default_factory=list)
    vetoed_as: str | None = None  # "modal" / "repelled": kept as a non-alert kind
    # read by nearly every check: plain attributes rather than properties
    lex: Lexicon = field(init=False)  # the sentence's language
    s: str = field(init=False)  # the sentence's text
    kind: str = field(init=False)  # the rule's kind

    def __post_init__(self) -> None:
        self.lex = self.sent.lex
        self.s = self.sent.text
        self.kind = self.rule.kind

    @property
    def low(self) -> str | None:
        return self.sent.lower()

    @property
    def alert_move(self) -> bool:
        """A troop movement that reports people moving (not deployment, mobilisation, drill, alert)."""
        return self.kind == "troop_movement" and self.subtype not in ("exercise", "deployed", "mobilised", "alert")

    @property
    def changes_hands(self) -> bool:
        return self.kind == "territorial" or self.alert_move

    def cue(self, name: str, a: int, b: int) -> bool:
        """Whether cue ``name`` matches inside ``s[a:b]`` (the slice as its own string)."""
        sent = self.sent
        rx = sent.lex.cue(name)
        if rx is None:
            return False
        s = sent.text
        a, b = max(0, a), min(len(s), b)
        if not sent.may_hold(name, a, b):
            return False
        low = sent.lower()
        return search_lower(rx, s[a:b], low[a:b] if low is not None else None)

    def cue_match(self, name: str, pos: int, text: str | None = None) -> re.Match | None:
        rx = self.lex.cue(name)
        return rx.match(self.s if text is None else text, pos) if rx is not None else None


# ------------------------------------------------------------------------------------------------ vetoes
def negation(f: Frame) -> bool | None:
    """Taliban fighters did not capture the district centre. — A negation right before the trigger (or right
    after it, where the language puts it there)."""
    return f.cue("negation", f.t0 - 40, f.t0) or f.cue("negation_after", f.t1, f.t1 + 30)


def denial(f: Frame) -> bool | None:
    """The ministry denied reports that the Taliban had seized the crossing. — A denial before the trigger (in a
    verb-final language, anywhere in the sentence: "… reports of the fall are untrue")."""
    if f.lex.order == "SOV":
        return f.cue("denial", 0, len(f.s))
    return f.cue("denial", f.t0 - 120, f.t0)


def repelled(f: Frame) -> bool | None:
    """Border guards repelled an attempt by militants to seize the post. — An attempt that failed: the sentence
    becomes an ``attack`` event instead."""
    if not f.changes_hands:
        return None
    if f.sent.flag("repelled"):
        f.vetoed_as = "repelled"
        return True
    return False


def modal(f: Frame) -> bool | None:
    """The district could fall to the Taliban within weeks. — Hypothetical, planned or feared: the sentence
    becomes a ``threat_assessment`` event instead."""
    if not f.changes_hands:
        return None
    if f.cue("modal", max(f.clause_lo, f.t0 - 80), f.t0) or f.cue("modal_after", f.t1, f.t1 + 40):
        f.vetoed_as = "modal"
        return True
    return False


def drill_scenario(f: Frame) -> bool | None:
    """Under the drill's scenario, militants seize a border post and the troops retake it. — Moves inside an
    exercise are the exercise's: captures and crossings are dropped, deployments and alerts become the drill."""
    f.in_drill = f.sent.flag("drill_scenario") or (f.subtype != "exercise" and f.art.drill_article and f.sent.flag("drill"))
    if not f.in_drill or not (f.kind == "territorial" or f.subtype != "exercise"):
        return None if not f.in_drill else False
    if f.kind == "territorial" or f.subtype in _DRILL_VETOED:
        return True
    f.subtype = "exercise"
    return False


def background(f: Frame) -> bool | None:
    """Since the Taliban seized power in 2021, trade has slowed. — A past takeover told as background."""
    if not (f.kind == "territorial" or f.subtype in _BACKGROUND_SUBTYPES):
        return None
    return f.sent.flag("background")


def long_ago(f: Frame) -> bool | None:
    """The district had fallen to the Taliban ten days ago, before the army retook it. — A change of control told
    as a week or more old (right after the trigger, heading the sentence, or before a verb-final trigger):
    background to the news, not news (a movement told so stays: the raid of last week is why the news is told)."""
    if f.kind != "territorial":
        return None
    if f.lex.order == "SOV":
        return f.cue("long_ago", f.t0 - 50, f.t0)
    return f.cue("long_ago", f.t1, f.t1 + 40) or (f.t0 < 80 and f.cue("long_ago", 0, min(f.t0, 30)))


def past_year(f: Frame) -> bool | None:
    """Afghan soldiers fled into Tajikistan in 2021 as the government collapsed. — A year before the article's
    own in the same clause: background."""
    if f.subtype == "exercise" or not f.art.ref_year:
        return None
    return any(y < f.art.ref_year for y in years_in(f.s[f.clause_lo:f.hi]))


def lead_year(f: Frame) -> bool | None:
    """In July 2021, as the republic collapsed, the Taliban captured Kunduz. — A past year heading the sentence."""
    if f.subtype == "exercise" or not f.art.ref_year:
        return None
    m = f.cue_match("lead_year", 0)
    return bool(m) and int(m.group(1)) < f.art.ref_year


def relative_past(f: Frame) -> bool | None:
    """Four days after fighters seized the post, the road reopened. — An earlier event told relative to the news."""
    if not f.changes_hands:
        return None
    return f.cue("relative_past", f.t0 - 120, f.t0)


def nominal_subject(f: Frame) -> bool | None:
    """Seizing a district centre would be the group's biggest gain. — A gerund heading its clause names an act,
    it does not report one."""
    if f.kind not in ("territorial", "troop_movement") or f.lex.cue("gerund") is None:
        return None
    word = f.s[f.t0:f.t1].split(" ")[0]
    if not f.lex.cue("gerund").fullmatch(word):
        return False
    return f.cue_match("gerund_lead", 0, f.s[f.clause_lo:f.t0]) is not None


def modal_near(f: Frame) -> bool | None:
    """The reservists would be sent to the border if fighting resumed. — Modal wording right before a posture
    change (deployment, drill, alert)."""
    if f.kind != "troop_movement" or f.alert_move:
        return None
    pre = f.s[f.clause_lo:f.t0][-40:]
    rx = f.lex.cue("modal_near")
    return bool(rx is not None and rx.search(pre))


def non_place_object(f: Frame) -> bool | None:
    """Police seized weapons and drugs near the border. — The object of a capture verb (or of "seizures") is not
    territory."""
    if f.kind != "territorial" or f.lex.cue("non_place_object") is None:
        return None
    # the object before the verb ("… silah ve mühimmat ele geçirildi"; "drug seizures on the border")
    if f.cue("non_place_object_before", f.clause_lo if f.lex.order == "SOV" else f.t0 - 25, f.t0):
        return True
    if f.cue_match("passive_trigger", 0, f.s[f.t0:f.t1]):
        return False
    return f.cue_match("non_place_object", f.t1) is not None


def people_handed_over(f: Frame) -> bool | None:
    """The soldiers were handed over to the Afghan side at the bridge. — People, not territory."""
    if f.subtype != "handed_over":
        return None
    pre_clause = f.s[f.clause_lo:f.t0]
    return f.cue("people_passive", f.t0 - 30, f.t0) and bool(f.sent.personnel().search(pre_clause[-80:]))


def sent_back(f: Frame) -> bool | None:
    """Tajikistan sent 280 soldiers back to Afghanistan. — A deployment verb that reports a return."""
    if f.subtype != "deployed":
        return None
    rx = f.lex.cue("sent_back")
    return bool(rx is not None and rx.search(f.s[f.t0:f.t1 + 25]))


def backed_by(f: Frame) -> bool | None:
    """Units backed by reinforcements entered the town. — The deployment word is a circumstance of another event."""
    if f.subtype != "deployed":
        return None
    return f.cue("backed_by", f.t0 - 40, f.t0)


def crossing_noun(f: Frame) -> bool | None:
    """Trucks queued at the Sher Khan Bandar border crossing. — 'Crossing' names a place, not a movement."""
    if f.subtype not in ("crossed_border", "refugees_crossing"):
        return None
    rx = f.lex.cue("crossing_word")
    if rx is None or not rx.match(f.s[f.t0:f.t1].lower()):
        return False
    if f.cue("crossing_noun_before", f.t0 - 20, f.t0) or f.cue_match("crossing_noun_after", f.t1, f.s[:f.t1 + 12]):
        return True
    return any(0 <= f.t0 - (mm.end - f.sent.start) <= 2 for mm in f.sent.places)


def outside_region(f: Frame) -> bool | None:
    """Tajik troops took part in drills at the Donguz range in Russia. — An event placed outside the region."""
    if not f.sent.flag("outside_region"):
        return None
    if any(mm.in_region and not mm.is_country for mm in f.sent.places):
        return f.subtype == "exercise" and f.art.venue_outside(f.sent)
    if not f.art.sentence_in_region(f.sent):
        return True
    return f.subtype == "exercise" and f.art.venue_outside(f.sent)


def shelling(f: Frame) -> bool | None:
    """Mortar rounds fired from Afghanistan landed across the border. — Fire crossing a border, nobody moving."""
    if "abroad" not in f.rule.needs:
        return None
    return f.cue("shelling", f.t0 - 40, f.t0)


# order matters: it is the order in which they run (the cheapest and most decisive first)
VETOES: dict[str, Callable[[Frame], bool | None]] = {
    "negation": negation, "denial": denial, "repelled": repelled, "modal": modal, "drill_scenario": drill_scenario,
    "background": background, "long_ago": long_ago, "past_year": past_year, "lead_year": lead_year, "relative_past": relative_past,
    "nominal_subject": nominal_subject, "modal_near": modal_near, "non_place_object": non_place_object,
    "people_handed_over": people_handed_over, "sent_back": sent_back, "backed_by": backed_by,
    "crossing_noun": crossing_noun, "outside_region": outside_region,
}


# -------------------------------------------------------------------------------------------- requirements
def personnel(f: Frame) -> bool:
    """Hundreds of Afghan soldiers fled into Tajikistan. — Armed personnel near the trigger (not 'residents said
    they saw …')."""
    s, low = f.s, f.low
    rx = f.sent.personnel()
    pm = spans_lower(rx, twin_of(rx), s, low, f.lo, f.hi)
    if not pm:
        # "The 201st base was put on full combat alert": a state's named force stands for its personnel in a
        # posture or a drill
        if f.subtype in _POSTURE_SUBTYPES:
            start = f.sent.start
            return any(n in STATE_ACTORS and f.lo <= p - start < f.hi
                       for p, n in f.art.actors_in(start, f.sent.end))
        return False
    pron = f.lex.vocab.get("pronouns")
    if pron is not None and all(pron.regex.fullmatch(s[a:b]) for a, b in pm):
        if f.lex.v("civilians").search(s):
            return False  # "residents said they saw …"
        # "They were expelled": a pronoun stands for personnel only when the sentence before names them
        prev = f.art.sentences[f.sent.idx - 1] if f.sent.idx > 0 else None
        if not rx.search(s[:pm[0][0]]) and not (prev is not None and prev.personnel().search(prev.text)):
            return False
    return True


def civilians(f: Frame) -> bool:
    """Families fled the fighting across the river into Tajikistan. — Civilians near the trigger, no forces: the
    civilians are the ones who move, before the trigger or right after it ("an influx of refugees"), not people
    named further on ("those who crossed are coming back to serve the people")."""
    win = f.s[f.lo:min(f.hi, f.t1 + 30)]
    return bool(f.lex.v("civilians").search(win)) and not f.sent.personnel().search(f.s[f.lo:f.hi])


def aircraft(f: Frame) -> bool:
    """Twelve Afghan military helicopters landed at Termez airport. — Military aircraft near the trigger: those on
    board crossed with them."""
    return bool(f.lex.v("aircraft").search(f.s, f.lo, f.hi))


def equipment(f: Frame) -> bool:
    """Turkmenistan moved tanks and heavy artillery to the border town of Serhetabat. — Heavy weapons or military
    vehicles near the trigger: a build-up told by its equipment."""
    return bool(f.lex.v("equipment").search(f.s, f.lo, f.hi))


def fighting(f: Frame) -> bool:
    """Residents fled into Tajikistan as fighting reached the district. — Security wording in the sentence."""
    return bool(f.lex.v("security").search(f.s))


def military(f: Frame) -> bool:
    """Tajik troops held tactical exercises near the border. — Military context for an ambiguous trigger."""
    return bool(f.lex.v("military").search(f.s))


def abroad(f: Frame) -> bool:
    """More than 300 soldiers crossed into Tajikistan. — A destination across a border right after the verb (the
    country it names becomes the event place)."""
    s, t1 = f.s, f.t1
    rx = f.lex.cue("abroad")
    am = rx.match(s, t1) if rx is not None else None
    after = [mm for mm in f.sent.places if t1 <= mm.start - f.sent.start <= t1 + 80]
    if am is None and f.lex.cue("abroad_before") is not None:
        # languages that may name the destination first ("в Таджикистан … перешли"): in the clause before the verb
        for m in f.lex.cue("abroad_before").finditer(s, max(f.clause_lo, f.lo), f.t0):
            am = m
        if am is not None:
            after = [mm for mm in f.sent.places if am.start() <= mm.start - f.sent.start < f.t0] + after
    if am:
        for w in _LETTERS.findall(am.group(0)):
            cc = country_code_of(w)
            if cc:
                f.dest_cc = cc
                break
    elif not after or not any(mm.is_country or mm.place.country_code != "AF" for mm in after):
        return False
    if after:
        after = [mm for mm in after if not f.art.not_place_here(f.sent, mm)]
        foreign = [mm for mm in after if mm.place.country_code != "AF"]
        # "landed in Uzbekistan's southernmost city of Termez": the town, not only its country
        towns = [mm for mm in foreign if not mm.is_country and mm.start - f.sent.start <= f.t1 + 80]
        f.dest = (towns or foreign or after or [None])[0]
    if f.dest is None or f.dest.is_country or f.dest.place.kind == "province":
        # "crossed the river near Ishkoshim in … Gorno-Badakhshan": where they crossed, named with "near"
        # … or before the verb, heading its clause ("На участке Ишкашимского отряда … переправлялись")
        near = f.lex.cue("near_before")
        close = [mm for mm in f.sent.places if mm.in_region and not mm.is_country and mm.place.country_code != "AF"
                 and (f.t1 <= mm.start - f.sent.start <= f.t1 + 80 or f.clause_lo <= mm.start - f.sent.start < f.t0)
                 and near is not None and near.search(s[max(0, mm.start - f.sent.start - 30):mm.start - f.sent.start])]
        if close:
            f.dest = close[0]
    return not shelling(f)


def abroad_any(f: Frame) -> bool:
    """Afghan soldiers retreated; they later crossed the border. — A border or another country anywhere near."""
    rx = f.lex.cue("abroad")
    return bool(rx is not None and rx.search(f.s, max(0, f.t0 - 60), f.hi))


def local(f: Frame) -> bool:
    """Government forces withdrew from the district centre overnight. — A local retreat from a named place or a
    place type, by local forces (not the US/NATO pull-out, not officials, not a border crossing)."""
    s, t0, t1 = f.s, f.t0, f.t1
    if f.cue("foreign_forces", t0 - 120, t1 + 60):
        return False
    if f.cue_match("abroad", t1):
        return False
    obj = s[t1:t1 + 60]
    named = any(0 <= mm.start - f.sent.start - t1 <= 60 for mm in f.sent.places)
    if f.lex.order == "SOV":  # "از ولسوالی … عقب‌نشینی کردند": the place stands before the verb
        obj = s[max(f.clause_lo, t0 - 80):t0] + " " + obj
        named = named or any(0 <= t0 - (mm.start - f.sent.start) <= 80 for mm in f.sent.places)
    if not (f.lex.v("place_type").search(obj) or named):
        return False
    return not f.cue("officials_before", t0 - 40, t0)


def region(f: Frame) -> bool:
    """Uzbekistan reinforced its border with Afghanistan. — The sentence itself is about the region."""
    return f.art.sentence_in_region(f.sent)


def holder(f: Frame) -> bool:
    """The crossing is still controlled by Afghan border guards. — The holder is named right after the trigger."""
    return any(0 <= p - f.sent.start - f.t1 <= 12 and n != "US/NATO forces"
               for p, n in f.art.actors_in(f.sent.start, f.sent.end))


def group_before(f: Frame) -> bool:
    """Residents reported a rapid Taliban advance on Kunduz. — An armed group named right before the noun."""
    rx = f.lex.cue("group_before")
    return bool(rx is not None and rx.search(f.s, max(0, f.t0 - 45), f.t0))


def placeish(f: Frame) -> bool:
    """The Taliban captured a district in the north. — A place or a place-type word near the trigger (checked
    with the places the frame found)."""
    return bool(f.lex.v("place_type").search(f.s[max(0, f.t0 - 80):min(len(f.s), f.t1 + 80)]))


def named_place(f: Frame) -> bool:
    """Fighting for Kunduz continued. — A named place (checked with the places the frame found)."""
    return True  # decided by the engine: the frame must have found a named place


def share_before(f: Frame) -> bool:
    """About 85 per cent of the border is under Taliban control. — A share of a border or territory right
    before the control wording."""
    return f.cue("share_before", f.t0 - 150, f.t0)


# checks run in this order; "placeish" / "named_place" are decided with the places (see engine._places_for)
NEEDS: dict[str, Callable[[Frame], bool]] = {
    "personnel": personnel, "civilians": civilians, "aircraft": aircraft, "equipment": equipment, "fighting": fighting, "military": military, "abroad": abroad,
    "abroad_any": abroad_any, "local": local, "region": region, "holder": holder, "group_before": group_before,
    "placeish": placeish, "named_place": named_place, "share_before": share_before,
}
PLACE_NEEDS = frozenset({"placeish", "named_place"})


# id(rule) -> (rule, the vetoes it does not skip, in order); the rule is kept so that its id is not reused
_RULE_VETOES: dict[int, tuple[Rule, tuple[tuple[str, Callable[[Frame], bool | None]], ...]]] = {}


def run_vetoes(f: Frame) -> bool:
    """Run every veto the frame does not skip, in order; True when one vetoes (``f.passed`` lists those passed)."""
    got = _RULE_VETOES.get(id(f.rule))
    if got is None:
        skip = f.rule.skip
        got = _RULE_VETOES[id(f.rule)] = (f.rule, tuple((n, c) for n, c in VETOES.items() if n not in skip))
    for name, check in got[1]:
        got = check(f)
        if got:
            return True
        if got is False:
            f.passed.append(name)
    return False


def run_needs(f: Frame) -> bool:
    """Check the frame's requirements (those not decided with places), in order; False at the first unmet."""
    needs = f.rule.needs
    for name, check in NEEDS.items():
        if name in needs and name not in PLACE_NEEDS:
            if not check(f):
                return False
            f.passed.append(name)
    return True
