"""Provisioning after the reorganization (issue 15): the network keeps working through it.

On one lab of the data center and Ba Đình (area 001), in order:
- the legacy sample is brought up, provisioned (provision.yml) and verified;
- `netops reorganize --to 2025` turns the legacy sample into a 2025 intent in a temporary folder, and
  provision.yml pushes that intent onto the same running routers: only the routers whose config changes beyond
  its comments get changes (the hub losing the retired district party committee's downlink, the merged wards'
  committees that became public-service points losing their grants); the route reflectors, which accept their
  clients by loopback range, do not change;
  the routers that stay keep their addresses and interfaces, so no OSPF adjacency or BGP session restarts;
- `netops lab up` of the reorganized intent refuses to drop the retired site's router without --prune, and with
  it takes that router out and leaves everything else running; the reflectors drop its session once their hold
  timer expires (a router switched off sends no notification);
- verification of the reorganized intent passes: every site's routers, adjacencies and policy (each ward
  committee and party agency reaches the data-center services it is granted, and only those).
"""

import json
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from netops.lab import frr
from netops.lab.netns import existing_namespaces
from netops.lab.state import LabHome
from netops.lab.topology import LabPlan, plan_lab
from netops.pipeline import load_network
from tests.lab.helpers import (
    LEGACY_CITY,
    NETOPS,
    PLAYBOOK,
    REPO,
    lab_home,
    netops_env,
    play_recap,
    playbook_env,
    skip_unless_lab_can_run,
)

pytestmark = pytest.mark.lab

AREA = "001"
POLICY = REPO / "tests" / "reorganize" / "cases" / "hanoi-sample" / "policy.yml"
#: The district party committee of Quận Ba Đình: a district-level site the reorganization retires.
RETIRED = "quan-uy-ba-dinh-r01"
#: A ward committee's router that stays, its BGP sessions to the route reflectors watched through the change.
WATCHED = "ubnd-phuong-phuc-xa-r01"


@dataclass
class Reorganization:
    home: LabHome
    work: Path
    legacy: LabPlan
    reorganized: LabPlan

    @property
    def intent(self) -> Path:
        return self.work / "city-2025"

    def configs(self, name: str) -> Path:
        return self.work / f"configs-{name}"


def _netops(home: LabHome, *args: str, intent: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(NETOPS), *args], cwd=REPO, env=playbook_env(home, intent) if intent else
                          netops_env(home), capture_output=True, text=True, timeout=900)


def _provision(lab: Reorganization, intent: Path, plan: LabPlan, configs: Path) -> subprocess.CompletedProcess[str]:
    limit = ",".join([*(r.device for r in plan.routers), "localhost"])
    return subprocess.run([str(PLAYBOOK), "playbooks/provision.yml", "--limit", limit,
                           "-e", f"provision_configs={configs}"],
                          cwd=REPO, env=playbook_env(lab.home, intent), capture_output=True, text=True, timeout=1200)


def _verify(lab: Reorganization, intent: Path, plan: LabPlan, reports: Path) -> dict[str, Any]:
    result = subprocess.run([str(NETOPS), "verify", "--intent", str(intent), "--limit",
                             ",".join(r.device for r in plan.routers), "--out", str(reports),
                             "--settings", str(REPO / "playbooks" / "files" / "lab-render-settings.yml")],
                            cwd=REPO, env=playbook_env(lab.home), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    report: dict[str, Any] = json.loads((reports / "verify.json").read_text())
    return report


def _meaning(path: Path) -> list[str]:
    """A rendered file without its comment lines (FRR '!', nftables '#'): what a device is told to do."""
    if not path.exists():
        return []
    return [line for line in path.read_text().splitlines() if not line.lstrip().startswith(("!", "#"))]


def _bgp_uptimes(device: str, plan: LabPlan) -> dict[str, int]:
    peers = frr.vtysh_json(plan.router_by_device[device].netns, "show bgp summary json")["ipv4Unicast"]["peers"]
    assert {p["state"] for p in peers.values()} == {"Established"}, peers
    return {peer: int(p["peerUptimeMsec"]) for peer, p in peers.items()}


#: FRR's default BGP hold time: the longest a reflector keeps the session of a router that vanished.
HOLD_TIME_S = 180


def _wait_until_no_session(lab: Reorganization, address: str, timeout: float) -> None:
    cores = [r for r in lab.reorganized.routers if r.device in ("dc-core-01", "dc-core-02")]
    deadline = time.monotonic() + timeout
    while True:
        holding = [core.device for core in cores if address in frr.vtysh_json(
            core.netns, "show bgp summary json")["ipv4Unicast"]["peers"]]
        if not holding or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert not holding, f"{', '.join(holding)} still hold a session with {address} after {timeout:.0f} s"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reorganization]:
    skip_unless_lab_can_run()
    work = tmp_path_factory.mktemp("reorganization")
    reorganized = subprocess.run([str(NETOPS), "reorganize", "--to", "2025", "--intent", str(LEGACY_CITY),
                                  "--policy", str(POLICY), "--out", str(work / "city-2025")],
                                 cwd=REPO, capture_output=True, text=True, timeout=300)
    assert reorganized.returncode == 0, reorganized.stderr
    legacy_plan = plan_lab(load_network(LEGACY_CITY).network, [AREA])
    new_plan = plan_lab(load_network(work / "city-2025").network, [AREA])
    with lab_home() as home:
        up = _netops(home, "lab", "up", "--intent", str(LEGACY_CITY), "--district", AREA)
        assert up.returncode == 0, up.stderr
        yield Reorganization(home, work, legacy_plan, new_plan)


def test_the_reorganization_retires_only_district_sites_of_the_area(lab: Reorganization) -> None:
    left_out = {r.device for r in lab.legacy.routers} - {r.device for r in lab.reorganized.routers}
    assert left_out == {RETIRED}
    assert {r.device for r in lab.reorganized.routers} < {r.device for r in lab.legacy.routers}


def test_the_legacy_sample_provisions_and_verifies(lab: Reorganization) -> None:
    first = _provision(lab, LEGACY_CITY, lab.legacy, lab.configs("legacy"))
    assert first.returncode == 0, first.stdout[-3000:]
    assert sorted(h for h in play_recap(first.stdout) if h != "localhost") == sorted(
        r.device for r in lab.legacy.routers)
    report = _verify(lab, LEGACY_CITY, lab.legacy, lab.work / "verify-legacy")
    assert report["ok"]
    assert {s["site"] for s in report["sites"]} >= {"quan-uy-ba-dinh", "ubnd-phuong-phuc-xa", "dc-hanoi"}


def test_the_reorganized_intent_changes_only_what_changed_and_keeps_the_sessions(lab: Reorganization) -> None:
    before = _bgp_uptimes(WATCHED, lab.legacy)
    started = time.monotonic()
    result = _provision(lab, lab.intent, lab.reorganized, lab.configs("2025"))
    assert result.returncode == 0, result.stdout[-3000:]
    elapsed_ms = (time.monotonic() - started) * 1000
    changed = {h for h, c in play_recap(result.stdout).items() if h != "localhost" and c["changed"]}
    old, new = lab.configs("legacy") / "frr", lab.configs("2025") / "frr"
    differ = {r.device for r in lab.reorganized.routers if r.runs_frr and any(
        _meaning(old / f"{r.device}.{suffix}") != _meaning(new / f"{r.device}.{suffix}") for suffix in ("cfg", "nft"))}
    assert changed == differ, (changed, differ)
    assert {"ba-dinh-agg-01", "ba-dinh-agg-02"} <= changed
    assert not {"dc-core-01", "dc-core-02"} & changed  # clients by loopback range: a client fewer is no change
    assert WATCHED not in changed  # only its site's name changed: a comment
    # The watched router's sessions did not restart: each has been up since before the push.
    after = _bgp_uptimes(WATCHED, lab.reorganized)
    assert set(after) == set(before)
    assert all(after[peer] >= before[peer] + elapsed_ms - 2000 for peer in after), (before, after, elapsed_ms)
    # The hub no longer runs OSPF towards the retired router (the reflectors lose its session with its reachability:
    # test_lab_up_of_the_new_intent_takes_the_retired_router_out_only_with_prune).
    for hub in ("ba-dinh-agg-01", "ba-dinh-agg-02"):
        assert RETIRED not in frr.vtysh(lab.reorganized.router_by_device[hub].netns, "show running-config")


def test_lab_up_of_the_new_intent_takes_the_retired_router_out_only_with_prune(lab: Reorganization) -> None:
    retired = lab.legacy.router_by_device[RETIRED]
    refused = _netops(lab.home, "lab", "up", "--intent", str(lab.intent), "--area", AREA)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "leaves out 1 router," in refused.stderr and RETIRED in refused.stderr and "--prune" in refused.stderr
    assert retired.netns in existing_namespaces()
    before = _bgp_uptimes(WATCHED, lab.reorganized)
    started = time.monotonic()
    pruned = _netops(lab.home, "lab", "up", "--intent", str(lab.intent), "--area", AREA, "--prune", "--json")
    assert pruned.returncode == 0, pruned.stdout + pruned.stderr
    report = json.loads(pruned.stdout)
    left_out = [n for n in lab.legacy.namespaces() if n not in lab.reorganized.namespaces()]
    assert retired.netns in left_out
    assert report["namespaces_removed"] == len(left_out) and report["links_removed"] > 0
    assert report["namespaces_made"] == 0 and report["links_made"] == 0 and report["frr_started"] == 0
    assert not set(left_out) & existing_namespaces()
    status = json.loads(_netops(lab.home, "lab", "status", "--json").stdout)
    assert status["healthy"] and sorted(r["device"] for r in status["routers"]) == sorted(
        r.device for r in lab.reorganized.routers)
    after = _bgp_uptimes(WATCHED, lab.reorganized)
    assert all(after[peer] >= before[peer] + (time.monotonic() - started) * 1000 - 2000 for peer in after)
    again = _netops(lab.home, "lab", "up", "--intent", str(lab.intent), "--area", AREA, "--prune", "--json")
    assert again.returncode == 0 and not json.loads(again.stdout)["changed"], again.stdout + again.stderr
    # The retired router is gone without a word (as a router switched off): each reflector drops its dynamic
    # session when the BGP hold timer (FRR's default, 180 s) expires, and no longer holds it as a peer.
    _wait_until_no_session(lab, str(lab.legacy.router_by_device[RETIRED].loopback), HOLD_TIME_S + 30)


def test_the_reorganized_network_verifies(lab: Reorganization) -> None:
    report = _verify(lab, lab.intent, lab.reorganized, lab.work / "verify-2025")
    assert report["ok"]
    sites = {s["site"] for s in report["sites"]}
    assert "quan-uy-ba-dinh" not in sites
    assert {"ubnd-quan-ba-dinh", "ubnd-phuong-phuc-xa", "ubnd-phuong-truc-bach", "dang-uy-phuong-phuc-xa",
            "dc-hanoi"} <= sites
    # A provisioning run now changes nothing: the network is what the reorganized intent says.
    again = _provision(lab, lab.intent, lab.reorganized, lab.configs("2025"))
    assert again.returncode == 0, again.stdout[-3000:]
    assert {c["changed"] for h, c in play_recap(again.stdout).items() if h != "localhost"} == {0}
