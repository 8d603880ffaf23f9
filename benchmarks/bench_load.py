"""Benchmark: load, resolve and validate generated cities of growing size.

Prints, for 5 to 30 districts of 18 wards: wall time (best and median of several runs, each in a
fresh process, imports excluded), CPU time of the same work (steadier than wall time on a busy machine),
peak resident memory of the whole process, and the same figures for the peer measured in the same run:
PyYAML's libyaml loader reading the same files with no validation at all (the floor any YAML-based
tool pays). Run with `make bench` or `.venv/bin/python benchmarks/bench_load.py [--runs N]`.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_MEASURE = r"""
import json, resource, sys, time
from pathlib import Path
intent = Path(sys.argv[2])
if sys.argv[1] == "netops":
    from netops.pipeline import load_network
else:
    import yaml
start, cpu_start = time.perf_counter(), time.process_time()
if sys.argv[1] == "netops":
    network = load_network(intent).network
    counts = {"sites": len(network.sites), "devices": len(network.devices), "links": len(network.links)}
else:
    documents = [yaml.load(p.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
                 for p in sorted(intent.rglob("*.yml"))]
    counts = {"files": len(documents)}
elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
print(json.dumps({"seconds": elapsed, "cpu": cpu, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "counts": counts}))
"""


def measure(kind: str, intent: Path, runs: int) -> dict[str, object]:
    results = []
    for _ in range(runs):
        completed = subprocess.run([sys.executable, "-c", _MEASURE, kind, str(intent)], capture_output=True,
                                   text=True, check=True, cwd=ROOT)
        results.append(json.loads(completed.stdout))
    seconds = [r["seconds"] for r in results]
    return {"best": min(seconds), "median": statistics.median(seconds), "cpu": min(r["cpu"] for r in results),
            "peak_mb": max(r["peak_mb"] for r in results), "counts": results[0]["counts"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--districts", type=int, nargs="*", default=[5, 10, 20, 30])
    parser.add_argument("--wards-per-district", type=int, default=18)
    args = parser.parse_args()
    print(f"load + resolve + validate, {args.wards_per_district} wards per district, best/median of {args.runs} "
          "fresh processes; peer: yaml.load(CSafeLoader) of the same files, no validation")
    header = f"{'districts':>9} {'sites':>6} {'devices':>7} {'links':>6} | {'netops best':>11} {'median':>7} " \
             f"{'cpu':>6} {'peak MB':>8} | {'peer best':>9} {'cpu':>6} {'peak MB':>8} | {'cpu ratio':>9}"
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as scratch:
        for districts in args.districts:
            intent = Path(scratch) / f"city-{districts}"
            subprocess.run([sys.executable, "-m", "netops", "generate-city", "--out", str(intent), "--districts",
                            str(districts), "--wards-per-district", str(args.wards_per_district), "--seed", "1"],
                           check=True, capture_output=True, cwd=ROOT)
            ours = measure("netops", intent, args.runs)
            peer = measure("peer", intent, args.runs)
            counts = ours["counts"]
            assert isinstance(counts, dict)
            print(f"{districts:>9} {counts['sites']:>6} {counts['devices']:>7} {counts['links']:>6} | "
                  f"{ours['best']:>10.3f}s {ours['median']:>6.3f}s {ours['cpu']:>5.2f}s {ours['peak_mb']:>8.0f} | "
                  f"{peer['best']:>8.3f}s {peer['cpu']:>5.2f}s {peer['peak_mb']:>8.0f} | "
                  f"{ours['cpu'] / peer['cpu']:>9.1f}")


if __name__ == "__main__":
    main()
