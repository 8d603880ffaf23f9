"""Benchmark: how fast the lab's NMS tells a fault, and what it costs (issue 18, point 5).

A generated city's lab (`--city 3x5`: 57 FRR routers), brought up configured with its NMS (Prometheus,
snmp_exporter and blackbox_exporter in the data center's monitoring host, netops.lab.monitoring; interval 10 s),
held under the machine-wide lab lock. Once every probe and SNMP target answers, three faults, one at a time:

- a single-homed ward site's only uplink cut: NetopsSiteCutOff for that site;
- a dual-homed ward site's first uplink cut: NetopsWanLinkDown for that link (its redundancy lost; the site
  stays reachable, so there is no network loss to time beside it);
- an aggregation router failed (FRR stopped): NetopsDeviceDown for it.

For each: seconds from the fault to the alert firing in Prometheus' API (`/api/v1/alerts`, polled every 0.5 s)
and from the restore to the alert gone; beside them, the peer measured in the same run: the seconds until the
network itself showed the fault and the repair to the NMS (a ping from the monitoring host's namespace to the
site's gateway or the router's loopback, every 0.2 s); and the bound the rules give (a scrape interval, a probe's
timeout, the alert's `for:` and an evaluation interval).
Resources: Prometheus' and the exporters' PSS at the end, and their CPU over the whole run (utime + stime from
/proc, as a share of one core).

Run as root: `.venv/bin/python benchmarks/bench_alerts.py [--city 3x5] [--json]`.
"""

import argparse
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from bench_lab import pss_kib, write_city

from citynet_models.network import Network
from citynet_models.types import Redundancy
from netops.lab import monitoring
from netops.lab.lab import Lab
from netops.lab.state import LabHome
from netops.lab.topology import LabPlan, plan_lab
from netops.monitoring.prometheus import PROBE_TIMEOUT
from netops.monitoring.rules import ALERTS
from netops.pipeline import load_network

LOCK = Path("/run/lock/netops-lab-tests.lock")
#: Longest wait for anything (an alert, a repair) before the run gives up on that fault.
PATIENCE = 300.0


def get(base: str, path: str) -> dict[str, object]:
    with urllib.request.urlopen(f"{base}{path}", timeout=10) as answer:
        document = json.load(answer)
    data = document["data"]
    assert isinstance(data, dict)
    return data


def firing(base: str, alert: str, **labels: str) -> bool:
    alerts = get(base, "/api/v1/alerts")["alerts"]
    assert isinstance(alerts, list)
    return any(a["state"] == "firing" and a["labels"]["alertname"] == alert
               and all(a["labels"].get(k) == v for k, v in labels.items()) for a in alerts)


def until(check: Callable[[], bool], every: float = 0.5, since: float | None = None) -> float | None:
    """Seconds from `since` (default: now) until check() holds; None when it did not within PATIENCE."""
    started = time.monotonic()
    origin = started if since is None else since
    while time.monotonic() - started < PATIENCE:
        if check():
            return round(time.monotonic() - origin, 1)
        time.sleep(every)
    return None


def pings(netns: str, address: str) -> Callable[[], bool]:
    def answered() -> bool:
        return subprocess.run(["ip", "netns", "exec", netns, "ping", "-n", "-c", "1", "-W", "0.2", address],
                              capture_output=True, check=False).returncode == 0
    return answered


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bound(alert: str) -> int:
    """Seconds the rules allow from a fault to the alert: a scrape interval to the next probe, a probe's timeout,
    the alert's `for:` and one evaluation interval."""
    intervals = next(a.intervals for a in ALERTS if a.name == alert)
    return monitoring.INTERVAL + PROBE_TIMEOUT + intervals * monitoring.INTERVAL + monitoring.INTERVAL


def fault(base: str, name: str, alert: str, labels: dict[str, str], probe: Callable[[], bool] | None,
          fail: Callable[[], None], restore: Callable[[], None]) -> dict[str, object]:
    started = time.monotonic()
    fail()
    # A fault the network routes around (probe None) is not lost: there is nothing for the peer to time.
    lost = None if probe is None else until(lambda: not probe(), every=0.2, since=started)
    fired = until(lambda: firing(base, alert, **labels), since=started)
    restored = time.monotonic()
    restore()
    back = None if probe is None else until(probe, every=0.2, since=restored)
    cleared = until(lambda: not firing(base, alert, **labels), since=restored)
    return {"fault": name, "alert": alert, "labels": labels, "network_lost_s": lost, "alert_fired_s": fired,
            "network_back_s": back, "alert_cleared_s": cleared, "bound_s": bound(alert)}


def site_router(network: Network, plan: LabPlan, redundancy: Redundancy) -> tuple[str, str, list[str]]:
    """A ward committee's router with that redundancy: (site, device, its upstream devices)."""
    for site in network.sites:
        if site.kind == "ward_committee" and site.redundancy is redundancy:
            device = network.devices_by_site[site.slug][0].name
            upstream = sorted({link.upstream for link in plan.links if link.downstream == device})
            return site.slug, device, upstream
    raise SystemExit(f"bench_alerts: the city has no {redundancy.value} ward committee")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--city", default="3x5", help="DISTRICTSxWARDS of the generated city (3x5: 57 routers)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench_alerts: run as root (network namespaces, FRR)")
    districts, wards = (int(x) for x in args.city.split("x"))
    results: dict[str, object] = {"city": args.city, "interval_s": monitoring.INTERVAL}
    scratch = Path(tempfile.mkdtemp(prefix="netops-alerts-bench-", dir="/var/tmp"))
    scratch.chmod(0o755)
    with LOCK.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            network = load_network(write_city(scratch / "city", districts, wards)).network
            plan = plan_lab(network)
            lab = Lab(LabHome(scratch / "lab"))
            clock = time.monotonic()
            lab.up(network, plan, configured=True)
            assert lab.wait(timeout=300).converged
            base = monitoring.url(plan)
            assert base is not None and plan.monitoring is not None
            results["routers"] = len(plan.frr_routers())
            state = lab.home.load()
            assert state is not None
            daemons = {p.kind: p.pid for p in state.processes if p.kind in monitoring.KINDS}
            cpu_before = {kind: cpu_seconds(pid) for kind, pid in daemons.items()}

            routers = {r.device for r in plan.frr_routers()}  # the lab's switches run no SNMP agent

            def all_up() -> bool:
                answers = get(base, "/api/v1/query?query=probe_success%20or%20up%7Bjob%3D%22snmp%22%7D")["result"]
                assert isinstance(answers, list)
                polled = {a["metric"]["instance"] for a in answers if a["metric"]["job"] == "snmp"}
                return polled >= routers and all(a["value"][1] == "1" for a in answers
                                                 if a["metric"]["job"] != "snmp" or a["metric"]["instance"] in routers)

            results["everything_answers_s"] = until(all_up)
            nms = plan.monitoring.netns
            cut_site, cut_device, cut_up = site_router(network, plan, Redundancy.SINGLE_HOMED)
            gateway = str(next(s for s in network.sites if s.slug == cut_site).lans[0].gateway)
            _, dual_device, dual_up = site_router(network, plan, Redundancy.DUAL_HOMED)
            link = plan.links_between(dual_up[0], dual_device)[0]
            aggregation = dual_up[0]
            loopback = str(network.device_by_name[aggregation].loopback)
            faults = [
                fault(base, "single-homed uplink cut", "NetopsSiteCutOff", {"site": cut_site},
                      pings(nms, gateway), lambda: lab.fail_link(cut_up[0], cut_device),
                      lambda: lab.restore_link(cut_up[0], cut_device)),
                fault(base, "dual-homed uplink cut", "NetopsWanLinkDown", {"link": link.id},
                      None,
                      lambda: lab.fail_link(dual_up[0], dual_device),
                      lambda: lab.restore_link(dual_up[0], dual_device)),
                fault(base, "aggregation router down", "NetopsDeviceDown", {"device": aggregation},
                      pings(nms, loopback), lambda: lab.fail_node(aggregation),
                      lambda: lab.restore_node(aggregation)),
            ]
            results["faults"] = faults
            wall = time.monotonic() - clock
            results["resources"] = {kind: {"pss_mib": round(pss_kib(pid) / 1024, 1),
                                           "cpu_share": round((cpu_seconds(pid) - cpu_before[kind]) / wall, 3)}
                                    for kind, pid in daemons.items()}
            head = get(base, "/api/v1/status/tsdb").get("headStats", {})
            results["series"] = head.get("numSeries") if isinstance(head, dict) else None
        finally:
            Lab(LabHome(scratch / "lab")).down()
            shutil.rmtree(scratch, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"city {args.city}: {results.get('routers')} routers, interval {monitoring.INTERVAL} s; everything "
          f"answered {results.get('everything_answers_s')} s after the lab converged")
    for item in results.get("faults", []):  # type: ignore[attr-defined]
        print(f"  {item['fault']:26} {item['alert']:18} fired {item['alert_fired_s']} s (network lost it "
              f"{item['network_lost_s']} s; bound {item['bound_s']} s), cleared {item['alert_cleared_s']} s after "
              f"the restore (network back {item['network_back_s']} s)")
    for kind, figures in results.get("resources", {}).items():  # type: ignore[attr-defined]
        print(f"  {kind:18} PSS {figures['pss_mib']} MiB, CPU {figures['cpu_share'] * 100:.1f} % of a core")
    print(f"  Prometheus head series: {results.get('series')}")


if __name__ == "__main__":
    main()
