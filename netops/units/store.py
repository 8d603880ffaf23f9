"""The administrative units kept in intent: one file per structure, `<intent>/units/<structure>.yml`.

`netops units import` writes the file from the dataset (and only it: sites live in their own files, and the
units file is never edited by hand, so a re-import is a reviewable diff of the dataset). The file starts with a
header naming the command; a file without it is not overwritten unless the engineer says --force.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from citynet_models.units import AdminStructure, Structure
from netops.intent.loader import load_model_file
from netops.yamlstyle import IndentedDumper

#: The first line of every units file netops writes.
HEADER = "# Administrative units, written by `netops units import`"


def units_path(intent: Path, structure: Structure) -> Path:
    """Where the intent keeps the units of the structure."""
    return intent / "units" / f"{structure.value}.yml"


def is_units_file(text: str) -> bool:
    """Whether the text is a units file netops wrote (so a re-import may replace it)."""
    return text.startswith(HEADER)


def load_units(path: Path) -> AdminStructure:
    """The structure kept in the file; InputError with file:line for anything wrong in it."""
    return load_model_file(path, AdminStructure, "administrative units")


class _FlowList(list[Any]):
    """A list YAML writes on one line (codes of a succession)."""


class _FlowDict(dict[str, Any]):
    """A mapping YAML writes on one line (a unit, a succession)."""


class _Dumper(IndentedDumper):
    """Lists indented under their key, as the house yamllint style wants."""


# Codes are digit strings ('00097'): quoted, so that no YAML reader takes one for a number.
_Dumper.add_representer(str, lambda dumper, data: dumper.represent_scalar(
    "tag:yaml.org,2002:str", data, style="'" if data.isdigit() else None))
_Dumper.add_representer(_FlowList, lambda dumper, data: dumper.represent_sequence(
    "tag:yaml.org,2002:seq", data, flow_style=True))
_Dumper.add_representer(_FlowDict, lambda dumper, data: dumper.represent_mapping(
    "tag:yaml.org,2002:map", data.items(), flow_style=True))


def _flow(value: Any) -> Any:
    if isinstance(value, dict):
        return _FlowDict({key: _flow(item) for key, item in value.items()})
    if isinstance(value, list):
        return _FlowList(_flow(item) for item in value)
    return value


def dump_units(structure: AdminStructure) -> str:
    """The units file of the structure: a header, then one line per unit and per succession."""
    data = structure.model_dump(mode="json", exclude_defaults=True)
    for key in ("districts", "units", "successions"):
        if key in data:
            data[key] = [_flow(item) for item in data[key]]
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=200)
    about = ("three levels: districts, then their wards and communes" if structure.structure is Structure.LEGACY
             else "two levels since 1 July 2025: the city over its wards and communes; `successions` gives the "
                  "unit(s)\n# each legacy ward became, the dataset's default first")
    return (f"{HEADER} from {structure.dataset.package} {structure.dataset.version}.\n"
            f"# {structure.city_name}, {about}.\n"
            f"# Do not edit: re-run `netops units import --structure {structure.structure.value}` to update it.\n"
            f"# One line per unit, for diffs a reviewer reads: longer than the house's 120 columns.\n"
            f"# yamllint disable rule:line-length\n"
            f"{body}")
