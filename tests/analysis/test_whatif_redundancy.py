"""What-if with first-hop redundancy: a LAN stays reachable while any of its VRRP members reaches any gateway of
a service. Networks are the sample city stripped of its VRRP groups and pair, then with groups laid on its hubs
and its data center again (tests.analysis.networks); the expectations are worked out by hand from the sample's
uplinks."""

import pytest

from citynet_models.network import Network
from netops.analysis.whatif import Impact, scenario, single_failures
from tests.analysis.networks import with_vrrp

HUBS = {
    "ubnd-quan-ba-dinh": ("ba-dinh-agg-01", "ba-dinh-agg-02"),
    "ubnd-quan-hoan-kiem": ("hoan-kiem-agg-01", "hoan-kiem-agg-02"),
    "ubnd-huyen-dong-anh": ("dong-anh-agg-01", "dong-anh-agg-02"),
}
DC = {"dc-hanoi": ("dc-fw-01", "dc-fw-02")}


def impacts(network: Network) -> dict[str, Impact]:
    return {i.element: i for i in single_failures(network).impacts}


def cut_sites(impact: Impact | None) -> set[str]:
    return set() if impact is None else {loss.site for loss in impact.losses}


def test_without_vrrp_the_first_aggregation_router_cuts_its_hub(sample: Network) -> None:
    # Every LAN of the Ba Đình hub is routed by agg-01 alone: losing it cuts the hub (and its single-homed
    # wards), though agg-02 stands beside it.
    found = impacts(sample)
    assert cut_sites(found["ba-dinh-agg-01"]) == {"ubnd-quan-ba-dinh", "ubnd-phuong-truc-bach",
                                                  "uy-ban-mttq-phuong-kim-ma"}
    assert len(found["dc-fw-01"].losses) == len(sample.sites)


def test_vrrp_at_the_hubs_keeps_the_hub_up_when_one_router_fails(sample: Network) -> None:
    found = impacts(with_vrrp(sample, HUBS))
    # Only the wards single-homed to agg-01 are left cut, never the hub.
    assert cut_sites(found["ba-dinh-agg-01"]) == {"ubnd-phuong-truc-bach", "uy-ban-mttq-phuong-kim-ma"}
    assert cut_sites(found["dong-anh-agg-01"]) == {"ubnd-xa-co-loa"}
    assert cut_sites(found["hoan-kiem-agg-01"]) == {"dang-uy-phuong-hang-trong", "ubnd-phuong-ly-thai-to"}
    # Nothing but the data center's single firewall cuts a hub any more.
    for hub in HUBS:
        assert {element for element, i in found.items() if hub in cut_sites(i)} == {"dc-fw-01"}


def test_a_second_gateway_in_the_data_center_removes_the_city_wide_cut(sample: Network) -> None:
    network = with_vrrp(sample, {**HUBS, **DC})
    report = single_failures(network)
    found = {i.element: i for i in report.impacts}
    assert "dc-fw-01" not in found
    servers = next(s for s in report.services if s.service == "email")
    assert servers.gateways == ("dc-fw-01", "dc-fw-02")
    # What still cuts more than its own site: the aggregation routers with single-homed wards.
    assert {i.element for i in report.impacts if not i.own_site_only} == {
        "ba-dinh-agg-01", "ba-dinh-agg-02", "dong-anh-agg-01", "dong-anh-agg-02", "hoan-kiem-agg-01",
        "hoan-kiem-agg-02"}


def test_the_shipped_sample_is_the_one_with_vrrp_at_its_hubs_and_data_center(shipped: Network,
                                                                              sample: Network) -> None:
    assert single_failures(shipped).impacts == single_failures(with_vrrp(sample, {**HUBS, **DC})).impacts


def test_a_lan_is_cut_when_every_member_is(sample: Network) -> None:
    network = with_vrrp(sample, HUBS)
    report = scenario(network, ["ba-dinh-agg-01", "ba-dinh-agg-02"])
    loss = next(loss for loss in report.impacts[0].losses if loss.site == "ubnd-quan-ba-dinh")
    assert loss.lans == ("camera", "management", "one_stop_shop", "staff")


@pytest.mark.parametrize("groups", [{}, HUBS, {**HUBS, **DC}], ids=["none", "hubs", "hubs-and-dc"])
def test_fast_sweep_equals_one_reachability_run_per_failure(sample: Network, groups: dict[str, tuple[str, ...]]
                                                            ) -> None:
    network = with_vrrp(sample, groups)
    fast, naive = single_failures(network), single_failures(network, naive=True)
    assert fast.impacts == naive.impacts
    assert fast.impacts, "single-homed wards must be cut by something"
    # And each failure of the sweep is the scenario of that failure alone.
    for impact in fast.impacts:
        assert scenario(network, [impact.element]).impacts[0].losses == impact.losses
