"""Benchmark: `netops verify` of a configured lab, phase by phase (issue 17, point 4).

For each city (a city from `netops generate-city --districts D --wards-per-district W`, or the sample city
`inventory/city`), as root and holding the machine-wide lab lock:

- `netops lab up --configured` (the rendered configs loaded, every adjacency waited for);
- `netops verify --json` of the whole lab, `--runs` times for each `--workers` (routers read in parallel): wall
  time, the report's per-phase `seconds`, the number of sites and checks, the failed checks, the load average
  around the run;
- `netops lab down`.

The lab is configured by `lab up --configured` rather than by provision.yml: what is verified is the same
rendered config, and the benchmark then takes a minute of lab time instead of ten (bench_provision.py measures
verification after a real provisioning).

Run as root: `.venv/bin/python benchmarks/bench_verify.py [--cities 3x5] [--runs 3] [--workers 8 16]`.
"""

import argparse
import json
import os
import subprocess
import time
from pathlib import Path

from bench_provision import BIN, REPO, generated, lab_workdirs  # benchmarks/ is on sys.path when run as a script


def verify_runs(intent: Path, work: Path, runs: int, workers: list[int]) -> dict[str, object]:
    """Lab up (configured), `netops verify --json` `runs` times per workers count, lab down; figures."""
    env = {**os.environ, "NETOPS_LAB_HOME": str(work / "lab"), "NETOPS_INTENT": str(intent),
           "PATH": f"{BIN}:{os.environ['PATH']}"}
    figures: dict[str, object] = {}
    try:
        started = time.monotonic()
        up = subprocess.run([str(BIN / "netops"), "lab", "up", "--configured", "--timeout", "300"], cwd=REPO,
                            env=env, capture_output=True, text=True)
        assert up.returncode == 0, up.stdout[-2000:] + up.stderr[-2000:]
        figures["lab up --configured (s)"] = round(time.monotonic() - started, 1)
        results = []
        for count in [count for count in workers for _ in range(runs)]:
            load = os.getloadavg()[0]
            started = time.monotonic()
            run = subprocess.run([str(BIN / "netops"), "verify", "--json", "--workers", str(count)], cwd=REPO,
                                 env=env, capture_output=True, text=True)
            seconds = time.monotonic() - started
            report = json.loads(run.stdout)
            failed = [f"{site['site']}: {check['check']}: {check['reason']}" for site in report["sites"]
                      for check in site["failures"]]
            results.append({"workers": count, "wall (s)": round(seconds, 1), "exit": run.returncode,
                            "phases (s)": {k: round(v, 1) for k, v in report["seconds"].items()},
                            "sites": len(report["sites"]),
                            "checks": sum(site["checks"] for site in report["sites"]),
                            "failed": failed[:10], "load average before, after": [round(load, 1),
                                                                                   round(os.getloadavg()[0], 1)]})
        figures["verify runs"] = results
    finally:
        down = subprocess.run([str(BIN / "netops"), "lab", "down", "--yes"], cwd=REPO, env=env, capture_output=True)
        figures["lab down exit"] = down.returncode
    return figures


def main() -> None:
    """Measure each city and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cities", nargs="+", default=["3x5"],
                        help="sample (inventory/city) or DxW (generate-city districts x wards per district)")
    parser.add_argument("--runs", type=int, default=3, help="netops verify runs on the same lab")
    parser.add_argument("--workers", type=int, nargs="+", default=[8], help="netops verify --workers values")
    args = parser.parse_args()
    for city, work in lab_workdirs(args.cities, "netops-verify-bench-"):
        intent = REPO / "inventory" / "city" if city == "sample" else generated(city, work)
        figures = {"city": city, "cores": os.cpu_count(), **verify_runs(intent, work, args.runs, args.workers)}
        print(json.dumps(figures, ensure_ascii=False, indent=1), flush=True)


if __name__ == "__main__":
    main()
