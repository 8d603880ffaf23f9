"""What every `netops` command shares: consoles, exit codes, common options, loading with the error gate.

Command modules of each package (netops/<package>/cli.py) import from here and expose
``register(app)``; netops/cli.py mounts them. Only command modules print or choose exit codes.
"""

import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console

from citynet_models.problems import Problem
from netops.errors import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_FINDING,
    EXIT_OK,
    EXIT_UNREACHABLE,
    InputError,
    exit_code_of,
    format_problem,
    format_problems,
    problems_as_json,
)
from netops.files import FolderResult, plan_folder, write_folder, write_problem
from netops.pipeline import DEFAULT_INTENT_DIR
from netops.resolve.build import Resolution
from netops.sources import SourceName, SourceUnavailableError, source_of

if TYPE_CHECKING:  # imported by progress_for: commands that show no progress do not load it
    from netops.progress import Progress

# Piped output is read in files and CI logs: do not fold tables to 80 columns there.
# Neither prints markup or emoji codes: output holds user text (names, paths, "file.yml:100:"), which rich would
# otherwise read as markup ("[bold]") or emoji (":100:"); colour is asked for per call, with Text and styles.
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 250, emoji=False, markup=False)
err = Console(stderr=True, soft_wrap=True, emoji=False, markup=False, highlight=False)

IntentOption = Annotated[
    Path,
    typer.Option("--intent", "-i", help="Folder with city.yml and districts/", envvar="NETOPS_INTENT",
                 show_default=True),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output")]


SourceOption = Annotated[
    SourceName,
    typer.Option("--source", help="Where the model comes from: the intent files, or what netops manages in NetBox",
                 envvar="NETOPS_SOURCE", show_default=True),
]
#: The scoping options, one meaning each on every command that takes them (matched by netops.selectors).
UnitOption = Annotated[
    list[str] | None,
    typer.Option("--unit", help="Only the sites of this administrative unit (a ward of a legacy intent, a "
                 "commune-level unit of a 2025 one): code, slug or name; repeatable"),
]
DistrictOption = Annotated[
    list[str] | None,
    typer.Option("--district", help="Only this district: code, slug or name (in a 2025 intent, which has no "
                 "districts: the area built for it); repeatable"),
]
AreaOption = Annotated[
    list[str] | None,
    typer.Option("--area", help="Only this aggregation area: code, slug or name; repeatable"),
]
SiteOption = Annotated[
    list[str] | None,
    typer.Option("--site", help="Only this site: slug or glob (ubnd-*); repeatable"),
]
DeviceOption = Annotated[
    list[str] | None,
    typer.Option("--device", "-d", help="Only this device: name or glob (ubnd-*-r01); repeatable"),
]
#: --yes of the commands that delete: without it they ask on a terminal and refuse elsewhere.
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do the destructive step without asking (needed "
                                                             "when not on a terminal)")]
#: Exit code of a destructive step the user declined at the prompt (as an interrupted run).
EXIT_DECLINED = 130

__all__ = ["DEFAULT_INTENT_DIR", "EXIT_BAD_INPUT", "EXIT_DECLINED", "EXIT_FAILED", "EXIT_FINDING", "EXIT_OK",
           "EXIT_UNREACHABLE", "AreaOption", "DeviceOption", "DistrictOption", "IntentOption", "JsonOption",
           "SiteOption", "SourceName", "SourceOption", "UnitOption", "YesOption", "confirm_or_exit", "err",
           "exit_bad_input", "exit_for_error", "exit_for_source", "folder_summary", "load_or_exit", "out",
           "print_json", "progress_for", "write_folder_or_exit"]


def print_json(data: object) -> None:
    """The one JSON document a command prints on stdout with --json (text as is, not escaped to ASCII)."""
    out.file.flush()
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def folder_summary(output: Path, result: FolderResult, **extra: object) -> dict[str, object]:
    """The --json summary of a command that wrote a folder: where, what it adds, and each file's fate."""
    return {"out": str(output), **extra, "written": result.written, "unchanged": result.unchanged,
            "removed": result.removed}


def confirm_or_exit(command: str, action: str, details: Sequence[str], *, yes: bool, as_json: bool = False) -> None:
    """Ask before a destructive step: print what it would do (``details``, on stderr) and ask on a terminal;
    return when confirmed or ``yes``. Declined: exit EXIT_DECLINED with nothing changed. Not on a terminal
    without ``yes``: bad usage, exit 2, never a wait on a standard input nobody types into (CI)."""
    if yes:
        return
    if not sys.stdin.isatty():
        exit_bad_input([Problem(path=(command,), message=f"asks before it goes on to {action}, and standard input is "
                                "not a terminal", expected="--yes", found="no --yes",
                                hint=f"pass --yes (-y) to {action} without asking")], as_json)
    for line in details:
        err.print(line, markup=False, highlight=False)
    if not typer.confirm(f"{action[:1].upper()}{action[1:]}?", default=False, err=True):
        err.print("declined: nothing was changed", markup=False, highlight=False)
        raise typer.Exit(EXIT_DECLINED)


def exit_bad_input(problems: Sequence[Problem], as_json: bool = False, *, code: int = EXIT_BAD_INPUT,
                   stopped_part_way: bool = False) -> NoReturn:
    """Print every problem (text on stderr, or JSON on stdout) and exit 2 (or ``code``).

    ``stopped_part_way``: some files were already written when the problem struck (a full disk), so the text
    says to run the command again instead of "nothing was written".
    """
    located = InputError(problems).problems
    out.file.flush()  # what the command printed before comes first
    if as_json:
        out.print_json(problems_as_json(located))
    elif stopped_part_way:
        err.print("\n".join(format_problem(p) for p in located) + "\nthe run stopped part-way; run it again to "
                  "finish", markup=False, highlight=False)
    else:
        err.print(format_problems(located), markup=False, highlight=False)
    raise typer.Exit(code)


def exit_for_error(error: BaseException, as_json: bool, *, code: int | None = None) -> NoReturn:
    """Print an error that stops the command and exit with its code (InputError: 2 with every problem; a service
    that could not be reached or failed: 3; see netops.errors.exit_code_of), or with ``code`` when given."""
    if isinstance(error, InputError):
        exit_bad_input(error.problems, as_json)
    if as_json:
        out.print_json(data={"errors": [{"message": str(error)}]})
    else:
        err.print(f"error: {error}", markup=False, highlight=False)
    raise typer.Exit(exit_code_of(error) if code is None else code) from error


#: --force of the commands that write a folder of files.
ForceOption = Annotated[bool, typer.Option("--force", help="Write even over files netops did not write, or "
                                                      "that were edited since it wrote them")]


def write_folder_or_exit(output: Path, files: Mapping[str, str], *, command: str, force: bool,
                         adopt: Mapping[str, str] | None = None, mode: int | None = None,
                         as_json: bool = False) -> FolderResult:
    """Write a command's output folder (netops.files: only what the command wrote is replaced or removed), or print
    why not and exit 2: a folder of someone else's, a file in the way, a write that failed (saying it stopped part
    way, and that a re-run finishes the job)."""
    try:
        plan = plan_folder(output, files, command=command, force=force, adopt=adopt)
    except InputError as error:
        exit_bad_input(error.problems, as_json)
    except OSError as error:
        exit_bad_input([write_problem(output, error)], as_json)
    try:
        return write_folder(plan, mode=mode)
    except OSError as error:
        exit_bad_input([write_problem(output, error)], as_json, stopped_part_way=True)


def exit_for_source(error: SourceUnavailableError, as_json: bool) -> NoReturn:
    """Print a source that could not be read, as every command does (NetBox's own error and its hint), and exit
    with its code (3: NetBox could not be reached or failed; 2: no NetBox configured, a token refused)."""
    exit_for_error(error.__cause__ or error, as_json, code=error.exit_code)


def load_or_exit(intent: Path, as_json: bool, *, source: SourceName | str = SourceName.INTENT) -> Resolution:
    """The validated network from the named source (netops.sources), or every input error printed and exit code 2,
    or the source's failure printed and its exit code (exit_for_source)."""
    from netops.gc_policy import no_cyclic_gc

    try:
        # The model is a large graph of long-lived objects: collector passes during the load free nothing.
        with no_cyclic_gc():
            return source_of(source, intent).load()
    except InputError as error:
        exit_bad_input(error.problems, as_json)
    except SourceUnavailableError as error:
        exit_for_source(error, as_json)


def progress_for(as_json: bool, lines: Callable[[str], None] | None = None) -> "Progress":
    """Where a command's long work reports (netops.progress): nothing with --json; live bars with counts and ETA
    when stderr is a terminal; else ``lines`` (default: each message on stderr as it is), as in CI logs."""
    from netops.progress import QUIET, Bars, Lines

    if as_json:
        return QUIET
    write = lines or _line_on_stderr
    if _stderr_is_terminal():
        return Bars(err, write)
    return Lines(write)


def _line_on_stderr(message: str) -> None:
    err.print(message, markup=False, highlight=False)


def _stderr_is_terminal() -> bool:
    """Whether a person watches stderr: a terminal that can redraw a line (FORCE_COLOR alone does not count:
    it is set in CI logs too)."""
    try:
        return os.isatty(sys.stderr.fileno()) and os.environ.get("TERM", "") != "dumb"
    except (AttributeError, OSError, ValueError):  # replaced by a stream without a file (tests, embedding)
        return False
