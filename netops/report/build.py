"""The planner report: every analysis once, then the same tables as HTML pages, Markdown and CSV files.

:func:`build_report` returns every file of the report as ``{relative path: text}`` and writes nothing, so a
failure (graphviz missing, a diagram failing) leaves the output folder untouched; the command writes the
files afterwards. The content is a pure function of the model (no timestamps), so a re-run changes nothing;
with a monitoring state (`netops report --prometheus URL`) the pages also show each site's state in Prometheus
and when it was read.
"""

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from citynet_models.network import Network
from citynet_models.rollout import SiteLedger
from citynet_models.types import LifecycleStatus
from netops import __version__
from netops.analysis.addresses import AddressReport, addresses
from netops.analysis.policy import PolicyReport, check_policy
from netops.analysis.redundancy import RedundancyReport, redundancy
from netops.analysis.rollout import RolloutReport, rollout
from netops.analysis.whatif import WhatIfReport, single_failures
from netops.gc_policy import no_cyclic_gc
from netops.monitoring.state import MonitoringState, SiteState, Status
from netops.pipeline import in_service
from netops.query.engine import Entity, QueryFilters, Totals, query, totals
from netops.report.diagrams import city_dot, district_dot, render_diagrams
from netops.report.mapsvg import REDUNDANCY_COLOURS, STATUS_COLOURS, map_sites, render_map

TEMPLATES = Path(__file__).parent / "templates"
#: Failures listed on the pages (the CSV holds all of them).
TOP_FAILURES = 25
TOP_LANS = 20


@dataclass(frozen=True)
class Table:
    """A table of the report: one shape for HTML, Markdown and CSV."""

    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    note: str = ""
    #: per row, a link target for the first cell (HTML only)
    links: tuple[str | None, ...] = field(default=())

    def csv(self) -> str:
        """The table as CSV, header line included even with no rows."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(self.columns)
        writer.writerows(tuple("" if v is None else v for v in row) for row in self.rows)
        return buffer.getvalue()


@dataclass(frozen=True)
class Analyses:
    """Every analysis of the network, computed once for all pages."""

    rollout: RolloutReport
    addresses: AddressReport
    redundancy: RedundancyReport
    whatif: WhatIfReport
    policy: PolicyReport
    totals: Totals


def analyse(network: Network, ledgers: Mapping[str, SiteLedger] | None = None,
            now: datetime | None = None) -> Analyses:
    """Run every analysis the report shows; ``ledgers`` are the sites' rollout ledgers by slug (their evidence and
    time in state), ``now`` the time the report is made. Redundancy, what-if and policy judge the network in
    service (netops.pipeline.in_service); the rollout and the addresses count every site."""
    running = in_service(network)
    return Analyses(rollout=rollout(network, None, ledgers, now), addresses=addresses(network),
                    redundancy=redundancy(running), whatif=single_failures(running), policy=check_policy(running),
                    totals=totals(network, QueryFilters()))


def _join(values: Iterable[str]) -> str:
    return ", ".join(values)


def short_name(name: str) -> str:
    """A district's or area's name without its kind, for map labels: 'Thị xã Sơn Tây' -> 'Sơn Tây'."""
    for prefix in ("Thị xã ", "Quận ", "Huyện ", "Cụm "):
        if name.startswith(prefix):
            return name.removeprefix(prefix)
    return name


def district_page(network: Network, code: str) -> str:
    """Relative path of a district's HTML page (in the 2025 structure, an aggregation area's: network.groups)."""
    district = network.groups[code]
    return f"districts/{district.code}-{district.slug}.html"


# --- tables --------------------------------------------------------------------------------------------------


def rollout_table(data: RolloutReport, hrefs: dict[str, str], group: str) -> Table:
    """Sites per lifecycle status per group; ``group`` is what the network groups sites by, in its words
    (``Network.grouped_by``: district, or area in a 2025 intent), and so is every ``group`` below."""
    rows = tuple((r.key, r.name, *r.counts.values(), r.total, r.done_percent)
                 for r in (*data.districts, data.total))
    return Table("rollout", f"Rollout: sites per lifecycle status and {group}",
                 (group, "name", *data.statuses, "total", "done %"), rows,
                 note="done = verified or accepted, out of the sites not decommissioned",
                 links=tuple(hrefs.get(r.key) for r in (*data.districts, data.total)))


#: States of a site whose rollout is under way: between planned and accepted.
_UNDER_WAY = ("staged", "provisioned", "verified")


def rollout_sites_table(data: RolloutReport, group: str, *, every_site: bool = False) -> Table:
    """Each site's state, evidence, days in state and what its next step needs: the sites under way (all of them
    in CSV)."""
    shown = data.sites if every_site else tuple(p for p in data.sites if p.state in _UNDER_WAY)
    return Table("rollout-sites", "Rollout: each site's state, evidence and what blocks it" if every_site else
                 "Rollout under way: sites staged, provisioned or verified, and what blocks them",
                 ("site", group, "state", "since", "days in state", "evidence", "next", "needs"),
                 tuple((p.site, p.district, p.state, p.since, p.age_days, _join(p.evidence), p.next, p.blocked_by)
                       for p in shown),
                 note="evidence: files of rollout/<site>/ beside the intent (docs/lifecycle.md)")


def rollout_kinds_table(data: RolloutReport) -> Table:
    return Table("rollout-kinds", "Rollout by site kind", ("kind", *data.statuses, "total", "done %"),
                 tuple((r.key, *r.counts.values(), r.total, r.done_percent) for r in data.kinds))


def redundancy_table(data: RedundancyReport, hrefs: dict[str, str], group: str) -> Table:
    rows = [(d.district, d.name, d.sites, d.single_uplink, d.single_upstream_router, d.single_provider,
             len(d.at_risk)) for d in data.districts]
    rows.append(("total", "", data.sites, data.single_uplink, data.single_upstream_router, data.single_provider,
                 sum(len(d.at_risk) for d in data.districts)))
    return Table("redundancy", "Redundancy: how sites hang on the WAN",
                 (group, "name", "sites", "single uplink", "single upstream router", "single provider",
                  "at risk"), tuple(rows),
                 note="at risk: a single uplink or a single upstream router, so one failure outside the site cuts it",
                 links=(*(hrefs.get(d.district) for d in data.districts), None))


def at_risk_table(data: RedundancyReport, district: str | None = None) -> Table:
    rows = tuple((a.site, a.name, a.kind.replace("_", " "), a.status, a.uplinks, _join(a.upstream_routers),
                  _join(a.providers))
                 for d in data.districts if district is None or d.district == district for a in d.at_risk)
    return Table("at-risk", "Sites one failure outside the site cuts",
                 ("site", "name", "kind", "status", "uplinks", "upstream routers", "providers"), rows)


def attachments_table(data: RedundancyReport, group: str, unit: str) -> Table:
    """How every site attaches; ``unit`` names a site's administrative unit (``Network.placed_in``: ward, or unit
    in a 2025 intent)."""
    return Table("attachments", "Attachment of every site",
                 ("site", group, unit, "kind", "status", "declared", "uplinks", "upstream_routers",
                  "providers", "single_uplink", "single_upstream_router", "single_provider"),
                 tuple((a.site, a.district, a.ward, a.kind, a.status, a.declared, a.uplinks,
                        " ".join(a.upstream_routers), " ".join(a.providers), a.single_uplink,
                        a.single_upstream_router, a.single_provider) for a in data.attachments))


def failures_table(data: WhatIfReport, group: str, district: str | None = None, limit: int | None = TOP_FAILURES,
                   compact: bool = True) -> Table:
    impacts = [i for i in data.impacts if district is None or i.district == district or
               any(loss.district == district for loss in i.losses)]
    shown = impacts[:limit] if limit is not None else impacts
    rows = tuple((i.element, i.kind, i.district, i.sites_cut, i.service_paths_cut,
                  "yes" if i.own_site_only else "",
                  _sites([loss.site for loss in i.losses]) if compact else " ".join(loss.site for loss in i.losses))
                 for i in shown)
    note = (f"{data.routers_cutting} routers and {data.links_cutting} links cut at least one site; "
            f"{data.spof_routers} routers and {data.spof_links} links cut a site other than their own. "
            f"Method: {data.algorithm}.")
    if limit is not None and len(impacts) > limit:
        note += f" Showing the worst {limit} of {len(impacts)}; spof.csv lists every one."
    return Table("spof", "What-if: single points of failure, worst first",
                 ("element", "kind", group, "sites cut", "site-service paths cut", "own site only", "sites"),
                 rows, note=note)


def _sites(names: Sequence[str], limit: int = 6) -> str:
    return _join(names[:limit]) + (f" … (+{len(names) - limit})" if len(names) > limit else "")


def pools_table(data: AddressReport) -> Table:
    rows = tuple((p.name, str(p.prefix), p.unit, p.allocations, p.used_addresses, f"{p.utilization:.2f}",
                  f"{p.high_water:.2f}", p.free_units if p.free_units is not None else "",
                  str(p.largest_free) if p.largest_free else "",
                  " ".join(f"/{length}×{count}" for length, count in p.free_blocks.items()))
                 for p in data.pools)
    return Table("pools", "Address pools",
                 ("pool", "prefix", "unit", "allocated", "used addresses", "used %", "high water %", "free units",
                  "largest free", "free blocks by size"), rows,
                 note="closest to running out: " + _join(data.closest_to_exhaustion)
                 + ". High water: how far into the pool the code-keyed allocation reaches.")


def lans_table(data: AddressReport, limit: int | None = TOP_LANS, district: str | None = None) -> Table:
    lans = [u for u in (data.fullest_lans if limit is not None else data.lans)
            if district is None or u.district == district]
    shown = lans[:limit] if limit is not None else lans
    return Table("lans", f"LANs at {data.full_threshold:.0f}% of their hosts or more" if limit is not None
                 else "LAN utilization", ("site", "lan", "role", "prefix", "hosts", "capacity", "used %"),
                 tuple((u.site, u.lan, u.role, str(u.prefix), u.hosts, u.capacity, f"{u.utilization:.1f}")
                       for u in shown))


def policy_rules_table(data: PolicyReport) -> Table:
    return Table("policy-rules", "Policy rules", ("rule", "kind", "LANs selected"),
                 tuple((r.rule, r.kind, r.lans) for r in data.rules),
                 note=f"{len(data.lans)} site LANs: {data.allowed_pairs} service paths allowed and reachable, "
                      f"{data.unreachable_pairs} allowed but unreachable, {data.denied_pairs} denied by default. "
                      + ("Policy check passed." if data.ok else "Policy check FAILED."))


def contradictions_table(data: PolicyReport) -> Table:
    return Table("contradictions", "Policy contradictions", ("kind", "rules", "LANs", "detail", "examples"),
                 tuple((c.kind, _join(c.rules), c.lans, c.detail, _join(c.examples)) for c in data.contradictions))


def policy_lans_table(data: PolicyReport, district: str | None = None, csv: bool = False) -> Table:
    sep = " " if csv else ", "
    return Table("policy-lans", "Policy per site LAN",
                 ("site", "lan", "role", "allowed", "unreachable", "denied", "deny rules", "management"),
                 tuple((v.site, v.lan, v.role, sep.join(a.service for a in v.allowed),
                        sep.join(f"{u.service} ({u.reason})" if not csv else u.service for u in v.unreachable),
                        sep.join(v.denied), sep.join(v.deny_rules), v.management)
                       for v in data.lans if district is None or v.district == district))


def providers_table(data: Totals) -> Table:
    rows = tuple((p["provider"], p["circuits"], p["bandwidth_mbps"]) for p in data.by_provider)
    return Table("providers", "Circuits per provider", ("provider", "circuits", "bandwidth Mbit/s"),
                 (*rows, ("total", data.circuits, data.bandwidth_mbps)))


def rows_table(key: str, title: str, records: Sequence[dict[str, Any]]) -> Table:
    """A table from query rows (dictionaries with the same keys)."""
    columns = tuple(records[0]) if records else ("none",)
    return Table(key, title, columns, tuple(tuple(r.values()) for r in records))


@dataclass(frozen=True)
class Badge:
    """A site's monitoring status in a table cell: a coloured badge in HTML, its word in Markdown and CSV."""

    status: Status

    @property
    def css(self) -> str:
        return "mon-" + self.status.value.replace(" ", "-")

    def __str__(self) -> str:
        return self.status.value


#: The monitoring statuses, worst first, as the report counts and orders them.
_STATUS_ORDER = (Status.CUT_OFF, Status.DEGRADED, Status.UNKNOWN, Status.UP)


def monitoring_note(state: MonitoringState, sites: Sequence[str]) -> str:
    """Where and when the state was read, and how many of the sites are in each status."""
    counts = dict.fromkeys(_STATUS_ORDER, 0)
    for slug in sites:
        counts[state.of(slug).status] += 1
    return (f"Read from Prometheus at {state.url} at {state.when}: "
            + ", ".join(f"{count} {status.value}" for status, count in counts.items()) + ". Cut off: no ICMP probe "
            "of the site answers the monitoring host in the data center; degraded: a device does not answer SNMP "
            "or a LAN gateway does not answer ping; unknown: Prometheus has no series of the site.")


def _monitoring_row(site: SiteState) -> tuple[Any, ...]:
    columns = site.columns()
    return (Badge(site.status), columns["reaches_dc"], columns["devices_down"], columns["gateways_down"],
            columns["alerts"])


_MONITORING_COLUMNS = ("monitoring", "reaches DC", "devices down", "gateways down", "alerts firing")


def monitoring_table(network: Network, state: MonitoringState, *, every_site: bool = False) -> Table:
    """The sites that are not up, worst first (every site in CSV), with what does not answer and their alerts."""
    # Decommissioned sites are out of the export (the running network): not "unknown", just not watched.
    slugs = [site.slug for site in network.sites if site.status is not LifecycleStatus.DECOMMISSIONED]
    shown = sorted((state.of(slug) for slug in slugs if every_site or state.of(slug).status
                    in (Status.CUT_OFF, Status.DEGRADED)),
                   key=lambda site: (_STATUS_ORDER.index(site.status), site.site))
    names = {site.slug: site.name for site in network.sites}
    return Table("monitoring", "Monitoring: each site's state in Prometheus" if every_site
                 else "Monitoring: sites cut off or degraded",
                 ("site", "name", *_MONITORING_COLUMNS),
                 tuple((site.site, names[site.site], *_monitoring_row(site)) for site in shown),
                 note=monitoring_note(state, slugs))


def with_monitoring_columns(table: Table, state: MonitoringState) -> Table:
    """A table of sites (first column the slug) with each site's monitoring state added."""
    return Table(table.key, table.title, (*table.columns, *_MONITORING_COLUMNS),
                 tuple((*row, *_monitoring_row(state.of(row[0]))) for row in table.rows),
                 note=" ".join(filter(None, (table.note, f"Monitoring read from Prometheus at {state.url} at "
                                                         f"{state.when}."))), links=table.links)


# --- pages ---------------------------------------------------------------------------------------------------


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["cell"] = lambda value: "" if value is None else value
    env.tests["badge"] = lambda value: isinstance(value, Badge)
    return env


def markdown(title: str, intro: Sequence[str], tables: Sequence[Table], images: Sequence[tuple[str, str]] = (),
             links: Sequence[tuple[str, str]] = ()) -> str:
    """A Markdown page: title, paragraphs, images, tables (pipes escaped), links."""
    lines = [f"# {title}", ""]
    for paragraph in intro:
        lines += [paragraph, ""]
    for alt, path in images:
        lines += [f"![{alt}]({path})", ""]
    for table in tables:
        lines += [f"## {table.title}", ""]
        if table.note:
            lines += [table.note, ""]
        if not table.rows:
            lines += ["(none)", ""]
            continue
        lines.append("| " + " | ".join(table.columns) + " |")
        lines.append("|" + "|".join("---" for _ in table.columns) + "|")
        for row in table.rows:
            cells = ["" if v is None else str(v).replace("|", "\\|").replace("\n", " ") for v in row]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    if links:
        lines += ["## Pages", ""] + [f"- [{label}]({href})" for label, href in links] + [""]
    return "\n".join(lines)


def build_report(network: Network, data: Analyses | None = None, workers: int = 4,
                 monitoring: MonitoringState | None = None) -> dict[str, str]:
    """Every file of the report, by path relative to the output folder; nothing is written here. With
    ``monitoring``, the overview lists the sites cut off or degraded, the district pages each site's state, and
    csv/monitoring.csv every site's."""
    with no_cyclic_gc():
        return _build_report(network, data, workers, monitoring)


def _build_report(network: Network, data: Analyses | None, workers: int,
                  monitoring: MonitoringState | None) -> dict[str, str]:
    data = data if data is not None else analyse(network)
    hrefs = {d.code: district_page(network, d.code) for d in network.groups.values()}
    at_risk = {a.site for d in data.redundancy.districts for a in d.at_risk}
    labels = {d.code: short_name(d.name) for d in network.groups.values()}

    dots = {"topology": city_dot(network, data.whatif, data.redundancy, hrefs)}
    for d in network.groups.values():
        dots[f"districts/{d.code}-{d.slug}"] = district_dot(network, d.code, data.whatif, at_risk)
    svgs = render_diagrams(dots, workers=workers)

    env = _environment()
    files: dict[str, str] = {}
    group = network.grouped_by
    counts = {**network.place_counts(), "sites": len(network.sites),
              "routers": data.whatif.routers, "links": data.whatif.links, "circuits": data.totals.circuits,
              "bandwidth Mbit/s": data.totals.bandwidth_mbps, "site LANs": len(data.policy.lans)}
    city_map = render_map(network, map_sites(network, at_risk, hrefs), labels=labels)
    legend = {"status": STATUS_COLOURS, "redundancy": {k.replace("_", "-"): v for k, v in REDUNDANCY_COLOURS.items()}}
    district_links = [(d.name, hrefs[d.code]) for d in network.groups.values()]
    index_tables = [
        rollout_table(data.rollout, hrefs, group), rollout_kinds_table(data.rollout),
        rollout_sites_table(data.rollout, group), redundancy_table(data.redundancy, hrefs, group),
        failures_table(data.whatif, group),
        pools_table(data.addresses), lans_table(data.addresses),
        policy_rules_table(data.policy), contradictions_table(data.policy), providers_table(data.totals),
    ]
    csv_tables = [
        rows_table("sites", "sites", query(network, Entity.SITES, QueryFilters()).rows),
        rows_table("circuits", "circuits", query(network, Entity.CIRCUITS, QueryFilters()).rows),
        rollout_table(data.rollout, {}, group), rollout_kinds_table(data.rollout),
        rollout_sites_table(data.rollout, group, every_site=True), redundancy_table(data.redundancy, {}, group),
        attachments_table(data.redundancy, group, network.placed_in),
        failures_table(data.whatif, group, limit=None, compact=False),
        pools_table(data.addresses), lans_table(data.addresses, limit=None),
        policy_lans_table(data.policy, csv=True), contradictions_table(data.policy), providers_table(data.totals),
    ]
    if monitoring is not None:
        index_tables.insert(0, monitoring_table(network, monitoring))
        csv_tables.append(monitoring_table(network, monitoring, every_site=True))
    csv_links = [(f"{t.key}.csv", f"csv/{t.key}.csv") for t in csv_tables]
    common = {"city": network.city.name, "version": __version__, "legend": legend, "group": group,
              "monitoring": monitoring is not None}
    files["index.html"] = env.get_template("index.html.j2").render(
        **common, root="", title=f"{network.city.name}: WAN planning report", counts=counts,
        map_svg=Markup(city_map), topology_svg=Markup(svgs["topology"]), tables=index_tables,
        districts=district_links, csv_links=csv_links, markdown="report.md")
    files["topology.svg"] = svgs["topology"]
    files["map.svg"] = city_map
    files["report.md"] = markdown(
        f"{network.city.name}: WAN planning report",
        [", ".join(f"{v} {k}" for k, v in counts.items()), "Open index.html for the map and the pictures."],
        index_tables, images=[("map of sites", "map.svg"), ("WAN backbone", "topology.svg")],
        links=[(d, h.removesuffix(".html") + ".md") for d, h in district_links])
    for table in csv_tables:
        files[f"csv/{table.key}.csv"] = table.csv()

    for district in network.groups.values():
        code = district.code
        base = f"districts/{code}-{district.slug}"
        sites = [s for s in network.sites if s.area == code]
        shown = [s for s in network.sites if s.area == code or s.kind == "data_center"]
        district_map = render_map(network, map_sites(network, at_risk, sites=shown),
                                  element_id="map")
        site_rows = query(network, Entity.SITES, QueryFilters(districts=(code,))).rows
        row = next((r for r in data.rollout.districts if r.key == code), None)
        sites_table = rows_table("sites", "Sites", site_rows)
        tables = [
            sites_table if monitoring is None else with_monitoring_columns(sites_table, monitoring),
            at_risk_table(data.redundancy, code),
            failures_table(data.whatif, group, district=code, limit=TOP_FAILURES),
            lans_table(data.addresses, district=code),
            policy_lans_table(data.policy, district=code),
        ]
        summary = (f"{len(sites)} sites; rollout {row.done} of {row.total} done ({row.done_percent}%)"
                   if row is not None else f"{len(sites)} sites")
        files[f"{base}.html"] = env.get_template("district.html.j2").render(
            **common, root="../", title=f"{district.name} ({code})", summary=summary,
            map_svg=Markup(district_map), topology_svg=Markup(svgs[base]), tables=tables,
            districts=district_links)
        files[f"{base}.svg"] = svgs[base]
        files[f"{base}.md"] = markdown(f"{district.name} ({code})", [summary], tables,
                                       images=[(f"WAN of the {group}", f"{code}-{district.slug}.svg")])
    return files
