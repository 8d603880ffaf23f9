"""Benchmark: `netops compliance` of every device of generated cities, offline from backups.

For 5 to 30 districts of 18 wards (`netops generate-city`): the city is rendered into a backups folder
(`netops render --out`, not timed), then timed, best of N runs:

- `netops compliance --backups DIR --format junit` end to end in a fresh process (load and validate the
  intent, render every device in memory, read every backup, masks, drift, baseline, waivers, report), with
  the backups as rendered (no drift) and after hand edits on 5% of the devices (drift: hier_config runs);
- the no-drift run again with `--cache DIR` filled by one run before (every device's result reused);
- peers in the same run, over the same texts: `difflib.unified_diff` of every rendered file against its
  backup (a line-by-line text diff: no hierarchy, no masks, no baseline), and hier_config alone
  (parse both sides of every device's frr.conf and compute the remediation, no baseline, no fast path).

Each compliance figure comes with the CPU seconds (user + system, every process) of that run, which moves
less than wall-clock time when other work shares the cores, and the load average is printed.

Run with `.venv/bin/python benchmarks/bench_compliance.py [--runs N] [--districts 5 10 20 30] [--workers N]`.
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NETOPS = ROOT / ".venv" / "bin" / "netops"

_PEERS = r"""
import difflib, json, sys, time
from pathlib import Path
from hier_config import get_hconfig_fast_load
from netops.design import build_design
from netops.compliance.diff import FrrDriver
from netops.compliance.sources import render_intended
from netops.pipeline import load_network
from netops.render.settings import RenderSettings

intent, backups, runs = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
network = load_network(intent).network
rendered = render_intended(build_design(network, RenderSettings()), [d.name for d in network.devices])
pairs = []
for device, files in rendered.configs.items():
    platform = rendered.platforms[device].value
    for part, text in files.items():
        pairs.append((part, text, (backups / platform / f"{device}.{part}").read_text(encoding="utf-8")))

def best(function):
    seconds = []
    for _ in range(runs):
        start = time.perf_counter(); function(); seconds.append(time.perf_counter() - start)
    return min(seconds)

def text_diff():
    return sum(len(list(difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm=""))) for _, a, b in pairs)

driver = FrrDriver()
def hier_config_only():
    for part, a, b in pairs:
        if part == "cfg":
            get_hconfig_fast_load(driver, b).config_to_get_to(get_hconfig_fast_load(driver, a))

print(json.dumps({"files": len(pairs), "difflib_s": best(text_diff), "hier_config_s": best(hier_config_only)}))
"""


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=ROOT, capture_output=True, text=True, check=False)


def _compliance(intent: Path, backups: Path, runs: int, workers: int, *extra: str) -> tuple[float, float, int]:
    """Best wall-clock seconds, the CPU seconds (user + system, all processes) of that run, and the exit code."""
    best, cpu, code = float("inf"), 0.0, 0
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = _run(NETOPS, "compliance", "--intent", intent, "--backups", backups, "--format", "junit",
                    "--out", backups.parent / "report.xml", "--waivers", ROOT / "inventory/compliance/waivers.yml",
                    "--workers", str(workers), *extra)
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        code = done.returncode
        if code not in (0, 1):
            sys.exit(f"netops compliance failed ({code}): {done.stderr}")
        if code == 1 and "--cache" in extra:
            report = (backups.parent / "report.xml").read_text(encoding="utf-8")
            sys.exit(f"the cached run found what the uncached one did not: {report[:3000]}")
        if seconds < best:
            best = seconds
            cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return best, cpu, code


def _drift(backups: Path, share: float) -> int:
    """Hand edits on a share of the devices: an OSPF cost changed and a static route added."""
    files = sorted(backups.glob("frr/*.cfg"))
    chosen = random.Random(1).sample(files, max(1, int(len(files) * share)))
    for path in chosen:
        text = path.read_text(encoding="utf-8")
        text = text.replace(" ip ospf cost ", " ip ospf cost 7", 1).replace(
            "router ospf\n", "ip route 192.0.2.0/24 blackhole\n!\nrouter ospf\n", 1)
        path.write_text(text, encoding="utf-8")
    return len(chosen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--districts", type=int, nargs="+", default=[5, 10, 20, 30])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="netops compliance --workers (default: one per core)")
    options = parser.parse_args()
    print(f"netops compliance from backups, best of {options.runs}; {os.cpu_count()} cores, "
          f"{options.workers} workers; load average at start {os.getloadavg()[0]:.1f}")
    print(f"{'districts':>9} {'devices':>7} {'files':>6} {'no drift s':>10} {'(cpu s)':>7} {'cached s':>8} "
          f"{'(cpu s)':>7} {'5% drift s':>10} {'(cpu s)':>7} {'difflib s':>9} {'hier_config s':>13} {'load':>5}")
    for districts in options.districts:
        with tempfile.TemporaryDirectory() as scratch:
            intent, backups = Path(scratch) / "city", Path(scratch) / "backups"
            _run(NETOPS, "generate-city", "--out", intent, "--districts", districts).check_returncode()
            render = _run(NETOPS, "render", "--intent", intent, "--out", backups, "--json")
            render.check_returncode()
            devices = json.loads(render.stdout)["devices"]
            clean, clean_cpu, code = _compliance(intent, backups, options.runs, options.workers)
            assert code == 0, "the rendered city must be compliant"
            cache = ("--cache", str(Path(scratch) / "cache"))
            _compliance(intent, backups, 1, options.workers, *cache)  # fills the cache (not timed)
            cached, cached_cpu, code = _compliance(intent, backups, options.runs, options.workers, *cache)
            assert code == 0, "the cached run must say the same"
            drifted = _drift(backups, 0.05)
            drift, drift_cpu, code = _compliance(intent, backups, options.runs, options.workers)
            assert code == 1, "drifted devices must fail"
            peers = _run(sys.executable, "-c", _PEERS, intent, backups, options.runs)
            if peers.returncode:
                sys.exit(f"peers failed: {peers.stderr}")
            peer = json.loads(peers.stdout)
            print(f"{districts:>9} {devices:>7} {peer['files']:>6} {clean:>10.2f} {clean_cpu:>7.2f} {cached:>8.2f} "
                  f"{cached_cpu:>7.2f} {drift:>10.2f} "
                  f"{drift_cpu:>7.2f} {peer['difflib_s']:>9.2f} {peer['hier_config_s']:>13.2f} "
                  f"{os.getloadavg()[0]:>5.1f}   ({drifted} devices drifted)", flush=True)


if __name__ == "__main__":
    main()
