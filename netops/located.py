"""Problems of a Network located where its objects came from: intent file:line, or a NetBox object's page.

Both sources record, for each object they build, the path of the object in the model and where it came from
(a SourceMap). A problem names an object by its model path; it is located at the longest prefix of that path a
source recorded. A validation error of the Network itself becomes Problems the same way, whichever source built it.
"""

from collections.abc import Callable, Mapping

from pydantic import ValidationError

from citynet_models.problems import Location, ModelPath, NetworkInvalidError, Problem, render_path

#: Model path -> where that object came from.
SourceMap = Mapping[ModelPath, Location]


def find_location(path: ModelPath, sources: SourceMap, fallback: Location | None = None) -> Location | None:
    """Where the longest recorded prefix of the path came from (the fallback when none is recorded)."""
    for length in range(len(path), -1, -1):
        location = sources.get(path[:length])
        if location is not None:
            return location
    return fallback


def locate(problem: Problem, sources: SourceMap, fallback: Location | None = None) -> Problem:
    """The problem with its location (a problem that has one keeps it); a problem naming a related object (a
    duplicate's first occurrence) is reported at the later of the two and says where the other one is."""
    if problem.location is not None:
        return problem
    location = find_location(problem.path, sources, fallback)
    values = {**problem.__dict__, "location": location}
    if problem.related is not None and location is not None:
        first = find_location(problem.related, sources, fallback)
        first_path = problem.related
        if first is not None and (first.file, first.line) > (location.file, location.line):
            values.update(path=problem.related, related=problem.path, location=first)
            location, first, first_path = first, location, problem.path
        if first is not None:
            values["found"] = f"{problem.found or 'a clash'} (first at {first}: {render_path(first_path)})"
    return Problem(**values)


def network_problems(error: ValidationError, sources: SourceMap,
                     path_of: Callable[[tuple[int | str, ...]], ModelPath],
                     fallback: Location | None = None) -> list[Problem]:
    """The problems of a Network that did not validate, located: the cross-object checks' own problems as they
    are, any other error at the model path ``path_of`` gives pydantic's location (list indexes -> object keys)."""
    problems: list[Problem] = []
    for details in error.errors(include_url=False):
        cause = details.get("ctx", {}).get("error")
        if isinstance(cause, NetworkInvalidError):
            problems.extend(locate(problem, sources, fallback) for problem in cause.problems)
        else:
            found = repr(details["input"])[:200] if "input" in details else None
            problem = Problem(path=path_of(details["loc"]), message=details["msg"].removeprefix("Value error, "),
                              found=found)
            problems.append(locate(problem, sources, fallback))
    return problems
