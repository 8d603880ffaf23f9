"""A small city in the 2025 structure that the allocation tests change step by step: two aggregation areas, each a
hub with two aggregation routers, and sites of every unit kind in a few official units, uplinked to one area's
hub; written from a plain description so a test can add, remove, rename, re-parent and re-home sites."""

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from citynet_models.network import Network
from citynet_models.slug import slugify
from tests.allocations.city import site_facts
from tests.conftest import TESTS

BASE_2025 = TESTS / "intent" / "cases" / "base-2025"
#: Official units of units/2025.yml sites may belong to: code and name.
UNITS = (("00004", "Phường Ba Đình"), ("00008", "Phường Ngọc Hà"), ("00025", "Phường Giảng Võ"),
         ("00070", "Phường Hoàn Kiếm"), ("00082", "Phường Cửa Nam"))
#: The aggregation areas: code, name and the prefix of their routers' names.
AREAS = (("001", "Cụm Ba Đình", "ba-dinh"), ("002", "Cụm Hoàn Kiếm", "hoan-kiem"))
#: The kinds of sites a unit file holds, and a word their names start with.
KINDS = {"ward_committee": "UBND", "party_agency": "Đảng ủy", "mass_organization": "Hội Phụ nữ",
         "public_service_point": "Điểm phục vụ"}
#: Numbers a site may have in its unit (SITES_PER_UNIT).
NUMBERS = range(4)


@dataclass
class UnitSite:
    """A site of a unit: its identity survives renames and moves (``ident``), its name gives its slug."""

    ident: int
    name: str
    kind: str
    unit: str
    number: int
    area: str  # the code of the area whose hub the site uplinks to

    @property
    def slug(self) -> str:
        return slugify(self.name)

    def document(self) -> dict[str, Any]:
        """The site as its unit file lists it; sites of even identity are dual-homed."""
        routers = next(prefix for code, _, prefix in AREAS if code == self.area)
        uplinks = [{"to": f"{routers}-agg-01", "provider": "vnpt", "circuit_id": f"C-{self.ident}",
                    "bandwidth_mbps": 100}]
        if self.ident % 2 == 0:
            uplinks.append({"to": f"{routers}-agg-02", "provider": "vnpt", "circuit_id": f"C-{self.ident}-2",
                            "bandwidth_mbps": 100})
        site: dict[str, Any] = {"name": self.name, "kind": self.kind, "number": self.number}
        if self.kind == "mass_organization":
            site["organization"] = "women_union"
        return site | {"devices": [{"role": "access_router", "uplinks": uplinks}],
                       "lans": [{"role": "staff", "hosts": 10 + self.ident % 20}]}


def _area_file(code: str, name: str, routers: str) -> dict[str, Any]:
    hub = {"name": f"Trạm tập trung {name.removeprefix('Cụm ')}", "kind": "hub", "devices": [
        {"name": f"{routers}-agg-01", "role": "aggregation",
         "uplinks": [{"to": "dc-core-01", "provider": "vnpt", "circuit_id": f"H-{code}-1", "bandwidth_mbps": 1000}]},
        {"name": f"{routers}-agg-02", "role": "aggregation",
         "uplinks": [{"to": "dc-core-02", "provider": "vnpt", "circuit_id": f"H-{code}-2", "bandwidth_mbps": 1000},
                     {"to": f"{routers}-agg-01"}]}]}
    return {"area": {"code": code, "name": name}, "sites": [hub]}


def _dump(path: Path, document: dict[str, Any]) -> None:
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")


@dataclass
class City2025:
    """The unit sites, by identity; the hubs and the data center never change."""

    sites: dict[int, UnitSite] = field(default_factory=dict)

    def write(self, intent: Path) -> None:
        """The intent folder: city.yml and the official units (once), one file per area and per unit."""
        if not (intent / "city.yml").exists():
            (intent / "units").mkdir(parents=True)
            shutil.copyfile(BASE_2025 / "city.yml", intent / "city.yml")
            shutil.copyfile(BASE_2025 / "units" / "2025.yml", intent / "units" / "2025.yml")
            (intent / "areas").mkdir()
            for code, name, routers in AREAS:
                _dump(intent / "areas" / f"{code}-{slugify(name)}.yml", _area_file(code, name, routers))
            (intent / "communes").mkdir()
        for code, name in UNITS:
            sites = sorted((site for site in self.sites.values() if site.unit == code), key=lambda s: s.number)
            _dump(intent / "communes" / f"{code}-{slugify(name)}.yml",
                  {"unit": {"code": code, "name": name}, "sites": [site.document() for site in sites]})

    def free_numbers(self, unit: str, held: set[str]) -> list[int]:
        """The numbers no site of the unit has and whose key the record does not hold (``held``: keys)."""
        taken = {site.number for site in self.sites.values() if site.unit == unit}
        return [number for number in NUMBERS if number not in taken and f"ward/{unit}/{number}" not in held]

    def facts(self, network: Network) -> dict[str, dict[str, Any]]:
        """Every site's facts (tests/allocations/city.py) by identity (the hubs by their slug), the far end of each
        link named by the identity of its site and its device's number, so that renaming a site changes nothing
        of the others."""
        identity = {site.slug: str(site.ident) for site in self.sites.values()}
        far = {device.name: f"{identity.get(device.site, device.site)}#{device.number}"
               for device in network.devices}
        slugs = identity | {site.slug: site.slug for site in network.sites if site.kind == "hub"}
        return {ident: site_facts(network, slug, lambda name: far.get(name, name)) for slug, ident in slugs.items()}
