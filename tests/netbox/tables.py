"""JSON tables of the NetBox tests (tests/netbox/data/<function>.json): cases of inputs and expected outputs.

The expected side of a table is rewritten by ``pytest --update-goldens`` (then reviewed in the git diff), never
by hand; the inputs are chosen by people.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).resolve().parent / "data"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    return data


def tables_of(prefix: str) -> list[str]:
    """Names of the tables whose function lives under ``prefix``; none found is an error, not an empty pass."""
    names = sorted(p.stem for p in DATA.glob("*.json") if load(p.stem)["function"].startswith(prefix))
    if not names:
        raise RuntimeError(f"no tables for {prefix} under {DATA}")
    return names


def cases(names: list[str]) -> list[Any]:
    """(table, case id) pairs as pytest parameters, one test id per case."""
    return [pytest.param(name, case["id"], id=f"{name}[{case['id']}]") for name in names
            for case in load(name)["cases"]]


def function(path: str) -> Callable[..., Any]:
    module, _, name = path.rpartition(".")
    found: Callable[..., Any] = getattr(importlib.import_module(module), name)
    return found


def check(request: pytest.FixtureRequest, name: str, case_id: str, actual: Any) -> None:
    """Compare with the case's expected output, or rewrite it under --update-goldens."""
    data = load(name)
    case = next(case for case in data["cases"] if case["id"] == case_id)
    if request.config.getoption("--update-goldens"):
        case["expected"] = actual
        (DATA / f"{name}.json").write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        return
    assert case["expected"] is not None, f"{name}.json[{case_id}] has no expected output: run pytest --update-goldens"
    assert actual == case["expected"]
