"""The bundled offline sample world served by `borderwatch demo`.

Everything under ``world/`` is a static template: absolute links are written as ``{base}`` and replaced with
the demo server's base URL (``str.replace``, so braces in HTML/JSON are safe). A file's URL path is its path
relative to ``world/`` (``world/feeds/kabul-wire.rss`` -> ``/feeds/kabul-wire.rss``); ``index.html`` files are
also served at their directory path (``/``). ``EXPECTED.md`` (what a good detector should find) is not served.

Notes:
  * some feed links carry tracking parameters (``?utm_source=rss&utm_medium=feed``); routes are keyed by path
    only, so the server must fall back to the path without the query string (``demo.server`` does);
  * nav, CSS and JS links in the pages point to paths that are not in the world: the server answers 404;
  * ``/feeds/regional-brief.json`` is a JSON Feed 1.1 (``application/feed+json``), parsed by
    ``borderwatch.feeds`` (feedparser itself does not read JSON Feed);
  * the page ``/kabul-wire/live/2026/11/24/kunduz-live.html`` is client-rendered on purpose (trafilatura
    extracts nothing), so the pipeline falls back to the feed summary.

All outlets, people and events are fictional (written for this demo, dated November 2026).
"""

from __future__ import annotations

from pathlib import Path

WORLD_DIR = Path(__file__).with_name("world")

CONTENT_TYPES: dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".rdf": "application/rdf+xml; charset=utf-8",
    ".json": "application/feed+json",
}

FEEDS: list[dict] = [
    {"name": "Kabul Wire (demo)", "path": "/feeds/kabul-wire.rss", "language": "en",
     "tags": ["afghanistan"]},
    {"name": "Pamir Dispatch (demo)", "path": "/feeds/pamir-dispatch.atom", "language": "en",
     "tags": ["tajikistan", "afghanistan", "border"]},
    {"name": "Oxus Monitor (demo)", "path": "/feeds/oxus-monitor.rdf", "language": "en",
     "tags": ["central-asia", "csto"]},
    {"name": "Vestnik Srednei Azii (demo)", "path": "/feeds/vestnik-sa.rss", "language": "ru",
     "tags": ["central-asia", "csto", "russian"]},
    {"name": "Regional Brief (demo)", "path": "/feeds/regional-brief.json", "language": "en",
     "tags": ["aggregator"]},
]


def load_world(base_url: str) -> dict[str, tuple[str, bytes]]:
    """Map URL path (e.g. "/feeds/kabul-wire.rss") -> (content_type, body bytes), with {base} in templates
    replaced by base_url (no trailing slash)."""
    base = base_url.rstrip("/")
    world: dict[str, tuple[str, bytes]] = {}
    for file in sorted(WORLD_DIR.rglob("*")):
        content_type = CONTENT_TYPES.get(file.suffix)
        if content_type is None or not file.is_file():
            continue  # EXPECTED.md and anything else that is not part of the served world
        rel = file.relative_to(WORLD_DIR).as_posix()
        body = file.read_text(encoding="utf-8").replace("{base}", base).encode("utf-8")
        world["/" + rel] = (content_type, body)
        if file.name == "index.html":
            directory = rel[: -len("index.html")]
            world["/" + directory] = (content_type, body)
    return world
