"""A seed-like dispatch written for this test: captures of three district centres, a retreat into Tajikistan,
280 soldiers sent back, a high-alert statement. Checks kinds, places (with provinces and coordinates),
counts, evidence offsets."""

from __future__ import annotations

import pytest

from borderwatch.detect import detect
from borderwatch.detect.places import gazetteer_available

SEED = (
    "Taliban take three district centres in overnight push\n\n"
    "Taliban fighters overnight captured the Wakhan district center of Badakhshan province, the Qadis district "
    "center of Badghis and the Badpakh district center of Laghman, the group's spokesman Zabihullah Mujahid said "
    "on Friday. During the fighting in Wakhan, government soldiers had to retreat across the border into "
    "Tajikistan, he said. Dushanbe later sent 280 Afghan soldiers back to Afghanistan after they had crossed the "
    "frontier, a source in the Tajik security service said. The worsening situation prompted Tajikistan to put "
    "its troops on the Afghan border on high alert."
)


@pytest.fixture(scope="module")
def det():
    return detect(SEED, published="2021-07-02")


def _events(det, kind, subtype):
    return [e for e in det.events if e.kind == kind and e.subtype == subtype]


def test_relevant(det):
    assert det.relevant and det.score > 0.8


@pytest.mark.skipif(not gazetteer_available(), reason="gazetteer data not installed")
def test_three_captures_with_provinces_and_coordinates(det):
    caps = _events(det, "territorial", "captured")
    by_name = {e.place.name: e for e in caps if e.place}
    assert {"Wakhan", "Qadis"} <= set(by_name)
    assert any("Pakh" in n or "Badpakh" in n for n in by_name)
    assert by_name["Wakhan"].place.province == "Badakhshan"
    assert by_name["Qadis"].place.province == "Badghis"
    for e in caps:
        assert e.place.lat is not None and e.place.lon is not None
        assert e.place.country_code == "AF"
        assert "Taliban" in e.actors


def test_retreat_into_tajikistan(det):
    cross = _events(det, "troop_movement", "crossed_border")
    assert cross
    assert any(e.place is not None and e.place.country_code == "TJ" for e in cross)


def test_280_returned(det):
    ret = _events(det, "troop_movement", "returned")
    assert ret and ret[0].count == 280
    assert "280" in ret[0].count_text and ret[0].count_unit.startswith("soldier")


def test_high_alert(det):
    assert _events(det, "troop_movement", "alert")


def test_claimant_and_date(det):
    cap = _events(det, "territorial", "captured")[0]
    assert cap.claimant and "Mujahid" in cap.claimant
    assert cap.event_date == "2021-07-02"  # "on Friday", published Friday 2 July 2021


def test_evidence_offsets_index_title_plus_text():
    title, body = SEED.split("\n\n", 1)
    d = detect(body, title=title)
    combined = title + "\n\n" + body
    assert d.events
    for e in d.events:
        assert combined[e.start:e.end] == e.evidence
        assert e.rule and 0 < e.confidence <= 1


def test_merge_keeps_one_event_per_kind_subtype_place():
    text = ("Taliban fighters captured Yamgan district of Badakhshan province on Saturday. The Taliban's capture of "
            "Yamgan district was confirmed by the provincial governor. Officials said Yamgan had been captured.")
    d = detect(text)
    caps = [e for e in d.events if e.subtype == "captured" and e.place and e.place.name == "Yamgan"]
    assert len(caps) == 1


def test_deterministic():
    assert detect(SEED).to_json() == detect(SEED).to_json()
