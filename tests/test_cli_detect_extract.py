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


def test_extract_gives_every_file_an_object_and_exit_1_when_one_failed(tmp_path):
    good = tmp_path / "good.html"
    good.write_text("<html><head><title>Bridge</title></head><body><article>"
                    + "".join(f"<p>Paragraph {i} about lorries waiting at the bridge over the river while "
                              f"officials checked their papers one by one.</p>" for i in range(5))
                    + "</article></body></html>", encoding="utf-8")
    image = tmp_path / "photo.html"
    image.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    text = tmp_path / "notes.txt"
    text.write_text("Just a note, with no markup at all.\n")
    missing = tmp_path / "missing.html"
    proc = run(["extract", str(missing), str(good), str(image), str(text)])
    assert proc.returncode == 1, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o["source"] for o in out] == [str(missing), str(good), str(image), str(text)]  # in order, none lost
    assert out[0]["error"] == "cannot read: No such file or directory" and out[0]["text"] == ""
    assert out[1]["error"] is None and "Paragraph 3" in out[1]["text"]
    assert out[2]["error"] == "not an HTML file (binary content)"
    assert out[3]["error"] == "not an HTML file (no HTML tags)"
    assert all(set(o) == set(out[1]) for o in out)  # the same keys in every object
    assert proc.stderr.strip() == "borderwatch: 3 of 4 file(s) could not be read as HTML"
