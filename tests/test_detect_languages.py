"""Every language file: it loads, every frame has sentences of its own language that fire it and that must not,
and the schema it is checked against is exactly what the engine reads.

The sentences live in ``tests/detect_cases/<code>.toml`` (written for this project, never copied from news):

    [[case]]
    rule = "en.territorial.captured"     # the frame id (one search finds the frame, its checks and its cases)
    text = "Taliban fighters captured the Yamgan district centre on Sunday."
    expect = true                       # true: an event with this rule id; false: none
    place = "Yamgan"                    # optional (expect = true): an event of the rule is placed there
    count = 280                         # optional: an event of the rule carries this count
    subtype = "retaken"                 # optional: an event of the rule has this subtype
    actor = "Taliban"                   # optional: an event of the rule names this actor
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from borderwatch.detect import checks, detect
from borderwatch.detect.lexicon import CUES, VOCABS, LexiconError, load_languages, parse_language

CASES_DIR = Path(__file__).parent / "detect_cases"
DETECT_DIR = Path(__file__).parents[1] / "borderwatch" / "detect"


def _cases() -> list[tuple[str, dict]]:
    out = []
    for path in sorted(CASES_DIR.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        assert set(data) == {"case"}, f"{path.name}: only [[case]] tables"
        out += [(path.stem, case) for case in data["case"]]
    return out


CASES = _cases()
RULES = {r.name: r for lex in load_languages().values() for r in lex.rules}


def _case_id(item: tuple[str, dict]) -> str:
    code, case = item
    return f"{case['rule']}:{'+' if case['expect'] else '-'}:{case['text'][:30]}"


@pytest.mark.parametrize("rule", sorted(RULES))
def test_every_frame_has_a_positive_and_a_negative_sentence(rule):
    mine = [c for _, c in CASES if c["rule"] == rule]
    assert any(c["expect"] for c in mine), f"{rule}: no sentence that fires it"
    assert any(not c["expect"] for c in mine), f"{rule}: no sentence that must not fire it"


@pytest.mark.parametrize("item", CASES, ids=_case_id)
def test_case(item):
    code, case = item
    rule = case["rule"]
    assert rule in RULES, f"{code}.toml names an unknown frame {rule}"
    assert rule.startswith(code + "."), f"{code}.toml holds a case for another language's frame {rule}"
    det = detect(case["text"], language=case.get("language"), published=case.get("published"))
    mine = [e for e in det.events if rule in e.rule.split("+")]
    if not case["expect"]:
        assert not mine, f"{rule} fired on a sentence that must not fire it: {[(e.subtype, e.place and e.place.name) for e in mine]}"
        return
    assert mine, f"{rule} did not fire; events: {[(e.rule, e.subtype) for e in det.events]}"
    if "place" in case:
        names = {n for e in mine if e.place for n in (e.place.name, e.place.as_written) if n}
        assert case["place"] in names, f"places {names}"
    if "count" in case:
        assert case["count"] in {e.count for e in mine}
    if "subtype" in case:
        assert case["subtype"] in {e.subtype for e in mine}
    if "actor" in case:
        assert case["actor"] in {a for e in mine for a in e.actors}, f"actors {[e.actors for e in mine]}"
    assert all(e.checks for e in mine), "every event records the checks it passed"


def test_cases_name_only_known_keys():
    for _code, case in CASES:
        assert set(case) <= {"rule", "text", "expect", "place", "count", "subtype", "actor", "language", "published",
                             "note"}, case


# ------------------------------------------------------------------------------------------ the schema
def _engine_source() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in (DETECT_DIR / "engine.py", DETECT_DIR / "checks.py"))


@pytest.mark.parametrize("name", sorted(CUES))
def test_every_cue_of_the_schema_is_read_by_the_engine(name):
    assert re.search(rf"""["']{name}["']""", _engine_source()), f"cue {name} is in the schema but nothing reads it"


@pytest.mark.parametrize("name", sorted(VOCABS))
def test_every_vocabulary_of_the_schema_is_read_by_the_engine(name):
    src = _engine_source()
    assert re.search(rf"""["']{name}["']""", src) or name in ("pronouns", "personnel"), name


def test_every_check_has_its_example_sentence():
    for name, fn in {**checks.VETOES, **checks.NEEDS}.items():
        doc = (fn.__doc__ or "").strip()
        assert doc and doc[0].isupper() and " — " in doc, f"check {name}: docstring is 'Example sentence. — What it means.'"


@pytest.mark.parametrize("code", sorted(load_languages()))
def test_language_uses_only_known_names(code):
    lex = load_languages()[code]
    assert set(lex.vocab) <= set(VOCABS) and set(lex.cues) <= set(CUES)
    for rule in lex.rules:
        assert rule.needs <= set(checks.NEEDS) and rule.skip <= set(checks.VETOES)


# --------------------------------------------------------------------------------------- load errors
_GOOD = """
[language]
code = "xx"
[vocab]
personnel = ["soldier*"]
[[frame]]
id = "xx.territorial.captured"
kind = "territorial"
subtype = "captured"
trigger = ['captur(?:ed|es)']
"""


def test_a_valid_file_loads():
    lex = parse_language(_GOOD, "xx.toml")
    assert [r.name for r in lex.rules] == ["xx.territorial.captured"]


@pytest.mark.parametrize("change, message", [
    (("[vocab]", "[vocabulary]"), "xx.toml: (top level): unknown table(s) vocabulary"),
    (('personnel = ["soldier*"]', 'soldiers = ["soldier*"]'), "xx.toml: vocab: unknown vocabular(ies) soldiers"),
    (("captur(?:ed|es)", "captur(?:ed|es"), "xx.toml: frame xx.territorial.captured.trigger: invalid regular expression"),
    (("captur(?:ed|es)", r"\w+ing"), "xx.toml: frame xx.territorial.captured.trigger: alternative"),
    (('subtype = "captured"', 'subtype = "grabbed"'), "xx.toml: frame xx.territorial.captured.subtype: unknown subtype 'grabbed'"),
    (('kind = "territorial"', 'kind = "territorial"\nneeds = ["nearby"]'), "xx.toml: frame xx.territorial.captured.needs: unknown check(s) ['nearby']"),
    (('kind = "territorial"', 'kind = "territorial"\nskip = ["negations"]'), "xx.toml: frame xx.territorial.captured.skip: unknown veto(es) ['negations']"),
    (('id = "xx.territorial.captured"', 'id = "captured"'), "xx.toml: frame[0].id: expected 'xx.<kind>.<name>'"),
    (('code = "xx"', 'code = "xx"\n[cues]\nnegation = "(?:not"'), "xx.toml: cues.negation: invalid regular expression"),
    (('personnel = ["soldier*"]', r"personnel = ['\d+']"), "xx.toml: vocab.personnel: entry"),
])
def test_a_bad_file_is_refused_naming_the_file_and_key(change, message):
    bad = _GOOD.replace(*change)
    with pytest.raises(LexiconError) as exc:
        parse_language(bad, "xx.toml")
    assert str(exc.value).startswith(message), str(exc.value)


def test_gates_are_derived_from_the_trigger_and_never_miss_a_match():
    """A sentence is only tried against a frame when it holds one of the words derived from the trigger; the
    derived words must cover every match (here: a match starting with an optional word)."""
    lex = parse_language(_GOOD.replace("captur(?:ed|es)", r"(?:re)?deploy(?:ed|s)|(?:put|kept) (?:\w+ ){0,3}on alert"), "xx.toml")
    rule = lex.rules[0]
    for text in ("They redeployed units.", "Units deploys.", "They put the troops on alert."):
        assert rule.trigger.search(text)
        assert lex.rule_map.labels(re.findall(r"\w+", text.lower())) == {rule.name}, text
