"""Benchmark: `netops generate-city` then `netops validate` of a generated city, for two checkouts in the same run.

Each run, in turn for each checkout (so the machine's load falls on both alike), writes the city into an empty
folder (`generate-city --districts D --wards-per-district W --seed 1`, a fresh process) and validates it (`netops
validate --intent`, a fresh process); both are timed end to end, interpreter start-up included, as a user runs
them. The checkouts share this venv and run from their own source (PYTHONPATH). Prints best and median per checkout
and step, and the city's size as validate reports it. With `--strict-design` the checkout measured also runs
`netops validate --strict-design` (its design rules judged, what-if included), which the one compared with may lack.

    git archive e0d2271 | tar -x -C /tmp/before   # the checkout to compare with
    .venv/bin/python benchmarks/bench_generate.py --before /tmp/before --runs 5
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


#: CPU seconds (user + system) of every command timed, per (checkout, step): steadier than wall time under load.
CPU: dict[tuple[str, str], list[float]] = {}


def timed(tree: Path, step: tuple[str, str], *args: str) -> tuple[float, str]:
    """Wall seconds one `netops` command of ``tree`` takes (its CPU seconds go to CPU[step]), and its stdout."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(tree / part) for part in ("", "models", "napalm-frr"))}
    start, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run([sys.executable, "-m", "netops", *args], cwd=tree, env=env, capture_output=True, text=True,
                          check=False)
    elapsed = time.perf_counter() - start
    CPU.setdefault(step, []).append(_children_cpu() - cpu)
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
    parser.add_argument("--strict-design", action="store_true",
                        help="also time `validate --strict-design` of the checkout measured")
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
                seconds, _ = timed(tree, (label, "generate"), "generate-city", "--out", str(out), "--districts",
                                   str(args.districts), "--wards-per-district", str(args.wards_per_district),
                                   "--seed", "1")
                times[label, "generate"].append(seconds)
                seconds, printed = timed(tree, (label, "validate"), "validate", "--intent", str(out), "--json")
                times[label, "validate"].append(seconds)
                counts[label] = json.loads(printed)["counts"]
                if args.strict_design and label == "after":
                    seconds, _ = timed(tree, (label, "strict"), "validate", "--strict-design", "--intent", str(out))
                    times.setdefault((label, "strict"), []).append(seconds)
    print(f"generate-city {args.districts} x {args.wards_per_district} (seed 1) + validate, {args.runs} runs each, "
          "fresh processes, interleaved; wall best / median (CPU best) in seconds")
    for label, tree in trees.items():
        total = [g + v for g, v in zip(times[label, "generate"], times[label, "validate"], strict=True)]
        size = counts[label]
        print(f"{label:>6} ({tree}): " + "  ".join(
            f"{step} {min(values):.3f} / {statistics.median(values):.3f} ({min(cpu):.2f})"
            for step, values, cpu in (
                ("generate", times[label, "generate"], CPU[label, "generate"]),
                ("validate", times[label, "validate"], CPU[label, "validate"]),
                ("total", total, [g + v for g, v in zip(CPU[label, "generate"], CPU[label, "validate"], strict=True)])))
            + f"  [{size['sites']} sites, {size['devices']} devices, {size['links']} links, {size['lans']} lans]")
    if (strict := times.get(("after", "strict"))) is not None:
        print(f"{'after':>6}: validate --strict-design {min(strict):.3f} / {statistics.median(strict):.3f} "
              f"({min(CPU['after', 'strict']):.2f})")


if __name__ == "__main__":
    main()
