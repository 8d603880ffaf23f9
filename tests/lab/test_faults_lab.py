"""Lab faults outlast a configuration push, on real namespaces, FRR and provisioning: a cut link stays without
carrier while the push raises its ports (FRR's zebra sets every interface it addresses up), `restore` plugs it
back and the adjacency returns; a failed router's ports stay down through a push to it."""

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from netops.lab import frr
from netops.lab.lab import Lab
from netops.lab.netns import existing_namespaces, run
from netops.lab.topology import FAULTS_NETNS, LabPlan, LinkPlan, plan_lab
from netops.pipeline import load_network
from tests.lab.helpers import CITY, PLAYBOOK, REPO, lab_home, leftovers, playbook_env, skip_unless_lab_can_run

pytestmark = pytest.mark.lab

AREA = "017"
HUB = "dong-anh-agg-01"


def _flags(plan: LabPlan, device: str, name: str) -> set[str]:
    shown: list[dict[str, Any]] = json.loads(run(["ip", "-n", plan.router_by_device[device].netns, "-j", "link",
                                                  "show", name]).stdout)
    return set(shown[0]["flags"])


def _neighbours(plan: LabPlan, device: str) -> set[str]:
    """The interfaces of the router's full OSPF adjacencies."""
    shown = frr.vtysh_json(plan.router_by_device[device].netns, "show ip ospf neighbor json")
    return {entry.get("ifaceName", "").split(":")[0] for entries in shown.get("neighbors", {}).values()
            for entry in entries if str(entry.get("nbrState", entry.get("state", ""))).startswith("Full")}


def _provision(home: Any, routers: list[str], configs: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(PLAYBOOK), "playbooks/provision.yml", "--limit", ",".join([*routers, "localhost"]),
                           "-e", f"provision_configs={configs}"], cwd=REPO, env=playbook_env(home),
                          capture_output=True, text=True, timeout=1200, check=False)


def _site_link(plan: LabPlan) -> LinkPlan:
    """A link from the hub to a site router that runs FRR."""
    return next(link for link in plan.links_of(HUB) if link.upstream == HUB
                and plan.router_by_device[link.downstream].runs_frr)


def test_a_cut_link_outlasts_a_push_and_a_failed_router_too(tmp_path: Path) -> None:
    skip_unless_lab_can_run()
    network = load_network(CITY).network
    plan = plan_lab(network, [AREA])
    with lab_home() as home:
        lab = Lab(home)
        lab.up(network, plan)  # bootstrap: the push adds every address, so zebra raises every port it addresses
        link = _site_link(plan)
        ends = ((link.upstream, link.upstream_interface), (link.downstream, link.downstream_interface))
        assert lab.fail_link(link.upstream, link.downstream) == [link.id]
        status = lab.status()
        assert status.failed_links == [link.id] and not status.faults_undone

        pushed = _provision(home, [link.upstream, link.downstream], tmp_path / "configs")
        assert pushed.returncode == 0, pushed.stdout[-3000:]
        for device, name in ends:
            flags = _flags(plan, device, name)
            # raised by the push, and still no carrier: the cable is out
            assert "UP" in flags and "LOWER_UP" not in flags and "NO-CARRIER" in flags, (device, name, flags)
            assert f"interface {name}" in frr.vtysh(plan.router_by_device[device].netns, "show running-config")
        # The adjacency the configs ask for does not form (it does within seconds once plugged back, below).
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            assert link.downstream_interface not in _neighbours(plan, link.downstream)
            assert link.upstream_interface not in _neighbours(plan, link.upstream)
            time.sleep(1)
        assert not lab.status().faults_undone

        assert lab.restore_link(link.upstream, link.downstream) == [link.id]
        assert FAULTS_NETNS not in existing_namespaces()  # nothing unplugged: the lab as `up` made it
        converged = lab.wait(timeout=90)
        assert converged.converged, converged.lagging()
        assert link.downstream_interface in _neighbours(plan, link.downstream)
        assert link.upstream_interface in _neighbours(plan, link.upstream)

        # A failed router: FRR stopped, ports down; a push to it cannot start FRR or raise them.
        lab.fail_node(link.downstream)
        again = _provision(home, [link.downstream], tmp_path / "configs")
        assert again.returncode != 0
        router = plan.router_by_device[link.downstream]
        assert not any(frr.running(router.netns).values())
        for port in router.wan:
            assert "UP" not in _flags(plan, link.downstream, port.name)
        assert "LOWER_UP" not in _flags(plan, link.upstream, link.upstream_interface)
        lab.restore_node(link.downstream)
        converged = lab.wait(timeout=90)
        assert converged.converged, converged.lagging()

        lab.down()
        assert not leftovers(home)
