"""Writing files so that an interrupted run never leaves a half-written one."""

import os
import tempfile
from pathlib import Path


def _read_umask() -> int:
    # The only way to read the umask is to set it: done once, at import, never while writer threads run (in the
    # window another thread's mkdir would get mode 0777).
    current = os.umask(0o022)
    os.umask(current)
    return current


_UMASK = _read_umask()


def write_atomic(path: Path, text: str) -> bool:
    """Write text to path through a temporary file and a rename; return whether it changed.

    An unchanged file is not rewritten, so a re-run is a no-op and keeps timestamps.
    """
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        # mkstemp creates 0600; a written file gets the mode any new file gets here (umask applies).
        Path(temporary).chmod(0o666 & ~_UMASK)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True
