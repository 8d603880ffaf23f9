"""`netops lab`: the city WAN emulated with FRR routers in network namespaces (docs/lab.md).

Exit codes (as every command, netops.errors): 0 done; 1 a finding (not converged, a probe not as the policy
says, ``status``: something not running); 2 bad input or usage (invalid intent, an unknown district or device,
no lab up, not root); 3 the lab or a service it needs failed (a daemon that does not start, a command that
fails, NetBox unreachable with ``--source netbox``; ``up`` past its ``--deadline``); ``up`` and ``down`` stopped by
SIGINT 130, by SIGTERM 143 (netops.lab.interrupt).
"""

import json
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from citynet_models.problems import Problem
from netops.cli_support import (
    DEFAULT_INTENT_DIR,
    EXIT_BAD_INPUT,
    EXIT_FINDING,
    EXIT_UNREACHABLE,
    IntentOption,
    JsonOption,
    SourceOption,
    YesOption,
    confirm_or_exit,
    err,
    exit_bad_input,
    exit_for_error,
    exit_for_source,
    out,
    progress_for,
)
from netops.design import build_design, lab_settings, settings_in_force
from netops.errors import InputError, format_problems, problems_as_json
from netops.files import write_problem
from netops.lab.errors import LabError, LabRuntimeError
from netops.lab.interrupt import STOP, LabInterruptedError, stopping_on_signals
from netops.lab.lab import Lab
from netops.lab.netns import LabCommandError
from netops.lab.state import LabState
from netops.lab.topology import in_network, plan_lab
from netops.lab.up import left_behind
from netops.progress import Progress
from netops.sources import SourceName, SourceUnavailableError, source_of

app = typer.Typer(name="lab", help="The city WAN in network namespaces: FRR routers, site PCs, data-center hosts.",
                  no_args_is_help=True)
fail_app = typer.Typer(help="Fail a link (both ends down) or a node (FRR stopped, its ports down).",
                       no_args_is_help=True)
restore_app = typer.Typer(help="Undo `netops lab fail`.", no_args_is_help=True)
app.add_typer(fail_app, name="fail")
app.add_typer(restore_app, name="restore")


def register(main: typer.Typer) -> None:
    """Mount `netops lab` on the main application."""
    main.add_typer(app, name="lab")


def _exit_for(error: Exception, as_json: bool) -> NoReturn:
    if isinstance(error, InputError):
        if as_json:
            out.print_json(problems_as_json(error.problems))
        else:
            err.print(format_problems(error.problems), markup=False, highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from error
    if isinstance(error, LabError):
        code, message, hint = EXIT_BAD_INPUT, error.message, error.hint
    elif isinstance(error, PermissionError):  # the user's doing: the lab needs root
        code, message, hint = EXIT_BAD_INPUT, str(error), "the lab makes network namespaces: run it as root"
    else:  # the lab (a daemon, a namespace, a command it ran) failed: a service failed
        code, message, hint = EXIT_UNREACHABLE, str(error), None
    if as_json:
        sys.stdout.write(json.dumps({"error": message, "hint": hint}) + "\n")
    else:
        err.print(f"error: {message}" + (f"\n  hint:     {hint}" if hint else ""), markup=False, highlight=False)
    raise typer.Exit(code) from error


_ERRORS = (InputError, LabError, LabRuntimeError, LabCommandError, OSError)


def _progress(as_json: bool) -> Progress:
    started = time.monotonic()

    def say(message: str) -> None:
        if not as_json:
            err.print(f"[{time.monotonic() - started:6.1f} s] {message}", markup=False, highlight=False)

    return progress_for(as_json, say)


@app.command()
def up(
    ctx: typer.Context,
    intent: IntentOption = DEFAULT_INTENT_DIR,
    area: Annotated[list[str] | None, typer.Option("--area", help="Only the data center and this aggregation area "
                                                   "(code, slug or name; repeatable)")] = None,
    district: Annotated[list[str] | None, typer.Option("--district", "-d", help="Only the data center and this "
                                                       "district (code, slug or name; repeatable; in a 2025 intent, "
                                                       "which has no districts: the area)")] = None,
    from_source: SourceOption = SourceName.INTENT,
    configured: Annotated[bool, typer.Option("--configured", help="Load the rendered configs (frr.conf and "
                                             "nftables) instead of the bootstrap")] = False,
    settings_file: Annotated[Path | None, typer.Option("--settings", help="Render settings for --configured "
                                                       "(default: ospf_timers fast; standard above 200 "
                                                       "routers)")] = None,
    wait: Annotated[bool, typer.Option("--wait/--no-wait", help="With --configured: wait until every OSPF and "
                                       "BGP adjacency is up")] = True,
    timeout: Annotated[float, typer.Option(min=0.1, max=3600, help="Seconds --wait waits")] = 120,
    prune: Annotated[bool, typer.Option("--prune", help="Onto a lab of another plan (a changed intent): take out "
                                        "the routers, hosts and links the new plan leaves out")] = False,
    deadline: Annotated[float | None, typer.Option(min=1, max=86400, help="Seconds the whole `up` may take (--wait "
                                                   "included): then it stops as on Ctrl-C, exit 3")] = None,
    whole_city: Annotated[bool, typer.Option("--whole-city", help="The whole real city of today, generated from "
                                             "official data (as generate-city --real --structure 2025) into "
                                             "<lab home>/twin/intent; not with --intent or --source")] = False,
    as_json: JsonOption = False,
) -> None:
    """Bring the lab up (idempotent: what exists is left as it is, what is missing is made).

    Onto a lab up from another intent (or selection), of the same mode, it is the change of intent: what both
    have keeps running as it is (provisioned configs, adjacencies), what is new is made, and what the new plan
    leaves out (retired sites' routers) is taken out with --prune, else refused (exit 2, nothing changed).

    SIGINT, SIGTERM or --deadline stop it where nothing is half made: what it made is left as it is and recorded,
    so `netops lab down` removes exactly that and `netops lab up` completes it (exit 130, 143, 3).

    --whole-city (the twin, docs/lab.md): the intent is generated into a folder the lab keeps across runs,
    written again only where the generator writes something different; `lab status --json` names it (intent)."""
    with stopping_on_signals("lab up", deadline):
        if whole_city:
            intent, from_source = _twin_intent(ctx, Lab(), _progress(as_json), as_json)
        _up(intent, area, district, from_source, configured, settings_file, wait, timeout, prune, as_json)


def _up(intent: Path, area: list[str] | None, district: list[str] | None, from_source: SourceName,
        configured: bool, settings_file: Path | None, wait: bool, timeout: float, prune: bool,
        as_json: bool) -> None:
    say = _progress(as_json)
    lab = Lab()
    try:
        resolution = source_of(from_source, intent).load()
        network = resolution.running
        plan = plan_lab(network, district or [], area or [])
        design = build_design(network, settings_in_force(settings_file, lab_settings(len(plan.frr_routers()))))
        say(f"lab of {plan.city}: {len(plan.routers)} devices, {len(plan.links)} links, {len(plan.hosts)} hosts"
            + (f" ({network.grouped_by}s {', '.join(plan.districts)})" if plan.districts else ""))
        report = lab.up(network, plan, configured=configured, design=design, intent=str(intent),
                        progress=say, prune=prune)
        remaining = STOP.remaining()
        convergence = (lab.wait(timeout if remaining is None else min(timeout, remaining), progress=say)
                       if configured and wait else None)
        if convergence is not None and not convergence.converged:
            STOP.check()  # a wait the deadline cut short is the deadline's (exit 3), not a finding
    except LabInterruptedError as stopped:
        _exit_stopped("lab up", stopped, lab, as_json)
    except SourceUnavailableError as error:
        exit_for_source(error, as_json)
    except _ERRORS as error:
        _exit_for(error, as_json)
    result = {"home": str(lab.home.path), "intent": str(intent), "routers": len(plan.routers), "hosts": len(plan.hosts),
              "links": len(plan.links), "configured": configured, "changed": report.changed, **asdict(report)}
    if convergence is not None:
        result["converged"] = convergence.converged
        result["converged_seconds"] = convergence.seconds
    if as_json:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
    else:
        total = sum(report.seconds.values())
        verb = "up" if report.changed else "already up"
        out.print(f"lab {verb}: {len(plan.routers)} routers, {len(plan.hosts)} hosts, {len(plan.links)} links in "
                  f"{total:.1f} s ({', '.join(f'{k} {v:.1f}' for k, v in report.seconds.items())})", highlight=False)
        waits = [f"{phase} {kind} {seconds:.1f}" for phase, waited in report.waited.items()
                 for kind, seconds in waited.items() if seconds]
        if waits:
            out.print(f"  starts waited for room (seconds, summed over parallel starts): {', '.join(waits)}",
                      highlight=False)
        if report.namespaces_removed or report.links_removed:
            out.print(f"  taken out: {report.namespaces_removed} namespaces, {report.links_removed} links the "
                      "plan leaves out", highlight=False)
        out.print(f"  ssh -F {lab.home.ssh_config} <device> vtysh -c 'show version'", highlight=False)
        if convergence is not None:
            out.print(f"  {'converged' if convergence.converged else 'NOT converged'} after "
                      f"{convergence.seconds:.1f} s", highlight=False)
    if convergence is not None and not convergence.converged:
        err.print(f"not converged: {convergence.describe_lagging()}", highlight=False)
        raise typer.Exit(EXIT_FINDING)


def _exit_stopped(command: str, stopped: LabInterruptedError, lab: Lab, as_json: bool) -> NoReturn:
    """Say what a stopped `up` or `down` left (one message, no traceback) and exit 130, 143 or 3."""
    left = stopped.left or left_behind(lab.home, [])
    why = "its --deadline" if stopped.reason == "deadline" else stopped.reason
    recorded = (f"{left.namespaces} namespaces and {left.processes} running processes, every one recorded in "
                f"{left.state_file}")
    if left.state_file is None:
        message = f"{command} stopped by {why} before anything was made: nothing is left"
    elif command == "lab down":
        message = (f"lab down stopped by {why}: left {recorded}; `netops lab down` again removes the rest")
    elif left.complete:
        message = (f"lab up stopped by {why} while waiting for convergence: the lab is up and complete ({recorded}); "
                   "`netops lab wait` waits again, `netops lab down` removes it")
    else:
        message = (f"lab up stopped by {why} during {left.phase or 'its last phase'} (done: "
                   f"{', '.join(left.phases_done) or 'nothing'}): what it made is left as it is, not rolled back: "
                   f"{recorded}; `netops lab down` removes exactly that, `netops lab up` completes it")
    if as_json:
        sys.stdout.write(json.dumps({"stopped": stopped.reason, "exit_code": stopped.exit_code, "command": command,
                                     "message": message, **asdict(left)}, indent=2) + "\n")
    else:
        err.print(message, markup=False, highlight=False)
    raise typer.Exit(stopped.exit_code) from None


def _twin_intent(ctx: typer.Context, lab: Lab, say: Progress, as_json: bool) -> tuple[Path, SourceName]:
    """--whole-city: the twin's intent written (netops.lab.twin) and its folder, or why not and exit 2 (with
    --intent or --source given on the command line, a folder the twin did not write, no dataset)."""
    from typer._click.core import ParameterSource

    from netops.lab.twin import OPTION, ensure_twin_intent, twin_intent_path
    from netops.units.dataset import DatasetError

    given = [f"--{name.replace('from_', '')}" for name in ("intent", "from_source")
             if ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE]
    if given:
        exit_bad_input([Problem(path=(OPTION,), message="--whole-city brings up the intent it generates itself",
                                expected="--whole-city alone, or --intent/--source without it",
                                found=f"--whole-city with {' and '.join(given)}",
                                hint=f"leave out {' and '.join(given)}, or --whole-city")], as_json)
    folder = twin_intent_path(lab.home)
    try:
        twin = ensure_twin_intent(folder)
    except InputError as error:
        exit_bad_input(error.problems, as_json)
    except DatasetError as error:
        exit_for_error(error, as_json)
    except OSError as error:
        exit_bad_input([write_problem(folder, error, OPTION)], as_json)
    say(f"the whole real city of today in {twin.path}: "
        + (f"{len(twin.written)} files written, {len(twin.removed)} removed" if twin.generated
           else f"{twin.files} files, unchanged"))
    return twin.path, SourceName.INTENT


@app.command()
def down(as_json: JsonOption = False, yes: YesOption = False) -> None:
    """Stop every process the lab started and remove everything it made (also after a crashed run).

    A lab that is up is listed first and the removal asked for on a terminal (--yes: without asking; not on a
    terminal, --yes is needed)."""
    lab = Lab()
    try:
        state = lab.home.load()
    except _ERRORS as error:
        _exit_for(error, as_json)
    if state is not None:
        confirm_or_exit("lab down", f"take down the lab of {lab.home.path}", _down_details(state), yes=yes,
                        as_json=as_json)
    with stopping_on_signals("lab down"):
        try:
            report = lab.down(progress=_progress(as_json))
        except LabInterruptedError as stopped:
            _exit_stopped("lab down", stopped, lab, as_json)
        except _ERRORS as error:
            _exit_for(error, as_json)
    if as_json:
        sys.stdout.write(json.dumps(asdict(report), indent=2) + "\n")
    elif not report.was_up:
        out.print("no lab was up", highlight=False)
    else:
        out.print(f"lab down in {report.seconds:.1f} s: {report.processes_stopped} processes stopped "
                  f"({report.processes_killed} killed), {report.namespaces_deleted} namespaces and "
                  f"{report.links_deleted} root links deleted"
                  + (f", user {report.user_deleted} removed" if report.user_deleted else ""), highlight=False)


def _down_details(state: LabState) -> list[str]:
    """What `lab down` removes of a lab that is up, as lines for the confirmation."""
    lines = [f"- stop {len(state.processes)} processes and delete {len(state.namespaces)} network namespaces: "
             + _listing(state.namespaces),
             f"- delete {len(state.root_links)} links of the root namespace: " + _listing(state.root_links)]
    if state.made_user is not None:
        lines.append(f"- remove the user {state.made_user}")
    return lines


def _listing(names: list[str], limit: int = 8) -> str:
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")


@app.command()
def status(as_json: JsonOption = False) -> None:
    """Each router, its daemons and its management reachability (exit 1 when something is not running)."""
    try:
        result = Lab().status()
    except _ERRORS as error:
        _exit_for(error, as_json)
    if as_json:
        sys.stdout.write(json.dumps({**asdict(result), "healthy": result.healthy}, indent=2) + "\n")
    elif not result.up:
        out.print(f"no lab is up ({result.home})", highlight=False)
    else:
        from rich.table import Table

        mode = "configured" if result.configured else "bootstrap"
        out.print(f"lab ({mode}{', incomplete' if not result.complete else ''}) from {result.home}: "
                  f"{len(result.routers)} routers, {len(result.hosts)} hosts"
                  + (f" (intent {result.intent})" if result.intent else ""), highlight=False)
        table = Table(title_justify="left")
        for column in ("device", "management", "namespace", "daemons", "host daemons", "sshd", "ssh :22", "faults"):
            table.add_column(column, no_wrap=True)
        for router in result.routers:
            daemons = " ".join(f"{name}{'' if ok else '!'}" for name, ok in sorted(router.daemons.items()))
            host = " ".join(f"{name}{'' if ok else '!'}" for name, ok in router.host_daemons.items())
            if router.keepalived is not None:
                host += f" keepalived{'' if router.keepalived else '!'}"
            faults = ("node down " if router.failed else "") + " ".join(router.failed_links)
            table.add_row(router.device, router.management, "yes" if router.namespace else "MISSING",
                          daemons or "-", host or "-", "yes" if router.sshd else "no",
                          "open" if router.ssh_open else "closed", faults)
        out.print(table)
        if result.failed_links or result.failed_nodes:
            out.print("faults in force: " + ", ".join([f"link {link}" for link in result.failed_links]
                                                      + [f"node {node}" for node in result.failed_nodes])
                      + (f"; recorded but undone: {', '.join(result.faults_undone)} (`netops lab restore` them)"
                         if result.faults_undone else ""), highlight=False)
        for group in result.vrrp:
            holder = (group.master if group.master is not None
                      else "NOBODY" if not group.masters else "SEVERAL: " + ", ".join(group.masters))
            backup = ("" if group.master in (None, group.members[0])
                      else f" (the backup; configured master {group.members[0]})")
            out.print(f"vrrp {group.site} {group.lan} (vlan {group.vlan}) gateway {group.virtual_address}: "
                      f"master {holder}{backup}", highlight=False)
        missing = [h.name for h in result.hosts if not h.namespace or h.listener is False]
        out.print(f"hosts: {len(result.hosts) - len(missing)} of {len(result.hosts)} ready"
                  + (f"; not ready: {', '.join(missing)}" if missing else ""), highlight=False)
        nms = result.monitoring
        if nms is not None:
            stopped = [kind for kind, running in sorted(nms.daemons.items()) if not running]
            out.print(f"monitoring on {nms.host}: Prometheus {'ready' if nms.ready else 'NOT ready'} at {nms.url}"
                      + (f"; not running: {', '.join(stopped)}" if stopped else ""), highlight=False)
    if result.up and not result.healthy:
        raise typer.Exit(EXIT_FINDING)


@app.command("wait")
def wait_command(
    timeout: Annotated[float, typer.Option(min=0.1, max=3600, help="Seconds to wait")] = 120,
    as_json: JsonOption = False,
) -> None:
    """Wait until every OSPF adjacency and BGP session of the working routers is up and every shared LAN has its
    VRRP master (exit 1 on timeout)."""
    try:
        result = Lab().wait(timeout, progress=_progress(as_json))
    except _ERRORS as error:
        _exit_for(error, as_json)
    if as_json:
        sys.stdout.write(json.dumps({"converged": result.converged, "seconds": result.seconds,
                                     "lagging": result.lagging()}, indent=2) + "\n")
    else:
        out.print(f"{'converged' if result.converged else 'NOT converged'} after {result.seconds:.1f} s"
                  + (f"; lagging: {result.describe_lagging()}" if not result.converged else ""),
                  highlight=False)
    if not result.converged:
        raise typer.Exit(EXIT_FINDING)


@app.command()
def check(
    intent: IntentOption = DEFAULT_INTENT_DIR,
    denied: Annotated[str, typer.Option(help="sample: one endpoint per service not granted; all: every one")]
    = "sample",
    timeout: Annotated[float, typer.Option(min=0.1, max=60, help="Seconds a probe waits (a filtered probe always "
                                                                  "waits this)")]
    = 1.5,
    source: SourceOption = SourceName.INTENT,
    as_json: JsonOption = False,
) -> None:
    """Probe, from every PC, what the policy says it must and must not reach (exit 1 on any surprise)."""
    from netops.cli_support import load_or_exit
    from netops.lab.probe import run_probes
    from netops.lab.reach import expectations

    lab = Lab()
    plan = lab.plan()
    if plan is None:
        _exit_for(LabError(f"no lab is up (nothing recorded in {lab.home.path})", hint="netops lab up --configured"),
                  as_json)
    network = load_or_exit(intent, as_json, source=source).running
    # A decommissioned site's routers and PCs may still be in the lab: nothing is expected of them.
    state = lab.home.load()
    probes = expectations(network, in_network(plan, network), denied="all" if denied == "all" else "sample",
                          failed=state.failed_nodes if state is not None else ())
    started = time.monotonic()
    results = run_probes(probes, timeout=timeout)
    wrong = [r for r in results if not r.ok]
    if as_json:
        sys.stdout.write(json.dumps({"probes": len(results), "wrong": [
            {"probe": str(r.probe), "detail": r.detail} for r in wrong]}, indent=2) + "\n")
    else:
        out.print(f"{len(results)} probes in {time.monotonic() - started:.1f} s: {len(results) - len(wrong)} as "
                  f"expected, {len(wrong)} not", highlight=False)
        for result in wrong[:50]:
            out.print(f"  WRONG {result.probe}: {result.detail}", highlight=False)
    if wrong:
        raise typer.Exit(EXIT_FINDING)


def _fault(action: str, kind: str, names: list[str], as_json: bool) -> None:
    lab = Lab()
    try:
        if kind == "link":
            ids = lab.fail_link(*names) if action == "fail" else lab.restore_link(*names)
        else:
            ids = [names[0]]
            if action == "fail":
                lab.fail_node(names[0])
            else:
                lab.restore_node(names[0])
    except _ERRORS as error:
        _exit_for(error, as_json)
    if as_json:
        sys.stdout.write(json.dumps({"action": action, kind: ids}) + "\n")
    else:
        verb = "failed" if action == "fail" else "restored"
        out.print(f"{kind} {', '.join(ids)} {verb}", highlight=False)


@fail_app.command("link")
def fail_link(a: Annotated[str, typer.Argument(help="Device at one end")],
              b: Annotated[str, typer.Argument(help="Device at the other end")],
              as_json: JsonOption = False) -> None:
    """Cut the link(s) between A and B: both ends lose carrier, and a config push does not bring them back."""
    _fault("fail", "link", [a, b], as_json)


@fail_app.command("node")
def fail_node(device: Annotated[str, typer.Argument(help="Router")], as_json: JsonOption = False) -> None:
    """Stop the router's FRR and set its WAN and LAN ports down (management stays up)."""
    _fault("fail", "node", [device], as_json)


@restore_app.command("link")
def restore_link(a: Annotated[str, typer.Argument(help="Device at one end")],
                 b: Annotated[str, typer.Argument(help="Device at the other end")],
                 as_json: JsonOption = False) -> None:
    """Plug the link(s) between A and B back in, both ends up."""
    _fault("restore", "link", [a, b], as_json)


@restore_app.command("node")
def restore_node(device: Annotated[str, typer.Argument(help="Router")], as_json: JsonOption = False) -> None:
    """Set the router's ports up and start its FRR again from its saved config."""
    _fault("restore", "node", [device], as_json)
