"""Benchmark: provision and verify a lab through the real playbooks (issue 6), phase by phase.

For each city (the sample city `inventory/city`, whole; a city from `netops generate-city --districts D
--wards-per-district W`), as root and holding the machine-wide lab lock:

- `netops lab up` with bootstrap routers (hostname and management address only: everything is to push);
- `provision.yml --check --diff` (render, then a diff per router; nothing pushed);
- `provision.yml` (render, push with commit-confirm: data center, aggregation, sites; a canary then batches);
- `provision.yml` again (nothing to change: changed=0 is checked);
- `verify.yml` (compliance_report per router through Ansible, then `netops verify` per site);
- `netops verify --json` alone, with its own phases (control plane, reachability probes);
- `netops lab down`.

ansible-playbook runs with the project's ansible.cfg (forks 10: the work is NAPALM over SSH, mostly waiting on
the routers, which share the same 2 cores) unless `--forks` says otherwise; the routers of the lab are the
limit (switches run no FRR in the lab). Wall times; the load average is printed, since other sessions share the
machine.

Run as root: `.venv/bin/python benchmarks/bench_provision.py [--cities sample 3x5] [--forks N] [--skip check again]`.
"""

import argparse
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bench_lab import write_city  # benchmarks/ is on sys.path when run as a script

from netops.lab.lab import Lab
from netops.lab.state import LabHome

REPO = Path(__file__).resolve().parents[1]
BIN = REPO / ".venv" / "bin"
LOCK = Path("/run/lock/netops-lab-tests.lock")


def recap(output: str) -> dict[str, int]:
    """Sums of the PLAY RECAP counters over every host."""
    totals: dict[str, int] = {}
    for line in re.findall(r"^\S+\s+: ((?:\w+=\d+\s*)+)$", output, re.M):
        for key, value in re.findall(r"(\w+)=(\d+)", line):
            totals[key] = totals.get(key, 0) + int(value)
    return totals


def timed(command: list[str], env: dict[str, str], log: Path) -> tuple[float, int, str]:
    """Wall seconds, exit code and output of a command (output also written to log)."""
    started = time.monotonic()
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - started
    log.write_text(result.stdout + result.stderr)
    return seconds, result.returncode, result.stdout


def bench_city(name: str, intent: Path, work: Path, forks: int | None, skip: set[str]) -> dict[str, object]:
    """Every phase on one city's lab; the lab is brought down whatever happens."""
    home = LabHome(work / "lab")
    env = {**os.environ, "NETOPS_LAB_HOME": str(home.path), "NETOPS_INTENT": str(intent),
           "PATH": f"{BIN}:{os.environ['PATH']}", "ANSIBLE_FORCE_COLOR": "0"}
    if forks is not None:
        env["ANSIBLE_FORKS"] = str(forks)
    inventory = work / "inventory" / "netops.yml"
    inventory.parent.mkdir(parents=True)
    configs = work / "configs"
    inventory.write_text(f"plugin: netops\nsource: intent\nintent: {intent}\nconfigs: {configs}\n")
    figures: dict[str, object] = {"city": name}
    phases: dict[str, float] = {}
    try:
        seconds, code, _ = timed([str(BIN / "netops"), "lab", "up", "--intent", str(intent)], env, work / "up.log")
        assert code == 0, (work / "up.log").read_text()[-2000:]
        phases["lab up (bootstrap)"] = seconds
        plan = Lab(home).plan()
        assert plan is not None
        routers = sorted(r.device for r in plan.routers if r.runs_frr)
        figures["routers"] = len(routers)
        for line in home.secrets_file.read_text().splitlines():
            key, _, value = line.partition("=")
            env[key] = value
        play = [str(BIN / "ansible-playbook"), "-i", str(inventory), "--limit", ",".join([*routers, "localhost"]),
                "-e", f"provision_configs={configs}", "-e", f"network_verify_intent={intent}"]
        runs = (("check", "provision --check --diff", ["playbooks/provision.yml", "--check", "--diff"]),
                ("provision", "provision (first run)", ["playbooks/provision.yml"]),
                ("verify", "verify.yml", ["playbooks/verify.yml", "-e", f"verify_report_dir={work / 'reports'}"]),
                ("again", "provision (second run)", ["playbooks/provision.yml"]))
        for key, label, extra in runs:
            if key in skip:
                continue
            log = work / (re.sub(r"\W+", "-", label).strip("-") + ".log")
            seconds, code, output = timed(play + extra, env, log)
            totals = recap(output)
            assert code == 0, f"{label}: exit {code}; see {log}\n" + output[-3000:]
            phases[label] = seconds
            figures[f"{label} changed"] = totals.get("changed", 0)
        assert figures.get("provision (second run) changed", 0) == 0, "the second provision changed something"
        seconds, code, output = timed([str(BIN / "netops"), "verify", "--json", "--limit", ",".join(routers)], env,
                                      work / "netops-verify.log")
        assert code == 0, output[-3000:]
        phases["netops verify"] = seconds
        report = json.loads(output)
        figures["netops verify phases"] = report["seconds"]
        figures["sites"] = len(report["sites"])
    finally:
        started = time.monotonic()
        subprocess.run([str(BIN / "netops"), "lab", "down"], cwd=REPO, env=env, capture_output=True)
        phases["lab down"] = time.monotonic() - started
    figures["phases"] = {k: round(v, 1) for k, v in phases.items()}
    return figures


def lab_workdirs(cities: list[str], prefix: str) -> Iterator[tuple[str, Path]]:
    """Each city with a work folder of its own under /var/tmp (removed afterwards), as root and holding the
    machine-wide lab lock the whole time."""
    if os.geteuid() != 0:
        sys.exit("run as root (the lab needs network namespaces)")
    with LOCK.open("a") as lock:
        print(f"waiting for the lab lock {LOCK} ...", file=sys.stderr, flush=True)
        fcntl.flock(lock, fcntl.LOCK_EX)
        for city in cities:
            work = Path(tempfile.mkdtemp(prefix=prefix, dir="/var/tmp"))
            work.chmod(0o755)  # FRR (user frr) and the login user walk into the lab home
            try:
                yield city, work
            finally:
                shutil.rmtree(work, ignore_errors=True)


def generated(city: str, work: Path) -> Path:
    """The intent of a generated city named DxW (districts x wards per district), written into `work`."""
    districts, wards = (int(n) for n in city.split("x"))
    return write_city(work / "city", districts, wards)


def main() -> None:
    """Measure each city and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cities", nargs="+", default=["sample", "3x5"],
                        help="sample (inventory/city) or DxW (generate-city districts x wards per district)")
    parser.add_argument("--forks", type=int, default=None, help="ansible forks (default: ansible.cfg)")
    parser.add_argument("--skip", nargs="*", default=[], choices=["check", "again"],
                        help="leave out the check-mode run and/or the second (idempotent) run")
    args = parser.parse_args()
    for city, work in lab_workdirs(args.cities, "netops-provision-bench-"):
        intent = REPO / "inventory" / "city" if city == "sample" else generated(city, work)
        load = os.getloadavg()
        figures = bench_city(city, intent, work, args.forks, set(args.skip))
        figures["load average before, after"] = [round(load[0], 1), round(os.getloadavg()[0], 1)]
        print(json.dumps(figures, ensure_ascii=False, indent=1), flush=True)


if __name__ == "__main__":
    main()
