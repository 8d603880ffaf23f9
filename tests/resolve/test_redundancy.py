"""VRRP groups and HA pairs as the resolver makes them: addresses that never move, masters and priorities from
intent, uplink tracking that hands mastership on only when every uplink is gone."""

import shutil
from pathlib import Path

import pytest

from citynet_models.gateways import FirstHopRedundancy
from citynet_models.network import Network
from netops.pipeline import load_network
from tests.conftest import TESTS

BASE = TESTS / "intent" / "cases" / "base"
SAMPLE = Path(__file__).resolve().parents[2] / "inventory" / "city"


@pytest.fixture(scope="module")
def sample() -> Network:
    return load_network(SAMPLE).network


def _copy(tmp_path: Path) -> Path:
    intent = tmp_path / "intent"
    shutil.copytree(BASE, intent)
    return intent


def _group(network: Network, site: str, lan: str) -> FirstHopRedundancy:
    group = next(one for one in network.site_by_slug[site].lans if one.name == lan).redundancy
    assert group is not None
    return group


def test_every_hub_lan_and_every_lan_behind_the_firewall_pair_has_a_group(sample: Network) -> None:
    for site in sample.sites:
        for lan in site.lans:
            routers = len(lan.gateway_devices)
            if site.kind == "hub" or site.kind == "data_center":
                assert lan.redundancy is not None, (site.slug, lan.name)
                assert routers == 2
            else:
                assert lan.redundancy is None and routers == 1, (site.slug, lan.name)
    assert [(pair.name, pair.members, pair.sync_link) for pair in sample.ha_pairs] == [
        ("dc-fw", ("dc-fw-01", "dc-fw-02"), "dc-fw-01--dc-fw-02")]
    servers = _group(sample, "dc-hanoi", "servers")
    assert servers.sync_group == "dc-fw" and servers.preempt is False  # the pair's own preemption


def test_addresses_follow_the_device_number_from_the_top_of_the_prefix(sample: Network) -> None:
    staff = _group(sample, "ubnd-quan-ba-dinh", "staff")
    assert str(staff.virtual_address) == "10.128.4.1"  # the LAN's gateway, as before the group
    assert [(m.device, str(m.address), m.priority) for m in staff.members] == [
        ("ba-dinh-agg-01", "10.128.4.126", 110), ("ba-dinh-agg-02", "10.128.4.125", 100)]
    assert staff.group == 10  # the VLAN id
    interfaces = {(d.name, i.name): str(i.address) for d in sample.devices for i in d.interfaces if i.kind == "lan"}
    assert interfaces[("ba-dinh-agg-01", "eth0.10")] == "10.128.4.126/25"
    assert interfaces[("ba-dinh-agg-02", "eth0.10")] == "10.128.4.125/25"


@pytest.mark.parametrize("group", [("ubnd-quan-hoan-kiem", "staff"), ("dc-hanoi", "servers")])
def test_only_losing_every_uplink_hands_mastership_on(sample: Network, group: tuple[str, str]) -> None:
    vrrp = _group(sample, *group)
    for member, after in zip(vrrp.members, vrrp.members[1:], strict=False):
        assert member.track, member.device
        decrements = [t.decrement for t in member.track]
        assert member.priority - sum(decrements[:-1]) > after.priority  # all but one uplink lost: still master
        assert member.priority - sum(decrements) < after.priority  # every uplink lost: the next one takes over
    interfaces = {i.name for i in sample.device_by_name[vrrp.members[0].device].interfaces if i.kind == "wan"}
    assert {t.interface for t in vrrp.members[0].track} <= interfaces


def test_adding_a_router_to_a_site_moves_no_address(tmp_path: Path) -> None:
    intent = _copy(tmp_path)
    before = load_network(intent).network
    district = intent / "districts" / "001-ba-dinh.yml"
    text = district.read_text(encoding="utf-8")
    district.write_text(text.replace(
        "    lans:\n      - {role: staff, hosts: 50}",
        "      - name: ba-dinh-agg-02\n        role: aggregation\n        uplinks:\n"
        "          - {to: dc-core-02, provider: vnpt, circuit_id: C-9, bandwidth_mbps: 1000}\n"
        "          - {to: ba-dinh-agg-01}\n"
        "    lans:\n      - {role: staff, hosts: 50}", 1), encoding="utf-8")
    after = load_network(intent).network
    lan_before = next(lan for lan in before.site_by_slug["ubnd-quan-ba-dinh"].lans if lan.name == "staff")
    lan_after = next(lan for lan in after.site_by_slug["ubnd-quan-ba-dinh"].lans if lan.name == "staff")
    assert lan_before.redundancy is None and lan_after.redundancy is not None
    assert (lan_after.prefix, lan_after.gateway) == (lan_before.prefix, lan_before.gateway)
    assert [str(m.address) for m in lan_after.redundancy.members] == ["10.128.4.126", "10.128.4.125"]
    # the servers LAN's group keeps its members' addresses: nothing else moved
    assert _group(after, "dc", "servers") == _group(before, "dc", "servers")


def test_priority_of_makes_another_member_master(tmp_path: Path) -> None:
    intent = _copy(tmp_path)
    city = intent / "city.yml"
    city.write_text(city.read_text(encoding="utf-8").replace(
        "{name: servers, role: servers, vlan: 100, prefix: 10.145.1.0/24, gateway_device: dc-core-01}",
        "{name: servers, role: servers, vlan: 100, prefix: 10.145.1.0/24,\n"
        "         vrrp: {priority_of: {dc-core-02: 120}, preempt: false, advertisement_interval_ms: 500}}"),
        encoding="utf-8")
    network = load_network(intent).network
    lan = next(one for one in network.site_by_slug["dc"].lans if one.name == "servers")
    assert lan.redundancy is not None and lan.gateway_device == "dc-core-02"
    assert [(m.device, m.priority, str(m.address)) for m in lan.redundancy.members] == [
        ("dc-core-02", 120, "10.145.1.253"), ("dc-core-01", 110, "10.145.1.254")]
    assert (lan.redundancy.preempt, lan.redundancy.advertisement_interval_ms) == (False, 500)


def test_redundancy_none_keeps_one_gateway(tmp_path: Path) -> None:
    intent = _copy(tmp_path)
    city = intent / "city.yml"
    city.write_text(city.read_text(encoding="utf-8").replace(
        "gateway_device: dc-core-01}", "gateway_device: dc-core-01, redundancy: none}"), encoding="utf-8")
    network = load_network(intent).network
    lan = next(one for one in network.site_by_slug["dc"].lans if one.name == "servers")
    assert lan.redundancy is None and lan.gateway_devices == ("dc-core-01",)
    lan_interfaces = [(d.name, str(i.address)) for d in network.devices for i in d.interfaces
                      if i.kind == "lan" and i.vlan == 100]
    assert lan_interfaces == [("dc-core-01", "10.145.1.1/24")]
