"""Who the event's actor is: the one who took the place or who moved, not any armed group the sentence names.

An alert's actor decides which reports are one event (sides must agree), so a wrong first actor splits one event
in two or joins two. Sentences written for this project, each checked both ways.
"""

import pytest

from borderwatch.detect import detect


def _first_actor(text: str, subtype: str) -> str | None:
    mine = [e for e in detect(text, published="2021-07-05").events if e.subtype == subtype]
    assert mine, f"no {subtype} event in: {text}"
    return mine[0].actors[0] if mine[0].actors else None


@pytest.mark.parametrize("text, subtype, actor", [
    # the agent after a passive trigger's own preposition ("collapsed to | the Taliban"), not the phrase heading
    # the sentence
    ("Following the withdrawal of Afghan security forces, the Warduj district collapsed to the Taliban on Friday.",
     "captured", "Taliban"),
    # a phrase heading the sentence ("As …, ") holds no subject of the main clause
    ("As the Taliban pressed north, 60 Afghanistan soldiers crossed into Uzbekistan overnight.",
     "crossed_border", "Afghan government forces"),
    # Russian: a group in the dative ("сдались талибам": surrendered to the Taliban) is not the subject
    ("Утром 40 афганских военных сдались талибам, ещё 90 отступили в Таджикистан.",
     "crossed_border", "Afghan government forces"),
    # Russian: a host lets the movers in: the movers are the actor
    ("Узбекские пограничники впустили на территорию страны 46 военных из Афганистана.",
     "crossed_border", "Afghan government forces"),
    # the state heading the trigger's own clause, not an earlier one
    ("Москва не будет посылать войска, Туркменистан мобилизует резервистов для защиты границы.",
     "mobilised", "Turkmen forces"),
    # Persian: the government took the district back "from the Taliban" (از طالبان)
    ("دولت افغانستان کنترل ولسوالی وردوج را از طالبان پس گرفت.", "retaken", "Afghan government forces"),
])
def test_the_actor_is_who_acted(text, subtype, actor):
    assert _first_actor(text, subtype) == actor


@pytest.mark.parametrize("text, subtype, actor", [
    # the same frames where the named group did act
    ("The Warduj district collapsed to the Taliban on Friday after a week of fighting.", "captured", "Taliban"),
    ("Ночью группа талибов перешла границу с Таджикистаном.", "crossed_border", "Taliban"),
    ("Туркменистан мобилизует резервистов для защиты границы.", "mobilised", "Turkmen forces"),
])
def test_the_named_group_still_acts_where_it_is_the_subject(text, subtype, actor):
    assert _first_actor(text, subtype) == actor


def test_a_passive_trigger_does_not_reach_past_its_object():
    # "fall into the hands of militants since US forces …": the agent is the militants, not the US forces further on
    text = ("Zaranj became the first provincial capital to fall into the hands of militants since US forces began "
            "withdrawing.")
    for e in detect(text, published="2021-07-05").events:
        assert "US/NATO forces" not in e.actors[:1]


@pytest.mark.parametrize("text", [
    "The army said an operation to retake the Warduj district will begin soon.",
    "Special forces have reached the district and a retaking operation will begin within days.",
])
def test_a_planned_retake_is_not_a_retake(text):
    assert not [e for e in detect(text, published="2021-07-05").events if e.subtype in ("retaken", "captured")]


def test_a_retake_told_as_done_is_one():
    text = "Afghan forces retook the Warduj district from the Taliban on Sunday."
    assert [e.actors[0] for e in detect(text, published="2021-07-05").events if e.subtype == "retaken"] \
        == ["Afghan government forces"]


@pytest.mark.parametrize("text", [
    "The Taliban seized equipment of the Afghan army in Kunduz.",
    "Боевики захватили технику афганской армии в Кундузе.",
])
def test_equipment_seized_is_not_territory(text):
    assert not [e for e in detect(text, published="2021-07-05").events if e.kind == "territorial"]


@pytest.mark.parametrize("text, subtype, actor", [
    # after a movement verb, "to" is where the troops went, not an agent
    ("The coalition dispatched American troops to Kunduz to help Afghan forces hold the city.", "deployed",
     "US/NATO forces"),
    # a relative clause on the destination ("…, where the Taliban are active") holds no actor of the deployment
    ("London announced the deployment of 500 more troops to Helmand, where the Taliban are most active.",
     "deployed", None),
])
def test_a_movement_verb_takes_no_agent_from_its_destination(text, subtype, actor):
    assert _first_actor(text, subtype) == actor


def test_soldiers_coming_back_to_serve_the_people_are_not_refugees():
    text = ("He said 900 soldiers who had retreated to the neighbouring country are reporting back, adding that those "
            "who crossed into Tajikistan are returning to serve the people of Badakhshan.")
    assert "refugees_crossing" not in {e.subtype for e in detect(text, published="2021-07-05").events}


def test_families_fleeing_across_the_border_are_refugees():
    text = "Hundreds of families fled the fighting across the river into Tajikistan on Sunday."
    assert "refugees_crossing" in {e.subtype for e in detect(text, published="2021-07-05").events}
