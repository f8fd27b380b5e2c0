"""English rules: one written-for-the-test sentence per rule, and the hard negatives each rule must refuse."""

from __future__ import annotations

import pytest

from borderwatch.detect import ALERT_KINDS, detect


def alerts(text: str, **kw) -> set[tuple[str, str]]:
    return {(e.kind, e.subtype) for e in detect(text, **kw).events if e.kind in ALERT_KINDS}


def kinds(text: str, **kw) -> set[str]:
    return {k for k, _ in alerts(text, **kw)}


# --------------------------------------------------------------------------------------------- one per rule
@pytest.mark.parametrize("text, expected", [
    ("Taliban fighters overran the Keshem district of Badakhshan province early on Tuesday, local officials said.",
     ("territorial", "captured")),
    ("The district centre of Darqad fell to the Taliban after two days of fighting, the provincial governor said.",
     ("territorial", "captured")),
    ("Afghan commandos recaptured Khan Abad district in Kunduz province on Friday, the defence ministry said.",
     ("territorial", "retaken")),
    ("Security forces handed over control of the Shir Khan Bandar border crossing to the Taliban without a fight.",
     ("territorial", "handed_over")),
    ("A Taliban spokesman claimed the group now controls 85 percent of Afghanistan's territory, including most of the "
     "border with Tajikistan.", ("territorial", "control_claim")),
    ("Heavy fighting for control of Taloqan, the capital of Takhar province, continued for a third day as Taliban "
     "militants besieged the city.", ("territorial", "contested")),
    ("More than 500 Afghan soldiers fled across the border into Tajikistan overnight after clashes with the Taliban "
     "in Badakhshan.", ("troop_movement", "crossed_border")),
    ("Uzbekistan returned 150 Afghan servicemen to Afghanistan on Monday, the Uzbek foreign ministry said.",
     ("troop_movement", "returned")),
    ("Russia deployed additional troops and armoured vehicles to its 201st military base in Tajikistan amid fighting in "
     "northern Afghanistan.", ("troop_movement", "deployed")),
    ("Tajikistan mobilised 20,000 reservists to reinforce its border with Afghanistan, President Rahmon's office said.",
     ("troop_movement", "mobilised")),
    ("CSTO troops began joint counter-terrorism drills at a training ground in Khatlon province near the Tajik-Afghan "
     "border on Monday.", ("troop_movement", "exercise")),
    ("Turkmenistan has put its armed forces on the Afghan border on high alert after Taliban fighters reached the "
     "crossing at Torghundi.", ("troop_movement", "alert")),
    ("Around 200 police officers and soldiers surrendered to the Taliban in Jowzjan province on Saturday, officials said.",
     ("troop_movement", "surrendered")),
    ("The district police chief and 40 of his men defected to the Taliban in Faryab province, a local official said.",
     ("troop_movement", "defected")),
    ("Afghan security forces withdrew from the Baharak district headquarters to Faizabad on Thursday night.",
     ("troop_movement", "withdrawal")),
])
def test_rule_fires(text, expected):
    assert expected in alerts(text)


# --------------------------------------------------------------------------------------------- hard negatives
def test_background_takeover_is_not_territorial():
    text = ("Since the Taliban seized power in August 2021, Tajikistan has refused to recognise the new government "
            "in Kabul, and its border guards remain on patrol along the Panj river.")
    assert "territorial" not in kinds(text, published="2024-03-02")


def test_past_year_capture_is_background():
    text = ("Tajik border guards said the situation on the frontier was calm. The Taliban captured the district of "
            "Ishkashim in 2015 but lost it to government troops weeks later.")
    assert "territorial" not in kinds(text, published="2023-05-11")


def test_repelled_attack_is_not_a_capture():
    text = ("Afghan forces repelled a Taliban attempt to capture the Kunduz airport on Monday, killing 30 insurgents, "
            "the defence ministry said.")
    got = detect(text)
    assert got.relevant
    assert "territorial" not in {e.kind for e in got.events}
    assert "attack" in {e.kind for e in got.events}


def test_negated_capture():
    text = "Officials denied reports that the Taliban had captured Imam Sahib district in Kunduz province."
    assert "territorial" not in kinds(text)


def test_hypothetical_capture_is_a_threat_not_an_event():
    text = ("A Tajik general warned that the Taliban could capture the whole of Badakhshan province within weeks if "
            "Kabul does not send reinforcements.")
    got = detect(text)
    assert "territorial" not in {e.kind for e in got.events}


def test_drill_scenario_is_an_exercise_only():
    text = ("Under the scenario of the drill, mock militants crossed the border from Afghanistan and seized a "
            "village, before CSTO special forces destroyed them at the Harbmaidon training ground in Tajikistan.")
    got = alerts(text)
    assert ("troop_movement", "exercise") in got
    assert ("territorial", "captured") not in got
    assert ("troop_movement", "crossed_border") not in got


def test_drill_held_in_russia_is_not_an_exercise_in_the_region():
    text = ("Servicemen from Tajikistan and Kyrgyzstan are taking part in CSTO command-staff exercises at a training "
            "ground in Russia's Orenburg region this week, the Tajik defence ministry said.")
    assert ("troop_movement", "exercise") not in alerts(text)


def test_other_region_conflict_is_not_relevant():
    text = ("Russian troops captured the village of Krasnohorivka in eastern Ukraine after weeks of fighting, the "
            "defence ministry in Moscow said, as Ukrainian forces withdrew to new positions near Donetsk.")
    got = detect(text)
    assert not got.relevant and not got.events


def test_armenia_azerbaijan_csto_story_is_not_relevant():
    text = ("Armenia asked the CSTO for help after Azerbaijani troops crossed the border and advanced several "
            "kilometres into Armenian territory. Yerevan said the alliance's response was too slow, and Prime "
            "Minister Pashinyan met the bloc's secretaries in Yerevan. The ministers later met in Dushanbe.")
    assert not detect(text).relevant


def test_syria_capture_is_not_relevant():
    text = ("Syrian government forces backed by Russian airstrikes recaptured the town of Khan Sheikhoun in Idlib "
            "province from rebels on Tuesday.")
    assert not detect(text).relevant


def test_non_security_taliban_news_is_not_relevant():
    texts = [
        "The Taliban administration signed a deal with a Kazakh company to build a railway from Herat to the "
        "Turkmen border, the economy ministry said, citing investment of $500 million.",
        "A magnitude 6.3 earthquake struck Herat province, killing hundreds of people; the Taliban-run government "
        "sent rescue teams and appealed for humanitarian aid and donors.",
        "Afghanistan's cricket team, playing under the Taliban government, beat Uzbekistan in the tournament final "
        "in Tashkent on Sunday.",
    ]
    for t in texts:
        assert not detect(t).relevant, t


def test_shelling_across_the_border_is_not_a_troop_movement():
    text = ("Several mortar shells fired from the Afghan side landed on Tajik territory near the border village of "
            "Panj, Tajik border guards said; no one was hurt and no Afghan fighters crossed the border.")
    assert "troop_movement" not in kinds(text)


def test_us_pullout_as_context_is_not_a_troop_movement():
    text = ("The Taliban captured Sheberghan, the capital of Jowzjan province, on Saturday as US troops complete "
            "their withdrawal from Afghanistan.")
    got = alerts(text)
    assert ("territorial", "captured") in got
    assert ("troop_movement", "withdrawal") not in got


def test_officials_relocating_is_not_a_troop_movement():
    text = ("The Taliban captured Yamgan district in Badakhshan, forcing district officials to move to the "
            "neighbouring Jurm district.")
    assert "troop_movement" not in kinds(text)


def test_lack_of_reinforcements_is_not_a_deployment():
    text = "The district fell to the Taliban because of a lack of reinforcement troops, a member of Badakhshan council said."
    assert ("troop_movement", "deployed") not in alerts(text)
