"""NetBox as the system of record, against a real NetBox 4.7 (marker ``netbox``): apply, plan, drift, read-back.

The server is the embedded one on a state directory and ports of its own (var/netbox-sync-test; 18821, 25439,
63829: outside the kernel's ephemeral port range 32768-60999, where any program's random listener could take
them), sharing only NetBox's venv, so neither a developer's server nor test_server.py's is disturbed. It is
brought up once for the module and down at the end. Each test starts from ``reset`` (an empty NetBox in about
a second) and writes what it needs through the real CLI, as a user would.

Several people run the suite at once, in this checkout or in fresh clones: a second run waits for the first (a
machine-wide file lock held for the module), since two runs on the same ports would fail both.
"""

from __future__ import annotations

import fcntl
import ipaddress
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pynetbox
import pytest
import yaml

from netops.netbox.apply import ApplyOptions, apply_plan
from netops.netbox.client import Credentials, NetBoxClient, NetBoxError
from netops.netbox.mapping import MAPPERS, desired_records
from netops.netbox.plan import make_plan
from netops.netbox.read import load_network_from_netbox
from netops.netbox.snapshot import Backend, read_snapshot
from tests.allocations.city import site_facts
from tests.cli.terminal import on_pty
from tests.conftest import TESTS
from tests.netbox.support import (
    REPO,
    SAMPLE_CITY,
    SMALL_CITY,
    netbox_server,
    network_of,
    small_city_without_its_second_core,
)
from tests.reorganize.test_reorganize import LEGACY
from tests.terminal import netops_command, on_terminal

pytestmark = pytest.mark.netbox

SERVER_ENV = {
    "NETOPS_NETBOX_HOME": str(REPO / "var" / "netbox-sync-test"),
    "NETOPS_NETBOX_VENV": str(REPO / "var" / "netbox" / "venv"),
    "NETOPS_NETBOX_PORT": "18821",
    "NETOPS_NETBOX_PG_PORT": "25439",
    "NETOPS_NETBOX_REDIS_PORT": "63829",
}


def run(args: list[str], env: dict[str, str], timeout: float = 1800) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "netops", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def env() -> Iterator[dict[str, str]]:
    """The test server up for the module; the environment a user's shell would have (NETBOX_URL/TOKEN)."""
    base = {key: value for key, value in os.environ.items()
            if not key.startswith(("NETBOX_", "NETOPS_"))} | SERVER_ENV | {"COLUMNS": "200"}
    # Machine-wide, like the ports: another checkout (a CI-style fresh clone) runs this module on the same ports.
    lock_path = Path(tempfile.gettempdir()) / "netops-netbox-sync-test.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the module is done, or when this process dies
        yield from netbox_server(SERVER_ENV, base)


@pytest.fixture
def client(env: dict[str, str]) -> NetBoxClient:
    return NetBoxClient(Credentials(env["NETBOX_URL"], env["NETBOX_TOKEN"]))


@pytest.fixture
def nb(env: dict[str, str]) -> Any:
    """pynetbox as another NetBox user would use it (the UI does the same writes)."""
    return pynetbox.api(env["NETBOX_URL"], token=env["NETBOX_TOKEN"])


def reset(env: dict[str, str]) -> None:
    done = run(["netbox", "reset", "--yes"], env, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def small_city(env: dict[str, str]) -> None:
    """NetBox holding exactly the small city: repaired with a few writes when a test changed a little, re-applied
    from empty otherwise (a full apply costs ~20 s, so tests that only read or touch a little share one)."""
    plan = plan_json(env, SMALL_CITY, "--prune")
    writes = sum(counts_without_unchanged(plan).values())
    if writes == 0:
        return
    if writes <= 50 and not plan["counts"]["conflict"]:
        repaired = apply(env, SMALL_CITY, "--prune")
        assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    else:
        reset(env)
        applied = apply(env, SMALL_CITY)
        assert applied.returncode == 0, applied.stdout + applied.stderr
    assert counts_without_unchanged(plan_json(env, SMALL_CITY, "--prune")) == NO_CHANGES


def apply(env: dict[str, str], intent: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run(["apply", "--intent", str(intent), "--yes", *extra], env)


def plan_json(env: dict[str, str], intent: Path, *extra: str) -> dict[str, Any]:
    done = run(["plan", "--intent", str(intent), "--json", *extra], env)
    assert done.returncode == 0, done.stdout + done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def counts_without_unchanged(plan: dict[str, Any]) -> dict[str, int]:
    return {action: n for action, n in plan["counts"].items() if action != "unchanged"}


NO_CHANGES = {"create": 0, "update": 0, "delete": 0, "conflict": 0}


def object_count(client: NetBoxClient, endpoint: str, **params: Any) -> int:
    return sum(1 for _ in client.rest_list(endpoint, {"fields": "id", **params}))


def assert_no_duplicates(client: NetBoxClient, intent: Path) -> None:
    """Every managed object of each type once: as many in NetBox as intent wants, no key twice."""
    desired = desired_records(network_of(intent))
    snapshot = read_snapshot(client, desired=desired)
    assert snapshot.duplicates == []
    for mapper in MAPPERS:
        if mapper.taggable and not mapper.fetch_all:
            held = object_count(client, mapper.endpoint, tag="netops-managed")
            assert held == len(desired.of(mapper.object_type)), mapper.object_type


def copy_intent(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


# -- tests -----------------------------------------------------------------------------------------------------


def test_bad_input_is_exit_2_and_writes_nothing(env: dict[str, str], client: NetBoxClient, tmp_path: Path) -> None:
    reset(env)
    broken = copy_intent(SMALL_CITY, tmp_path / "broken")
    district = broken / "districts" / "001-ba-dinh.yml"
    district.write_text(district.read_text().replace("to: ba-dinh-agg-01, provider: vnpt, circuit_id: C-3",
                                                     "to: ba-dinh-agg-1, provider: vnpt, circuit_id: C-3"))
    unmappable = copy_intent(SMALL_CITY, tmp_path / "icmp")
    city = unmappable / "city.yml"
    city.write_text(city.read_text().replace("ports: [udp/53, tcp/53]", "ports: [udp/53, tcp/53, icmp]"))

    for intent, message in ((broken, "uplink to an unknown device"), (unmappable, "NetBox services have no ICMP")):
        done = apply(env, intent)
        assert done.returncode == 2, done.stdout + done.stderr
        assert message in done.stderr and "nothing was written" in done.stderr

    assert object_count(client, "core/object-changes") == 0
    assert object_count(client, "extras/tags") == 0


def test_apply_writes_with_a_changelog_message_and_a_second_run_changes_nothing(
        env: dict[str, str], client: NetBoxClient) -> None:
    reset(env)
    first = apply(env, SMALL_CITY, "--message", "ticket NET-1: small city")
    assert first.returncode == 0, first.stdout + first.stderr
    created = len(desired_records(network_of(SMALL_CITY)))
    assert f"{created} created, 0 updated, 0 deleted" in first.stdout

    second = apply(env, SMALL_CITY)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "0 created, 0 updated, 0 deleted" in second.stdout
    assert counts_without_unchanged(plan_json(env, SMALL_CITY)) == NO_CHANGES

    # Each object netops wrote carries the message; what NetBox changes on its own as a consequence (cable
    # terminations, the cable field of the interfaces, circuit terminations' paths) is logged without one.
    changes = list(client.rest_list("core/object-changes", {"fields": "message,changed_object_type,action"}))
    created = [row for row in changes if row["action"]["value"] == "create"
               and row["changed_object_type"] != "dcim.cabletermination"]
    assert len(created) == len(desired_records(network_of(SMALL_CITY)))
    assert {row["message"] for row in created} == {"ticket NET-1: small city"}
    side_effects = {row["changed_object_type"] for row in changes if not row["message"]}
    assert side_effects <= {"dcim.cabletermination", "dcim.interface", "circuits.circuittermination",
                            "circuits.circuit"}
    assert_no_duplicates(client, SMALL_CITY)


def test_apply_and_plan_at_a_terminal_show_the_reads_and_writes_counted_to_the_end(env: dict[str, str]) -> None:
    reset(env)
    terminal = env | {"TERM": "xterm-256color", "COLUMNS": "160"}
    applied = on_terminal(netops_command("apply", "--intent", str(SMALL_CITY)), cwd=REPO, env=terminal)
    assert applied.returncode == 0, applied.text
    created = len(desired_records(network_of(SMALL_CITY)))
    assert f"{created} created, 0 updated, 0 deleted" in applied.stdout
    writes = applied.counts("writing NetBox")
    assert writes[-1] == (created, created), applied.text
    assert [n for n, _ in writes] == sorted(n for n, _ in writes)
    reads = applied.counts("reading NetBox")
    assert reads and reads[-1][0] == reads[-1][1] > 0, applied.text

    planned = on_terminal(netops_command("plan", "--intent", str(SMALL_CITY)), cwd=REPO, env=terminal)
    assert planned.returncode == 0, planned.text
    reads = planned.counts("reading NetBox")
    assert reads and reads[-1][0] == reads[-1][1] > 0, planned.text
    assert "writing NetBox" not in planned.text

    as_json = on_terminal(netops_command("plan", "--intent", str(SMALL_CITY), "--json"), cwd=REPO, env=terminal)
    assert as_json.returncode == 0, as_json.text
    assert "NetBox" not in as_json.text  # neither bars nor lines
    assert counts_without_unchanged(json.loads(as_json.stdout)) == NO_CHANGES


@pytest.mark.parametrize("backend", list(Backend))
def test_read_back_equals_intent(env: dict[str, str], client: NetBoxClient, backend: Backend) -> None:
    small_city(env)

    back = load_network_from_netbox(client, backend=backend).network

    assert back.model_dump(mode="json") == network_of(SMALL_CITY).model_dump(mode="json")


def test_an_interrupted_apply_rerun_converges_with_no_duplicates(env: dict[str, str], client: NetBoxClient) -> None:
    reset(env)
    desired = desired_records(network_of(SMALL_CITY))
    snapshot = read_snapshot(client, desired=desired)
    plan = make_plan(desired, snapshot)

    def stop_after_four_chunks(chunks: int) -> None:
        if chunks == 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        apply_plan(client, plan, snapshot, ApplyOptions(message="interrupted", chunk_size=7,
                                                        after_chunk=stop_after_four_chunks))
    partial = read_snapshot(client, desired=desired)
    assert 0 < len(partial.records) < len(desired)

    rerun = apply(env, SMALL_CITY)

    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert counts_without_unchanged(plan_json(env, SMALL_CITY)) == NO_CHANGES
    assert_no_duplicates(client, SMALL_CITY)


def test_a_killed_apply_rerun_converges_with_no_duplicates(env: dict[str, str], client: NetBoxClient) -> None:
    reset(env)
    process = subprocess.Popen([sys.executable, "-m", "netops", "apply", "--intent", str(SMALL_CITY),
                                "--chunk-size", "5"], cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    written, seen = 0, []
    for line in process.stderr:
        seen.append(line)
        written += " created " in line
        if written == 6:
            process.send_signal(signal.SIGKILL)  # mid-apply, possibly mid-request
            break
    process.wait(timeout=120)
    assert process.returncode == -signal.SIGKILL, "".join(seen)
    assert 0 < object_count(client, "core/object-changes") < len(desired_records(network_of(SMALL_CITY)))

    rerun = apply(env, SMALL_CITY)

    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert counts_without_unchanged(plan_json(env, SMALL_CITY)) == NO_CHANGES
    assert_no_duplicates(client, SMALL_CITY)


def test_an_unmanaged_object_with_the_same_name_is_left_alone(env: dict[str, str], client: NetBoxClient,
                                                             nb: Any) -> None:
    reset(env)
    theirs = nb.dcim.sites.create(name="Somebody's data center", slug="dc", description="not netops'")
    maker = nb.dcim.manufacturers.create(name="Cisco Systems", slug="cisco")
    before = object_count(client, "core/object-changes")

    refused = apply(env, SMALL_CITY)

    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "! site dc: exists in NetBox, not managed by netops" in refused.stderr
    assert "nothing was written" in refused.stderr
    assert object_count(client, "core/object-changes") == before
    plan = plan_json(env, SMALL_CITY)
    assert plan["counts"]["conflict"] == 1
    assert nb.dcim.sites.get(theirs.id).name == "Somebody's data center"

    adopted = apply(env, SMALL_CITY, "--adopt")

    assert adopted.returncode == 0, adopted.stdout + adopted.stderr
    site = nb.dcim.sites.get(theirs.id)
    assert site.name == "Trung tâm Dữ liệu" and [t.slug for t in site.tags] == ["netops-managed"]
    cisco = nb.dcim.manufacturers.get(maker.id)
    assert cisco.name == "Cisco Systems" and list(cisco.tags) == [], "shared vocabulary is used, never changed"
    assert counts_without_unchanged(plan_json(env, SMALL_CITY)) == NO_CHANGES


def test_prune_deletes_only_managed_objects_that_left_intent(env: dict[str, str], client: NetBoxClient, nb: Any,
                                                             tmp_path: Path) -> None:
    small_city(env)
    unmanaged = nb.ipam.prefixes.create(prefix="10.77.0.0/24", description="someone else's")
    stranger = nb.dcim.devices.create(name="stranger-sw", site=nb.dcim.sites.get(slug="dc").id,
                                      role=nb.dcim.device_roles.get(slug="core").id,
                                      device_type=nb.dcim.device_types.get(slug="frr-router").id)
    reduced = copy_intent(SMALL_CITY, tmp_path / "reduced")
    district_file = reduced / "districts" / "001-ba-dinh.yml"
    district = yaml.safe_load(district_file.read_text())
    district["sites"] = [s for s in district["sites"] if s["kind"] != "mass_organization"]
    district_file.write_text(yaml.safe_dump(district, allow_unicode=True))
    leaving = "hoi-lien-hiep-phu-nu-phuong-truc-bach"

    kept = apply(env, reduced)

    assert kept.returncode == 0, kept.stdout + kept.stderr
    assert "managed objects not in intent kept (--prune deletes them)" in kept.stdout
    assert nb.dcim.sites.get(slug=leaving) is not None

    # Someone added an interface of their own to the leaving router: prune keeps the router (deleting it would
    # delete their interface) and, since the router stays, its site.
    theirs = nb.dcim.interfaces.create(device=nb.dcim.devices.get(name=f"{leaving}-r01").id, name="usb0",
                                       type="virtual")
    protected = apply(env, reduced, "--prune")
    assert protected.returncode == 0, protected.stdout + protected.stderr
    assert f"device {leaving}-r01: kept, 1 object(s) of dcim/interfaces still depend on it" in protected.stderr
    assert nb.dcim.sites.get(slug=leaving) is not None and nb.dcim.interfaces.get(theirs.id) is not None
    theirs.delete()

    # Without --yes, apply --prune asks: off a terminal it refuses; on one it lists the deletions, and "n" keeps them.
    refused = run(["apply", "--intent", str(reduced), "--prune"], env)
    assert refused.returncode == 2 and "pass --yes (-y)" in refused.stderr, refused.stdout + refused.stderr
    code, screen = on_pty(["apply", "--intent", str(reduced), "--prune"], env, b"n\n")
    assert code == 130, screen
    assert f"- site {leaving}" in screen and f"- device {leaving}-r01" in screen and "[y/N]" in screen
    assert "declined: nothing was changed" in screen
    assert nb.dcim.sites.get(slug=leaving) is not None and nb.dcim.devices.get(name=f"{leaving}-r01") is not None

    pruned = apply(env, reduced, "--prune")

    assert pruned.returncode == 0, pruned.stdout + pruned.stderr
    assert nb.dcim.sites.get(slug=leaving) is None
    assert nb.dcim.devices.get(name=f"{leaving}-r01") is None
    assert nb.circuits.circuits.get(cid="C-4") is None
    assert nb.ipam.prefixes.get(unmanaged.id).description == "someone else's"
    assert nb.dcim.devices.get(stranger.id).name == "stranger-sw"
    assert counts_without_unchanged(plan_json(env, reduced)) == NO_CHANGES
    assert_no_duplicates(client, reduced)
    assert plan_json(env, SMALL_CITY)["counts"]["create"] > 0


def test_drift_sees_edits_made_in_netbox_and_who_made_them(env: dict[str, str], nb: Any) -> None:
    small_city(env)
    assert run(["drift", "--intent", str(SMALL_CITY)], env).returncode == 0
    site = nb.dcim.sites.get(slug="ubnd-phuong-phuc-xa")
    site.update({"status": "retired", "custom_fields": {"site_number": 3},
                 "changelog_message": "moved by hand (ticket 42)"})
    nb.ipam.prefixes.create(prefix="10.99.0.0/24", tags=[{"slug": "netops-managed"}])
    nb.dcim.interfaces.get(device="dc-core-01", name="lo").delete()

    done = run(["drift", "--intent", str(SMALL_CITY), "--json"], env)

    assert done.returncode == 1, done.stdout + done.stderr
    drift = json.loads(done.stdout)
    by_key = {(item["type"], tuple(item["key"])): item for item in drift["items"]}
    edited = by_key[("dcim.site", ("ubnd-phuong-phuc-xa",))]
    assert edited["drift"] == "edited in NetBox"
    assert {f["field"]: (f["before"], f["after"]) for f in edited["fields"]} == {
        "status": ("retired", "planned"), "custom_fields.site_number": (3, 0)}
    assert edited["last_change"]["user"] == "admin"
    assert edited["last_change"]["message"] == "moved by hand (ticket 42)"
    assert by_key[("ipam.prefix", ("10.99.0.0/24",))]["drift"] == "in NetBox (managed), not in intent"
    assert by_key[("dcim.interface", ("dc-core-01", "lo"))]["drift"] == "missing from NetBox"
    text = run(["drift", "--intent", str(SMALL_CITY)], env)
    assert "status: NetBox \"retired\", intent \"planned\"" in text.stdout

    assert apply(env, SMALL_CITY, "--prune").returncode == 0
    assert run(["drift", "--intent", str(SMALL_CITY)], env).returncode == 0


def test_a_network_netbox_cannot_describe_is_exit_2_located_at_the_object(env: dict[str, str], nb: Any) -> None:
    small_city(env)
    cable = nb.dcim.cables.get(nb.dcim.interfaces.get(device="dc-core-01", name="eth1").cable.id)
    cable.delete()

    done = run(["validate", "--source", "netbox"], env)

    assert done.returncode == 2, done.stdout + done.stderr
    assert "links[dc-core-01--dc-core-02]: WAN link whose ends cannot be told apart" in done.stderr
    assert f"{env['NETBOX_URL']}/ipam/prefixes/" in done.stderr


def test_sample_city_apply_twice_and_read_back(env: dict[str, str], client: NetBoxClient) -> None:
    """The key test: the sample city from an empty NetBox, a second apply writing nothing, and the Network read
    back from NetBox equal to the one from intent (the commands' own output compared)."""
    reset(env)
    first = apply(env, SAMPLE_CITY)
    assert first.returncode == 0, first.stdout + first.stderr

    second = apply(env, SAMPLE_CITY)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "0 created, 0 updated, 0 deleted" in second.stdout
    assert counts_without_unchanged(plan_json(env, SAMPLE_CITY)) == NO_CHANGES

    from_intent = run(["export", "--intent", str(SAMPLE_CITY), "--format", "json"], env)
    from_netbox = run(["export", "--source", "netbox", "--format", "json"], env)
    assert from_netbox.returncode == 0, from_netbox.stderr
    assert from_netbox.stdout == from_intent.stdout
    back = load_network_from_netbox(client, backend=Backend.REST).network
    assert back.model_dump(mode="json") == network_of(SAMPLE_CITY).model_dump(mode="json")
    validated = run(["validate", "--source", "netbox"], env)
    assert validated.returncode == 0 and "(from NetBox)" in validated.stdout
    assert_no_duplicates(client, SAMPLE_CITY)


def test_vrrp_groups_in_netbox_are_its_own_fhrp_groups_and_a_prune_removes_one_whose_lan_lost_a_router(
        env: dict[str, str], client: NetBoxClient, nb: Any, tmp_path: Path) -> None:
    """The small city's servers LAN has VRRP across the two data-center cores: NetBox holds it as an FHRP group
    (VRRPv3, VRID, the virtual address with role vrrp, each core's interface assigned with its priority). When the
    second core leaves intent, apply --prune removes the group and puts the gateway address back on the router."""
    small_city(env)
    group = nb.ipam.fhrp_groups.get(name="dc VLAN 100")
    assert (group.protocol, group.group_id) == ("vrrp3", 100)
    assert group.custom_fields["vrrp_preempt"] is True and group.custom_fields["vrrp_advertisement_interval"] == 1000
    members = sorted((a.interface.device.name, a.interface.name, a.priority)
                     for a in nb.ipam.fhrp_group_assignments.filter(group_id=group.id))
    assert members == [("dc-core-01", "eth0.100", 110), ("dc-core-02", "eth0.100", 100)]
    virtual = nb.ipam.ip_addresses.get(address="10.145.1.1/24")
    assert (virtual.role.value, virtual.assigned_object_type, virtual.assigned_object_id) == (
        "vrrp", "ipam.fhrpgroup", group.id)
    assert nb.ipam.ip_addresses.get(address="10.145.1.253/24").assigned_object.device.name == "dc-core-02"
    reduced = small_city_without_its_second_core(tmp_path / "reduced")

    pruned = apply(env, reduced, "--prune")

    assert pruned.returncode == 0, pruned.stdout + pruned.stderr
    assert object_count(client, "ipam/fhrp-groups") == 0
    assert object_count(client, "ipam/fhrp-group-assignments") == 0
    gateway = nb.ipam.ip_addresses.get(address="10.145.1.1/24")
    assert gateway.role is None and gateway.assigned_object_type == "dcim.interface"
    assert (gateway.assigned_object.device.name, gateway.assigned_object.name) == ("dc-core-01", "eth0.100")
    assert nb.dcim.devices.get(name="dc-core-02") is None
    assert counts_without_unchanged(plan_json(env, reduced, "--prune")) == NO_CHANGES
    back = load_network_from_netbox(client).network
    assert back.site_by_slug["dc"].lans[0].redundancy is None
    assert back.model_dump(mode="json") == network_of(reduced).model_dump(mode="json")


def test_an_ha_pair_is_a_virtual_chassis_of_its_members_and_leaves_with_the_pair(env: dict[str, str], nb: Any,
                                                                                 tmp_path: Path) -> None:
    """The sample's firewall pair: a virtual chassis, the active firewall at position 1, the standby at 2, the
    pair's settings in custom fields; intent giving the pair up (the firewalls stay) takes the chassis away."""
    reset(env)
    assert apply(env, SAMPLE_CITY).returncode == 0
    chassis = nb.dcim.virtual_chassis.get(name="dc-fw")
    assert chassis.custom_fields["ha_sync_link"] == "dc-fw-01--dc-fw-02"
    assert chassis.custom_fields["ha_mode"]["value"] == "active_standby" and chassis.master is None
    assert [(d.name, d.vc_position) for d in nb.dcim.devices.filter(virtual_chassis_id=chassis.id)] == [
        ("dc-fw-01", 1), ("dc-fw-02", 2)]
    unpaired = copy_intent(SAMPLE_CITY, tmp_path / "unpaired")
    city_file = unpaired / "city.yml"
    city = yaml.safe_load(city_file.read_text(encoding="utf-8"))
    for site in city["sites"]:
        site.pop("ha_pairs", None)
    city_file.write_text(yaml.safe_dump(city, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert not network_of(unpaired).ha_pairs

    pruned = apply(env, unpaired, "--prune")

    assert pruned.returncode == 0, pruned.stdout + pruned.stderr
    assert nb.dcim.virtual_chassis.get(name="dc-fw") is None
    assert {d.name: d.virtual_chassis for d in nb.dcim.devices.filter(name=["dc-fw-01", "dc-fw-02"])} == {
        "dc-fw-01": None, "dc-fw-02": None}
    assert counts_without_unchanged(plan_json(env, unpaired, "--prune")) == NO_CHANGES


def test_the_real_city_applies_and_plans_whole(env: dict[str, str], tmp_path: Path) -> None:
    """The real Hà Nội (`generate-city --real`): one district of it written through the API, then the whole city
    planned against that NetBox. Its objects are ones NetBox takes, and the plan of 50,000 objects keeps what the
    district wrote."""
    real = tmp_path / "real"
    generated = run(["generate-city", "--real", "--out", str(real)], env)
    assert generated.returncode == 0, generated.stderr
    district = tmp_path / "one-district"
    shutil.copytree(real, district, ignore=shutil.ignore_patterns(".netops-manifest.json"))
    for other in (district / "districts").glob("*.yml"):
        if other.name != "003-quan-tay-ho.yml":
            other.unlink()
    reset(env)
    applied = apply(env, district)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert counts_without_unchanged(plan_json(env, district)) == NO_CHANGES
    whole = plan_json(env, real)["counts"]
    # The data-center cores number their ports in district order: the 4 facing Tây Hồ's aggregation routers
    # (eth3, eth4 of each core) are other ports in the whole city, so they go and come back under Ba Đình's.
    assert whole["conflict"] == 0 and whole["delete"] == 4
    desired = len(desired_records(network_of(real)))
    assert whole["unchanged"] > 900 and sum(whole.values()) == desired + whole["delete"] and desired > 50_000


# -- allocation through NetBox ---------------------------------------------------------------------------------


def allocate_json(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run(["allocate", *args, "--intent", str(SMALL_CITY), "--json"], env)


def allocations(done: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    assert done.returncode == 0, done.stdout + done.stderr
    result: list[dict[str, Any]] = json.loads(done.stdout)["allocations"]
    return result


def test_allocate_reserves_free_blocks_once_per_purpose(env: dict[str, str], client: NetBoxClient) -> None:
    small_city(env)
    taken = {row["prefix"] for row in client.rest_list("ipam/prefixes", {"within": "10.128.0.0/12",
                                                                        "fields": "prefix"})}

    first = allocations(allocate_json(env, "prefix", "--pool", "district", "--length", "24", "--count", "2",
                                      "--for", "ubnd-quan-moi lans"))
    again = allocations(allocate_json(env, "prefix", "--pool", "district", "--length", "24", "--count", "2",
                                      "--for", "ubnd-quan-moi lans"))
    more = allocations(allocate_json(env, "prefix", "--within", "10.128.0.0/12", "--length", "24", "--count",
                                     "3", "--for", "ubnd-quan-moi lans"))

    blocks = [a["value"] for a in first]
    assert [a["new"] for a in first] == [True, True] and len(set(blocks)) == 2
    for block in blocks:
        network = ipaddress.ip_network(block)
        assert network.prefixlen == 24 and network.subnet_of(ipaddress.ip_network("10.128.0.0/12"))
        assert not any(network.overlaps(ipaddress.ip_network(other)) for other in taken)
    assert [(a["value"], a["new"]) for a in again] == [(b, False) for b in blocks]
    assert [a["value"] for a in more][:2] == blocks and [a["new"] for a in more] == [False, False, True]
    rows = list(client.rest_list("ipam/prefixes", {"tag": "netops-allocated", "fields": "prefix,status,description"}))
    assert len(rows) == 3
    assert {row["status"]["value"] for row in rows} == {"reserved"}
    assert {row["description"] for row in rows} == {"ubnd-quan-moi lans"}
    # Reserved blocks are not the intent's: the plan leaves them alone, apply --prune too.
    assert counts_without_unchanged(plan_json(env, SMALL_CITY, "--prune")) == NO_CHANGES


def test_parallel_allocations_never_get_the_same_address(env: dict[str, str], client: NetBoxClient) -> None:
    small_city(env)
    parent = "10.248.0.0/14"
    command = [sys.executable, "-m", "netops", "allocate", "ip", "--prefix", parent, "--count", "20", "--json",
               "--intent", str(SMALL_CITY), "--for"]
    runs = [subprocess.Popen([*command, f"monitoring probe {n}"], cwd=REPO, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for n in range(3)]
    results = [(process.wait(timeout=600), *process.communicate()) for process in runs]

    addresses: list[str] = []
    for code, stdout, stderr in results:
        assert code == 0, stdout + stderr
        addresses += [a["value"] for a in json.loads(stdout)["allocations"]]
    assert len(addresses) == 60 and len(set(addresses)) == 60
    held = {row["address"] for row in client.rest_list("ipam/ip-addresses", {"parent": parent, "fields": "address"})}
    assert set(addresses) <= held


def test_allocate_bad_input_and_no_room_are_clear_errors(env: dict[str, str], client: NetBoxClient) -> None:
    small_city(env)
    before = object_count(client, "core/object-changes")

    cases = [
        (("prefix", "--within", "10.128.0.0/33", "--length", "24", "--for", "x"), 2, "is not a network prefix"),
        (("prefix", "--within", "10.128.0.0/12", "--length", "8", "--for", "x"), 2, "does not fit in 10.128.0.0/12"),
        (("prefix", "--within", "172.31.0.0/16", "--length", "24", "--for", "x"), 2, "NetBox holds no prefix"),
        (("prefix", "--pool", "nowhere", "--length", "24", "--for", "x"), 2, "the address plan has no such pool"),
        (("prefix", "--length", "24", "--for", "x"), 2, "give either --within or --pool"),
        (("ip", "--pool", "loopbacks", "--for", " "), 2, "--for is empty"),
    ]
    for args, code, message in cases:
        done = run(["allocate", *args, "--intent", str(SMALL_CITY)], env)
        assert done.returncode == code, (args, done.stdout + done.stderr)
        assert message in done.stderr, (args, done.stderr)
    assert object_count(client, "core/object-changes") == before

    # A /31 link prefix of the city has room for two addresses, which the city's interfaces hold.
    link = next(row["prefix"] for row in client.rest_list("ipam/prefixes", {"mask_length": 31, "fields": "prefix"}))
    full = run(["allocate", "ip", "--prefix", link, "--for", "one more", "--intent", str(SMALL_CITY)], env)
    assert full.returncode == 1, full.stdout + full.stderr
    assert f"{link} has no room" in full.stderr
    assert env["NETBOX_TOKEN"] not in full.stdout + full.stderr


# -- faults ----------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_unreachable_netbox_and_a_bad_token_are_clear_errors_without_the_token(env: dict[str, str],
                                                                             tmp_path: Path) -> None:
    small_city(env)
    secret = env["NETBOX_TOKEN"].split(".", 1)[1]
    nowhere = env | {"NETBOX_URL": f"http://127.0.0.1:{free_port()}"}
    bad_token = env | {"NETBOX_TOKEN": env["NETBOX_TOKEN"][:-6] + "000000"}
    commands = [["plan", "--intent", str(SMALL_CITY)], ["apply", "--intent", str(SMALL_CITY)],
                ["drift", "--intent", str(SMALL_CITY)], ["validate", "--source", "netbox"],
                ["show", "devices", "--source", "netbox"],
                ["render", "--source", "netbox", "--out", str(tmp_path / "configs")],
                ["query", "sites", "--source", "netbox"], ["export", "--source", "netbox"],
                ["report", "--source", "netbox", "--out", str(tmp_path / "report")],
                ["analyze", "redundancy", "--source", "netbox"], ["compliance", "--source", "netbox"],
                ["allocate", "ip", "--pool", "management", "--for", "x", "--intent", str(SMALL_CITY)]]
    for command in commands:
        down = run(command, nowhere)
        assert down.returncode == 3, (command, down.stdout + down.stderr)
        assert "NetBox is not reachable" in down.stderr and nowhere["NETBOX_URL"] in down.stderr, command
        refused = run(command, bad_token)
        assert refused.returncode == 2, (command, refused.stdout + refused.stderr)
        assert "NetBox refused the API token" in refused.stderr and "hint: check NETBOX_TOKEN" in refused.stderr
        for done in (down, refused):
            assert secret not in done.stdout + done.stderr and secret[:-6] not in done.stdout + done.stderr
    assert counts_without_unchanged(plan_json(env, SMALL_CITY, "--prune")) == NO_CHANGES
    assert not (tmp_path / "configs").exists() and not (tmp_path / "report").exists()


def limited_token(nb: Any, denied: str) -> str:
    """A token of a user who may do everything netops does except write one object type (a 403 mid-apply)."""
    user = nb.users.users.create(username="limited", password="Limited-user-2026")
    allowed = sorted({mapper.object_type for mapper in MAPPERS} | {"ipam.service", "extras.tag"})
    nb.users.permissions.create(name="all but one", object_types=[t for t in allowed if t != denied],
                                actions=["view", "add", "change", "delete"], users=[user.id])
    nb.users.permissions.create(name="read the rest", object_types=[denied], actions=["view"], users=[user.id])
    token = nb.users.tokens.create(user=user.id, write_enabled=True, version=2)
    return f"nbt_{token.key}.{token.token}"


def test_a_refused_write_mid_apply_stops_with_the_object_named_and_a_rerun_converges(
        env: dict[str, str], client: NetBoxClient, nb: Any) -> None:
    reset(env)
    token = limited_token(nb, "dcim.cable")
    limited = env | {"NETBOX_TOKEN": token}

    stopped = apply(limited, SMALL_CITY)

    assert stopped.returncode == 3, stopped.stdout + stopped.stderr
    assert "NetBox refused to create objects on dcim/cables (HTTP 403)" in stopped.stderr
    assert "permission" in stopped.stderr
    assert token.split(".", 1)[1] not in stopped.stdout + stopped.stderr
    assert object_count(client, "dcim/devices") > 0 and object_count(client, "dcim/cables") == 0

    rerun = apply(env, SMALL_CITY)

    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert counts_without_unchanged(plan_json(env, SMALL_CITY)) == NO_CHANGES
    assert_no_duplicates(client, SMALL_CITY)


def test_netbox_failing_mid_apply_is_exit_1_and_a_rerun_converges(env: dict[str, str], client: NetBoxClient) -> None:
    reset(env)
    desired = desired_records(network_of(SMALL_CITY))
    snapshot = read_snapshot(client, desired=desired)
    plan = make_plan(desired, snapshot)
    postmaster = Path(SERVER_ENV["NETOPS_NETBOX_HOME"]) / "pg" / "data" / "postmaster.pid"

    def database_goes_away(chunks: int) -> None:
        if chunks == 5:  # NetBox's database stops (fast shutdown): NetBox answers 500 from here on
            os.kill(int(postmaster.read_text().split()[0]), signal.SIGINT)
            for _ in range(100):
                if not postmaster.exists():
                    break
                time.sleep(0.1)

    try:
        with pytest.raises(NetBoxError) as failed:
            apply_plan(client, plan, snapshot, ApplyOptions(message="database down", chunk_size=7,
                                                            after_chunk=database_goes_away))
        assert failed.value.status is not None and failed.value.status >= 500, str(failed.value)
    finally:
        up = run(["netbox", "up"], env)  # starts what is down again (the database here)
        assert up.returncode == 0, up.stdout + up.stderr

    rerun = apply(env, SMALL_CITY)

    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert counts_without_unchanged(plan_json(env, SMALL_CITY)) == NO_CHANGES
    assert_no_duplicates(client, SMALL_CITY)


def test_addresses_that_move_between_devices_are_reassigned(env: dict[str, str], client: NetBoxClient, nb: Any,
                                                            tmp_path: Path) -> None:
    """Two routers swap loopbacks (their primary IPs) and management addresses (their OOB IPs): NetBox refuses to
    move an address that is a primary or OOB IP, so apply unsets those first and sets them again at the end."""
    small_city(env)
    devices = {d["name"]: d for d in json.loads(run(["show", "devices", "--intent", str(SMALL_CITY), "--json"],
                                                    env).stdout)}
    one, two = devices["dc-core-01"], devices["dc-core-02"]
    swapped = copy_intent(SMALL_CITY, tmp_path / "swapped")
    city = swapped / "city.yml"
    text = city.read_text()
    text = text.replace("- {name: dc-core-01, role: core, tags: [pilot, core-a]}",
                        f"- {{name: dc-core-01, role: core, tags: [pilot, core-a], loopback: {two['loopback']},"
                        f" management: {two['management']}}}")
    text = text.replace("      - name: dc-core-02\n        role: core\n",
                        f"      - name: dc-core-02\n        role: core\n        loopback: {one['loopback']}\n"
                        f"        management: {one['management']}\n")
    city.write_text(text)
    plan = plan_json(env, swapped)
    assert plan["counts"]["update"] >= 4, plan["counts"]

    moved = apply(env, swapped)

    assert moved.returncode == 0, moved.stdout + moved.stderr
    assert counts_without_unchanged(plan_json(env, swapped)) == NO_CHANGES
    core = nb.dcim.devices.get(name="dc-core-01")
    assert str(core.primary_ip4.address).split("/")[0] == two["loopback"]
    assert str(core.oob_ip.address).split("/")[0] == two["management"]
    assert_no_duplicates(client, swapped)


CURRENT_CITY = TESTS / "resolve" / "cases" / "current-structure" / "intent"


@pytest.mark.parametrize("backend", list(Backend))
def test_a_city_of_the_2025_structure_applies_and_reads_back(env: dict[str, str], client: NetBoxClient,
                                                            backend: Backend) -> None:
    """Units right under the city, areas as site groups, hubs and public-service points: a second apply writes
    nothing and the Network read back is the one from intent."""
    reset(env)
    first = apply(env, CURRENT_CITY)
    assert first.returncode == 0, first.stdout + first.stderr
    assert counts_without_unchanged(plan_json(env, CURRENT_CITY)) == NO_CHANGES

    back = load_network_from_netbox(client, backend=backend).network

    assert back.structure.value == "2025"
    assert back.model_dump(mode="json") == network_of(CURRENT_CITY).model_dump(mode="json")


# -- the 2025 reorganization through NetBox ----------------------------------------------------------------------

#: What the reorganization may touch in NetBox: the administrative units, sites and their organization.
ADMINISTRATIVE = {"dcim.region", "dcim.site", "tenancy.tenant", "tenancy.tenantgroup", "extras.customfield",
                  "extras.customfieldchoiceset", "extras.configcontext"}


#: What other objects may change with them: the organization (tenant) of a site's objects follows its kind.
ORGANIZATIONAL = {("update", "dcim.device", "tenant")}
RETIRED_ROUTERS = {"quan-uy-ba-dinh-r01", "quan-uy-hoan-kiem-r01", "huyen-uy-dong-anh-r01",
                   "hoi-nong-dan-huyen-dong-anh-r01", "hoi-lien-hiep-phu-nu-quan-hoan-kiem-r01"}


def _changes(plan: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [change for change in plan["changes"] if change["action"] == action]


def test_the_reorganization_changes_only_the_administrative_side_and_converges(env: dict[str, str],
                                                                               client: NetBoxClient) -> None:
    reset(env)
    legacy = apply(env, LEGACY)
    assert legacy.returncode == 0, legacy.stdout + legacy.stderr

    plan = plan_json(env, SAMPLE_CITY)
    assert not _changes(plan, "conflict"), plan["changes"]
    assert not [change for change in _changes(plan, "delete") if change.get("first")]  # nothing goes unpruned
    written = {(change["action"], change["type"], field["field"]) for change in plan["changes"]
               if change["action"] in ("create", "update") and change["type"] not in ADMINISTRATIVE
               for field in change.get("fields", [])}
    assert written <= ORGANIZATIONAL, sorted(written - ORGANIZATIONAL)
    created = {change["type"] for change in _changes(plan, "create")}
    assert created <= {"dcim.region"}, created  # the 2025 units; nothing that could be updated in place
    moved = {tuple(change["key"]) for change in _changes(plan, "update") if change["type"] == "dcim.region"
             and "parent" in {field["field"] for field in change.get("fields", [])}}
    assert {("00004",), ("00070",), ("00454",)} <= moved, moved  # wards whose codes 2025 units took: re-parented
    renamed = {tuple(change["key"]) for change in _changes(plan, "update") if change["type"] == "dcim.site"}
    assert ("ubnd-phuong-truc-bach",) in renamed and ("ubnd-quan-ba-dinh",) in renamed
    removed = {change["key"][0] for change in _changes(plan, "delete") if change["type"] == "dcim.device"}
    assert removed == RETIRED_ROUTERS, removed  # with --prune, the retired sites' routers and nothing else

    done = apply(env, SAMPLE_CITY, "--prune")
    assert done.returncode == 0, done.stdout + done.stderr
    assert counts_without_unchanged(plan_json(env, SAMPLE_CITY, "--prune")) == NO_CHANGES
    before = network_of(LEGACY)
    after = load_network_from_netbox(client, backend=Backend.REST).network
    assert after.model_dump(mode="json") == network_of(SAMPLE_CITY).model_dump(mode="json")
    for slug in after.site_by_slug:  # every surviving site as it was, less its links to retired sites
        facts = site_facts(before, slug)
        facts["links"] = [link for link in facts["links"] if link[2] not in RETIRED_ROUTERS]
        assert site_facts(after, slug) == facts, slug


def test_apply_scoped_to_a_site_writes_its_objects_and_what_they_need_and_prune_keeps_other_sites(
        env: dict[str, str], nb: Any, tmp_path: Path) -> None:
    reset(env)
    here, other = "hoi-lien-hiep-phu-nu-phuong-truc-bach", "ubnd-phuong-phuc-xa"

    first = apply(env, SMALL_CITY, "--site", here)

    assert first.returncode == 0, first.stdout + first.stderr
    assert f"Scope: 1 sites ({here})" in first.stderr
    assert [site.slug for site in nb.dcim.sites.all()] == [here]
    assert {device.site.slug for device in nb.dcim.devices.all()} == {here}
    assert nb.extras.tags.get(slug="netops-managed") is not None and len(nb.extras.custom_fields.all()) > 0
    again = plan_json(env, SMALL_CITY, "--site", here)
    assert counts_without_unchanged(again) == NO_CHANGES and again["counts"]["unchanged"] > 0
    assert again["scope"] == {"sites": [here], "held_back": []}
    unknown = run(["plan", "--intent", str(SMALL_CITY), "--site", "hoi-lien-hiep-phu-nu-phuong-truc-bac"], env)
    assert unknown.returncode == 2 and f"did you mean {here}" in unknown.stderr, unknown.stderr

    second = apply(env, SMALL_CITY, "--unit", "phuc-xa")
    assert second.returncode == 0, second.stdout + second.stderr
    assert sorted(site.slug for site in nb.dcim.sites.all()) == sorted([here, other])

    # Intent without the first site: a prune of the other site leaves it; an unscoped prune would delete it.
    reduced = copy_intent(SMALL_CITY, tmp_path / "reduced")
    district_file = reduced / "districts" / "001-ba-dinh.yml"
    district = yaml.safe_load(district_file.read_text())
    district["sites"] = [s for s in district["sites"] if s["kind"] != "mass_organization"]
    district_file.write_text(yaml.safe_dump(district, allow_unicode=True))
    scoped = plan_json(env, reduced, "--prune", "--site", other)
    assert scoped["counts"]["delete"] == 0
    assert plan_json(env, reduced, "--prune")["counts"]["delete"] > 0

    pruned = apply(env, reduced, "--prune", "--site", other)

    assert pruned.returncode == 0, pruned.stdout + pruned.stderr
    assert nb.dcim.sites.get(slug=here) is not None and nb.dcim.devices.get(name=f"{here}-r01") is not None
    drift = run(["drift", "--intent", str(reduced), "--site", other, "--json"], env)
    assert drift.returncode == 0, drift.stdout + drift.stderr
    assert json.loads(drift.stdout)["scope"] == [other]
