"""Analyses of the sample city against expectations worked out by hand from inventory/city: city.yml, the hubs in
areas/*.yml and the units' sites in communes/*.yml. A district in these reports is an aggregation area (its code,
001 Ba Đình, 002 Hoàn Kiếm, 017 Đông Anh); the unit sites belong to the area their uplinks reach."""

import pytest

from citynet_models.network import Network
from citynet_models.types import LifecycleStatus
from netops.analysis.addresses import addresses
from netops.analysis.policy import check_policy
from netops.analysis.redundancy import redundancy
from netops.analysis.rollout import rollout
from netops.analysis.whatif import UnknownElementError, scenario, single_failures
from netops.pipeline import load_network
from tests.conftest import REPO

EVERY_SERVICE = ("email", "document-management", "one-stop-shop", "portal", "population-db", "ntp", "syslog",
                 "monitoring", "dns", "dhcp", "video")
# Cụm Ba Đình: its hub and the sites of Phường Hồng Hà, Ba Đình, Ngọc Hà and Giảng Võ
BA_DINH = {"ubnd-quan-ba-dinh", "ubnd-phuong-phuc-xa", "dang-uy-phuong-phuc-xa", "ubnd-phuong-truc-bach",
           "ubnd-phuong-kim-ma", "uy-ban-mttq-phuong-kim-ma", "ubnd-phuong-giang-vo"}


@pytest.fixture(scope="module")
def network() -> Network:
    return load_network(REPO / "inventory" / "city").network


#: A rollout under way, as the sample claimed before statuses needed evidence (the sample is all planned now):
#: the report counts whatever statuses the sites have.
UNDER_WAY = {
    "dc-hanoi": "accepted", "so-thong-tin-va-truyen-thong-ha-noi": "accepted",
    "van-phong-ubnd-thanh-pho-ha-noi": "accepted", "van-phong-thanh-uy-ha-noi": "verified",
    "uy-ban-mttq-thanh-pho-ha-noi": "provisioned", "ubnd-quan-ba-dinh": "accepted", "ubnd-quan-hoan-kiem": "accepted",
    "ubnd-huyen-dong-anh": "accepted", "ubnd-phuong-truc-bach": "verified", "ubnd-phuong-kim-ma": "provisioned",
    "uy-ban-mttq-phuong-kim-ma": "staged", "ubnd-phuong-hang-trong": "accepted",
    "dang-uy-phuong-hang-trong": "accepted",
    "ubnd-phuong-ly-thai-to": "staged", "ubnd-phuong-hang-bac": "verified", "ubnd-phuong-trang-tien": "provisioned",
    "ubnd-phuong-phuc-xa": "accepted", "dang-uy-phuong-phuc-xa": "verified", "ubnd-thi-tran-dong-anh": "accepted",
    "dang-uy-xa-co-loa": "provisioned", "ubnd-xa-uy-no": "provisioned", "ubnd-xa-co-loa": "verified",
    "ubnd-xa-kim-chung": "staged",
}


def test_rollout(network: Network) -> None:
    assert {site.status.value for site in network.sites} == {"planned"}
    network = network.model_copy(update={"sites": tuple(
        site.model_copy(update={"status": LifecycleStatus(UNDER_WAY.get(site.slug, "planned"))})
        for site in network.sites)})
    report = rollout(network)
    rows = {r.key: r for r in report.districts}
    # city level: the data center, Sở TTTT and VP UBND accepted, VP Thành ủy verified, MTTQ provisioned
    assert rows["city"].counts == {"planned": 0, "staged": 0, "provisioned": 1, "verified": 1, "accepted": 3,
                                   "decommissioned": 0}
    # Ba Đình: Giảng Võ planned, MTTQ Ngọc Hà staged, UBND Ngọc Hà provisioned, UBND Ba Đình and Đảng ủy Hồng Hà
    # verified, the hub and UBND Hồng Hà accepted
    assert rows["001"].counts == {"planned": 1, "staged": 1, "provisioned": 1, "verified": 2, "accepted": 2,
                                  "decommissioned": 0}
    assert (rows["001"].done, rows["001"].done_percent) == (4, 57.1)
    # Đông Anh: the hub and UBND xã Đông Anh accepted, Cổ Loa verified; 4 of 7 not yet
    assert (rows["017"].total, rows["017"].done, rows["017"].done_percent) == (7, 3, 42.9)
    # Hoàn Kiếm: the hub, UBND and Đảng ủy phường Hoàn Kiếm accepted, Hàng Bạc verified
    assert (rows["002"].total, rows["002"].done) == (6, 4)
    assert (report.total.total, report.total.done) == (25, 15)
    assert [r.key for r in rollout(network, "002").districts] == ["002"]


def test_redundancy(network: Network) -> None:
    report = redundancy(network)
    at_risk = {g.district: {a.site for a in g.at_risk} for g in report.districts}
    assert at_risk["001"] == {"dang-uy-phuong-phuc-xa", "ubnd-phuong-truc-bach", "uy-ban-mttq-phuong-kim-ma",
                              "ubnd-phuong-giang-vo"}
    assert at_risk["city"] == set()  # the city-level sites all uplink to both cores
    assert at_risk["002"] == {"dang-uy-phuong-hang-trong", "ubnd-phuong-hang-bac", "ubnd-phuong-ly-thai-to"}
    assert at_risk["017"] == {"dang-uy-xa-co-loa", "ubnd-xa-uy-no", "ubnd-xa-co-loa", "ubnd-xa-hai-boi"}
    assert (report.sites, report.single_uplink) == (24, 11)  # every site but the data center
    district = {a.site: a for a in report.attachments}["ubnd-quan-ba-dinh"]
    # agg-01 and agg-02 each uplink to both cores; agg-02 -> agg-01 stays inside the site
    assert (district.uplinks, district.upstream_routers) == (4, ("dc-core-01", "dc-core-02"))
    assert not district.at_risk


@pytest.mark.parametrize(("failed", "cut"), [
    # the two single-homed sites that hang only on agg-02
    (["ba-dinh-agg-02"], {"dang-uy-phuong-phuc-xa", "ubnd-phuong-giang-vo"}),
    # the two hanging only on agg-01; the hub's own LANs fail over to agg-02 (VRRP)
    (["ba-dinh-agg-01"], {"ubnd-phuong-truc-bach", "uy-ban-mttq-phuong-kim-ma"}),
    (["ba-dinh-agg-01", "ba-dinh-agg-02"], BA_DINH),
    (["dong-anh-agg-02"], {"dang-uy-xa-co-loa", "ubnd-xa-uy-no", "ubnd-xa-hai-boi"}),
    (["dc-core-02"], set()),  # everything that uplinks to core-02 also uplinks to core-01
    (["dc-core-01"], set()),  # the firewalls and the city-level sites keep their uplinks to core-02
    (["ba-dinh-agg-01--ba-dinh-agg-02"], set()),
    (["dc-core-01--uy-ban-mttq-thanh-pho-ha-noi-r01"], set()),  # the city's MTTQ office: its Viettel circuit
    (["dc-core-01--uy-ban-mttq-thanh-pho-ha-noi-r01", "dc-core-02--uy-ban-mttq-thanh-pho-ha-noi-r01"],
     {"uy-ban-mttq-thanh-pho-ha-noi"}),
    (["ba-dinh-agg-01--ubnd-phuong-kim-ma-r01", "ba-dinh-agg-02--ubnd-phuong-kim-ma-r01"], {"ubnd-phuong-kim-ma"}),
])
def test_what_if_scenarios(network: Network, failed: list[str], cut: set[str]) -> None:
    impact = scenario(network, failed).impacts[0]
    assert {loss.site for loss in impact.losses} == cut
    # every service sits behind the firewall pair: a site cut from one is cut from all
    assert all(loss.services == EVERY_SERVICE for loss in impact.losses)


def test_what_if_all_single_failures(network: Network) -> None:
    report = single_failures(network)
    assert (report.routers, report.links) == (31, 52)
    by_element = {i.element: i for i in report.impacts}
    # the firewall pair routes the data-center LANs (VRRP across dc-fw-01 and dc-fw-02): losing either cuts nothing
    assert "dc-fw-01" not in by_element and "dc-fw-02" not in by_element
    assert report.impacts[0].element == "dong-anh-agg-02" and report.impacts[0].sites_cut == 3
    assert {loss.site for loss in by_element["ba-dinh-agg-02"].losses} == {"dang-uy-phuong-phuc-xa",
                                                                            "ubnd-phuong-giang-vo"}
    assert "dc-core-01" not in by_element and "dc-core-02" not in by_element
    # the routers that cut a site other than their own: the six aggregation routers (their single-homed unit
    # sites; never their hub, whose LANs have VRRP)
    assert report.spof_routers == 6 and report.spof_links == 0
    assert not any(loss.site.startswith("ubnd-quan-") or loss.site == "ubnd-huyen-dong-anh"
                   for i in report.impacts if i.kind == "router" and not i.own_site_only for loss in i.losses)
    # a single-homed site's uplink cuts only that site; 11 sites are single-homed
    assert sum(1 for i in report.impacts if i.kind == "link") == 11
    assert all(i.own_site_only for i in report.impacts if i.kind == "link")
    assert single_failures(network, naive=True).impacts == report.impacts


def test_what_if_unknown_element(network: Network) -> None:
    with pytest.raises(UnknownElementError) as error:
        scenario(network, ["ba-dinh-agg-3"])
    assert "ba-dinh-agg-01" in error.value.suggestions


def test_addresses(network: Network) -> None:
    report = addresses(network)
    pools = {p.name: p for p in report.pools}
    assert pools["loopbacks"].allocations == 31  # every router has one
    # links: 6 in the data center (the pair's four uplinks and its sync link), 8 city-site uplinks, 5 per hub (4 to
    # the cores, agg-02 -> agg-01), 23 access
    assert (pools["links"].allocations, pools["links"].used_addresses) == (52, 104)
    # ward-level (unit) sites: 6 in Ba Đình, 5 in Hoàn Kiếm, 6 in Đông Anh; a /9 holds 2^16 /25 blocks
    assert (pools["sites-ward"].allocations, pools["sites-ward"].free_units) == (17, 65536 - 17)
    assert pools["sites-district"].allocations == 3  # the three hubs, in their former district committees' blocks
    assert pools["sites-city"].allocations == 4
    # management: 31 devices plus the 16 reserved addresses and the broadcast
    assert pools["management"].used_addresses == 31 + 16 + 1
    lans = {(u.site, u.lan): u for u in report.lans}
    # 110 hosts in a /25: 125 addresses less the two VRRP members' own
    assert lans[("ubnd-quan-ba-dinh", "staff")].utilization == 89.43
    assert lans[("ubnd-quan-ba-dinh", "staff")].capacity == 123
    fullest = report.fullest_lans[0]
    assert (fullest.site, fullest.lan, fullest.hosts, fullest.capacity) == ("ubnd-quan-hoan-kiem", "camera", 27, 27)
    # free blocks add up with the used addresses to the whole pool
    for pool in report.pools:
        free = sum(count * 2 ** (32 - length) for length, count in pool.free_blocks.items())
        assert free + pool.used_addresses == pool.size


def test_policy(network: Network) -> None:
    report = check_policy(network)
    assert report.ok and not report.contradictions and report.unreachable_pairs == 0
    lans = {(v.site, v.lan): v for v in report.lans}
    staff = lans[("ubnd-phuong-phuc-xa", "staff")]
    assert {a.service for a in staff.allowed} == {"email", "document-management", "portal", "dns", "ntp", "dhcp",
                                                  "one-stop-shop", "population-db"}
    assert set(staff.denied) == {"syslog", "monitoring", "video"}
    assert staff.deny_rules == ("ward-isolation", "no-user-management-access") and staff.management == "denied"
    management = lans[("ubnd-phuong-phuc-xa", "management")]
    assert {a.service for a in management.allowed} == {"monitoring", "syslog", "ntp", "dns"}
    assert management.management == "allowed"
    guest = lans[("so-thong-tin-va-truyen-thong-ha-noi", "guest")]
    assert not guest.allowed and len(guest.denied) == 11
    assert guest.deny_rules == ("guest-isolation", "no-user-management-access")
    # party agency staff are no committee: no population database
    assert "population-db" in lans[("dang-uy-phuong-phuc-xa", "staff")].denied
    # the city has 68 LANs (13 at city level, 13 at the hubs, 42 at unit sites); the data center's two are no
    # policy source
    assert len(report.lans) == 68 - 2
