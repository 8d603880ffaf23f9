"""The planner report: every analysis once, then the same tables as HTML pages, Markdown and CSV files.

:func:`build_report` returns every file of the report as ``{relative path: text}`` and writes nothing, so a
failure (graphviz missing, a diagram failing) leaves the output folder untouched; the command writes the
files afterwards. The content is a pure function of the model (no timestamps), so a re-run changes nothing;
with a monitoring state (`netops report --prometheus URL`) the pages also show each site's state in Prometheus
and when it was read.
"""

import csv
import io
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
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
from netops.analysis.design import DesignReport, evaluate_design
from netops.analysis.policy import PolicyReport, check_policy
from netops.analysis.redundancy import RedundancyReport, redundancy
from netops.analysis.rollout import RolloutReport, rollout
from netops.analysis.whatif import WhatIfReport, single_failures
from netops.gc_policy import no_cyclic_gc
from netops.monitoring.state import MonitoringState, SiteState, Status
from netops.pipeline import in_service
from netops.query.engine import Entity, QueryFilters, Totals, query, totals
from netops.report.diagrams import city_dot, district_dot, render_diagrams
from netops.report.i18n import Lang, Words
from netops.report.mapsvg import REDUNDANCY_COLOURS, STATUS_COLOURS, dense_core, map_sites, render_map

TEMPLATES = Path(__file__).parent / "templates"
#: Failures listed on the pages (the CSV holds all of them).
TOP_FAILURES = 25
TOP_LANS = 20


@dataclass(frozen=True)
class Num:
    """A number shown with a fixed count of decimals: written as such in CSV, the language's way on pages."""

    value: float
    digits: int

    def __str__(self) -> str:
        return f"{self.value:.{self.digits}f}"


#: How the values of a column are put in words: an enum domain of the catalog (``kind``: ``kind.<value>``), or a
#: function of the words and the value.
Shown = str | Callable[[Words, Any], str]


@dataclass(frozen=True)
class Cell:
    """A cell as a page shows it: its text and its class (``num``, ``id`` for names people wrote, a badge's)."""

    text: str
    css: str = ""


@dataclass(frozen=True)
class Table:
    """A table of the report: one shape for HTML, Markdown and CSV.

    ``columns`` and ``rows`` hold the machine's words (column keys, enum values), which the CSV export keeps;
    pages show them through the catalog of their language (:meth:`cells`): ``shown`` names how each column's
    values are put in words, ``ids`` the columns of names people wrote (slugs, LAN and rule names), shown as
    they are.
    """

    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    note: str = ""
    #: per row, a link target for the first cell (HTML only)
    links: tuple[str | None, ...] = field(default=())
    shown: Mapping[str, Shown] = field(default_factory=dict)
    ids: frozenset[str] = frozenset()
    #: catalog keys of the heads of columns whose key means another thing elsewhere (``sites``: a count or a list)
    head_keys: Mapping[str, str] = field(default_factory=dict)

    def csv(self) -> str:
        """The table as CSV, header line included even with no rows."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(self.columns)
        writer.writerows(tuple("" if v is None else v for v in row) for row in self.rows)
        return buffer.getvalue()

    def heads(self, words: Words) -> tuple[str, ...]:
        """The column heads in the page's language."""
        return tuple(words.column(self.head_keys.get(c, c)) for c in self.columns)

    def cells(self, words: Words) -> tuple[tuple[Cell, ...], ...]:
        """The rows in the page's language."""
        return tuple(tuple(self._cell(words, column, value) for column, value in zip(self.columns, row, strict=True))
                     for row in self.rows)

    def _cell(self, words: Words, column: str, value: Any) -> Cell:
        how = self.shown.get(column)
        if isinstance(value, Badge):
            return Cell(words.value("monitoring", value.status.value), value.css)
        if how is not None:
            return Cell(words.value(how, value) if isinstance(how, str) else how(words, value))
        if isinstance(value, Num):
            return Cell(words.number(value.value, value.digits), "num")
        if isinstance(value, bool):
            return Cell(words.value("answer", "yes" if value else "no"))
        if isinstance(value, int | float):
            return Cell(words.number(value), "num")
        return Cell("" if value is None else str(value), "id" if column in self.ids else "")


@dataclass(frozen=True)
class Analyses:
    """Every analysis of the network, computed once for all pages."""

    rollout: RolloutReport
    addresses: AddressReport
    redundancy: RedundancyReport
    whatif: WhatIfReport
    policy: PolicyReport
    totals: Totals
    design: DesignReport


def analyse(network: Network, ledgers: Mapping[str, SiteLedger] | None = None,
            now: datetime | None = None) -> Analyses:
    """Run every analysis the report shows; ``ledgers`` are the sites' rollout ledgers by slug (their evidence and
    time in state), ``now`` the time the report is made. Redundancy, what-if and policy judge the network in
    service (netops.pipeline.in_service); the rollout and the addresses count every site."""
    running = in_service(network)
    whatif = single_failures(running)
    return Analyses(rollout=rollout(network, None, ledgers, now), addresses=addresses(network),
                    redundancy=redundancy(running), whatif=whatif, policy=check_policy(running),
                    totals=totals(network, QueryFilters()), design=evaluate_design(running, whatif=whatif))


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


def _needs(words: Words, text: str | None) -> str:
    """What a site's next step needs (citynet_models.rollout.next_step_needs) in the page's language."""
    if not text:
        return ""
    fixed = {"needs its objects applied to NetBox": "needs.apply", "needs a push of its routers": "needs.push",
             "needs a passing verification of the site": "needs.verify",
             "needs a sign-off (--by NAME)": "needs.sign_off"}
    if text in fixed:
        return words(fixed[text])
    if text.startswith("needs a push of "):
        return words("needs.push_of", routers=text.removeprefix("needs a push of "))
    return text


def _since(words: Words, text: str | None) -> str:
    return words.iso_date(text)


def _unreachable(words: Words, text: str) -> str:
    """'service (reason)' entries of the policy table, their reasons in the page's language."""
    def one(entry: str) -> str:
        service, _, reason = entry.partition(" (")
        reason = reason.removesuffix(")")
        if reason == "no host runs it":
            return f"{service} ({words('unreachable.no_host')})"
        router, found, gateways = reason.partition(" has no path to ")
        if found:
            return f"{service} ({words('unreachable.no_path', router=router, gateways=gateways)})"
        return entry
    return ", ".join(one(entry) for entry in text.split(", ")) if text else ""


def _pool_unit(words: Words, text: str) -> str:
    """What a pool allocates (netops.analysis.addresses: '/31 link', '/25 site block') in the page's language."""
    length, _, what = text.partition(" ") if text.startswith("/") else ("", "", text)
    key = {"loopback": "pool_unit.loopback", "link": "pool_unit.link", "device address": "pool_unit.device",
           "data-center LAN": "pool_unit.datacenter", "site block": "pool_unit.site_block"}.get(what)
    return " ".join(filter(None, (length, words(key)))) if key else text


def rollout_table(data: RolloutReport, hrefs: dict[str, str], group: str, words: Words) -> Table:
    """Sites per lifecycle status per group; ``group`` is what the network groups sites by, in its words
    (``Network.grouped_by``: district, or area in a 2025 intent), and so is every ``group`` below."""
    rows = tuple((r.key, r.name, *r.counts.values(), r.total,
                  Num(r.done_percent, 1) if r.done_percent is not None else None)
                 for r in (*data.districts, data.total))
    return Table("rollout", words("rollout.title", group=words(f"group.{group}")),
                 (group, "name", *data.statuses, "total", "done %"), rows,
                 note=words("rollout.note"),
                 links=tuple(hrefs.get(r.key) for r in (*data.districts, data.total)),
                 shown={group: "row", "name": "row"})


#: States of a site whose rollout is under way: between planned and accepted.
_UNDER_WAY = ("staged", "provisioned", "verified")


def rollout_sites_table(data: RolloutReport, group: str, words: Words, *, every_site: bool = False) -> Table:
    """Each site's state, evidence, days in state and what its next step needs: the sites under way (all of them
    in CSV)."""
    shown = data.sites if every_site else tuple(p for p in data.sites if p.state in _UNDER_WAY)
    return Table("rollout-sites", words("rollout_sites.title_all" if every_site else "rollout_sites.title"),
                 ("site", group, "state", "since", "days in state", "evidence", "next", "needs"),
                 tuple((p.site, p.district, p.state, p.since, p.age_days, _join(p.evidence), p.next, p.blocked_by)
                       for p in shown),
                 note=words("rollout_sites.note"),
                 shown={"state": "status", "next": "status", "since": _since, "needs": _needs},
                 ids=frozenset({"site", group, "evidence"}))


def rollout_kinds_table(data: RolloutReport, words: Words) -> Table:
    return Table("rollout-kinds", words("rollout_kinds.title"), ("kind", *data.statuses, "total", "done %"),
                 tuple((r.key, *r.counts.values(), r.total,
                        Num(r.done_percent, 1) if r.done_percent is not None else None) for r in data.kinds),
                 shown={"kind": "kind"})


def redundancy_table(data: RedundancyReport, hrefs: dict[str, str], group: str, words: Words) -> Table:
    rows = [(d.district, d.name, d.sites, d.single_uplink, d.single_upstream_router, d.single_provider,
             len(d.at_risk)) for d in data.districts]
    rows.append(("total", "", data.sites, data.single_uplink, data.single_upstream_router, data.single_provider,
                 sum(len(d.at_risk) for d in data.districts)))
    return Table("redundancy", words("redundancy_table.title"),
                 (group, "name", "sites", "single uplink", "single upstream router", "single provider",
                  "at risk"), tuple(rows),
                 note=words("redundancy_table.note"),
                 links=(*(hrefs.get(d.district) for d in data.districts), None),
                 shown={group: "row", "name": "row"})


def at_risk_table(data: RedundancyReport, words: Words, district: str | None = None) -> Table:
    rows = tuple((a.site, a.name, a.kind, a.status, a.uplinks, _join(a.upstream_routers), _join(a.providers))
                 for d in data.districts if district is None or d.district == district for a in d.at_risk)
    return Table("at-risk", words("at_risk.title"),
                 ("site", "name", "kind", "status", "uplinks", "upstream routers", "providers"), rows,
                 shown={"kind": "kind", "status": "status"},
                 ids=frozenset({"site", "upstream routers", "providers"}))


def attachments_table(data: RedundancyReport, group: str, unit: str, words: Words) -> Table:
    """How every site attaches; ``unit`` names a site's administrative unit (``Network.placed_in``: ward, or unit
    in a 2025 intent)."""
    return Table("attachments", words("attachments.title"),
                 ("site", group, unit, "kind", "status", "declared", "uplinks", "upstream_routers",
                  "providers", "single_uplink", "single_upstream_router", "single_provider"),
                 tuple((a.site, a.district, a.ward, a.kind, a.status, a.declared, a.uplinks,
                        " ".join(a.upstream_routers), " ".join(a.providers), a.single_uplink,
                        a.single_upstream_router, a.single_provider) for a in data.attachments))


def failures_table(data: WhatIfReport, group: str, words: Words, district: str | None = None,
                   limit: int | None = TOP_FAILURES, compact: bool = True) -> Table:
    impacts = [i for i in data.impacts if district is None or i.district == district or
               any(loss.district == district for loss in i.losses)]
    shown = impacts[:limit] if limit is not None else impacts
    rows = tuple((i.element, i.kind, i.district, i.sites_cut, i.service_paths_cut,
                  "yes" if i.own_site_only else "",
                  _sites([loss.site for loss in i.losses]) if compact else " ".join(loss.site for loss in i.losses))
                 for i in shown)
    method = {"articulation points and bridges per OSPF area (Tarjan), linear time": "spof.method_fast",
              "one reachability run per failure": "spof.method_slow"}.get(data.algorithm)
    note = words("spof.note", routers=words.number(data.routers_cutting), links=words.number(data.links_cutting),
                 spof_routers=words.number(data.spof_routers), spof_links=words.number(data.spof_links),
                 method=words(method) if method else data.algorithm)
    if limit is not None and len(impacts) > limit:
        note += " " + words("spof.limit", limit=limit, count=words.number(len(impacts)))
    return Table("spof", words("spof.title"),
                 ("element", "kind", group, "sites cut", "site-service paths cut", "own site only", "sites"),
                 rows, note=note, shown={"kind": "element", "own site only": "answer"},
                 head_keys={"sites": "sites cut (names)"},
                 ids=frozenset({"element", group, "sites"}))


def _sites(names: Sequence[str], limit: int = 6) -> str:
    return _join(names[:limit]) + (f" … (+{len(names) - limit})" if len(names) > limit else "")


def design_rules_table(data: DesignReport, words: Words) -> Table:
    """Each design rule (city.yml `design:`) and its verdict: pass, pass with its breaks accepted, fail."""
    statuses = Counter(r.status for r in data.rules)
    if not data.rules:
        note = words("design_rules.none")
    else:
        note = " ".join((words("design_rules.note", rules=words.number(len(data.rules)),
                               passed=words.number(statuses["pass"]), accepted=words.number(statuses["accepted"]),
                               failed=words.number(statuses["fail"])),
                         words("design_rules.passed") if data.ok
                         else words("design_rules.failed", count=words.number(data.unaccepted))))
    return Table("design-rules", words("design_rules.title"),
                 ("rule", "kind", "status", "checked", "breaks", "accepted breaks", "description"),
                 tuple((r.rule, r.kind, r.status, r.checked, len(r.breaks), len(r.breaks) - len(r.unaccepted),
                        r.description or r.statement) for r in data.rules),
                 note=note, shown={"kind": "design_rule", "status": "design_status"},
                 ids=frozenset({"rule", "description"}), head_keys={"status": "verdict"})


def design_breaks_table(data: DesignReport, group: str, words: Words, limit: int | None = TOP_FAILURES) -> Table:
    """What breaks each rule, those no accepted risk covers first."""
    every = sorted(((r.rule, b) for r in data.rules for b in r.breaks), key=lambda rb: rb[1].accepted)
    shown = every[:limit] if limit is not None else every
    note = words("design_breaks.note")
    if limit is not None and len(every) > limit:
        note += " " + words("design.limit", limit=limit, count=words.number(len(every)), file="design-breaks.csv")
    return Table("design-breaks", words("design_breaks.title"),
                 ("rule", "subject", "subject kind", "site", group, "detail", "risk accepted"),
                 tuple((rule, b.subject, b.kind, b.site, b.district, b.detail, b.accepted) for rule, b in shown),
                 note=note, shown={"subject kind": "subject"},
                 ids=frozenset({"rule", "subject", "site", group, "detail"}))


def _kinds(words: Words, value: str) -> str:
    return ", ".join(words.value("kind", kind) for kind in value.split()) if value else words("risks.any_kind")


def _levels(words: Words, value: str) -> str:
    return ", ".join(words.value("level", level) for level in value.split()) if value else words("risks.any_level")


def accepted_risks_table(data: DesignReport, words: Words) -> Table:
    """The risks the city accepts: where, of which kinds and levels, against which rules, why, who accepted them,
    when to review them."""
    return Table("accepted-risks", words("risks.title"),
                 ("risk", "sites", "site kinds", "levels", "rules", "reason", "accepted by", "review by", "covers"),
                 tuple((i + 1, " ".join(r.sites), " ".join(r.site_kinds), " ".join(r.levels), " ".join(r.rules) or "*",
                        r.reason, r.accepted_by, r.review_by, r.covers) for i, r in enumerate(data.accepted_risks)),
                 note=words("risks.note"), shown={"site kinds": _kinds, "levels": _levels},
                 ids=frozenset({"sites", "rules", "reason", "accepted by", "review by"}),
                 head_keys={"sites": "site globs"})


def design_failures_table(data: DesignReport, group: str, words: Words, limit: int | None = TOP_FAILURES,
                          every_failure: bool = False) -> Table:
    """The single failures that still cut sites beyond their own (in CSV: every failure cutting a site), each
    marked accepted when accepted risks cover every other site it cuts."""
    beyond = [f for f in data.failures if not f.own_site_only]
    listed = list(data.failures) if every_failure else beyond
    shown = listed[:limit] if limit is not None else listed
    note = words("design_failures.note", count=words.number(len(data.failures)),
                 own=words.number(len(data.failures) - len(beyond)), beyond=words.number(len(beyond)),
                 accepted=words.number(sum(f.accepted for f in beyond)))
    if limit is not None and len(listed) > limit:
        note += " " + words("design.limit", limit=limit, count=words.number(len(listed)), file="design-failures.csv")
    return Table("design-failures", words("design_failures.title"),
                 ("element", "kind", group, "sites cut", "own site only", "risk accepted", "rules broken", "sites"),
                 tuple((f.element, f.kind, f.district, f.sites_cut, f.own_site_only, f.accepted, " ".join(f.breaks),
                        _sites(f.sites) if limit is not None else " ".join(f.sites)) for f in shown),
                 note=note, shown={"kind": "element"}, head_keys={"sites": "sites cut (names)"},
                 ids=frozenset({"element", group, "rules broken", "sites"}))


def pools_table(data: AddressReport, words: Words) -> Table:
    rows = tuple((p.name, str(p.prefix), p.unit, p.allocations, p.used_addresses, Num(p.utilization, 2),
                  Num(p.high_water, 2), p.free_units if p.free_units is not None else "",
                  str(p.largest_free) if p.largest_free else "",
                  " ".join(f"/{length}×{count}" for length, count in p.free_blocks.items()))
                 for p in data.pools)
    return Table("pools", words("pools.title"),
                 ("pool", "prefix", "unit", "allocated", "used addresses", "used %", "high water %", "free units",
                  "largest free", "free blocks by size"), rows,
                 note=words("pools.note", pools=_join(data.closest_to_exhaustion)), shown={"unit": _pool_unit},
                 ids=frozenset({"pool", "prefix", "largest free", "free blocks by size"}),
                 head_keys={"unit": "allocates"})


def lans_table(data: AddressReport, words: Words, limit: int | None = TOP_LANS, district: str | None = None) -> Table:
    lans = [u for u in (data.fullest_lans if limit is not None else data.lans)
            if district is None or u.district == district]
    shown = lans[:limit] if limit is not None else lans
    return Table("lans", words("lans.title_full", threshold=words.number(round(data.full_threshold)))
                 if limit is not None else words("lans.title"),
                 ("site", "lan", "role", "prefix", "hosts", "capacity", "used %"),
                 tuple((u.site, u.lan, u.role, str(u.prefix), u.hosts, u.capacity, Num(u.utilization, 1))
                       for u in shown),
                 shown={"role": "role"}, ids=frozenset({"site", "lan", "prefix"}))


def policy_rules_table(data: PolicyReport, words: Words) -> Table:
    return Table("policy-rules", words("policy_rules.title"), ("rule", "kind", "LANs selected"),
                 tuple((r.rule, r.kind, r.lans) for r in data.rules),
                 note=words("policy_rules.note", lans=words.number(len(data.lans)),
                            allowed=words.number(data.allowed_pairs), unreachable=words.number(data.unreachable_pairs),
                            denied=words.number(data.denied_pairs))
                 + " " + words("policy_rules.passed" if data.ok else "policy_rules.failed"),
                 shown={"kind": "rule"}, ids=frozenset({"rule"}))


def contradictions_table(data: PolicyReport, words: Words) -> Table:
    return Table("contradictions", words("contradictions.title"), ("kind", "rules", "LANs", "detail", "examples"),
                 tuple((c.kind, _join(c.rules), c.lans, c.detail, _join(c.examples)) for c in data.contradictions),
                 shown={"kind": "contradiction"}, ids=frozenset({"rules", "detail", "examples"}))


def policy_lans_table(data: PolicyReport, words: Words, district: str | None = None, csv: bool = False) -> Table:
    sep = " " if csv else ", "
    return Table("policy-lans", words("policy_lans.title"),
                 ("site", "lan", "role", "allowed", "unreachable", "denied", "deny rules", "management"),
                 tuple((v.site, v.lan, v.role, sep.join(a.service for a in v.allowed),
                        sep.join(f"{u.service} ({u.reason})" if not csv else u.service for u in v.unreachable),
                        sep.join(v.denied), sep.join(v.deny_rules), v.management)
                       for v in data.lans if district is None or v.district == district),
                 shown={"role": "role", "management": "management", "unreachable": _unreachable},
                 ids=frozenset({"site", "lan", "allowed", "denied", "deny rules"}))


def providers_table(data: Totals, words: Words) -> Table:
    rows = tuple((p["provider"], p["circuits"], p["bandwidth_mbps"]) for p in data.by_provider)
    return Table("providers", words("providers.title"), ("provider", "circuits", "bandwidth Mbit/s"),
                 (*rows, ("total", data.circuits, data.bandwidth_mbps)), shown={"provider": "row"})


#: How the columns of query rows (netops.query.engine) are put in words; the other columns are names or numbers.
_QUERY_SHOWN: dict[str, Shown] = {"kind": "kind", "status": "status", "redundancy": "redundancy", "role": "device_role",
                                  "platform": "row", "media": "media"}
_QUERY_IDS = frozenset({"slug", "site", "area", "unit", "district", "ward", "providers", "provider"})


def rows_table(key: str, title: str, records: Sequence[dict[str, Any]], network: Network | None = None) -> Table:
    """A table from query rows (dictionaries with the same keys); with ``network``, a site's administrative unit
    (its code in the rows) is shown by its name and kind."""
    columns = tuple(records[0]) if records else ("none",)
    shown = dict(_QUERY_SHOWN)
    if network is not None:
        shown[network.placed_in] = unit_namer(network)
    return Table(key, title, columns, tuple(tuple(r.values()) for r in records), shown=shown,
                 ids=_QUERY_IDS - {network.placed_in} if network is not None else _QUERY_IDS)


def unit_namer(network: Network) -> Callable[[Words, Any], str]:
    """A unit's code in words: its official Vietnamese name in Vietnamese ('Phường Hồng Hà (00097)'), its name and
    kind in English ('Hồng Hà, ward (00097)')."""
    units = {unit.code: unit for unit in network.wards}

    def name(words: Words, code: Any) -> str:
        unit = units.get(code) if code else None
        if unit is None:
            return "" if not code else str(code)
        if words.lang is Lang.VI:
            return f"{unit.name} ({unit.code})"
        vietnamese = Words(Lang.VI).value("unit_kind", unit.kind.value)
        bare = unit.name.removeprefix(vietnamese[:1].upper() + vietnamese[1:] + " ")
        return f"{bare}, {words.value('unit_kind', unit.kind.value)} ({unit.code})"
    return name


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


def monitoring_note(state: MonitoringState, sites: Sequence[str], words: Words) -> str:
    """Where and when the state was read, and how many of the sites are in each status."""
    counts = dict.fromkeys(_STATUS_ORDER, 0)
    for slug in sites:
        counts[state.of(slug).status] += 1
    return words("monitoring_table.note", url=state.url, when=words.date(state.time),
                 counts=", ".join(f"{words.number(count)} {words.value('monitoring', status.value)}"
                                  for status, count in counts.items()))


def _monitoring_row(site: SiteState) -> tuple[Any, ...]:
    columns = site.columns()
    return (Badge(site.status), columns["reaches_dc"], columns["devices_down"], columns["gateways_down"],
            columns["alerts"])


_MONITORING_COLUMNS = ("monitoring", "reaches DC", "devices down", "gateways down", "alerts firing")
_MONITORING_SHOWN: dict[str, Shown] = {"reaches DC": "answer"}
_MONITORING_IDS = frozenset({"devices down", "gateways down", "alerts firing"})


def monitoring_table(network: Network, state: MonitoringState, words: Words, *, every_site: bool = False) -> Table:
    """The sites that are not up, worst first (every site in CSV), with what does not answer and their alerts."""
    # Decommissioned sites are out of the export (the running network): not "unknown", just not watched.
    slugs = [site.slug for site in network.sites if site.status is not LifecycleStatus.DECOMMISSIONED]
    shown = sorted((state.of(slug) for slug in slugs if every_site or state.of(slug).status
                    in (Status.CUT_OFF, Status.DEGRADED)),
                   key=lambda site: (_STATUS_ORDER.index(site.status), site.site))
    names = {site.slug: site.name for site in network.sites}
    return Table("monitoring", words("monitoring_table.title_all" if every_site else "monitoring_table.title"),
                 ("site", "name", *_MONITORING_COLUMNS),
                 tuple((site.site, names[site.site], *_monitoring_row(site)) for site in shown),
                 note=monitoring_note(state, slugs, words), shown=_MONITORING_SHOWN,
                 ids=frozenset({"site", *_MONITORING_IDS}))


def with_monitoring_columns(table: Table, state: MonitoringState, words: Words) -> Table:
    """A table of sites (first column the slug) with each site's monitoring state added."""
    read = words("monitoring_table.read", url=state.url, when=words.date(state.time))
    return Table(table.key, table.title, (*table.columns, *_MONITORING_COLUMNS),
                 tuple((*row, *_monitoring_row(state.of(row[0]))) for row in table.rows),
                 note=" ".join(filter(None, (table.note, read))), links=table.links,
                 shown={**table.shown, **_MONITORING_SHOWN}, ids=table.ids | _MONITORING_IDS)


# --- pages ---------------------------------------------------------------------------------------------------


def _environment(words: Words) -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.globals["t"] = words
    env.globals["lang"] = words.lang.value
    env.globals["words"] = words
    return env


def _markdown_cell(cell: Cell) -> str:
    text = cell.text.replace("|", "\\|").replace("\n", " ")
    # Names people wrote are code: a reader (and the report's tests) tells them from the report's words.
    return f"`{text}`" if cell.css == "id" and text else text


def markdown(title: str, intro: Sequence[str], tables: Sequence[Table], words: Words,
             images: Sequence[tuple[str, str]] = (), links: Sequence[tuple[str, str]] = ()) -> str:
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
            lines += [f"({words('page.none').rstrip('.').lower()})", ""]
            continue
        lines.append("| " + " | ".join(table.heads(words)) + " |")
        lines.append("|" + "|".join("---" for _ in table.columns) + "|")
        for row in table.cells(words):
            lines.append("| " + " | ".join(_markdown_cell(cell) for cell in row) + " |")
        lines.append("")
    if links:
        lines += [f"## {words('page.pages')}", ""] + [f"- [{label}]({href})" for label, href in links] + [""]
    return "\n".join(lines)


def build_report(network: Network, data: Analyses | None = None, workers: int = 4,
                 monitoring: MonitoringState | None = None, lang: Lang = Lang.VI,
                 sites: frozenset[str] | None = None) -> dict[str, str]:
    """Every file of the report, by path relative to the output folder; nothing is written here. With
    ``monitoring``, the overview lists the sites cut off or degraded, the district pages each site's state, and
    csv/monitoring.csv every site's. Pages and Markdown speak ``lang``; the CSV files are the same in every
    language. ``sites``: only those sites' group pages and table rows (:func:`in_scope`), the overview saying so;
    ``data`` is still the analyses of the whole network."""
    with no_cyclic_gc():
        return _build_report(network, data, workers, monitoring, Words(lang), sites)


#: Columns that name one site per row, and columns that name the group (area, district) of a row.
_SITE_COLUMNS = ("site", "slug")
_GROUP_COLUMNS = ("area", "district")


def in_scope(table: Table, sites: frozenset[str], groups: frozenset[str]) -> Table:
    """The table's rows of the selected sites (a site column), of their groups (a group column first), or of
    failures that cut one of them (a ``sites`` list); a table with none of these is city-wide and kept whole."""
    columns = table.columns
    site_column = next((columns.index(c) for c in _SITE_COLUMNS if c in columns), None)
    if site_column is not None:
        keep = [str(row[site_column]) in sites for row in table.rows]
    elif columns and columns[0] in _GROUP_COLUMNS:
        keep = [str(row[0]) in groups for row in table.rows]
    elif "sites" in columns and table.key in ("spof", "design-failures"):
        at = columns.index("sites")
        keep = [bool(set(str(row[at]).replace(",", " ").split()) & sites) for row in table.rows]
    else:
        return table
    return replace(table, rows=tuple(r for r, k in zip(table.rows, keep, strict=True) if k),
                   links=tuple(h for h, k in zip(table.links, keep, strict=True) if k) if table.links else ())


def _build_report(network: Network, data: Analyses | None, workers: int,
                  monitoring: MonitoringState | None, words: Words,
                  scope: frozenset[str] | None = None) -> dict[str, str]:
    data = data if data is not None else analyse(network)
    chosen = frozenset(s.area for s in network.sites if scope is not None and s.slug in scope and s.area)
    groups = [g for g in network.groups.values() if scope is None or g.code in chosen]
    hrefs = {d.code: district_page(network, d.code) for d in groups}  # only pages this report writes
    at_risk = {a.site for d in data.redundancy.districts for a in d.at_risk}
    labels = {d.code: short_name(d.name) for d in network.groups.values()}

    dots = {"topology": city_dot(network, data.whatif, data.redundancy, hrefs)}
    for d in groups:
        dots[f"districts/{d.code}-{d.slug}"] = district_dot(network, d.code, data.whatif, at_risk)
    svgs = render_diagrams(dots, workers=workers)

    env = _environment(words)
    files: dict[str, str] = {}
    group = network.grouped_by
    group_word = words(f"group.{group}")
    counts = {**{f"count.{k}": v for k, v in network.place_counts().items()}, "count.sites": len(network.sites),
              "count.routers": data.whatif.routers, "count.links": data.whatif.links,
              "count.circuits": data.totals.circuits, "count.bandwidth": data.totals.bandwidth_mbps,
              "count.lans": len(data.policy.lans)}
    shown_counts = {words(key): words.number(value) for key, value in counts.items()}
    everywhere = map_sites(network, at_risk, hrefs)
    city_map = render_map(network, everywhere, words, labels=labels)
    core = dense_core(everywhere)
    # The enlarged core names the groups that lie (mostly) inside it, at the centre of their sites there.
    inside = Counter(s.district for s in core)
    whole = Counter(s.district for s in everywhere)
    core_map = render_map(network, core, words, element_id="map-core", labels={
        code: name for code, name in labels.items() if inside[code] >= 0.8 * whole[code] > 0}) if core else ""
    legend = {"status": {words.value("status", k): v for k, v in STATUS_COLOURS.items()},
              "redundancy": {k: (words.value("redundancy", k), v) for k, v in REDUNDANCY_COLOURS.items()}}
    index_tables = [
        rollout_table(data.rollout, hrefs, group, words), rollout_kinds_table(data.rollout, words),
        rollout_sites_table(data.rollout, group, words), redundancy_table(data.redundancy, hrefs, group, words),
        failures_table(data.whatif, group, words),
        design_rules_table(data.design, words), design_breaks_table(data.design, group, words),
        accepted_risks_table(data.design, words), design_failures_table(data.design, group, words),
        pools_table(data.addresses, words), lans_table(data.addresses, words),
        policy_rules_table(data.policy, words), contradictions_table(data.policy, words),
        providers_table(data.totals, words),
    ]
    csv_tables = [
        rows_table("sites", "sites", query(network, Entity.SITES, QueryFilters()).rows),
        rows_table("circuits", "circuits", query(network, Entity.CIRCUITS, QueryFilters()).rows),
        rollout_table(data.rollout, {}, group, words), rollout_kinds_table(data.rollout, words),
        rollout_sites_table(data.rollout, group, words, every_site=True),
        redundancy_table(data.redundancy, {}, group, words),
        attachments_table(data.redundancy, group, network.placed_in, words),
        failures_table(data.whatif, group, words, limit=None, compact=False),
        design_rules_table(data.design, words), design_breaks_table(data.design, group, words, limit=None),
        accepted_risks_table(data.design, words),
        design_failures_table(data.design, group, words, limit=None, every_failure=True),
        pools_table(data.addresses, words), lans_table(data.addresses, words, limit=None),
        policy_lans_table(data.policy, words, csv=True), contradictions_table(data.policy, words),
        providers_table(data.totals, words),
    ]
    if monitoring is not None:
        index_tables.insert(0, monitoring_table(network, monitoring, words))
        csv_tables.append(monitoring_table(network, monitoring, words, every_site=True))
    scope_note = ""
    if scope is not None:
        index_tables = [in_scope(t, scope, chosen) for t in index_tables]
        csv_tables = [in_scope(t, scope, chosen) for t in csv_tables]
        scope_note = words("page.scope", count=words.number(len(scope)), sites=", ".join(sorted(scope)))
    district_links = [(d.name, hrefs[d.code]) for d in groups]
    csv_links = [(f"{t.key}.csv", f"csv/{t.key}.csv") for t in csv_tables]
    common = {"city": network.city.name, "version": __version__, "legend": legend, "group": group_word,
              "group_key": group, "monitoring": monitoring is not None}
    title = words("page.report", city=network.city.name)
    files["index.html"] = env.get_template("index.html.j2").render(
        **common, root="", title=title, counts=shown_counts,
        map_svg=Markup(city_map), core_svg=Markup(core_map), topology_svg=Markup(svgs["topology"]),
        tables=index_tables, scope=scope_note,
        districts=district_links, csv_links=csv_links, markdown="report.md")
    files["topology.svg"] = svgs["topology"]
    files["map.svg"] = city_map
    files["report.md"] = markdown(
        title, [*([scope_note] if scope_note else []), ", ".join(f"{v} {k}" for k, v in shown_counts.items()),
                words("page.open_index")],
        index_tables, words, images=[(words("map.alt"), "map.svg"), (words("topology.city"), "topology.svg")],
        links=[(d, h.removesuffix(".html") + ".md") for d, h in district_links])
    for table in csv_tables:
        files[f"csv/{table.key}.csv"] = table.csv()

    for district in groups:
        code = district.code
        base = f"districts/{code}-{district.slug}"
        sites = [s for s in network.sites if s.area == code]
        shown = [s for s in network.sites if s.area == code or s.kind == "data_center"]
        district_map = render_map(network, map_sites(network, at_risk, sites=shown), words, element_id="map")
        site_rows = query(network, Entity.SITES, QueryFilters(districts=(code,))).rows
        row = next((r for r in data.rollout.districts if r.key == code), None)
        sites_table = rows_table("sites", words("sites.title"), site_rows, network)
        tables = [
            sites_table if monitoring is None else with_monitoring_columns(sites_table, monitoring, words),
            at_risk_table(data.redundancy, words, code),
            failures_table(data.whatif, group, words, district=code, limit=TOP_FAILURES),
            lans_table(data.addresses, words, district=code),
            policy_lans_table(data.policy, words, district=code),
        ]
        summary = (words("page.summary", sites=words.number(len(sites)), done=words.number(row.done),
                         total=words.number(row.total),
                         percent=words.number(row.done_percent, 1) if row.done_percent is not None else "–")
                   if row is not None else words("page.summary_sites", sites=words.number(len(sites))))
        files[f"{base}.html"] = env.get_template("district.html.j2").render(
            **common, root="../", title=f"{district.name} ({code})", summary=summary,
            map_svg=Markup(district_map), core_svg="", topology_svg=Markup(svgs[base]), tables=tables,
            districts=district_links)
        files[f"{base}.svg"] = svgs[base]
        files[f"{base}.md"] = markdown(f"{district.name} ({code})", [summary], tables, words,
                                       images=[(words("topology.group", group=group_word),
                                                f"{code}-{district.slug}.svg")])
    return files
