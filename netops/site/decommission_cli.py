"""`netops site decommission SLUG`: checks, dry run, the run of netops.site.decommission's steps, the output.

Exit codes (as `netops rollout`): 0 done; 1 a step's check failed (the push, the verification, a NetBox
conflict): the routers this run pushed are rolled back and the status is where it was; 2 bad input (an unknown
site, a status that is not its ledger's, a site already decommissioned without --release, a site others hang
off, no lab up; nothing written); 3 NetBox or the lab could not be reached.
"""

import json
import sys
from pathlib import Path
from typing import NoReturn

from citynet_models.problems import Location, Problem, item
from citynet_models.types import LifecycleStatus
from netops.cli_support import confirm_or_exit, err, exit_bad_input, exit_for_error, load_or_exit, out
from netops.errors import InputError, unknown_value
from netops.files import write_problem
from netops.rollout.ledger import read_ledger, record_transition, site_status_line
from netops.rollout.scope import rollout_scope
from netops.site.decommission import (
    STEP,
    Decommission,
    Release,
    dependants,
    netbox_changes,
    plan_release,
    release_summary,
    write_release,
)

#: What "wiped" leaves on a router, for the output.
WIPED = "hostname and management only"


def _refuse(problem: Problem, as_json: bool) -> NoReturn:
    exit_bad_input([problem], as_json)


def _checked(slug: str, intent: Path, release: bool, keep_config: bool, as_json: bool) -> Decommission:
    """The decommissioning asked for, or exit 2 with the reason (nothing written)."""
    network = load_or_exit(intent, as_json).network
    if slug not in network.site_by_slug:
        _refuse(unknown_value("SLUG", slug, sorted(network.site_by_slug), what="a site slug",
                              message="not a site of the intent"), as_json)
    try:
        ledger = read_ledger(intent, slug)
    except InputError as error:
        exit_bad_input(error.problems, as_json)
    declared = network.site_by_slug[slug].status
    current = ledger.state if ledger is not None else (STEP if declared is STEP else LifecycleStatus.PLANNED)
    path, line = site_status_line(intent, slug)
    where = Location(str(path), line)
    status = ("sites", item(slug), "status")
    if declared is not current:
        _refuse(Problem(path=status, location=where, message="the status differs from the site's rollout ledger",
                        expected=f"{current.value} (the ledger's last state)", found=declared.value,
                        hint=f"put the status back to {current.value}; states change only through netops"),
                as_json)
    if current is STEP and not release:
        _refuse(Problem(path=status, location=where, message="the site is already decommissioned",
                        expected="a site in service, or --release to free its allocations", found=current.value,
                        hint=f"netops site decommission {slug} --release"), as_json)
    hanging = dependants(network, slug) if current is not STEP else []
    if hanging:
        _refuse(Problem(path=("sites", item(slug)), location=where,
                        message="sites in service hang off this site", expected="no site with an uplink to it",
                        found=", ".join(hanging),
                        hint="move their uplinks to a router that stays (or decommission them first)"), as_json)
    return Decommission(slug=slug, current=current, network=network, scope=rollout_scope(network, slug),
                        keep_config=keep_config)


def _release_plan(plan: Decommission, intent: Path, as_json: bool) -> Release:
    try:
        return plan_release(intent, plan.slug)
    except InputError as error:
        exit_bad_input(error.problems, as_json)


def _summary(plan: Decommission, release: Release | None) -> dict[str, object]:
    return {"site": plan.slug, "from": plan.current.value, "to": STEP.value,
            "pushed": list(plan.repushed), "wiped": list(plan.wiped),
            "kept": list(plan.scope.routers) if plan.pushes and plan.keep_config else [],
            "netbox": netbox_changes(plan) if plan.current is not STEP else [],
            "released": release_summary(release) if release is not None else None}


def _print(summary: dict[str, object], verb: str) -> None:
    for line in _lines(summary, verb):
        out.print(line, highlight=False, markup=False)


def _lines(summary: dict[str, object], verb: str) -> list[str]:
    """What a decommissioning does (``verb``: would decommission) or did (decommissioned), as lines."""
    lines = [f"{verb} {summary['site']} ({summary['from']} -> {summary['to']})" if summary["from"] != STEP.value
             else f"{'would release' if verb.startswith('would') else 'released'} {summary['site']} (decommissioned)"]
    pushed, wiped, kept = summary["pushed"], summary["wiped"], summary["kept"]
    assert isinstance(pushed, list) and isinstance(wiped, list) and isinstance(kept, list)
    if summary["from"] != STEP.value:
        lines.append(f"  routers rendered without the site: {', '.join(pushed) or 'none (nothing was pushed)'}")
        if wiped:
            lines.append(f"  routers wiped ({WIPED}): {', '.join(wiped)}")
        if kept:
            lines.append(f"  routers left as they run (--keep-config): {', '.join(kept)}")
        netbox = summary["netbox"]
        assert isinstance(netbox, list)
        lines += [f"  NetBox: {change}" for change in netbox] or ["  NetBox: nothing (the site was never staged)"]
    released = summary["released"]
    if isinstance(released, dict):
        lines.append(f"  released: the site's entry in {released['unit_file']} and its line in "
                     f"{released['record']}")
    else:
        lines.append("  allocations: kept reserved (--release frees them)")
    return lines


def run_decommission(slug: str, *, keep_config: bool, release: bool, by: str | None, dry_run: bool, intent: Path,
                     as_json: bool, yes: bool = False) -> None:
    """The command (see netops.site.cli.decommission)."""
    plan = _checked(slug, intent, release, keep_config, as_json)
    released = _release_plan(plan, intent, as_json) if release else None  # refused before anything is written
    summary = _summary(plan, released)
    if dry_run:
        if as_json:
            sys.stdout.write(json.dumps({**summary, "written": False}, ensure_ascii=False, indent=2) + "\n")
        else:
            _print(summary, "would decommission")
            err.print("dry run: nothing written")
        return
    confirm_or_exit("site decommission", f"decommission {slug}", _lines(summary, "would decommission"), yes=yes,
                    as_json=as_json)
    transition: dict[str, object] | None = None
    if plan.current is not STEP:
        transition = _take_out(plan, intent, by, as_json)
    if release:
        released = _release_plan(plan, intent, as_json)  # again: recording the transition edited the site's file
        try:
            write_release(released)
        except OSError as error:
            exit_bad_input([write_problem(released.unit_path, error, "--intent")], as_json, stopped_part_way=True)
    if as_json:
        sys.stdout.write(json.dumps({**summary, "written": True, "transition": transition}, ensure_ascii=False,
                                    indent=2) + "\n")
        return
    _print(summary, "decommissioned")


def _take_out(plan: Decommission, intent: Path, by: str | None, as_json: bool) -> dict[str, object]:
    """The steps (netops.site.decommission) and the record; a failure exits with its code (see the module)."""
    from netops.lab.lab import Lab
    from netops.netbox.client import NetBoxError
    from netops.rollout.cli import fail_step, journal_body, netbox_client, progress_sink
    from netops.rollout.journal import post_journal
    from netops.rollout.steps import Evidence, Rollout, RolloutStepError, netbox_sync, rollback
    from netops.site import decommission as steps

    say = progress_sink(as_json)
    run = Rollout(intent, plan.network, plan.scope, Lab(), say)
    say(f"{plan.slug}: {plan.current.value} -> {STEP.value}; pushes "
        f"{', '.join([*plan.repushed, *plan.wiped]) or 'no router'}")
    client = netbox_client(as_json) if plan.in_netbox else None
    evidence: list[Evidence] = []
    try:
        if plan.pushes:
            evidence.append(steps.push(run, plan))
            evidence.append(steps.verify(run, plan))
        if client is not None:
            evidence.append(steps.netbox_record(plan, netbox_sync(run, client, STEP)))
    except RolloutStepError as error:
        fail_step(plan.slug, error, [], as_json)
    except (NetBoxError, InputError) as error:
        rolled_back = rollback(run)  # the status stays: nothing this run pushed may stay either
        if rolled_back and not as_json:
            err.print(f"rolled back: {', '.join(rolled_back)}", markup=False, highlight=False)
        if isinstance(error, InputError):
            exit_bad_input(error.problems, as_json)
        exit_for_error(error, as_json)
    files = {name: data for proof in evidence for name, data in proof.files.items()}
    summary = "; ".join(proof.summary for proof in evidence) or "nothing was staged or pushed"
    try:
        transition = record_transition(intent, plan.slug, STEP, evidence=files, by=by, summary=summary)
        if client is not None:
            post_journal(client, plan.slug, transition, journal_body(Evidence(files, summary)))
    except InputError as error:
        exit_bad_input(error.problems, as_json)
    except NetBoxError as error:
        exit_for_error(error, as_json)
    say(f"{STEP.value}: {summary}")
    return {"state": STEP.value, "at": transition.at.isoformat().replace("+00:00", "Z"), "by": transition.by,
            "evidence": list(transition.evidence), "summary": transition.summary}


__all__ = ["run_decommission"]

