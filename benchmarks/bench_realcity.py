"""Benchmark: the real Hà Nội, in the legacy structure (`netops generate-city --real`) and in the 2025 structure
(`--real --structure 2025`), against the synthetic city of the same size (`generate-city`, 30 districts x 18
wards), the peer, measured in the same run.

1. load + resolve + validate (``netops.pipeline.load_network``), best and median of fresh processes, imports
   excluded (bench_load.py's measurement); then `netops reorganize --to 2025` of the real legacy city: in a fresh
   process, imports excluded, split into load + validate and reorganize (plan and YAML), and end to end as a
   command;
2. NetBox, on bench_netbox.py's bench server (its state directory, ports and machine-wide lock): apply through
   the API of a slice of the real city (city.yml and the smallest district) into an empty NetBox, to give the
   API's rate on real objects; then each whole city put into NetBox through the ORM (benchmarks/netbox_seed.py,
   cached as a pg_dump), checked with a plan that must find nothing to do, and the no-change plan timed: read +
   diff in this process (GraphQL and REST), and end to end as a user runs it (`netops plan`, a fresh process:
   imports, load and validate the intent, read NetBox, diff, print).

    .venv/bin/python benchmarks/bench_realcity.py [--runs 3] [--skip-netbox] [--keep-server]
"""

from __future__ import annotations

import argparse
import hashlib
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
sys.path.insert(0, str(ROOT))

from bench_load import measure  # noqa: E402
from bench_netbox import apply_from_empty, bench_server, seed, seeded_no_change_plans  # noqa: E402

from netops.netbox.client import Credentials, NetBoxClient, Timeouts  # noqa: E402
from netops.netbox.mapping import desired_records  # noqa: E402
from netops.netbox.mapping.base import RecordSet, record_to_json  # noqa: E402
from netops.netbox.plan import make_plan  # noqa: E402
from netops.netbox.snapshot import read_snapshot  # noqa: E402
from netops.pipeline import load_network  # noqa: E402

#: The smallest real districts by ward count: Tây Hồ (8 wards) is the slice applied through the API.
SLICE_DISTRICT = "003"


def generate(out: Path, *args: str) -> Path:
    subprocess.run([sys.executable, "-m", "netops", "generate-city", "--out", str(out), *args], check=True,
                   capture_output=True, cwd=ROOT)
    return out


#: Run in a fresh process: load + validate, then reorganize the intent of argv[1], imports excluded; prints JSON.
_REORGANIZE = """
import json, sys, time
from pathlib import Path
from netops.pipeline import load_intent_and_network
from netops.reorganize.cli import reorganize_folder
from netops.reorganize.policy import ReorganizePolicy
began = time.perf_counter()
loaded, resolution = load_intent_and_network(Path(sys.argv[1]))
loaded_at = time.perf_counter()
result = reorganize_folder(Path(sys.argv[1]), loaded, resolution.allocations, ReorganizePolicy())
done = time.perf_counter()
print(json.dumps({"load": loaded_at - began, "reorganize": done - loaded_at, "files": len(result.files)}))
"""


def reorganize_times(intent: Path, out: Path, runs: int, before: Path | None = None) -> dict[str, list[float]]:
    """Seconds of each run: load + validate and reorganize in a fresh process (imports excluded), and the
    command end to end (`netops reorganize --to 2025 --out`, a fresh process writing a new folder); with
    ``before``, the command from that checkout too, in turn."""
    times: dict[str, list[float]] = {"load": [], "reorganize": [], "command": [], "before": []}
    for run in range(runs):
        if before is not None:
            began = time.perf_counter()
            subprocess.run([sys.executable, "-m", "netops", "reorganize", "--to", "2025", "--intent", str(intent),
                            "--out", str(out / f"before-{run}")], check=True, capture_output=True, cwd=before,
                           env={**os.environ, "PYTHONPATH": f"{before}:{before / 'models'}"})
            times["before"].append(time.perf_counter() - began)
        done = subprocess.run([sys.executable, "-c", _REORGANIZE, str(intent)], capture_output=True, text=True,
                              check=True, cwd=ROOT)
        measured = json.loads(done.stdout)
        times["load"].append(measured["load"])
        times["reorganize"].append(measured["reorganize"])
        began = time.perf_counter()
        subprocess.run([sys.executable, "-m", "netops", "reorganize", "--to", "2025", "--intent", str(intent),
                        "--out", str(out / f"run-{run}")], check=True, capture_output=True, cwd=ROOT)
        times["command"].append(time.perf_counter() - began)
    return times


def cli_plan(intent: Path, env: dict[str, str], runs: int, before: Path | None = None) -> dict[str, object]:
    """`netops plan --intent <city>` in a fresh process, as a user runs it: wall seconds and its last line; with
    ``before`` (a checkout of the code before a change), the same command from it too, run by run in turn."""
    times, earlier, last = [], [], ""
    for _ in range(runs):
        for checkout, kept in ((ROOT, times), *(((before, earlier),) if before is not None else ())):
            began = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "netops", "plan", "--intent", str(intent)], cwd=checkout,
                                  env={**env, "PYTHONPATH": f"{checkout}:{checkout / 'models'}"},
                                  capture_output=True, text=True, check=False)
            kept.append(time.perf_counter() - began)
            if done.returncode != 0:
                sys.exit(f"netops plan failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
            last = (done.stdout.strip().splitlines() or [""])[-1]
    result: dict[str, object] = {"median": statistics.median(times), "best": min(times), "times": times,
                                 "last": last}
    if earlier:
        result["before"] = {"median": statistics.median(earlier), "best": min(earlier), "times": earlier}
    return result


def _process_table() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds of the process and of its children it has reaped)."""
    tick = os.sysconf("SC_CLK_TCK")
    table = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended while the table was read
        # After the command name: state, ppid, ..., utime (12th), stime, cutime, cstime.
        table[int(stat.parent.name)] = (int(fields[1]), sum(int(f) for f in fields[11:15]) / tick)
    return table


def service_cpu(home: Path) -> dict[str, float]:
    """CPU seconds so far of each service of the embedded NetBox (its process and all it started)."""
    table = _process_table()
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in table.items():
        children.setdefault(parent, []).append(pid)

    def tree(pid: int) -> float:
        return table.get(pid, (0, 0.0))[1] + sum(tree(child) for child in children.get(pid, []))

    return {name: tree(json.loads((home / "run" / f"{name}.json").read_text())["pid"])
            for name in ("netbox", "postgres", "redis")}


def where_the_time_goes(client: NetBoxClient, desired: RecordSet, home: Path) -> str:
    """One no-change plan (GraphQL): its wall time, and the CPU the client and each service spent on it."""
    before, cpu, began = service_cpu(home), time.process_time(), time.perf_counter()
    make_plan(desired, read_snapshot(client, desired=desired))
    wall, client_cpu = time.perf_counter() - began, time.process_time() - cpu
    spent = {name: seconds - before[name] for name, seconds in service_cpu(home).items()}
    return (f"{wall:.2f} s wall; CPU: client {client_cpu:.2f} s, "
            + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in spent.items())
            + f"; {(client_cpu + sum(spent.values())) / wall:.2f} cores busy on average")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement (best and median printed)")
    parser.add_argument("--skip-netbox", action="store_true", help="only load + validate")
    parser.add_argument("--skip-slice", action="store_true", help="no apply of the slice through the API")
    parser.add_argument("--keep-server", action="store_true", help="leave the bench NetBox up")
    parser.add_argument("--before", type=Path, help="a checkout of the code before a change (e.g. the main "
                        "worktree): `netops plan` also timed from it, run by run in turn")
    parser.add_argument("--plan-only", action="store_true",
                        help="of each whole city, only `netops plan` end to end (no in-process plans)")
    parser.add_argument("--where-only", action="store_true",
                        help="of each whole city, only where a no-change plan's time goes (CPU per process)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        cities = {"real Hà Nội (legacy)": generate(Path(scratch) / "real", "--real"),
                  "real Hà Nội (2025)": generate(Path(scratch) / "real-2025", "--real", "--structure", "2025"),
                  "synthetic 30 x 18 (peer)": generate(Path(scratch) / "synthetic")}
        print(f"== load + resolve + validate, best / median of {args.runs} fresh processes, imports excluded")
        for name, intent in cities.items():
            result = measure("netops", intent, args.runs)
            counts = result["counts"]
            assert isinstance(counts, dict)
            print(f"  {name:<26} {counts['sites']:>5} sites {counts['devices']:>5} devices {counts['links']:>5} "
                  f"links: {result['best']:.3f} s / {result['median']:.3f} s, CPU {result['cpu']:.2f} s, "
                  f"peak {result['peak_mb']:.0f} MB")
        times = reorganize_times(cities["real Hà Nội (legacy)"], Path(scratch) / "reorganized", args.runs,
                                 args.before)
        print(f"== reorganize --to 2025 of the real legacy city, best / median of {args.runs} fresh processes")
        for what, seconds in times.items():
            if not seconds:
                continue
            label = {"load": "load + validate (imports excluded)", "reorganize": "reorganize: plan + YAML",
                     "command": "`netops reorganize --out` end to end",
                     "before": f"the same from {args.before}, in turn"}[what]
            print(f"  {label:<40} {min(seconds):.3f} s / {statistics.median(seconds):.3f} s")
        if args.skip_netbox:
            return
        with bench_server(args.keep_server) as settings:
            values = dict(line.split("=", 1) for line in settings.env_file.read_text().splitlines()
                          if line and not line.startswith("#"))
            client = NetBoxClient(Credentials(values["NETBOX_URL"], values["NETBOX_TOKEN"]),
                                  timeouts=Timeouts.from_env())
            env = {k: v for k, v in os.environ.items() if not k.startswith(("NETBOX_", "NETOPS_"))} | {
                "NETBOX_URL": values["NETBOX_URL"], "NETBOX_TOKEN": values["NETBOX_TOKEN"]}
            if not args.skip_slice:
                real = cities["real Hà Nội (legacy)"]
                part = Path(scratch) / "slice"
                shutil.copytree(real, part, ignore=shutil.ignore_patterns(".netops-manifest.json"))
                for district in (part / "districts").glob("*.yml"):
                    if not district.name.startswith(f"{SLICE_DISTRICT}-"):
                        district.unlink()
                network = load_network(part).network
                applied = apply_from_empty(client, network)
                print(f"== apply through the API, from empty: city.yml + district {SLICE_DISTRICT} of the real city "
                      f"({len(network.sites)} sites, {len(network.devices)} devices): {applied['created']} objects "
                      f"in {applied['requests']} write requests, {applied['seconds']:.1f} s "
                      f"({applied['per_second']:.1f} objects/s)")
            for name, intent in cities.items():
                network = load_network(intent).network
                desired = desired_records(network)
                key = hashlib.sha256(json.dumps([record_to_json(r) for records in desired.by_type.values()
                                                 for r in records.values()], sort_keys=True).encode()).hexdigest()
                cache = settings.home / f"seed-{intent.name}-{key[:16]}.pgdump"
                print(f"== {name}: {len(network.sites)} sites, {len(network.devices)} devices, "
                      f"{len(network.links)} links, {len(desired)} NetBox objects")
                how, seconds = seed(settings, desired, cache)
                print(f"  seed: {how}: {seconds:.1f} s; at the API's rate above that would be "
                      + (f"{len(desired) / applied['per_second'] / 60:.0f} min" if not args.skip_slice else "-"))
                if args.where_only:
                    print(f"  no-change plan (graphql), where the time goes: "
                          f"{where_the_time_goes(client, desired, settings.home)}")
                    continue
                if not args.plan_only:
                    seeded_no_change_plans(client, desired, args.runs)
                    print(f"  no-change plan (graphql), where the time goes: "
                          f"{where_the_time_goes(client, desired, settings.home)}")
                whole = cli_plan(intent, env, args.runs, args.before)
                print(f"  `netops plan --intent` end to end: {whole['median']:.2f} s median, {whole['best']:.2f} s "
                      f"best (runs: {', '.join(f'{t:.2f}' for t in whole['times'])}): {whole['last']}")
                if "before" in whole:
                    earlier = whole["before"]
                    assert isinstance(earlier, dict)
                    print(f"  the same from {args.before}, in turn: {earlier['median']:.2f} s median, "
                          f"{earlier['best']:.2f} s best (runs: {', '.join(f'{t:.2f}' for t in earlier['times'])})")


if __name__ == "__main__":
    main()
