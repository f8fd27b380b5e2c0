"""`borderwatch detect` speaks the JSON Lines contract; `borderwatch extract` prints one object per file."""

import json
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent / "borderwatch"


def run(args, stdin=""):
    return subprocess.run([str(BIN), *args], input=stdin, capture_output=True, text=True, timeout=120)


def test_detect_contract_order_and_fields():
    items = [
        {"id": "a", "text": "Taliban fighters seized the Yamgan district centre in Badakhshan province on Monday, "
                            "a local official said."},
        {"id": "b", "text": "The football club won the regional cup final on Sunday evening.", "title": "Cup final"},
        {"id": 3, "text": "About 200 Afghan soldiers crossed the Panj river into Tajikistan overnight, the Tajik "
                          "border service said."},
    ]
    proc = run(["detect"], "".join(json.dumps(i) + "\n" for i in items))
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a", "b", 3]
    a, b, c = out
    assert a["relevant"] and any(e["kind"] == "territorial" and e["subtype"] == "captured" for e in a["events"])
    capture = next(e for e in a["events"] if e["kind"] == "territorial")
    assert capture["place"]["name"] == "Yamgan" and capture["place"]["province"] == "Badakhshan"
    assert capture["evidence"].startswith("Taliban fighters seized")
    assert not b["relevant"] and b["events"] == []
    assert any(e["kind"] == "troop_movement" and e["subtype"] == "crossed_border" for e in c["events"])


def test_detect_rejects_bad_json_with_the_line_number():
    proc = run(["detect"], '{"id": "ok", "text": "x"}\n{not json\n')
    assert proc.returncode == 2
    assert "line 2" in proc.stderr


def test_extract_prints_one_object_per_file(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<html><head><title>Border news</title><meta name='author' content='Anna Writer'></head><body>"
                    "<nav>Home | World | Sport</nav><article><h1>Border news</h1>"
                    + "".join(f"<p>Paragraph {i} about the border crossing at the river, where lorries queued "
                              f"for hours on the bridge while officials checked papers.</p>" for i in range(6))
                    + "</article><footer>All rights reserved</footer></body></html>", encoding="utf-8")
    empty = tmp_path / "empty.html"
    empty.write_text("<html><body></body></html>")
    proc = run(["extract", str(page), str(empty)])
    assert proc.returncode == 0, proc.stderr
    first, second = [json.loads(line) for line in proc.stdout.splitlines()]
    assert first["source"] == str(page) and "Paragraph 3" in first["text"] and "All rights" not in first["text"]
    assert first["title"] == "Border news" and first["author"] == "Anna Writer"
    assert set(first) >= {"source", "title", "text", "published", "author", "language"}
    assert second["text"] == ""


def test_extract_missing_file_exits_2(tmp_path):
    proc = run(["extract", str(tmp_path / "missing.html")])
    assert proc.returncode == 2 and "cannot read" in proc.stderr
