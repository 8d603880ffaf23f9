"""`netops analyze rollout|addresses|redundancy|what-if|policy|design`: planner analyses in text or JSON."""

import sys
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.table import Table as RichTable
from rich.text import Text

from citynet_models.network import Network
from citynet_models.problems import Problem
from netops.analysis.addresses import AddressReport, addresses
from netops.analysis.design import DesignReport, evaluate_design
from netops.analysis.policy import PolicyReport, check_policy
from netops.analysis.redundancy import RedundancyReport, redundancy
from netops.analysis.results import dumps, to_jsonable
from netops.analysis.rollout import RolloutReport, rollout
from netops.analysis.whatif import UnknownElementError, WhatIfReport, scenario, single_failures
from netops.cli_support import (
    DEFAULT_INTENT_DIR,
    EXIT_FINDING,
    IntentOption,
    JsonOption,
    SourceName,
    SourceOption,
    exit_bad_input,
    load_or_exit,
    out,
)
from netops.errors import InputError
from netops.rollout.ledger import read_ledgers
from netops.selectors import match_groups

DistrictOption = Annotated[str | None, typer.Option(help="Only this district (code, slug or name; in a 2025 "
                                                          "intent, which has no districts: the area)")]
AreaOption = Annotated[str | None, typer.Option(help="Only this aggregation area (code, slug or name)")]

analyze = typer.Typer(
    name="analyze",
    help="Planner analyses of the designed network: rollout, addresses, redundancy, what-if failures, policy, "
         "design rules.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Mount `netops analyze` on the main application."""
    app.add_typer(analyze, name="analyze")


def _load(intent: Any, as_json: bool, source: SourceName) -> Network:
    """Every site, decommissioned ones too (the rollout and address analyses count them)."""
    return load_or_exit(intent, as_json, source=source).network


def _load_running(intent: Any, as_json: bool, source: SourceName) -> Network:
    """The network in service (netops.pipeline.in_service): what redundancy, what-if and policy judge."""
    return load_or_exit(intent, as_json, source=source).running


def _group_code(network: Network, district: str | None, area: str | None, as_json: bool) -> str | None:
    """The code of the one area or district ``--area`` / ``--district`` names (exit 2 when they name none or
    several)."""
    if district is None and area is None:
        return None
    try:
        codes = match_groups(network, area, district)
    except InputError as error:
        exit_bad_input(error.problems, as_json)
    assert codes is not None
    if len(codes) > 1:
        option, value = ("--district", district) if area is None else ("--area", area)
        noun = network.grouped_by
        exit_bad_input([Problem(path=(option,), message=f"the value names several {noun}s",
                                expected=f"one {noun}", found=f"{value!r}: {', '.join(sorted(codes))}",
                                hint=f"give the {noun}'s code")], as_json)
    return next(iter(codes))


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    table = RichTable(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, no_wrap=True)
    for row in rows:
        table.add_row(*("" if value is None else str(value) for value in row))
    out.print(table)


def _emit_json(report: Any) -> None:
    sys.stdout.write(dumps(report))


# --- rollout -------------------------------------------------------------------------------------------------


def print_rollout(report: RolloutReport, group: str) -> None:
    """The rollout report as text tables; ``group`` heads the column of what sites are grouped by
    (``Network.grouped_by``: district, or area in a 2025 intent)."""
    columns = [group, "name", *report.statuses, "total", "done %"]
    rows = [[r.key, r.name, *r.counts.values(), r.total, r.done_percent] for r in (*report.districts, report.total)]
    _table(f"sites per lifecycle status and {group}", columns, rows)
    kinds = [[r.key, *r.counts.values(), r.total, r.done_percent] for r in report.kinds]
    _table("by site kind", ["kind", *report.statuses, "total", "done %"], kinds)
    sites = [[p.site, p.district, p.state, p.since, p.age_days, len(p.evidence), p.next, p.blocked_by]
             for p in report.sites]
    _table("sites: state, evidence, days in state, what the next step needs",
           ["site", group, "state", "since", "days", "evidence", "next", "needs"], sites)


@analyze.command("rollout")
def rollout_command(intent: IntentOption = DEFAULT_INTENT_DIR, source: SourceOption = SourceName.INTENT,
                    area: AreaOption = None, district: DistrictOption = None,
                    as_json: JsonOption = False) -> None:
    """Rollout progress: sites per lifecycle status per district (area in a 2025 intent) and per site kind; each
    site's state, its evidence (rollout/<slug>/ beside the intent), days in its state and what its next step
    needs."""
    network = _load(intent, as_json, source)
    code = _group_code(network, district, area, as_json)
    # The evidence is kept beside the intent whatever the source of the network (NetBox keeps no ledger).
    try:
        ledgers = read_ledgers(intent, (site.slug for site in network.sites))
    except InputError as error:
        exit_bad_input(error.problems, as_json)
    report = rollout(network, code, ledgers, datetime.now(UTC))
    _emit_json(report) if as_json else print_rollout(report, network.grouped_by)


# --- addresses -----------------------------------------------------------------------------------------------


def free_blocks_text(free_blocks: dict[int, int], limit: int = 6) -> str:
    """Free blocks by size, largest first: '/10 x1, /11 x1, ...'."""
    items = [f"/{length} x{count}" for length, count in sorted(free_blocks.items())]
    return ", ".join(items[:limit]) + (f", ... ({len(items) - limit} more sizes)" if len(items) > limit else "")


def print_addresses(report: AddressReport, top: int) -> None:
    """The address report as text."""
    rows = [[p.name, p.prefix, p.unit, p.allocations, p.used_addresses, f"{p.utilization:.2f}",
             f"{p.high_water:.2f}", p.free_units, p.largest_free] for p in report.pools]
    _table("address pools", ["pool", "prefix", "unit", "allocated", "used addresses", "used %", "high water %",
                             "free units", "largest free"], rows)
    out.print("closest to running out: " + ", ".join(report.closest_to_exhaustion), highlight=False)
    out.print("free blocks by size:", highlight=False)
    for p in report.pools:
        out.print(f"  {p.name:<16} {free_blocks_text(p.free_blocks)}", highlight=False)
    fullest = report.fullest_lans[:top]
    if fullest:
        _table(f"LANs at {report.full_threshold:.0f}% of their hosts or more ({len(report.fullest_lans)}, "
               f"top {len(fullest)})", ["site", "lan", "prefix", "hosts", "capacity", "used %"],
               [[u.site, u.lan, u.prefix, u.hosts, u.capacity, f"{u.utilization:.1f}"] for u in fullest])


@analyze.command("addresses")
def addresses_command(
    intent: IntentOption = DEFAULT_INTENT_DIR, source: SourceOption = SourceName.INTENT,
    threshold: Annotated[float, typer.Option(min=0, max=100, help="List LANs at least this full (percent)")] = 80.0,
    top: Annotated[int, typer.Option(min=1, help="LANs listed in text output")] = 20,
    as_json: JsonOption = False,
) -> None:
    """Address space: every pool's utilization and free blocks by size, the pools closest to running out."""
    network = _load(intent, as_json, source)
    report = addresses(network, threshold)
    _emit_json(report) if as_json else print_addresses(report, top)


# --- redundancy ----------------------------------------------------------------------------------------------


def print_redundancy(report: RedundancyReport, group: str) -> None:
    """The redundancy report as text; ``group`` as in :func:`print_rollout`."""
    rows = [[d.district, d.name, d.sites, d.single_uplink, d.single_upstream_router, d.single_provider]
            for d in report.districts]
    rows.append(["total", "", report.sites, report.single_uplink, report.single_upstream_router,
                 report.single_provider])
    _table("sites by attachment", [group, "name", "sites", "single uplink", "single upstream router",
                                   "single provider"], rows)
    for d in report.districts:
        if d.at_risk:
            _table(f"{d.name}: {len(d.at_risk)} sites one failure outside the site cuts",
                   ["site", "kind", "status", "uplinks", "upstream routers", "providers"],
                   [[a.site, a.kind, a.status, a.uplinks, ", ".join(a.upstream_routers), ", ".join(a.providers)]
                    for a in d.at_risk])


@analyze.command("redundancy")
def redundancy_command(intent: IntentOption = DEFAULT_INTENT_DIR, source: SourceOption = SourceName.INTENT,
                       area: AreaOption = None, district: DistrictOption = None,
                       as_json: JsonOption = False) -> None:
    """Sites with a single uplink or a single upstream router, grouped by district (area in a 2025 intent)."""
    network = _load_running(intent, as_json, source)
    report = redundancy(network, _group_code(network, district, area, as_json))
    _emit_json(report) if as_json else print_redundancy(report, network.grouped_by)


# --- what-if -------------------------------------------------------------------------------------------------


def _sites_text(names: list[str], limit: int = 4) -> str:
    return ", ".join(names[:limit]) + (f", ... (+{len(names) - limit})" if len(names) > limit else "")


def print_what_if(report: WhatIfReport, top: int, group: str) -> None:
    """The what-if report as text; ``group`` as in :func:`print_rollout`."""
    out.print(f"{report.routers} routers, {report.links} links; services: "
              + ", ".join(f"{s.service}@{'/'.join(s.gateways)}" for s in report.services), highlight=False)
    if report.services_without_hosts:
        out.print("services no host runs: " + ", ".join(report.services_without_hosts), highlight=False)
    if report.baseline_losses:
        out.print(Text.assemble((f"{len(report.baseline_losses)} sites miss services with nothing failed", "red"),
                                ": " + _sites_text([loss.site for loss in report.baseline_losses])), highlight=False)
    if report.failed:
        impact = report.impacts[0]
        out.print(f"failing {', '.join(report.failed)} cuts {impact.sites_cut} sites "
                  f"({impact.service_paths_cut} site-service paths)", highlight=False)
        if impact.losses:
            _table("sites cut", ["site", group, "services lost"],
                   [[loss.site, loss.district, ", ".join(loss.services)] for loss in impact.losses])
        return
    out.print(f"{report.routers_cutting} routers and {report.links_cutting} links cut at least one site; "
              f"{report.spof_routers} routers and {report.spof_links} links cut a site other than their own "
              f"({report.algorithm})", highlight=False)
    ranked = report.impacts[:top]
    if ranked:
        _table(f"single points of failure, worst first (top {len(ranked)} of {len(report.impacts)})",
               ["element", "kind", group, "sites cut", "paths cut", "own site only", "sites"],
               [[i.element, i.kind, i.district, i.sites_cut, i.service_paths_cut, "yes" if i.own_site_only else "",
                 _sites_text([loss.site for loss in i.losses])] for i in ranked])


@analyze.command("what-if")
def what_if_command(
    intent: IntentOption = DEFAULT_INTENT_DIR, source: SourceOption = SourceName.INTENT,
    fail: Annotated[str | None, typer.Option(help="Routers and/or link ids to fail together, comma-separated")] = None,
    top: Annotated[int, typer.Option(min=1, help="Failures listed in text output")] = 20,
    as_json: JsonOption = False,
) -> None:
    """Which sites lose their path to which data-center services when routers or links fail.

    Without --fail: every single router and link failure, ranked by the sites it cuts. With --fail: the
    named elements fail together.
    """
    network = _load_running(intent, as_json, source)
    if fail is not None:
        names = [name.strip() for name in fail.split(",") if name.strip()]
        if not names:
            exit_bad_input([Problem(path=("--fail",), message="no router or link to fail",
                                    expected="router names and/or link ids, comma-separated", found=repr(fail),
                                    hint="`netops show devices` and `netops show links` list them")], as_json)
        try:
            report = scenario(network, names)
        except UnknownElementError as error:
            exit_bad_input([Problem(path=("--fail",), message="neither a router nor a link of the model",
                                    expected="a router name or a link id", found=repr(error.name),
                                    hint=(f"did you mean {' or '.join(error.suggestions)}?" if error.suggestions
                                          else "`netops show devices` and `netops show links` list them"))],
                           as_json)
    else:
        report = single_failures(network)
    _emit_json(report) if as_json else print_what_if(report, top, network.grouped_by)


# --- policy --------------------------------------------------------------------------------------------------


def print_policy(report: PolicyReport, show_lans: bool) -> None:
    """The policy check as text."""
    _table("rules", ["rule", "kind", "LANs selected"], [[r.rule, r.kind, r.lans] for r in report.rules])
    out.print(f"{len(report.lans)} site LANs: {report.allowed_pairs} service paths allowed and reachable, "
              f"{report.unreachable_pairs} allowed but unreachable, {report.denied_pairs} denied", highlight=False)
    unreachable = [(v, u) for v in report.lans for u in v.unreachable]
    if unreachable:
        _table("allowed but unreachable", ["site", "lan", "service", "rules", "why"],
               [[v.site, v.lan, u.service, ", ".join(u.rules), u.reason] for v, u in unreachable])
    if report.contradictions:
        _table(f"contradictions ({len(report.contradictions)})", ["kind", "rules", "LANs", "detail", "examples"],
               [[c.kind, ", ".join(c.rules), c.lans, c.detail, ", ".join(c.examples)] for c in report.contradictions])
    else:
        out.print("no contradictions", highlight=False)
    if show_lans:
        _table("per site LAN", ["site", "lan", "role", "allowed", "unreachable", "denied", "deny rules", "management"],
               [[v.site, v.lan, v.role, ", ".join(a.service for a in v.allowed),
                 ", ".join(u.service for u in v.unreachable), ", ".join(v.denied), ", ".join(v.deny_rules),
                 v.management] for v in report.lans])


@analyze.command("policy")
def policy_command(
    intent: IntentOption = DEFAULT_INTENT_DIR, source: SourceOption = SourceName.INTENT,
    area: AreaOption = None,
    district: DistrictOption = None,
    lans: Annotated[bool, typer.Option("--lans", help="List the verdict of every site LAN")] = False,
    as_json: JsonOption = False,
) -> None:
    """Check the policy against the design: per site LAN what is allowed, denied or unreachable, and every
    contradiction. Exit 1 when an allowed service is unreachable or the policy contradicts itself."""
    network = _load_running(intent, as_json, source)
    report = check_policy(network)
    code = _group_code(network, district, area, as_json)
    if code is not None:
        report = report.restricted(lambda verdict: verdict.district == code)
    _emit_json(report) if as_json else print_policy(report, lans or code is not None)
    if not report.ok:
        raise typer.Exit(EXIT_FINDING)


# --- design --------------------------------------------------------------------------------------------------


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def print_design(report: DesignReport, top: int, group: str) -> None:
    """The design rules' verdicts as text: each rule, the breaks of those that have any, the accepted risks and
    the single failures that still cut sites; ``group`` as in :func:`print_rollout`."""
    if not report.rules:
        out.print("no design rules (city.yml `design: rules:`): nothing to judge", highlight=False)
        return
    colours = {"pass": "green", "accepted": "yellow", "fail": "red"}
    table = RichTable(title="design rules", title_justify="left")
    for column in ("rule", "kind", "status", "checked", "breaks", "accepted", "statement"):
        table.add_column(column, no_wrap=column != "statement")
    for rule in report.rules:
        table.add_row(rule.rule, rule.kind, Text(rule.status, colours[rule.status]), str(rule.checked),
                      str(len(rule.breaks)), str(len(rule.breaks) - len(rule.unaccepted)), rule.statement)
    out.print(table)
    for rule in report.rules:
        if rule.breaks:
            ordered = sorted(rule.breaks, key=lambda b: (b.accepted, b.subject))
            _table(f"{rule.rule}: {_count(len(rule.unaccepted), 'break')} not accepted, "
                   f"{len(rule.breaks) - len(rule.unaccepted)} accepted",
                   ["subject", "kind", "site", group, "detail", "accepted (risk)"],
                   [[b.subject, b.kind, b.site, b.district, b.detail,
                     ", ".join(f"#{i + 1}" for i in b.risks) if b.accepted else "no"] for b in ordered])
    if report.accepted_risks:
        risks = RichTable(title="accepted risks", title_justify="left")
        for column in ("#", "sites", "kinds", "levels", "rules", "reason", "accepted by", "review by", "covers"):
            # The city's own words wrap; names and dates stay whole.
            risks.add_column(column, no_wrap=column not in ("kinds", "reason", "accepted by"))
        for i, r in enumerate(report.accepted_risks):
            risks.add_row(str(i + 1), ", ".join(r.sites), ", ".join(r.site_kinds) or "any",
                          ", ".join(r.levels) or "any",
                          ", ".join(r.rules) or "every rule", r.reason, r.accepted_by or "", r.review_by or "",
                          str(r.covers))
        out.print(risks)
    beyond = [f for f in report.failures if not f.own_site_only]
    out.print(f"{len(report.failures)} single failures still cut a site: {len(report.failures) - len(beyond)} "
              f"only their own, {len(beyond)} others too ({sum(f.accepted for f in beyond)} of them accepted; "
              f"{report.algorithm})", highlight=False)
    if beyond:
        shown = beyond[:top]
        _table(f"failures cutting sites beyond their own (top {len(shown)} of {len(beyond)})",
               ["element", "kind", group, "sites cut", "accepted", "breaks", "sites"],
               [[f.element, f.kind, f.district, f.sites_cut, "yes" if f.accepted else "no", ", ".join(f.breaks),
                 _sites_text(list(f.sites))] for f in shown])
    verdict = "every rule holds" if report.ok else f"{_count(report.unaccepted, 'break')} not accepted"
    out.print(Text(verdict, "green" if report.ok else "red"), highlight=False)


@analyze.command("design")
def design_command(
    intent: IntentOption = DEFAULT_INTENT_DIR, source: SourceOption = SourceName.INTENT,
    area: AreaOption = None,
    district: DistrictOption = None,
    top: Annotated[int, typer.Option(min=1, help="Failures listed in text output")] = 20,
    as_json: JsonOption = False,
) -> None:
    """Check the design rules (city.yml `design:`): each rule passes or fails with what breaks it, the accepted
    risks that cover breaks, and the single failures that still cut sites. Exit 1 when a break is not accepted."""
    network = _load_running(intent, as_json, source)
    code = _group_code(network, district, area, as_json)
    report = evaluate_design(network)
    if code is not None:
        area_of = {site.slug: site.area for site in network.sites}
        report = report.restricted(lambda site: area_of.get(site) == code)
    if as_json:
        _emit_json({"ok": report.ok, "unaccepted": report.unaccepted, **to_jsonable(report)})
    else:
        print_design(report, top, network.grouped_by)
    if not report.ok:
        raise typer.Exit(EXIT_FINDING)
