"""`netops render`: device configurations for the selected devices, written where they changed."""

import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from citynet_models.problems import Location, Problem
from citynet_models.types import Platform
from netops.cli_support import (
    DEFAULT_INTENT_DIR,
    AreaOption,
    DeviceOption,
    DistrictOption,
    IntentOption,
    JsonOption,
    SiteOption,
    SourceName,
    SourceOption,
    UnitOption,
    exit_bad_input,
    exit_for_source,
    out,
    progress_for,
)
from netops.design import build_design, design_problems, settings_in_force
from netops.errors import InputError
from netops.files import folder_problems, write_problem
from netops.render.capabilities import FEATURES, SETTING_OF_FEATURE, CapabilityGap, capability_table
from netops.render.engine import Job, RenderFailure, default_workers, render_devices
from netops.render.environment import TEMPLATES
from netops.render.output import apply_rendered, plan_rendered
from netops.resolve.build import Resolution
from netops.selectors import scope
from netops.sources import SourceUnavailableError, source_of

DEFAULT_OUT = Path("out/configs")


def register(app: typer.Typer) -> None:
    """Mount `netops render` on the main application."""
    app.command("render")(render)


def render(
    intent: IntentOption = DEFAULT_INTENT_DIR,
    device: DeviceOption = None,
    unit: UnitOption = None,
    area: AreaOption = None,
    district: DistrictOption = None,
    site: SiteOption = None,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder for <platform>/<device>.cfg")] = DEFAULT_OUT,
    from_source: SourceOption = SourceName.INTENT,
    settings_file: Annotated[Path | None, typer.Option("--settings", help="Render settings YAML "
                                                       "(netops/render/settings.py)")] = None,
    as_platform: Annotated[Platform | None, typer.Option("--as-platform", help="Render every selected device "
                                                         "as this platform (preview; default: its own)")] = None,
    templates: Annotated[list[Path] | None, typer.Option("--templates", help="Template folder searched before "
                                                         "the project's (repeatable)")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Worker processes (default: one per core)")] = None,
    as_json: JsonOption = False,
    force: Annotated[bool, typer.Option("--force", help="Write even over files render did not write, or that "
                                                        "were edited since it wrote them")] = False,
) -> None:
    """Render device configurations (and FRR's nftables, dhcrelay and host files) from the model.

    --device, --unit, --area, --district and --site add up: the named devices and those of the selected sites;
    none of them: every device.

    The --out folder must be new, empty, or one render wrote (it keeps .netops-manifest.json there): render
    replaces or removes only files it wrote and nobody changed since; anything else is refused unless --force.
    """
    # Checked before any work: --out naming a file or an unwritable place is bad usage, not a crash at the end.
    missing = [Problem(path=("--templates",), message="not a folder of templates", expected="an existing folder",
                       found=str(folder), hint="give the folder holding <platform>/<feature>.j2 files")
               for folder in templates or () if not folder.is_dir()]
    if missing or folder_problems(out_dir):
        exit_bad_input([*missing, *folder_problems(out_dir)], as_json)
    try:
        settings = settings_in_force(settings_file)
        resolution = source_of(from_source, intent).load()
        names = scope(resolution.running, units=unit, areas=area, districts=district, sites=site,
                      devices=device).device_names(resolution.running)
    except InputError as error:
        exit_bad_input(error.problems, as_json)
    except SourceUnavailableError as error:
        exit_for_source(error, as_json)
    network = resolution.running
    design = build_design(network, settings)
    refused = design_problems(design, resolution.sources, settings_file)
    if refused:
        exit_bad_input(refused, as_json)
    job = Job(design=design, template_dirs=tuple(templates or ()), as_platform=as_platform)
    started = time.perf_counter()
    outcome = render_devices(job, names, workers, progress=progress_for(as_json))
    elapsed = time.perf_counter() - started
    if outcome.gaps:
        exit_bad_input(_gap_problems(outcome.gaps, resolution, settings_file), as_json)
    if outcome.failures:
        exit_bad_input([_failure_problem(f, tuple(templates or ())) for f in outcome.failures], as_json)
    try:
        plan = plan_rendered(out_dir, outcome.rendered, set(network.device_by_name), force=force)
    except InputError as error:
        exit_bad_input(error.problems, as_json)
    except OSError as error:
        exit_bad_input([write_problem(out_dir, error)], as_json)
    try:
        report = apply_rendered(plan, outcome.rendered)
    except OSError as error:
        exit_bad_input([write_problem(out_dir, error)], as_json, stopped_part_way=True)
    platforms = Counter(r.platform.value for r in outcome.rendered)
    if as_json:
        sys.stdout.write(json.dumps({"out": str(out_dir), "devices": len(outcome.rendered),
                                     "platforms": dict(platforms), "seconds": round(elapsed, 3),
                                     **report.as_dict()}, indent=2) + "\n")
        return
    used = min(workers or default_workers(), max(len(names), 1))
    out.print(f"rendered {len(outcome.rendered)} devices ("
              + ", ".join(f"{p} {n}" for p, n in sorted(platforms.items()))
              + f") in {elapsed:.2f} s with {used} worker{'s' if used != 1 else ''} -> {out_dir}", markup=False,
              highlight=False, emoji=False)
    for label, devices in report.as_dict().items():
        out.print(f"  {label:<9} {len(devices):>5}{': ' + _listing(devices) if devices else ''}", highlight=False)


def _listing(names: list[str], limit: int = 12) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _gap_problems(gaps: list[CapabilityGap], resolution: Resolution, settings_file: Path | None) -> list[Problem]:
    """One problem per platform and feature, naming the devices that need it.

    A feature a render setting asks for is located in the settings file; one the model asks for, at the
    first device's place in the intent.
    """
    grouped: dict[tuple[str, str], list[CapabilityGap]] = {}
    for gap in gaps:
        grouped.setdefault((gap.platform.value, gap.feature), []).append(gap)
    problems = []
    table = capability_table()
    for (platform, feature), group in sorted(grouped.items()):
        first = group[0]
        devices = [g.device for g in group]
        setting = SETTING_OF_FEATURE.get(feature)
        location = resolution.sources.get(("devices", f"[{first.device}]"))
        path: tuple[str, ...] = ("devices", f"[{first.device}]")
        if setting is not None:
            path = ("settings", setting)
            location = Location(str(settings_file), 1) if settings_file is not None else None
        problems.append(Problem(
            path=path,
            message=f"platform {platform} cannot render feature {feature} ({FEATURES.get(feature, feature)})",
            expected=f"features {table[first.platform].name} supports (netops/render/capabilities.yml)",
            found=f"{len(devices)} device{'s' if len(devices) != 1 else ''} need{'s' if len(devices) == 1 else ''}"
                  f" it: {_listing(devices, 5)}",
            hint=first.hint,
            location=location,
        ))
    return problems


def _failure_problem(failure: RenderFailure, template_dirs: tuple[Path, ...]) -> Problem:
    return Problem(path=("devices", f"[{failure.device}]"), message=failure.message,
                   hint=f"templates are searched in: {', '.join(str(d) for d in (*template_dirs, TEMPLATES))}")
