"""Shared helpers of the compliance tests: the sample city rendered once, edits applied to a device's parts."""

from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from citynet_models.network import Network
from citynet_models.types import Platform
from netops.compliance.baseline import load_baselines
from netops.compliance.engine import ActualPart, Checker, DeviceInput, DeviceResult, check_device
from netops.compliance.report import text
from netops.compliance.sources import Intended, model_values, render_intended
from netops.compliance.waivers import load_waivers
from netops.design import Design, build_design
from netops.pipeline import load_network
from netops.render.settings import RenderSettings
from tests.conftest import REPO

CITY = REPO / "inventory" / "city"
#: The tests' waivers (the city's own file waives nothing): BGP session protection until 2027-03-31.
WAIVERS = Path(__file__).parent / "waivers.yml"
#: Waivers are judged as of this day in every test (the tests' waivers run to 2027-03-31).
TODAY = date(2026, 11, 27)


@cache
def network(intent: Path = CITY) -> Network:
    return load_network(intent).network


@cache
def design(intent: Path = CITY) -> Design:
    """A city's design under the default settings (the sample city's unless told), one for every test."""
    return build_design(network(intent), RenderSettings())


@cache
def rendered(platform: Platform | None, intent: Path = CITY) -> Intended:
    return render_intended(design(intent), [d.name for d in network(intent).devices], 1, platform)


@cache
def checker(today: date = TODAY, intent: Path = CITY) -> Checker:
    baselines = load_baselines()
    known = {rule.id for baseline in baselines.values() for rule in baseline.rules}
    return Checker(baselines, model_values(design(intent)), load_waivers(WAIVERS, known), today)


def apply_edits(parts: dict[str, str], edits: list[dict[str, Any]], where: str) -> dict[str, str]:
    """A device's parts after a case's edits; an edit that finds nothing to change is a broken case."""
    parts = dict(parts)
    for edit in edits:
        part = edit.get("part", "cfg")
        if "remove_part" in edit:
            del parts[edit["remove_part"]]
            continue
        body = parts[part]
        if "replace" in edit:
            assert edit["replace"] in body, f"{where}: {edit['replace']!r} is not in the rendered {part}"
            body = body.replace(edit["replace"], edit["with"])
        elif "delete" in edit:
            assert edit["delete"] in body, f"{where}: {edit['delete']!r} is not in the rendered {part}"
            body = body.replace(edit["delete"], "")
        elif "append" in edit:
            body = body + edit["append"]
        else:
            raise AssertionError(f"{where}: unknown edit {edit}")
        parts[part] = body
    return parts


def run_case(folder: Path) -> tuple[dict[str, Any], DeviceResult]:
    """Load the case, apply its edits to the rendered device, check it."""
    case = yaml.safe_load((folder / "case.yml").read_text(encoding="utf-8"))
    platform = Platform(case["platform"]) if "platform" in case else None
    intent = REPO / case["intent"] if "intent" in case else CITY
    intended = rendered(platform, intent)
    device = case.get("device", "ba-dinh-agg-01")
    actual = apply_edits(intended.configs[device], case.get("edits", []), str(folder))
    item = DeviceInput(device, intended.platforms[device], intended.configs[device],
                       {part: ActualPart(body, f"{folder.name}/{device}.{part}") for part, body in actual.items()})
    today = date.fromisoformat(str(case["today"])) if "today" in case else TODAY
    return case, check_device(checker(today, intent), item)


def failing_text(result: DeviceResult) -> str:
    """The text report of the device's failing findings (what the goldens pin)."""
    result.findings = [f for f in result.findings if f.failing]
    return text([result], TODAY).rsplit("\n", 2)[0] + "\n"  # without the dated headline
