"""Benchmark: `netops generate-city` then `netops validate` of a generated city, for two checkouts in the same run.

Each run, in turn for each checkout (so the machine's load falls on both alike), writes the city into an empty
folder (`generate-city --districts D --wards-per-district W --seed 1`, a fresh process) and validates it (`netops
validate --intent`, a fresh process); both are timed end to end, interpreter start-up included, as a user runs
them. The checkouts share this venv and run from their own source (PYTHONPATH). Prints best and median per checkout
and step, and the city's size as validate reports it.

    git archive e0d2271 | tar -x -C /tmp/before   # the checkout to compare with
    .venv/bin/python benchmarks/bench_generate.py --before /tmp/before --runs 5
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

ROOT = Path(__file__).resolve().parent.parent


def timed(tree: Path, *args: str) -> tuple[float, str]:
    """Seconds one `netops` command of ``tree`` takes, and what it printed on stdout."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(tree / part) for part in ("", "models", "napalm-frr"))}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "netops", *args], cwd=tree, env=env, capture_output=True, text=True,
                          check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{tree}: netops {' '.join(args)} exited {done.returncode}\n{done.stderr[-3000:]}")
    return elapsed, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, required=True, help="the checkout to compare with")
    parser.add_argument("--after", type=Path, default=ROOT, help="the checkout measured (default: this one)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--districts", type=int, default=30)
    parser.add_argument("--wards-per-district", type=int, default=18)
    args = parser.parse_args()
    trees = {"before": args.before.resolve(), "after": args.after.resolve()}
    times: dict[tuple[str, str], list[float]] = {(label, step): [] for label in trees for step in ("generate",
                                                                                                   "validate")}
    counts: dict[str, dict[str, int]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-generate-") as scratch:
        for _ in range(args.runs):
            for label, tree in trees.items():
                out = Path(scratch) / label
                shutil.rmtree(out, ignore_errors=True)
                seconds, _ = timed(tree, "generate-city", "--out", str(out), "--districts", str(args.districts),
                                   "--wards-per-district", str(args.wards_per_district), "--seed", "1")
                times[label, "generate"].append(seconds)
                seconds, printed = timed(tree, "validate", "--intent", str(out), "--json")
                times[label, "validate"].append(seconds)
                counts[label] = json.loads(printed)["counts"]
    print(f"generate-city {args.districts} x {args.wards_per_district} (seed 1) + validate, {args.runs} runs each, "
          "fresh processes, interleaved; best / median in seconds")
    for label, tree in trees.items():
        total = [g + v for g, v in zip(times[label, "generate"], times[label, "validate"], strict=True)]
        size = counts[label]
        print(f"{label:>6} ({tree}): " + "  ".join(
            f"{step} {min(values):.3f} / {statistics.median(values):.3f}"
            for step, values in (("generate", times[label, "generate"]), ("validate", times[label, "validate"]),
                                 ("total", total)))
            + f"  [{size['sites']} sites, {size['devices']} devices, {size['links']} links, {size['lans']} lans]")


if __name__ == "__main__":
    main()
