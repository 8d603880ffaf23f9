"""`netops generate-city --real`: the real Hà Nội from the dataset, whole, valid, renderable, in the legacy and in
the 2025 structure."""

import json
import math
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from citynet_models.intent import HANOI_BOUNDS
from citynet_models.units import AdminStructure, Structure
from netops.generate import HANOI, real_city, real_city_2025
from netops.pipeline import load_network
from netops.reorganize.policy import ReorganizePolicy
from netops.units.dataset import read_structure
from tests.allocations.city import site_facts
from tests.conftest import LEGACY_SAMPLE, REPO, TESTS
from tests.output_tree import netops
from tests.test_generate_design import sample_design, without_descriptions

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


def test_the_real_city_validates_with_no_problem_and_holds_its_design_rules(city: Path) -> None:
    network = load_network(city).network
    assert len(network.districts) == 30 and len(network.wards) == 526
    done = netops("validate", "--strict-design", "--intent", str(city), "--json")
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


@pytest.fixture(scope="module")
def city_2025(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real city in the 2025 structure as the command writes it (the same seed as ``city``)."""
    out = tmp_path_factory.mktemp("real-2025") / "city"
    done = netops("generate-city", "--real", "--structure", "2025", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "160 files (160 written, 0 unchanged, 0 stale removed)" in done.stderr
    return out


def committees_by_unit(intent: Path) -> dict[str, list[dict[str, Any]]]:
    """Each unit file's code -> its People's Committee sites."""
    found = {}
    for path in sorted((intent / "communes").glob("*.yml")):
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        found[document["unit"]["code"]] = [site for site in document["sites"] if site["kind"] == "ward_committee"]
    return found


def test_2025_every_one_of_the_126_units_has_its_file_and_one_committee(
        city_2025: Path, current: AdminStructure) -> None:
    assert not (city_2025 / "districts").exists()
    assert len(list((city_2025 / "areas").glob("*.yml"))) == 30
    committees = committees_by_unit(city_2025)
    assert sorted(committees) == sorted(unit.code for unit in current.units) and len(committees) == 126
    assert {code: len(sites) for code, sites in committees.items() if len(sites) != 1} == {}
    assert not [sites[0]["name"] for sites in committees.values() if sites[0].get("status") == "decommissioned"]


def test_2025_validates_holds_its_design_rules_and_its_record_is_up_to_date(city_2025: Path) -> None:
    done = netops("validate", "--strict-design", "--intent", str(city_2025), "--json")
    assert done.returncode == 0, done.stdout[-2000:]
    counts = json.loads(done.stdout)["counts"]
    assert counts["areas"] == 30 and counts["units"] == 126 and counts["sites"] > 1500
    check = netops("allocations", "update", "--check", "--intent", str(city_2025))
    assert check.returncode == 0 and "up to date (1665 sites)" in check.stderr, check.stdout[-2000:] + check.stderr


def test_2025_every_surviving_site_keeps_its_addresses_links_and_circuits(city: Path, city_2025: Path) -> None:
    before, after = load_network(city).network, load_network(city_2025).network
    surviving = sorted(set(before.site_by_slug) & set(after.site_by_slug))
    # The retired ones: each district's party committee (districts are dissolved).
    assert len(before.sites) - len(surviving) == 30 and len(after.sites) == len(surviving)
    retired = {device.name for device in before.devices if device.site not in after.site_by_slug}

    def kept(facts: dict[str, Any]) -> dict[str, Any]:
        # A hub's links to the retired party committee go with it; everything else stays as it was.
        return {**facts, "links": [link for link in facts["links"] if link[2] not in retired]}

    changed = [slug for slug in surviving if kept(site_facts(before, slug)) != site_facts(after, slug)]
    assert changed == []
    hubs = [site.slug for site in after.sites if site.kind == "hub"]
    assert len(hubs) == 30 and all(kept(site_facts(before, hub)) != site_facts(before, hub) for hub in hubs)


def test_2025_renders_and_reports(city_2025: Path, tmp_path: Path) -> None:
    done = netops("render", "--intent", str(city_2025), "--out", str(tmp_path / "configs"))
    assert done.returncode == 0, done.stderr[-2000:]
    configs = {path.stem for path in (tmp_path / "configs" / "frr").glob("*.cfg")}
    resolution = load_network(city_2025)
    # The offices the reorganization decommissioned are out of the running network: no config of theirs.
    assert configs == {device.name for device in resolution.running.devices}
    assert len(resolution.running.devices) < len(resolution.network.devices)
    report = netops("report", "--intent", str(city_2025), "--out", str(tmp_path / "report"))
    assert report.returncode == 0, report.stderr[-2000:]


def test_2025_a_second_run_writes_nothing_and_only_the_real_city_has_the_2025_structure(city_2025: Path) -> None:
    again = netops("generate-city", "--real", "--structure", "2025", "--out", str(city_2025))
    assert again.returncode == 0 and "(0 written, 160 unchanged, 0 stale removed)" in again.stderr, again.stderr
    refused = netops("generate-city", "--structure", "2025", "--out", str(city_2025))
    assert refused.returncode == 2
    assert "only the real city comes in the 2025 structure" in refused.stderr


def test_2025_a_unit_no_committee_reaches_gets_one_homed_to_its_area_hub(
        legacy: AdminStructure, current: AdminStructure, tmp_path: Path) -> None:
    # The default policy sends the split Phường Yên Sở (00340) to Hoàng Mai (00331): no committee reaches 00340,
    # whose first three site numbers the legacy ward's sites keep (seed 2 gives it three).
    files = real_city_2025(legacy, current, seed=2, policy=ReorganizePolicy())
    document = yaml.load(files["communes/00340-yen-so.yml"], Loader=yaml.CSafeLoader)
    assert [site["slug"] for site in document["sites"]] == ["phuong-yen-so-00340"]
    site = document["sites"][0]
    assert (site["name"], site["kind"], site["number"]) == ("UBND phường Yên Sở", "ward_committee", 3)
    point = current.unit("00340").coordinates  # type: ignore[union-attr]
    assert point is not None and abs(site["coordinates"]["latitude"] - point.latitude) < 0.004
    assert {uplink["to"] for device in site["devices"] for uplink in device.get("uplinks", [])} <= {
        "hoang-mai-agg-01", "hoang-mai-agg-02"}
    assert "  phuong-yen-so-00340: {key: ward/00340/3, ports: {" in files["allocations.yml"]
    intent = tmp_path / "city"
    for relative, text in files.items():
        (intent / relative).parent.mkdir(parents=True, exist_ok=True)
        (intent / relative).write_text(text, encoding="utf-8")
    assert load_network(intent).allocations is not None
    assert real_city_2025(legacy, current, seed=2, policy=ReorganizePolicy()) == files


def test_both_structures_follow_the_sample_city_s_design(city: Path, city_2025: Path) -> None:
    """The legacy city has the legacy sample's rules; reorganized, they name the hubs and the public-service points
    exactly as the sample city (in the 2025 structure) does. Both have the firewall pair."""
    def design(intent: Path) -> Any:
        return yaml.load((intent / "city.yml").read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)["design"]

    for generated, sample in ((city, LEGACY_SAMPLE), (city_2025, REPO / "inventory" / "city")):
        assert without_descriptions(design(generated)) == sample_design(sample / "city.yml")
    for intent in (city, city_2025):
        (pair,) = load_network(intent).network.ha_pairs
        assert pair.members == ("dc-fw-01", "dc-fw-02")
