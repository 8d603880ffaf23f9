"""Staging a new site writes only its objects and its hub's new interface: the plan filtered, on the sample city
as NetBox would hold it (a snapshot built from the sample's records, no server)."""

from pathlib import Path

import pytest

from citynet_models.types import LifecycleStatus
from netops.netbox.mapping import desired_records
from netops.netbox.plan import Action, Plan, make_plan
from netops.pipeline import load_network
from netops.rollout.scope import rollout_scope
from netops.rollout.staging import staged_changes
from netops.rollout.steps import with_status
from tests.lab.helpers import CITY
from tests.netbox.support import desired_of, snapshot_holding
from tests.rollout.sites import HUB_ROUTER, NEW_ROUTER, NEW_SITE, add_new_site, sample_copy


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> tuple[Plan, Plan]:
    intent = add_new_site(sample_copy(tmp_path_factory.mktemp("staging") / "city"))
    network = load_network(intent).network
    plan = make_plan(desired_records(network), snapshot_holding(desired_of(CITY)))
    return plan, staged_changes(plan, network, rollout_scope(network, NEW_SITE))


def test_staging_creates_the_site_its_router_its_circuit_and_the_hubs_new_interface(plans: tuple[Plan, Plan]) -> None:
    _, staged = plans
    keys = {(change.type, change.key) for change in staged.changes}
    assert ("dcim.site", (NEW_SITE,)) in keys and ("dcim.device", (NEW_ROUTER,)) in keys
    hub_interfaces = [key for type_, key in keys if type_ == "dcim.interface" and key[0] == HUB_ROUTER]
    assert len(hub_interfaces) == 1  # the downlink to the new site, nothing else of the hub
    assert {type_ for type_, _ in keys} >= {"circuits.circuit", "circuits.circuittermination", "dcim.cable",
                                            "ipam.prefix", "ipam.ipaddress", "ipam.vlan", "ipam.vlangroup"}
    assert {change.action for change in staged.changes} == {Action.CREATE}


def test_staging_leaves_out_what_is_not_the_sites(plans: tuple[Plan, Plan]) -> None:
    plan, staged = plans
    left = [change for change in plan.changes if change not in staged.changes and change.action is not
            Action.UNCHANGED]
    # Only a city-wide field (the units' order) is left for a full `netops apply`.
    assert [(change.type, change.action) for change in left] == [("dcim.region", Action.UPDATE)]
    # The plan's order (dependencies first) is kept.
    assert [c for c in plan.changes if c in staged.changes] == staged.changes


def test_staging_an_applied_site_writes_nothing(tmp_path: Path) -> None:
    network = load_network(CITY).network
    plan = make_plan(desired_records(network), snapshot_holding(desired_of(CITY)))
    assert staged_changes(plan, network, rollout_scope(network, "ubnd-xa-hai-boi")).changes == []


def test_decommissioning_an_applied_site_updates_its_statuses_and_nothing_else() -> None:
    network = load_network(CITY).network
    slug = "ubnd-phuong-kim-ma"
    after = with_status(network, slug, LifecycleStatus.DECOMMISSIONED)
    plan = make_plan(desired_records(after), snapshot_holding(desired_of(CITY)))
    staged = staged_changes(plan, after, rollout_scope(network, slug))
    assert {change.action for change in staged.changes} == {Action.UPDATE}
    routers = {device.name for device in network.devices_by_site[slug]}
    circuits = {(link.circuit.provider, link.circuit.circuit_id) for link in network.uplinks_by_site[slug]
                if link.circuit is not None}
    assert circuits
    assert {(change.type, change.key) for change in staged.changes} == {
        ("dcim.site", (slug,)), *(("dcim.device", (name,)) for name in routers),
        *(("circuits.circuit", key) for key in circuits)}
    assert {change.desired.fields["status"] for change in staged.changes if change.desired is not None} == {
        "decommissioning", "decommissioned"}
