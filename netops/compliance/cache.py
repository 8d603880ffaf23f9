"""Results of devices whose configs did not change since the last run (`netops compliance --cache DIR`).

A device's findings before waivers depend only on its rendered and backed-up texts, the baseline, the model
values the baseline refers to, and this package's code. The key of a device hashes all of them, so any change
to any of them is a miss and the device is checked again; waivers are applied to every result afresh (they
expire by date). The file holds only the entries of the last run, so it never grows past one city. A cache
that cannot be read (missing, truncated, written by another version) is ignored: it only saves time.
"""

import hashlib
import os
import pickle
import tempfile
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from netops.compliance.engine import Checker, DeviceInput, DeviceResult

FILE = "compliance-results.pickle"


@cache
def _code() -> bytes:
    """This package's source and baseline files, so a new version never reuses an old result."""
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for path in sorted([*here.glob("*.py"), *here.glob("baseline/*.yml")]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.digest()


def fingerprint(checker: Checker) -> bytes:
    """What every key shares: the code, the baselines and the model values (not the waivers, not the date)."""
    digest = hashlib.sha256(_code())
    for platform in sorted(checker.baselines, key=lambda p: p.value):
        digest.update(checker.baselines[platform].model_dump_json().encode())
    digest.update(repr(sorted(checker.values.items())).encode())
    return digest.digest()


def _field(digest: "hashlib._Hash", text: str | None) -> None:
    data = b"" if text is None else text.encode()
    digest.update(b"-" if text is None else f"{len(data)}:".encode())
    digest.update(data)


def key(shared: bytes, item: DeviceInput) -> str:
    """The device's key: its name, platform and every part's rendered and actual text."""
    digest = hashlib.sha256(shared)
    _field(digest, item.device)
    _field(digest, item.platform.value)
    for part in sorted({*item.intended, *item.actual}):
        actual = item.actual.get(part)
        _field(digest, part)
        _field(digest, item.intended.get(part))
        _field(digest, None if actual is None else actual.text)
    return digest.hexdigest()


def load(folder: Path) -> dict[str, DeviceResult]:
    """The last run's results (empty when there are none or they cannot be read)."""
    try:
        with (folder / FILE).open("rb") as handle:
            entries = pickle.load(handle)  # the user's own cache folder, written by save() below
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError, TypeError):
        return {}
    if not isinstance(entries, dict) or not all(isinstance(v, DeviceResult) for v in entries.values()):
        return {}
    return entries


def save(folder: Path, entries: Mapping[str, DeviceResult]) -> None:
    """Replace the cache with this run's results, atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".compliance-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            pickle.dump(dict(entries), out, protocol=pickle.HIGHEST_PROTOCOL)
        Path(temporary).replace(folder / FILE)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
