"""The map of sites as inline SVG, projected from their coordinates: no tiles, nothing fetched.

An equirectangular projection scaled by the cosine of the mean latitude is exact enough at city scale
(Hà Nội spans about 1 degree). Every site is a circle carrying its status and redundancy as classes, so the
page's stylesheet colours it by either (the toggle); uplinks are thin lines to the upstream router's site.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from citynet_models.network import Network
from citynet_models.sites import Site
from netops.report.i18n import Words


@dataclass(frozen=True)
class MapSite:
    """What the map shows of a site."""

    slug: str
    name: str
    kind: str
    status: str
    redundancy: str  # dual_homed, single_homed or hub
    at_risk: bool
    latitude: float
    longitude: float
    district: str | None
    href: str | None


def map_sites(network: Network, at_risk: set[str], href: dict[str, str] | None = None,
              sites: list[Site] | None = None) -> list[MapSite]:
    """The sites with coordinates, as the map draws them."""
    result = []
    for site in sites if sites is not None else network.sites:
        if site.coordinates is None:
            continue
        result.append(MapSite(
            slug=site.slug, name=site.name, kind=site.kind, status=site.status.value,
            redundancy=site.redundancy.value if site.redundancy is not None else "hub",
            at_risk=site.slug in at_risk, latitude=site.coordinates.latitude,
            longitude=site.coordinates.longitude, district=site.area,
            href=(href or {}).get(site.area or ""),
        ))
    return result


#: Colours by status, kept in the SVG so the map file stands alone; the HTML page's toggle overrides them.
STATUS_COLOURS = {
    "planned": "#b0b7bf", "staged": "#f4a261", "provisioned": "#e9c46a", "verified": "#52b788",
    "accepted": "#1b4332", "decommissioned": "#6c757d",
}
REDUNDANCY_COLOURS = {"dual_homed": "#2a9d8f", "single_homed": "#e63946", "hub": "#1d3557"}
#: Size of the labels' text, in the map's own units (the SVG scales as a whole, labels with it).
FONT_PX = 11
MAP_STYLE = (
    ".map-bg{fill:#f7f9fb}.uplinks line{stroke:#9aa5b1;stroke-width:0.6;stroke-opacity:0.7}"
    ".site{stroke:#ffffff;stroke-width:0.8}.kind-data_center{stroke:#000000;stroke-width:1.5}"
    ".centroids circle{fill:none;stroke:#1d3557;stroke-width:1.2}.centroids circle.dot{fill:#1d3557;stroke:none}"
    ".leaders line{stroke:#1d3557;stroke-width:0.6;stroke-opacity:0.8}"
    f".district-labels text{{font:{FONT_PX}px 'DejaVu Sans',sans-serif;fill:#223;paint-order:stroke;"
    "stroke:#f7f9fb;stroke-width:3px;stroke-linejoin:round}"
    + "".join(f".st-{status}{{fill:{colour}}}" for status, colour in STATUS_COLOURS.items())
)


def _fmt(value: float) -> str:
    return f"{value:.1f}"


Box = tuple[float, float, float, float]  # left, top, right, bottom


def text_width(text: str, size: float = FONT_PX) -> float:
    """A generous estimate of the width of ``text`` in DejaVu Sans (the widest of the usual sans fonts): the
    placement must not let two labels touch even where the browser picks a wider fallback."""
    width = 0.0
    for char in text:
        if char == " ":
            width += 0.34
        elif char.isupper() or char in "mwMW":
            width += 0.80
        elif char.isdigit():
            width += 0.66
        else:
            width += 0.64
    return width * size


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


#: Where a label's middle may sit around its anchor, nearest first: (distance, angle in degrees; 270 is above).
_OFFSETS = [(radius, angle) for radius in (18, 28, 40, 55, 75, 100, 130, 170)
            for angle in (270, 90, 0, 180, 315, 225, 45, 135, 300, 240, 60, 120, 330, 210, 30, 150)]
#: Up to this distance a label reads as its anchor's without a leader line.
_BESIDE = 18


@dataclass(frozen=True)
class Label:
    """A placed label: its text's baseline middle, its box, and the anchor it names."""

    text: str
    x: float
    y: float
    box: Box
    anchor: tuple[float, float]
    #: how far the label's middle is from its anchor
    distance: float

    @property
    def moved(self) -> bool:
        """Whether the label sits away from its anchor, so a leader line joins them."""
        return self.distance > _BESIDE


def place_labels(anchors: list[tuple[str, float, float]], width: float, height: float,
                 obstacles: Sequence[Box] = ()) -> list[Label]:
    """Labels for ``anchors`` (text, x, y) that overlap neither each other nor ``obstacles`` nor leave the map:
    each takes the nearest free place around its anchor, the longest first (they are the hardest to fit); one
    that finds none is dropped (its anchor still shows, with its name on hover)."""
    taken: list[Box] = list(obstacles)
    placed: list[Label] = []
    ascent, descent, pad = FONT_PX * 1.15, FONT_PX * 0.4, 2.0
    for text, ax, ay in sorted(anchors, key=lambda a: (-len(a[0]), a[0])):
        half = text_width(text) / 2 + pad
        for radius, angle in _OFFSETS:
            cx = ax + radius * math.cos(math.radians(angle))
            cy = ay + radius * math.sin(math.radians(angle))  # the middle of the box; the baseline below it
            box = (cx - half, cy - (ascent + descent) / 2 - pad, cx + half, cy + (ascent + descent) / 2 + pad)
            if box[0] < 0 or box[1] < 0 or box[2] > width or box[3] > height:
                continue
            if any(_overlaps(box, other) for other in taken):
                continue
            taken.append(box)
            baseline = cy + (ascent - descent) / 2
            placed.append(Label(text, cx, baseline, box, (ax, ay), radius))
            break
    return sorted(placed, key=lambda label: label.text)


def dense_core(sites: list[MapSite], least: int = 30) -> list[MapSite]:
    """The sites of the densest part of the map, to draw again enlarged, or none when nothing is crowded.

    Sites fall in a grid of cells a twelfth of the map's span wide; the 3x3 block of cells holding most sites,
    widened to a window four cells wide around their mean, is the core. It is kept when it holds at least
    ``least`` sites and a sixth of them: where a city centre crowds its sites that are too close to tell apart."""
    if len(sites) < 2 * least:
        return []
    scale = math.cos(math.radians(sum(s.latitude for s in sites) / len(sites)))
    points = {s.slug: (s.longitude * scale, s.latitude) for s in sites}
    xs, ys = [p[0] for p in points.values()], [p[1] for p in points.values()]
    cell = max(max(xs) - min(xs), max(ys) - min(ys), 1e-6) / 12
    grid: dict[tuple[int, int], list[str]] = {}
    for slug, (x, y) in points.items():
        grid.setdefault((int((x - min(xs)) // cell), int((y - min(ys)) // cell)), []).append(slug)

    def block(key: tuple[int, int]) -> list[str]:
        return [slug for dx in (-1, 0, 1) for dy in (-1, 0, 1) for slug in grid.get((key[0] + dx, key[1] + dy), ())]

    busiest = block(max(sorted(grid), key=lambda key: len(block(key))))
    cx = sum(points[slug][0] for slug in busiest) / len(busiest)
    cy = sum(points[slug][1] for slug in busiest) / len(busiest)
    core = [s for s in sites if abs(points[s.slug][0] - cx) <= 2 * cell and abs(points[s.slug][1] - cy) <= 2 * cell]
    return core if len(core) >= least and 6 * len(core) >= len(sites) else []


def render_map(network: Network, sites: list[MapSite], words: Words, labels: dict[str, str] | None = None,
               width: int = 960, element_id: str = "map") -> str:
    """An SVG map of ``sites`` with the uplinks between them; with ``labels`` (group code -> name), a ring at the
    centre of each group's sites and its name beside it, placed so no two names overlap."""
    if not sites:
        return f'<svg id="{element_id}" class="map" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} 60">' \
               f'<text x="10" y="35">{escape(words("map.empty"))}</text></svg>'
    latitudes = [s.latitude for s in sites]
    longitudes = [s.longitude for s in sites]
    scale_x = math.cos(math.radians((min(latitudes) + max(latitudes)) / 2))
    span_x = max((max(longitudes) - min(longitudes)) * scale_x, 1e-3)
    span_y = max(max(latitudes) - min(latitudes), 1e-3)
    pad = 30
    inner = width - 2 * pad
    # As wide as the page and at most 0.75 times as tall; centred across when the sites are tall and narrow.
    factor = min(inner / span_x, (0.75 * width - 2 * pad) / span_y)
    height = int(span_y * factor) + 2 * pad
    left = pad + (inner - span_x * factor) / 2

    def project(lat: float, lon: float) -> tuple[float, float]:
        return left + (lon - min(longitudes)) * scale_x * factor, pad + (max(latitudes) - lat) * factor

    position = {s.slug: project(s.latitude, s.longitude) for s in sites}
    device_site = {d.name: d.site for d in network.devices}
    parts = [f'<svg id="{element_id}" class="map" xmlns="http://www.w3.org/2000/svg" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(words("map.aria", count=len(sites)))}">',
             f"<style>{MAP_STYLE}</style>",
             f'<rect class="map-bg" x="0" y="0" width="{width}" height="{height}"/>', '<g class="uplinks">']
    drawn: set[tuple[str, str]] = set()
    for link in network.links:
        down, up = device_site.get(link.downstream.device), device_site.get(link.upstream.device)
        if down is None or up is None or down == up or down not in position or up not in position:
            continue
        if (up, down) in drawn:
            continue
        drawn.add((up, down))
        (x1, y1), (x2, y2) = position[up], position[down]
        parts.append(f'<line x1="{_fmt(x1)}" y1="{_fmt(y1)}" x2="{_fmt(x2)}" y2="{_fmt(y2)}"/>')
    parts.append("</g>")
    placed: list[Label] = []
    if labels:
        by_district: dict[str, list[tuple[float, float]]] = {}
        for s in sites:
            if s.district is not None and s.district in labels:
                by_district.setdefault(s.district, []).append(position[s.slug])
        centres = {code: (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))
                   for code, points in sorted(by_district.items())}
        # The rings stay visible: no label covers one.
        rings = [(x - 6, y - 6, x + 6, y + 6) for x, y in centres.values()]
        placed = place_labels([(labels[code], x, y) for code, (x, y) in centres.items()], width, height, rings)
        parts.append('<g class="centroids">')
        for code, (x, y) in centres.items():
            parts.append(f'<circle data-centre="{escape(code)}" cx="{_fmt(x)}" cy="{_fmt(y)}" r="5">'
                         f"<title>{escape(labels[code])}</title></circle>"
                         f'<circle class="dot" cx="{_fmt(x)}" cy="{_fmt(y)}" r="1.3"/>')
        parts.append('</g><g class="leaders">')
        for label in placed:
            if label.moved:
                # to the nearest point of the label's box
                bx = min(max(label.anchor[0], label.box[0]), label.box[2])
                by = min(max(label.anchor[1], label.box[1]), label.box[3])
                parts.append(f'<line x1="{_fmt(label.anchor[0])}" y1="{_fmt(label.anchor[1])}" '
                             f'x2="{_fmt(bx)}" y2="{_fmt(by)}"/>')
        parts.append("</g>")
    parts.append('<g class="sites">')
    for s in sorted(sites, key=lambda s: (s.kind != "data_center", s.slug)):
        x, y = position[s.slug]
        radius = 8 if s.kind == "data_center" else 5 if s.kind in ("district_committee", "hub") else 3.5
        classes = f"site st-{s.status} rd-{s.redundancy} kind-{s.kind}" + (" at-risk" if s.at_risk else "")
        title = f"{s.name} ({s.slug}): {words.value('status', s.status)}, " \
                f"{words.value('redundancy', s.redundancy)}" + (f", {words('map.at_risk')}" if s.at_risk else "")
        circle = (f'<circle class="{classes}" data-site="{s.slug}" cx="{_fmt(x)}" cy="{_fmt(y)}" r="{radius}">'
                  f"<title>{escape(title)}</title></circle>")
        parts.append(f'<a href="{escape(s.href)}">{circle}</a>' if s.href else circle)
    parts.append("</g>")
    if placed:
        # Above the sites, so a name stays readable where a cluster of sites lies under it.
        parts.append('<g class="district-labels">')
        parts.extend(f'<text class="map-label" x="{_fmt(label.x)}" y="{_fmt(label.y)}" text-anchor="middle">'
                     f"{escape(label.text)}</text>" for label in placed)
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)
