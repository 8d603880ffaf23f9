"""Resolution goldens: each case's intent resolves to exactly its expected model."""

from pathlib import Path

import pytest

from netops.export import to_yaml
from netops.pipeline import load_network
from tests.conftest import TESTS, case_folders

CASES = TESTS / "resolve" / "cases"


@pytest.mark.parametrize("case", case_folders(CASES), ids=lambda p: p.name)
def test_resolution_matches_golden(case: Path, golden) -> None:  # type: ignore[no-untyped-def]
    resolution = load_network(case / "intent")
    golden(case / "expected.yml", to_yaml(resolution.network))


def test_explicit_values_are_honoured() -> None:
    network = load_network(CASES / "explicit-addresses" / "intent").network
    agg = network.device_by_name["ba-dinh-agg-01"]
    assert str(agg.loopback) == "10.252.100.1"
    assert str(agg.management.ip) == "10.248.100.1"
    uplink = next(i for i in agg.interfaces if i.name == "eth9")
    assert str(uplink.address) == "10.192.100.1/31"
    link = next(link for link in network.links if link.upstream.device == "dc-core-01"
                and link.downstream.device == "ba-dinh-agg-01")
    assert (link.upstream.interface, link.ospf_cost) == ("eth20", 50)
    staff = next(lan for lan in network.site_by_slug["ubnd-quan-ba-dinh"].lans if lan.role == "staff")
    assert (str(staff.prefix), staff.vlan, str(staff.gateway)) == ("10.128.200.0/24", 110, "10.128.200.254")
    ward_router = network.device_by_name["phuc-xa-r1"]
    assert ward_router.number == 2
    assert network.site_by_slug["ubnd-phuc-xa"].number == 3


def test_platform_interface_names() -> None:
    network = load_network(CASES / "platforms" / "intent").network
    cisco = network.device_by_name["hoan-kiem-agg-01"]
    huawei = network.device_by_name["hoan-kiem-agg-02"]
    assert {i.name for i in cisco.interfaces} >= {"Loopback0", "GigabitEthernet0", "GigabitEthernet0/0/1",
                                                   "GigabitEthernet0/0/0.10"}
    assert {i.name for i in huawei.interfaces} >= {"LoopBack0", "MEth0/0/0", "GigabitEthernet0/0/1"}
