"""The inventory plugin's configuration file checked against the plugin's options before Ansible reads it.

Ansible reads an inventory plugin's file by its documented options and ignores any other key: a misspelt
`keyed_group:` or `cache_timout:` would silently give an inventory without those groups, or no cache. It also
reads `strict: maybe` as false. The plugin refuses such a file instead, with the file and line, the key, what
the option takes, and a hint.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

#: YAML's spelling of each option type the check is strict about (Ansible turns "maybe" into false, and a string
#: given for a list into a list of its comma-separated parts).
_TYPES: dict[str, tuple[type, str]] = {"bool": (bool, "true or false"), "boolean": (bool, "true or false"),
                                       "list": (list, "a list"), "dict": (dict, "a mapping")}


def option_problems(path: str | Path, config: Mapping[str, Any],
                    definitions: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The errors of `config` against the plugin's option `definitions` (Ansible's: type, choices), or None.

    An unknown key, a value outside an option's choices, a boolean that is not true/false, a list or mapping
    given as something else: each with file:line, what was expected, what was found, and a hint.
    """
    names = sorted(definitions)
    lines = _key_lines(Path(path))
    problems = []

    def problem(key: str, message: str, expected: str, found: Any, hint: str) -> None:
        where = f"{path}:{lines[key]}" if key in lines else str(path)
        problems.append(f"{where}: {message}\n  expected: {expected}\n  found:    {found!r}\n  hint:     {hint}")

    for key, value in config.items():
        definition = definitions.get(key)
        if definition is None:
            close = difflib.get_close_matches(str(key), names, n=1)
            problem(key, f"unknown option {key!r} for the netops inventory plugin", f"one of {', '.join(names)}", key,
                    f"did you mean {close[0]!r}?" if close else "remove it, or spell it as one of the options above")
            continue
        kind = _TYPES.get(str(definition.get("type", "")))
        if kind is not None and not isinstance(value, kind[0]):
            problem(key, f"option {key!r} has the wrong type", kind[1], value,
                    f"`ansible-doc -t inventory netops` (citynet.netops.netops in the collection) describes {key}")
            continue
        choices = definition.get("choices")
        if choices and key != "plugin" and value not in choices:
            close = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1)
            problem(key, f"option {key!r} has a value it does not take", f"one of {', '.join(map(str, choices))}",
                    value, f"did you mean {close[0]!r}?" if close else f"choose one of {', '.join(map(str, choices))}")
    return "\n".join(problems) or None


def _key_lines(path: Path) -> dict[str, int]:
    """The line of each top-level key of a YAML mapping file (the first, as YAML keeps the last)."""
    lines: dict[str, int] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return lines
    for number, line in enumerate(text.splitlines(), start=1):
        match = re.match(r"""^(?:"([^"]+)"|'([^']+)'|([^\s#'"][^:#]*?))\s*:(?:\s|$)""", line)
        if match:
            lines.setdefault(next(group for group in match.groups() if group is not None), number)
    return lines
