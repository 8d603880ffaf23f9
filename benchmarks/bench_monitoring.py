"""Benchmark: `netops monitoring export` of the 30-district city, beside `netops validate` of the same city.

Generates the city (`netops generate-city --districts 30 --wards-per-district 18 --seed 1`), then in the same run,
each command in a fresh process, best and median of several runs (wall time, and the CPU time of the process and
its children, steadier on a busy machine):
- `netops validate --intent CITY`: the peer, loading and validating the same city with nothing exported;
- `netops monitoring export --intent CITY --out NEW`: the whole command into a new folder (load, design, targets,
  rules, files written); its own figure for the export alone (design to text, without the load) is its JSON
  `seconds`;
- the same export again into the folder it wrote (nothing changes: every file compared, none rewritten).
Then `promtool check config` of the export (rules and target files included) is timed once, for scale.
Run with `.venv/bin/python benchmarks/bench_monitoring.py [--runs N] [--districts N]`.
"""

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(command: list[str]) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds of the child, and stdout of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), done.stdout


def summary(runs: list[tuple[float, float, str]]) -> str:
    walls = [wall for wall, _, _ in runs]
    return f"best {min(walls):.3f} s, median {statistics.median(walls):.3f} s, CPU {min(c for _, c, _ in runs):.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--districts", type=int, default=30)
    parser.add_argument("--wards-per-district", type=int, default=18)
    args = parser.parse_args()
    netops = [sys.executable, "-m", "netops"]
    with tempfile.TemporaryDirectory() as scratch:
        intent = Path(scratch) / "city"
        subprocess.run([*netops, "generate-city", "--out", str(intent), "--districts", str(args.districts),
                        "--wards-per-district", str(args.wards_per_district), "--seed", "1"],
                       check=True, capture_output=True, cwd=ROOT)
        validate, first, again = [], [], []
        out = Path(scratch) / "monitoring"
        for _ in range(args.runs):
            validate.append(timed([*netops, "validate", "--intent", str(intent)]))
            shutil.rmtree(out, ignore_errors=True)
            first.append(timed([*netops, "monitoring", "export", "--intent", str(intent), "--out", str(out), "--json"]))
            again.append(timed([*netops, "monitoring", "export", "--intent", str(intent), "--out", str(out), "--json"]))
        report = json.loads(first[0][2])
        unchanged = json.loads(again[-1][2])
        assert not unchanged["written"] and not unchanged["removed"], "a re-run rewrote files"
        size = sum(path.stat().st_size for path in out.rglob("*") if path.is_file())
        start = time.perf_counter()
        checked = subprocess.run(["promtool", "check", "config", str(out / "prometheus.yml")], capture_output=True,
                                 text=True, check=False)
        promtool = time.perf_counter() - start
        targets = report["targets"]
        print(f"city: {args.districts} districts x {args.wards_per_district} wards; {targets['snmp']} SNMP targets, "
              f"{targets['icmp']} ICMP probes, {targets['tcp']} TCP probes, {targets['wan_ports']} WAN ports, "
              f"{targets['bgp_sessions']} BGP sessions; {len(report['written'])} files, {size / 1e6:.1f} MB")
        print(f"{args.runs} runs each, fresh processes")
        print(f"  netops validate (peer)              {summary(validate)}")
        print(f"  netops monitoring export (new)      {summary(first)}")
        print(f"    of which design to files in memory  best {min(json.loads(r[2])['seconds'] for r in first):.3f} s")
        print(f"  netops monitoring export (re-run)   {summary(again)}")
        verdict = "ok" if checked.returncode == 0 else "FAILED"
        print(f"  promtool check config               {promtool:.3f} s ({verdict})")


if __name__ == "__main__":
    main()
