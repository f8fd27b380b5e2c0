"""Russian-language rules: the same output as English for the same facts (sentences written for the test)."""

from __future__ import annotations

from borderwatch.detect import ALERT_KINDS, detect


def alerts(text: str) -> set[tuple[str, str]]:
    return {(e.kind, e.subtype) for e in detect(text).events if e.kind in ALERT_KINDS}


def test_capture_ru():
    text = "Талибы захватили административный центр уезда Ишкашим в провинции Бадахшан, сообщил представитель движения."
    assert ("territorial", "captured") in alerts(text)


def test_retaken_ru():
    text = "Афганские правительственные войска отбили у талибов уезд Ханабад в провинции Кундуз."
    assert ("territorial", "retaken") in alerts(text)


def test_control_claim_ru():
    text = "Представитель талибов заявил, что движение контролирует 85% территории Афганистана и большую часть границы с Таджикистаном."
    assert ("territorial", "control_claim") in alerts(text)


def test_crossing_ru_with_count():
    text = "Более 1000 афганских военнослужащих отступили на территорию Таджикистана после боев с талибами в Бадахшане."
    d = detect(text)
    ev = [e for e in d.events if e.subtype == "crossed_border"]
    assert ev and ev[0].count == 1000


def test_returned_ru():
    text = "Таджикистан вернул 280 афганских военных на родину после того, как они пересекли границу, сообщил источник в ГКНБ."
    assert ("troop_movement", "returned") in alerts(text)


def test_exercise_ru():
    text = "Военнослужащие ОДКБ начали учения на полигоне Харбмайдон в Хатлонской области у таджикско-афганской границы."
    assert ("troop_movement", "exercise") in alerts(text)


def test_alert_ru():
    text = "Вооруженные силы Таджикистана приведены в полную боевую готовность на границе с Афганистаном."
    assert ("troop_movement", "alert") in alerts(text)


def test_mobilisation_ru():
    text = "Президент Таджикистана объявил мобилизацию 20 тысяч резервистов для усиления границы с Афганистаном."
    assert ("troop_movement", "mobilised") in alerts(text)


def test_drill_in_russia_ru():
    text = "Таджикские военные участвуют в учениях ОДКБ на полигоне в Оренбургской области России."
    assert ("troop_movement", "exercise") not in alerts(text)


def test_background_ru():
    text = "С тех пор как талибы захватили власть в Афганистане, Таджикистан усилил охрану границы."
    assert ("territorial", "captured") not in alerts(text)


def test_ukraine_ru_not_relevant():
    text = "Российские войска заняли село в Донецкой области Украины после боев, сообщили в Минобороны."
    assert not detect(text).relevant
