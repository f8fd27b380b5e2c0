"""`borderwatch map`: what articles say is untrusted, so a map of hostile texts must show them as text and run
nothing — checked in a real headless Chromium, popups opened. And the page is self-contained."""

from __future__ import annotations

import re
from datetime import date

from typer.testing import CliRunner

from borderwatch.cli import app
from borderwatch.eventmap import render_map
from borderwatch.gazetteer import Place
from borderwatch.models.db import Database
from tests.browser import Chromium
from tests.eventseed import ARGO, article, mention, seed

PWN = [
    '<img src=x onerror="window.__bw_pwned=1">',
    "</script><script>window.__bw_pwned=2</script>",
    "`${window.__bw_pwned=3}` \\` $",
    '"><svg onload=window.__bw_pwned=4>',
    "</style><style>body{display:none}</style>",
]
HOSTILE_PLACE = Place(id="XX-HOSTILE", name=f"Kala{PWN[3]}", kind="town", country="Afghanistan", country_code="AF",
                      district="Argo", province="Badakhshan", lat=37.2, lon=70.6, precision="place")


def test_hostile_article_text_is_shown_as_text_and_runs_nothing(sqlite_url, tmp_path):
    db = Database(sqlite_url)
    seed(db, [article("javascript:window.__bw_pwned=5", f"Title {PWN[0]}", [mention(
        place=HOSTILE_PLACE, actors=(f"Group {PWN[1]}",), count=70, count_text=f"70 {PWN[2]}",
        evidence=f"Fighters {PWN[0]} took {PWN[1]} the {PWN[2]} town {PWN[3]} {PWN[4]}.",
        event_date=date(2026, 11, 20))])])
    seed(db, [article("https://news.example/argo?a=1&b=<2>", f"Argo {PWN[3]}", [mention(
        place=ARGO, evidence=f"Taliban captured Argo {PWN[4]}.", event_date=date(2026, 11, 21))])])
    db.dispose()
    page = tmp_path / "map.html"
    result = CliRunner().invoke(app, ["map", "--database-url", sqlite_url, "--out", str(page)])
    assert result.exit_code == 0, result.output
    html = page.read_text(encoding="utf-8")
    assert "<script src=" not in html and "<link " not in html
    assert html.count("<script>") == html.count("</script>")  # nothing in the data closed a script early

    with Chromium() as browser:
        log = browser.open(page.as_uri())
        texts = []
        for i in range(browser.evaluate("document.querySelectorAll('path.bw-event').length")):
            browser.evaluate(f"document.querySelectorAll('path.bw-event')[{i}]"
                             ".dispatchEvent(new MouseEvent('click', {bubbles: true}))")
            texts.append(browser.evaluate("document.querySelector('.leaflet-popup-content').innerText"))
        panel = browser.evaluate("document.getElementById('bw-panel').innerText")
        pwned = browser.evaluate("window.__bw_pwned === undefined ? null : window.__bw_pwned")
        injected = browser.evaluate("document.querySelectorAll('.leaflet-popup-content img, .leaflet-popup-content "
                                    "svg, #bw-panel img, #bw-panel svg, body > img, body > svg').length")
        links = browser.evaluate("[...document.querySelectorAll('a')].map(a => a.getAttribute('href'))")
        visible = browser.evaluate("getComputedStyle(document.body).display")
        shot = browser.screenshot(tmp_path / "hostile.png")
        log = browser.log() if not log.dialogs else log
    assert pwned is None and not log.dialogs and injected == 0 and visible != "none"
    assert not log.exceptions, log.exceptions
    popup = next(t for t in texts if "Fighters" in t)
    for needle in PWN:  # every hostile string is there, as the literal text it is
        assert " ".join(needle.split()) in " ".join(popup.split()), (needle, popup)
    assert f"Kala{PWN[3]}" in panel
    assert not any(href and href.lower().startswith("javascript:") for href in links)
    assert "https://news.example/argo?a=1&b=<2>" in links or "https://news.example/argo?a=1&b=%3C2%3E" in links
    assert shot.stat().st_size > 10_000


def test_an_empty_map_is_still_a_whole_page():
    html = render_map([], [])
    assert html.startswith("<!DOCTYPE html>") and "L.map(" in html and "No events." in html
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=", html)
    assert "Leaflet" in html  # the library itself, inlined
