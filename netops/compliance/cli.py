"""`netops compliance`: intended vs actual configs, the security baseline, waivers; exit 0, 1, 2 or 3."""

import os
import sys
from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from citynet_models.problems import Location, Problem
from citynet_models.types import Platform
from netops.backup.fetch import FetchError
from netops.cli_support import (
    DEFAULT_INTENT_DIR,
    EXIT_FINDING,
    EXIT_OK,
    EXIT_UNREACHABLE,
    AreaOption,
    DeviceOption,
    DistrictOption,
    IntentOption,
    SiteOption,
    SourceName,
    SourceOption,
    UnitOption,
    err,
    exit_bad_input,
    exit_for_source,
    print_json,
    progress_for,
)
from netops.compliance.baseline import BASELINE_DIR, load_baselines
from netops.compliance.engine import Checker
from netops.compliance.report import WRITERS, Format
from netops.compliance.run import ActualReader, run_compliance
from netops.compliance.sources import SourceError, fetch_running, model_values, read_backups
from netops.compliance.tree import ConfigError
from netops.compliance.waivers import Waiver, load_waivers
from netops.design import build_design, settings_in_force
from netops.errors import InputError
from netops.files import file_conflict, file_problems, folder_problems, write_atomic, write_problem
from netops.render.engine import default_workers
from netops.selectors import scope
from netops.sources import SourceUnavailableError, source_of

DEFAULT_BACKUPS = Path("backups")
DEFAULT_WAIVERS = Path("inventory/compliance/waivers.yml")


class Actual(StrEnum):
    """Where the actual configs come from."""

    BACKUPS = "backups"
    RUNNING = "running"


def register(app: typer.Typer) -> None:
    """Mount `netops compliance` on the main application."""
    app.command("compliance")(compliance)


def compliance(
    intent: IntentOption = DEFAULT_INTENT_DIR,
    from_source: SourceOption = SourceName.INTENT,
    actual: Annotated[Actual, typer.Option(help="backups: the backups folder (offline); running: fetch "
                                                "through NAPALM")] = Actual.BACKUPS,
    backups: Annotated[Path, typer.Option(help="Backups folder (<platform>/<device>.<suffix>)")] = DEFAULT_BACKUPS,
    device: DeviceOption = None,
    unit: UnitOption = None,
    area: AreaOption = None,
    district: DistrictOption = None,
    site: SiteOption = None,
    output_format: Annotated[Format, typer.Option("--format", "-f", help="Report format")] = Format.TEXT,
    output: Annotated[Path | None, typer.Option("--out", "-o", help="Write the report here (default: stdout)")]
    = None,
    waivers: Annotated[Path | None, typer.Option(help=f"Waiver file (default: {DEFAULT_WAIVERS} when it exists)")]
    = None,
    settings_file: Annotated[Path | None, typer.Option("--settings", help="Render settings YAML (as for "
                                                       "netops render)")] = None,
    baseline_dir: Annotated[Path, typer.Option("--baseline", help="Folder of <platform>.yml baseline files")]
    = BASELINE_DIR,
    today: Annotated[str | None, typer.Option(help="Judge waiver expiry as of this date (YYYY-MM-DD; "
                                                   "default: today)")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Worker processes (default: one per core)")] = None,
    cache_dir: Annotated[Path | None, typer.Option("--cache", help="Keep each device's result here and reuse it "
                                                   "while its configs, the baseline and netops are unchanged")]
    = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an --out file that is not an earlier "
                                                        "compliance report")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="The report as JSON on stdout (--format json); with "
                                                         "--out, a JSON summary of what was written")] = False,
) -> None:
    """Compare intended and actual configs per device and section, check the security baseline, apply waivers.

    --device, --unit, --area, --district and --site add up: the named devices and those of the selected sites;
    none of them: every device.

    Exit 0: every device compliant; 1: failing findings; 2: bad input (intent, baseline, waivers, configs,
    arguments); 3: a device could not be read (--actual running).
    """
    if waivers is None and DEFAULT_WAIVERS.is_file():
        waivers = DEFAULT_WAIVERS
    day = _date(today)
    problems: list[Problem] = []
    # Where the report and the cache go is checked first, with the other input: not a crash after the work.
    if output is not None:
        problems.extend(file_problems(output))
        if not problems and not force:
            conflict = file_conflict(output, "", ours=_is_compliance_report, command="compliance")
            problems.extend([conflict] if conflict is not None else [])
    if cache_dir is not None:
        problems.extend(folder_problems(cache_dir, "--cache"))
    network = settings = None
    try:
        settings = settings_in_force(settings_file)
    except InputError as error:
        problems.extend(error.problems)
    try:
        network = source_of(from_source, intent).load().running
    except InputError as error:
        problems.extend(error.problems)
    except SourceUnavailableError as error:  # NetBox not reachable (3) or not configured (2): nothing else matters
        exit_for_source(error, as_json)
    baselines = {}
    known_rules: set[str] | None = None
    try:
        baselines = load_baselines(baseline_dir)
        known_rules = {rule.id for baseline in baselines.values() for rule in baseline.rules}
    except InputError as error:
        problems.extend(error.problems)
    loaded_waivers: tuple[Waiver, ...] = ()
    try:
        loaded_waivers = load_waivers(waivers, known_rules)
    except InputError as error:
        problems.extend(error.problems)
    if as_json and output is None and output_format not in (Format.TEXT, Format.JSON):
        problems.append(Problem(path=("--json",), message="--json prints the report as JSON",
                                expected="--json alone, or --format with --out", found=f"--json --format "
                                f"{output_format.value}", hint="leave out one of them, or add --out FILE"))
    if problems or network is None or settings is None:
        exit_bad_input(problems, as_json)
    try:
        names = scope(network, units=unit, areas=area, districts=district, sites=site,
                      devices=device).device_names(network)
    except InputError as error:
        exit_bad_input(error.problems, as_json)
    platforms = {name: network.device_by_name[name].platform for name in names}
    try:
        read = _actual(actual, backups, platforms, network.device_by_name)
    except SourceError as error:
        exit_bad_input([Problem(path=("--actual",), message=error.message, hint=error.hint)], as_json)
    except ConfigError as error:
        exit_bad_input([_config_problem(error)], as_json)
    except FetchError as error:  # a device that could not be reached or gave no config: a service failed
        err.print(f"error: --actual running: device at {error.host} could not be read: {error.detail}\n"
                  "  hint:     check the device is up and reachable, and NETOPS_DEVICE_USERNAME/PASSWORD; or use"
                  " --actual backups", markup=False, highlight=False)
        raise typer.Exit(EXIT_UNREACHABLE) from error
    design = build_design(network, settings)
    checker = Checker(baselines, model_values(design), loaded_waivers, day)
    outcome = run_compliance(design, platforms, read, checker, workers or default_workers(), cache_dir,
                             progress_for(as_json or output_format is Format.JSON))
    if outcome.render_failures or outcome.render_gaps:
        exit_bad_input([Problem(path=("render",), message=message) for message in
               [str(f) for f in outcome.render_failures] + outcome.render_gaps], as_json)
    if outcome.errors:
        exit_bad_input([_config_problem(error) for error in outcome.errors], as_json)
    if as_json and output is None:
        output_format = Format.JSON
    report = WRITERS[output_format](outcome.results, day)
    if output is None:
        sys.stdout.write(report)
    else:
        try:
            changed = write_atomic(output, report)
        except OSError as error:
            exit_bad_input([write_problem(output, error)], as_json)
        compliant = sum(r.compliant for r in outcome.results)
        if as_json:
            print_json({"out": str(output), "format": output_format.value, "written": changed,
                        "devices": len(outcome.results), "compliant": compliant})
        else:
            err.print(f"{output}: {compliant} of {len(outcome.results)} devices compliant", highlight=False)
    raise typer.Exit(EXIT_OK if all(r.compliant for r in outcome.results) else EXIT_FINDING)


def _actual(actual: Actual, backups: Path, platforms: dict[str, Platform],
            devices: Mapping[str, object]) -> ActualReader:
    """How the workers get the actual configs: read from the backups folder there, or fetched here first."""
    if actual is Actual.BACKUPS:
        if not backups.is_dir():
            raise SourceError(f"backups folder {backups} does not exist",
                              "run playbooks/backup.yml first, or give the folder with --backups DIR")
        return partial(read_backups, backups)
    username = os.environ.get("NETOPS_DEVICE_USERNAME", "")
    password = os.environ.get("NETOPS_DEVICE_PASSWORD", "")
    hosts = {name: (platform, str(getattr(devices[name], "management", "")).split("/")[0])
             for name, platform in platforms.items()}
    if not username:
        from netops.compliance.sources import napalm_available

        napalm_available(platforms.values())
        raise SourceError("--actual running needs device credentials",
                          "set NETOPS_DEVICE_USERNAME and NETOPS_DEVICE_PASSWORD (never on the command line)")
    fetched = fetch_running(hosts, username, password)
    return lambda wanted: {name: fetched[name] for name in wanted if name in fetched}


def _config_problem(error: ConfigError) -> Problem:
    return Problem(path=("actual",), message=error.message, hint=error.hint,
                   location=Location(error.file, error.line))


def _date(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        exit_bad_input([Problem(path=("--today",), message="not a date", expected="YYYY-MM-DD", found=repr(value))])


def _is_compliance_report(text: str) -> bool:
    """Whether a file holds an earlier report of `netops compliance` (any format): --out replaces only those."""
    head = text[:600]
    last = text.rstrip("\n").rsplit("\n", 1)[-1]
    return (head.startswith("# Config compliance, ") or '<testsuites name="netops compliance"' in head
            or "<title>Config compliance " in head or last.startswith("compliance on ")
            or (head.startswith("{") and '\n  "date": ' in head and '\n  "summary": ' in text))
