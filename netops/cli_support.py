"""What every `netops` command shares: consoles, exit codes, common options, loading with the error gate.

Command modules of each package (netops/<package>/cli.py) import from here and expose
``register(app)``; netops/cli.py mounts them. Only command modules print or choose exit codes.
"""

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from netops.errors import InputError, format_problems, problems_as_json
from netops.pipeline import DEFAULT_INTENT_DIR, load_network
from netops.resolve.build import Resolution

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2

# Piped output is read in files and CI logs: do not fold tables to 80 columns there.
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 250)
err = Console(stderr=True, soft_wrap=True)

IntentOption = Annotated[
    Path,
    typer.Option("--intent", "-i", help="Folder with city.yml and districts/", envvar="NETOPS_INTENT",
                 show_default=True),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output")]
__all__ = ["DEFAULT_INTENT_DIR", "EXIT_BAD_INPUT", "EXIT_FAILED", "EXIT_OK", "IntentOption", "JsonOption",
           "err", "load_or_exit", "out"]


def load_or_exit(intent: Path, as_json: bool) -> Resolution:
    """The validated network, or every input error printed and exit code 2."""
    try:
        return load_network(intent)
    except InputError as error:
        if as_json:
            out.print_json(problems_as_json(error.problems))
        else:
            err.print(format_problems(error.problems), markup=False, highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from error
