"""Cross-object checks that need more than one object: names as NetBox compares them, the uplink graph,
coordinates and the city's bounds, VRRP groups, HA pairs and design rules (on networks as another source, NetBox,
could hand them over: the resolver never builds these)."""

from ipaddress import IPv4Address
from pathlib import Path

import pytest
from pydantic import ValidationError

from citynet_models.checks import _design_rules, _ha_pairs, _uplink_graph, _vrrp_members, name_key, network_problems
from citynet_models.design_rules import AcceptedRisk, DesignPolicy, DualHomedRule, MaxSitesCutRule
from citynet_models.gateways import FirstHopRedundancy, HaPair
from citynet_models.intent import HANOI_BOUNDS, VIETNAM_BOUNDS, CityBounds, CityInfo
from citynet_models.lans import Lan
from citynet_models.links import LinkEndpoint, WanLink
from citynet_models.network import Network
from citynet_models.sites import Coordinates
from citynet_models.types import DisplayName, LifecycleStatus, LinkRole, SiteKind
from netops.pipeline import load_network
from tests.conftest import TESTS

BASE = TESTS / "intent" / "cases" / "base"


@pytest.fixture(scope="module")
def base() -> Network:
    return load_network(Path(BASE)).network


def _replace(net: Network, **update: object) -> Network:
    # Built without validation (the check under test is called on its own), and without model_copy, which
    # would carry over the indexes cached from the original.
    values = {name: getattr(net, name) for name in Network.model_fields}
    return Network.model_construct(**{**values, **update})


def _with_links(net: Network, *extra: WanLink) -> Network:
    return _replace(net, links=(*net.links, *extra))


def _link(upstream: str, downstream: str, number: int) -> WanLink:
    return WanLink(id=f"{upstream}--{downstream}", role=LinkRole.ACCESS,
                   upstream=LinkEndpoint(device=upstream, interface=f"eth{10 + number}"),
                   downstream=LinkEndpoint(device=downstream, interface=f"eth{20 + number}"),
                   prefix=f"10.192.255.{2 * number}/31", ospf_area=1, ospf_cost=10, circuit=None)


def test_base_has_no_uplink_problem(base: Network) -> None:
    # The data center's core pair uplinks within its own site: not a cycle.
    assert any(link.id == "dc-core-01--dc-core-02" for link in base.links)
    assert list(_uplink_graph(base)) == []


def test_a_loop_between_two_sites_is_reported_once(base: Network) -> None:
    net = _with_links(base, _link("ubnd-phuong-phuc-xa-r01", "ba-dinh-agg-01", 1))
    problems = list(_uplink_graph(net))
    assert [p.message for p in problems] == ["uplink cycle"]
    assert problems[0].path == ("links", "[ubnd-phuong-phuc-xa-r01--ba-dinh-agg-01]")
    assert problems[0].found is not None
    assert problems[0].found.startswith(
        "uplinks go round: ubnd-phuong-phuc-xa -> ubnd-quan-ba-dinh -> ubnd-phuong-phuc-xa")


def test_a_loop_through_three_sites_is_found(base: Network) -> None:
    net = _with_links(base, _link("ubnd-phuong-phuc-xa-r01", "ubnd-phuong-truc-bach-r01", 1),
                      _link("ubnd-phuong-truc-bach-r01", "dc-core-02", 2))
    problems = [p for p in _uplink_graph(net) if p.message == "uplink cycle"]
    assert len(problems) == 1
    assert problems[0].found is not None
    # The data center now hangs below a ward: dc -> ubnd-phuong-truc-bach -> ... -> dc. Every loop through
    # that uplink is broken by removing it, so one report is enough.
    loop = problems[0].found.removeprefix("uplinks go round: ").split(";")[0].split(" -> ")
    assert loop[0] == loop[-1] == "dc"
    assert loop[1] == "ubnd-phuong-truc-bach"
    assert problems[0].path == ("links", "[ubnd-phuong-truc-bach-r01--dc-core-02]")


def test_uplink_to_a_decommissioned_site(base: Network) -> None:
    sites = tuple(site.model_copy(update={"status": LifecycleStatus.DECOMMISSIONED})
                  if site.slug == "ubnd-quan-ba-dinh" else site for site in base.sites)
    net = _replace(base, sites=sites)
    problems = list(_uplink_graph(net))
    assert {p.path for p in problems} == {
        ("links", "[ba-dinh-agg-01--ubnd-phuong-phuc-xa-r01]", "upstream"),
        ("links", "[ba-dinh-agg-01--ubnd-phuong-truc-bach-r01]", "upstream"),
    }
    # The decommissioned site's own uplinks to the data center are no problem.
    assert all(p.message == "uplink to a decommissioned site" for p in problems)


def test_duplicates_name_the_first_object(base: Network) -> None:
    sites = list(base.sites)
    index = next(i for i, site in enumerate(sites) if site.slug == "ubnd-phuong-truc-bach")
    sites[index] = sites[index].model_copy(update={"name": "UBND PHƯỜNG PHÚC XÁ"})
    problems = [p for p in network_problems(_replace(base, sites=tuple(sites)))
                if p.message == "duplicate site name"]
    assert len(problems) == 1
    assert problems[0].path == ("sites", "[ubnd-phuong-truc-bach]", "name")
    assert problems[0].related == ("sites", "[ubnd-phuong-phuc-xa]", "name")


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("Phường Phúc Xá", "Phu\u031bo\u031b\u0300ng Phu\u0301c Xa\u0301", True),  # NFC and NFD
        ("UBND phường Phúc Xá", "UBND Phường  Phúc Xá", True),  # case and spacing
        ("Phường Phúc Xá", "Phường Phúc Xa", False),  # a diacritic is a different name
    ],
)
def test_name_key(first: str, second: str, same: bool) -> None:
    assert (name_key(first) == name_key(second)) is same


def test_display_names_are_stored_composed() -> None:
    from pydantic import TypeAdapter

    decomposed = "Phu\u031bo\u031b\u0300ng Phu\u0301c Xa\u0301"
    assert TypeAdapter(DisplayName).validate_python(decomposed) == "Phường Phúc Xá"


def test_swapped_coordinates_beyond_90_degrees() -> None:
    with pytest.raises(ValidationError, match="latitude and longitude look swapped"):
        Coordinates.model_validate({"latitude": 105.84, "longitude": 21.03})
    assert Coordinates.model_validate({"latitude": 21.03, "longitude": 105.84}).latitude == 21.03


def test_default_bounds_follow_the_city_code() -> None:
    assert CityInfo(code="01", name="Thành phố Hà Nội").effective_bounds() == HANOI_BOUNDS
    assert CityInfo(code="79", name="Thành phố Hồ Chí Minh").effective_bounds() == VIETNAM_BOUNDS
    assert HANOI_BOUNDS.contains(21.0285, 105.8542)  # Hoàn Kiếm lake
    assert not HANOI_BOUNDS.contains(10.7769, 106.7009)  # Sài Gòn
    assert VIETNAM_BOUNDS.contains(10.7769, 106.7009)
    assert VIETNAM_BOUNDS.contains(8.6447, 111.9203)  # Trường Sa
    given = CityBounds(south=10, west=106, north=11, east=107)
    assert CityInfo(code="79", name="Thành phố Hồ Chí Minh", bounds=given).effective_bounds() == given
    assert not CityBounds(south=11, west=106, north=10, east=107).ordered


def test_cross_district_uplink_is_accepted_when_stated(tmp_path: Path) -> None:
    from tests.conftest import materialize_overlay

    case = TESTS / "intent" / "cases" / "invalid" / "uplink-to-another-districts-aggregation"
    intent = materialize_overlay(BASE, case, tmp_path)
    district = intent / "districts" / "001-ba-dinh.yml"
    text = district.read_text()
    stated = text.replace("{to: hoan-kiem-agg-01, provider: vnpt, circuit_id: C-4, bandwidth_mbps: 100}",
                          "{to: hoan-kiem-agg-01, provider: vnpt, circuit_id: C-4, bandwidth_mbps: 100, "
                          "cross_district: true}")
    assert stated != text
    district.write_text(stated)
    network = load_network(intent).network
    link = next(link for link in network.links if link.downstream.device == "ubnd-phuong-truc-bach-r01")
    assert link.upstream.device == "hoan-kiem-agg-01"


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


def test_a_site_slug_too_long_for_its_vrrp_group_name_in_netbox_is_reported(base: Network) -> None:
    slug = "dc-" + "x" * 89  # 92 characters: '<slug> VLAN 100' is 101, one over NetBox's FHRP group name
    site = base.site_by_slug["dc"].model_copy(update={"slug": slug})
    net = _replace(base, sites=tuple(site if s.slug == "dc" else s for s in base.sites))
    problems = [p for p in _vrrp_members(net) if p.message.startswith("site slug too long")]
    assert [(p.found, p.hint) for p in problems] == [
        (f"101 characters: '{slug} VLAN 100'", "give the site a shorter `slug:`")]
    shorter = site.model_copy(update={"slug": slug[:-1]})
    net = _replace(base, sites=tuple(shorter if s.slug == "dc" else s for s in base.sites))
    assert not [p for p in _vrrp_members(net) if p.message.startswith("site slug too long")]
