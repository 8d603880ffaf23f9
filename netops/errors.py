"""Errors the user can act on, and how they are written out."""

import json
from collections.abc import Iterable, Sequence

from models.problems import Location, Problem

#: The exit codes of every command: done, a check or a server failed, bad input or usage (nothing written).
EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


class NetopsError(Exception):
    """Base of city-netops' own errors."""


class InputError(NetopsError):
    """Bad input: every problem found, collected before stopping (exit code 2)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = sorted(problems, key=_order)
        super().__init__(f"{len(self.problems)} error(s) in the input")


def _order(problem: Problem) -> tuple[str, int, str]:
    location = problem.location or Location("", 0)
    return (location.file, location.line, problem.dotted_path)


def format_problem(problem: Problem) -> str:
    """One problem as text: where, the path, what, expected and found, and the hint."""
    where = f"{problem.location}: " if problem.location else ""
    path = f"{problem.dotted_path}: " if problem.path else ""
    text = f"error: {where}{path}{problem.message}"
    if problem.expected is not None:
        text += f"\n  expected: {problem.expected}"
    if problem.found is not None:
        text += f"\n  found:    {problem.found}"
    if problem.hint:
        text += f"\n  hint:     {problem.hint}"
    return text


def format_problems(problems: Iterable[Problem]) -> str:
    """Every problem, then a one-line summary saying nothing was written."""
    listed = list(problems)
    files = {p.location.file for p in listed if p.location}
    body = "\n".join(format_problem(p) for p in listed)
    # Problems with command-line options (an --out path) have no file: "1 error in 0 files" would puzzle.
    where = f" in {len(files)} file{'s' if len(files) != 1 else ''}" if files else ""
    summary = f"{len(listed)} error{'s' if len(listed) != 1 else ''}{where}; nothing was written"
    return f"{body}\n{summary}"


def problems_as_json(problems: Iterable[Problem]) -> str:
    """Problems as a JSON document for machines."""
    return json.dumps(
        {
            "errors": [
                {
                    "file": p.location.file if p.location else None,
                    "line": p.location.line if p.location else None,
                    "path": p.dotted_path,
                    "message": p.message,
                    "expected": p.expected,
                    "found": p.found,
                    "hint": p.hint,
                }
                for p in problems
            ]
        },
        ensure_ascii=False,
        indent=2,
    )
