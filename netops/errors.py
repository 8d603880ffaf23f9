"""Errors the user can act on, and how they are written out."""

import json
from collections.abc import Iterable, Sequence

from citynet_models.problems import Location, Problem

#: The exit codes of every command, the same everywhere (README "Exit codes"):
#: 0 done; 1 a finding (drift, a compliance or verification failure); 2 bad input or usage (nothing written);
#: 3 a service (NetBox, a device, the lab) could not be reached or failed.
EXIT_OK, EXIT_FINDING, EXIT_BAD_INPUT, EXIT_UNREACHABLE = 0, 1, 2, 3
#: The older name of exit code 1, kept for the command modules that still import it: a finding, nothing else.
EXIT_FAILED = EXIT_FINDING


class NetopsError(Exception):
    """Base of city-netops' own errors; ``exit_code`` is the code a command exits with when one stops it."""

    exit_code: int = EXIT_BAD_INPUT


class ServiceError(NetopsError):
    """A service the command needs (NetBox, a device, the lab) could not be reached or failed (exit code 3)."""

    exit_code = EXIT_UNREACHABLE


class InputError(NetopsError):
    """Bad input: every problem found, collected before stopping (exit code 2)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = sorted(problems, key=_order)
        super().__init__(f"{len(self.problems)} error(s) in the input")


def _order(problem: Problem) -> tuple[str, int, str]:
    location = problem.location or Location("", 0)
    return (location.file, location.line, problem.dotted_path)


def exit_code_of(error: BaseException) -> int:
    """The exit code for an error that stops a command: its own ``exit_code`` when it has one, else 2."""
    code = getattr(error, "exit_code", EXIT_BAD_INPUT)
    return code if isinstance(code, int) and code in (EXIT_FINDING, EXIT_BAD_INPUT, EXIT_UNREACHABLE) \
        else EXIT_BAD_INPUT


def suggestions(value: str, known: Iterable[str], *, limit: int = 3) -> list[str]:
    """The known values closest to ``value`` (did-you-mean), best first; empty when none is close."""
    import difflib

    choices = list(dict.fromkeys(known))
    by_fold = {choice.casefold(): choice for choice in choices}
    needle = value.casefold()
    close = difflib.get_close_matches(needle, list(by_fold), n=limit, cutoff=0.6)
    # A part of a known value counts too: "router" -> access_router, "ward" -> ward_committee.
    if len(needle) >= 3:
        close += [fold for fold in by_fold if needle in fold and fold not in close]
    return [by_fold[c] for c in close[:limit]]


def unknown_value(option: str, value: str, known: Sequence[str], *, what: str, listed: int = 12,
                  message: str = "matches nothing in the model") -> Problem:
    """A command-line value that names nothing the command knows: what was given, did-you-mean and the values.

    ``what`` is the noun of the known values ("a district code, slug or name", "a lifecycle status").
    """
    close = suggestions(value, known)
    shown = ", ".join(known[:listed]) + (f" and {len(known) - listed} more" if len(known) > listed else "")
    hint = (f"did you mean {' or '.join(close)}? " if close else "") + (f"known: {shown}" if known
                                                                         else "the model has none")
    return Problem(path=(option,), message=message, expected=what, found=repr(value), hint=hint)


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
    count = f"{len(listed)} error{'s' if len(listed) != 1 else ''}"
    # Command-line errors have no file: "1 error; nothing was written", not "in 0 files".
    where = f" in {len(files)} file{'s' if len(files) != 1 else ''}" if files else ""
    summary = f"{count}{where}; nothing was written"
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
