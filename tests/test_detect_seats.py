"""Where a place is: a province that stands for its seat ("the centre of Baghlan province" is Pul-e Khumri,
"captured Kunduz" is the city of Kunduz; "Kunduz province" and a district "in Kunduz" keep the province), and a
place the gazetteer lacks is in the country its sentence names. Sentences written for this project.
"""

import pytest

from borderwatch.detect import detect


def _places(text: str) -> set[tuple[str, str]]:
    return {(e.place.name, e.place.kind) for e in detect(text, published="2021-07-05").events
            if e.kind in ("territorial", "troop_movement") and e.place}


@pytest.mark.parametrize("text, place", [
    ("The Taliban captured the centre of Baghlan province on Monday.", ("Pul-e-Khumri", "district")),
    ("Taliban fighters took Baghlan's capital overnight.", ("Pul-e-Khumri", "district")),
    ("Талибы захватили административный центр провинции Баглан.", ("Pul-e-Khumri", "district")),
    ("طالبان مرکز ولایت بغلان را تصرف کردند.", ("Pul-e-Khumri", "district")),
    # a list after the seat word: each province stands for its seat
    ("طالبان مراکز ولایات بغلان، تخار و فراه را تصرف کردند.", ("Taloqan", "district")),
    # named like its seat, with no province noun beside it: the city
    ("The Taliban have captured Kunduz after two days of fighting.", ("Kunduz", "district")),
])
def test_the_province_stands_for_its_seat(text, place):
    assert place in _places(text)


@pytest.mark.parametrize("text, place, not_seat", [
    ("The Taliban captured most of Baghlan province on Monday.", ("Baghlan", "province"), "Pul-e-Khumri"),
    ("The Taliban captured Kunduz province after two days of fighting.", ("Kunduz", "province"), "Kunduz"),
    ("طالبان ولایت کندز را تصرف کردند.", ("Kunduz", "province"), "Kunduz"),
    # "district center of Badghis": the district's own centre, in the province
    ("They captured the Qadis district center of Badghis last night.", ("Qadis", "district"), "Qala-e-Naw"),
    # a district located "in Kunduz": Kunduz locates it, it is not a second place
    ("The Taliban seized Dasht-e-Archi in Kunduz on Sunday.", ("Dasht-e Archi", "district"), "Kunduz"),
])
def test_the_province_stays_a_province_or_locates_a_district(text, place, not_seat):
    got = _places(text)
    assert place in got
    assert (not_seat, "district") not in got


def test_a_place_the_gazetteer_lacks_takes_the_country_its_sentence_names():
    text = ("Defence officials of Russia and Uzbekistan met in Termez on Monday. The joint drills will be held at two "
            "training grounds in Tajikistan - Lyaur and Momirak - and will involve 2,000 troops, the Central Military "
            "District said.")
    drills = [e for e in detect(text, published="2021-07-05").events if e.subtype == "exercise" and e.place]
    assert drills and {e.place.country for e in drills} == {"Tajikistan"}


@pytest.mark.parametrize("text, place", [
    # a state posts its forces on its own side: the Murghab of Tajikistan, not Afghanistan's district of that name
    ("Tajikistan sent 500 troops to the Murghab district bordering Afghanistan, the defence ministry said.",
     ("Murghob", "Tajikistan")),
    # a state's posture with no place named is on its own territory
    ("Turkmen troops were put on high alert after clashes on the border with Afghanistan, officials said.",
     ("Turkmenistan", "Turkmenistan")),
])
def test_a_states_posture_is_on_its_own_side(text, place):
    got = {(e.place.name, e.place.country) for e in detect(text, published="2021-07-05").events
           if e.kind == "troop_movement" and e.place}
    assert place in got


@pytest.mark.parametrize("text, names", [
    # "қабул кард" (Tajik: "accepted") is a common word, not Kabul; names are capitalised in Cyrillic scripts
    ("Ҳукумат 130 сарбози афғонро қабул кард.", []),
    ("Талибы вошли в Кабул.", ["Kabul"]),
    # an adjective made from a name is written in lower case and still names the place
    ("В кундузском аэропорту приземлился самолет.", ["Kunduz"]),
])
def test_a_lower_case_cyrillic_word_is_no_place_name(text, names):
    from borderwatch.detect.places import article_places

    assert [m.place.name for m in article_places(text) if m.place.kind != "country"] == names
