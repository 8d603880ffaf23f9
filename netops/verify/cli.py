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
    IntentOption,
    SourceName,
    SourceOption,
    err,
    exit_bad_input,
    load_or_exit,
    out,
    progress_for,
)
from netops.errors import format_problem, unknown_value
from netops.files import file_conflict, folder_problems, write_atomic, write_problem


def register(main: typer.Typer) -> None:
    """Mount `netops verify` on the main application."""
    main.command("verify")(verify)


def verify(
    intent: IntentOption = DEFAULT_INTENT_DIR,
    source: SourceOption = SourceName.INTENT,
    report_dir: Annotated[Path | None, typer.Option("--report-dir", help="Write verify.{txt,json,xml,md} here")]
    = None,
    phases: Annotated[list[str] | None, typer.Option("--phase", help="control, reachability, redundancy, "
                                                                      "monitoring (repeatable; default all, "
                                                                      "monitoring when the lab runs an NMS)")]
    = None,
    timeout: Annotated[float, typer.Option(min=0.1, max=60, help="Seconds a reachability probe waits")] = 1.5,
    workers: Annotated[int, typer.Option(min=1, help="Routers checked in parallel")] = 8,
    limit: Annotated[str | None, typer.Option("--limit", help="Only these devices of the lab (comma-separated, "
                                                              "e.g. the Ansible play's hosts)")] = None,
    settings_file: Annotated[Path | None, typer.Option("--settings", help="Render settings YAML provisioning rendered "
                                                       "with (default: those the lab recorded, else the lab's "
                                                       "own: ospf_timers: fast)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON report")] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite verify.* files in --report-dir that are not "
                                                        "earlier verify reports")] = False,
) -> None:
    """Prove the lab's network does what the model says: a pass/fail report per site (exit 1 on failure).

    The routers are judged by the design provisioning rendered their configs with: the same model and the same
    render settings (`--settings`, as given to provisioning; else what `netops lab up --configured` recorded)."""
    from netops.design import build_design, settings_in_force
    from netops.errors import InputError
    from netops.lab.lab import Lab
    from netops.verify import engine
    from netops.verify.report import FORMATS, to_json, to_text

    if report_dir is not None:
        # Checked before any work: a file or an unwritable place there is bad usage, not a crash at the end.
        problems = folder_problems(report_dir, "--report-dir")
        if not problems and not force:
            # The four report files replace only earlier verify reports: a file of that name is someone's else.
            problems = [conflict for suffix in ("txt", "json", "xml", "md")
                        if (conflict := file_conflict(report_dir / f"verify.{suffix}", "", ours=_is_verify_report,
                                                      command="verify", option="--report-dir")) is not None]
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
    limited = None if limit is None else {name.strip() for name in limit.split(",") if name.strip()}
    # A decommissioned site's router may be named (an Ansible play's hosts): it is not verified, not unknown.
    strangers = sorted((limited or set()) - {d.name for d in resolution.network.devices})
    if strangers:
        exit_bad_input([unknown_value("--limit", name, sorted(d.name for d in network.devices), what="a device of "
                                      "the model", message="not a device of the model") for name in strangers], as_json)
    scope = engine.scope_of(plan, limited)
    if not scope:
        in_lab = sorted(r.device for r in plan.routers)
        exit_bad_input([Problem(path=("--limit",), message="no device of --limit is in the lab",
                                expected="devices of the lab", found=limit,
                                hint=f"the lab has {', '.join(in_lab[:12]) or 'no device'}")], as_json)
    if not phases and plan.monitoring is None:
        wanted.discard("monitoring")  # nothing to ask; asked for by name, it fails every site instead
    design = build_design(network, settings)
    result = engine.run_verification(design, plan, engine.lab_targets(lab.home, plan), phases=wanted,
                                     timeout=timeout, workers=workers, scope=scope,
                                     progress=progress_for(as_json))
    if report_dir is not None:
        try:
            for suffix, render in FORMATS.items():
                write_atomic(report_dir / f"verify.{suffix}", render(result))
        except OSError as error:
            err.print(format_problem(write_problem(report_dir, error, "--report-dir")), markup=False,
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
