"""Reading the city back from NetBox's objects, without a server: a snapshot holding exactly what apply writes
must give back the very same Network (equal model_dump), and a damaged one every problem, located."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest

from citynet_models.network import Network
from citynet_models.problems import render_path
from netops.errors import InputError
from netops.netbox.mapping import desired_records
from netops.netbox.mapping.base import Ref
from netops.netbox.read import network_from_snapshot
from tests.netbox.support import (
    RESOLVE_CASES,
    SAMPLE_CITY,
    SMALL_CITY,
    desired_of,
    network_of,
    snapshot_holding,
    with_redundancy,
)

CASES = [SMALL_CITY, SAMPLE_CITY, *RESOLVE_CASES]


@pytest.mark.parametrize("intent", CASES, ids=lambda p: p.parent.name if p.name == "intent" else p.name)
def test_read_back_gives_the_same_network(intent: Path) -> None:
    network = network_of(intent)
    snapshot = snapshot_holding(desired_of(intent))

    back = network_from_snapshot(snapshot).network

    assert back.model_dump(mode="json") == network.model_dump(mode="json")


def test_the_order_of_unsorted_lists_comes_back() -> None:
    back = network_from_snapshot(snapshot_holding(desired_of(SMALL_CITY))).network

    assert [p.slug for p in back.providers] == ["vnpt", "fpt"]
    assert [s.name for s in back.services] == ["ntp", "email", "dns"]
    assert back.device_by_name["dc-core-01"].tags == ("pilot", "core-a")
    assert next(h for h in back.hosts if h.name == "infra-01").services == ("ntp", "dns")


def test_objects_netbox_has_but_netops_does_not_manage_are_not_read() -> None:
    snapshot = snapshot_holding(desired_of(SMALL_CITY))
    site = snapshot.records.get("dcim.site", ("dc",))
    assert site is not None
    stranger = type(site)("dcim.site", ("stranger",), {**site.fields, "slug": "stranger"}, id=9999, managed=False)
    snapshot.records.add(stranger)

    back = network_from_snapshot(snapshot).network

    assert "stranger" not in back.site_by_slug


def test_an_empty_netbox_says_to_apply_first() -> None:
    with pytest.raises(InputError) as caught:
        network_from_snapshot(snapshot_holding(desired_of(SMALL_CITY), managed=False))

    (problem,) = caught.value.problems
    assert problem.message == "NetBox holds no single city managed by netops"
    assert problem.hint is not None and "netops apply" in problem.hint


def test_a_missing_cable_is_reported_at_its_link_with_the_object_location() -> None:
    snapshot = snapshot_holding(desired_of(SMALL_CITY))
    cables = snapshot.records.by_type["dcim.cable"]
    key = next(key for key, cable in cables.items()
               if isinstance(cable.fields["b_terminations"][0], Ref)
               and cable.fields["b_terminations"][0].type == "dcim.interface")
    del cables[key]

    with pytest.raises(InputError) as caught:
        network_from_snapshot(snapshot, url_of=lambda record: f"netbox/{record.type}/{record.id}")

    problems = caught.value.problems
    assert [render_path(p.path) for p in problems] == ["links[dc-core-01--dc-core-02]"]
    assert problems[0].message == "WAN link whose ends cannot be told apart"
    assert problems[0].location is not None and problems[0].location.file.startswith("netbox/ipam.prefix/")


def test_a_field_netbox_holds_wrong_fails_the_model_validation_with_its_path() -> None:
    snapshot = snapshot_holding(desired_of(SMALL_CITY))
    prefix = snapshot.records.get("ipam.prefix", ("10.145.1.0/24",))
    assert prefix is not None
    prefix.fields["custom_fields.expected_hosts"] = 1000  # more than a /24 holds

    with pytest.raises(InputError) as caught:
        network_from_snapshot(snapshot)

    paths = [render_path(p.path) for p in caught.value.problems]
    assert paths == ["sites[dc].lans[servers]"]
    assert "expects 1000 hosts" in caught.value.problems[0].message


def _redundant_small() -> Network:
    return with_redundancy(network_of(SMALL_CITY), "dc", pair="dc-core")


def _redundant_sample() -> Network:
    network = network_of(SAMPLE_CITY)
    for site in ("ubnd-quan-ba-dinh", "ubnd-huyen-dong-anh"):
        network = with_redundancy(network, site, priorities=(120, 90), track_decrement=35)
    return network


@pytest.mark.parametrize("build", [_redundant_small, _redundant_sample], ids=["small-pair", "sample-hubs"])
def test_vrrp_groups_and_ha_pairs_read_back_as_the_same_network(build: typing.Callable[[], Network]) -> None:
    network = build()

    back = network_from_snapshot(snapshot_holding(desired_records(network))).network

    assert back.model_dump(mode="json") == network.model_dump(mode="json")
    assert any(lan.redundancy is not None for site in back.sites for lan in site.lans)


def test_a_vrrp_group_reads_back_its_members_master_first_with_their_own_addresses_and_tracking() -> None:
    back = network_from_snapshot(snapshot_holding(desired_records(_redundant_small()))).network

    lan = back.site_by_slug["dc"].lans[0]
    assert lan.redundancy is not None
    assert [(m.device, str(m.address), m.priority) for m in lan.redundancy.members] == [
        ("dc-core-01", "10.145.1.254", 110), ("dc-core-02", "10.145.1.253", 100)]
    assert (lan.gateway_device, str(lan.gateway), lan.redundancy.sync_group) == ("dc-core-01", "10.145.1.1", "dc-core")
    assert [t.interface for t in lan.redundancy.members[1].track] == ["eth1", "eth2"]
    assert [(p.name, p.members, p.sync_link) for p in back.ha_pairs] == [
        ("dc-core", ("dc-core-01", "dc-core-02"), "dc-core-01--dc-core-02")]


def test_a_vrrp_group_without_its_virtual_address_is_reported_at_the_lan() -> None:
    snapshot = snapshot_holding(desired_records(_redundant_small()))
    del snapshot.records.by_type["ipam.ipaddress"][("10.145.1.1",)]

    with pytest.raises(InputError) as caught:
        network_from_snapshot(snapshot, url_of=lambda record: f"netbox/{record.type}/{record.id}")

    (problem,) = caught.value.problems
    assert render_path(problem.path) == "sites[dc].lans[servers].redundancy"
    assert problem.message == "FHRP group without its virtual address or members"
    assert problem.location is not None and problem.location.file.startswith("netbox/ipam.fhrpgroup/")


def test_an_ha_pair_with_a_member_out_of_its_chassis_is_reported_at_the_pair() -> None:
    snapshot = snapshot_holding(desired_records(_redundant_small()))
    standby = snapshot.records.get("dcim.device", ("dc-core-02",))
    assert standby is not None
    standby.fields["virtual_chassis"], standby.fields["vc_position"] = None, None

    with pytest.raises(InputError) as caught:
        network_from_snapshot(snapshot)

    (problem,) = caught.value.problems
    assert render_path(problem.path) == "ha_pairs[dc-core]"
    assert problem.found == "dc-core-01 at 1"


def test_design_rules_and_accepted_risks_read_back_from_the_config_context() -> None:
    network = network_of(SAMPLE_CITY)
    records = desired_records(network)
    context = next(iter(records.of("extras.configcontext").values()))

    back = network_from_snapshot(snapshot_holding(records)).network

    assert network.design.rules and network.design.accepted_risks
    assert context.fields["data"].data["netops"]["design"] == network.design.model_dump(mode="json")
    assert back.design == network.design
