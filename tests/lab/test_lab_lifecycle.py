"""Lab life cycle on real namespaces: the bootstrap lab, a crashed `up` cleaned by `down`, names taken by others."""

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from netops.lab import frr
from netops.lab.kernel import KSM, KSMD_NICE, KSMD_NICE_KEY, NEIGH, ksm_available, ksmd_pid, neighbour_limits
from netops.lab.lab import Lab
from netops.lab.netns import existing_namespaces, root_links, run
from netops.lab.probe import Probe, run_probes
from netops.lab.topology import plan_lab
from netops.pipeline import load_network
from tests.lab.helpers import CITY, NETOPS, lab_home, leftovers, netops_env, skip_unless_lab_can_run

pytestmark = pytest.mark.lab


def test_bootstrap_lab_boots_with_hostname_and_management_only() -> None:
    skip_unless_lab_can_run()
    network = load_network(CITY).network
    plan = plan_lab(network, ["017"])
    with lab_home() as home:
        lab = Lab(home)
        report = lab.up(network, plan)
        assert report.changed and report.namespaces_made == len(plan.namespaces())
        status = lab.status()
        assert status.healthy and not status.configured
        # the host's one neighbour table holds the lab's entries
        for name, wanted in neighbour_limits(len(plan.namespaces())).items():
            assert int((NEIGH / name).read_text()) >= wanted
        router = plan.router_by_device["dong-anh-agg-01"]
        # the routers' daemons share their identical pages: ksmd runs, each daemon's memory may merge
        state = home.load()
        assert state is not None
        if ksm_available():
            assert (KSM / "run").read_text().strip() == "1"
            ksmd = ksmd_pid()
            assert ksmd is not None and os.getpriority(os.PRIO_PROCESS, ksmd) == KSMD_NICE
            for daemon, pid in frr.pid_files(router.netns).items():
                stat = Path(f"/proc/{pid}/ksm_stat")
                assert not stat.exists() or "ksm_merge_any: yes" in stat.read_text(), daemon
                assert int(Path(f"/proc/{pid}/personality").read_text(), 16) & 0x0040000, daemon
        running = frr.vtysh(router.netns, "show running-config")
        assert "hostname dong-anh-agg-01" in running and f"ip address {router.management}" in running
        assert "router ospf" not in running and "router bgp" not in running
        assert not frr.vtysh_json(router.netns, "show ip ospf neighbor json").get("neighbors")
        assert lab.wait(timeout=10).converged  # a bootstrap config asks for no adjacency
        assert "NETOPS_SECRET_OSPF_KEY=" in home.secrets_file.read_text()  # for provisioning to push with
        # reached over its management address; provisioning has the whole config to push
        ssh = subprocess.run(["ssh", "-F", str(home.ssh_config), router.device, "vtysh -c 'show interface brief'"],
                             capture_output=True, text=True, timeout=30, check=False)
        assert ssh.returncode == 0 and "mgmt0" in ssh.stdout, ssh.stderr
        # links exist, named as the model says, but carry no address until FRR is configured
        port = router.wan[0]
        shown = json.loads(run(["ip", "-n", router.netns, "-j", "address", "show", port.name]).stdout)
        assert shown[0]["operstate"] == "UP" and not [a for a in shown[0]["addr_info"] if a["family"] == "inet"]
        pc = next(h for h in plan.hosts if h.kind == "pc")
        assert not run_probes([Probe(pc.netns, pc.gateway, "icmp", None, False, "gateway")], timeout=0.5)[0].reached
        lab.down()
        assert not leftovers(home)
        for path, value in state.kernel_settings.items():  # ksmd as the machine had it
            if path == KSMD_NICE_KEY:
                ksmd = ksmd_pid()
                assert ksmd is not None and os.getpriority(os.PRIO_PROCESS, ksmd) == int(value)
                continue
            assert Path(path).read_text().strip().strip("[]") == value or f"[{value}]" in Path(path).read_text()


def test_a_crashed_up_is_cleaned_by_the_next_down() -> None:
    skip_unless_lab_can_run()
    with lab_home() as home:
        process = subprocess.Popen([str(NETOPS), "lab", "up", "--intent", str(CITY), "--district", "002",
                                    "--configured", "--no-wait"], env=netops_env(home),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Kill it once FRR is being started: namespaces, links and some daemons exist, the state is incomplete.
        deadline = time.monotonic() + 60
        while not (frr.RUN_FRR / "nl-dc-core-01" / "zebra.pid").exists() and time.monotonic() < deadline:
            if process.poll() is not None:
                break
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait()
        state = Lab(home).home.load()
        assert state is not None and not state.complete
        assert any(n.startswith("nl-") for n in existing_namespaces())
        down = subprocess.run([str(NETOPS), "lab", "down", "--json", "--yes"], env=netops_env(home),
                              capture_output=True, text=True, timeout=120, check=False)
        assert down.returncode == 0, down.stderr
        assert json.loads(down.stdout)["was_up"]
        assert not leftovers(home)


def test_names_taken_by_others_are_refused_and_nothing_is_made() -> None:
    skip_unless_lab_can_run()
    with lab_home() as home:
        run(["ip", "netns", "add", "nl-dc-core-01"])
        try:
            result = subprocess.run([str(NETOPS), "lab", "up", "--intent", str(CITY), "--district", "001"],
                                    env=netops_env(home), capture_output=True, text=True, timeout=60, check=False)
            assert result.returncode == 2
            assert "taken by something this lab did not make: nl-dc-core-01" in result.stderr
            assert existing_namespaces() >= {"nl-dc-core-01"}
            assert not [n for n in existing_namespaces() if n.startswith(("nl-", "nlh-", "nls-"))
                        and n != "nl-dc-core-01"]
            assert "nl-mgmt" not in root_links() and Lab(home).home.load() is None
        finally:
            run(["ip", "netns", "del", "nl-dc-core-01"])
        assert not leftovers(home)
