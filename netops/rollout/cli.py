"""`netops rollout SITE [--to STATE] [--by NAME]`: drive one site forward through its lifecycle, one state at a
time, on the local NetBox and the running lab, recording each transition with its evidence.

Exit codes (as every command, netops.errors): 0 the site reached --to; 1 a step's check failed (verification,
provisioning, a NetBox conflict): the routers this run pushed are rolled back and the status is where it was;
2 bad input (an invalid intent, an unknown site, a state behind or beside the lifecycle, a status that
disagrees with the ledger, no lab up); 3 NetBox or the lab could not be reached.

A push that verification then refuses is rolled back, so in a run that goes past provisioned, provisioned is
recorded together with verified, once verification passed.
"""

import json
import sys
import time
from typing import Annotated, NoReturn

import typer

from citynet_models.problems import Location, Problem
from citynet_models.rollout import FORWARD as ORDER
from citynet_models.types import LifecycleStatus
from netops.cli_support import (
    DEFAULT_INTENT_DIR,
    IntentOption,
    JsonOption,
    err,
    exit_bad_input,
    exit_for_error,
    load_or_exit,
    out,
    progress_for,
)
from netops.errors import EXIT_UNREACHABLE, InputError, unknown_value
from netops.lab.lab import Lab
from netops.netbox.client import NetBoxClient, NetBoxError
from netops.progress import ProgressSink as Progress
from netops.rollout.journal import post_journal
from netops.rollout.ledger import read_ledger, record_transition, site_status_line
from netops.rollout.scope import rollout_scope
from netops.rollout.steps import STEPS, Evidence, Rollout, RolloutStepError, accept, netbox_sync, stage


def register(main: typer.Typer) -> None:
    """Mount `netops rollout` on the main application."""
    main.command("rollout")(rollout)


def _states() -> list[str]:
    return [state.value for state in ORDER[1:]]


def rollout(
    site: Annotated[str, typer.Argument(help="Slug of the site to roll out")],
    to: Annotated[str | None, typer.Option("--to", help="The state to reach: staged, provisioned, verified or "
                                                        "accepted (default: the next one)")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who signs the transitions (required for accepted)")]
    = None,
    intent: IntentOption = DEFAULT_INTENT_DIR,
    as_json: JsonOption = False,
) -> None:
    """Drive a site forward through its lifecycle (planned, staged, provisioned, verified, accepted), one state at
    a time up to --to, with the evidence of each state kept beside the intent (rollout/SITE/)."""
    network = load_or_exit(intent, as_json).network
    if site not in network.site_by_slug:
        exit_bad_input([unknown_value("SITE", site, sorted(network.site_by_slug), what="a site slug",
                                      message="not a site of the intent")], as_json)
    ledger = read_ledger(intent, site)
    current = ledger.state if ledger is not None else LifecycleStatus.PLANNED
    declared = network.site_by_slug[site].status
    path, line = site_status_line(intent, site)
    where = Location(str(path), line)
    if declared is not current:
        exit_bad_input([Problem(path=("sites", f"[{site}]", "status"), location=where,
                                message="the status differs from the site's rollout ledger",
                                expected=f"{current.value} (the ledger's last state)", found=declared.value,
                                hint=f"put the status back to {current.value}; states change only through "
                                     f"netops rollout {site}")], as_json)
    wanted = _target(site, current, to, by, where, as_json)
    steps = list(ORDER[ORDER.index(current) + 1:ORDER.index(wanted) + 1])
    say = progress_sink(as_json)
    run = Rollout(intent, network, rollout_scope(network, site), Lab(), say)
    say(f"{site}: {current.value} -> {wanted.value}; touches {', '.join(run.scope.touched) or 'no router'}")
    recorded: list[dict[str, object]] = []
    pending: list[tuple[LifecycleStatus, Evidence]] = []
    client = netbox_client(as_json)  # before any work: every transition is written to NetBox too
    try:
        for state in steps:
            say(f"{state.value}: running")
            if state is LifecycleStatus.STAGED:
                evidence = stage(run, client)
            elif state is LifecycleStatus.ACCEPTED:
                assert by is not None
                evidence = accept(run, read_ledger(intent, site), by)
            else:
                evidence = STEPS[state](run)
            pending.append((state, evidence))
            if state is LifecycleStatus.PROVISIONED and LifecycleStatus.VERIFIED in steps:
                continue  # recorded with verified: a failed verification rolls this push back
            for done, proof in pending:
                recorded.append(_record(run, client, done, proof, by))
                if done is not LifecycleStatus.STAGED:
                    netbox_sync(run, client, done)
            pending.clear()
    except RolloutStepError as error:
        fail_step(site, error, recorded, as_json)
    except NetBoxError as error:
        exit_for_error(error, as_json)
    except InputError as error:
        exit_bad_input(error.problems, as_json)
    final = read_ledger(intent, site)
    if as_json:
        sys.stdout.write(json.dumps({"site": site, "from": current.value, "to": wanted.value,
                                     "transitions": recorded, "touched": list(run.scope.touched),
                                     "ledger": str(intent / "rollout" / site)}, indent=2) + "\n")
        return
    out.print(f"{site}: {current.value} -> {final.state.value if final else current.value} "
              f"(evidence in {intent / 'rollout' / site})", highlight=False)


def _target(site: str, current: LifecycleStatus, to: str | None, by: str | None, where: Location,
            as_json: bool) -> LifecycleStatus:
    """The state --to asks for, checked against the lifecycle: forward, never decommissioned, --by for accepted."""
    if current not in ORDER or current is ORDER[-1]:
        exit_bad_input([Problem(path=("sites", f"[{site}]", "status"), location=where,
                                message=f"{current.value} is the end of the rollout", found=current.value,
                                hint="netops site decommission takes a site out")], as_json)
    if to is None:
        wanted = ORDER[ORDER.index(current) + 1]
    elif to not in _states():
        hint = " (netops site decommission takes a site out)" if to == LifecycleStatus.DECOMMISSIONED.value else ""
        problem = unknown_value("--to", to, _states(), what="a state after planned", message="not a rollout state")
        exit_bad_input([Problem(path=problem.path, message=problem.message, expected=problem.expected,
                                found=problem.found, hint=(problem.hint or "") + hint)], as_json)
    else:
        wanted = LifecycleStatus(to)
    if ORDER.index(wanted) <= ORDER.index(current):
        exit_bad_input([Problem(path=("--to",), location=where, message="the site is already there or past it",
                                expected=f"a state after {current.value}", found=wanted.value,
                                hint=f"the lifecycle only goes forward: netops rollout {site}")], as_json)
    if ORDER.index(wanted) >= ORDER.index(LifecycleStatus.ACCEPTED) and not (by or "").strip():
        exit_bad_input([Problem(path=("--by",), message="accepted needs a named sign-off", expected="--by NAME",
                                found="nothing", hint=f"netops rollout {site} --to accepted --by 'Your Name'")],
                       as_json)
    return wanted


def netbox_client(as_json: bool) -> NetBoxClient:
    try:
        client = NetBoxClient.from_env()
        client.status()
    except NetBoxError as error:
        exit_for_error(error, as_json)
    return client


def _record(run: Rollout, client: NetBoxClient, state: LifecycleStatus, evidence: Evidence,
            by: str | None) -> dict[str, object]:
    """Record the transition in the site's ledger (and so its status in intent), then in its NetBox journal."""
    transition = record_transition(run.intent, run.scope.site, state, evidence=evidence.files, by=by,
                                   summary=evidence.summary)
    post_journal(client, run.scope.site, transition, journal_body(evidence))
    run.progress(f"{state.value}: {evidence.summary}")
    return {"state": state.value, "at": transition.at.isoformat().replace("+00:00", "Z"), "by": transition.by,
            "evidence": list(transition.evidence), "summary": transition.summary}


def journal_body(evidence: Evidence) -> str:
    """The evidence's Markdown for the journal: the verification report when the state has one."""
    markdown = [content.decode("utf-8", "replace") for name, content in sorted(evidence.files.items())
                if name.endswith(".md")]
    return "\n\n".join(markdown)


def fail_step(site: str, error: RolloutStepError, recorded: list[dict[str, object]], as_json: bool) -> NoReturn:
    reached = recorded[-1]["state"] if recorded else None
    if as_json:
        sys.stdout.write(json.dumps({"site": site, "failed": error.step.value, "reason": error.reason,
                                     "hint": error.hint, "rolled_back": list(error.rolled_back),
                                     "transitions": recorded}, indent=2) + "\n")
    else:
        err.print(f"error: {site}: {error.step.value} failed: {error.reason}", markup=False, highlight=False)
        if error.rolled_back:
            err.print(f"  rolled back: {', '.join(error.rolled_back)}", markup=False, highlight=False)
        if error.hint:
            err.print(f"  hint: {error.hint}", markup=False, highlight=False)
        err.print(f"  status left at {reached or 'where it was'}", markup=False, highlight=False)
    raise typer.Exit(error.exit_code if error.exit_code in (1, 2, EXIT_UNREACHABLE) else 1)


def progress_sink(as_json: bool) -> Progress:
    started = time.monotonic()

    def say(message: str) -> None:
        if not as_json:
            err.print(f"[{time.monotonic() - started:6.1f} s] {message}", markup=False, highlight=False)

    return progress_for(as_json, say)
