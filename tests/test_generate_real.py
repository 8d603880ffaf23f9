"""`netops generate-city --real`: the real legacy Hà Nội from the dataset, whole, valid, renderable."""

import json
import math
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from citynet_models.intent import HANOI_BOUNDS
from citynet_models.units import AdminStructure, Structure
from netops.generate import HANOI, real_city
from netops.pipeline import load_network
from netops.units.dataset import read_structure
from tests.conftest import TESTS
from tests.output_tree import netops

#: Tây Hồ, one of the two smallest districts (8 wards): its whole file is the golden.
SMALL_DISTRICT = "districts/003-quan-tay-ho.yml"


@pytest.fixture(scope="module")
def legacy() -> AdminStructure:
    return read_structure(HANOI, Structure.LEGACY)


@pytest.fixture(scope="module")
def current() -> AdminStructure:
    return read_structure(HANOI, Structure.Y2025)


@pytest.fixture(scope="module")
def files(legacy: AdminStructure, current: AdminStructure) -> dict[str, str]:
    return real_city(legacy, current, seed=1)


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real city as the command writes it."""
    out = tmp_path_factory.mktemp("real") / "city"
    done = netops("generate-city", "--real", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "33 files (33 written, 0 unchanged, 0 stale removed)" in done.stderr
    return out


def districts_of(files: dict[str, str]) -> dict[str, Any]:
    return {path: yaml.load(text, Loader=yaml.CSafeLoader) for path, text in files.items()
            if path.startswith("districts/")}


@pytest.fixture(scope="module")
def documents(files: dict[str, str]) -> dict[str, Any]:
    """The district files, parsed."""
    return districts_of(files)


def test_the_smallest_district_file(files: dict[str, str], golden) -> None:  # type: ignore[no-untyped-def]
    golden(TESTS / "generate" / "real-city" / "003-quan-tay-ho.yml", files[SMALL_DISTRICT])


def test_every_district_and_ward_of_the_dataset_once_with_its_official_identity(
        documents: dict[str, Any], legacy: AdminStructure) -> None:
    assert len(documents) == 30
    assert sorted(d["district"]["code"] for d in documents.values()) == [d.code for d in legacy.districts]
    wards = [(ward["code"], ward["name"], ward["kind"], document["district"]["code"])
             for document in documents.values() for ward in document["wards"]]
    assert len(wards) == 526
    assert Counter(code for code, *_ in wards) == Counter(unit.code for unit in legacy.units)
    assert sorted(wards) == sorted((u.code, u.name, u.kind.value, u.district) for u in legacy.units)


def test_every_ward_has_its_committee_and_every_district_its_two_aggregation_routers(
        documents: dict[str, Any]) -> None:
    committees: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    for document in documents.values():
        committee = document["sites"][0]
        assert committee["kind"] == "district_committee"
        routers = [device for device in committee["devices"] if device["role"] == "aggregation"]
        assert len(routers) == 2
        for router in routers:
            assert {uplink["to"] for uplink in router["uplinks"]} >= {"dc-core-01", "dc-core-02"}
        aggregation = {router["name"] for router in routers}
        for site in document["sites"][1:]:
            kinds[site["kind"]] += 1
            if site["kind"] == "ward_committee":
                committees[site["ward"]] += 1
            for device in site["devices"]:
                assert {uplink["to"] for uplink in device.get("uplinks", [])} <= aggregation
    assert len(committees) == 526 and set(committees.values()) == {1}
    # A seeded share of the wards has a party committee, a few have mass organizations.
    assert 0.8 * 526 < kinds["party_agency"] - 30 < 526
    assert 0 < kinds["mass_organization"] < 2 * 526


def test_sites_sit_a_few_hundred_metres_around_their_ward_inside_the_city(
        documents: dict[str, Any], legacy: AdminStructure) -> None:
    points = {unit.code: unit.coordinates for unit in legacy.units}
    for document in documents.values():
        for site in document["sites"]:
            where = site["coordinates"]
            assert HANOI_BOUNDS.contains(where["latitude"], where["longitude"])
            if "ward" in site:
                point = points[site["ward"]]
                assert point is not None
                metres = 111_000 * math.hypot(where["latitude"] - point.latitude,
                                              (where["longitude"] - point.longitude)
                                              * math.cos(math.radians(point.latitude)))
                assert metres < 500, (site["name"], metres)


def test_circuit_ids_are_unique_and_site_names_too_where_two_wards_share_a_name(documents: dict[str, Any]) -> None:
    sites = [site for document in documents.values() for site in document["sites"]]
    circuits = [(uplink["provider"], uplink["circuit_id"]) for site in sites for device in site["devices"]
                for uplink in device.get("uplinks", []) if "circuit_id" in uplink]
    assert len(circuits) == len(set(circuits)) > 2000
    names = Counter(site["name"] for site in sites)
    assert names.most_common(1)[0][1] == 1
    # Xã Tân Minh is a commune of Sóc Sơn and of Thường Tín.
    assert {"UBND xã Tân Minh, huyện Sóc Sơn", "UBND xã Tân Minh, huyện Thường Tín"} <= set(names)


def test_same_seed_same_bytes_another_seed_other_sites_same_units(
        files: dict[str, str], documents: dict[str, Any], legacy: AdminStructure, current: AdminStructure) -> None:
    assert real_city(legacy, current, seed=1) == files
    other = real_city(legacy, current, seed=2)
    assert other.keys() == files.keys()
    assert other[SMALL_DISTRICT] != files[SMALL_DISTRICT]
    assert [d["wards"] for d in districts_of(other).values()] == [d["wards"] for d in documents.values()]
    assert other["units/legacy.yml"] == files["units/legacy.yml"]


def test_only_hanoi_and_both_structures_in_order(legacy: AdminStructure, current: AdminStructure) -> None:
    with pytest.raises(ValueError, match="the legacy and the 2025 structure"):
        real_city(current, legacy, seed=1)
    with pytest.raises(ValueError, match=r"Hà Nội \(01\) only"):
        real_city(read_structure("48", Structure.LEGACY), current, seed=1)


def test_the_real_city_validates_with_no_problem(city: Path) -> None:
    network = load_network(city).network
    assert len(network.districts) == 30 and len(network.wards) == 526
    done = netops("validate", "--intent", str(city), "--json")
    assert done.returncode == 0, done.stdout[-2000:]
    counts = json.loads(done.stdout)["counts"]
    assert counts["districts"] == 30 and counts["wards"] == 526
    assert counts["sites"] == len(network.sites) > 1500


def test_the_units_files_are_the_bytes_units_import_writes(city: Path) -> None:
    for structure in ("legacy", "2025"):
        done = netops("units", "import", "--intent", str(city), "--structure", structure)
        assert done.returncode == 0, done.stderr
        assert done.stderr.rstrip().endswith("unchanged"), done.stderr
    assert netops("units", "diff", "--intent", str(city), "--structure", "legacy").returncode == 0


def test_the_whole_city_renders(city: Path, tmp_path: Path) -> None:
    out = tmp_path / "configs"
    done = netops("render", "--intent", str(city), "--out", str(out))
    assert done.returncode == 0, done.stderr[-2000:]
    configs = {path.stem for path in (out / "frr").glob("*.cfg")}
    assert configs == {device.name for device in load_network(city).network.devices}


def test_a_second_run_writes_nothing_and_real_refuses_synthetic_sizes(city: Path) -> None:
    again = netops("generate-city", "--real", "--out", str(city))
    assert again.returncode == 0 and "(0 written, 33 unchanged, 0 stale removed)" in again.stderr, again.stderr
    refused = netops("generate-city", "--real", "--out", str(city), "--districts", "3")
    assert refused.returncode == 2
    assert "--real takes its districts and wards from the dataset" in refused.stderr
    assert "found:    --real with --districts" in refused.stderr


def test_the_planner_report_of_the_whole_city(city: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    done = netops("report", "--intent", str(city), "--out", str(out))
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(list((out / "districts").glob("*.html"))) == 30


def test_a_ward_without_a_map_point_is_refused(legacy: AdminStructure, current: AdminStructure) -> None:
    units = [unit.model_copy(update={"coordinates": None}) if unit.code == "00091" else unit
             for unit in legacy.units]
    with pytest.raises(ValueError, match="district 003: the dataset gives no map point"):
        real_city(legacy.model_copy(update={"units": units}), current, seed=1)
