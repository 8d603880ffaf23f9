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
from tests.conftest import REPO


@pytest.fixture(scope="module")
def network() -> Network:
    return load_network(REPO / "inventory" / "city").network


def slugs(network: Network, **filters: object) -> set[str]:
    return {row["slug"] for row in query(network, Entity.SITES, QueryFilters(**filters)).rows}  # type: ignore[arg-type]


def test_site_filters(network: Network) -> None:
    assert len(slugs(network, districts=("ba-dinh",))) == 8
    assert slugs(network, redundancy=Redundancy.SINGLE_HOMED, statuses=(LifecycleStatus.ACCEPTED,)) == \
        {"dang-uy-phuong-hang-trong"}
    assert slugs(network, wards=("00028",)) == {"ubnd-phuong-kim-ma", "uy-ban-mttq-phuong-kim-ma"}
    assert slugs(network, districts=("017",), kinds=(SiteKind.PARTY_AGENCY,)) == {"huyen-uy-dong-anh",
                                                                                   "dang-uy-xa-co-loa"}


def test_circuit_filters_on_sites_need_one_circuit_matching_all(network: Network) -> None:
    # VNPT circuits of 50 Mbit/s or less: Cổ Loa, Hội Nông dân Đông Anh, Hải Bối
    assert slugs(network, providers=("vnpt",), max_bandwidth=50) == {"ubnd-xa-co-loa", "hoi-nong-dan-huyen-dong-anh",
                                                                      "ubnd-xa-hai-boi"}
    # VP UBND has VNPT 1000 and FPT 500: no VNPT circuit of at most 500, but an FPT one
    assert slugs(network, kinds=(SiteKind.CITY_AGENCY,), providers=("vnpt",), max_bandwidth=500) == set()
    assert slugs(network, kinds=(SiteKind.CITY_AGENCY,), providers=("FPT Telecom",), max_bandwidth=500) == \
        {"van-phong-ubnd-thanh-pho-ha-noi"}


def test_devices_and_circuits(network: Network) -> None:
    aggregation = query(network, Entity.DEVICES, QueryFilters(roles=(DeviceRole.AGGREGATION,)))
    assert aggregation.count == 6
    fpt = query(network, Entity.CIRCUITS, QueryFilters(providers=("fpt",)))
    assert fpt.count == 8 and fpt.totals.bandwidth_mbps == 500 + 200 + 50 + 50 + 100 + 50 + 100 + 100
    # circuits with an aggregation router at one end in Ba Đình: 4 backbone + 10 access (agg-agg has no circuit)
    ba_dinh = query(network, Entity.CIRCUITS, QueryFilters(districts=("001",), roles=(DeviceRole.AGGREGATION,)))
    assert ba_dinh.count == 14


def test_totals(network: Network) -> None:
    everything = totals(network, QueryFilters())
    assert (everything.sites, everything.devices, everything.circuits) == (30, 35, 50)
    by_provider = {row["provider"]: (row["circuits"], row["bandwidth_mbps"]) for row in everything.by_provider}
    assert by_provider["fpt"] == (8, 1150)
    assert sum(c for c, _ in by_provider.values()) == 50
    grouped = {row["district"]: row for row in totals(network, QueryFilters(), GroupBy.DISTRICT).groups}
    assert grouped["001"]["sites"] == 8 and grouped["city"]["sites"] == 5


def test_unknown_filter_values(network: Network) -> None:
    with pytest.raises(FilterError):
        query(network, Entity.SITES, QueryFilters(districts=("hai-phong",)))
    with pytest.raises(FilterError):
        query(network, Entity.SITES, QueryFilters(providers=("mobifone",)))


def test_cli_formats_and_errors() -> None:
    code, stdout, _ = run(["query", "circuits", "--provider", "fpt", "--format", "csv"])
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(stdout)))
    assert len(rows) == 8 and {r["provider"] for r in rows} == {"fpt"}
    code, stdout, _ = run(["query", "sites", "--district", "001", "--json"])
    assert code == 0 and json.loads(stdout)["count"] == 8
    code, stdout, _ = run(["query", "sites", "--district", "001"])
    assert code == 0 and "sites (8)" in stdout and "totals: 8 sites" in stdout
    code, _, stderr = run(["query", "sites", "--district", "hai-phong"])
    assert code == 2 and "unknown district" in stderr
    assert run(["query", "sites", "--status", "done"])[0] == 2  # not a lifecycle status


def test_cli_source_netbox_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    # Nothing listens on port 9 of the loopback: reading the model from NetBox fails at once, clearly.
    monkeypatch.setenv("NETBOX_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("NETBOX_TOKEN", "nbt_unused.unused")
    code, stdout, stderr = run(["query", "sites", "--source", "netbox"])
    assert code == 3 and "not reachable" in stderr and "nbt_unused" not in stdout + stderr  # 3: a service
