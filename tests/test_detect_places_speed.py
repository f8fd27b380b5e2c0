"""Place recall (current-control statements, an armed group's advance, Arabic-script spellings) and the speed
machinery (lower-case pattern twins, token feature table, gazetteer token scan) — sentences written for the test."""

from __future__ import annotations

import re

import pytest

from borderwatch.detect import ALERT_KINDS, detect
from borderwatch.detect.lexicon import load_languages, lower_twin, rx, search_lower, spans_lower
from borderwatch.detect.vocab import FeatureTable, StemSet
from borderwatch.gazetteer import fold_token, load_gazetteer


def alert_places(text: str, **kw) -> set[tuple[str, str, str | None]]:
    return {(e.kind, e.subtype, e.place.name if e.place else None)
            for e in detect(text, **kw).events if e.kind in ALERT_KINDS}


# ------------------------------------------------------------------------------ current-control statements
def test_still_controlled_by_a_named_holder_is_a_control_claim_on_the_place():
    got = alert_places("Fighting continued in Balkh province on Sunday. The Kaldar district centre is still controlled "
                       "by Afghan government forces, a local official told reporters.")
    assert ("territorial", "control_claim", "Kaldar") in got


@pytest.mark.parametrize("text", [
    # a plain description, no current-control report
    "The Hairatan crossing is controlled by customs officers who inspect every truck, traders in Balkh said.",
    # background
    "Kunduz, which has been held by the Taliban since 2021, is still controlled by the movement's governor, whose "
    "office reopened the market after the earthquake.",
    # holder not an armed party named right after
    "The Sher Khan Bandar port is still held up by paperwork, Afghan traders in Kunduz complained.",
])
def test_control_statement_hard_negatives(text):
    assert not any(k == "territorial" for k, _, _ in alert_places(text))


# ------------------------------------------------------------------------------------- an armed group's advance
def test_group_advance_contests_the_places_named():
    got = alert_places("Afghan officials said Kunduz and Takhar provinces have seen a swift Taliban advance this week.")
    assert any(k == "territorial" and st == "contested" and p in ("Takhar", "Kunduz") for k, st, p in got)


@pytest.mark.parametrize("text", [
    "Taliban officials in Kunduz asked traders to register in advance of the Eid holiday, the governor said.",
    "Uzbek exporters reported record gains in trade through Termez and Hairatan this year.",
    "Afghan forces said the Taliban advance on Faizabad was repelled after heavy fighting in Badakhshan.",
])
def test_advance_hard_negatives(text):
    assert not any(k == "territorial" for k, _, _ in alert_places(text))


# ------------------------------------------------------------------------------- Arabic-script spellings
@pytest.mark.parametrize("dari, arabic", [
    ("بدخشان", "باداخشان"),  # long vowels written out
    ("ننگرهار", "نانجارهار"),  # Persian گ as ج, long vowels
    ("ننگرهار", "ننكرهار"),  # Persian گ as ك
    ("حصارک", "هيسراك"),  # ح / ه, ص / س, ي / ی, ك / ک
    ("قندوز", "کندز"),
])
def test_arabic_script_spellings_fold_together(dari, arabic):
    assert fold_token(dari) == fold_token(arabic)


def test_short_arabic_skeletons_keep_their_spelling():
    # خوست (Khost) and خواست ("wanted") share a three-letter skeleton: short words keep the exact spelling
    assert fold_token("خوست") != fold_token("خواست")


def test_gazetteer_finds_arabic_transliterations():
    gz = load_gazetteer()
    names = [m.best.name for m in gz.find("وسيطرت طالبان على معظم أجزاء إقليم باداخشان وإقليم نانجارهار")]
    assert names == ["Badakhshan", "Nangarhar"]
    # a town's four-letter skeleton is not matched inside ordinary Arabic words ("two months")
    assert not gz.find("لمدة شهرين")


def test_arabic_capture_with_subject_between_verb_and_object():
    got = alert_places("وسيطرت طالبان على معظم أجزاء إقليم باداخشان المجاور، بما في ذلك المعبر الحدودي الرئيسي.")
    assert ("territorial", "captured", "Badakhshan") in got


def test_arabic_negation_and_modal_particles_are_whole_words():
    # "مقاتلو" ends in لو and "كما" in ما: neither is a modal or a negation
    assert ("territorial", "captured", "Nangarhar") in alert_places(
        "بدأ مقاتلو داعش في طرد وحدات طالبان من عدة مناطق في إقليم نانجارهار على الحدود مع باكستان.")
    assert not alert_places("لم تسيطر طالبان على إقليم باداخشان.")


# ------------------------------------------------------------------------------------------- speed machinery
_SENTENCES = [
    "Taliban fighters captured the Yamgan district of Badakhshan province on Sunday, officials said.",
    "More than 1,000 Afghan soldiers fled across the border into Tajikistan, Tajik border guards said.",
    "The town fell to Islamic State militants after Afghan Army units withdrew from Achin overnight.",
    "Kunduz's governor said re-took positions and handed over the checkpoint to Taliban commanders.",
    "ΣΟΦΙΑ and İstanbul residents, CAPTURED by the moment, entered Kabul's Old City.",
]


@pytest.mark.parametrize("rule", [r for lex in load_languages().values() for r in lex.rules], ids=lambda r: r.name)
def test_trigger_twins_find_the_same_spans(rule):
    twin = lower_twin(rule.trigger)
    assert twin is not None
    for s in _SENTENCES:
        low = s.lower()
        if len(low) != len(s):
            continue
        assert spans_lower(rule.trigger, twin, s, low) == [m.span() for m in rule.trigger.finditer(s)]


def test_twin_of_a_capital_class_pattern_confirms_with_the_original():
    pat = rx(r"\btook (?=(?:\w+ ){0,2}[A-Z])")
    twin = lower_twin(pat)
    assert twin is not None and twin[1]  # confirm mode
    s = "They took the town and later took Kunduz."
    assert spans_lower(pat, twin, s, s.lower()) == [m.span() for m in pat.finditer(s)] == [(29, 34)]
    assert search_lower(pat, s, s.lower()) and not search_lower(pat, "they took it", "they took it")


def test_twin_keeps_escapes_and_group_names():
    pat = re.compile(r"(?P<Who>\bS\w+)\s+\Wsaid\b", re.I)
    twin = lower_twin(pat)
    assert twin is not None and twin[0].groupindex == {"Who": 1}
    s = "Sources -said so"
    assert spans_lower(pat, twin, s, s.lower()) == [m.span() for m in pat.finditer(s)]


def test_feature_table_agrees_with_its_stem_sets():
    a, b = StemSet(("captur", "seiz"), ("held",)), StemSet(("taliban",), ("kabul",))
    table = FeatureTable([(1, a), (2, b)])
    for tok in ("captured", "seize", "held", "holding", "taliban's", "kabul", "kabuli", "the"):
        assert table[tok] == (1 if a.hit(tok) else 0) | (2 if b.hit(tok) else 0)


def test_gazetteer_scan_offsets_with_multiword_names_and_gaps():
    gz = load_gazetteer()
    text = "Fighting near  Sher Khan Bandar and in Dasht-e  Archi, then Khan-Abad; Kunduz."
    for m in gz.find(text):
        assert text[m.start:m.end] == m.text
    assert [m.best.name for m in gz.find(text)][-1] == "Kunduz"


# ------------------------------------------------------------------------------ whole-article gate
# Sentences written for the test: news about elsewhere (gate: skip the sentence pass), and region news whose only
# clue is a place name, one word or several, or a list sentence (the gate must let them through).
_ELSEWHERE = [
    "Der Stadtrat beschloss am Freitag den Haushalt; die Schule wird im Sommer renoviert.",  # de
    "El ayuntamiento aprobó el presupuesto el viernes y la escuela abrirá en verano.",  # es
    "Belediye meclisi cuma günü bütçeyi onayladı ve okul yazın yenilenecek.",  # tr
    "Now the council said it would pass the budget on Friday. Anne Jones, a teacher, said the lot was sold.",
    "Do not worry, said the coach after the match; the front line of the team needs a bad day to learn.",
    "Troops were deployed to the border after the army captured the town of Ravensfield, officials in Avalon said.",
    "Prices rose 3 % in July, 2018, 2019 and 2020, the bank said, and wages rose, too.",
]
_REGION_BY_PLACE_ONLY = [
    "Militanlar pazartesi günü Yamgan ilçesini ele geçirdi, yerel bir yetkili söyledi.",  # tr
    "Jangarilar Termizga yaqin chegara postini egallab oldi.",  # uz, an inflected place name
    "Kämpfer nahmen am Montag Kundus ein, sagte ein Beamter.",  # de
    "Los combatientes tomaron Kunduz el lunes, dijo un funcionario local.",  # es
    "Fighters captured Yamgan on Monday, a local official said.",
    "Fighters captured the centre of Bala Murghab on Monday, a local official said.",
    "Government forces retook Qala-i-Naw, Mazar-i-Sharif and Dasht-i-Archi in 2019, officials said, after heavy losses.",
    "The road from Ishkashim was closed, said the governor.",
]


@pytest.mark.parametrize("text", _ELSEWHERE + _REGION_BY_PLACE_ONLY)
def test_the_gate_changes_no_result(text, monkeypatch):
    from borderwatch.detect import engine

    gated = detect(text, title="A headline")
    monkeypatch.setattr(engine, "_cannot_name_region", lambda *a: False)
    assert detect(text, title="A headline") == gated


@pytest.mark.parametrize("text", _ELSEWHERE)
def test_news_about_elsewhere_skips_the_sentence_pass(text, monkeypatch):
    from borderwatch.detect import engine

    def boom(*a, **k):
        raise AssertionError("the sentence pass ran")

    monkeypatch.setattr(engine, "_Article", boom)
    d = detect(text)
    assert not d.relevant and d.events == []


@pytest.mark.parametrize("text", _REGION_BY_PLACE_ONLY + [
    "Тalks in Moscow ended.",  # a Cyrillic letter: other scripts always take the full pass
    "Fighting in Central Asia was reported.",
])
def test_region_clues_take_the_full_pass(text):
    from borderwatch.detect import engine

    assert not engine._cannot_name_region(text)


_FILLER = "The council met on Friday and the mayor spoke about roads, parks and the new library for an hour. " * 40


@pytest.mark.parametrize("tail", [
    "Late on Monday border guards in Tajikistan reported calm.",  # a region word after the opening
    "Jangarilar Termizga yaqin chegara postini egallab oldi.",  # only an inflected place name, at the end
])
def test_the_gate_reads_past_the_opening_of_a_long_article(tail, monkeypatch):
    from borderwatch.detect import engine

    text = _FILLER + tail
    assert len(text) > 3000 and not engine._cannot_name_region(text)
    gated = detect(text)
    monkeypatch.setattr(engine, "_cannot_name_region", lambda *a: False)
    assert detect(text) == gated


# ------------------------------------------------------------------------------ the frame-window gate
# A veto's cue is searched in a window around the trigger; when no word the cue needs starts a token of the window
# (including the tail of a word the window cuts), the search is skipped. Sentences written for the test: cues
# right at the window's edge, inside a hyphenated word, cut in the middle of a word.
_WINDOW_CASES = [
    "Taliban fighters did not capture the district centre of Yamgan, officials said.",
    "Cannot-be-confirmed reports said fighters captured the district centre of Yamgan on Monday.",
    "Unconfirmed reports said the Taliban could capture Kunduz within weeks.",
    "Since the Taliban seized power in 2021, trade with Uzbekistan has slowed, a trader in Termez said.",
    "The ministry denied reports that the Taliban had seized the Sher Khan Bandar crossing.",
    "Border guards repelled an attempt by militants to seize the post near Ishkashim.",
    "Afghan soldiers fled into Tajikistan in 2021 as the government collapsed, a report recalled.",
    "More than 300 Afghan soldiers crossed into Tajikistan overnight, the border service said.",
    "Талибы не захватили уезд Ямган, сообщили власти.",
]


@pytest.mark.parametrize("text", _WINDOW_CASES)
def test_the_frame_window_gate_changes_no_result(text, monkeypatch):
    from borderwatch.detect import engine

    gated = detect(text)
    monkeypatch.setattr(engine._Sentence, "may_hold", lambda self, cue, a, b: True)
    assert detect(text) == gated


def test_the_frame_window_gate_agrees_with_the_regex_on_every_window():
    from borderwatch.detect import engine
    from borderwatch.detect.lexicon import search_lower

    calls = []
    real = engine._Sentence.may_hold

    def checked(self, cue, a, b):
        got = real(self, cue, a, b)
        low = self.lower()
        found = search_lower(self.lex.cue(cue), self.text[a:b], low[a:b] if low is not None else None)
        calls.append((got, found))
        assert got or not found, (cue, self.text[a:b])
        return got

    engine._Sentence.may_hold = checked
    try:
        for text in _WINDOW_CASES:
            detect(text)
    finally:
        engine._Sentence.may_hold = real
    assert any(not got for got, _ in calls) and any(found for _, found in calls)  # both ways were exercised
