"""Design rules judged against the sample city, with and without VRRP and a firewall pair laid on
(tests.analysis.networks): each rule kind passing and failing, accepted risks covering breaks or not, and the
failures that still cut sites. Expectations are worked out by hand from the sample's uplinks and circuits."""

from typing import Any

import pytest

from citynet_models.gateways import HaPair
from citynet_models.network import Network
from netops.analysis.design import DesignReport, RuleResult, evaluate_design
from tests.analysis.networks import with_design, with_vrrp
from tests.analysis.test_whatif_redundancy import DC, HUBS

UNIT_KINDS = ["ward_committee", "party_agency", "mass_organization", "public_service_point"]
#: The risk the sample city accepts: its single-homed unit sites at ward level.
SINGLE_HOMED_UNITS = {"sites": ["*"], "site_kinds": UNIT_KINDS, "levels": ["ward"], "reason": "single-homed unit sites",
                      "accepted_by": "Sở TTTT", "review_by": "2027-06-30"}
MAX_ONE = {"name": "one-site", "kind": "max_sites_cut", "max_sites": 1}
PAIR = HaPair(name="dc-fw", site="dc-hanoi", members=("dc-fw-01", "dc-fw-02"), sync_link="dc-fw-01--dc-fw-02")


@pytest.fixture(scope="module")
def resilient(sample: Network) -> Network:
    """The sample with VRRP at its hubs and across the data center's firewall pair."""
    return with_vrrp(sample, {**HUBS, **DC}, sync_group="dc-fw")


def judge(network: Network, rules: list[dict[str, Any]], risks: list[dict[str, Any]] | None = None,
          pairs: tuple[HaPair, ...] = ()) -> DesignReport:
    return evaluate_design(with_design(network, rules, risks or [], pairs))


def only(report: DesignReport) -> RuleResult:
    (rule,) = report.rules
    return rule


def breaks(rule: RuleResult) -> dict[str, bool]:
    """Each break's subject and whether it is accepted."""
    return {b.subject: b.accepted for b in rule.breaks}


def test_no_rules_nothing_to_judge(sample: Network) -> None:
    report = evaluate_design(sample)
    assert (report.rules, report.failures, report.ok) == ((), (), True)


def test_the_single_firewall_breaks_max_sites_cut_and_no_risk_covers_it(sample: Network) -> None:
    rule = only(judge(with_vrrp(sample, HUBS), [MAX_ONE], [SINGLE_HOMED_UNITS]))
    assert rule.status == "fail"
    # dc-fw-01 cuts every site: the city agencies and hubs are not covered. The aggregation routers cut two or
    # three single-homed unit sites each: covered.
    assert breaks(rule) == {"dc-fw-01": False, "ba-dinh-agg-01": True, "ba-dinh-agg-02": True,
                            "dong-anh-agg-02": True, "hoan-kiem-agg-01": True}
    firewall = next(b for b in rule.breaks if b.subject == "dc-fw-01")
    assert (firewall.kind, firewall.site, len(firewall.sites)) == ("router", "dc-hanoi", len(sample.sites))
    assert firewall.detail.startswith(f"cuts {len(sample.sites)} sites (at most 1) from ")


def test_with_a_second_gateway_every_break_is_an_accepted_risk(resilient: Network) -> None:
    report = judge(resilient, [MAX_ONE], [SINGLE_HOMED_UNITS])
    rule = only(report)
    assert (rule.status, report.ok) == ("accepted", True)
    assert breaks(rule) == {"ba-dinh-agg-01": True, "ba-dinh-agg-02": True, "dong-anh-agg-02": True,
                            "hoan-kiem-agg-01": True}
    assert all(b.risks == (0,) for b in rule.breaks)
    assert report.accepted_risks[0].covers == 4
    assert report.accepted_risks[0].review_by == "2027-06-30"


def test_without_the_risk_the_same_breaks_fail(resilient: Network) -> None:
    report = judge(resilient, [MAX_ONE])
    assert (only(report).status, report.ok, report.unaccepted) == ("fail", False, 4)


def test_a_risk_covers_only_the_rules_kinds_and_levels_it_names(resilient: Network) -> None:
    other_rule = {**SINGLE_HOMED_UNITS, "rules": ["some-other-rule"]}
    wrong_kinds = {**SINGLE_HOMED_UNITS, "site_kinds": ["city_agency"]}
    wrong_levels = {**SINGLE_HOMED_UNITS, "levels": ["city", "district"]}
    any_level = {**SINGLE_HOMED_UNITS, "levels": []}
    named = {**SINGLE_HOMED_UNITS, "rules": ["one-site"]}
    assert only(judge(resilient, [MAX_ONE], [other_rule])).status == "fail"
    assert only(judge(resilient, [MAX_ONE], [wrong_kinds])).status == "fail"
    assert only(judge(resilient, [MAX_ONE], [wrong_levels])).status == "fail"
    assert only(judge(resilient, [MAX_ONE], [any_level])).status == "accepted"
    assert only(judge(resilient, [MAX_ONE], [named])).status == "accepted"
    assert judge(resilient, [MAX_ONE], [named]).accepted_risks[0].levels == ("ward",)
    # A glob matching some of the sites a failure cuts does not accept the failure.
    ba_dinh_wards = {"sites": ["ubnd-phuong-truc-bach"], "reason": "one ward"}
    rule = only(judge(resilient, [MAX_ONE], [ba_dinh_wards]))
    assert not any(breaks(rule).values())


def test_max_sites_cut_counts_only_the_failures_and_services_it_names(resilient: Network) -> None:
    # No link cuts more than its own downstream site; and the limit of 2 lets only dong-anh-agg-02 (three
    # wards) through.
    links = only(judge(resilient, [{**MAX_ONE, "failures": ["link"]}]))
    assert (links.status, links.breaks) == ("pass", ())
    assert links.checked == 52  # every link of the sample failed in turn
    two = only(judge(resilient, [{**MAX_ONE, "max_sites": 2, "services": ["ntp"]}]))
    assert breaks(two) == {"dong-anh-agg-02": False}
    assert two.breaks[0].detail == "cuts 3 sites (at most 2) from ntp"


def test_dual_homed(sample: Network) -> None:
    rules = [{"name": "dual", "kind": "dual_homed", "site_kinds": ["city_agency", "hub"]}]
    assert only(judge(sample, rules)).status == "pass"
    wards = only(judge(sample, [{"name": "dual", "kind": "dual_homed", "site_kinds": ["ward_committee"]}],
                       [{"sites": ["ubnd-xa-*"], "reason": "communes far out"}]))
    assert wards.status == "fail"
    assert breaks(wards) == {"ubnd-phuong-giang-vo": False, "ubnd-phuong-truc-bach": False,
                             "ubnd-xa-hai-boi": True}
    assert next(b for b in wards.breaks if b.subject == "ubnd-xa-hai-boi").detail == "1 uplink"


def test_providers(sample: Network) -> None:
    two = only(judge(sample, [{"name": "carriers", "kind": "providers", "site_kinds": ["city_agency"]}]))
    assert (two.status, two.checked) == ("pass", 2)
    three = only(judge(sample, [{"name": "carriers", "kind": "providers", "site_kinds": ["city_agency"],
                                 "min_providers": 3}]))
    assert breaks(three) == {"so-thong-tin-va-truyen-thong-ha-noi": False, "van-phong-ubnd-thanh-pho-ha-noi": False}
    assert three.breaks[0].detail == "2 carriers (viettel, vnpt), 3 needed"


def test_first_hop_redundancy(sample: Network, resilient: Network) -> None:
    rules = [{"name": "vrrp", "kind": "first_hop_redundancy"}]
    missing = only(judge(sample, rules))
    # The three hubs' LANs and the data center's two: every site with two or more routers.
    assert missing.status == "fail"
    assert {b.site for b in missing.breaks} == {*HUBS, "dc-hanoi"}
    assert "ubnd-quan-ba-dinh/staff" in breaks(missing)
    assert only(judge(resilient, rules)).status == "pass"


def test_ha_pair(sample: Network) -> None:
    firewalls = [{"name": "pair", "kind": "ha_pair"}]
    assert breaks(only(judge(sample, firewalls))) == {"dc-fw-01": False, "dc-fw-02": False}
    assert only(judge(sample, firewalls, pairs=(PAIR,))).status == "pass"
    cores = only(judge(sample, [{"name": "pair", "kind": "ha_pair", "roles": ["core", "firewall"]}], pairs=(PAIR,)))
    assert breaks(cores) == {"dc-core-01": False, "dc-core-02": False}


def test_failures_that_still_cut_sites_are_listed_and_marked(resilient: Network) -> None:
    report = judge(resilient, [MAX_ONE], [SINGLE_HOMED_UNITS])
    rows = {f.element: f for f in report.failures}
    # The city's mass organization has uplinks to both cores: neither cuts it.
    assert "dc-core-01" not in rows and "dc-core-02" not in rows
    assert rows["ba-dinh-agg-01"].breaks == ("one-site",) and rows["ba-dinh-agg-01"].accepted
    own = rows["ubnd-phuong-kim-ma-r01"]
    assert (own.own_site_only, own.accepted, own.site) == (True, False, "ubnd-phuong-kim-ma")
    assert "dc-fw-01" not in rows


def test_restricted_to_an_area(resilient: Network) -> None:
    report = judge(resilient, [MAX_ONE], [SINGLE_HOMED_UNITS])
    area = {site.slug for site in resilient.sites if site.area == "017"}
    scoped = report.restricted(lambda site: site in area)
    assert breaks(only(scoped)) == {"dong-anh-agg-02": True}
    assert {f.district for f in scoped.failures} == {"017"}


def test_the_exact_peer_gives_the_same_report(resilient: Network) -> None:
    network = with_design(resilient, [MAX_ONE, {"name": "vrrp", "kind": "first_hop_redundancy"}],
                          [SINGLE_HOMED_UNITS])
    fast, naive = evaluate_design(network), evaluate_design(network, naive=True)
    assert (fast.rules, fast.failures, fast.accepted_risks) == (naive.rules, naive.failures, naive.accepted_risks)
    assert fast.algorithm != naive.algorithm


def test_on_the_sample_only_accepted_single_homed_unit_sites_are_cut_beyond_a_failures_own_site(
        shipped: Network) -> None:
    # The test, stated precisely: fail each router and each link of the sample alone. Every site a failure
    # cuts other than the failed element's own site (a link's: its downstream site) is a ward-level unit site
    # (ward committee, public-service point, party agency, mass organization) covered by the sample's accepted
    # risk: no hub, agency, city-level office or the data center is ever cut by another site's failure, and every
    # rule holds.
    report = evaluate_design(shipped)
    kinds = {site.slug: (str(site.kind), str(site.level)) for site in shipped.sites}
    beyond = [f for f in report.failures if not f.own_site_only]
    for failure in beyond:
        others = {site for site in failure.sites if site != failure.site}
        assert {kinds[site][0] for site in others} <= set(UNIT_KINDS), failure
        assert {kinds[site][1] for site in others} == {"ward"}, failure
        assert failure.accepted, failure
    # Only the aggregation routers with their single-homed ward-level sites.
    assert {f.element for f in beyond} == {"ba-dinh-agg-01", "ba-dinh-agg-02", "dong-anh-agg-01", "dong-anh-agg-02",
                                           "hoan-kiem-agg-01", "hoan-kiem-agg-02"}
    (risk,) = shipped.design.accepted_risks
    assert [str(level) for level in risk.levels] == ["ward"]
    assert {r.rule: r.status for r in report.rules} == {
        "no-single-failure-cuts-sites": "accepted", "hubs-and-agencies-dual-homed": "pass",
        "hubs-two-providers": "pass", "redundant-lan-gateways": "pass", "firewall-pair": "pass"}
    assert report.ok
