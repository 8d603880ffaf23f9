"""Detach before attach, as logic (no NetBox; the real server is in test_recabling.py): which objects the plan
frees first when intent moves what one object holds to another, how it says so, and the order apply writes in.

NetBox is stood in for by a snapshot holding the small city as applied (``snapshot_holding``) and the recording
client of test_apply_logic.py; intent is an edited copy of the small city.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from netops.netbox.apply import ApplyOptions, ConflictError, apply_plan
from netops.netbox.mapping import MAPPER_BY_TYPE
from netops.netbox.mapping.base import Claim, Record, Ref
from netops.netbox.plan import Action, Plan, make_plan, render_lines, summary
from netops.netbox.snapshot import Snapshot
from tests.netbox.support import SMALL_CITY, desired_of, snapshot_holding
from tests.netbox.test_apply_logic import RecordingClient

DISTRICT = Path("districts") / "001-ba-dinh.yml"
SWAP = (("circuit_id: C-1, bandwidth_mbps: 1000}", "circuit_id: C-1, bandwidth_mbps: 1000, interface: eth2}"),
        ("circuit_id: F-2, bandwidth_mbps: 1000}", "circuit_id: F-2, bandwidth_mbps: 1000, interface: eth1}"))
MOVE = (("circuit_id: C-3, bandwidth_mbps: 100}", "circuit_id: C-3, bandwidth_mbps: 100, remote_interface: eth9}"),)
DIRECT = (("{to: ba-dinh-agg-01, provider: vnpt, circuit_id: C-3, bandwidth_mbps: 100}", "{to: ba-dinh-agg-01}"),)
VLAN_11 = (("      - {role: staff, hosts: 50}", "      - {role: staff, hosts: 50, vlan: 11}"),)


def edited(tmp_path: Path, *replacements: tuple[str, str]) -> Path:
    intent = tmp_path / "intent"
    shutil.copytree(SMALL_CITY, intent)
    path = intent / DISTRICT
    text = path.read_text()
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path.write_text(text)
    return intent


def plan_over_small_city(tmp_path: Path, *replacements: tuple[str, str], prune: bool = False) -> tuple[Plan, Snapshot]:
    """The plan of the edited intent against NetBox holding the small city as applied."""
    snapshot = snapshot_holding(desired_of(SMALL_CITY))
    return make_plan(desired_of(edited(tmp_path, *replacements)), snapshot, prune=prune), snapshot


def steps(plan: Plan, object_type: str) -> list[tuple[str, tuple[str, ...], bool]]:
    """What the plan writes to objects of a type: (action, key, first)."""
    return [(c.action.value, c.key, c.first) for c in plan.changes
            if c.type == object_type and c.action is not Action.UNCHANGED]


def written(client: RecordingClient) -> list[tuple[str, str]]:
    return [(call[0], call[1]) for call in client.calls]


def test_the_cable_claims_its_ends_and_a_vlan_its_name_in_its_group() -> None:
    desired = desired_of(SMALL_CITY)
    cable = desired.get("dcim.cable", ("ba-dinh-agg-01", "eth1"))
    vlan = desired.get("ipam.vlan", ("ubnd-quan-ba-dinh", "10"))
    assert cable is not None and vlan is not None

    assert MAPPER_BY_TYPE["dcim.cable"].claims(cable.fields) == (
        Ref("dcim.interface", ("ba-dinh-agg-01", "eth1")), Ref("circuits.circuittermination", ("vnpt", "C-1", "Z")))
    assert MAPPER_BY_TYPE["ipam.vlan"].claims(vlan.fields) == (Claim("VLAN name", ("ubnd-quan-ba-dinh",), "staff"),)
    assert MAPPER_BY_TYPE["dcim.cable"].release(cable.fields) is None  # freed by deleting it
    renamed = MAPPER_BY_TYPE["ipam.vlan"].release({**vlan.fields, "name": "x" * 64})
    assert renamed is not None and len(renamed["name"]) == 64 and renamed["name"].endswith("(VLAN 10, renamed to free"
                                                                                           " the name)")


def test_nothing_moves_nothing_is_freed_first() -> None:
    desired = desired_of(SMALL_CITY)

    plan = make_plan(desired, snapshot_holding(desired))

    assert not [change for change in plan.changes if change.first]
    assert plan.writes == 0


def test_two_cables_that_swap_ends_are_each_deleted_first_and_created_again(tmp_path: Path) -> None:
    plan, snapshot = plan_over_small_city(tmp_path, *SWAP)

    assert sorted(steps(plan, "dcim.cable")) == [
        ("create", ("ba-dinh-agg-01", "eth1"), False), ("create", ("ba-dinh-agg-01", "eth2"), False),
        ("delete", ("ba-dinh-agg-01", "eth1"), True), ("delete", ("ba-dinh-agg-01", "eth2"), True)]
    assert [(c.action, c.first) for c in plan.changes[:2]] == [(Action.DELETE, True)] * 2  # listed first
    assert plan.writes == len(plan.of(Action.CREATE, Action.UPDATE)) + 2  # written without --prune

    client = RecordingClient()
    result = apply_plan(client, plan, snapshot, ApplyOptions(message="swap"))  # type: ignore[arg-type]

    calls = written(client)
    assert calls[0] == ("delete", "dcim/cables")
    assert sorted(client.calls[0][2]) == sorted(c.id for c in plan.first_deletes if c.id is not None)
    assert calls.index(("create", "dcim/cables")) > 0
    assert not [call for call in calls[1:] if call[0] == "delete"]  # nothing else deleted without --prune
    assert result.deleted == 2 and result.kept == 0


def test_a_cable_that_left_intent_frees_its_end_first_even_without_prune(tmp_path: Path) -> None:
    """C-3 moves to eth9 and C-4's derived port follows into eth3: eth4's cable (left intent) holds C-4's A end,
    eth3's cable lets go of C-3's A end for it."""
    plan, snapshot = plan_over_small_city(tmp_path, *MOVE)

    first = {change.key: change for change in plan.first_deletes}
    assert set(first) == {("ba-dinh-agg-01", "eth3"), ("ba-dinh-agg-01", "eth4")}
    assert first[("ba-dinh-agg-01", "eth4")].note.endswith(
        "frees circuit termination vnpt/C-4/A for cable ba-dinh-agg-01/eth3: deleted first, with or without --prune")
    assert "replaced in two steps" in first[("ba-dinh-agg-01", "eth3")].note
    text = list(render_lines(plan))
    assert any(line.startswith("- delete    cable ba-dinh-agg-01/eth4 (managed, not in intent; frees") and
               "--prune)" in line and "deleted with --prune" not in line for line in text), text
    assert any("deleted with --prune" in line for line in text)  # the interface eth4 waits for --prune
    assert "2 first, to free what intent moves; the rest with --prune" in summary(plan)

    client = RecordingClient()
    result = apply_plan(client, plan, snapshot, ApplyOptions(message="move"))  # type: ignore[arg-type]

    assert written(client)[0] == ("delete", "dcim/cables")
    assert result.deleted == 2 and result.kept == len(plan.of(Action.DELETE)) - 2


def test_a_circuit_given_up_for_a_direct_cable_frees_the_port_first(tmp_path: Path) -> None:
    plan, _ = plan_over_small_city(tmp_path, *DIRECT)

    assert [(c.type, c.key) for c in plan.first_deletes] == [
        ("dcim.cable", ("ubnd-phuong-phuc-xa-r01", "GigabitEthernet0/0/1"))]
    update = next(c for c in plan.changes if c.type == "dcim.cable" and c.action is Action.UPDATE)
    assert update.key == ("ba-dinh-agg-01", "eth3")  # its other end stays: updated in place, after the detach


def test_with_prune_the_first_deletes_are_written_once(tmp_path: Path) -> None:
    plan, snapshot = plan_over_small_city(tmp_path, *MOVE, prune=True)
    client = RecordingClient()

    result = apply_plan(client, plan, snapshot, ApplyOptions(message="move", prune=True))  # type: ignore[arg-type]

    deleted = [object_id for call in client.calls if call[0] == "delete" for object_id in call[2]]
    assert len(deleted) == len(set(deleted)) == len(plan.of(Action.DELETE)) == result.deleted


def test_a_cable_netops_does_not_manage_on_a_taken_end_is_a_conflict(tmp_path: Path) -> None:
    """Somebody's cable sits on the port the moved cable takes: nothing is written, the plan says whose."""
    snapshot = snapshot_holding(desired_of(SMALL_CITY))
    theirs = Record("dcim.cable", ("dc-core-01", "eth7"), {
        "a_terminations": (Ref("dcim.interface", ("dc-core-01", "eth7")),),
        "b_terminations": (Ref("dcim.interface", ("ba-dinh-agg-01", "eth9")),), "status": "connected", "label": "",
        "tags": ()}, id=9999, managed=False)
    snapshot.records.add(theirs)
    plan = make_plan(desired_of(edited(tmp_path, *MOVE)), snapshot)

    (conflict,) = plan.conflicts
    assert conflict.key == ("ba-dinh-agg-01", "eth9")
    assert conflict.note == ("would take interface ba-dinh-agg-01/eth9 (held by cable #9999, dc-core-01/eth7),"
                             " which netops does not manage: free it in NetBox, or change intent")
    client = RecordingClient()
    with pytest.raises(ConflictError):
        apply_plan(client, plan, snapshot, ApplyOptions(message="move"))  # type: ignore[arg-type]
    assert client.calls == []


def test_a_vlan_name_taken_by_a_new_vlan_is_renamed_first(tmp_path: Path) -> None:
    plan, snapshot = plan_over_small_city(tmp_path, *VLAN_11)

    first = [c for c in plan.changes if c.first]
    assert [(c.action, c.type, c.key) for c in first] == [(Action.UPDATE, "ipam.vlan", ("ubnd-quan-ba-dinh", "10"))]
    assert [(d.field, d.before, d.after) for d in first[0].diffs] == [
        ("name", "staff", "staff (VLAN 10, renamed to free the name)")]
    assert plan.changes[0] is first[0]

    client = RecordingClient()
    apply_plan(client, plan, snapshot, ApplyOptions(message="vlan"))  # type: ignore[arg-type]

    assert client.calls[0][:2] == ("update", "ipam/vlans")
    assert client.calls[0][2] == [{"id": first[0].id, "name": "staff (VLAN 10, renamed to free the name)"}]
    assert written(client).index(("create", "ipam/vlans")) > 0


def test_two_vlans_that_swap_names_go_through_temporary_names(tmp_path: Path) -> None:
    snapshot = snapshot_holding(desired_of(SMALL_CITY))
    desired = desired_of(SMALL_CITY)
    ten, ninety_nine = (desired.get("ipam.vlan", ("ubnd-quan-ba-dinh", vid)) for vid in ("10", "99"))
    assert ten is not None and ninety_nine is not None
    ten.fields["name"], ninety_nine.fields["name"] = ninety_nine.fields["name"], ten.fields["name"]

    plan = make_plan(desired, snapshot)

    vlans = sorted((c.key[1], c.first, "step 1 of 2" in c.note, "step 2 of 2" in c.note) for c in plan.changes
                   if c.type == "ipam.vlan" and c.action is Action.UPDATE)
    assert vlans == [("10", False, False, True), ("10", True, True, False),
                     ("99", False, False, True), ("99", True, True, False)]
    client = RecordingClient()
    apply_plan(client, plan, snapshot, ApplyOptions(message="swap names", chunk_size=1))  # type: ignore[arg-type]
    names = [(row["id"], row["name"]) for call in client.calls if call[1] == "ipam/vlans" for row in call[2]]
    assert len(names) == 4 and all("renamed to free the name" in name for _, name in names[:2])
    assert {name for _, name in names[2:]} == {"staff", "management"}


def test_a_site_whose_slug_changes_takes_its_name_from_the_old_site_renamed_first(tmp_path: Path) -> None:
    snapshot = snapshot_holding(desired_of(SMALL_CITY))
    intent = tmp_path / "intent"
    shutil.copytree(SMALL_CITY, intent)
    city = intent / "city.yml"
    text = city.read_text()
    assert text.count("  - name: Sở Thông tin và Truyền thông\n") == 1
    city.write_text(text.replace("  - name: Sở Thông tin và Truyền thông\n",
                                 "  - name: Sở Thông tin và Truyền thông\n    slug: so-tttt\n"))

    plan = make_plan(desired_of(intent), snapshot)

    first = [c for c in plan.changes if c.first]  # the router, renamed after the slug, gets its cable afresh
    assert sorted((c.action.value, c.type, c.key) for c in first) == [
        ("delete", "dcim.cable", ("so-thong-tin-va-truyen-thong-r01", "eth1")),
        ("update", "dcim.site", ("so-thong-tin-va-truyen-thong",))]
    first = [c for c in first if c.type == "dcim.site"]
    assert [(d.before, d.after) for d in first[0].diffs] == [
        ("Sở Thông tin và Truyền thông", "Sở Thông tin và Truyền thông (so-thong-tin-va-truyen-thong, renamed to free"
                                         " the name)")]
    assert "renamed first, with or without --prune (it left intent)" in first[0].note
    assert any(c.action is Action.CREATE and c.key == ("so-tttt",) for c in plan.changes)


def test_drift_reports_a_swapped_cable_as_edited_not_as_the_two_steps_that_fix_it(tmp_path: Path) -> None:
    snapshot = snapshot_holding(desired_of(SMALL_CITY))

    plan = make_plan(desired_of(edited(tmp_path, *SWAP)), snapshot, prune=True, free_first=False)

    assert sorted(steps(plan, "dcim.cable")) == [("update", ("ba-dinh-agg-01", "eth1"), False),
                                                 ("update", ("ba-dinh-agg-01", "eth2"), False)]
