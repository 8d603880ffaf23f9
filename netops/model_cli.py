"""The commands on the model itself: `netops validate`, `show`, `export` and `generate-city`."""

import json
import sys
from collections import Counter
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from citynet_models.problems import Problem
from citynet_models.units import Structure
from netops.cli_support import (
    DEFAULT_INTENT_DIR,
    EXIT_BAD_INPUT,
    EXIT_FINDING,
    ForceOption,
    IntentOption,
    JsonOption,
    SiteOption,
    SourceName,
    SourceOption,
    UnitOption,
    err,
    exit_bad_input,
    exit_for_error,
    folder_summary,
    load_or_exit,
    out,
    print_json,
    write_folder_or_exit,
)
from netops.design import build_design, design_problems, settings_in_force
from netops.errors import InputError
from netops.files import (
    file_conflict,
    file_problems,
    folder_problems,
    write_atomic,
    write_problem,
)
from netops.resolve.build import Resolution
from netops.show import Filters, Table, rows


def register(app: typer.Typer) -> None:
    """Mount `netops validate`, `show`, `export` and `generate-city` on the main application."""
    app.command("validate")(validate)
    app.command("show")(show)
    app.command("export")(export)
    app.command("generate-city")(generate_city_command)


def validate(intent: IntentOption = DEFAULT_INTENT_DIR, as_json: JsonOption = False,
             source: SourceOption = SourceName.INTENT,
             settings_file: Annotated[Path | None, typer.Option("--settings", help="Render settings YAML the design "
                                                                "is checked under (default: the production design)")]
             = None,
             strict_design: Annotated[bool, typer.Option(
                 "--strict-design", help="Also check the design rules (city.yml `design:`, as `analyze design`): "
                 "each break no accepted risk covers is an error at its rule (exit 1)")] = False) -> None:
    """Load, resolve and validate the intent (or what NetBox holds), and check the city's design under the render
    settings (e.g. no more route-reflector clients than the cores accept); report every error (exit 2) or a
    summary."""
    resolution = load_or_exit(intent, as_json, source=source)
    network = resolution.network
    try:
        refused = design_problems(build_design(resolution.running, settings_in_force(settings_file)),
                                  resolution.sources, settings_file)
    except InputError as error:
        refused = list(error.problems)
    if refused:
        exit_bad_input(refused, as_json)
    if strict_design:
        _check_design_rules(resolution, as_json)
    counts = {
        **network.place_counts(),
        "sites": len(network.sites),
        "devices": len(network.devices),
        "links": len(network.links),
        "lans": sum(len(site.lans) for site in network.sites),
        "hosts": len(network.hosts),
        "services": len(network.services),
    }
    if as_json:
        out.print_json(json.dumps({"valid": True, "source": source.value, "counts": counts}))
        return
    statuses = Counter(site.status.value for site in network.sites)
    origin = " (from NetBox)" if source is SourceName.NETBOX else ""
    out.print(Text.assemble(("valid", "green"), f": {network.city.name} (AS{network.city.asn}){origin}"),
              highlight=False)
    out.print("  " + ", ".join(f"{count} {name}" for name, count in counts.items()), highlight=False)
    out.print("  sites by status: " + ", ".join(f"{status} {n}" for status, n in sorted(statuses.items())),
              highlight=False)


def _check_design_rules(resolution: Resolution, as_json: bool) -> None:
    """The design rules' unaccepted breaks, each an error at its rule in city.yml; exit 1 (a finding: the intent
    is valid, the design it describes breaks a rule the city set) when there is one."""
    from netops.analysis.design import evaluate_design, unaccepted_problems
    from netops.located import locate

    problems = unaccepted_problems(evaluate_design(resolution.running))
    if problems:
        exit_bad_input([locate(problem, resolution.sources) for problem in problems], as_json, code=EXIT_FINDING)


class _Format(StrEnum):
    YAML = "yaml"
    JSON = "json"


def show(
    table: Annotated[Table, typer.Argument(help="What to list")],
    intent: IntentOption = DEFAULT_INTENT_DIR,
    area: Annotated[str | None, typer.Option(help="Aggregation area code, slug or name")] = None,
    district: Annotated[str | None, typer.Option(help="District code, slug or name (in a 2025 intent, which has no "
                                                      "districts: the area, as --area)")] = None,
    unit: UnitOption = None,
    site: SiteOption = None,
    kind: Annotated[str | None, typer.Option(help="Site kind (sites, devices, links, lans) or prefix kind "
                                                  "(prefixes: pool, lan, link, loopback)")] = None,
    status: Annotated[str | None, typer.Option(help="Lifecycle status of the site")] = None,
    role: Annotated[str | None, typer.Option(help="Device role (devices), link role (links) or LAN role (lans)")]
    = None,
    platform: Annotated[str | None, typer.Option(help="Device platform (devices)")] = None,
    as_json: JsonOption = False,
    source: SourceOption = SourceName.INTENT,
) -> None:
    """The engineer's view of the resolved model: its sites, devices, links, LANs, prefixes or services as
    derived (interfaces, addresses, VLANs), one table at a time. Planners' questions across the inventory
    (circuits, providers, bandwidth, totals, CSV) are `netops query`.

    An unknown filter value (or a filter the table has not) is bad input, exit 2; known values that select
    nothing print "no ... match the filters" and exit 0."""
    network = load_or_exit(intent, as_json, source=source).network
    try:
        selected = rows(network, table, Filters(district=district, area=area, kind=kind, status=status, role=role,
                                                platform=platform, unit=tuple(unit or ()), site=tuple(site or ())))
    except InputError as error:
        exit_bad_input(error.problems, as_json)
    if as_json:
        sys.stdout.write(json.dumps(selected, ensure_ascii=False, indent=2) + "\n")
        return
    if not selected:
        err.print(f"no {table.value} match the filters")
        return
    # Imported on use: rich's tables cost every other command a few hundredths of a second at start-up.
    from rich.table import Table as RichTable

    rich_table = RichTable(title=f"{table.value} ({len(selected)})", title_justify="left")
    for column in selected[0]:
        rich_table.add_column(column, no_wrap=True)
    for row in selected:
        rich_table.add_row(*("" if value is None else str(value) for value in row.values()))
    out.print(rich_table)



def export(
    intent: IntentOption = DEFAULT_INTENT_DIR,
    output_format: Annotated[_Format, typer.Option("--format", "-f", help="Document format")] = _Format.YAML,
    output: Annotated[Path | None, typer.Option("--out", "-o", help="File to write (default: stdout)")] = None,
    source: SourceOption = SourceName.INTENT,
    force: ForceOption = False,
    as_json: Annotated[bool, typer.Option("--json", help="The model as JSON on stdout (--format json); with --out, "
                                                         "a JSON summary of what was written")] = False,
) -> None:
    """Write the resolved model (every derived interface, link and address) as YAML or JSON.

    --out FILE replaces only a file export wrote earlier (one with the model's shape) or one that already holds
    the same text; any other existing file is refused unless --force.
    """
    # Imported on use (so is generate-city's dataset): validate, which every user runs first, needs neither.
    from netops.export import is_export_of, to_json, to_yaml

    if output is not None:
        # Checked before any work: a folder, a device or an unwritable place is bad usage, not a crash later.
        problems = file_problems(output)
        if problems:
            exit_bad_input(problems, as_json)
    network = load_or_exit(intent, as_json, source=source).network
    if as_json and output is None:
        output_format = _Format.JSON
    text = to_yaml(network) if output_format is _Format.YAML else to_json(network)
    if output is None:
        sys.stdout.write(text)
        return
    # A link to a file is written through (the link stays), as an editor would.
    target = output.resolve() if output.is_symlink() else output
    if not force:
        conflict = file_conflict(target, text, ours=lambda current: is_export_of(current, text), command="export")
        if conflict is not None:
            exit_bad_input([conflict], as_json)
    try:
        changed = write_atomic(target, text)
    except OSError as error:
        exit_bad_input([write_problem(output, error)], as_json)
    if as_json:
        print_json({"out": str(output), "format": output_format.value, "written": changed,
                    "sites": len(network.sites), "devices": len(network.devices), "links": len(network.links)})
        return
    err.print(f"{output}: {'written' if changed else 'unchanged'}", markup=False, highlight=False, emoji=False)


def generate_city_command(
    output: Annotated[Path, typer.Option("--out", "-o", help="Folder to write city.yml and districts/ into")],
    districts: Annotated[int | None, typer.Option(
        min=1, max=200, help="Number of districts of the synthetic city [default: 30]", show_default=False)] = None,
    wards_per_district: Annotated[int | None, typer.Option(
        min=1, max=100, help="Wards per district of the synthetic city [default: 18]", show_default=False)] = None,
    real: Annotated[bool, typer.Option(
        "--real", help="The real Hà Nội of the dataset (legacy structure: 30 districts, 526 wards, official codes "
                       "and names) instead of a synthetic city; also writes units/legacy.yml and units/2025.yml",
    )] = False,
    structure: Annotated[Structure, typer.Option(
        "--structure", help="With --real: the legacy structure (districts/), or 2025 (areas/ and communes/: the "
                            "legacy city reorganized, every one of the 126 units with its committee)",
    )] = Structure.LEGACY,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed writes the same city")] = 1,
    force: ForceOption = False,
    as_json: JsonOption = False,
) -> None:
    """Write a synthetic but realistic whole-city intent, or with --real the dataset's real city (for scale tests
    and benchmarks).

    Only into a new or empty folder, or one generate-city wrote (it keeps .netops-manifest.json there): files
    it wrote and nobody changed since are replaced, and those of an earlier, larger city removed; anything else
    is refused unless --force.
    """
    # Imported here: the generator and the reorganization it runs cost every other command about 25 ms.
    from netops.generate import HANOI, CitySize, earlier_output, generate_city, real_city, real_city_2025
    from netops.units.dataset import DatasetError, read_structure

    if real and (districts is not None or wards_per_district is not None):
        exit_bad_input([Problem(path=("--real",), message="--real takes its districts and wards from the dataset",
                                expected="--real alone, or --districts / --wards-per-district for a synthetic city",
                                found="--real with " + " and ".join(
                                    option for option, value in (("--districts", districts),
                                                                 ("--wards-per-district", wards_per_district))
                                    if value is not None),
                                hint="leave out --districts and --wards-per-district")], as_json)
    if structure is not Structure.LEGACY and not real:
        exit_bad_input([Problem(path=("--structure",), message="only the real city comes in the 2025 structure",
                                expected="--real --structure 2025", found=f"--structure {structure.value}",
                                hint="add --real, or leave out --structure")], as_json)
    problems = folder_problems(output)
    if problems:
        exit_bad_input(problems, as_json)
    try:
        if real:
            generator = real_city if structure is Structure.LEGACY else real_city_2025
            files = generator(read_structure(HANOI, Structure.LEGACY), read_structure(HANOI, Structure.Y2025), seed)
        else:
            files = generate_city(CitySize(districts=30 if districts is None else districts,
                                           wards_per_district=18 if wards_per_district is None else wards_per_district,
                                           seed=seed))
    except DatasetError as error:
        exit_for_error(error, as_json)
    except InputError as error:  # the 2025 city is validated as it is made
        exit_bad_input(error.problems, as_json)
    except ValueError as error:
        exit_for_error(error, as_json, code=EXIT_BAD_INPUT)
    result = write_folder_or_exit(output, files, command="generate-city", force=force, adopt=earlier_output(output),
                                  as_json=as_json)
    if as_json:
        print_json(folder_summary(output, result, files=len(files)))
        return
    err.print(f"{output}: {len(files)} files ({len(result.written)} written, {len(result.unchanged)} unchanged, "
              f"{len(result.removed)} stale removed)", markup=False, highlight=False, emoji=False)
