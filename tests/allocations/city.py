"""A small city the allocation tests change step by step: one district whose aggregation router every ward
committee uplinks to, written from a plain description so a test can add, remove, rename and re-parent sites."""

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from citynet_models.network import Network
from netops.cli import app
from tests.conftest import TESTS

BASE_CITY = TESTS / "intent" / "cases" / "base" / "city.yml"
#: The district's wards; the first sorts before every ward a site starts in.
WARDS = tuple(f"{code:05d}" for code in (2, 5, 8, 11, 14, 17, 20, 23, 26, 29, 32, 35))


@dataclass
class WardSite:
    """A ward committee: its identity survives renames (``ident``), its name gives its slug."""

    ident: int
    name: str
    ward: str


@dataclass
class City:
    """The district's ward committees, by identity."""

    sites: dict[int, WardSite] = field(default_factory=dict)

    def district_file(self) -> dict[str, Any]:
        sites: list[dict[str, Any]] = [{
            "name": "UBND quận Ba Đình", "kind": "district_committee",
            "devices": [{"name": "ba-dinh-agg-01", "role": "aggregation",
                         "uplinks": [{"to": "dc-core-01"}, {"to": "dc-core-02"}]}],
            "lans": [{"role": "staff", "hosts": 50}],
        }]
        for site in self.sites.values():
            sites.append({"name": site.name, "kind": "ward_committee", "ward": site.ward,
                          "devices": [{"role": "access_router",
                                       "uplinks": [{"to": "ba-dinh-agg-01", "provider": "vnpt",
                                                    "circuit_id": f"C-{site.ident}", "bandwidth_mbps": 100}]}],
                          "lans": [{"role": "staff", "hosts": 20}]})
        return {"district": {"code": "001", "name": "Quận Ba Đình", "kind": "quan"},
                "wards": [{"code": code, "name": f"Phường {code}", "kind": "phuong"} for code in WARDS],
                "sites": sites}

    def write(self, intent: Path) -> None:
        (intent / "districts").mkdir(parents=True, exist_ok=True)
        if not (intent / "city.yml").exists():
            shutil.copyfile(BASE_CITY, intent / "city.yml")
        (intent / "districts" / "001-ba-dinh.yml").write_text(
            yaml.safe_dump(self.district_file(), allow_unicode=True, sort_keys=False), encoding="utf-8")


def netops(*args: str | Path) -> tuple[int, str]:
    """Run a netops command in-process: its exit code and everything it printed."""
    result = CliRunner().invoke(app, [str(arg) for arg in args])
    return result.exit_code, result.output


def site_facts(network: Network, slug: str, far_end: Callable[[str], str] = str) -> dict[str, Any]:
    """What must never move for a site: its LANs, each device's loopback and management address, and each
    link's prefix, circuit and both ends (the remote device by name, or as ``far_end`` names it, its own devices by
    number)."""
    site = network.site_by_slug[slug]
    devices = {device.name: device for device in network.devices if device.site == slug}
    facts: dict[str, Any] = {
        "lans": sorted((lan.role.value, str(lan.prefix), lan.vlan, str(lan.gateway)) for lan in site.lans),
        "devices": sorted((device.number, str(device.loopback), str(device.management)) for device in
                          devices.values()),
    }
    links = []
    for link in network.links:
        ends = ((link.downstream, link.upstream), (link.upstream, link.downstream))
        for here, there in ends:
            if here.device in devices:
                there_name = far_end(there.device) if there.device not in devices \
                    else f"#{devices[there.device].number}"
                links.append((devices[here.device].number, here.interface, there_name, there.interface,
                              str(link.prefix), link.circuit.circuit_id if link.circuit else None))
    facts["links"] = sorted(links)
    return facts


def moved_survivors(before: Network, after: Network) -> list[str]:
    """The sites of ``after`` (a change of ``before``, such as its reorganization) whose facts differ from what they
    were, less their links to the devices of sites ``after`` no longer has (a hub's downlinks to retired sites
    leave with them)."""
    gone = {device.name for device in before.devices if device.site not in after.site_by_slug}
    moved = []
    for slug in sorted(after.site_by_slug):
        facts = site_facts(before, slug)
        facts["links"] = [link for link in facts["links"] if link[2] not in gone]
        if site_facts(after, slug) != facts:
            moved.append(slug)
    return moved
