"""`netops verify`: control plane, reachability and redundancy of the lab's network, a report per site.

Exit codes (as every command, netops.errors): 0 every site passes; 1 a site fails (a finding); 2 bad input,
bad arguments or no lab up; 3 NetBox could not be reached (``--source netbox``).
"""

import re
import sys
from pathlib import Path
from typing import Annotated

import typer

from citynet_models.problems import Problem
from netops.cli_support import (
    DEFAULT_INTENT_DIR,
    EXIT_BAD_INPUT,
    EXIT_FINDING,
    DeviceOption,
    IntentOption,
    SiteOption,
    SourceName,
    SourceOption,
    UnitOption,
    err,
    exit_bad_input,
    load_or_exit,
    out,
    progress_for,
)
from netops.errors import format_problem, unknown_value
from netops.files import file_conflict, folder_problems, write_atomic, write_problem
from netops.selectors import scope


def register(main: typer.Typer) -> None:
    """Mount `netops verify` on the main application."""
    main.command("verify")(verify)


def verify(
    intent: IntentOption = DEFAULT_INTENT_DIR,
    source: SourceOption = SourceName.INTENT,
    report_dir: Annotated[Path | None, typer.Option("--out", "-o", help="Write verify.{txt,json,xml,md} into this "
                                                    "folder")] = None,
    old_report_dir: Annotated[Path | None, typer.Option("--report-dir", hidden=True, help="Former name of --out "
                                                        "(the verify playbook passes it)")] = None,
    device: DeviceOption = None,
    unit: UnitOption = None,
    site: SiteOption = None,
    phases: Annotated[list[str] | None, typer.Option("--phase", help="control, reachability, redundancy, "
                                                                      "monitoring (repeatable; default all, "
                                                                      "monitoring when the lab runs an NMS)")]
    = None,
    timeout: Annotated[float, typer.Option(min=0.1, max=60, help="Seconds a reachability probe waits")] = 1.5,
    workers: Annotated[int, typer.Option(min=1, help="Routers checked in parallel")] = 8,
    limit: Annotated[str | None, typer.Option("--limit", hidden=True, help="Former spelling of --device, "
                                              "comma-separated (the verify playbook passes the play's hosts)")]
    = None,
    settings_file: Annotated[Path | None, typer.Option("--settings", help="Render settings YAML provisioning rendered "
                                                       "with (default: those the lab recorded, else the lab's "
                                                       "own: ospf_timers: fast)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON report")] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite verify.* files in --out that are not "
                                                        "earlier verify reports")] = False,
) -> None:
    """Prove the lab's network does what the model says: a pass/fail report per site (exit 1 on failure).

    --device, --unit and --site add up to the routers verified (default: every router of the lab). `--limit` is
    Ansible's host pattern in the playbooks; here it is only kept as the former spelling of --device.

    The routers are judged by the design provisioning rendered their configs with: the same model and the same
    render settings (`--settings`, as given to provisioning; else what `netops lab up --configured` recorded)."""
    from netops.design import build_design, settings_in_force
    from netops.errors import InputError
    from netops.lab.lab import Lab
    from netops.verify import engine
    from netops.verify.report import FORMATS, to_json, to_text

    report_dir = report_dir if report_dir is not None else old_report_dir
    if report_dir is not None:
        # Checked before any work: a file or an unwritable place there is bad usage, not a crash at the end.
        problems = folder_problems(report_dir, "--out")
        if not problems and not force:
            # The four report files replace only earlier verify reports: a file of that name is someone's else.
            problems = [conflict for suffix in ("txt", "json", "xml", "md")
                        if (conflict := file_conflict(report_dir / f"verify.{suffix}", "", ours=_is_verify_report,
                                                      command="verify", option="--out")) is not None]
        if problems:
            exit_bad_input(problems, as_json)
    wanted = set(phases or engine.PHASES)
    unknown = wanted - set(engine.PHASES)
    if unknown:
        exit_bad_input([unknown_value("--phase", name, list(engine.PHASES), what="a phase",
                                      message="unknown phase")
                        for name in sorted(unknown)], as_json)
    lab = Lab()
    plan = lab.plan()
    if plan is None:
        exit_bad_input([Problem(path=(), message="no lab is up", expected=f"a lab recorded in {lab.home.path}",
                                found="nothing recorded", hint="bring it up first: netops lab up --configured")],
                       as_json)
    try:
        settings = settings_in_force(settings_file, lab.render_settings())
    except InputError as error:
        exit_bad_input(error.problems, as_json)
    resolution = load_or_exit(intent, as_json, source=source)
    network = resolution.running
    named = [*(device or ()), *(name.strip() for name in (limit or "").split(",") if name.strip())]
    # A decommissioned site's router may be named (an Ansible play's hosts): it is not verified, not unknown.
    try:
        chosen = scope(resolution.network, units=unit, sites=site, devices=named)
    except InputError as error:
        exit_bad_input(error.problems, as_json)
    limited = None if chosen.devices is None else set(chosen.devices)
    routers = engine.scope_of(plan, limited)
    if not routers:
        in_lab = sorted(r.device for r in plan.routers)
        exit_bad_input([Problem(path=("--device",), message="no selected device is in the lab",
                                expected="devices of the lab", found=", ".join(sorted(limited or ())),
                                hint=f"the lab has {', '.join(in_lab[:12]) or 'no device'}")], as_json)
    if not phases and plan.monitoring is None:
        wanted.discard("monitoring")  # nothing to ask; asked for by name, it fails every site instead
    design = build_design(network, settings)
    state = lab.home.load()
    result = engine.run_verification(design, plan, engine.lab_targets(lab.home, plan), phases=wanted,
                                     timeout=timeout, workers=workers, scope=routers,
                                     progress=progress_for(as_json),
                                     failed=state.failed_nodes if state is not None else ())
    if report_dir is not None:
        try:
            for suffix, render in FORMATS.items():
                write_atomic(report_dir / f"verify.{suffix}", render(result))
        except OSError as error:
            err.print(format_problem(write_problem(report_dir, error, "--out")), markup=False,
                      highlight=False, emoji=False)
            raise typer.Exit(EXIT_BAD_INPUT) from error
    if as_json:
        sys.stdout.write(to_json(result))
    else:
        out.print(to_text(result), end="", highlight=False, markup=False)
        if report_dir is not None:
            err.print(f"reports: {report_dir}/verify.{{txt,json,xml,md}}")
    if not result.ok:
        raise typer.Exit(EXIT_FINDING)



def _is_verify_report(text: str) -> bool:
    """Whether a file holds an earlier `netops verify` report, in any of its four formats."""
    last = text.rstrip("\n").rsplit("\n", 1)[-1]
    return (text.startswith("# Verification\n") or '<testsuites name="netops verify"' in text[:300]
            or re.match(r"\d+/\d+ sites pass", last) is not None
            or (text.startswith("{") and '\n  "ok": ' in text[:200] and '\n  "lost_redundancy": ' in text))
