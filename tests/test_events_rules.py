"""The clustering rules of borderwatch/events.py, one test per rule (the same rules docs/alerts-and-sql.md states
for analysts). Pure: events are plain records here; tests/test_events_clustering.py runs them through storage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from borderwatch.events import Claim, EventState, best_match, family, place_key, plan, same_event
from borderwatch.gazetteer import Place

D = date(2026, 11, 20)


@dataclass
class Ev:
    kind: str
    subtype: str
    place_key: str
    place_name: str | None = None
    province: str | None = None
    country: str | None = None
    country_code: str | None = None
    precision: str | None = None
    actor: str | None = None
    event_date: date | None = D

    @property
    def family(self) -> str:
        return family(self.subtype)


def claim(kind="territorial", subtype="captured", key="AF1728", name="Wakhan", province="Badakhshan",
          country="Afghanistan", cc="AF", precision="district", actor=None, when=D) -> Claim:
    return Claim(kind, subtype, key, actor, when, name, province, country, cc, precision)


WAKHAN = Ev("territorial", "captured", "AF1728", "Wakhan", "Badakhshan", "Afghanistan", "AF", "district", "NRF")


def test_rule1_kind_and_family_a_handover_is_the_capture_a_retake_is_a_new_event():
    assert same_event(claim(subtype="handed_over", actor="Taliban"), WAKHAN, 3)
    assert not same_event(claim(subtype="retaken", actor="Taliban"), WAKHAN, 3)
    assert not same_event(claim(kind="troop_movement", subtype="withdrawal"), WAKHAN, 3)


def test_rule2_a_town_or_crossing_counts_as_its_district_spellings_fold():
    town = Place(id="gn:1", name="Khandud", kind="town", country="Afghanistan", country_code="AF", district_id="AF1728")
    crossing = Place(id="TJ-01", name="Sher Khan Bandar crossing", kind="crossing", country="Afghanistan",
                     country_code="AF", district_id="AF1905")
    assert place_key(town) == "AF1728" and place_key(crossing) == "AF1905"
    a = Place(id="unresolved:Kharb-Maidon", name="Kharb-Maidon", kind="range", country="Tajikistan", country_code="TJ")
    b = Place(id="unresolved:Harb Maidon", name="Harb Maidon", kind="range", country="Tajikistan", country_code="TJ")
    assert place_key(a) == place_key(b)


def test_rule2_a_country_or_province_report_joins_the_event_inside_it_and_the_other_way():
    crossing = Ev("troop_movement", "crossed_border", "TJ-GB-ish", "Ishkoshim", "Gorno-Badakhshan", "Tajikistan", "TJ",
                  "district")
    country = claim("troop_movement", "crossed_border", "TJ", "Tajikistan", None, "Tajikistan", "TJ", "country")
    assert same_event(country, crossing, 3)
    province = claim("troop_movement", "crossed_border", "TJ-GB", "Gorno-Badakhshan", "Gorno-Badakhshan",
                     "Tajikistan", "TJ", "province")
    assert same_event(province, crossing, 3)
    coarse_event = Ev("troop_movement", "crossed_border", "TJ", "Tajikistan", None, "Tajikistan", "TJ", "country")
    fine = claim("troop_movement", "crossed_border", "X", "Ishkoshim", "Gorno-Badakhshan", "Tajikistan", "TJ", "district")
    assert same_event(fine, coarse_event, 3)
    other_country = claim("troop_movement", "crossed_border", "UZ", "Uzbekistan", None, "Uzbekistan", "UZ", "country")
    assert not same_event(other_country, crossing, 3)
    other_province = claim(key="AF19", name="Kunduz", province="Kunduz", precision="province")
    assert not same_event(other_province, WAKHAN, 3)


def test_rule3_a_mention_with_no_place_joins_no_event_by_place():
    assert not same_event(claim(key="", name=None, province=None, country=None, cc=None), WAKHAN, 3)


def test_rule4_sides_matter_for_control_and_movements_not_for_drills():
    assert not same_event(claim(actor="Taliban"), WAKHAN, 3)
    assert same_event(claim(actor="Anti-Taliban forces"), WAKHAN, 3)  # an alias of the NRF's side
    pullout = Ev("troop_movement", "withdrawal", "AF1728", "Wakhan", "Badakhshan", "Afghanistan", "AF", "district",
                 "Taliban")
    assert not same_event(claim("troop_movement", "withdrawal", actor="NRF"), pullout, 3)  # the other side leaving
    assert same_event(claim("troop_movement", "withdrawal", actor=None), pullout, 3)
    drill = Ev("troop_movement", "exercise", "unresolved:TJ:harbmaidon", "Harb-Maidon", "Khatlon", "Tajikistan",
               "TJ", "province", "CSTO")
    for actor in ("Russian forces", "Russian 201st military base", "Tajik forces", None):
        assert same_event(claim("troop_movement", "exercise", "unresolved:TJ:harbmaidon", "Harb-Maidon", "Khatlon",
                                "Tajikistan", "TJ", "province", actor), drill, 3)


def test_rule5_dates_within_the_window():
    assert same_event(claim(actor="NRF", when=D + timedelta(days=3)), WAKHAN, 3)
    assert not same_event(claim(actor="NRF", when=D + timedelta(days=4)), WAKHAN, 3)


def test_rule6_the_same_place_before_a_closer_date():
    exact = Ev("territorial", "captured", "AF1728", "Wakhan", "Badakhshan", "Afghanistan", "AF", "district",
               event_date=D - timedelta(days=2))
    province = Ev("territorial", "captured", "AF17", "Badakhshan", "Badakhshan", "Afghanistan", "AF", "province",
                  event_date=D)
    assert best_match(claim(), [province, exact], 3) is exact


def _state(ev: Ev) -> EventState:
    return EventState(None, ev.kind, ev.subtype, ev.place_key, ev.actor, ev.event_date, ev.place_name, ev.province,
                      ev.country, ev.country_code, ev.precision)


def test_rule3_over_a_batch_an_unplaced_mention_joins_only_its_own_articles_event():
    placed = Claim("territorial", "captured", "AF1728", "NRF", D, "Wakhan", "Badakhshan", "Afghanistan", "AF",
                   "district", article=1)
    unplaced_same_article = Claim("territorial", "captured", "", "NRF", D, article=1)
    unplaced_other_article = Claim("territorial", "captured", "", "NRF", D, article=2)
    events: list[EventState] = []
    # the unplaced claim comes first in the batch: claims are taken article by article, placed ones first
    assert plan([unplaced_same_article, placed, unplaced_other_article], events, 3) == [0, 0, None]
    assert len(events) == 1 and events[0].articles == {1}


def test_rule3_a_claim_of_a_share_of_the_border_needs_no_place():
    share = Claim("territorial", "control_claim", "", "Taliban", D, article=1)
    again = Claim("territorial", "control_claim", "", "Taliban", D + timedelta(days=1), article=2)
    events: list[EventState] = []
    assert plan([share, again], events, 3) == [0, 0]


def test_rule2_over_a_batch_a_country_event_takes_the_finer_place_of_a_later_report():
    country = _state(Ev("troop_movement", "crossed_border", "TJ", "Tajikistan", None, "Tajikistan", "TJ", "country"))
    fine = Claim("troop_movement", "crossed_border", "TJ-GB-ISH", None, D, "Ishkoshim", "Gorno-Badakhshan",
                 "Tajikistan", "TJ", "district", article=5)
    events = [country]
    assert plan([fine], events, 3) == [0]
    assert (country.place_key, country.place_name, country.place_from) == ("TJ-GB-ISH", "Ishkoshim", 0)


def test_rule2_a_city_named_as_its_province_is_inside_the_province():
    """Kabul the city (precision 'place') lies inside Kabul the province: the names are equal, the levels not."""
    province = Ev("territorial", "captured", "AF01", "Kabul", "Kabul", "Afghanistan", "AF", "province", "Taliban")
    city = claim(key="AF0101", name="Kabul", province="Kabul", precision="place", actor="Taliban")
    assert same_event(city, province, 3)


def test_rule1_fleeing_withdrawing_and_surrendering_are_one_movement():
    crossing = Ev("troop_movement", "crossed_border", "TJ-GB", "Gorno-Badakhshan", "Gorno-Badakhshan", "Tajikistan",
                  "TJ", "province")
    assert same_event(claim("troop_movement", "surrendered", "TJ-GB", "Gorno-Badakhshan", "Gorno-Badakhshan",
                            "Tajikistan", "TJ", "province"), crossing, 3)



def test_rule5_reported_the_same_days_even_when_a_stated_date_is_off():
    """A text dating the event wrongly (a year guessed wrong) still joins the reports published with it; two
    captures of one place weeks apart, stated and reported weeks apart, stay two events."""
    first = Claim("territorial", "captured", "AF1728", "Taliban", D, "Wakhan", "Badakhshan", "Afghanistan", "AF",
                  "district", article=1, reported=D)
    off = Claim("territorial", "captured", "AF1728", "Taliban", D - timedelta(days=300), "Wakhan", "Badakhshan",
                "Afghanistan", "AF", "district", article=2, reported=D + timedelta(days=1))
    later = Claim("territorial", "captured", "AF1728", "Taliban", D + timedelta(days=30), "Wakhan", "Badakhshan",
                  "Afghanistan", "AF", "district", article=3, reported=D + timedelta(days=30))
    events: list[EventState] = []
    assert plan([first, off, later], events, 3) == [0, 0, 1]
    assert events[0].reported == (D, D + timedelta(days=1))


def test_rule1_deployed_mobilised_and_on_alert_are_one_build_up_of_one_side():
    gbao = Ev("troop_movement", "alert", "TJ-GB", "Gorno-Badakhshan", "Gorno-Badakhshan", "Tajikistan", "TJ",
              "province", "Tajik border troops")
    for sub in ("mobilised", "deployed"):
        assert same_event(claim("troop_movement", sub, "TJ-GB", "Gorno-Badakhshan", "Gorno-Badakhshan", "Tajikistan",
                                "TJ", "province", actor="Tajik forces"), gbao, 3)
    # another side's build-up at the same place is its own event, and so is a movement of the same force
    assert not same_event(claim("troop_movement", "deployed", "TJ-GB", "Gorno-Badakhshan", "Gorno-Badakhshan",
                                "Tajikistan", "TJ", "province", actor="Taliban"), gbao, 3)
    assert not same_event(claim("troop_movement", "withdrawal", "TJ-GB", "Gorno-Badakhshan", "Gorno-Badakhshan",
                                "Tajikistan", "TJ", "province", actor="Tajik forces"), gbao, 3)
