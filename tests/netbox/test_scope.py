"""A plan narrowed to some sites (netops.netbox.scope), computed offline against an empty and a populated
snapshot: what is kept, what the kept changes need, what prune may delete, and that it converges."""

from __future__ import annotations

import itertools

import pytest

from citynet_models.network import Network
from netops.netbox.mapping import desired_records
from netops.netbox.mapping.base import Record, RecordSet, Ref
from netops.netbox.plan import Action, Change, make_plan
from netops.netbox.scope import Ownership, scope_plan
from netops.netbox.snapshot import Snapshot
from tests.netbox.support import SAMPLE_CITY, SMALL_CITY, desired_of, network_of, snapshot_holding, with_redundancy

#: The sample city's Xã Đông Anh unit: four sites, a router each, one of them (Cổ Loa) with a circuit.
SITE = "ubnd-xa-co-loa"


def _holding(records: list[Record]) -> Snapshot:
    """A snapshot of NetBox after an apply wrote exactly ``records``."""
    written = RecordSet()
    for record in records:
        written.add(record)
    return snapshot_holding(written)


def _kept_keys(changes: list[Change]) -> set[tuple[str, tuple[str, ...]]]:
    return {(change.type, change.key) for change in changes}


@pytest.fixture(scope="module", params=[SMALL_CITY, SAMPLE_CITY], ids=["small", "sample"])
def city(request: pytest.FixtureRequest) -> tuple[Network, RecordSet]:
    return network_of(request.param), desired_of(request.param)


def test_on_an_empty_netbox_the_site_gets_its_objects_and_the_city_wide_ones_they_need(
        city: tuple[Network, RecordSet]) -> None:
    network, desired = city
    site = network.sites[-1].slug
    owner = Ownership(desired, Snapshot())
    plan = make_plan(desired, Snapshot())

    scoped = scope_plan(plan, desired, Snapshot(), frozenset({site}))

    kept = scoped.plan.changes
    assert scoped.sites == (site,) and scoped.held_back == []
    assert all(change.action is Action.CREATE for change in kept)
    # Every object of the site (a circuit also of the site at its other end), none only of other sites; the rest
    # is city-wide.
    of_site = {(r.type, r.key) for m in plan.changes if (r := m.desired) is not None and site in owner.sites(r)}
    assert of_site and of_site <= _kept_keys(kept)
    assert {(c.type, c.key) for c in kept
            if c.desired is not None and owner.sites(c.desired) and site not in owner.sites(c.desired)} == set()
    assert {c.type for c in kept} >= {"dcim.site", "dcim.device", "dcim.interface", "ipam.ipaddress",
                                       "extras.tag", "extras.customfield", "dcim.region", "tenancy.tenant"}
    assert len(kept) < len(plan.changes)
    # Everything a kept object refers to, by field, tag or custom field, is kept too: the apply can write it.
    for change in kept:
        assert change.desired is not None
        for ref in owner.uses(change.desired):
            if desired.get(ref.type, ref.key) is not None:
                assert (ref.type, ref.key) in _kept_keys(kept), (change.type, change.key, ref)


def test_a_second_scoped_plan_after_its_apply_plans_nothing_and_other_sites_are_left_to_theirs(
        city: tuple[Network, RecordSet]) -> None:
    network, desired = city
    first, second = network.sites[0].slug, network.sites[-1].slug
    applied = scope_plan(make_plan(desired, Snapshot()), desired, Snapshot(), frozenset({first}))
    snapshot = _holding([change.desired for change in applied.plan.changes if change.desired is not None])

    again = scope_plan(make_plan(desired, snapshot, prune=True), desired, snapshot, frozenset({first}))
    other = scope_plan(make_plan(desired, snapshot, prune=True), desired, snapshot, frozenset({second}))

    # Unchanged city-wide objects are needed by nothing: the site's own objects remain, all unchanged.
    of_site = [c for c in applied.plan.changes if c.desired is not None and Ownership(desired, snapshot).sites(
        c.desired)]
    assert again.plan.writes == 0 and again.plan.counts["unchanged"] == len(of_site) > 0
    assert other.plan.counts["create"] > 0 and other.plan.counts["delete"] == 0
    owner = Ownership(desired, snapshot)
    assert all(first not in owner.sites(c.desired) for c in other.plan.of(Action.CREATE) if c.desired is not None)


def test_prune_with_a_scope_deletes_only_objects_of_the_selected_sites() -> None:
    network, desired = network_of(SAMPLE_CITY), desired_of(SAMPLE_CITY)
    snapshot = snapshot_holding(desired)
    owner = Ownership(desired, snapshot)
    leaving, staying = SITE, network.sites[0].slug
    # Intent without two sites' devices (and everything on them): both are managed objects NetBox still holds.
    gone = {(r.type, r.key) for r in itertools.chain.from_iterable(desired.of(t).values() for t in
                                                                  ("dcim.device", "dcim.interface", "ipam.ipaddress"))
            if owner.sites(r) & {leaving, staying}}
    reduced = RecordSet()
    for record in itertools.chain.from_iterable(desired.of(t).values() for t in {r.type for r in _all(desired)}):
        if (record.type, record.key) not in gone:
            reduced.add(record)

    plan = make_plan(reduced, snapshot, prune=True)
    scoped = scope_plan(plan, reduced, snapshot, frozenset({leaving}))

    deleted = scoped.plan.of(Action.DELETE)
    assert deleted and all(c.actual is not None and owner.sites(c.actual) & {leaving} for c in deleted)
    assert {c.type for c in deleted} == {"dcim.device", "dcim.interface", "ipam.ipaddress"}
    assert all(staying not in owner.sites(c.actual) for c in deleted if c.actual is not None)
    assert len(plan.of(Action.DELETE)) > len(deleted)  # the other site's are left to a prune of that site


def test_an_object_of_an_unselected_site_netbox_lacks_holds_back_what_needs_it() -> None:
    network, desired = network_of(SAMPLE_CITY), desired_of(SAMPLE_CITY)
    # The sample city's cables end at one site (its WAN links are circuits): one more cable joins two sites.
    here, there = (next(d.name for d in network.devices if d.site == s) for s in (SITE, network.sites[0].slug))
    here_port, there_port = (next(k for k in desired.of("dcim.interface") if k[0] == name) for name in (here, there))
    cable = Record("dcim.cable", ("across",), {"a_terminations": (Ref("dcim.interface", here_port),),
                                             "b_terminations": (Ref("dcim.interface", there_port),),
                                             "status": "connected", "label": "across", "tags": ("netops-managed",)})
    assert desired.add(cable) is None
    owner = Ownership(desired, Snapshot())
    assert owner.sites(cable) == {SITE, network.sites[0].slug}

    empty = scope_plan(make_plan(desired, Snapshot()), desired, Snapshot(), frozenset({SITE}))
    other_site_there = _holding([r for r in _all(desired) if r is not cable])
    held = scope_plan(make_plan(desired, other_site_there), desired, other_site_there, frozenset({SITE}))

    assert _kept_keys(empty.held_back) == {(cable.type, cable.key)}
    assert (cable.type, cable.key) not in _kept_keys(empty.plan.changes)
    assert "dcim.device" in {c.type for c in empty.plan.changes}
    # Once NetBox holds the other end, the cable is written with the site's objects.
    assert held.held_back == [] and _kept_keys(held.plan.of(Action.CREATE)) == {(cable.type, cable.key)}


def _all(records: RecordSet) -> list[Record]:
    from netops.netbox.mapping import MAPPERS

    return [record for mapper in MAPPERS for record in records.of(mapper.object_type).values()]


def test_a_circuit_belongs_to_the_sites_of_its_terminations() -> None:
    desired = desired_of(SAMPLE_CITY)
    owner = Ownership(desired, Snapshot())
    circuits = list(desired.of("circuits.circuit").values())
    terminations = list(desired.of("circuits.circuittermination").values())

    assert circuits and all(owner.sites(circuit) for circuit in circuits)
    for termination in terminations:
        assert len(owner.sites(termination)) == 1


def test_vrrp_groups_and_ha_pairs_belong_to_the_site_of_their_members() -> None:
    desired = desired_records(with_redundancy(network_of(SMALL_CITY), "dc", pair="dc-core"))
    owner = Ownership(desired, Snapshot())

    for object_type, key in (("ipam.fhrpgroup", ("dc", "100")), ("dcim.virtualchassis", ("dc-core",)),
                             ("ipam.fhrpgroupassignment", ("dc-core-02", "eth0.100", "dc", "100")),
                             ("ipam.ipaddress", ("10.145.1.1",))):
        record = desired.get(object_type, key)
        assert record is not None and owner.sites(record) == {"dc"}, (object_type, key)
    scoped = scope_plan(make_plan(desired, Snapshot()), desired, Snapshot(), frozenset({"dc"}))
    kept = {change.type for change in scoped.plan.changes}
    assert {"ipam.fhrpgroup", "ipam.fhrpgroupassignment", "dcim.virtualchassis"} <= kept
