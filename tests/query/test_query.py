"""`netops query` on the sample city against expectations worked out by hand from inventory/city/*.yml."""

import csv
import io
import json

import pytest

from citynet_models.network import Network
from citynet_models.types import DeviceRole, LifecycleStatus, Redundancy, SiteKind
from netops.pipeline import load_network
from netops.query.engine import Entity, FilterError, GroupBy, QueryFilters, query, totals
from tests.analysis.commands import run
from tests.conftest import LEGACY_SAMPLE, REPO


@pytest.fixture(scope="module")
def network() -> Network:
    return load_network(REPO / "inventory" / "city").network


def slugs(network: Network, **filters: object) -> set[str]:
    return {row["slug"] for row in query(network, Entity.SITES, QueryFilters(**filters)).rows}  # type: ignore[arg-type]


def test_site_filters(network: Network) -> None:
    # A district selector names an area in the 2025 sample: Cụm Ba Đình's hub and its 6 unit sites
    assert len(slugs(network, districts=("ba-dinh",))) == 7
    # No site of the sample has rollout evidence (docs/lifecycle.md): every one is planned, none accepted
    single_homed = slugs(network, redundancy=Redundancy.SINGLE_HOMED)
    assert len(single_homed) == 11
    assert slugs(network, redundancy=Redundancy.SINGLE_HOMED, statuses=(LifecycleStatus.PLANNED,)) == single_homed
    assert slugs(network, statuses=(LifecycleStatus.ACCEPTED, LifecycleStatus.VERIFIED)) == set()
    # A ward selector names a unit: Phường Ngọc Hà 00008 (communes/00008-ngoc-ha.yml)
    assert slugs(network, wards=("00008",)) == {"ubnd-phuong-kim-ma", "uy-ban-mttq-phuong-kim-ma"}
    # Đông Anh's district party committee was retired with the district: only Đảng ủy xã Đông Anh is left
    assert slugs(network, districts=("017",), kinds=(SiteKind.PARTY_AGENCY,)) == {"dang-uy-xa-co-loa"}


def test_circuit_filters_on_sites_need_one_circuit_matching_all(network: Network) -> None:
    # VNPT circuits of 50 Mbit/s or less: the public-service point Cổ Loa and UBND xã Vĩnh Thanh (ex Hải Bối)
    assert slugs(network, providers=("vnpt",), max_bandwidth=50) == {"ubnd-xa-co-loa", "ubnd-xa-hai-boi"}
    # VP UBND has VNPT 1000 and FPT 500: no VNPT circuit of at most 500, but an FPT one
    assert slugs(network, kinds=(SiteKind.CITY_AGENCY,), providers=("vnpt",), max_bandwidth=500) == set()
    assert slugs(network, kinds=(SiteKind.CITY_AGENCY,), providers=("FPT Telecom",), max_bandwidth=500) == \
        {"van-phong-ubnd-thanh-pho-ha-noi"}


def test_devices_and_circuits(network: Network) -> None:
    aggregation = query(network, Entity.DEVICES, QueryFilters(roles=(DeviceRole.AGGREGATION,)))
    assert aggregation.count == 6
    fpt = query(network, Entity.CIRCUITS, QueryFilters(providers=("fpt",)))
    # VP UBND 500, MTTQ city 200, MTTQ Ngọc Hà 50, Đảng ủy Hoàn Kiếm 50, Lý Thái Tổ 100, Đảng ủy Hồng Hà 50,
    # UBND xã Thiên Lộc 100
    assert fpt.count == 7 and fpt.totals.bandwidth_mbps == 500 + 200 + 50 + 50 + 100 + 50 + 100
    # circuits with an aggregation router at one end in Ba Đình: 4 backbone + 8 access (Ba Đình 1, Ngọc Hà 2 + 1,
    # Giảng Võ 1, Hồng Hà 2 + 1; agg-agg has no circuit)
    ba_dinh = query(network, Entity.CIRCUITS, QueryFilters(districts=("001",), roles=(DeviceRole.AGGREGATION,)))
    assert ba_dinh.count == 12


def test_totals(network: Network) -> None:
    everything = totals(network, QueryFilters())
    # circuits: 8 of the city-level sites, 12 of the hubs' aggregation routers, 23 of the unit sites
    assert (everything.sites, everything.devices, everything.circuits) == (25, 31, 43)
    by_provider = {row["provider"]: (row["circuits"], row["bandwidth_mbps"]) for row in everything.by_provider}
    assert by_provider["fpt"] == (7, 1050)
    assert sum(c for c, _ in by_provider.values()) == 43
    grouped = {row["area"]: row for row in totals(network, QueryFilters(), GroupBy.AREA).groups}
    assert grouped["001"]["sites"] == 7 and grouped["city"]["sites"] == 5
    # a 2025 intent has no districts: --by district names its areas, in its own words
    assert totals(network, QueryFilters(), GroupBy.DISTRICT).groups == totals(network, QueryFilters(),
                                                                              GroupBy.AREA).groups


def test_rows_speak_the_words_of_the_intent(network: Network) -> None:
    """A 2025 intent's rows say area and unit; a legacy one's district and ward, for the same sites."""
    legacy = load_network(LEGACY_SAMPLE).network
    row = query(network, Entity.SITES, QueryFilters(wards=("00454",))).rows[0]
    assert {"area", "unit"} <= row.keys() and not {"district", "ward"} & row.keys()
    old = query(legacy, Entity.SITES, QueryFilters()).rows[0]
    assert {"district", "ward"} <= old.keys() and not {"area", "unit"} & old.keys()
    by_ward = totals(legacy, QueryFilters(), GroupBy.UNIT)
    assert by_ward.group_by == "ward" and all("ward" in g for g in by_ward.groups)


def test_unknown_filter_values(network: Network) -> None:
    with pytest.raises(FilterError):
        query(network, Entity.SITES, QueryFilters(districts=("hai-phong",)))
    with pytest.raises(FilterError):
        query(network, Entity.SITES, QueryFilters(providers=("mobifone",)))


def test_cli_formats_and_errors() -> None:
    code, stdout, _ = run(["query", "circuits", "--provider", "fpt", "--format", "csv"])
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(stdout)))
    assert len(rows) == 7 and {r["provider"] for r in rows} == {"fpt"}
    code, stdout, _ = run(["query", "sites", "--district", "001", "--json"])
    assert code == 0 and json.loads(stdout)["count"] == 7
    code, stdout, _ = run(["query", "sites", "--district", "001"])
    assert code == 0 and "sites (7)" in stdout and "totals: 7 sites" in stdout
    code, _, stderr = run(["query", "sites", "--district", "hai-phong"])
    assert code == 2 and "unknown area" in stderr  # the 2025 sample's districts are its aggregation areas
    code, _, stderr = run(["query", "sites", "--intent", str(LEGACY_SAMPLE), "--district", "hai-phong"])
    assert code == 2 and "unknown district" in stderr
    assert run(["query", "sites", "--status", "done"])[0] == 2  # not a lifecycle status


def test_cli_source_netbox_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    # Nothing listens on port 9 of the loopback: reading the model from NetBox fails at once, clearly.
    monkeypatch.setenv("NETBOX_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("NETBOX_TOKEN", "nbt_unused.unused")
    code, stdout, stderr = run(["query", "sites", "--source", "netbox"])
    assert code == 3 and "not reachable" in stderr and "nbt_unused" not in stdout + stderr  # 3: a service
