"""More Russian sentences (written for these tests): capture, soldiers crossing, return, high alert, drills in
Tajikistan vs in Russia, and the background "после прихода талибов к власти"."""

from __future__ import annotations

import pytest

from borderwatch.detect import ALERT_KINDS, detect
from borderwatch.detect.places import gazetteer_available

needs_gz = pytest.mark.skipif(not gazetteer_available(), reason="gazetteer data not installed")


def alerts(text: str, **kw) -> set[tuple[str, str]]:
    return {(e.kind, e.subtype) for e in detect(text, **kw).events if e.kind in ALERT_KINDS}


@needs_gz
def test_capture_of_district_centre_with_place():
    d = detect("Вооружённые отряды оппозиции захватили центр уезда Ворудж в провинции Бадахшан в ночь на четверг.")
    caps = [e for e in d.events if (e.kind, e.subtype) == ("territorial", "captured")]
    assert caps and caps[0].place is not None and caps[0].place.province == "Badakhshan"


def test_re_established_control_is_retaken():
    text = "Силы талибов вновь установили контроль над центром уезда Варудж в провинции Бадахшан, сообщили местные жители."
    got = alerts(text)
    assert ("territorial", "retaken") in got and ("territorial", "captured") not in got


def test_soldiers_cross_the_border():
    text = "Около 90 афганских пограничников перешли границу и оказались на территории Таджикистана, сообщили в ГКНБ."
    d = detect(text)
    ev = [e for e in d.events if e.subtype == "crossed_border"]
    assert ev and ev[0].count == 90


def test_return_of_soldiers_with_count():
    text = "Узбекистан вернул Афганистану 46 военнослужащих, которые ранее перелетели через границу на вертолётах."
    d = detect(text)
    ret = [e for e in d.events if e.subtype == "returned"]
    assert ret and ret[0].count == 46


def test_high_alert():
    text = "Пограничные войска Таджикистана приведены в состояние повышенной боевой готовности на границе с Афганистаном."
    assert ("troop_movement", "alert") in alerts(text)


def test_drills_in_tajikistan_are_an_exercise():
    text = "На полигоне «Ляур» в Таджикистане начались учения ОДКБ у границы с Афганистаном с участием 1500 военнослужащих."
    assert ("troop_movement", "exercise") in alerts(text)


def test_drills_in_russia_are_not():
    text = ("Военнослужащие Таджикистана принимают участие в учениях ОДКБ в Оренбургской области России; "
            "по замыслу учений, условный противник захватил населённый пункт.")
    assert not alerts(text)


def test_background_takeover_is_not_news():
    text = "После прихода талибов к власти в 2021 году граница Таджикистана с Афганистаном остаётся напряжённой."
    assert ("territorial", "captured") not in alerts(text, published="2024-05-01")


def test_state_subject_gives_the_actor():
    text = "Туркменистан перебросил к границе с Афганистаном дополнительные подразделения пограничников и бронетехнику."
    d = detect(text)
    dep = [e for e in d.events if e.subtype == "deployed"]
    assert dep and dep[0].actors and dep[0].actors[0] == "Turkmen forces"


def test_weapons_seizure_is_not_territory():
    text = "Таджикские пограничники захватили крупную партию оружия и боеприпасов на границе с Афганистаном."
    assert ("territorial", "captured") not in alerts(text)
