"""Benchmark: bring the lab up on generated cities of growing size (netops lab up --configured).

For each size (`netops generate-city --districts D --wards-per-district W`, the whole generated city: the
data center, D districts with their aggregation routers, ward routers and switches), measured in this
process, as root:

- `up`: namespaces, links, bootstrap scripts, FRR, sshd, listeners (per phase);
- converged: every OSPF adjacency Full and every BGP session Established (`Lab.wait`), then every PC
  reaches a service its policy grants (a TCP probe from its namespace), timed from the start of `up`;
- memory: PSS (/proc/<pid>/smaps_rollup) per FRR router (its five daemons), per sshd, per listener;
- `down`.

Peers measured in the same run, on the first size: the same lab brought up serially (one worker instead
of the parallel pool), the same lab with the platform's standard OSPF timers instead of the lab's fast
ones (render setting `ospf_timers`), and the floor: the same namespaces and veth pairs made by a plain
loop of one `ip` command each, with no FRR, no addresses and no daemons.

Run as root: `.venv/bin/python benchmarks/bench_lab.py [--sizes 3x5 4x8 6x8] [--peers serial standard floor]`.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from netops.design import build_design
from netops.generate import CitySize, generate_city
from netops.lab import frr, pool
from netops.lab.lab import Lab
from netops.lab.probe import run_probes
from netops.lab.reach import expectations
from netops.lab.state import LabHome
from netops.lab.topology import LabPlan, plan_lab
from netops.pipeline import load_network
from netops.render.settings import RenderSettings


def pss_kib(pid: int) -> int:
    """Proportional set size of a process, KiB."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def write_city(directory: Path, districts: int, wards: int) -> Path:
    """A generated city's intent files."""
    for relative, text in generate_city(CitySize(districts=districts, wards_per_district=wards, seed=1)).items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return directory


def memory(lab: Lab, plan: LabPlan) -> dict[str, float]:
    """PSS per FRR router (sum of its daemons), per sshd and per listener, MiB."""
    state = lab.home.load()
    assert state is not None
    routers = [sum(pss_kib(pid) for pid in frr.pid_files(r.netns).values()) for r in plan.frr_routers()]
    sshds = [pss_kib(p.pid) for p in state.processes if p.kind == "sshd"]
    listeners = [pss_kib(p.pid) for p in state.processes if p.kind == "listener"]
    mib = 1024.0
    return {"frr_router_mib": round(statistics.mean(routers) / mib, 1),
            "frr_router_max_mib": round(max(routers) / mib, 1),
            "sshd_mib": round(statistics.mean(sshds) / mib, 2) if sshds else 0.0,
            "listener_mib": round(statistics.mean(listeners) / mib, 1) if listeners else 0.0,
            "total_mib": round((sum(routers) + sum(sshds) + sum(listeners)) / mib)}


def bring_up(intent: Path, settings: RenderSettings, measure_memory: bool = True) -> dict[str, object]:
    """up --configured, wait, data plane, memory, down; figures."""
    network = load_network(intent).network
    plan = plan_lab(network)
    pcs = [h for h in plan.hosts if h.kind == "pc"]
    # one granted TCP service per PC: the data plane is there once every PC reaches one
    first = []
    for pc in pcs:
        granted = [p for p in expectations(network, plan, [pc]) if p.expect and p.protocol == "tcp"
                   and p.destination in {h.address.ip for h in plan.hosts if h.kind == "server"}]
        if granted:
            first.append(granted[0])
    home_dir = Path(tempfile.mkdtemp(prefix="netops-lab-bench-", dir="/var/tmp"))
    home_dir.chmod(0o755)
    lab = Lab(LabHome(home_dir / "lab"))
    figures: dict[str, object] = {"routers": len(plan.frr_routers()), "switches": len(plan.routers)
                                  - len(plan.frr_routers()), "links": len(plan.links), "hosts": len(plan.hosts),
                                  "namespaces": len(plan.namespaces())}
    try:
        started = time.monotonic()
        report = lab.up(network, plan, configured=True, design=build_design(network, settings))
        figures["up_s"] = round(time.monotonic() - started, 2)
        figures["phases_s"] = report.seconds
        convergence = lab.wait(timeout=300, interval=0.5)
        figures["control_plane_s"] = round(time.monotonic() - started, 2)
        figures["converged"] = convergence.converged
        while True:
            missing = [r for r in run_probes(first, timeout=1.0, workers=128) if not r.reached]
            if not missing or time.monotonic() - started > 400:
                break
            first = [r.probe for r in missing]
            time.sleep(0.2)
        figures["all_pcs_reach_s"] = round(time.monotonic() - started, 2)
        figures["pcs_not_reaching"] = len(missing)
        if measure_memory:
            figures["memory"] = memory(lab, plan)
    finally:
        started = time.monotonic()
        down = lab.down()
        figures["down_s"] = round(time.monotonic() - started, 2)
        figures["down_killed"] = down.processes_killed
        shutil.rmtree(home_dir, ignore_errors=True)
    return figures


def floor(intent: Path) -> dict[str, float]:
    """The same namespaces and veth pairs, one `ip` command each, nothing else; then removed."""
    plan = plan_lab(load_network(intent).network)
    prefix = "nlb-"
    names = {ns: prefix + str(index) for index, ns in enumerate(plan.namespaces())}

    def ip(*args: str) -> None:
        subprocess.run(["ip", *args], check=True, capture_output=True)

    started = time.monotonic()
    try:
        for name in names.values():
            ip("netns", "add", name)
        for link in plan.links:
            a = names[plan.router_by_device[link.upstream].netns]
            b = names[plan.router_by_device[link.downstream].netns]
            ip("link", "add", link.upstream_interface, "netns", a, "type", "veth", "peer", "name",
               link.downstream_interface, "netns", b)
        for host in plan.hosts:
            ip("link", "add", host.router_interface, "netns", names[plan.router_by_device[host.router].netns],
               "type", "veth", "peer", "name", "eth0", "netns", names[host.netns])
        seconds = time.monotonic() - started
    finally:
        for name in names.values():
            subprocess.run(["ip", "netns", "del", name], check=False, capture_output=True)
    return {"namespaces_and_veths_s": round(seconds, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", nargs="+", default=["3x5", "4x8", "6x8"],
                        help="DISTRICTSxWARDS of the generated cities (the first one also gets the peers)")
    parser.add_argument("--peers", nargs="*", default=["serial", "standard", "floor"])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench_lab: run as root (network namespaces, FRR)")
    results: dict[str, object] = {"cores": os.cpu_count(), "sizes": {}, "peers": {}}
    fast = RenderSettings(ospf_timers="fast")
    with tempfile.TemporaryDirectory(prefix="netops-lab-bench-city-") as scratch:
        for size in args.sizes:
            districts, wards = (int(x) for x in size.split("x"))
            intent = write_city(Path(scratch) / size, districts, wards)
            figures = bring_up(intent, fast)
            results["sizes"][size] = figures  # type: ignore[index]
            if not args.json:
                print(f"{size}: {json.dumps(figures)}", flush=True)
        first = Path(scratch) / args.sizes[0]
        peers: dict[str, object] = {}
        if "serial" in args.peers:
            parallel = pool.default_workers
            pool.default_workers = lambda: 1
            try:
                peers["serial"] = bring_up(first, fast, measure_memory=False)
            finally:
                pool.default_workers = parallel
        if "standard" in args.peers:
            peers["standard_timers"] = bring_up(first, RenderSettings(ospf_timers="standard"), measure_memory=False)
        if "floor" in args.peers:
            peers["floor"] = floor(first)
        results["peers"] = peers
        if not args.json:
            for name, figures in peers.items():
                print(f"peer {name} ({args.sizes[0]}): {json.dumps(figures)}", flush=True)
    if args.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
