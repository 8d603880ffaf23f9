"""What a resolve phase hands on: its result, the problems it found and where in the intent its objects came from.

Each phase of netops/pipeline.py owns one `Findings` while it runs and returns it frozen as a `Phase`; the next
phase reads only the results it is given. The pipeline's gate joins every phase's problems, in phase order.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from citynet_models.problems import Location, ModelPath, Problem
from citynet_models.slug import slugify
from netops.errors import InputError
from netops.intent.yamlsource import DataPath, SourceDocument

#: Where in the intent each object of the model came from, by its path in the model.
SourceMap = dict[ModelPath, Location]

#: NetBox keeps slugs of at most 100 characters.
_SLUG_MAX = 100


@dataclass(frozen=True)
class Phase[T]:
    """A phase's result, with the problems it found and the intent locations of the objects it made."""

    value: T
    problems: tuple[Problem, ...]
    sources: Mapping[ModelPath, Location]


class Findings:
    """The problems and sources one phase collects while it runs (no phase shares its Findings)."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.sources: SourceMap = {}

    def done[T](self, value: T) -> Phase[T]:
        """The phase's result, frozen with what it found."""
        return Phase(value=value, problems=tuple(self.problems), sources=dict(self.sources))

    def source(self, path: ModelPath, document: SourceDocument, data_path: DataPath) -> Location:
        """Record (or re-record) where the object at ``path`` comes from."""
        location = document.location(data_path)
        self.sources[path] = location
        return location

    def claim(self, path: ModelPath, document: SourceDocument, data_path: DataPath, what: str,
              hint: str) -> Location | None:
        """Record where an object keyed by ``path`` comes from; None (with a problem naming both places) when
        an earlier object has the same key."""
        first = self.sources.get(path)
        location = document.location(data_path)
        if first is not None:
            self.problem(path, location, f"duplicate {what}", f"each {what} once in the city",
                         f"{path[-1][1:-1]!r} again (first at {first})", hint)
            return None
        self.sources[path] = location
        return location

    def problem(self, path: ModelPath, location: Location, message: str, expected: str | None = None,
                found: str | None = None, hint: str | None = None) -> None:
        """Record a problem at an intent location."""
        self.problems.append(Problem(path=path, message=message, expected=expected, found=found, hint=hint,
                                     location=location))

    def build[M: BaseModel](self, model: Callable[..., M], path: ModelPath, location: Location,
                            **values: Any) -> M | None:
        """Construct a model; a per-object rule it breaks becomes a Problem at the intent's location."""
        try:
            return model(**values)
        except ValidationError as error:
            for details in error.errors(include_url=False):
                self.problem(path, location, details["msg"].removeprefix("Value error, "))
            return None

    def derive_slug(self, explicit: str | None, name: str, what: str, path: ModelPath,
                    location: Location) -> str | None:
        """The slug given, or the one derived from the name; None (with a problem) when the derived one is
        empty or longer than NetBox keeps (100)."""
        if explicit is not None:
            return explicit
        slug = slugify(name)
        if not slug:
            self.problem(path, location, f"the {what}'s name gives an empty slug",
                         "a name with at least one letter or digit (after removing diacritics), or an explicit slug",
                         repr(name), f"give the {what} an explicit `slug:` (a-z, 0-9 and single hyphens)")
            return None
        if len(slug) > _SLUG_MAX:
            self.problem(path, location, f"the {what}'s name gives a slug too long for NetBox",
                         f"a slug of at most {_SLUG_MAX} characters", f"{len(slug)} characters: {slug!r}",
                         f"give the {what} a shorter explicit `slug:`")
            return None
        return slug


def gate(phases: Iterable[Phase[object]]) -> None:
    """Raise InputError with every problem of the phases, in phase order; nothing when they found none."""
    problems = [problem for phase in phases for problem in phase.problems]
    if problems:
        raise InputError(problems)


def description(text: str, limit: int = 200) -> str:
    """A derived description, cut to what NetBox keeps (200 characters) so it reads back unchanged."""
    return text if len(text) <= limit else text[: limit - 3] + "..."
