"""Where a command takes its Network from: the intent files, or what netops manages in NetBox.

Each source is a `NetworkSource`; commands (netops render, the Ansible inventory) look a source up by
name in `sources()` and call `load`: the intent files, or NetBox through netops.netbox.read.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from citynet_models.problems import Problem
from netops.errors import EXIT_UNREACHABLE, NetopsError, exit_code_of

if TYPE_CHECKING:
    from netops.resolve.build import Resolution


class SourceName(StrEnum):
    """The sources a command can read the network from."""

    INTENT = "intent"
    NETBOX = "netbox"


class SourceUnavailableError(NetopsError):
    """The source exists in the design but cannot be read yet (or here)."""

    def __init__(self, source: str, reason: str, hint: str, *, exit_code: int = EXIT_UNREACHABLE) -> None:
        self.source = source
        self.reason = reason
        self.hint = hint
        #: 3 when the source failed (NetBox unreachable or refusing a read), 2 when it is the user's setting (no
        #: NetBox configured, a token NetBox refuses), as every command exits (netops.errors).
        self.exit_code = exit_code
        super().__init__(f"--source {source} is not available: {reason}")

    def problem(self) -> Problem:
        """The error as a Problem, for the commands' error reports (one hint: the reason's own when it has one)."""
        return Problem(path=(), message=str(self), hint=None if "hint:" in self.reason else self.hint)


class NetworkSource(Protocol):
    """Loads the validated network; raises InputError (bad input) or SourceUnavailableError."""

    name: SourceName

    def load(self) -> Resolution:
        """The resolved, validated network and where each object came from."""
        ...


class IntentSource:
    """The reviewed intent YAML (inventory/city by default)."""

    name = SourceName.INTENT

    def __init__(self, intent_dir: Path) -> None:
        self.intent_dir = intent_dir

    def load(self) -> Resolution:
        """Load, resolve and validate the intent files."""
        from netops.pipeline import load_network  # imported on use: the Ansible inventory from NetBox never needs it

        return load_network(self.intent_dir)


class NetboxSource:
    """NetBox, the system of record: the objects netops manages, read back and validated like intent."""

    name = SourceName.NETBOX

    def __init__(self, intent_dir: Path) -> None:
        self.intent_dir = intent_dir

    def load(self) -> Resolution:
        """Read the network from NetBox (NETBOX_URL/NETBOX_TOKEN, or the embedded server's netbox.env)."""
        # Imported here: pynetbox is only needed when the model comes from NetBox.
        from netops.netbox.client import NetBoxError
        from netops.netbox.read import load_network_from_netbox

        try:
            return load_network_from_netbox()
        except NetBoxError as error:
            raise SourceUnavailableError(
                "netbox", str(error),
                "start the embedded NetBox (`netops netbox up`, then `netops apply`) or set NETBOX_URL/NETBOX_TOKEN",
                exit_code=exit_code_of(error),
            ) from error


def source(name: SourceName | str, intent_dir: Path) -> NetworkSource:
    """The named source."""
    chosen = SourceName(name)
    return IntentSource(intent_dir) if chosen is SourceName.INTENT else NetboxSource(intent_dir)
