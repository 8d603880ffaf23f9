"""Cross-object checks of VRRP groups, HA pairs and design rules, on networks as another source (NetBox) could
hand them over: the resolver never builds these, so the checks are called on hand-made variants of the base."""

from ipaddress import IPv4Address
from pathlib import Path

import pytest

from citynet_models.checks import _design_rules, _ha_pairs, _vrrp_members
from citynet_models.design_rules import AcceptedRisk, DesignPolicy, DualHomedRule, MaxSitesCutRule
from citynet_models.gateways import FirstHopRedundancy, HaPair
from citynet_models.lans import Lan
from citynet_models.network import Network
from citynet_models.types import SiteKind
from netops.pipeline import load_network
from tests.conftest import TESTS

BASE = TESTS / "intent" / "cases" / "base"


@pytest.fixture(scope="module")
def base() -> Network:
    return load_network(Path(BASE)).network


def _replace(net: Network, **update: object) -> Network:
    values = {name: getattr(net, name) for name in Network.model_fields}
    return Network.model_construct(**{**values, **update})


def _servers(net: Network) -> Lan:
    return next(lan for lan in net.site_by_slug["dc"].lans if lan.name == "servers")


def _with_servers_group(net: Network, group: FirstHopRedundancy) -> Network:
    site = net.site_by_slug["dc"]
    lans = tuple(lan.model_copy(update={"redundancy": group}) if lan.name == "servers" else lan for lan in site.lans)
    sites = tuple(s.model_copy(update={"lans": lans}) if s.slug == "dc" else s for s in net.sites)
    return _replace(net, sites=sites)


def _member(group: FirstHopRedundancy, position: int, **update: object) -> FirstHopRedundancy:
    members = list(group.members)
    members[position] = members[position].model_copy(update=update)
    return group.model_copy(update={"members": tuple(members)})


def test_the_base_servers_lan_is_a_vrrp_group_of_the_two_cores(base: Network) -> None:
    group = _servers(base).redundancy
    assert group is not None and [m.device for m in group.members] == ["dc-core-01", "dc-core-02"]
    assert list(_vrrp_members(base)) == [] and list(_ha_pairs(base)) == [] and list(_design_rules(base)) == []


def test_a_member_of_another_site_is_reported(base: Network) -> None:
    group = _servers(base).redundancy
    assert group is not None
    problems = list(_vrrp_members(_with_servers_group(base, _member(group, 1, device="ba-dinh-agg-01"))))
    assert [(p.message, p.found) for p in problems] == [
        ("VRRP member is not a router of the LAN's site", "'ba-dinh-agg-01' of site ubnd-quan-ba-dinh")]
    assert problems[0].path[-1] == "[ba-dinh-agg-01]"


def test_a_member_whose_interface_lacks_its_own_address_is_reported(base: Network) -> None:
    group = _servers(base).redundancy
    assert group is not None
    problems = list(_vrrp_members(_with_servers_group(base, _member(group, 1, address=IPv4Address("10.145.1.200")))))
    assert [p.message for p in problems] == ["VRRP member has no interface on the LAN with its own address"]
    assert problems[0].found == "eth0.100 10.145.1.253/24"


def test_tracking_an_interface_the_member_lacks_is_reported(base: Network) -> None:
    group = _servers(base).redundancy
    assert group is not None and group.members[1].track
    track = (group.members[1].track[0].model_copy(update={"interface": "eth9"}),)
    problems = list(_vrrp_members(_with_servers_group(base, _member(group, 1, track=track))))
    assert [(p.message, p.found) for p in problems] == [
        ("VRRP member tracks an interface it does not have", "'eth9'")]


def test_a_group_synchronised_with_an_unknown_pair_is_reported(base: Network) -> None:
    group = _servers(base).redundancy
    assert group is not None
    problems = list(_vrrp_members(_with_servers_group(base, group.model_copy(update={"sync_group": "dc-fw"}))))
    assert [p.message for p in problems] == ["VRRP group synchronised with another pair"]


def test_a_pair_needs_its_sync_link_and_devices_of_its_site(base: Network) -> None:
    good = HaPair(name="dc-core", site="dc", members=("dc-core-01", "dc-core-02"),
                  sync_link="dc-core-01--dc-core-02")
    assert list(_ha_pairs(_replace(base, ha_pairs=(good,)))) == []
    wrong_link = good.model_copy(update={"sync_link": "dc-core-01--ba-dinh-agg-01"})
    assert [p.message for p in _ha_pairs(_replace(base, ha_pairs=(wrong_link,)))] == ["HA pair without a sync link"]
    other_site = good.model_copy(update={"members": ("dc-core-01", "ba-dinh-agg-01")})
    messages = [p.message for p in _ha_pairs(_replace(base, ha_pairs=(other_site,)))]
    assert messages == ["HA pair member is not a device of the site", "HA pair without a sync link"]
    twice = good.model_copy(update={"name": "dc-core-again"})
    assert [p.message for p in _ha_pairs(_replace(base, ha_pairs=(good, twice)))] == ["device in two HA pairs"] * 2


def test_design_rules_and_risks_name_what_exists(base: Network) -> None:
    rules = (MaxSitesCutRule(name="cut", kind="max_sites_cut", max_sites=1, services=("email", "mail")),
             DualHomedRule(name="dual", kind="dual_homed", site_kinds=(SiteKind.HUB, SiteKind.WARD_COMMITTEE)))
    risks = (AcceptedRisk(sites=("ubnd-phuong-*",), rules=("cut", "dual-homed"), reason="phường một đường"),
             AcceptedRisk(sites=("ubnd-phuong-*",), site_kinds=(SiteKind.PARTY_AGENCY,), reason="không có"))
    problems = list(_design_rules(_replace(base, design=DesignPolicy(rules=rules, accepted_risks=risks))))
    assert [(p.message, p.found) for p in problems] == [
        ("design rule names an unknown service", "'mail'"),
        ("design rule names a site kind the city has not", "'hub'"),
        ("accepted risk names an unknown rule", "'dual-homed'"),
        ("accepted risk matches no site", "'ubnd-phuong-*'"),
    ]
