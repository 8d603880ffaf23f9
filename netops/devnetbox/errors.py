"""What can go wrong with the embedded NetBox, each with the exit code the CLI gives it."""

from __future__ import annotations

import os
from pathlib import Path


class NetboxServerError(Exception):
    """Something went wrong starting, stopping or resetting the server (exit 3: a service failed).

    ``log`` names the log file to read; its last lines are appended to the message.
    """

    exit_code: int = 3  # netops.errors.EXIT_UNREACHABLE (not imported: this package runs on its own too)

    def __init__(self, message: str, *, log: Path | None = None, hint: str | None = None) -> None:
        self.log = log
        self.hint = hint
        text = message
        if log is not None:
            text += f"\n--- last lines of {log} ---\n{_tail(log)}"
        if hint:
            text += f"\nhint: {hint}"
        super().__init__(text)


class PrerequisiteError(NetboxServerError):
    """A program or OS user the server needs is missing (exit 2); names the Debian package to install."""

    exit_code = 2

    def __init__(self, what: str, *, package: str | None = None, hint: str | None = None) -> None:
        self.what = what
        self.package = package
        message = f"missing prerequisite: {what}"
        if package:
            message += f"; install the Debian package '{package}' (e.g. with scripts/install-system-packages)"
        super().__init__(message, hint=hint)


class SettingsError(NetboxServerError):
    """Bad settings: an environment variable with a bad value, a port taken by someone else (exit 2)."""

    exit_code = 2


def _tail(path: Path, lines: int = 25) -> str:
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - 16384))
            text = handle.read().decode("utf-8", "replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])
