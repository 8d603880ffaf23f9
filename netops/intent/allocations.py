"""Reading the allocation record, `<intent>/allocations.yml`, as part of the intent (file:line of every value)."""

from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from citynet_models.allocations import AllocationRecord
from citynet_models.problems import Location, Problem
from netops.intent.schema_errors import problems_from_validation_error
from netops.intent.yamlsource import SourceDocument, YamlInputError, read_yaml

ALLOCATIONS_FILE = "allocations.yml"


@dataclass(frozen=True)
class LoadedAllocations:
    """The allocation record, schema-valid, with where each of its values is."""

    record: AllocationRecord
    document: SourceDocument


def read_allocations(path: Path, shown: str, problems: list[Problem]) -> LoadedAllocations | None:
    """The record at ``path`` (``shown`` as the user sees the path); None when there is none, or with every
    problem of a malformed one added to ``problems``."""
    if not (path.exists() or path.is_symlink()):
        return None
    try:
        document = read_yaml(path, shown)
    except YamlInputError as error:
        problems.append(error.problem)
        return None
    if not isinstance(document.data, dict):
        problems.append(Problem(
            path=(), message="allocation record is not a mapping",
            expected="the record `netops allocations update` writes (version: 1, sites:)",
            found="nothing" if document.data is None else type(document.data).__name__,
            hint="restore it from git (`git checkout -- allocations.yml`), or remove it and run "
                 "`netops allocations update` before any site moves",
            location=Location(document.file, 1)))
        return None
    try:
        record = AllocationRecord.model_validate(document.data)
    except ValidationError as error:
        problems.extend(problems_from_validation_error(error, document, AllocationRecord))
        return None
    return LoadedAllocations(record=record, document=document)
