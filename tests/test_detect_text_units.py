"""Sentence splitting and count parsing."""

from __future__ import annotations

import re

from borderwatch.detect.numbers import find_count, parse_number
from borderwatch.detect.sentences import split_sentences

UNIT = re.compile(r"\b(?:soldiers|troops|servicemen|border guards|fighters)\b", re.I)


def test_split_keeps_abbreviations_and_offsets():
    text = "Lt. Gen. Ivanov said the U.S. left. Then 3.5 km away!\n\nNew line here"
    spans = split_sentences(text)
    got = [text[a:b] for a, b in spans]
    assert got == ["Lt. Gen. Ivanov said the U.S. left.", "Then 3.5 km away!", "New line here"]


def test_glued_headline_is_split_but_double_space_inside_sentence_is_not():
    text = "Taliban Seize Border Town In North  KABUL: The Taliban seized the town.  Forces have recaptured  Darqad district."
    got = [text[a:b] for a, b in split_sentences(text)]
    assert got[0] == "Taliban Seize Border Town In North"
    assert "Forces have recaptured  Darqad district." in got


def test_parse_numbers():
    assert parse_number("1,037") == 1037
    assert parse_number("eighty-four") == 84
    assert parse_number("two hundred") == 200
    assert parse_number("2.5 thousand") == 2500
    assert parse_number("hundreds") is None


def test_find_count_qualified():
    c, unit = find_count("More than 1,000 Afghan soldiers fled.", UNIT)
    assert c.value == 1000 and c.text == "More than 1,000 Afghan soldiers" and unit == "soldiers"
    c, _ = find_count("Hundreds of Taliban fighters attacked.", UNIT)
    assert c.value is None and c.text.lower().startswith("hundreds")
    c, _ = find_count("In 2021, troops moved.", UNIT)
    assert c is None


def test_published_accepts_full_iso_timestamps():
    from borderwatch.detect.dates import parse_published

    assert parse_published("2026-11-18T09:00:00+00:00").isoformat() == "2026-11-18"
    assert parse_published("2026-11-18").isoformat() == "2026-11-18"
    assert parse_published("Wed, 18 Nov 2026") is None


def test_past_year_heading_a_sentence_is_background_with_a_timestamp():
    from borderwatch.detect import detect

    text = ("In July 2021, as the former republic collapsed, more than 1,000 Afghan government soldiers fled "
            "into Tajikistan and Uzbekistan.")
    assert not detect(text, published="2026-11-18T09:00:00+00:00").alert_events


def test_relative_dates_count_back_from_published():
    from datetime import date

    from borderwatch.detect.dates import event_date

    pub = date(2026, 11, 25)
    assert event_date("Fighters took the town yesterday.", pub, 2026) == "2026-11-24"
    assert event_date("Last week fighters seized the district centre.", pub, 2026) == "2026-11-18"
    assert event_date("Боевики захватили уезд на прошлой неделе.", pub, 2026) == "2026-11-18"
    assert event_date("The post fell three days ago.", pub, 2026) == "2026-11-22"
    assert event_date("The post fell.", pub, 2026) is None
