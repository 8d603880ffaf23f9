"""Apply converges when cables move, against a real NetBox 4.7 (marker ``netbox``; the server of test_sync.py).

NetBox holds one cable per interface and per circuit termination, and one VLAN name per VLAN group. Intent that
moves a cable to another port, swaps two cables, moves a circuit's termination, turns a circuit into an
in-building cable, or moves a LAN to another VLAN id must apply (detach before attach), converge (the plan then
shows nothing to do), and leave a second apply with nothing to write; an apply stopped after the detach must
converge when re-run. Each scenario starts from the small city and is written as a user would: an edited copy
of its intent, applied through the real CLI.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from netops.netbox.apply import ApplyOptions, apply_plan
from netops.netbox.client import NetBoxClient
from netops.netbox.mapping import desired_records
from netops.netbox.plan import make_plan
from netops.netbox.snapshot import read_snapshot
from tests.netbox.support import REPO, SAMPLE_CITY, SMALL_CITY, network_of
from tests.netbox.test_sync import (  # noqa: F401  (env: the module's server fixture, shared with test_sync.py)
    NO_CHANGES,
    apply,
    assert_no_duplicates,
    client,
    copy_intent,
    counts_without_unchanged,
    env,
    nb,
    plan_json,
    reset,
    run,
    small_city,
)

pytestmark = pytest.mark.netbox

DISTRICT = Path("districts") / "001-ba-dinh.yml"
#: ba-dinh-agg-01's two uplinks swap ports (C-1 from eth1 to eth2, F-2 from eth2 to eth1).
SWAP = (("circuit_id: C-1, bandwidth_mbps: 1000}", "circuit_id: C-1, bandwidth_mbps: 1000, interface: eth2}"),
        ("circuit_id: F-2, bandwidth_mbps: 1000}", "circuit_id: F-2, bandwidth_mbps: 1000, interface: eth1}"))
#: C-3's end on ba-dinh-agg-01 moves from eth3 to eth9.
MOVE = (("circuit_id: C-3, bandwidth_mbps: 100}", "circuit_id: C-3, bandwidth_mbps: 100, remote_interface: eth9}"),)


def edited(tmp_path: Path, name: str, *replacements: tuple[str, str], file: Path = DISTRICT) -> Path:
    """A copy of the small city with each (old, new) text replaced once in ``file`` (each must be there)."""
    intent = copy_intent(SMALL_CITY, tmp_path / name)
    path = intent / file
    text = path.read_text()
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path.write_text(text)
    return intent


def far_ends(client: NetBoxClient, device: str, interface: str) -> list[str]:  # noqa: F811
    """What the cable on an interface ends on at its other side (``device/interface`` or ``cid/side``)."""
    rows = list(client.rest_list("dcim/interfaces", {"device": device, "name": interface}))
    assert len(rows) == 1, (device, interface)
    if rows[0]["cable"] is None:
        return []
    (cable,) = client.rest_list("dcim/cables", {"id": rows[0]["cable"]["id"]})
    return sorted(_label(end) for end in cable["a_terminations"] + cable["b_terminations"]
                  if not (end["object_type"] == "dcim.interface" and end["object_id"] == rows[0]["id"]))


def _label(end: dict[str, Any]) -> str:
    item = end["object"]
    if end["object_type"] == "dcim.interface":
        return f"{item['device']['name']}/{item['name']}"
    return f"{item['circuit']['cid']}/{item['term_side']}"


def terminations(client: NetBoxClient, cid: str) -> dict[str, dict[str, Any]]:  # noqa: F811
    """A circuit's terminations by side (none when NetBox has no such circuit)."""
    circuits = [row["id"] for row in client.rest_list("circuits/circuits", {"cid": cid, "fields": "id"})]
    if not circuits:
        return {}
    assert len(circuits) == 1, cid
    return {_value(row["term_side"]): row
            for row in client.rest_list("circuits/circuit-terminations", {"circuit_id": circuits[0]})}


def _value(choice: Any) -> str:
    return str(choice["value"] if isinstance(choice, dict) else choice)


def termination_cable_count(client: NetBoxClient, cid: str) -> dict[str, int]:  # noqa: F811
    """Per side of a circuit: how many cables end on its termination (NetBox allows one)."""
    return {side: int(row["cable"] is not None) for side, row in terminations(client, cid).items()}


def converged(env: dict[str, str], client: NetBoxClient, intent: Path, *, pruned: bool) -> None:  # noqa: F811
    """NetBox holds what intent wants (the plan has nothing to create, update or free first) and a second apply
    writes nothing. Without --prune, what left intent may stay, as deletes the plan leaves to --prune."""
    plan = plan_json(env, intent, *(["--prune"] if pruned else []))
    counts = counts_without_unchanged(plan)
    if pruned:
        assert counts == NO_CHANGES, plan["changes"]
    else:
        assert {**counts, "delete": 0} == NO_CHANGES, plan["changes"]
        assert not [change for change in plan["changes"] if change.get("first")], plan["changes"]
    again = apply(env, intent, *(["--prune"] if pruned else []))
    assert again.returncode == 0, again.stdout + again.stderr
    assert re.search(r"Applied to \S+: 0 created, 0 updated, 0 deleted,", again.stdout), again.stdout
    if pruned:
        assert_no_duplicates(client, intent)


def applied(env: dict[str, str], intent: Path, *extra: str) -> str:  # noqa: F811
    done = apply(env, intent, *extra)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


@pytest.fixture
def small(env: dict[str, str]) -> Iterator[dict[str, str]]:  # noqa: F811
    """NetBox holding exactly the small city before the test (repaired, with --prune, from the last one)."""
    small_city(env)
    yield env


# -- scenarios -----------------------------------------------------------------------------------------------------


def test_a_cable_moved_to_another_port(small: dict[str, str], client: NetBoxClient,  # noqa: F811
                                       tmp_path: Path) -> None:
    """The aggregation router's end of circuit C-3 moves from eth3 to eth9 (given explicitly), and the next
    uplink's derived port follows into the freed eth3: a chain. The cable on eth3 lets go of C-3's A end (taken
    by the new cable on eth9) for C-4's A end, which the cable on eth4 (left intent) holds. Both are detached
    first: eth4's deleted (even without --prune), eth3's deleted and created again."""
    intent = edited(tmp_path, "moved", *MOVE)
    assert far_ends(client, "ba-dinh-agg-01", "eth3") == ["C-3/A"]
    assert far_ends(client, "ba-dinh-agg-01", "eth4") == ["C-4/A"]
    plan = plan_json(small, intent)
    first = sorted((c["action"], c["type"], c["key"]) for c in plan["changes"] if c.get("first"))
    assert first == [("delete", "dcim.cable", ["ba-dinh-agg-01", "eth3"]),
                     ("delete", "dcim.cable", ["ba-dinh-agg-01", "eth4"])]
    notes = {tuple(c["key"]): c["note"] for c in plan["changes"] if c.get("first")}
    assert "deleted first, with or without --prune" in notes[("ba-dinh-agg-01", "eth4")]
    assert "replaced in two steps" in notes[("ba-dinh-agg-01", "eth3")]

    applied(small, intent)

    assert far_ends(client, "ba-dinh-agg-01", "eth9") == ["C-3/A"]
    assert far_ends(client, "ba-dinh-agg-01", "eth3") == ["C-4/A"]
    assert far_ends(client, "ba-dinh-agg-01", "eth4") == []
    assert termination_cable_count(client, "C-3") == {"A": 1, "Z": 1}
    assert termination_cable_count(client, "C-4") == {"A": 1, "Z": 1}
    converged(small, client, intent, pruned=False)
    applied(small, intent, "--prune")
    converged(small, client, intent, pruned=True)


def test_two_cables_swap_ports(small: dict[str, str], client: NetBoxClient, tmp_path: Path) -> None:  # noqa: F811
    """ba-dinh-agg-01's two uplinks swap ports: each cable's key stays, each takes the circuit end the other holds.
    Both go through two steps: deleted first, created again."""
    intent = edited(tmp_path, "swapped", *SWAP)
    assert far_ends(client, "ba-dinh-agg-01", "eth1") == ["C-1/Z"]
    plan = plan_json(small, intent)
    steps = [(c["action"], c["key"], bool(c.get("first"))) for c in plan["changes"] if c["type"] == "dcim.cable"]
    assert sorted(steps) == [("create", ["ba-dinh-agg-01", "eth1"], False),
                             ("create", ["ba-dinh-agg-01", "eth2"], False),
                             ("delete", ["ba-dinh-agg-01", "eth1"], True),
                             ("delete", ["ba-dinh-agg-01", "eth2"], True)]
    assert [c["action"] for c in plan["changes"]][:2] == ["delete", "delete"]  # listed in the order written

    applied(small, intent)

    assert far_ends(client, "ba-dinh-agg-01", "eth1") == ["F-2/Z"]
    assert far_ends(client, "ba-dinh-agg-01", "eth2") == ["C-1/Z"]
    converged(small, client, intent, pruned=True)


def test_a_circuit_termination_moves_to_another_device(small: dict[str, str], client: NetBoxClient,  # noqa: F811
                                                       tmp_path: Path) -> None:
    """Circuit C-4 is re-provisioned from ba-dinh-agg-01 to dc-core-02: its A end moves to the data center and
    another router's port, and the cable on ba-dinh-agg-01/eth4 (left intent) frees it first."""
    intent = edited(tmp_path, "rehomed", ("{to: ba-dinh-agg-01, provider: vnpt, circuit_id: C-4",
                                          "{to: dc-core-02, provider: vnpt, circuit_id: C-4"))
    before = {side: row["termination"]["slug"] for side, row in terminations(client, "C-4").items()}
    assert before == {"A": "ubnd-quan-ba-dinh", "Z": "hoi-lien-hiep-phu-nu-phuong-truc-bach"}

    applied(small, intent, "--prune")

    after = {side: row["termination"]["slug"] for side, row in terminations(client, "C-4").items()}
    assert after == {"A": "dc", "Z": "hoi-lien-hiep-phu-nu-phuong-truc-bach"}
    links = {row["id"]: row for row in network_of(intent).model_dump(mode="json")["links"]}
    (link,) = [row for row in links.values() if row.get("circuit") and row["circuit"]["circuit_id"] == "C-4"]
    assert far_ends(client, "dc-core-02", link["upstream"]["interface"]) == ["C-4/A"]
    assert not list(client.rest_list("dcim/interfaces", {"device": "ba-dinh-agg-01", "name": "eth4"}))  # pruned
    converged(small, client, intent, pruned=True)


def test_a_circuit_replaced_by_an_in_building_cable_then_pruned(small: dict[str, str],
                                                                client: NetBoxClient,  # noqa: F811
                                                                tmp_path: Path) -> None:
    """C-3 is given up for a direct cable: the cable on ba-dinh-agg-01/eth3 now ends on the ward router's port,
    which the cable from that port to C-3's Z end (left intent) holds: deleted first, even without --prune.
    With --prune the circuit, its terminations and nothing else go; no cable is left on them."""
    intent = edited(tmp_path, "direct", ("{to: ba-dinh-agg-01, provider: vnpt, circuit_id: C-3, bandwidth_mbps: 100}",
                                         "{to: ba-dinh-agg-01}"))

    applied(small, intent)

    assert far_ends(client, "ba-dinh-agg-01", "eth3") == ["ubnd-phuong-phuc-xa-r01/GigabitEthernet0/0/1"]
    assert termination_cable_count(client, "C-3") == {"A": 0, "Z": 0}
    converged(small, client, intent, pruned=False)

    pruned = applied(small, intent, "--prune")

    assert " deleted" in pruned
    assert termination_cable_count(client, "C-3") == {}
    converged(small, client, intent, pruned=True)


def test_a_lan_moved_to_another_vlan_id_and_back(small: dict[str, str], client: NetBoxClient,  # noqa: F811
                                                 tmp_path: Path) -> None:
    """The district's staff LAN moves from VLAN 10 to 11: the new VLAN takes the name 'staff', which VLAN 10
    (left intent, kept without --prune) holds, so VLAN 10 is renamed first. Back to 10, VLAN 11 is."""
    intent = edited(tmp_path, "vlan", ("      - {role: staff, hosts: 50}",
                                       "      - {role: staff, hosts: 50, vlan: 11}"))

    applied(small, intent)

    vlans = {row["vid"]: row["name"] for row in client.rest_list("ipam/vlans", {"group": "ubnd-quan-ba-dinh"})}
    assert vlans[11] == "staff" and vlans[10] != "staff"
    converged(small, client, intent, pruned=False)

    applied(small, SMALL_CITY)  # back, without --prune: VLAN 10 is intent's again, VLAN 11 lets go of the name

    vlans = {row["vid"]: row["name"] for row in client.rest_list("ipam/vlans", {"group": "ubnd-quan-ba-dinh"})}
    assert vlans[10] == "staff" and vlans[11] != "staff"
    converged(small, client, SMALL_CITY, pruned=False)


@pytest.mark.parametrize("stop_after", [1, 2, 3])
def test_an_apply_stopped_after_the_detach_converges_when_rerun(small: dict[str, str],
                                                                client: NetBoxClient,  # noqa: F811
                                                                tmp_path: Path, stop_after: int) -> None:
    """The swap of two cables, stopped after its first chunks of one object each (the first detach; both; both
    and one more write), re-run through the CLI: it converges, with no duplicates."""
    intent = edited(tmp_path, "swapped", *SWAP)
    desired = desired_records(network_of(intent))
    snapshot = read_snapshot(client, desired=desired)
    plan = make_plan(desired, snapshot)

    def stop(chunks: int) -> None:
        if chunks == stop_after:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        apply_plan(client, plan, snapshot, ApplyOptions(message="stopped", chunk_size=1, after_chunk=stop))

    applied(small, intent)

    assert far_ends(client, "ba-dinh-agg-01", "eth1") == ["F-2/Z"]
    assert far_ends(client, "ba-dinh-agg-01", "eth2") == ["C-1/Z"]
    converged(small, client, intent, pruned=True)


@pytest.mark.slow
def test_the_sample_city_then_a_larger_generated_city_over_it_and_back(env: dict[str, str],  # noqa: F811
                                                                        client: NetBoxClient,  # noqa: F811
                                                                        tmp_path: Path) -> None:
    """The reported case: a generated city re-uses the sample city's circuit ids and ports for other links.
    Over the sample city and back, first without --prune (what left intent stays, what it held is freed),
    then with --prune; each apply converges and a second one writes nothing."""
    big = tmp_path / "big"
    generated = run(["generate-city", "--out", str(big), "--districts", "3", "--wards-per-district", "3"], env)
    assert generated.returncode == 0, generated.stdout + generated.stderr
    reset(env)
    applied(env, SAMPLE_CITY)

    for intent, pruned in ((big, False), (SAMPLE_CITY, False), (big, True), (SAMPLE_CITY, True)):
        applied(env, intent, *(["--prune"] if pruned else []))
        converged(env, client, intent, pruned=pruned)


def test_a_killed_apply_rerun_converges_after_the_detach(small: dict[str, str], client: NetBoxClient,  # noqa: F811
                                                         tmp_path: Path) -> None:
    """The swap again, through the CLI, killed (SIGKILL, possibly mid-request) once it reports the first detach."""
    intent = edited(tmp_path, "swapped", *SWAP)
    process = subprocess.Popen([sys.executable, "-m", "netops", "apply", "--intent", str(intent), "--chunk-size",
                                "1"], cwd=REPO, env=small, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)
    assert process.stderr is not None
    seen = []
    for line in process.stderr:
        seen.append(line)
        if "cable: detached 1/" in line:
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=120)
    assert process.returncode == -signal.SIGKILL, "".join(seen)

    applied(small, intent)

    assert far_ends(client, "ba-dinh-agg-01", "eth1") == ["F-2/Z"]
    assert far_ends(client, "ba-dinh-agg-01", "eth2") == ["C-1/Z"]
    converged(small, client, intent, pruned=True)


def test_a_cable_netops_does_not_manage_on_a_port_intent_takes_stops_apply(small: dict[str, str],
                                                                          client: NetBoxClient,  # noqa: F811
                                                                          nb: Any,  # noqa: F811
                                                                          tmp_path: Path) -> None:
    """Somebody cabled port eth9 of ba-dinh-agg-01 (their interface, their cable); intent moves C-3 there. The plan
    names their cable; apply stops before writing, even with --adopt (which takes over their interface, not what
    their cable holds)."""
    router = nb.dcim.devices.get(name="ba-dinh-agg-01")
    port = nb.dcim.interfaces.create(device=router.id, name="eth9", type="1000base-t")
    patch = nb.dcim.interfaces.create(device=router.id, name="eth10", type="1000base-t")
    theirs = nb.dcim.cables.create(a_terminations=[{"object_type": "dcim.interface", "object_id": patch.id}],
                                   b_terminations=[{"object_type": "dcim.interface", "object_id": port.id}])
    try:
        intent = edited(tmp_path, "moved", *MOVE)
        changes_before = sum(1 for _ in client.rest_list("core/object-changes", {"fields": "id"}))

        plan = plan_json(small, intent, "--adopt")
        held = [c for c in plan["changes"] if c["action"] == "conflict" and c["type"] == "dcim.cable"]
        assert [c["key"] for c in held] == [["ba-dinh-agg-01", "eth9"]]
        assert held[0]["note"] == (f"would take interface ba-dinh-agg-01/eth9 (held by cable #{theirs.id}), which"
                                   " netops does not manage: free it in NetBox, or change intent")
        refused = apply(small, intent, "--adopt")

        assert refused.returncode == 1, refused.stdout + refused.stderr
        assert "would take what an object netops does not manage holds in NetBox" in refused.stderr
        assert "nothing was written" in refused.stderr
        assert sum(1 for _ in client.rest_list("core/object-changes", {"fields": "id"})) == changes_before
    finally:
        theirs.delete()
        patch.delete()
        port.delete()


def test_a_site_whose_slug_changes_keeps_its_name(small: dict[str, str], client: NetBoxClient,  # noqa: F811
                                                  tmp_path: Path) -> None:
    """An explicit slug for Sở Thông tin và Truyền thông: a new site (and router, named after the slug) takes the
    name, which NetBox keeps unique, from the old site (left intent): renamed first, then the cable of circuit
    F-1 moves to the new router's port. Then --prune removes what is left."""
    intent = edited(tmp_path, "slug", ("  - name: Sở Thông tin và Truyền thông\n",
                                       "  - name: Sở Thông tin và Truyền thông\n    slug: so-tttt\n"),
                    file=Path("city.yml"))

    applied(small, intent)

    sites = {row["slug"]: row["name"] for row in client.rest_list("dcim/sites", {"fields": "slug,name"})}
    assert sites["so-tttt"] == "Sở Thông tin và Truyền thông"
    assert sites["so-thong-tin-va-truyen-thong"].endswith("renamed to free the name)")
    assert far_ends(client, "so-tttt-r01", "eth1") == ["F-1/Z"]
    converged(small, client, intent, pruned=False)
    applied(small, intent, "--prune")
    converged(small, client, intent, pruned=True)
