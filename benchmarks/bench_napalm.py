"""Benchmark: the NAPALM FRR driver (napalm_frr) against real FRR routers over real SSH.

Brings up private routers (tests/napalm_frr/routers.py: netns + FRR 8.4 + sshd + dedicated login user; root),
then per operation the median and best of several runs on each router:
- driver: open (SSH + auth), get_facts, get_bgp_neighbors, the host getters (HOST_GETTERS: chrony, snmpd.conf,
  accounts, /proc and sysfs, lldpd, ip), load_replace_candidate + compare_config (a one-line
  change), commit_config (frr-reload.py --reload + vtysh -w; the router is rolled back between runs, untimed);
- peer, measured in the same run: the same data with plain `ssh <router> vtysh -c '...'` subprocesses (one new
  SSH connection per command, as a shell script or Ansible's `command` would) and the same
  `frr-reload.py --test` over plain ssh.
Run with `.venv/bin/python benchmarks/bench_napalm.py [--routers 3] [--runs 7]` (root).
"""

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import napalm  # noqa: E402

from tests.napalm_frr.routers import Router, Routers, private_routers  # noqa: E402


def timed(action: Callable[[], Any]) -> float:
    """Seconds one call takes."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def ssh(routers: Routers, router: Router, command: str, stdin: str | None = None) -> str:
    """One command over a new plain ssh connection."""
    return subprocess.run([*routers.ssh_argv(router), command], input=stdin, capture_output=True, text=True,
                          check=True, timeout=60).stdout


#: The getters that read the router's host rather than FRR (each one SSH command).
HOST_GETTERS = ("get_ntp_servers", "get_ntp_stats", "get_snmp_information", "get_users", "get_environment",
                "get_lldp_neighbors_detail", "get_network_instances")


def measure(routers: Routers, runs: int) -> dict[str, list[float]]:
    """Every operation's times, over all routers and runs."""
    driver_class = napalm.get_network_driver("frr")
    times: dict[str, list[float]] = {}

    def add(name: str, seconds: float) -> None:
        times.setdefault(name, []).append(seconds)

    for router in routers.routers:
        for _ in range(runs):
            device = driver_class(router.address, routers.user, "", optional_args=routers.optional_args())
            add("driver: open", timed(device.open))
            add("driver: get_facts", timed(device.get_facts))
            add("driver: get_bgp_neighbors", timed(device.get_bgp_neighbors))
            for getter in HOST_GETTERS:
                add(f"driver: {getter}", timed(getattr(device, getter)))
            running = device.get_config(retrieve="running")["running"]
            candidate = running + "ip route 10.99.0.0/24 Null0\n"

            def compare(device: Any = device, candidate: str = candidate) -> None:
                device.load_replace_candidate(config=candidate)
                assert device.compare_config()

            add("driver: load_replace_candidate + compare_config", timed(compare))
            add("driver: commit_config", timed(device.commit_config))
            device.rollback()
            device.close()

            add("peer ssh: vtysh show version", timed(lambda r=router: ssh(routers, r, "vtysh -c 'show version'")))
            add("peer ssh: bgp neighbors json (2 commands)", timed(lambda r=router: [
                json.loads(ssh(routers, r, f"vtysh -c 'show bgp vrf all {what} json'"))
                for what in ("neighbors", "summary")]))

            def peer_compare(r: Router = router, candidate: str = candidate) -> None:
                ssh(routers, r, "mkdir -p /etc/frr/napalm-frr && cat > /etc/frr/napalm-frr/peer.conf", candidate)
                ssh(routers, r, "vtysh -C -f /etc/frr/napalm-frr/peer.conf")
                assert ssh(routers, r, "/usr/lib/frr/frr-reload.py --test --stdout --rundir /etc/frr/napalm-frr "
                                       "/etc/frr/napalm-frr/peer.conf 2>/dev/null")

            add("peer ssh: upload + vtysh -C + frr-reload --test (3 ssh)", timed(peer_compare))
    return times


def main() -> None:
    """Bring the routers up, measure, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routers", type=int, default=3)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    started = time.perf_counter()
    with private_routers(args.routers) as routers:
        up = time.perf_counter() - started
        times = measure(routers, args.runs)
    print(f"{args.routers} private FRR routers up in {up:.1f} s; {args.runs} runs per router")
    print(f"{'operation':58} {'median ms':>10} {'best ms':>9}")
    for name, values in times.items():
        print(f"{name:58} {statistics.median(values) * 1000:10.0f} {min(values) * 1000:9.0f}")


if __name__ == "__main__":
    main()
