"""After `make demo` (`borderwatch demo` with no options), the commands the README shows next —
`borderwatch events`, `feeds`, `alerts`, `map --out map.html` — show the demo's data without any flag; the map
is one self-contained page that a real headless Chromium opens with no errors and the demo's markers on it.
Each command runs as the installed `borderwatch` program, in a home of its own (XDG_DATA_HOME)."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from borderwatch.models import queries
from borderwatch.models.db import Database
from tests.browser import Chromium
from tests.bwproc import BORDERWATCH
from tests.conftest import free_port

TILE_HOSTS = ("tile.openstreetmap.org",)  # the only requests allowed to fail: there is no internet here


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory, prefect_harness):
    """A user's data directory after `borderwatch demo`, and the environment to run the next commands in."""
    from prefect.settings import get_current_settings

    home = tmp_path_factory.mktemp("home")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BORDERWATCH_")}
    env.update(XDG_DATA_HOME=str(home), PREFECT_API_URL=str(get_current_settings().api.url), COLUMNS="160")
    result = subprocess.run([BORDERWATCH, "demo", "--port", str(free_port())], env=env, capture_output=True,
                            text=True, timeout=300, cwd=home)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "borderwatch events" in result.stdout  # the demo says what to run next
    return home, env


def bw(demo_home, *args: str) -> subprocess.CompletedProcess:
    home, env = demo_home
    result = subprocess.run([BORDERWATCH, *args], env=env, capture_output=True, text=True, timeout=120, cwd=home)
    assert result.returncode == 0, result.stderr
    return result


def demo_db(demo_home) -> Database:
    return Database(f"sqlite:///{demo_home[0] / 'borderwatch' / 'borderwatch.db'}", migrate=False)


def test_events_feeds_and_alerts_show_the_demo_without_flags(demo_home):
    events = [json.loads(line) for line in bw(demo_home, "events", "-f", "json").stdout.splitlines()]
    assert len(events) >= 8 and {"Wakhan", "Khamyab"} <= {e["place_name"] for e in events}
    table = bw(demo_home, "events").stdout
    assert f"events ({len(events)}, times UTC)" in table and "Wakhan" in table
    feeds = bw(demo_home, "feeds").stdout
    assert "feeds (5, times UTC)" in feeds and "Kabul Wire (demo)" in feeds
    alerts = bw(demo_home, "alerts", "-f", "json").stdout.splitlines()
    assert alerts and all(json.loads(line)["status"] == "sent" for line in alerts)


def test_the_map_of_the_demo_in_chromium(demo_home, tmp_path):
    home, _env = demo_home
    out = bw(demo_home, "map", "--out", "map.html").stdout
    page = home / "map.html"
    html = page.read_text(encoding="utf-8")
    db = demo_db(demo_home)
    with db.session() as s:
        rows = queries.events(s, limit=10_000)
        control = queries.place_control(s)
    db.dispose()
    located = [r for r in rows if r["lat"] is not None]
    held = [r for r in control if r["lat"] is not None]
    assert f"wrote map.html: {len(located)} of {len(rows)} events on the map" in out
    assert len(located) >= 8 and held
    assert "<script src=" not in html and "<link " not in html  # self-contained: Leaflet is inlined

    with Chromium() as browser:
        log = browser.open(page.as_uri())
        shot = browser.screenshot(tmp_path / "map.png")
        markers = browser.evaluate("document.querySelectorAll('path.bw-event').length")
        holders = browser.evaluate("document.querySelectorAll('path.bw-holder').length")
        listed = browser.evaluate("document.querySelectorAll('#bw-events li').length")
        layers = browser.evaluate("[...document.querySelectorAll('.leaflet-control-layers-overlays label')]"
                                  ".map(l => l.textContent.trim())")
        browser.evaluate("document.querySelector('path.bw-territorial')"
                         ".dispatchEvent(new MouseEvent('click', {bubbles: true}))")
        popup = browser.evaluate("document.querySelector('.leaflet-popup-content').innerText")
    failed = [(url, err) for url, err in log.failed_requests if not url.startswith(tuple(f"https://{h}/"
                                                                                       for h in TILE_HOSTS))]
    errors = [e for e in log.console_errors if not any(h in e for h in TILE_HOSTS)]
    assert not failed and not errors and not log.exceptions and not log.dialogs, (failed, errors, log.exceptions)
    assert all(url.startswith(("file:", "data:", "https://tile.openstreetmap.org/")) for url in log.requested)
    assert markers == len(located) and holders == len(held) and listed == len(rows)
    assert any("territorial" in label for label in layers) and any("who holds what" in label for label in layers)
    assert "Place:" in popup and "Sources:" in popup
    assert shot.stat().st_size > 20_000  # a real picture (kept under the test's tmp dir)


def test_map_since_keeps_recent_events_only(demo_home):
    out = bw(demo_home, "map", "--out", "recent.html", "--since", "2099-01-01").stdout
    assert "0 of 0 events on the map" in out
