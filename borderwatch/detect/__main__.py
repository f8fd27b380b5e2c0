"""JSON Lines front end: ``python -m borderwatch.detect < articles.jsonl > detections.jsonl``.

Input, one object per line: ``{"id", "text", "title"?, "url"?, "published"?, "language"?}``.
Output, one object per input line in the same order: ``{"id", "relevant", "score", "events": [...]}``.
Blank lines are skipped. Logs go to stderr; a line that is not a JSON object is an error naming its line
number (exit status 2), and nothing more is read.
"""

from __future__ import annotations

import json
import sys
from typing import TextIO

from .engine import detect

EXIT_BAD_INPUT = 2


_ADMIN_LEVEL = {"country": 0, "province": 1, "district": 2}


def place_json(place: dict) -> dict:
    """Contract rendering of a place: no empty fields, and a numeric ``admin_level`` (0 country, 1 province,
    2 district, 3 town / crossing / village). A country-level place carries names only — ``{"name": "Tajikistan",
    "country": "Tajikistan", "admin_level": 0, "lat", "lon"}`` — so that no code ("TJ") or generic word
    ("country") reads like a place below country level."""
    named = str(place.get("id", "")).startswith("unresolved:")  # a place kept as written: never a bare country
    level = 0 if not named and (place.get("precision") == "country" or place.get("kind") == "country") else \
        _ADMIN_LEVEL.get(place.get("kind"), 3)
    if level == 0:
        out = {"name": place.get("country") or place.get("name"), "country": place.get("country") or place.get("name"),
               "admin_level": 0, "lat": place.get("lat"), "lon": place.get("lon")}
        return {k: v for k, v in out.items() if v is not None}
    out = {k: v for k, v in place.items() if v is not None}
    out["admin_level"] = level
    return out


def _event_json(e, text_offset: int = 0) -> dict:
    out = e.to_json(text_offset)
    place = out.get("place")
    if isinstance(place, dict):
        out["place"] = place_json(place)
    return out


def run_jsonl(stdin: TextIO, stdout: TextIO) -> int:
    """Read articles from ``stdin``, write one detection per article to ``stdout``. Returns the exit status."""
    n_items = 0
    for lineno, line in enumerate(stdin, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            print(f"borderwatch detect: line {lineno}: invalid JSON ({exc.msg} at column {exc.colno})", file=sys.stderr)
            return EXIT_BAD_INPUT
        if not isinstance(item, dict):
            print(f"borderwatch detect: line {lineno}: expected a JSON object, got {type(item).__name__}", file=sys.stderr)
            return EXIT_BAD_INPUT
        text = item.get("text")
        if text is not None and not isinstance(text, str):
            print(f"borderwatch detect: line {lineno}: \"text\" must be a string", file=sys.stderr)
            return EXIT_BAD_INPUT
        det = detect(text or "", title=item.get("title") or None, language=item.get("language") or None,
                     published=item.get("published") or None)
        out = {"id": item.get("id"), "relevant": det.relevant, "score": round(det.score, 4),
               "events": [_event_json(e, det.text_offset) for e in det.events]}
        stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        n_items += 1
    stdout.flush()
    print(f"borderwatch detect: {n_items} articles", file=sys.stderr)
    return 0


def main() -> int:
    return run_jsonl(sys.stdin, sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
