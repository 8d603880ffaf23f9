"""The whole reorganization as a property: for random legacy cities (two districts of official wards, whose
committee, party and mass-organization sites uplink to their district's hub or the other one's), every site that
survives `netops reorganize --to 2025` keeps its addresses, interface names, ports, VLANs, circuits and cables, and
the record it carries over is up to date."""

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citynet_models.slug import slugify
from netops.pipeline import load_network
from tests.allocations.city import moved_survivors, netops
from tests.conftest import REPO, TESTS

BASE_CITY = TESTS / "intent" / "cases" / "base" / "city.yml"
OFFICIAL = REPO / "inventory" / "city" / "units"
#: The two districts: code, name, the word their wards' committees are named with, the prefix of their routers.
DISTRICTS = (("001", "Quận Ba Đình", "ba-dinh"), ("002", "Quận Hoàn Kiếm", "hoan-kiem"))
#: Ward-level site kinds and how their names start.
KINDS = {"ward_committee": "UBND", "party_agency": "Đảng ủy", "mass_organization": "Hội Phụ nữ"}


def _official_wards() -> dict[str, list[tuple[str, str]]]:
    """The official wards (code, name) of each district, from the sample's units/legacy.yml."""
    units = yaml.safe_load((OFFICIAL / "legacy.yml").read_text(encoding="utf-8"))["units"]
    return {code: [(unit["code"], unit["name"]) for unit in units if unit["district"] == code]
            for code, _, _ in DISTRICTS}


WARDS = _official_wards()

#: A ward-level site: its district (index), ward (index in the district), kind, which district's hub it uplinks to
#: (index) and whether it is dual-homed.
ward_sites = st.lists(st.tuples(st.integers(0, 1), st.integers(0, 12), st.sampled_from(list(KINDS)),
                                st.integers(0, 1), st.booleans()),
                      min_size=1, max_size=12, unique_by=lambda site: (site[0], site[1], site[2]))


def _district_file(index: int, sites: list[tuple[int, int, str, int, bool]], party: bool) -> dict[str, Any]:
    code, name, routers = DISTRICTS[index]
    short = name.removeprefix("Quận ")
    listed: list[dict[str, Any]] = [{
        "name": f"UBND quận {short}", "kind": "district_committee",
        "devices": [{"name": f"{routers}-agg-01", "role": "aggregation",
                     "uplinks": [{"to": "dc-core-01", "provider": "vnpt", "circuit_id": f"H-{code}-1",
                                  "bandwidth_mbps": 1000}]},
                    {"name": f"{routers}-agg-02", "role": "aggregation",
                     "uplinks": [{"to": "dc-core-02", "provider": "vnpt", "circuit_id": f"H-{code}-2",
                                  "bandwidth_mbps": 1000}, {"to": f"{routers}-agg-01"}]}],
        "lans": [{"role": "staff", "hosts": 50}]}]
    if party:  # a district-level site no other site attaches through: retired
        listed.append({"name": f"Quận ủy {short}", "kind": "party_agency",
                       "devices": [{"role": "access_router", "uplinks": [
                           {"to": f"{routers}-agg-01", "provider": "vnpt", "circuit_id": f"P-{code}",
                            "bandwidth_mbps": 100}]}],
                       "lans": [{"role": "staff", "hosts": 30}]})
    for number, (district, ward, kind, hub, dual) in enumerate(sites):
        if district != index:
            continue
        ward_code, ward_name = WARDS[code][ward % len(WARDS[code])]
        hub_routers = DISTRICTS[hub][2]
        across = {"cross_district": True} if hub != index else {}
        uplinks = [{"to": f"{hub_routers}-agg-01", "provider": "vnpt", "circuit_id": f"C-{number}",
                    "bandwidth_mbps": 100, **across}]
        if dual:
            uplinks.append({"to": f"{hub_routers}-agg-02", "provider": "vnpt", "circuit_id": f"C-{number}-2",
                            "bandwidth_mbps": 100, **across})
        site: dict[str, Any] = {"name": f"{KINDS[kind]} {ward_name.replace('Phường', 'phường')}", "kind": kind,
                                "ward": ward_code}
        if kind == "mass_organization":
            site["organization"] = "women_union"
        listed.append(site | {"devices": [{"role": "access_router", "uplinks": uplinks}],
                              "lans": [{"role": "staff", "hosts": 10 + number}]})
    return {"district": {"code": code, "name": name, "kind": "quan"},
            "wards": [{"code": ward_code, "name": ward_name, "kind": "phuong"} for ward_code, ward_name in WARDS[code]],
            "sites": listed}


def _write_legacy(intent: Path, sites: list[tuple[int, int, str, int, bool]], party: bool) -> None:
    (intent / "districts").mkdir(parents=True)
    shutil.copyfile(BASE_CITY, intent / "city.yml")
    shutil.copytree(OFFICIAL, intent / "units")
    for index, (code, name, _) in enumerate(DISTRICTS):
        (intent / "districts" / f"{code}-{slugify(name.removeprefix('Quận '))}.yml").write_text(
            yaml.safe_dump(_district_file(index, sites, party), allow_unicode=True, sort_keys=False),
            encoding="utf-8")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sites=ward_sites, party=st.booleans(), recorded=st.booleans())
def test_every_surviving_site_keeps_its_facts(tmp_path_factory: pytest.TempPathFactory,
                                             sites: list[tuple[int, int, str, int, bool]], party: bool,
                                             recorded: bool) -> None:
    folder = tmp_path_factory.mktemp("reorganization")
    legacy, current = folder / "legacy", folder / "2025"
    _write_legacy(legacy, sites, party)
    if recorded:  # with the record committed, or without one: reorganize writes it either way
        code, output = netops("allocations", "update", "--intent", legacy)
        assert code == 0, output

    code, output = netops("reorganize", "--to", "2025", "--intent", legacy, "--out", current)

    assert code == 0, output
    before, after = load_network(legacy).network, load_network(current).network
    assert set(after.site_by_slug) <= set(before.site_by_slug)
    assert not party or not {"quan-uy-ba-dinh", "quan-uy-hoan-kiem"} & set(after.site_by_slug)
    assert moved_survivors(before, after) == []
    code, output = netops("allocations", "update", "--check", "--intent", current)
    assert code == 0, output
