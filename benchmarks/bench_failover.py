"""Benchmark: failover time in the lab of the sample city, for the data center's firewall pair and a hub's VRRP
master, from the failure to every site reachable again.

The lab of the sample city is brought up configured (`netops lab up --configured`: FRR, nftables and keepalived
from the rendered files), then for each target, `--runs` times:

- the router holding the shared gateways fails (`netops lab fail node`: its ports go down first, the instant
  measured from, then its FRR and keepalived stop);
- the clock runs until every PC of every site the failure does not cut off by design gets an answer to every
  probe its policy grants (the probes of `netops verify`, polled; netops.lab.failover), confirmed by a sweep of
  all of them;
- the router is restored, and the lab waits until the gateways are where the model's preempt setting puts them
  (the hub's master takes them back after its preempt delay; the firewall pair does not preempt, so the next run
  fails the firewall that is active then).

Peer, printed beside the figures: VRRPv3's master-down interval for the backup's priority (RFC 5798 6.1:
3 x advertisement interval + skew, skew = (256 - priority) x interval / 256), the time the protocol itself
takes before a backup may take over; the rest is the network converging and the probe sweep's resolution.

Run as root: `.venv/bin/python benchmarks/bench_failover.py [--runs 3]` (about 2 minutes a hub run: the preempt
delay of 60 s is waited out each time).
"""

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from citynet_models.network import Network
from netops.lab.failover import Failover, fail_and_measure, until_held
from netops.lab.lab import Lab
from netops.lab.state import LabHome
from netops.lab.topology import LabPlan, plan_lab
from netops.lab.vrrp import groups
from netops.pipeline import load_network

REPO = Path(__file__).resolve().parents[1]


def master_down_interval(network: Network, device: str) -> float:
    """RFC 5798's master-down interval of the backup of the LANs `device` is master of (seconds)."""
    for site in network.sites:
        for lan in site.lans:
            vrrp = lan.redundancy
            if vrrp is not None and vrrp.master.device == device:
                interval = vrrp.advertisement_interval_ms / 1000
                skew = (256 - vrrp.members[1].priority) * interval / 256
                return round(3 * interval + skew, 3)
    raise SystemExit(f"{device} is the VRRP master of no LAN")


def run(lab: Lab, network: Network, plan: LabPlan, target: str, runs: int) -> dict[str, object]:
    """`runs` failovers of the member holding `target`'s gateways (a segment namespace)."""
    results: list[Failover] = []
    for _ in range(runs):
        holder = next(g.masters[0] for g in groups(plan) if g.netns == target and len(g.masters) == 1)
        segment = next(s for s in plan.segments if s.netns == target)
        lan = next(x for x in network.site_by_slug[segment.site].lans if x.vlan == segment.vlan)
        assert lan.redundancy is not None
        failover = fail_and_measure(lab, network, plan, holder, timeout=120)
        results.append(failover)
        print(f"  {holder}: every site reachable again after {failover.seconds} s (fail node {failover.fail_command_s}"
              f" s; cut by design: {', '.join(failover.cut) or 'none'}; probes failing already before: "
              f"{len(failover.failing_before)})", flush=True)
        lab.restore_node(holder)
        lab.wait(timeout=120)
        if lan.redundancy.preempt:
            master = lan.redundancy.master.device
            until_held(plan, {s.netns: master for s in plan.segments
                              if s.members[0].device == master}, timeout=lan.redundancy.preempt_delay_s + 60)
        else:
            time.sleep(5)
    seconds = [f.seconds for f in results if f.seconds is not None]
    return {"target": target, "runs": runs, "recovered": len(seconds),
            "seconds": {"min": min(seconds), "median": statistics.median(seconds), "max": max(seconds)}
            if seconds else None,
            "fail_command_s": statistics.median(f.fail_command_s for f in results),
            "each": [f.seconds for f in results], "cut": sorted({s for f in results for s in f.cut}),
            "failing_before": [len(f.failing_before) for f in results]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--intent", type=Path, default=REPO / "inventory" / "city")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("the lab needs root")
    network = load_network(args.intent).network
    plan = plan_lab(network)
    firewall = next(s for s in plan.segments if network.site_by_slug[s.site].kind == "data_center")
    hub = next(s for s in plan.segments if network.site_by_slug[s.site].kind == "hub")
    home_dir = Path(tempfile.mkdtemp(prefix="netops-failover-bench-", dir="/var/tmp"))
    home_dir.chmod(0o755)
    lab = Lab(LabHome(home_dir / "lab"))
    report: dict[str, object] = {}
    try:
        started = time.monotonic()
        lab.up(network, plan, configured=True)
        converged = lab.wait(timeout=120)
        report["setup"] = {"up_and_converged_s": round(time.monotonic() - started, 1),
                           "converged": converged.converged}
        until_held(plan, {s.netns: s.members[0].device for s in plan.segments}, timeout=30)
        for name, segment in (("firewall pair", firewall), ("hub VRRP master", hub)):
            peer = master_down_interval(network, segment.members[0].device)
            print(f"{name} ({segment.netns}); VRRP master-down interval {peer} s", flush=True)
            report[name] = {**run(lab, network, plan, segment.netns, args.runs), "master_down_interval_s": peer}
    finally:
        lab.down()
        shutil.rmtree(home_dir, ignore_errors=True)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
