"""The plan: desired records against NetBox's, per object and per field (hand-written table
tests/netbox/data/plan_diff.json), and its text and JSON forms."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from netops.netbox.mapping import desired_records
from netops.netbox.mapping.base import Record, RecordSet, Ref, record_from_json, value_to_json
from netops.netbox.plan import Action, make_plan, render_lines, summary
from netops.netbox.snapshot import Snapshot
from tests.conftest import LEGACY_SAMPLE
from tests.netbox import tables
from tests.netbox.support import (
    SAMPLE_CITY,
    SMALL_CITY,
    desired_of,
    network_of,
    small_city_without_its_second_core,
    snapshot_holding,
    with_redundancy,
)

#: The sample city in the 2025 structure, as `netops reorganize` makes it from inventory/city.


def _records(rows: list[dict[str, Any]]) -> list[Record]:
    records = []
    for row in rows:
        record = record_from_json(row)
        record.id, record.managed = row.get("id"), row.get("managed", True)
        records.append(record)
    return records


@pytest.mark.parametrize(("table", "case_id"), tables.cases(["plan_diff"]))
def test_plan(table: str, case_id: str) -> None:
    case = next(case for case in tables.load(table)["cases"] if case["id"] == case_id)
    desired, snapshot = RecordSet(), Snapshot()
    for record in _records(case["desired"]):
        desired.add(record)
    for record in _records(case["actual"]):
        snapshot.records.add(record)

    plan = make_plan(desired, snapshot, adopt=case.get("adopt", False))

    actual = []
    for change in plan.changes:
        entry: dict[str, Any] = {"action": change.action.value, "type": change.type, "key": list(change.key)}
        if change.note and change.note.startswith("adopted: reserved"):
            entry["note"] = change.note
        if change.diffs:
            entry["fields"] = [{"field": d.field, "before": value_to_json(d.before), "after": value_to_json(d.after)}
                               for d in change.diffs]
        actual.append(entry)
    assert actual == case["expected"]


def test_a_second_plan_after_apply_changes_nothing() -> None:
    desired = desired_of(SMALL_CITY)

    plan = make_plan(desired, snapshot_holding(desired))

    assert plan.counts == {"create": 0, "update": 0, "delete": 0, "unchanged": len(desired), "conflict": 0}
    assert plan.writes == 0


def test_an_empty_netbox_plans_every_object_in_dependency_order() -> None:
    desired = desired_of(SMALL_CITY)

    plan = make_plan(desired, Snapshot())

    assert plan.counts["create"] == len(desired)
    order = [change.type for change in plan.changes]
    assert order.index("dcim.region") < order.index("dcim.site") < order.index("dcim.device") \
        < order.index("dcim.interface") < order.index("ipam.ipaddress") < order.index("dcim.cable")


def test_text_and_json_forms() -> None:
    desired = desired_of(SMALL_CITY)
    snapshot = snapshot_holding(desired)
    site = snapshot.records.get("dcim.site", ("dc",))
    assert site is not None
    site.fields["status"] = "retired"

    plan = make_plan(desired, snapshot)

    assert list(render_lines(plan)) == ["~ update    site dc", '      status: "retired" -> "planned"']
    assert summary(plan).startswith("0 to create, 1 to update, 0 to delete, 0 conflicts, ")
    data = plan.to_json()
    assert data["counts"]["update"] == 1
    assert data["changes"] == [{"action": "update", "type": "dcim.site", "key": ["dc"], "id": site.id,
                                "fields": [{"field": "status", "before": "retired", "after": "planned"}]}]
    assert plan.of(Action.UPDATE)[0].noun == "site"


def test_the_reorganization_updates_the_regions_of_units_that_keep_their_code() -> None:
    """A 2025 unit that took a legacy ward's code is that ward's region, renamed and re-parented right inside the
    city: an update, so that NetBox keeps the object. Only the units of codes NetBox does not hold are created, and
    only the districts and the wards whose codes no unit took are left to --prune."""
    legacy = desired_of(LEGACY_SAMPLE)
    reorganized = desired_of(SAMPLE_CITY)  # the reorganization of the legacy sample

    plan = make_plan(reorganized, snapshot_holding(legacy))

    regions = {change.key: change for change in plan.changes if change.type == "dcim.region"}
    held, wanted = set(legacy.of("dcim.region")), set(reorganized.of("dcim.region"))
    assert {key for key, change in regions.items() if change.action is Action.CREATE} == wanted - held
    assert {key for key, change in regions.items() if change.action is Action.DELETE} == held - wanted
    ngoc_ha = regions[("00008",)]
    assert ngoc_ha.action is Action.UPDATE
    assert {diff.field: (value_to_json(diff.before), value_to_json(diff.after)) for diff in ngoc_ha.diffs} == {
        "name": ("Phường Liễu Giai", "Phường Ngọc Hà"), "slug": ("phuong-lieu-giai", "phuong-ngoc-ha"),
        "parent": ({"ref": "dcim.region", "key": ["001"]}, {"ref": "dcim.region", "key": ["01"]})}
    assert ("001",) in held - wanted and ("00004",) in held & wanted


def test_a_lan_that_lost_its_second_router_plans_its_vrrp_group_away_and_its_gateway_back_on_the_router(
        tmp_path: Path) -> None:
    before = desired_records(with_redundancy(network_of(SMALL_CITY), "dc", pair="dc-core"))
    after = desired_of(small_city_without_its_second_core(tmp_path))

    plan = make_plan(after, snapshot_holding(before), prune=True)

    deleted = {(c.type, c.key) for c in plan.of(Action.DELETE)}
    assert {("ipam.fhrpgroup", ("dc", "100")), ("dcim.virtualchassis", ("dc-core",)),
            ("ipam.fhrpgroupassignment", ("dc-core-01", "eth0.100", "dc", "100")),
            ("ipam.fhrpgroupassignment", ("dc-core-02", "eth0.100", "dc", "100")),
            ("dcim.device", ("dc-core-02",)), ("ipam.ipaddress", ("10.145.1.253",)),
            ("ipam.ipaddress", ("10.145.1.254",))} <= deleted
    gateway = next(c for c in plan.of(Action.UPDATE) if c.key == ("10.145.1.1",))
    assert {d.field: (d.before, d.after) for d in gateway.diffs} == {
        "role": ("vrrp", None),
        "assigned_object": (Ref("ipam.fhrpgroup", ("dc", "100")), Ref("dcim.interface", ("dc-core-01", "eth0.100")))}
    assert ("dcim.device", ("dc-core-01",)) in {(c.type, c.key) for c in plan.of(Action.UPDATE)}


def test_a_pair_and_its_sync_group_added_to_a_site_are_created_before_what_refers_to_them() -> None:
    desired = desired_records(with_redundancy(network_of(SMALL_CITY), "dc", pair="dc-core"))

    plan = make_plan(desired, snapshot_holding(desired_of(SMALL_CITY)))

    order = [(c.type, c.action) for c in plan.changes if c.action is not Action.UNCHANGED]
    assert order.index(("dcim.virtualchassis", Action.CREATE)) < order.index(("dcim.device", Action.UPDATE)) \
        < order.index(("ipam.fhrpgroup", Action.UPDATE))
    group = next(c for c in plan.changes if c.type == "ipam.fhrpgroup")
    assert {d.field for d in group.diffs} >= {"custom_fields.vrrp_sync_group", "custom_fields.vrrp_track"}


def test_an_empty_netbox_creates_vrrp_groups_after_the_interfaces_and_before_their_addresses() -> None:
    desired = desired_of(SAMPLE_CITY)

    order = [change.type for change in make_plan(desired, Snapshot()).changes]

    assert order.index("dcim.virtualchassis") < order.index("dcim.device") < order.index("dcim.interface") \
        < order.index("ipam.fhrpgroup") < order.index("ipam.fhrpgroupassignment") < order.index("ipam.ipaddress")


def test_a_vrrp_lan_moved_to_another_vlan_gets_a_new_group_its_virtual_address_moving_to_it(tmp_path: Path) -> None:
    """The group's key is its LAN's (site, VLAN id): a new VLAN is a new group, and the virtual address, the same
    gateway, is reassigned to it rather than deleted and created again."""
    moved = tmp_path / "moved"
    shutil.copytree(SMALL_CITY, moved)
    city = moved / "city.yml"
    city.write_text(city.read_text(encoding="utf-8").replace("vlan: 100,", "vlan: 101,"), encoding="utf-8")

    plan = make_plan(desired_of(moved), snapshot_holding(desired_of(SMALL_CITY)), prune=True)

    changes = {(c.action, c.type, c.key) for c in plan.changes}
    assert {(Action.CREATE, "ipam.fhrpgroup", ("dc", "101")), (Action.DELETE, "ipam.fhrpgroup", ("dc", "100")),
            (Action.CREATE, "ipam.fhrpgroupassignment", ("dc-core-02", "eth0.101", "dc", "101")),
            (Action.DELETE, "ipam.fhrpgroupassignment", ("dc-core-02", "eth0.100", "dc", "100"))} <= changes
    virtual = next(c for c in plan.changes if c.key == ("10.145.1.1",))
    assert virtual.action is Action.UPDATE
    assert [(d.field, d.after) for d in virtual.diffs] == [("assigned_object", Ref("ipam.fhrpgroup", ("dc", "101")))]
    group = plan.changes.index(next(c for c in plan.changes if c.key == ("dc", "101") and c.type == "ipam.fhrpgroup"))
    assert group < plan.changes.index(virtual)
