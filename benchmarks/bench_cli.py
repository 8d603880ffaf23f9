"""Benchmark: how long `netops` takes to start, as a whole process, beside `ansible-inventory --version`.

Each command runs as a user runs it: the `netops` console script of the venv in a fresh process, its output read
and thrown away, with the checkout measured first on PYTHONPATH (the checkout and its models/) and the checkout as
the working folder (so `validate` reads the sample, inventory/city). One round runs every command once, in turn;
`--runs` rounds are counted after one uncounted round that warms the file cache and writes the bytecode, and each
command's wall time is printed as min / median / max, with its median over the yardstick's median:
`ansible-inventory --version`, Ansible's own start-up (no inventory read), measured in the same rounds.

The commands: `netops --help`, `--version`, `validate` of the sample, `CMD --help` of a few commands and groups,
and one Tab of the shell completion (bash's protocol: `netops val<TAB>`, and the option names of `render`).
A command that exits other than 0 is timed no further and its row says how it exited (an earlier checkout has no
completion, say): a figure of a failing command means nothing.

    .venv/bin/python benchmarks/bench_cli.py [--runs 11] [--checkout PATH]

``--checkout`` measures another copy of the project (say an earlier commit, `git archive COMMIT | tar -x -C
DIR`) with this venv.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
YARDSTICK = "ansible-inventory --version"


def commands() -> dict[str, tuple[list[str], dict[str, str]]]:
    """Each measured command line: its label, its argv and the environment variables it adds."""
    netops = str(BIN / "netops")
    complete = {"_NETOPS_COMPLETE": "complete_bash"}
    return {
        "netops --help": ([netops, "--help"], {}),
        "netops --version": ([netops, "--version"], {}),
        "netops validate (the sample)": ([netops, "validate"], {}),
        "netops render --help": ([netops, "render", "--help"], {}),
        "netops plan --help": ([netops, "plan", "--help"], {}),
        "netops lab --help": ([netops, "lab", "--help"], {}),
        "netops compliance --help": ([netops, "compliance", "--help"], {}),
        "complete: netops val<TAB>": ([netops], {**complete, "COMP_WORDS": "netops val", "COMP_CWORD": "1"}),
        "complete: netops render --<TAB>": ([netops], {**complete, "COMP_WORDS": "netops render --",
                                                       "COMP_CWORD": "2"}),
        YARDSTICK: ([str(BIN / "ansible-inventory"), "--version"], {}),
    }


def run_once(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, str]:
    """Wall seconds of one run, and how it failed ("" when it exited 0)."""
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    failure = ""
    if done.returncode != 0:
        last = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
        failure = f"exit {done.returncode}: {last[0][:60]}"
    return elapsed, failure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=11, help="counted rounds (default 11)")
    parser.add_argument("--checkout", type=Path, default=ROOT, help="the copy of the project to measure")
    options = parser.parse_args()
    checkout = options.checkout.resolve()
    base = {name: value for name, value in os.environ.items()
            if not name.startswith(("NETOPS_", "NETBOX_", "_NETOPS_", "COMP_"))}
    base["PYTHONPATH"] = os.pathsep.join([str(checkout), str(checkout / "models")])
    # An installed netops runs from compiled bytecode: the warm-up round compiles the checkout's modules once.
    base.pop("PYTHONDONTWRITEBYTECODE", None)
    measured = commands()
    times: dict[str, list[float]] = {label: [] for label in measured}
    failures: dict[str, str] = {}
    for round_number in range(options.runs + 1):
        for label, (argv, extra) in measured.items():
            if label in failures:
                continue
            elapsed, failure = run_once(argv, {**base, **extra}, checkout)
            if failure:
                failures[label] = failure
            elif round_number:  # the first round warms the cache
                times[label].append(elapsed)
    if YARDSTICK in failures:
        raise SystemExit(f"{YARDSTICK}: {failures[YARDSTICK]}")
    yardstick = statistics.median(times[YARDSTICK])
    load = os.getloadavg()
    print(f"{checkout}: {options.runs} rounds (after one warm-up), {os.cpu_count()} cores, "
          f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    width = max(len(label) for label in measured)
    print(f"{'command':<{width}}  {'min':>7}  {'median':>7}  {'max':>7}  {'median / yardstick':>18}")
    for label, values in times.items():
        if label in failures:
            print(f"{label:<{width}}  {failures[label]}")
            continue
        median = statistics.median(values)
        print(f"{label:<{width}}  {min(values):7.3f}  {median:7.3f}  {max(values):7.3f}  "
              f"{median / yardstick:18.2f}")


if __name__ == "__main__":
    main()
