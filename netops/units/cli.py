"""`netops units`: the official administrative units kept in intent (import, show, diff against the dataset).

Exit codes (netops.errors): 0 done (``diff``: intent and dataset agree); 1 ``diff`` found differences; 2 bad input
(an unknown city, a units file with errors, a file the command did not write); 3 the dataset package is missing or
unreadable.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.table import Table

from citynet_models.problems import Problem
from citynet_models.units import AdminStructure, Structure
from netops.cli_support import (
    DEFAULT_INTENT_DIR,
    EXIT_FINDING,
    IntentOption,
    JsonOption,
    err,
    exit_bad_input,
    exit_for_error,
    out,
    print_json,
)
from netops.errors import InputError
from netops.files import file_conflict, write_atomic, write_problem
from netops.units.dataset import DatasetError, read_structure
from netops.units.diff import diff_structures
from netops.units.store import dump_units, is_units_file, load_units, units_path

app = typer.Typer(name="units", no_args_is_help=True,
                  help="The official administrative units in intent: import them from the dataset, list them, "
                       "compare them with the dataset. Sites are never touched.")

StructureOption = Annotated[Structure, typer.Option("--structure", help="legacy (three levels) or 2025 (two)")]
CityOption = Annotated[str | None, typer.Option(
    "--city", help="Official two-digit city code (default: the intent's city.yml)", show_default=False)]


def _city_of(intent: Path, city: str | None) -> str:
    """The --city given, else the code in the intent's city.yml."""
    if city is not None:
        if not (len(city) == 2 and city.isdigit()):
            exit_bad_input([Problem(path=("--city",), message=f"--city {city!r} is not a city code",
                                    expected="the official two-digit code, e.g. 01 for Hà Nội", found=city,
                                    hint="`netops units import --city 01`")])
        return city
    try:
        data = yaml.safe_load((intent / "city.yml").read_text(encoding="utf-8"))
        return str(data["city"]["code"])
    except (OSError, UnicodeDecodeError, yaml.YAMLError, KeyError, TypeError):
        exit_bad_input([Problem(path=("--city",), message="no city code: --city is not given and "
                                f"{intent / 'city.yml'} does not name one (city: code:)",
                                hint="give it: `netops units import --city 01`")])


def _dataset(city: str, structure: Structure) -> AdminStructure:
    try:
        return read_structure(city, structure)
    except DatasetError as error:
        exit_for_error(error, False)


def _kept(intent: Path, structure: Structure, as_json: bool) -> AdminStructure:
    path = units_path(intent, structure)
    if not path.is_file():
        exit_bad_input([Problem(path=("--structure",), message=f"{path} does not exist",
                                expected=f"the {structure.value} units in intent",
                                hint=f"`netops units import --structure {structure.value}` writes it")], as_json)
    try:
        return load_units(path)
    except InputError as error:
        exit_bad_input(error.problems, as_json)


@app.command("import")
def import_units(
    intent: IntentOption = DEFAULT_INTENT_DIR,
    city: CityOption = None,
    structure: StructureOption = Structure.Y2025,
    force: Annotated[bool, typer.Option("--force", help="Overwrite a units file netops did not write")] = False,
    as_json: JsonOption = False,
) -> None:
    """Write (or update) the city's units of the structure into `<intent>/units/<structure>.yml` from the dataset."""
    code = _city_of(intent, city)
    path = units_path(intent, structure)
    if not intent.is_dir():
        exit_bad_input([Problem(path=("--intent",), message=f"{intent} is not a folder",
                                expected="the intent folder (city.yml, districts/)", hint="check --intent")], as_json)
    data = _dataset(code, structure)
    text = dump_units(data)
    conflict = None if force else file_conflict(path, text, ours=is_units_file, command="units import",
                                                option="--structure")
    if conflict is not None:
        exit_bad_input([conflict], as_json)
    try:
        written = write_atomic(path, text)
    except OSError as error:
        exit_bad_input([write_problem(path, error, "--intent")], as_json)
    if as_json:
        print_json({"path": str(path), "city": data.city_name, "structure": structure.value,
                    "units": len(data.units), "districts": len(data.districts),
                    "successions": len(data.successions), "written": written,
                    "dataset": f"{data.dataset.package} {data.dataset.version}"})
        return
    counts = f"{len(data.units)} units" + (f", {len(data.districts)} districts" if data.districts else "") + (
        f", {len(data.successions)} legacy wards mapped" if data.successions else "")
    err.print(f"{path}: {data.city_name}, {structure.value} structure: {counts} "
              f"({data.dataset.package} {data.dataset.version}); {'written' if written else 'unchanged'}")


@app.command("show")
def show_units(
    intent: IntentOption = DEFAULT_INTENT_DIR,
    structure: StructureOption = Structure.Y2025,
    dataset: Annotated[bool, typer.Option("--dataset", help="List the dataset's units, not the intent's")] = False,
    city: CityOption = None,
    search: Annotated[str | None, typer.Option(
        help="Only units whose code, name or district contains this text")] = None,
    as_json: JsonOption = False,
) -> None:
    """List the units of the structure kept in intent (or, with --dataset, the dataset's)."""
    data = _dataset(_city_of(intent, city), structure) if dataset else _kept(intent, structure, as_json)
    needle = (search or "").casefold()
    districts = {district.code: district.name for district in data.districts}
    units = [unit for unit in data.units if needle in unit.code or needle in unit.name.casefold()
             or needle in districts.get(unit.district or "", "").casefold()]
    if as_json:
        out.print_json(json.dumps({"structure": data.structure.value, "city": data.city,
                                   "units": [unit.model_dump(mode="json") for unit in units]}, ensure_ascii=False))
        return
    table = Table("code", "name", "kind", *(["district"] if districts else []), "latitude", "longitude",
                  *([] if districts else ["legacy wards"]), title=f"{data.city_name}: {structure.value} units")
    formed_from: dict[str, int] = {}
    for succession in data.successions:
        for code in succession.units:
            formed_from[code] = formed_from.get(code, 0) + 1
    for unit in units:
        point = unit.coordinates
        where = [f"{point.latitude:.6g}", f"{point.longitude:.6g}"] if point else ["-", "-"]
        extra = ([districts.get(unit.district or "", "-")] if districts else [])
        table.add_row(unit.code, unit.name, unit.kind.value, *extra, *where,
                      *([] if districts else [str(formed_from.get(unit.code, 0))]))
    out.print(table)
    err.print(f"{len(units)} of {len(data.units)} units")


@app.command("diff")
def diff_units(
    intent: IntentOption = DEFAULT_INTENT_DIR,
    structure: StructureOption = Structure.Y2025,
    as_json: JsonOption = False,
) -> None:
    """Compare the units kept in intent with the dataset (exit 1 when they differ: re-import to update)."""
    kept = _kept(intent, structure, as_json)
    differences = diff_structures(kept, _dataset(kept.city, structure))
    if as_json:
        out.print_json(json.dumps([{"what": d.what, "code": d.code, "change": d.change.value,
                                    "fields": [list(field) for field in d.fields]} for d in differences],
                                  ensure_ascii=False))
    else:
        for difference in differences:
            out.print(difference.line(), highlight=False)
        err.print(f"{units_path(intent, structure)}: "
                  + (f"{len(differences)} differences from the dataset; `netops units import --structure "
                     f"{structure.value}` updates it" if differences else "the same as the dataset"))
    if differences:
        raise typer.Exit(EXIT_FINDING)
