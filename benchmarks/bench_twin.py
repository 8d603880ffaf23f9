"""Benchmark: the lab at growing sizes up to the whole real city of today, and where its cost goes.

For each size, as root and holding the machine-wide lab lock, through the console script as an engineer runs it:

- the city: `netops generate-city --districts D --wards-per-district W` (57, 166 and 300 FRR routers), or
  `real`: `netops generate-city --real --structure 2025`, the whole real city of today (the lab leaves out its
  decommissioned sites, as every command does);
- `netops lab up --configured --json` (timers follow the lab's size), then the convergence it waits for; sampled
  every second all along: the machine's memory in use (MemTotal - MemAvailable, against its value before),
  the load average and the pages ksmd shares;
- where the cost goes, once converged: PSS and CPU seconds per kind of process in the lab's namespaces (FRR's
  daemons, sshd, the host daemons, listeners), the CPU of everything else (the short-lived scripts, vtysh, ip,
  netops itself: /proc/stat's busy time minus the daemons'), and the adjacency flaps (OSPF neighbour state
  changes beyond those of one clean bring-up, BGP sessions dropped);
- `netops verify --json` of the whole lab (control plane, the reachability matrix of every PC, denials
  included, redundancy), timed;
- `netops lab down --yes`, timed.

Peer measured in the same run: the first size again with page merging off (NETOPS_LAB_KSM=0) when `--peer
no-ksm` is given, the cost the merging saves.

Run as root: `.venv/bin/python benchmarks/bench_twin.py [--sizes 57 166 300 real] [--peer no-ksm] [--json]`.
"""

import argparse
import collections
import contextlib
import fcntl
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
NETOPS = str(REPO / ".venv" / "bin" / "netops")
LOCK = Path("/run/lock/netops-lab-tests.lock")
#: Lab sizes by their FRR router count, as generate-city sizes (districts x wards per district).
SIZES = {"57": "3x5", "166": "6x8", "300": "8x11", "400": "10x12"}
KSM = Path("/sys/kernel/mm/ksm")
#: The kinds of lab process, by the command name the kernel knows them by.
KINDS = ("zebra", "bgpd", "ospfd", "staticd", "watchfrr", "sshd", "snmpd", "chronyd", "rsyslogd", "lldpd",
         "keepalived", "python3", "python3.12", "prometheus")
#: OSPF neighbour state changes of one clean bring-up (Down, Init, 2-Way, ExStart, Exchange, Loading, Full).
CLEAN_CHANGES = 6


def meminfo() -> dict[str, int]:
    """/proc/meminfo, KiB."""
    return {line.split(":")[0]: int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()}


def used_kib() -> int:
    """Memory in use by everything: MemTotal - MemAvailable."""
    info = meminfo()
    return info["MemTotal"] - info["MemAvailable"]


def busy_seconds() -> float:
    """CPU seconds every core has been busy since boot (/proc/stat)."""
    fields = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


class Sampler:
    """Memory in use, load average and KSM's shared pages, every second in a thread."""

    def __init__(self) -> None:
        self.baseline = used_kib()
        self.samples: list[tuple[float, int, float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            sharing = int((KSM / "pages_sharing").read_text()) if (KSM / "pages_sharing").exists() else 0
            self.samples.append((time.monotonic(), used_kib() - self.baseline, os.getloadavg()[0], sharing))
            if self._stop.wait(1.0):
                return

    def stop(self) -> dict[str, float]:
        """Stop; the peaks."""
        self._stop.set()
        self._thread.join()
        return {"memory_peak_gib": round(max(s[1] for s in self.samples) / 2**20, 2),
                "memory_end_gib": round(self.samples[-1][1] / 2**20, 2),
                "load_max": round(max(s[2] for s in self.samples), 1),
                "ksm_saved_gib": round(self.samples[-1][3] * 4 / 2**20, 2)}


def lab_processes() -> dict[str, dict[str, float]]:
    """PSS (MiB) and CPU seconds per kind of process living in a network namespace other than this one's."""
    root = Path("/proc/self/ns/net").stat().st_ino
    tick = os.sysconf("SC_CLK_TCK")
    kinds: dict[str, dict[str, float]] = collections.defaultdict(lambda: {"processes": 0, "pss_mib": 0.0,
                                                                          "cpu_s": 0.0})
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "ns" / "net").stat().st_ino == root:
                continue
            comm = (entry / "comm").read_text().strip()
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            pss = next(int(line.split()[1]) for line in (entry / "smaps_rollup").read_text().splitlines()
                       if line.startswith("Pss:"))
        except (OSError, StopIteration):
            continue
        kind = kinds[comm if comm in KINDS else "other"]
        kind["processes"] += 1
        kind["pss_mib"] += pss / 1024
        kind["cpu_s"] += (int(stat[11]) + int(stat[12])) / tick
    return {name: {k: round(v, 1) for k, v in figures.items()} for name, figures in
            sorted(kinds.items(), key=lambda item: -item[1]["pss_mib"])}


def flaps(home: Path) -> dict[str, int]:
    """OSPF neighbour state changes beyond one clean bring-up each, BGP sessions dropped, over every router."""
    plan = json.loads((home / "plan.json").read_text())
    routers = [r["netns"] for r in plan["routers"] if r["runs_frr"]]

    def look(netns: str) -> tuple[int, int, int, int]:
        try:
            out = subprocess.run(["vtysh", "-N", netns, "-c", "show ip ospf neighbor detail json", "-c",
                                  "show bgp summary json"], capture_output=True, text=True, timeout=60).stdout
        except subprocess.TimeoutExpired:
            return 0, 0, 0, 1  # a router too starved to answer in a minute is counted, not waited for
        decoder = json.JSONDecoder()
        documents, index, text = [], 0, out.strip()
        while index < len(text):
            try:
                value, index = decoder.raw_decode(text, index)
            except ValueError:
                break
            documents.append(value)
            while index < len(text) and text[index].isspace():
                index += 1
        ospf = documents[0] if documents else {}
        neighbours = [n for entries in ospf.get("neighbors", {}).values() for n in
                      (entries if isinstance(entries, list) else [entries])]
        extra = sum(max(0, int(n.get("stateChangeCounter", CLEAN_CHANGES)) - CLEAN_CHANGES) for n in neighbours)
        peers = documents[1].get("ipv4Unicast", {}).get("peers", {}) if len(documents) > 1 else {}
        dropped = sum(int(p.get("connectionsDropped", 0)) for p in peers.values())
        return len(neighbours), extra, dropped, 0

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(look, routers))
    return {"ospf_neighbours": sum(r[0] for r in results), "ospf_extra_state_changes": sum(r[1] for r in results),
            "bgp_sessions_dropped": sum(r[2] for r in results), "routers_not_answering": sum(r[3] for r in results)}


def netops(*args: str, env: dict[str, str], timeout: float = 3600) -> subprocess.CompletedProcess[str]:
    """The console script, as an engineer runs it."""
    return subprocess.run([NETOPS, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)


def write_city(size: str, folder: Path) -> Path:
    """The intent of a size: generated (DxW) or the real city of today."""
    args = ["--real", "--structure", "2025"] if size == "real" else [
        "--districts", SIZES.get(size, size).split("x")[0], "--wards-per-district", SIZES.get(size, size).split("x")[1]]
    result = netops("generate-city", *args, "--out", str(folder), env=dict(os.environ))
    assert result.returncode == 0, result.stderr
    return folder


def measure(size: str, scratch: Path, ksm: bool = True) -> dict[str, Any]:
    """One size: up and converged, the cost, verify, down."""
    intent = write_city(size, scratch / f"city-{size}")
    home = scratch / f"lab-{size}"
    env = {**os.environ, "NETOPS_LAB_HOME": str(home), "NETOPS_INTENT": str(intent),
           "PATH": f"{REPO / '.venv' / 'bin'}:{os.environ['PATH']}"}
    if not ksm:
        env["NETOPS_LAB_KSM"] = "0"
    figures: dict[str, Any] = {"size": size}
    sampler = Sampler()
    busy = busy_seconds()
    started = time.monotonic()
    try:
        up = netops("lab", "up", "--configured", "--timeout", "1800", "--json", env=env)
        figures["up_exit"] = up.returncode
        figures["up_and_converged_s"] = round(time.monotonic() - started, 1)
        report = json.loads(up.stdout) if up.stdout.strip().startswith("{") else {}
        if up.returncode not in (0, 1):
            figures["up_error"] = (up.stderr or up.stdout)[-1500:]
        figures.update({key: report.get(key) for key in ("routers", "hosts", "links", "converged",
                                                           "converged_seconds")})
        figures["up_phases_s"] = report.get("seconds")
        figures["up_waited_s"] = report.get("waited")
        print(json.dumps({"up": figures}), file=sys.stderr, flush=True)  # what `up` did, whatever follows
        figures["busy_cpu_s"] = round(busy_seconds() - busy, 1)
        plan = json.loads((home / "plan.json").read_text()) if (home / "plan.json").exists() else {}
        figures["namespaces"] = (len(plan.get("routers", [])) + len(plan.get("hosts", []))
                                 + len(plan.get("segments", [])))
        figures["frr_routers"] = sum(1 for r in plan.get("routers", []) if r["runs_frr"])
        figures.update(sampler.stop())
        processes = lab_processes()
        figures["processes"] = processes
        figures["daemons_cpu_s"] = round(sum(k["cpu_s"] for k in processes.values()), 1)
        figures["other_cpu_s"] = round(figures["busy_cpu_s"] - figures["daemons_cpu_s"], 1)
        figures["flaps"] = flaps(home) if plan else {}
        print(json.dumps({"converged": figures}), file=sys.stderr, flush=True)  # before verify, which can be long
        started = time.monotonic()
        verify = netops("verify", "--json", env=env)
        figures["verify_s"] = round(time.monotonic() - started, 1)
        figures["verify_exit"] = verify.returncode
        with contextlib.suppress(ValueError):
            result = json.loads(verify.stdout)
            failures = [f"{site['site']}: {c['check']}: {c['reason']}" for site in result.get("sites", [])
                        for c in site.get("failures", [])]
            figures["verify_sites"] = len(result.get("sites", []))
            figures["verify_checks"] = sum(site["checks"] for site in result.get("sites", []))
            figures["verify_phases_s"] = result.get("seconds")
            figures["verify_failures"] = failures[:10]
            figures["verify_failed"] = len(failures)
    finally:
        if not sampler._stop.is_set():
            sampler.stop()
        started = time.monotonic()
        down = netops("lab", "down", "--yes", "--json", env=env)
        figures["down_s"] = round(time.monotonic() - started, 1)
        figures["down_exit"] = down.returncode
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", nargs="+", default=["57", "166", "300", "real"],
                        help="FRR router counts (57, 166, 300, 400), DxW of a generated city, or real")
    parser.add_argument("--peer", nargs="*", default=[], choices=["no-ksm"])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench_twin: run as root (network namespaces, FRR)")
    results: dict[str, Any] = {"cores": os.cpu_count(), "memory_gib": round(meminfo()["MemTotal"] / 2**20, 1),
                               "sizes": [], "peers": []}
    with LOCK.open("a") as lock, tempfile.TemporaryDirectory(prefix="netops-twin-bench-", dir="/var/tmp") as tmp:
        fcntl.flock(lock, fcntl.LOCK_EX)
        scratch = Path(tmp)
        scratch.chmod(0o755)
        for size in args.sizes:
            figures = measure(size, scratch)
            results["sizes"].append(figures)
            if not args.json:
                print(json.dumps(figures), flush=True)
        if "no-ksm" in args.peer:
            figures = measure(args.sizes[0], scratch, ksm=False)
            figures["peer"] = "no-ksm"
            results["peers"].append(figures)
            if not args.json:
                print(json.dumps(figures), flush=True)
    if args.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
