"""The map of sites as inline SVG, projected from their coordinates: no tiles, nothing fetched.

An equirectangular projection scaled by the cosine of the mean latitude is exact enough at city scale
(Hà Nội spans about 1 degree). Every site is a circle carrying its status and redundancy as classes, so the
page's stylesheet colours it by either (the toggle); uplinks are thin lines to the upstream router's site.
"""

import math
from dataclasses import dataclass
from html import escape

from citynet_models.network import Network
from citynet_models.sites import Site


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
MAP_STYLE = (
    ".map-bg{fill:#f7f9fb}.uplinks line{stroke:#9aa5b1;stroke-width:0.6;stroke-opacity:0.7}"
    ".site{stroke:#ffffff;stroke-width:0.8}.kind-data_center{stroke:#000000;stroke-width:1.5}"
    ".district-labels text{font:11px 'DejaVu Sans',sans-serif;fill:#445;text-anchor:middle}"
    + "".join(f".st-{status}{{fill:{colour}}}" for status, colour in STATUS_COLOURS.items())
)


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def render_map(network: Network, sites: list[MapSite], labels: dict[str, str] | None = None,
               width: int = 960, element_id: str = "map") -> str:
    """An SVG map of ``sites`` with the uplinks between them, and district labels at their sites' centre."""
    if not sites:
        return f'<svg id="{element_id}" class="map" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} 60">' \
               '<text x="10" y="35">no site has coordinates</text></svg>'
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
             f'viewBox="0 0 {width} {height}" role="img" aria-label="Map of {len(sites)} sites">',
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
    if labels:
        parts.append('<g class="district-labels">')
        by_district: dict[str, list[tuple[float, float]]] = {}
        for s in sites:
            if s.district is not None:
                by_district.setdefault(s.district, []).append(position[s.slug])
        for code, points in sorted(by_district.items()):
            if code in labels:
                x = sum(p[0] for p in points) / len(points)
                y = min(p[1] for p in points) - 8
                parts.append(f'<text x="{_fmt(x)}" y="{_fmt(y)}">{escape(labels[code])}</text>')
        parts.append("</g>")
    parts.append('<g class="sites">')
    for s in sorted(sites, key=lambda s: (s.kind != "data_center", s.slug)):
        x, y = position[s.slug]
        radius = 8 if s.kind == "data_center" else 5 if s.kind in ("district_committee", "hub") else 3.5
        classes = f"site st-{s.status} rd-{s.redundancy} kind-{s.kind}" + (" at-risk" if s.at_risk else "")
        title = f"{s.name} ({s.slug}): {s.status}, {s.redundancy.replace('_', '-')}" + \
            (", one failure outside the site cuts it" if s.at_risk else "")
        circle = (f'<circle class="{classes}" data-site="{s.slug}" cx="{_fmt(x)}" cy="{_fmt(y)}" r="{radius}">'
                  f"<title>{escape(title)}</title></circle>")
        parts.append(f'<a href="{escape(s.href)}">{circle}</a>' if s.href else circle)
    parts.append("</g></svg>")
    return "".join(parts)
