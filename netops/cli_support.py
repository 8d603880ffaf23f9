"""What every `netops` command shares: consoles, exit codes, common options, loading with the error gate.

Command modules of each package (netops/<package>/cli.py) import from here and expose
``register(app)``; netops/cli.py mounts them. Only command modules print or choose exit codes.
"""

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from netops.errors import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, InputError, format_problems, problems_as_json
from netops.pipeline import DEFAULT_INTENT_DIR, load_network
from netops.resolve.build import Resolution

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


class Source(StrEnum):
    """Where a command takes the network model from."""

    INTENT = "intent"  # the intent files (--intent)
    NETBOX = "netbox"  # the objects netops manages in NetBox (NETBOX_URL/NETBOX_TOKEN or the embedded server)


SourceOption = Annotated[
    Source,
    typer.Option("--source", help="Where the model comes from: the intent files, or what netops manages in NetBox",
                 envvar="NETOPS_SOURCE", show_default=True),
]
__all__ = ["DEFAULT_INTENT_DIR", "EXIT_BAD_INPUT", "EXIT_FAILED", "EXIT_OK", "IntentOption", "JsonOption", "Source",
           "SourceOption", "err", "load_or_exit", "out"]


def load_or_exit(intent: Path, as_json: bool, *, source: Source | str = Source.INTENT) -> Resolution:
    """The validated network, or every input error printed and exit code 2.

    ``source`` picks intent (the files under ``intent``) or NetBox (read through its API and validated the same
    way; a NetBox that cannot be reached is exit 1, one that is not configured exit 2).
    """
    try:
        if Source(str(source)) is Source.NETBOX:
            return _load_from_netbox(as_json)
        return load_network(intent)
    except InputError as error:
        if as_json:
            out.print_json(problems_as_json(error.problems))
        else:
            err.print(format_problems(error.problems), markup=False, highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from error


def _load_from_netbox(as_json: bool) -> Resolution:
    # Imported here: the NetBox client (pynetbox, requests) is only needed when the model comes from NetBox.
    from netops.netbox.client import CredentialsError, NetBoxError
    from netops.netbox.read import load_network_from_netbox

    try:
        return load_network_from_netbox()
    except NetBoxError as error:
        if as_json:
            out.print_json(data={"errors": [{"message": str(error)}]})
        else:
            err.print(f"error: {error}", markup=False, highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT if isinstance(error, CredentialsError) else EXIT_FAILED) from error
