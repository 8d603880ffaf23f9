"""Load the intent directory: city.yml plus one file per district under districts/."""

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ValidationError

from models.intent import CityIntent, DistrictIntent
from models.problems import Location, Problem
from netops.errors import InputError
from netops.intent.schema_errors import problems_from_validation_error
from netops.intent.yamlsource import SourceDocument, YamlInputError, read_yaml

CITY_FILE = "city.yml"
DISTRICTS_DIR = "districts"


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


def display_path(path: Path) -> str:
    """A path as the user should see it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def load_intent(directory: Path) -> LoadedIntent:
    """Parse and schema-check every file; raise InputError with all problems of all files."""
    city_path = directory / CITY_FILE
    if not city_path.is_file():
        raise InputError(
            [
                Problem(
                    path=(),
                    message="no city file",
                    expected=f"{display_path(city_path)}",
                    found="no such file" if directory.is_dir() else f"no directory {display_path(directory)}",
                    hint="point --intent at the folder holding city.yml and districts/ (default inventory/city)",
                    location=Location(display_path(directory), 0),
                )
            ]
        )
    problems: list[Problem] = []
    city_document = _read(city_path, problems)
    city = _check(CityIntent, city_document, problems) if city_document else None
    districts: list[DistrictSource] = []
    district_dir = directory / DISTRICTS_DIR
    for path in sorted(district_dir.glob("*.yml")) if district_dir.is_dir() else []:
        document = _read(path, problems)
        if document is None:
            continue
        district = _check(DistrictIntent, document, problems)
        if district is not None:
            districts.append(DistrictSource(district, document))
    if problems or city is None or city_document is None:
        raise InputError(problems)
    return LoadedIntent(city=city, city_document=city_document, districts=tuple(districts))


def _read(path: Path, problems: list[Problem]) -> SourceDocument | None:
    try:
        document = read_yaml(path, display_path(path))
    except YamlInputError as error:
        problems.append(error.problem)
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


def _check[M: BaseModel](model: type[M], document: SourceDocument, problems: list[Problem]) -> M | None:
    try:
        return model.model_validate(document.data)
    except ValidationError as error:
        problems.extend(problems_from_validation_error(error, document, model))
        return None
