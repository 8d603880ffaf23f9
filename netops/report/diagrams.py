"""WAN topology diagrams: DOT text built from the model, rendered to SVG by graphviz's ``dot -Tsvg``.

The city diagram shows the backbone (data-center routers, every district's aggregation routers, city-level
sites) with one summary node per district for its access sites; each district's diagram shows every router
of the district and its uplinks. Links are coloured by provider, dashed when not on fibre, and drawn red
with the routers whose failure cuts other sites.
"""

import shutil
import subprocess
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

from citynet_models.links import WanLink
from citynet_models.network import Network
from citynet_models.types import DeviceRole, Media
from netops.analysis.redundancy import RedundancyReport
from netops.analysis.whatif import WhatIfReport

PROVIDER_COLOURS = ("#1d4e89", "#2a9d8f", "#e67e22", "#8e44ad", "#6d597a", "#2c3e50")
SPOF_COLOUR = "#d62828"
DOT_TIMEOUT_S = 120


class DiagramError(RuntimeError):
    """graphviz is missing or failed on a diagram."""


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _attrs(**values: str | float) -> str:
    return "[" + ", ".join(f"{k}={_quote(str(v))}" for k, v in values.items()) + "]"


class _Style:
    def __init__(self, network: Network, whatif: WhatIfReport) -> None:
        self.colour = {p.slug: PROVIDER_COLOURS[i % len(PROVIDER_COLOURS)] for i, p in enumerate(network.providers)}
        self.spof_elements = {i.element for i in whatif.impacts if not i.own_site_only}

    def edge(self, link: WanLink) -> str:
        attrs: dict[str, str | float] = {"tooltip": link.id}
        if link.circuit is None:
            attrs |= {"color": "#555555", "penwidth": 2.0}
        else:
            attrs |= {"color": self.colour.get(link.circuit.provider, "#555555"),
                      "penwidth": f"{0.6 + link.circuit.bandwidth_mbps.bit_length() / 6:.1f}",
                      "label": f"{link.circuit.bandwidth_mbps}M", "fontsize": 8}
            if link.circuit.media is not Media.FIBER:
                attrs["style"] = "dashed"
        if link.id in self.spof_elements:
            attrs |= {"color": SPOF_COLOUR, "penwidth": 3.0}
        return _attrs(**attrs)

    def node(self, name: str, label: str, shape: str, fill: str, href: str | None = None) -> str:
        attrs: dict[str, str | float] = {"label": label, "shape": shape, "style": "filled", "fillcolor": fill,
                                         "fontname": "DejaVu Sans", "fontsize": 10, "tooltip": name}
        if name in self.spof_elements:
            attrs |= {"color": SPOF_COLOUR, "penwidth": 3.0}
        if href:
            attrs["href"] = href
        return f"  {_quote(name)} {_attrs(**attrs)};"


_HEADER = ('  graph [fontname="DejaVu Sans", fontsize=11, nodesep=0.25, ranksep=0.6, bgcolor="transparent"];\n'
           '  node [fontname="DejaVu Sans"];\n  edge [fontname="DejaVu Sans", arrowhead=none];')


def city_dot(network: Network, whatif: WhatIfReport, redundancy: RedundancyReport,
             district_href: Mapping[str, str]) -> str:
    """The backbone of the city, one summary node per district's access sites."""
    style = _Style(network, whatif)
    sites = network.site_by_slug
    devices = network.device_by_name
    backbone_roles = (DeviceRole.CORE, DeviceRole.FIREWALL, DeviceRole.AGGREGATION)
    shown = {d.name for d in network.devices if d.role in backbone_roles or
             (d.is_router and sites[d.site].area is None)}
    lines = ["graph city {", _HEADER, '  graph [rankdir=TB, splines=true];']
    dc = [d for d in network.devices if d.name in shown and sites[d.site].kind == "data_center"]
    lines.append('  subgraph cluster_dc { label="data center"; style="rounded,filled"; fillcolor="#eef3f8";')
    lines += [style.node(d.name, d.name, "box", "#cfe0f3") for d in dc]
    lines.append("  }")
    for d in network.devices:
        if d.name in shown and sites[d.site].area is None and sites[d.site].kind != "data_center":
            lines.append(style.node(d.name, f"{sites[d.site].name}\n{d.name}", "box", "#f4f4f4"))
    risky = {g.district: g for g in redundancy.districts}
    for district in network.groups.values():
        aggs = [d for d in network.devices if d.role is DeviceRole.AGGREGATION and sites[d.site].area ==
                district.code]
        href = district_href.get(district.code)
        lines.append(f"  subgraph {_quote('cluster_' + district.code)} {{ label={_quote(district.name)}; "
                     f'style="rounded"; color="#999999";' + (f" href={_quote(href)};" if href else ""))
        lines += [style.node(d.name, d.name, "box", "#e8f1e4") for d in aggs]
        group = risky.get(district.code)
        if group is not None:
            count = group.sites - len([s for s in network.sites if s.area == district.code and
                                       any(d.role is DeviceRole.AGGREGATION for d in
                                           network.devices_by_site.get(s.slug, []))])
            summary = f"{count} access sites\n{len(group.at_risk)} one failure away"
            lines.append(style.node(f"sites-{district.code}", summary, "note",
                                    "#fde2e1" if group.at_risk else "#f4f4f4", href))
            upstream = sorted({u for a in group.at_risk for u in a.upstream_routers} | {d.name for d in aggs})
            for name in upstream:
                if name in devices and devices[name].role is DeviceRole.AGGREGATION:
                    lines.append(f"  {_quote(name)} -- {_quote('sites-' + district.code)} "
                                 f'[color="#999999", style=dotted];')
        lines.append("  }")
    for link in network.links:
        if link.upstream.device in shown and link.downstream.device in shown:
            lines.append(f"  {_quote(link.upstream.device)} -- {_quote(link.downstream.device)} {style.edge(link)};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def district_dot(network: Network, code: str, whatif: WhatIfReport, at_risk: set[str]) -> str:
    """Every router of one district and its uplinks, with the routers they hang on."""
    style = _Style(network, whatif)
    sites = network.site_by_slug
    members = {d.name for d in network.devices if d.is_router and sites[d.site].area == code}
    links = [link for link in network.links if link.downstream.device in members or link.upstream.device in members]
    outside = sorted({end.device for link in links for end in (link.upstream, link.downstream)} - members)
    lines = [f"graph {_quote('district_' + code)} {{", _HEADER, '  graph [rankdir=LR];']
    lines += [style.node(name, name, "box", "#cfe0f3") for name in outside]
    for d in network.devices:
        if d.name not in members:
            continue
        site = sites[d.site]
        if d.role is DeviceRole.AGGREGATION:
            lines.append(style.node(d.name, d.name, "box", "#e8f1e4"))
        else:
            fill = "#fde2e1" if site.slug in at_risk else "#ffffff"
            lines.append(style.node(d.name, f"{site.name}\n{d.name}", "box", fill))
    for link in links:
        lines.append(f"  {_quote(link.upstream.device)} -- {_quote(link.downstream.device)} {style.edge(link)};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def dot_to_svg(dot: str, executable: str) -> str:
    """One diagram through ``dot -Tsvg``; the SVG element alone (no XML prolog), ready to inline."""
    try:
        result = subprocess.run([executable, "-Tsvg"], input=dot, capture_output=True, text=True,
                                timeout=DOT_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as error:
        raise DiagramError(f"dot took more than {DOT_TIMEOUT_S} s") from error
    if result.returncode != 0:
        raise DiagramError(f"dot failed: {result.stderr.strip()}")
    svg = result.stdout
    return svg[svg.index("<svg"):]


def render_diagrams(dots: Mapping[str, str], workers: int = 4) -> dict[str, str]:
    """Every diagram rendered, in parallel (each is its own dot process)."""
    executable = shutil.which("dot")
    if executable is None:
        raise DiagramError("graphviz's 'dot' is not installed (run scripts/install-system-packages)")
    names = sorted(dots)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        svgs = list(pool.map(lambda name: dot_to_svg(dots[name], executable), names))
    return dict(zip(names, svgs, strict=True))
