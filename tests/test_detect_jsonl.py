"""The `borderwatch detect` JSON Lines contract, through run_jsonl."""

from __future__ import annotations

import io
import json

from borderwatch.detect.__main__ import EXIT_BAD_INPUT, run_jsonl


def _run(lines: list[str]) -> tuple[int, list[dict]]:
    out = io.StringIO()
    code = run_jsonl(io.StringIO("".join(lines)), out)
    return code, [json.loads(x) for x in out.getvalue().splitlines()]


def test_one_object_per_line_in_order():
    items = [
        {"id": "a", "text": "Afghan soldiers fled across the border into Uzbekistan after Taliban fighters took Mazar-i-Sharif."},
        {"id": "b", "text": "A new football stadium opened in Tashkent on Saturday."},
        {"id": 3, "title": "Taliban overrun district", "text": "The Taliban overran Kohistan district in Badakhshan.",
         "published": "2020-05-04", "language": "en"},
    ]
    code, out = _run([json.dumps(i) + "\n" for i in items] + ["\n"])
    assert code == 0
    assert [o["id"] for o in out] == ["a", "b", 3]
    assert out[0]["relevant"] and {e["kind"] for e in out[0]["events"]} >= {"troop_movement"}
    assert not out[1]["relevant"] and out[1]["events"] == []
    ev = out[2]["events"][0]
    assert {"kind", "subtype", "place", "actor", "count", "evidence", "rule", "checks"} <= set(ev)
    assert ev["kind"] == "territorial" and ev["subtype"] == "captured" and "type" not in ev


def test_offsets_index_the_text_also_when_a_title_is_given():
    text = "Officials met in Dushanbe. The Taliban overran Kohistan district in Badakhshan on Monday."
    code, out = _run([json.dumps({"id": 1, "title": "Report from the north", "text": text}) + "\n",
                      json.dumps({"id": 2, "title": "Taliban overrun Kohistan district in Badakhshan",
                                  "text": "Officials met in Dushanbe on Monday to discuss trade."}) + "\n"])
    assert code == 0
    ev = [e for e in out[0]["events"] if e["kind"] == "territorial"][0]
    assert text[ev["start"]:ev["end"]] == ev["evidence"] and not ev.get("in_title")
    ev = [e for e in out[1]["events"] if e["kind"] == "territorial"][0]
    assert ev["in_title"] and ev["start"] is None and ev["end"] is None


def test_bad_json_names_the_line(capsys):
    code, out = _run([json.dumps({"id": "ok", "text": "x"}) + "\n", "{not json\n"])
    assert code == EXIT_BAD_INPUT
    assert len(out) == 1
    assert "line 2" in capsys.readouterr().err


def test_non_object_line_is_an_error(capsys):
    code, _ = _run(["[1, 2]\n"])
    assert code == EXIT_BAD_INPUT
    assert "line 1" in capsys.readouterr().err


def test_a_place_kept_as_written_is_not_reported_as_its_country():
    text = "The drills are being conducted at the Kharb-Maidon and Momirak training grounds near the Tajik-Afghan border."
    code, out = _run([json.dumps({"id": 1, "text": text}) + "\n"])
    names = {e["place"]["name"] for e in out[0]["events"] if e["kind"] == "troop_movement" and e["place"]}
    assert {"Kharb-Maidon", "Momirak"} <= names
