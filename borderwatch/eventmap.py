"""`borderwatch map`: events and who holds each place on one self-contained HTML page.

folium builds the Leaflet map (no JavaScript of ours); Leaflet's own JS and CSS come from the XStatic-Leaflet
package and are inlined, so the file needs no server and nothing from the internet except the background map
tiles. Layers: one per event kind (circles coloured by kind), and "who holds what" (the current holder of
each place from ``place_control_v``, dashed rings coloured by holder). Beside the map, the events as a
list by date. Every text from an article or a feed is HTML-escaped (it is untrusted): popups and tooltips
carry escaped HTML, and folium embeds the data as HTML-safe JSON.
"""

from __future__ import annotations

import base64
import hashlib
import html
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path

import folium
from xstatic.pkg import leaflet as xleaflet

from borderwatch.alerts import EventSummary

KIND_COLOURS = {  # colour-blind-safe (Okabe–Ito)
    "territorial": "#D55E00",
    "troop_movement": "#0072B2",
    "attack": "#CC79A7",
    "statement": "#999999",
    "cooperation": "#009E73",
    "threat_assessment": "#E69F00",
}
OTHER_COLOUR = "#666666"
HOLDER_PALETTE = ["#000000", "#56B4E9", "#009E73", "#F0E442", "#E69F00", "#CC79A7", "#0072B2", "#D55E00"]
REGION_CENTRE = (37.0, 68.5)  # Afghanistan's northern border
SAME_PLACE_OFFSET = 0.04  # degrees: events at one place fan out around it so each can be clicked
MAX_SOURCES = 8


def _esc(value: object) -> str:
    return html.escape(" ".join(str(value).split()), quote=True) if value is not None else ""


def _http(url: str | None) -> str | None:
    """A link target only if it is http(s): an article can carry javascript: or data: links."""
    if url and re.match(r"^https?://", url.strip(), re.IGNORECASE):
        return url.strip()
    return None


def _day(value: object) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value or "")[:16]


def _where(row: Mapping) -> str:
    parts = [row.get("place_name"), row.get("district"), row.get("province"), row.get("country")]
    return ", ".join(dict.fromkeys(str(p) for p in parts if p)) or "place not named"


def _link(url: str | None, text: str) -> str:
    target = _http(url)
    if not target:
        return _esc(text)
    return f'<a href="{_esc(target)}" target="_blank" rel="noopener noreferrer">{_esc(text)}</a>'


def event_popup(row: Mapping, summary: EventSummary | None) -> str:
    """The popup of one event, as escaped HTML: what, where, when, actor, counts, evidence, sources."""
    what = f"{row.get('kind', '')}: {row.get('subtype', '')}".replace("_", " ")
    lines = [f"<b>{_esc(what)}</b>", f"<b>Place</b>: {_esc(_where(row))}"]
    when = _esc(_day(row.get("event_date"))) + " " if row.get("event_date") else ""
    lines.append(f"<b>Date</b>: {when}(first seen {_esc(_day(row.get('first_seen_at')))} UTC)")
    if row.get("actor"):
        lines.append(f"<b>Actor</b>: {_esc(row['actor'])}")
    counts = summary.counts if summary else []
    if counts:
        claims = "; ".join(_esc(c.text) + (f" ({_esc(', '.join(p for p in (c.claimant, c.source) if p))})"
                                          if c.claimant or c.source else "") for c in counts)
        lines.append(f"<b>Counts as claimed</b>: {claims}")
    corroboration = row.get("corroboration") or 0
    lines.append(f"<b>Sources</b>: {int(corroboration)}, confidence {float(row.get('confidence') or 0):.2f}")
    evidence = (summary.evidence if summary and summary.evidence else row.get("first_evidence")) or ""
    if evidence:
        lines.append(f"<blockquote>{_esc(evidence[:600])}</blockquote>")
    sources = summary.sources if summary else []
    if not sources and row.get("first_url"):
        links = [_link(row.get("first_url"), row.get("first_title") or row["first_url"])]
    else:
        links = [_link(s.url, s.title or s.url) + (f" ({_esc(s.site)})" if s.site else "")
                 for s in sources[:MAX_SOURCES]]
        if len(sources) > MAX_SOURCES:
            links.append(f"and {len(sources) - MAX_SOURCES} more")
    if links:
        lines.append("<ul>" + "".join(f"<li>{link}</li>" for link in links) + "</ul>")
    return '<div class="bw-popup">' + "<br>".join(lines) + "</div>"


def control_popup(row: Mapping) -> str:
    lines = [f"<b>{_esc(row.get('place_name') or 'place')}</b> ({_esc(_where(row))})",
             f"<b>Held by</b>: {_esc(row.get('holder') or 'unknown')} since {_esc(_day(row.get('since')))} "
             f"({_esc(str(row.get('by_subtype') or '').replace('_', ' '))})"]
    if row.get("previous_holder"):
        lines.append(f"<b>Before</b>: {_esc(row['previous_holder'])}")
    lines.append(f"<b>Changes of control reported</b>: {int(row.get('control_events') or 1)}")
    return '<div class="bw-popup">' + "<br>".join(lines) + "</div>"


def holder_colour(holder: str | None) -> str:
    digest = hashlib.sha256((holder or "").casefold().encode()).digest()
    return HOLDER_PALETTE[digest[0] % len(HOLDER_PALETTE)]


def _fan_out(rows: Sequence[Mapping]) -> list[tuple[float, float]]:
    """Coordinates for each located row; rows at the same point are spread on a small circle around it."""
    seen: Counter = Counter()
    totals = Counter((round(r["lat"], 4), round(r["lon"], 4)) for r in rows)
    out = []
    for r in rows:
        key = (round(r["lat"], 4), round(r["lon"], 4))
        n, i = totals[key], seen[key]
        seen[key] += 1
        if n == 1:
            out.append((r["lat"], r["lon"]))
        else:
            angle = 2 * math.pi * i / n
            out.append((r["lat"] + SAME_PLACE_OFFSET * math.sin(angle), r["lon"] + SAME_PLACE_OFFSET * math.cos(angle)))
    return out


def _feature(lat: float, lon: float, popup: str, label: str) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"popup": popup, "label": label}}


def _layer(name: str, features: list[dict], colour: str, css_class: str, radius: float, dash: str | None = None):
    data = {"type": "FeatureCollection", "features": features}
    marker = folium.CircleMarker(radius=radius, weight=3 if dash else 2, fill=True, fill_opacity=0.25 if dash else 0.8,
                                 color=colour, fill_color=colour, class_name=css_class, dash_array=dash)
    return folium.GeoJson(data, name=name, marker=marker,
                          style_function=lambda _f, c=colour: {"color": c, "fillColor": c},
                          popup=folium.GeoJsonPopup(fields=["popup"], labels=False, max_width=420),
                          tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False))


def _event_list(rows: Sequence[Mapping], since: date | None) -> str:
    """The events by date, newest first, with the legend: the page's time line (plain HTML)."""
    ordered = sorted(rows, key=lambda r: (_day(r.get("event_date") or r.get("first_seen_at")), r.get("event_id") or 0),
                     reverse=True)
    items = []
    for r in ordered:
        colour = KIND_COLOURS.get(r.get("kind"), OTHER_COLOUR)
        day = _day(r.get("event_date")) or _day(r.get("first_seen_at"))[:10]
        where = "" if r.get("lat") is not None else " <i>(not on the map)</i>"
        src = int(r.get("corroboration") or 0)
        items.append(
            f'<li data-event-id="{int(r.get("event_id") or 0)}"><span class="bw-dot" style="background:{colour}">'
            f"</span><b>{_esc(day)}</b> {_esc(str(r.get('subtype') or '').replace('_', ' '))} · "
            f"{_link(r.get('first_url'), r.get('place_name') or 'place not named')}"
            f"{' · ' + _esc(r['actor']) if r.get('actor') else ''} · {src} source{'s' if src != 1 else ''}{where}</li>")
    legend = "".join(f'<span class="bw-dot" style="background:{c}"></span>{_esc(k.replace("_", " "))} '
                     for k, c in KIND_COLOURS.items())
    scope = f"since {since.isoformat()}" if since else "all dates"
    return (
        '<div id="bw-panel"><details open><summary><b>Events by date</b> '
        f"({len(rows)}, {_esc(scope)})</summary>"
        f'<div class="bw-legend">{legend}<br><span class="bw-ring"></span>who holds the place now</div>'
        f'<ol id="bw-events">{"".join(items) or "<li>No events.</li>"}</ol></details></div>'
    )


_STYLE = """
<style>
#bw-panel { position: absolute; top: 10px; right: 10px; z-index: 1000; max-width: 380px; max-height: calc(100vh - 50px);
  overflow: auto; background: rgba(255,255,255,0.95); padding: 6px 10px; font: 13px/1.35 sans-serif;
  border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,0.3); }
#bw-panel ol { padding-left: 0; list-style: none; margin: 6px 0 0 0; }
#bw-panel li { margin: 3px 0; }
.bw-dot { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin: 0 4px 0 0; }
.bw-ring { display: inline-block; width: 9px; height: 9px; border-radius: 50%; border: 2px dashed #000;
  margin: 0 4px 0 0; }
.bw-legend { margin-top: 4px; color: #333; }
.bw-popup blockquote { margin: 6px 0; padding-left: 8px; border-left: 3px solid #ccc; color: #333; }
.bw-popup ul { margin: 4px 0 0 0; padding-left: 16px; }
</style>
"""


def _leaflet_assets() -> tuple[str, str]:
    """Leaflet's JS, and its CSS with the images it refers to inlined as data: URIs."""
    base = Path(xleaflet.BASE_DIR)
    js = (base / "leaflet.js").read_text(encoding="utf-8")
    css = (base / "leaflet.css").read_text(encoding="utf-8")

    def data_uri(m: re.Match) -> str:
        image = base / "images" / m[1]
        if not image.is_file():
            return m[0]
        return f"url(data:image/png;base64,{base64.b64encode(image.read_bytes()).decode('ascii')})"

    css = re.sub(r"url\(\s*['\"]?images/([\w.@-]+\.png)['\"]?\s*\)", data_uri, css)
    return js.replace("</script", "<\\/script"), css.replace("</style", "<\\/style")


def render_map(rows: Sequence[Mapping], control: Sequence[Mapping], summaries: Mapping[int, EventSummary] | None = None,
               *, since: date | None = None, tiles: str = "OpenStreetMap") -> str:
    """The map page for event rows (``events_v``) and current holders (``place_control_v``)."""
    summaries = summaries or {}
    located = [r for r in rows if r.get("lat") is not None and r.get("lon") is not None]
    held = [r for r in control if r.get("lat") is not None and r.get("lon") is not None]
    points = [(r["lat"], r["lon"]) for r in located + held]

    fig = folium.Figure(title="borderwatch map")
    fmap = folium.Map(location=REGION_CENTRE, zoom_start=6, tiles=tiles, control_scale=True)
    fmap.default_js = [("leaflet", _LEAFLET_JS_URL)]  # Leaflet alone: no jQuery, Bootstrap or icon fonts
    fmap.default_css = [("leaflet_css", _LEAFLET_CSS_URL)]
    fmap.add_to(fig)
    if points:
        lats, lons = [p[0] for p in points], [p[1] for p in points]
        fmap.fit_bounds([[min(lats) - 0.3, min(lons) - 0.3], [max(lats) + 0.3, max(lons) + 0.3]], max_zoom=9,
                        padding_top_left=(260, 40), padding_bottom_right=(400, 40))  # clear of the list and layers

    by_kind: dict[str, list[dict]] = {}
    for r, (lat, lon) in zip(located, _fan_out(located), strict=True):
        kind = str(r.get("kind") or "other")
        label = f"{r.get('subtype', '')} · {r.get('place_name') or ''} · {_day(r.get('event_date') or r.get('first_seen_at'))}"
        by_kind.setdefault(kind, []).append(_feature(lat, lon, event_popup(r, summaries.get(r.get("event_id"))),
                                                     _esc(label.replace("_", " "))))
    for kind in sorted(by_kind, key=lambda k: (k not in KIND_COLOURS, list(KIND_COLOURS).index(k)
                                               if k in KIND_COLOURS else 0, k)):
        colour = KIND_COLOURS.get(kind, OTHER_COLOUR)
        name = f'<span style="color:{colour}">●</span> {_esc(kind.replace("_", " "))} ({len(by_kind[kind])})'
        _layer(name, by_kind[kind], colour, f"bw-event bw-{re.sub(r'[^a-z_]', '', kind)}", 8).add_to(fmap)

    holders: dict[str, list[dict]] = {}
    for r in held:
        label = f"{r.get('place_name') or ''}: held by {r.get('holder') or 'unknown'} since {_day(r.get('since'))}"
        holders.setdefault(str(r.get("holder") or "unknown"), []).append(
            _feature(r["lat"], r["lon"], control_popup(r), _esc(label)))
    group = folium.FeatureGroup(name=f"who holds what ({len(held)} places)", show=True).add_to(fmap)
    for holder, features in sorted(holders.items()):
        _layer(_esc(holder), features, holder_colour(holder), "bw-holder", 14, dash="4 4").add_to(group)

    folium.LayerControl(position="topleft", collapsed=False).add_to(fmap)
    fig.header.add_child(folium.Element(_STYLE), name="bw_style")
    fig.html.add_child(folium.Element(_event_list(rows, since)), name="bw_panel")
    return _inline_assets(fig.render())


_LEAFLET_JS_URL = "borderwatch:leaflet.js"
_LEAFLET_CSS_URL = "borderwatch:leaflet.css"


def _inline_assets(page: str) -> str:
    """Replace the two asset links with the files themselves; refuse a page that would still load any."""
    js, css = _leaflet_assets()
    script_tag = re.compile(r'<script src="' + re.escape(_LEAFLET_JS_URL) + r'"></script>')
    css_tag = re.compile(r'<link rel="stylesheet" href="' + re.escape(_LEAFLET_CSS_URL) + r'"\s*/?>')
    page, n_js = script_tag.subn(lambda _m: f"<script>{js}</script>", page, count=1)
    page, n_css = css_tag.subn(lambda _m: f"<style>{css}</style>", page, count=1)
    leftover = re.findall(r'<script[^>]+src=|<link[^>]+href=', page)
    if n_js != 1 or n_css != 1 or leftover:
        raise RuntimeError(f"folium's page layout changed: inlined {n_js} script(s), {n_css} stylesheet(s), "
                           f"{len(leftover)} external asset(s) left")
    return page
