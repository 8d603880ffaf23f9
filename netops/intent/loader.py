"""Load the intent directory: city.yml plus one file per district under districts/."""

import difflib
import errno
import os
import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ValidationError

from citynet_models.intent import AreaIntent, CityIntent, DistrictIntent, UnitIntent
from citynet_models.problems import Location, Problem
from citynet_models.units import AdminStructure, Structure
from netops.errors import InputError
from netops.intent import units_cache
from netops.intent.allocations import ALLOCATIONS_FILE, LoadedAllocations, read_allocations
from netops.intent.schema_errors import problems_from_validation_error
from netops.intent.yamlsource import SourceDocument, YamlInputError, read_yaml

CITY_FILE = "city.yml"
DISTRICTS_DIR = "districts"
AREAS_DIR = "areas"
COMMUNES_DIR = "communes"
UNITS_DIR = "units"
#: The sites' rollout evidence (netops/rollout/ledger.py), checked by the lifecycle gate, not loaded as intent.
ROLLOUT_DIR = "rollout"


@dataclass(frozen=True)
class GroupSource[M: BaseModel]:
    """A file of a group folder (a district, an area, a unit), parsed and checked against the schema."""

    intent: M
    document: SourceDocument


DistrictSource = GroupSource[DistrictIntent]
AreaSource = GroupSource[AreaIntent]
UnitSource = GroupSource[UnitIntent]


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
    #: 2025 structure: the network's aggregation areas (areas/) and the sites of each unit (communes/).
    areas: tuple[AreaSource, ...] = ()
    units: tuple[UnitSource, ...] = ()
    #: The intent folder itself: the sites' rollout evidence lives beside the files, in rollout/.
    directory: Path | None = None

    @property
    def structure(self) -> Structure:
        """The administrative structure the intent is written in."""
        return self.city.structure

    def official(self, structure: Structure) -> AdminStructure | None:
        """The official units of a structure kept in intent (units/<structure>.yml), if any."""
        return next((kept for kept in self.structures if kept.structure is structure), None)


def display_path(path: Path) -> str:
    """A path as the user should see it: relative to the working directory when inside it."""
    # abspath, not resolve(): a symbolic link is shown by its own name (and a link loop cannot be resolved).
    # Compared as strings (both are normalized): pathlib's relative_to cost a whole city's load 3%.
    try:
        absolute, here = os.path.abspath(path), os.getcwd()  # noqa: PTH100, PTH109
    except OSError:
        return str(path)
    if absolute.startswith("//") or here.startswith("//"):  # POSIX's other root: pathlib knows its rules
        try:
            return str(Path(absolute).relative_to(here))
        except ValueError:
            return str(path)
    if absolute == here:
        return "."
    inside = here.rstrip("/") + "/"
    return absolute[len(inside):] if absolute.startswith(inside) else str(path)


#: A district file's name: the district's official code, a hyphen, a slug, and ".yml" (the slug may be left out).
DISTRICT_FILE = re.compile(r"^(?P<code>\d{3})(?:-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*))?\.yml$")
#: A unit file's name (2025 structure): the unit's official five-digit code, a hyphen and a slug.
UNIT_FILE = re.compile(r"^(?P<code>\d{5})(?:-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*))?\.yml$")
#: Editor and merge leftovers, skipped without a word: backups (x.yml~, x.yml.bak), swap and merge files.
_BACKUP_SUFFIXES = ("~", ".bak", ".orig", ".rej", ".swp", ".swo", ".tmp", ".old")
#: Names of files that look like YAML whatever their case or extension (x.yaml, X.YML).
_YAML_LIKE = re.compile(r"\.ya?ml$", re.IGNORECASE)


@dataclass(frozen=True)
class GroupFolder:
    """A folder of intent holding one file per unit or area, named ``<code>-<slug>.yml``."""

    name: str
    what: str  # "district", "area", "unit"
    pattern: re.Pattern[str]
    code_form: str  # how the name's code is described: "three-digit district code"
    example: str  # a valid file name


DISTRICT_FOLDER = GroupFolder(DISTRICTS_DIR, "district", DISTRICT_FILE, "three-digit district code", "001-ba-dinh.yml")
AREA_FOLDER = GroupFolder(AREAS_DIR, "area", DISTRICT_FILE, "three-digit area number", "001-ba-dinh.yml")
UNIT_FOLDER = GroupFolder(COMMUNES_DIR, "unit", UNIT_FILE, "five-digit unit code", "00004-ba-dinh.yml")


def load_intent(directory: Path) -> LoadedIntent:
    """Parse and schema-check every file; raise InputError with all problems of all files.

    Every entry of the intent folder and of its group folders (districts/, or areas/ and communes/) is accounted
    for: a file that looks like intent but would not be loaded (x.yaml, a misnamed districts folder, a YAML file
    beside city.yml) is an error, so that no district or unit is dropped without a word. Backups and hidden files
    are skipped.
    """
    city_path = directory / CITY_FILE
    if not directory.is_dir() or not (city_path.exists() or city_path.is_symlink()):
        raise InputError([_no_city_file(directory, city_path)])
    problems: list[Problem] = []
    # A group "folder" that is a file, a dangling link or a loop is reported, not taken as an empty one.
    group_paths = {folder.name: _group_files(folder, directory / folder.name, problems)
                   for folder in GROUP_FOLDERS if _present(directory / folder.name)}
    problems.extend(_unloaded_entries(directory))
    to_remember: list[tuple[Path, object]] = []
    structures = _structures(directory / UNITS_DIR, problems, to_remember)
    allocations_path = directory / ALLOCATIONS_FILE
    allocations = read_allocations(allocations_path, display_path(allocations_path), problems)
    city_document = _read(city_path, problems)
    city = check_document(CityIntent, city_document, problems) if city_document else None
    districts = _group_sources(DISTRICT_FOLDER, group_paths, DistrictIntent, problems)
    areas = _group_sources(AREA_FOLDER, group_paths, AreaIntent, problems)
    units = _group_sources(UNIT_FOLDER, group_paths, UnitIntent, problems)
    if city is not None and city_document is not None:
        problems.extend(_structure_problems(city.structure, city_document, directory, group_paths, structures))
    if problems or city is None or city_document is None:
        raise InputError(problems)
    # Kept only once the whole intent has read clean: bad input writes nothing anywhere, not even a cache.
    for path, data in to_remember:
        units_cache.remember(path, data)
    return LoadedIntent(city=city, city_document=city_document, districts=tuple(districts),
                        structures=tuple(structures), areas=tuple(areas), units=tuple(units),
                        allocations=allocations, directory=directory)


def _present(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def _group_sources[M: BaseModel](folder: GroupFolder, group_paths: dict[str, list[tuple[Path, str]]],
                                 model: type[M], problems: list[Problem]) -> list[GroupSource[M]]:
    """The files of a group folder checked against ``model``, each with the code its name gives."""
    sources: list[GroupSource[M]] = []
    for path, code in group_paths.get(folder.name, []):
        document = _read(path, problems, folder)
        if document is None:
            continue
        checked = check_document(model, document, problems)
        if checked is None:
            continue
        given = getattr(checked, folder.what).code
        if given != code:
            problems.append(Problem(
                path=(folder.what, "code"),
                message=f"{folder.what} code differs from the file name",
                expected=f"code {code!r}, as the file name {path.name} says",
                found=repr(given),
                hint=f"rename the file to {given}-<slug>.yml, or correct the code",
                location=document.location((folder.what, "code")),
            ))
            continue
        sources.append(GroupSource(checked, document))
    return sources


def _structure_problems(structure: Structure, city_document: SourceDocument, directory: Path,
                        group_paths: dict[str, list[tuple[Path, str]]],
                        structures: list[AdminStructure]) -> list[Problem]:
    """The group folders and official units the declared structure needs, and none of the other's."""
    where = city_document.location(("structure",)) if "structure" in city_document.data else \
        Location(city_document.file, 1)
    problems: list[Problem] = []
    if structure is Structure.LEGACY:
        for name in (AREAS_DIR, COMMUNES_DIR):
            if name in group_paths:
                problems.append(Problem(
                    path=("structure",), message=f"{name}/ belongs to the 2025 structure",
                    expected="district files in districts/ (city.yml declares the legacy structure)",
                    found=f"folder {display_path(directory / name)}",
                    hint='declare `structure: "2025"` in city.yml; `netops reorganize --to 2025` turns a legacy '
                         "intent into the 2025 structure",
                    location=where))
        return problems
    if DISTRICTS_DIR in group_paths:
        problems.append(Problem(
            path=("structure",), message="districts/ belongs to the legacy structure",
            expected="areas/ and communes/ (city.yml declares the 2025 structure, which has no districts)",
            found=f"folder {display_path(directory / DISTRICTS_DIR)}",
            hint="`netops reorganize --to 2025` turns district files into areas/ and communes/",
            location=where))
    if not any(kept.structure is structure for kept in structures):
        problems.append(Problem(
            path=("structure",), message="the official units of the 2025 structure are missing",
            expected=f"{display_path(directory / UNITS_DIR / '2025.yml')}: the units sites refer to",
            found="no such file",
            hint="`netops units import --city <code> --structure 2025` writes it from the dataset",
            location=where))
    return problems


def _structures(units_dir: Path, problems: list[Problem], to_remember: list[tuple[Path, object]]
                ) -> list[AdminStructure]:
    """The units files of units/: one per structure, named after it (2025.yml, legacy.yml); those read through
    the full reader and found valid are added to ``to_remember`` (their parsed copies are written by the caller)."""
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
        kept = _kept_structure(path, names[path.name])
        if kept is not None:
            structures.append(kept)
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
        to_remember.append((path, document.data))
        structures.append(structure)
    return structures


def _kept_structure(path: Path, expected: Structure) -> AdminStructure | None:
    """The units file from its parsed copy when that copy is valid as it stands; None sends it to the full reader,
    which reports whatever is wrong with the file at its line."""
    data = units_cache.cached_data(path)
    if data is None:
        return None
    try:
        structure = AdminStructure.model_validate(data)
    except ValidationError:
        return None
    return structure if structure.structure is expected else None


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


def _group_files(folder: GroupFolder, directory: Path, problems: list[Problem]) -> list[tuple[Path, str]]:
    """The files of a group folder to load, with the code their name gives; every other YAML-like entry is a
    problem."""
    shown = display_path(directory)
    what = folder.what
    try:
        entries = sorted(directory.iterdir())
    except OSError as error:
        problems.append(Problem(
            path=(), message=f"cannot read the {folder.name} folder", expected=f"a readable folder of {what} files",
            found=_os_reason(error),
            hint=f"{folder.name}/ is a folder holding one <code>-<slug>.yml file per {what}",
            location=Location(shown, 1)))
        return []
    files: list[tuple[Path, str]] = []
    for path in entries:
        name = path.name
        if _ignored(name):
            continue
        match = folder.pattern.match(name)
        if match:
            files.append((path, match["code"]))  # unreadable files, folders and bad links: reported on reading
            continue
        if path.is_dir() and not path.is_symlink():
            inside = _yaml_files(path)
            if inside:  # an empty or YAML-free folder loses nothing
                problems.append(Problem(
                    path=(), message=f"folder inside {folder.name}/ is not loaded",
                    expected=f"only {what} files <code>-<slug>.yml in {folder.name}/",
                    found=f"{_listing(inside)} in folder {name}/",
                    hint=f"{folder.name}/ is flat: move the files up, or the folder out of the intent folder",
                    location=Location(display_path(inside[0]), 1)))
            continue
        if not (_YAML_LIKE.search(name) or ".yml" in name.lower() or ".yaml" in name.lower()):
            continue  # a README or notes: not intent
        problems.append(Problem(
            path=(), message=f"{what} file is not loaded: its name is not <code>-<slug>.yml",
            expected=f"<{folder.code_form}>-<lower-case slug>.yml, e.g. {folder.example}",
            found=name, hint=_rename_hint(folder, name), location=Location(display_path(path), 1)))
    return files


def _yaml_files(folder: Path) -> list[Path]:
    return [p for p in _entries(folder) if _YAML_LIKE.search(p.name) and not _ignored(p.name)]


def _listing(paths: list[Path]) -> str:
    names = [p.name for p in paths]
    return f"{len(names)} YAML file(s): {', '.join(names[:3])}{', ...' if len(names) > 3 else ''}"


def _rename_hint(folder: GroupFolder, name: str) -> str:
    what = folder.what
    if re.search(r"\.ya?ml\.", name, re.IGNORECASE):
        return (f"a {what} file's name ends in .yml; to leave a {what} out, move its file out of the "
                "intent folder (git keeps its history)")
    stem = _YAML_LIKE.sub("", name)
    fixed = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")
    suggestion = f"{fixed}.yml"
    if folder.pattern.match(suggestion):
        return f"rename it to {suggestion}"
    example = "002-hoan-kiem.yml" if folder is DISTRICT_FOLDER else folder.example
    return f"name it after the {what}: its code, a hyphen and its slug, e.g. {example}"


GROUP_FOLDERS = (DISTRICT_FOLDER, AREA_FOLDER, UNIT_FOLDER)


def _unloaded_entries(directory: Path) -> list[Problem]:
    """YAML files and folders of YAML files next to city.yml that netops would not read."""
    problems: list[Problem] = []
    for path in _entries(directory):
        name = path.name
        if name in (CITY_FILE, DISTRICTS_DIR, AREAS_DIR, COMMUNES_DIR, UNITS_DIR, ROLLOUT_DIR,
                    ALLOCATIONS_FILE) or _ignored(name):
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


#: What an empty file of each group folder should have held.
_GROUP_CONTENT = {
    "district": ("a district: its code and name (district:), its wards and its sites",
                 "fill it in, or remove the file if the district is not ready"),
    "area": ("an area: its number and name (area:) and its hub sites",
             "fill it in, or remove the file if the area is not ready"),
    "unit": ("a unit: its official code and name (unit:) and its sites",
             "fill it in, or remove the file if the unit has no site yet"),
}


def _read(path: Path, problems: list[Problem], folder: GroupFolder | None = None) -> SourceDocument | None:
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
                _GROUP_CONTENT[folder.what if folder else "district"][0],
                found="nothing but comments and blank lines" if document.blank else "an empty mapping",
                hint="fill it in (see the README's intent format)" if path.name == CITY_FILE else
                _GROUP_CONTENT[folder.what if folder else "district"][1],
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
