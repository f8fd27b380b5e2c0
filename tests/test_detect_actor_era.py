"""Actor names respect the event's date: since 15 August 2021 the Afghan state's forces are the Taliban's."""

from borderwatch.detect import detect

TEXT = "More than 300 Afghan soldiers and border guards crossed into Tajikistan after clashes with NRF fighters in Badakhshan."


def _actors(published: str) -> list[str]:
    ev = [e for e in detect(TEXT, published=published).events if e.subtype == "crossed_border"]
    assert ev
    return ev[0].actors


def test_afghan_forces_before_august_2021_are_the_republic():
    assert _actors("2021-07-05")[0] == "Afghan government forces"


def test_afghan_forces_after_the_fall_of_kabul_are_the_taliban():
    assert _actors("2026-11-18")[0] == "Taliban"
    assert "Afghan government forces" not in _actors("2021-08-20")
