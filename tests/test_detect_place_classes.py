"""Place classes of issue 10 (sentences written for this project): where troops went or stand when the gazetteer
lacks the place ("to the border outpost of X", "в районе заставы «X»"), a Cyrillic spelling the gazetteer lacks
read through its Latin spellings ("Юмган" is Yamgan), a name kept as written given in Latin letters, and lists
read backwards through the province each item is located in (verb-final languages name the places before the
verb: "… جرم بدخشان و فرخار تخار … سقوط کرد")."""

from __future__ import annotations

import pytest

from borderwatch.detect import detect
from borderwatch.detect.places import latin_name


def _places(text: str, kind: str) -> list[tuple[str, str | None]]:
    return [(e.place.name, e.place.as_written) for e in detect(text).events if e.kind == kind and e.place]


@pytest.mark.parametrize("text, name", [
    ("Tajikistan deployed 500 soldiers to the border outpost of Qizilsoy in Khatlon province, the border service said.",
     "Qizilsoy"),
    ("Более 300 афганских военных перешли границу Таджикистана в районе заставы «Сарибулак» в Хатлонской области, "
     "сообщили пограничники.", "Saribulak"),
])
def test_a_destination_or_post_the_gazetteer_lacks_places_the_troop_movement(text, name):
    assert name in [n for n, _ in _places(text, "troop_movement")]


@pytest.mark.parametrize("text, absent", [
    # the noun is no destination of the movement: it stands after the frame ends ("after a meeting at …")
    ("Tajik forces deployed 500 soldiers to the border on Monday after a meeting at the Qizilsoy airport authority "
     "in Khatlon, officials said.", "Qizilsoy"),
    # the outpost names who said so, not where they crossed
    ("Более 300 афганских военных перешли границу Таджикистана, сообщили пограничники заставы «Сарибулак».",
     "Saribulak"),
    # a withdrawal happens where they left, not at the post they went to
    ("Afghan soldiers withdrew from Yamgan district to the outpost of Qizilsoy, officials said.", "Qizilsoy"),
])
def test_no_destination_outside_the_frame(text, absent):
    assert absent not in [n for n, _ in _places(text, "troop_movement")]


def test_a_cyrillic_spelling_the_gazetteer_lacks_resolves_through_its_latin_spellings():
    places = _places("Талибы взяли под свой контроль уезд Юмган в провинции Бадахшан.", "territorial")
    assert places == [("Yamgan", "Юмган")]


def test_a_name_kept_as_written_reads_in_latin_letters():
    assert latin_name("Сарибулак") == "Saribulak"
    assert latin_name("Ҳарбмайдон") == "Harbmaydon"
    assert latin_name("Шамсиддин-Шохин") == "Shamsiddin-Shokhin"
    assert latin_name("Kunduz") == "Kunduz"


@pytest.mark.parametrize("text, names", [
    ("ولسوالی‌های جرم بدخشان و فرخار تخار به دست طالبان سقوط کرد.", {"Jorm", "Farkhar"}),
    ("Jorm and Farkhar were captured by the Taliban, officials in Kabul said.", {"Jorm", "Farkhar"}),
])
def test_a_list_of_districts_before_the_verb_yields_each(text, names):
    assert {n for n, _ in _places(text, "territorial")} == names


def test_a_province_alone_before_the_verb_is_not_read_as_a_list_of_its_districts():
    # "Jorm" names where the attackers came from; the province is what fell
    got = {n for n, _ in _places("Fighters from Jorm attacked, and Badakhshan fell to the Taliban, officials said.",
                                "territorial")}
    assert "Jorm" not in got


def test_training_grounds_named_after_a_dash_are_each_a_place_of_the_drill():
    text = ("The drills will be held at two training grounds in Tajikistan - Lyaur and Momirak - and will involve "
            "units of the CSTO's rapid reaction force.")
    assert {n for n, _ in _places(text, "troop_movement")} == {"Lyaur", "Momirak"}


def test_training_grounds_without_names_give_no_place():
    text = "Tajik and Russian units will hold drills at several training grounds in Tajikistan, the ministry said."
    assert {n for n, _ in _places(text, "troop_movement")} <= {"Tajikistan"}


def test_a_withdrawal_to_a_town_is_not_placed_in_the_province_that_locates_the_town():
    text = "Afghan soldiers abandoned their posts and fled to Faizabad, the capital of Badakhshan, officials said."
    assert "Badakhshan" not in {n for n, _ in _places(text, "troop_movement")}


def test_a_withdrawal_from_a_province_is_placed_there():
    text = "Afghan soldiers withdrew from Badakhshan province to Kabul after heavy fighting, officials said."
    assert "Badakhshan" in {n for n, _ in _places(text, "troop_movement")}


@pytest.mark.parametrize("text, name", [
    ("Tolibonlar hujumidan so‘ng 20 ta askar «Qizilsoy» chegara posti orqali Tojikistonga chekinishga majbur bo‘ldi.",
     "Qizilsoy"),
    ("Tolibonlar hujumidan so‘ng 20 ta askar «Shahritus» chegara otryadining posti orqali Tojikistonga chekindi.",
     "Shahritus"),
])
def test_uzbek_a_border_post_named_in_quotes_places_the_crossing(text, name):
    assert name in [n for n, _ in _places(text, "troop_movement")]


def test_uzbek_a_post_that_names_the_speaker_is_no_place():
    text = "20 ta askar Tojikistonga chekindi, deya xabar berdi «Qizilsoy» gazetasi."
    assert "Qizilsoy" not in [n for n, _ in _places(text, "troop_movement")]


@pytest.mark.parametrize("joined, name", [("جانیخیل", "Jani Khel"), ("خانآباد", "Khan Abad"), ("دندپتان", "Dand Wa Patan")])
def test_arabic_script_two_word_names_are_found_written_joined(joined, name):
    from borderwatch.detect.places import _gazetteer

    assert name in {p.name for p in _gazetteer().lookup(joined)}


def test_a_joined_common_word_is_no_place():
    from borderwatch.detect.places import _gazetteer

    assert _gazetteer().find("نیروهای امنیتی بازار و ساختمانهای فرمانداری را پس گرفتهاند") == []


@pytest.mark.parametrize("text", [
    "Near Ishkoshim, 30 Afghan soldiers crossed into Tajikistan overnight, the border service said.",
    "На участке Ишкашимского погранотряда 30 афганских военных перешли границу и вошли в Таджикистан, сообщили "
    "пограничники Таджикистана.",
])
def test_a_crossing_into_a_country_is_placed_where_the_clause_before_the_verb_locates_it(text):
    assert {n for n, _ in _places(text, "troop_movement")} & {"Ishkoshim", "Ishqoshim", "Ishkashim"}


def test_a_town_named_before_the_verb_without_near_is_not_the_crossing_place():
    text = "Officials in Khorugh said 30 Afghan soldiers crossed into Tajikistan overnight."
    assert "Khorugh" not in {n for n, _ in _places(text, "troop_movement")}


@pytest.mark.parametrize("text, names", [
    # a name the gazetteer lacks between two of its places
    ("Government forces retreated from Kharwar in Logar; Zorabad, Khanaqah and Mardyan districts of Jawzjan, "
     "officials said.", {"Zorabad"}),
    # after the last one, up to a place noun (Turkish: "… ve Y yerleşim alanlarını")
    ("Taliban, Bedahşan vilayetindeki Şikay, Nusay, Zorabad ve Kulan yerleşim alanlarını ele geçirdi.",
     {"Zorabad", "Kulan"}),
])
def test_names_the_gazetteer_lacks_in_a_list_of_its_places_are_places(text, names):
    got = {n for n, _ in _places(text, "territorial")} | {n for n, _ in _places(text, "troop_movement")}
    assert names <= got


@pytest.mark.parametrize("text, absent", [
    ("Taliban fighters captured Kunduz, Reuters reported on Monday.", "Reuters"),
    ("On Monday, Taliban fighters captured Kunduz and Taloqan, officials said.", "Monday"),
    ("Taliban fighters captured Kunduz and Taloqan, Mawlawi Rahman said.", "Rahman"),
    # a piece that is no name ("the governor said") keeps the whole gap out
    ("Taliban fighters captured Kunduz, the governor said, Zorabad and Taloqan.", "Zorabad"),
])
def test_no_list_slot_without_a_list_around_it(text, absent):
    assert absent not in {n for n, _ in _places(text, "territorial")}


@pytest.mark.parametrize("text", [
    "Clashes broke out on Monday in the town of Isfara, officials said. Tajikistan sent more troops there on Tuesday.",
    "Бои начались в понедельник в городе Исфара. Власти Таджикистана стянули туда войска и технику.",
])
def test_troops_sent_there_go_to_the_place_the_sentence_before_names(text):
    assert "Isfara" in {n for n, _ in _places(text, "troop_movement")}


def test_there_elsewhere_in_the_sentence_points_nowhere():
    text = ("Clashes broke out on Monday in the town of Isfara, officials said. Tajikistan sent more troops to the "
            "border on Tuesday, and officials there said it was calm.")
    assert "Isfara" not in {n for n, _ in _places(text, "troop_movement")}


@pytest.mark.parametrize("text, name", [
    # the province they came from, named in the sentence before
    ("Fighting flared overnight in Badakhshan province. More than 200 Afghan soldiers fled into Tajikistan on Monday, "
     "the border service said.", "Badakhshan"),
    # where they were stopped and sent back, named in the sentence before
    ("Tajik border guards detained a group of armed men in Shurobod district on Friday. They were sent back to "
     "Afghanistan on Saturday, the border service said.", "Shurobod"),
    # a drill told by its country, its training ground named in the next sentence
    ("Russian and Tajik units held joint drills in Tajikistan this week, the ministry said. The units practised an "
     "ambush at the Qizilsoy training ground.", "Qizilsoy"),
])
def test_a_move_told_by_its_country_takes_the_place_named_beside_it(text, name):
    assert any(name in (w or n) for n, w in _places(text, "troop_movement"))


def test_an_afghan_place_far_from_the_border_is_no_side_of_a_crossing():
    # Laghman has no crossing to Uzbekistan: it is not where the soldiers who crossed came from
    text = ("The Taliban also took Laghman province on Sunday. Eighty Afghan soldiers fled into Uzbekistan the same "
            "day, the Uzbek government said.")
    assert "Laghman" not in [n for n, _ in _places(text, "troop_movement")]


@pytest.mark.parametrize("text, name, absent", [
    ("The Taliban entered the city of Kunduz on Sunday. All security forces fled the airport, a police official said. "
     "In Sheberghan, the fighting went on.", "Kunduz", "Sheberghan"),
])
def test_a_definite_place_noun_points_back_to_the_place_named_before(text, name, absent):
    got = [n for n, _ in _places(text, "troop_movement")]
    assert name in got and absent not in got


def test_a_multi_word_name_the_gazetteer_splits_stays_one_place():
    # "Hazar" alone is a town in Turkmenistan, "Samuch" unknown: in a list of Takhar districts they are one name
    text = ("The Taliban overran the Darqad, Khwaja Ghar, Hazar Samuch, Yangi Qala and Khwaja Baha-u-Din districts "
            "of Takhar on Monday, a council member said.")
    got = {(e.place.as_written, e.place.province) for e in detect(text).events if e.kind == "territorial" and e.place}
    assert ("Hazar Samuch", "Takhar") in got and ("Khwaja Baha-u-Din", "Takhar") in got
    assert not any(w in ("Hazar", "Samuch", "Khwaja") for w, _ in got)


@pytest.mark.parametrize("text, name", [
    # the bridge is a crossing to Uzbekistan: the Uzbek side of it is where Uzbek troops stand
    ("Uzbek border guards were deployed near the Hairatan bridge on Sunday.", "Hairatan"),
    # a place across the border that is no crossing: the state posts its forces on its own side
    ("Turkmen border guards were deployed near Khamyab on Sunday.", "Turkmenistan"),
])
def test_a_state_posting_forces_at_a_crossing_to_it_keeps_the_crossing(text, name):
    assert [n for n, _ in _places(text, "troop_movement")] == [name]


@pytest.mark.parametrize("text, language, name", [
    # "from this district", two sentences after the district is named (verb-final: the phrase stands before the verb)
    ("نیروهای امنیتی کنترل ولسوالی جرم ولایت بدخشان را به دست گرفتند. این ولسوالی ده روز پیش سقوط کرده بود. "
     "جنگجویان طالبان از این ولسوالی فرار کردند.", "fa", "Jorm"),
    ("Талибы захватили уезд Ишкашим в провинции Бадахшан. Бои шли три дня. Правительственные войска отступили из "
     "этого уезда без боя.", "ru", "Ishkashim"),
    ("The Taliban captured the Kohistan district of Badakhshan on Monday. The fighting lasted three days. Government "
     "troops withdrew from this district overnight.", "en", "Kohistan"),
])
def test_a_demonstrative_place_noun_points_back_past_the_sentence_before(text, language, name):
    got = [e.place.name for e in detect(text, language=language).events if e.kind == "troop_movement" and e.place]
    assert got == [name]


@pytest.mark.parametrize("text, language, name", [
    # Tajik: the noun in ezafe before the name ("деҳаи X", "the village of X")
    ("Тоҷикистон ба деҳаи Сарикамар дар марз бо Афғонистон 2000 сарбоз фиристод.", "tg", "Sarikamar"),
    # Turkish: the name before the noun with its case ending ("X karakoluna", "to the X outpost")
    ("Taliban saldırısından kaçan 300'den fazla Afgan askeri sınırı geçerek Tacikistan'daki Şiramad karakoluna "
     "sığındı.", "tr", "Şiramad"),
])
def test_a_post_or_village_the_gazetteer_lacks_places_the_move_in_verb_final_languages(text, language, name):
    got = [e.place.name for e in detect(text, language=language).events if e.kind == "troop_movement" and e.place]
    assert name in got
