"""Files of the state directory that are not config files: private writes, the lock, state.json."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path

from netops.devnetbox.settings import Settings


def write_private(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` with mode 600, atomically; return False when it already held exactly that."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        if path.read_text(encoding="utf-8") == text:
            path.chmod(0o600)
            return False
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    tmp.replace(path)
    return True


@contextlib.contextmanager
def flock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path``, so two netops commands never start or stop the same server at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def server_lock(settings: Settings) -> contextlib.AbstractContextManager[None]:
    """The lock every command that starts, stops or resets the server holds for its whole run."""
    return flock(settings.home / ".lock")


def read_state(settings: Settings) -> dict[str, str]:
    """state.json: which NetBox version the template database and the ``netbox`` database were made by."""
    try:
        data = json.loads(settings.state_file.read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def write_state(settings: Settings, **changes: str) -> None:
    state = read_state(settings) | changes
    settings.state_file.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n")
