"""Turning analysis results (frozen dataclasses) into JSON, and running analyses without GC pauses."""

import dataclasses
import json
from enum import Enum
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import Any


def to_jsonable(value: Any) -> Any:
    """Plain JSON data from dataclasses, enums, addresses, tuples and dicts (keys made strings)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, IPv4Address | IPv4Network | IPv4Interface):
        return str(value)
    if isinstance(value, dict):
        return {str(to_jsonable(k)): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | frozenset | set):
        items = [to_jsonable(v) for v in value]
        return sorted(items) if isinstance(value, frozenset | set) else items
    return value


def dumps(value: Any) -> str:
    """Stable, indented JSON text ending in a newline (what --json prints and the goldens hold)."""
    return json.dumps(to_jsonable(value), ensure_ascii=False, indent=2) + "\n"


