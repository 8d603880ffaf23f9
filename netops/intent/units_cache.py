"""A parsed copy of the units files (units/2025.yml, legacy.yml), kept to spare every command their YAML parse.

A units file is hundreds of lines written by `netops units import` and rarely changed; parsing it through the
line-keeping reader is most of what loading the sample's intent costs. Once a units file has been read and found
valid, its data is kept as JSON under the user's cache folder (``NETOPS_CACHE_DIR``, else
``$XDG_CACHE_HOME/netops``, else ``~/.cache/netops``), named by the sha256 of the file's bytes and of the reader's
own source, so an edited file or a changed reader is never answered from an old copy. The copy is only ever a
shortcut for valid files: whatever is wrong with a file (or its copy) is found and reported by the full reader.
"""

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from netops.files import write_atomic
from netops.intent.yamlsource import YamlInputError, read_text

CACHE_ENV = "NETOPS_CACHE_DIR"
_READER = Path(__file__).with_name("yamlsource.py")


def cache_dir() -> Path:
    """The folder that keeps the parsed copies."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit) / "units"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "netops" / "units"


def _entry(path: Path) -> Path | None:
    # Through the reader's own file checks (size cap, permissions, UTF-8): a file it refuses has no copy.
    try:
        text = read_text(path, str(path))
        key = hashlib.sha256(_READER.read_bytes() + b"\0" + text.encode("utf-8")).hexdigest()
    except (OSError, YamlInputError):
        return None
    return cache_dir() / f"{key}.json"


def cached_data(path: Path) -> Any | None:
    """The data of ``path`` as last read valid, or None when there is no usable copy."""
    entry = _entry(path)
    if entry is None:
        return None
    try:
        return json.loads(entry.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def remember(path: Path, data: Any) -> None:
    """Keep ``data``, read from ``path`` and found valid; silently nothing when it cannot be kept exactly."""
    try:
        text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError):
        return
    # JSON turns tuples into lists and non-text keys into text: a copy that would read back different is not kept.
    if json.loads(text) != data:
        return
    entry = _entry(path)
    if entry is None:
        return
    try:
        write_atomic(entry, text)
    except OSError:  # a read-only or full home: the cache is an optimisation, never a reason to fail
        return
