"""`netops site`: add a new site of an official unit to the intent (`site add`), show one (`site show`), or take
one out of the running network (`site decommission`, netops.site.decommission_cli).

Exit codes (netops.errors): 0 done; 2 bad input (the intent, the request, or the intent with the site added does
not validate; nothing is written); decommission exits as `netops rollout` does.
"""

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from citynet_models.allocations import SiteAllocation
from citynet_models.problems import Problem
from citynet_models.types import MassOrganizationType, SiteKind
from netops.allocations.store import record_path
from netops.cli_support import (
    DEFAULT_INTENT_DIR,
    IntentOption,
    JsonOption,
    SourceName,
    SourceOption,
    YesOption,
    err,
    exit_bad_input,
    load_or_exit,
    out,
)
from netops.errors import InputError, unknown_value
from netops.files import write_problem
from netops.intent.allocations import read_allocations
from netops.intent.loader import display_path
from netops.rollout.ledger import read_ledger
from netops.site.add import Addition, plan_addition, write_addition
from netops.site.placement import Request
from netops.site.show import ledger_transitions, site_summary, summary_lines
from netops.site.templates import DEFAULT_FOR_KIND

app = typer.Typer(name="site", no_args_is_help=True,
                  help="Sites one at a time: scaffold a new site of an official unit (add), show one (show), take one "
                       "out (decommission).")


class NewSiteKind(StrEnum):
    """The kinds of site a unit's file holds."""

    WARD_COMMITTEE = SiteKind.WARD_COMMITTEE.value
    PARTY_AGENCY = SiteKind.PARTY_AGENCY.value
    MASS_ORGANIZATION = SiteKind.MASS_ORGANIZATION.value
    PUBLIC_SERVICE_POINT = SiteKind.PUBLIC_SERVICE_POINT.value


def _usage(option: str, message: str, expected: str, found: str, hint: str) -> Problem:
    return Problem(path=(option,), message=message, expected=expected, found=found, hint=hint)


def _check_options(kind: SiteKind, organization: MassOrganizationType | None, place: str | None,
                   name: str | None) -> list[Problem]:
    problems: list[Problem] = []
    if kind is SiteKind.MASS_ORGANIZATION and organization is None:
        problems.append(_usage("--organization", "a mass organization's office needs its organization",
                               "--organization " + "|".join(o.value for o in MassOrganizationType), "none",
                               "e.g. --organization fatherland_front"))
    if kind is not SiteKind.MASS_ORGANIZATION and organization is not None:
        problems.append(_usage("--organization", "only a mass organization's office has an organization",
                               "--kind mass_organization with --organization", f"--kind {kind.value}",
                               "leave out --organization"))
    if place is not None and kind is not SiteKind.PUBLIC_SERVICE_POINT:
        problems.append(_usage("--place", "only a public-service point is named after its place",
                               "--kind public_service_point with --place", f"--kind {kind.value}",
                               "leave out --place, or give --name"))
    if place is not None and name is not None:
        problems.append(_usage("--place", "--place makes the name; --name gives it", "one of --place and --name",
                               "both", "leave out one of them"))
    return problems


def _added(addition: Addition, written: bool) -> dict[str, Any]:
    placement = addition.placement
    site = site_summary(addition.network, addition.site, addition.allocation, None)
    del site["transitions"]  # a site just added is planned: it has no ledger
    return {"written": written, "file": display_path(addition.unit_path), "created": addition.created,
            "record": display_path(addition.record_path), "template": placement.template,
            "allocation_key": addition.allocation.key, "hubs": list(placement.hubs), "site": site}


@app.command("add")
def add(
    unit: Annotated[str, typer.Argument(help="The unit: its official code (00454) or name (\"Xã Đông Anh\")")],
    kind: Annotated[NewSiteKind, typer.Option("--kind", help="What the site is; its default template: " + ", ".join(
        f"{k.value} {t}" for k, t in DEFAULT_FOR_KIND.items()))],
    name: Annotated[str | None, typer.Option(help="Display name (default: by kind and unit, e.g. "
                                                  "\"UBND phường X\", \"Đảng ủy xã X\")")] = None,
    slug: Annotated[str | None, typer.Option(help="Pinned slug (default: derived from the name)")] = None,
    place: Annotated[str | None, typer.Option(help="A public-service point's place: \"Điểm phục vụ hành chính "
                                                   "công PLACE (xã X)\"")] = None,
    organization: Annotated[MassOrganizationType | None, typer.Option(
        help="A mass organization's office: which organization")] = None,
    template: Annotated[str | None, typer.Option(help="Site template: a built-in or one of `site_templates:` in "
                                                      "city.yml (default: the kind's)")] = None,
    area: Annotated[str | None, typer.Option(help="Aggregation area code (default: the one the unit's sites "
                                                  "attach through, else its legacy district's)")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print what would be added; write nothing")] = False,
    intent: IntentOption = DEFAULT_INTENT_DIR,
    as_json: JsonOption = False,
) -> None:
    """Add a planned site of an official unit to the 2025 intent: named by kind and unit, located at the unit's
    map point, equipped by its template, uplinked to the least-used hub routers of the unit's aggregation area,
    and recorded in allocations.yml (nothing recorded moves). The intent with the site must validate before
    anything is written; the unit's file gets the site's lines and keeps every other byte (created, in the layout
    `netops reorganize` writes, when the unit has none). Adding a site already in the intent is refused."""
    site_kind = SiteKind(kind.value)
    problems = _check_options(site_kind, organization, place, name)
    if problems:
        exit_bad_input(problems, as_json)
    request = Request(unit=unit, kind=site_kind, name=name, slug=slug, place=place, organization=organization,
                      template=template, area=area)
    try:
        addition = plan_addition(intent, request)
    except InputError as error:
        exit_bad_input(error.problems, as_json)
    if not dry_run:
        try:
            write_addition(addition)
        except OSError as error:
            exit_bad_input([write_problem(addition.unit_path, error, "--intent")], as_json)
    report = _added(addition, written=not dry_run)
    if as_json:
        sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        return
    verb = "would add" if dry_run else "added"
    how = "new file" if addition.created else "appended"
    out.print(f"{verb} site {addition.site.slug} to {report['file']} ({how}), template {report['template']}, "
              f"allocation {report['allocation_key']} in {report['record']}", highlight=False)
    for line in summary_lines({**report["site"], "transitions": None})[:-1]:
        out.print(line, highlight=False)
    if dry_run:
        err.print("dry run: nothing written")


@app.command("show")
def show(
    slug: Annotated[str, typer.Argument(help="The site's slug")],
    intent: IntentOption = DEFAULT_INTENT_DIR,
    source: SourceOption = SourceName.INTENT,
    as_json: JsonOption = False,
) -> None:
    """Show a site: its unit, area, kind, status, devices, uplinks, LANs with their prefixes, its allocation and
    its rollout ledger's transitions (both kept beside the intent, whatever the source of the model)."""
    resolution = load_or_exit(intent, as_json, source=source)
    network = resolution.network
    site = network.site_by_slug.get(slug)
    if site is None:
        exit_bad_input([unknown_value("SLUG", slug, sorted(s.slug for s in network.sites),
                                      what="the slug of a site of the intent", message="no such site")], as_json)
    try:
        transitions = ledger_transitions(read_ledger(intent, slug))
    except InputError as error:
        exit_bad_input(error.problems, as_json)
    recorded = _recorded(intent, slug)
    summary = site_summary(network, site, recorded, transitions)
    if as_json:
        sys.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
        return
    for line in summary_lines(summary):
        out.print(line, highlight=False)


def _recorded(intent: Path, slug: str) -> SiteAllocation | None:
    """The site's entry in the allocation record as the file holds it (None: not recorded yet)."""
    path = record_path(intent)
    loaded = read_allocations(path, display_path(path), [])
    return None if loaded is None else loaded.record.sites.get(slug)


@app.command("decommission")
def decommission(
    slug: Annotated[str, typer.Argument(help="The site's slug")],
    keep_config: Annotated[bool, typer.Option("--keep-config", help="Leave the site's routers as they run "
                                                                    "(default: wiped to hostname and management)")]
    = False,
    release: Annotated[bool, typer.Option("--release", help="Also free the site's allocations: drop it from its "
                                                            "unit's file and allocations.yml (also later)")] = False,
    by: Annotated[str | None, typer.Option("--by", help="Who signs the decommissioning")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print what would change; write nothing")] = False,
    intent: IntentOption = DEFAULT_INTENT_DIR,
    as_json: JsonOption = False,
    yes: YesOption = False,
) -> None:
    """Take a site out of the running network, the reverse of its rollout: its neighbours' downlinks removed and
    pushed, its routers wiped (unless --keep-config), the sites around it verified, NetBox's objects of the site
    set to their decommissioning statuses, the transition recorded in its ledger, its status and its NetBox
    journal. Its prefixes and hub ports stay reserved unless --release. Exit codes as `netops rollout`.

    What it would do is listed and asked for on a terminal (--yes: without asking; not on a terminal, --yes is
    needed)."""
    from netops.site.decommission_cli import run_decommission  # the lab and NetBox only for this command

    run_decommission(slug, keep_config=keep_config, release=release, by=by, dry_run=dry_run, intent=intent,
                     as_json=as_json, yes=yes)
