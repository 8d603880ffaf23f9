"""Load the intent directory: city.yml plus one file per district under districts/."""

import difflib
import errno
import os
import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ValidationError

from citynet_models.intent import CityIntent, DistrictIntent
from citynet_models.problems import Location, Problem
from citynet_models.units import AdminStructure, Structure
from netops.errors import InputError
from netops.intent.allocations import ALLOCATIONS_FILE, LoadedAllocations, read_allocations
from netops.intent.schema_errors import problems_from_validation_error
from netops.intent.yamlsource import SourceDocument, YamlInputError, read_yaml

CITY_FILE = "city.yml"
DISTRICTS_DIR = "districts"
UNITS_DIR = "units"


@dataclass(frozen=True)
class DistrictSource:
    """A district file, parsed and checked against the schema."""

    intent: DistrictIntent
    document: SourceDocument


@dataclass(frozen=True)
class LoadedIntent:
    """Every intent file of the city, schema-valid, with where each value came from."""

    city: CityIntent
    city_document: SourceDocument
    districts: tuple[DistrictSource, ...]
    #: The administrative units kept in intent (units/<structure>.yml, written by `netops units import`).
    structures: tuple[AdminStructure, ...] = ()
    #: The allocation record (allocations.yml, written by `netops allocations update`), when the intent keeps one.
    allocations: LoadedAllocations | None = None


def display_path(path: Path) -> str:
    """A path as the user should see it: relative to the working directory when inside it."""
    # abspath, not resolve(): a symbolic link is shown by its own name (and a link loop cannot be resolved).
    try:
        return str(Path(os.path.abspath(path)).relative_to(Path.cwd()))  # noqa: PTH100
    except (ValueError, OSError):
        return str(path)


#: A district file's name: the district's official code, a hyphen, a slug, and ".yml" (the slug may be left out).
DISTRICT_FILE = re.compile(r"^(?P<code>\d{3})(?:-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*))?\.yml$")
#: Editor and merge leftovers, skipped without a word: backups (x.yml~, x.yml.bak), swap and merge files.
_BACKUP_SUFFIXES = ("~", ".bak", ".orig", ".rej", ".swp", ".swo", ".tmp", ".old")
#: Names of files that look like YAML whatever their case or extension (x.yaml, X.YML).
_YAML_LIKE = re.compile(r"\.ya?ml$", re.IGNORECASE)


def load_intent(directory: Path) -> LoadedIntent:
    """Parse and schema-check every file; raise InputError with all problems of all files.

    Every entry of the intent folder and of districts/ is accounted for: a file that looks like intent but
    would not be loaded (x.yaml, a misnamed districts folder, a YAML file beside city.yml) is an error, so
    that no district is dropped without a word. Backups and hidden files are skipped.
    """
    city_path = directory / CITY_FILE
    if not directory.is_dir() or not (city_path.exists() or city_path.is_symlink()):
        raise InputError([_no_city_file(directory, city_path)])
    problems: list[Problem] = []
    district_dir = directory / DISTRICTS_DIR
    # A districts "folder" that is a file, a dangling link or a loop is reported, not taken as no districts.
    district_paths = _district_files(district_dir, problems) if district_dir.exists() or \
        district_dir.is_symlink() else []
    problems.extend(_unloaded_entries(directory))
    structures = _structures(directory / UNITS_DIR, problems)
    allocations_path = directory / ALLOCATIONS_FILE
    allocations = read_allocations(allocations_path, display_path(allocations_path), problems)
    city_document = _read(city_path, problems)
    city = check_document(CityIntent, city_document, problems) if city_document else None
    districts: list[DistrictSource] = []
    for path, code in district_paths:
        document = _read(path, problems)
        if document is None:
            continue
        district = check_document(DistrictIntent, document, problems)
        if district is None:
            continue
        if district.district.code != code:
            problems.append(Problem(
                path=("district", "code"),
                message="district code differs from the file name",
                expected=f"code {code!r}, as the file name {path.name} says",
                found=repr(district.district.code),
                hint=f"rename the file to {district.district.code}-<slug>.yml, or correct the code",
                location=document.location(("district", "code")),
            ))
            continue
        districts.append(DistrictSource(district, document))
    if problems or city is None or city_document is None:
        raise InputError(problems)
    return LoadedIntent(city=city, city_document=city_document, districts=tuple(districts),
                        structures=tuple(structures), allocations=allocations)


def _structures(units_dir: Path, problems: list[Problem]) -> list[AdminStructure]:
    """The units files of units/: one per structure, named after it (2025.yml, legacy.yml)."""
    if not units_dir.is_dir():
        return []
    names = {f"{structure.value}.yml": structure for structure in Structure}
    structures: list[AdminStructure] = []
    for path in _yaml_files(units_dir):
        if path.name not in names:
            problems.append(Problem(
                path=(), message="file in units/ is not loaded: its name is not a structure",
                expected=f"one file per structure: {', '.join(names)}", found=path.name,
                hint="`netops units import --structure 2025|legacy` writes them; keep nothing else in units/",
                location=Location(display_path(path), 1)))
            continue
        document = _read(path, problems)
        structure = check_document(AdminStructure, document, problems) if document else None
        if structure is None or document is None:
            continue
        if structure.structure is not names[path.name]:
            problems.append(Problem(
                path=("structure",), message="structure differs from the file name",
                expected=f"structure {names[path.name].value!r}, as the file name {path.name} says",
                found=repr(structure.structure.value),
                hint="re-run `netops units import --structure <structure>`, which names the file",
                location=document.location(("structure",))))
            continue
        structures.append(structure)
    return structures


def _no_city_file(directory: Path, city_path: Path) -> Problem:
    where = Location(display_path(directory), 0)
    others: list[Path] = []
    if not directory.exists():
        found = f"no directory {display_path(directory)}"
    elif not directory.is_dir():
        found = f"{display_path(directory)} is a file, not a folder"
    else:
        others = sorted(p for p in _entries(directory) if p.name.lower() in ("city.yaml", "city.yml"))
        found = f"no such file (found {', '.join(p.name for p in others)})" if others else "no such file"
        if others:
            where = Location(display_path(others[0]), 1)
    return Problem(
        path=(),
        message="no city file",
        expected=f"{display_path(city_path)}",
        found=found,
        hint=f"rename {display_path(others[0])} to city.yml" if others else
        "point --intent at the folder holding city.yml and districts/ (default inventory/city)",
        location=where,
    )


def _entries(directory: Path) -> list[Path]:
    try:
        return sorted(directory.iterdir())
    except OSError:
        return []


def _ignored(name: str) -> bool:
    return name.startswith((".", "#")) or name.endswith(_BACKUP_SUFFIXES)


def _district_files(district_dir: Path, problems: list[Problem]) -> list[tuple[Path, str]]:
    """The district files to load, with the code their name gives; every other YAML-like entry is a problem."""
    shown = display_path(district_dir)
    try:
        entries = sorted(district_dir.iterdir())
    except OSError as error:
        problems.append(Problem(
            path=(), message="cannot read the districts folder", expected="a readable folder of district files",
            found=_os_reason(error), hint="districts/ is a folder holding one <code>-<slug>.yml file per district",
            location=Location(shown, 1)))
        return []
    files: list[tuple[Path, str]] = []
    for path in entries:
        name = path.name
        if _ignored(name):
            continue
        match = DISTRICT_FILE.match(name)
        if match:
            files.append((path, match["code"]))  # unreadable files, folders and bad links: reported on reading
            continue
        if path.is_dir() and not path.is_symlink():
            inside = _yaml_files(path)
            if inside:  # an empty or YAML-free folder loses nothing
                problems.append(Problem(
                    path=(), message="folder inside districts/ is not loaded",
                    expected="only district files <code>-<slug>.yml in districts/",
                    found=f"{_listing(inside)} in folder {name}/",
                    hint="districts/ is flat: move the files up, or the folder out of the intent folder",
                    location=Location(display_path(inside[0]), 1)))
            continue
        if not (_YAML_LIKE.search(name) or ".yml" in name.lower() or ".yaml" in name.lower()):
            continue  # a README or notes: not intent
        problems.append(Problem(
            path=(), message="district file is not loaded: its name is not <code>-<slug>.yml",
            expected="<three-digit district code>-<lower-case slug>.yml, e.g. 001-ba-dinh.yml",
            found=name, hint=_rename_hint(name), location=Location(display_path(path), 1)))
    return files


def _yaml_files(folder: Path) -> list[Path]:
    return [p for p in _entries(folder) if _YAML_LIKE.search(p.name) and not _ignored(p.name)]


def _listing(paths: list[Path]) -> str:
    names = [p.name for p in paths]
    return f"{len(names)} YAML file(s): {', '.join(names[:3])}{', ...' if len(names) > 3 else ''}"


def _rename_hint(name: str) -> str:
    if re.search(r"\.ya?ml\.", name, re.IGNORECASE):
        return ("a district file's name ends in .yml; to leave a district out, move its file out of the "
                "intent folder (git keeps its history)")
    stem = _YAML_LIKE.sub("", name)
    fixed = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")
    suggestion = f"{fixed}.yml"
    if DISTRICT_FILE.match(suggestion):
        return f"rename it to {suggestion}"
    return "name it after the district: its code, a hyphen and its slug, e.g. 002-hoan-kiem.yml"


def _unloaded_entries(directory: Path) -> list[Problem]:
    """YAML files and folders of YAML files next to city.yml that netops would not read."""
    problems: list[Problem] = []
    for path in _entries(directory):
        name = path.name
        if name in (CITY_FILE, DISTRICTS_DIR, UNITS_DIR, ALLOCATIONS_FILE) or _ignored(name):
            continue
        if path.is_dir():
            yaml_files = _yaml_files(path)
            if not yaml_files:
                continue
            close = difflib.get_close_matches(name.lower(), [DISTRICTS_DIR], n=1, cutoff=0.6)
            problems.append(Problem(
                path=(), message="folder of YAML files is not loaded",
                expected=f"district files in {DISTRICTS_DIR}/ (only city.yml and {DISTRICTS_DIR}/ are read)",
                found=f"{_listing(yaml_files)} in folder {name}/",
                hint=f"rename the folder to {DISTRICTS_DIR}/" if close or name.lower() == DISTRICTS_DIR else
                f"move the district files into {DISTRICTS_DIR}/, or the folder out of the intent folder",
                location=Location(display_path(yaml_files[0]), 1)))
        elif _YAML_LIKE.search(name):
            problems.append(Problem(
                path=(), message="YAML file beside city.yml is not loaded",
                expected=f"city.yml, and district files in {DISTRICTS_DIR}/",
                found=name,
                hint="the city file is city.yml (lower case, .yml)" if name.lower().startswith("city.") else
                f"move it into {DISTRICTS_DIR}/ if it is a district, or out of the intent folder",
                location=Location(display_path(path), 1)))
    return problems


def _os_reason(error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return "a symbolic link loop"
    return error.strerror or str(error)


def _read(path: Path, problems: list[Problem]) -> SourceDocument | None:
    try:
        document = read_yaml(path, display_path(path))
    except YamlInputError as error:
        problems.append(error.problem)
        return None
    if document.data == {}:
        problems.append(
            Problem(
                path=(),
                message="file is empty",
                expected="the city's settings (city, asn, addressing, ...)" if path.name == CITY_FILE else
                "a district: its code and name (district:), its wards and its sites",
                found="nothing but comments and blank lines" if document.blank else "an empty mapping",
                hint="fill it in (see the README's intent format)" if path.name == CITY_FILE else
                "fill it in, or remove the file if the district is not ready",
                location=Location(document.file, 1),
            )
        )
        return None
    if not isinstance(document.data, dict):
        problems.append(
            Problem(
                path=(),
                message="file is not a mapping",
                expected="a YAML mapping at the top level",
                found=type(document.data).__name__,
                location=Location(document.file, 1),
            )
        )
        return None
    return document


def load_model_file[M: BaseModel](path: Path, model: type[M], what: str) -> M:
    """A settings-like YAML file (render settings, baselines, waivers) read as the intent is and checked
    against ``model``.

    An empty file gives the model's defaults; every problem is located (file:line) and raised as InputError.
    ``what`` names the file's role in messages ("render settings").
    """
    return load_model_document(path, model, what)[0]


def load_model_document[M: BaseModel](path: Path, model: type[M], what: str) -> tuple[M, SourceDocument]:
    """`load_model_file`, with the parsed document, for checks beyond the schema that need its lines."""
    problems: list[Problem] = []
    try:
        document = read_yaml(path, display_path(path))
    except YamlInputError as error:
        raise InputError([error.problem]) from error
    if document.data is None or document.data == {}:
        document.data = {}
    if not isinstance(document.data, dict):
        raise InputError([Problem(path=(), message=f"{what} file is not a mapping",
                                  expected="a YAML mapping at the top level", found=type(document.data).__name__,
                                  location=Location(document.file, 1))])
    checked = check_document(model, document, problems)
    if checked is None:
        raise InputError(problems)
    return checked, document


def check_document[M: BaseModel](model: type[M], document: SourceDocument, problems: list[Problem]) -> M | None:
    """The document as ``model``, or None with every schema problem (located, with hints) added to ``problems``."""
    try:
        return model.model_validate(document.data)
    except ValidationError as error:
        problems.extend(problems_from_validation_error(error, document, model))
        return None
