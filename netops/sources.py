"""Where a command takes its Network from: the intent files, or what netops manages in NetBox.

Every command with ``--source`` (and the Ansible inventory, and the verification specs for Ansible) picks a
`Source` with `source_of()` and calls its ``load``. Either source ends in the same validated Network, or raises
InputError (bad input, exit code 2) or SourceUnavailableError (the source could not be read: exit code 3 when
NetBox could not be reached or failed, 2 when it is the user's setting: no NetBox configured, a token refused).

    source = source_of("netbox", Path("inventory/city"))
    resolution = source.load()        # Resolution(network=Network(...), sources={("devices", "[dc-core-01]"): ...})
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from netops.errors import EXIT_UNREACHABLE, ServiceError, exit_code_of

if TYPE_CHECKING:
    from netops.netbox.client import NetBoxError
    from netops.resolve.build import Resolution

#: What every NetBox source failure suggests.
NETBOX_HINT = "start the embedded NetBox (`netops netbox up`, then `netops apply`) or set NETBOX_URL/NETBOX_TOKEN"


class SourceName(StrEnum):
    """The sources a command can read the network from (``--source``)."""

    INTENT = "intent"  # the intent files (--intent)
    NETBOX = "netbox"  # the objects netops manages in NetBox (NETBOX_URL/NETBOX_TOKEN or the embedded server)


class SourceUnavailableError(ServiceError):
    """A source that could not be read; ``reason`` is what went wrong, ``hint`` what to do about it."""

    def __init__(self, source: str, reason: str, hint: str, *, exit_code: int = EXIT_UNREACHABLE) -> None:
        self.source = source
        self.reason = reason
        self.hint = hint
        #: 3 when the source failed (NetBox unreachable or refusing a read), 2 when it is the user's setting (no
        #: NetBox configured, a token NetBox refuses), as every command exits (netops.errors).
        self.exit_code = exit_code
        super().__init__(f"--source {source} is not available: {reason}")


def netbox_unavailable(error: NetBoxError, reason: str | None = None) -> SourceUnavailableError:
    """NetBox as a source that failed: the exit code of the NetBox error (netops.errors.exit_code_of), its text
    unless ``reason`` says more."""
    return SourceUnavailableError("netbox", str(error) if reason is None else reason, NETBOX_HINT,
                                  exit_code=exit_code_of(error))


class Source(Protocol):
    """Loads the validated network; raises InputError (bad input) or SourceUnavailableError."""

    name: SourceName

    def load(self) -> Resolution:
        """The resolved, validated network and where each of its objects came from."""
        ...


class IntentSource:
    """The reviewed intent YAML (inventory/city by default), through the phases of netops/pipeline.py."""

    name = SourceName.INTENT

    def __init__(self, intent_dir: Path) -> None:
        self.intent_dir = intent_dir

    def load(self) -> Resolution:
        """Load, resolve and validate the intent files."""
        from netops.pipeline import load_network  # imported on use: the Ansible inventory from NetBox never needs it

        return load_network(self.intent_dir)


class NetBoxSource:
    """NetBox, the system of record: the objects netops manages, read back and validated like intent."""

    name = SourceName.NETBOX

    def load(self) -> Resolution:
        """Read the network from NetBox (NETBOX_URL/NETBOX_TOKEN, or the embedded server's netbox.env)."""
        # Imported here: pynetbox is only needed when the model comes from NetBox.
        from netops.netbox.client import NetBoxError
        from netops.netbox.read import load_network_from_netbox

        try:
            return load_network_from_netbox()
        except NetBoxError as error:
            raise netbox_unavailable(error) from error


def source_of(name: SourceName | str, intent_dir: Path) -> Source:
    """The named source (``intent_dir``: where the intent source reads)."""
    return IntentSource(intent_dir) if SourceName(name) is SourceName.INTENT else NetBoxSource()
