"""Benchmark: provision and verify a lab through the real playbooks, against the floor of the same work (issue 17).

For each lab size (`--cities 12 57 166`: `netops generate-city` cities of 1x2, 3x5 and 6x8 districts x wards,
whose labs have 11, 57 and 166 FRR routers; or `DxW`, or `sample` for inventory/city), as root and holding the
machine-wide lab lock the whole time, on one lab brought up once with bootstrap routers:

- `netops render --out` of the city with the lab's render settings (the configs every phase pushes);
- floor: `netops.push.napalm.push_config` of every router's rendered config in a pool of 8 threads (replace,
  backup, commit with the role's revert timer, confirmed after a fresh login), then its rendered nftables loaded
  in the router's namespace, as the role does; then the same again with nothing to change;
- the same floor with as many threads as Ansible has forks (when that is not 8);
- the floor in the playbook's own batches: the plays, their order and their `serial` batches as Ansible itself
  computes them for provision.yml (benchmarks/ansible_batches.py), each batch pushed in a pool of
  min(forks, batch) threads, one batch after the other; then the same again with nothing to change;
- `provision.yml` (first run), `provision.yml` again (nothing to change: changed=0 is checked), `verify.yml`
  (compliance_report per router, then `netops verify` per site) and `netops verify` alone;
- the backup floor (netops_backup's work, in a pool of 8 threads: the running config through NAPALM and the
  lab's nftables, masked and written, then one commit) beside `backup.yml`;
- Ansible alone: provision.yml (after its no-change run) and backup.yml again with the project's action plugins
  replaced by ones that validate their arguments and do no device work (benchmarks/plugins/action): what Ansible
  itself costs for the same plays, batches and hosts. A run's ceiling is its floor (in the playbook's batches)
  plus Ansible alone, and its ratio to that ceiling is printed beside its ratio to the floor.

Before verify.yml the bench waits for the routers' OSPF and BGP (`netops lab wait`), timed apart: verification
judges a converged network, and a lab of hundreds of routers converges in minutes under load.

Before each first run the routers are put back to bootstrap by `netops lab down` and `netops lab up` (new FRR,
host keys and secrets; the plan and the rendered configs stay), timed apart and not counted: on the 11-router lab
that took 4-6 s where pushing each router's bootstrap config and deleting its rendered nftables took 24-28 s. Every
first run must then change every router. Each phase has its wall time, its seconds per router, its ratio to
the floor, and the load average (a thread samples os.getloadavg() every second: mean and max over the phase)
with the cores busy (/proc/stat) during it, since other sessions share the machine. ansible-playbook runs with
the project's ansible.cfg unless `--forks` says otherwise, limited to the lab's FRR routers, with a callback of
this benchmark (benchmarks/plugins/callback/bench_timeline.py) that times every task: `--profile` prints where
provision.yml spends its time, per task name.

Run as root: `.venv/bin/python benchmarks/bench_provision.py [--cities 12 57 166] [--forks N] [--profile]
[--skip forks batches provision verify backup]`.
"""

import argparse
import fcntl
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench_lab import write_city  # benchmarks/ is on sys.path when run as a script

from citynet_models.types import Platform
from netops.ansible.tasks import lab_nftables_of
from netops.backup.fetch import fetch_config
from netops.backup.store import commit_pending, write_backups
from netops.lab.configs import lab_secrets
from netops.lab.lab import Lab
from netops.lab.state import LabHome
from netops.lab.topology import RouterPlan
from netops.push.napalm import Target, push_config
from netops.verify.engine import lab_targets

REPO = Path(__file__).resolve().parents[1]
BIN = REPO / ".venv" / "bin"
LOCK = Path("/run/lock/netops-lab-tests.lock")
#: Lab sizes by their router count (generate-city districts x wards per district; the labs have 11, 57, 166).
SIZES = {"12": "1x2", "57": "3x5", "166": "6x8"}
#: The floor's threads, as issue 17 measured it (the playbook's forks are measured too).
FLOOR_THREADS = 8
#: The project's action plugins with the device work taken out (Ansible's own cost of a playbook).
DEVICE_FREE_ACTIONS = REPO / "benchmarks" / "plugins" / "action"
COLLECTION = REPO / "collections" / "ansible_collections" / "citynet" / "netops"


def device_free_collections(folder: Path) -> Path:
    """A collections folder whose citynet.netops is the checkout's with the device-free action plugins in place of
    its own (the roles call the modules by FQCN, so only the collection's action plugins are looked up); links
    only, made once."""
    overlay = folder / "ansible_collections" / "citynet" / "netops"
    if not overlay.exists():
        actions = overlay / "plugins" / "action"
        actions.mkdir(parents=True)
        for entry in COLLECTION.iterdir():
            if entry.name != "plugins":
                (overlay / entry.name).symlink_to(entry)
        for entry in (COLLECTION / "plugins").iterdir():
            if entry.name != "action":
                (overlay / "plugins" / entry.name).symlink_to(entry)
        for entry in (COLLECTION / "plugins" / "action").glob("*.py"):
            replacement = DEVICE_FREE_ACTIONS / entry.name
            (actions / entry.name).symlink_to(replacement if replacement.is_file() else entry)
    return folder
#: The phase of a playbook run with the device work taken out.
ANSIBLE_ALONE = "{}, Ansible alone (no device work)"
#: The role's revert timer (network_config_revert_in); its length costs nothing unless it fires.
REVERT_IN = 120


# --- the load on the machine, sampled through each phase -------------------------------------------------------

def cpu_jiffies() -> tuple[int, int]:
    """Busy and total jiffies of every core (/proc/stat)."""
    fields = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


class LoadSampler:
    """os.getloadavg() every second in a background thread, from start to stop."""

    def __init__(self) -> None:
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="load-sampler", daemon=True)

    def _run(self) -> None:
        while True:
            self.samples.append((time.monotonic(), os.getloadavg()[0]))
            if self._stop.wait(1.0):
                return

    def start(self) -> None:
        """Start sampling."""
        self._thread.start()

    def stop(self) -> None:
        """Stop sampling."""
        self._stop.set()
        self._thread.join()

    def between(self, start: float, end: float) -> list[float]:
        """The 1-minute load averages sampled in [start, end]."""
        return [load for t, load in list(self.samples) if start <= t <= end]


@dataclass
class Phase:
    """One measured phase: its wall time, how many routers it changed, and the load during it."""

    seconds: float
    load_mean: float
    load_max: float
    cores_busy: float
    changed: int | None = None


class Clock:
    """Times phases, with the load and CPU during each."""

    def __init__(self, sampler: LoadSampler) -> None:
        self.sampler = sampler
        self.phases: dict[str, Phase] = {}

    @contextmanager
    def phase(self, name: str) -> Iterator[Phase]:
        """Time the block as phase `name`; the block may set the Phase's `changed`."""
        busy, total = cpu_jiffies()
        started = time.monotonic()
        record = Phase(0.0, 0.0, 0.0, 0.0)
        yield record
        ended = time.monotonic()
        busy_end, total_end = cpu_jiffies()
        loads = self.sampler.between(started, ended) or [os.getloadavg()[0]]
        record.seconds = ended - started
        record.load_mean = sum(loads) / len(loads)
        record.load_max = max(loads)
        record.cores_busy = (os.cpu_count() or 1) * (busy_end - busy) / max(total_end - total, 1)
        self.phases[name] = record
        print(f"{name}: {record.seconds:.1f} s, changed {record.changed}, load {record.load_mean:.1f} / "
              f"{record.load_max:.1f}, cores busy {record.cores_busy:.2f}", file=sys.stderr, flush=True)


# --- the floor: push_config in a thread pool --------------------------------------------------------------------

@dataclass(frozen=True)
class Router:
    """What the floor needs of one lab router."""

    plan: RouterPlan
    target: Target
    config: Path  # rendered frr.conf (secrets as tokens)
    nftables: Path  # rendered ruleset


def in_pool(routers: list[Router], work: Callable[[Router], bool], threads: int) -> int:
    """Run `work` on every router in a pool of `threads`; how many it changed (the first error is raised)."""
    with ThreadPoolExecutor(max_workers=max(1, min(threads, len(routers)))) as pool:
        return sum(pool.map(work, routers))


def pusher(secrets: Callable[[], dict[str, str]], backups: Path) -> Callable[[Router], bool]:
    """What the floor does to one router: what netops_config, the confirmation and the nftables tasks do
    (`secrets`: the lab's values, which each `lab up` makes anew)."""
    def push(router: Router) -> bool:
        result = push_config(router.target, router.config.read_text(encoding="utf-8"), secrets(), replace=True,
                             check=False, revert_in=REVERT_IN, confirm=True,
                             backup_path=backups / f"{router.plan.device}.cfg")
        subprocess.run(["ip", "netns", "exec", router.plan.netns, "nft", "-f", str(router.nftables)],
                       capture_output=True, check=True)
        return result.changed
    return push


def fetcher(folder: Path) -> Callable[[Router], bool]:
    """What the backup floor does to one router: what netops_backup does (the running config through NAPALM,
    the lab's loaded nftables read from the controller, both masked and written); whether its backup changed."""
    def fetch(router: Router) -> bool:
        target = router.target
        parts = fetch_config(target.driver, target.hostname, target.username, target.password, 30,
                             dict(target.optional_args))
        parts["nft"] = lab_nftables_of(router.plan.netns)
        device = router.plan.device
        return write_backups(folder, {device: parts}, {device: Platform.FRR}, commit=False, prune=True).touched
    return fetch


def ansible_batches(play: list[str], env: dict[str, str], out: Path) -> dict[str, Any]:
    """Ansible's own plays and serialized batches of the playbook command `play`, and the forks in force."""
    command = [str(BIN / "python"), str(REPO / "benchmarks" / "ansible_batches.py"), str(out), *play[1:]]
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    assert result.returncode == 0 and out.exists(), result.stdout[-2000:] + result.stderr[-2000:]
    listing: dict[str, Any] = json.loads(out.read_text())
    return listing


# --- ansible-playbook and its profile -----------------------------------------------------------------------------

def recap(output: str) -> dict[str, int]:
    """Sums of the PLAY RECAP counters over every host."""
    totals: dict[str, int] = {}
    for line in re.findall(r"^\S+\s+: ((?:\w+=\d+\s*)+)$", output, re.M):
        for key, value in re.findall(r"(\w+)=(\d+)", line):
            totals[key] = totals.get(key, 0) + int(value)
    return totals


def run(command: list[str], env: dict[str, str], log: Path) -> tuple[int, str]:
    """Exit code and output of a command (output also written to log)."""
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    log.write_text(result.stdout + result.stderr)
    return result.returncode, result.stdout


def profile(events: list[dict[str, Any]], started: float, ended: float) -> dict[str, Any]:
    """Where a playbook run spent its time, from the timeline callback's events.

    Per task name: runs (once per batch), wall seconds (from the task's start to its last host's result),
    host-seconds (each host's start to its result) and hosts. Start-up is from the command's start to its first
    play; "between tasks" is the rest of the wall time (Ansible's scheduling, the plays' and batches' starts,
    results of no host, the end of the run). Per batch (each start of a play): the play, its hosts and seconds.
    """
    tasks: dict[str, dict[str, float]] = {}
    current: tuple[str, str, float] | None = None
    last = 0.0
    starts: dict[tuple[str, str], float] = {}
    batches: list[tuple[str, float, set[str]]] = []

    def close() -> None:
        if current is not None and last >= current[2]:
            tasks[current[1]]["wall"] += last - current[2]

    for event in events:
        kind = event["event"]
        if kind in ("task", "play", "end"):
            close()
            current = None
        if kind == "play":
            batches.append((event["name"], event["t"], set()))
        elif kind == "task":
            current = (event["uuid"], event["name"], event["t"])
            last = event["t"]
            row = tasks.setdefault(event["name"], {"runs": 0, "wall": 0.0, "host seconds": 0.0, "hosts": 0})
            row["runs"] += 1
        elif kind == "start":
            starts[(event["host"], event["uuid"])] = event["t"]
        elif kind == "result" and current is not None and event["uuid"] == current[0]:
            batches[-1][2].add(event["host"])
            last = max(last, event["t"])
            begun = starts.pop((event["host"], event["uuid"]), None)
            row = tasks[current[1]]
            row["hosts"] += 1
            if begun is not None:
                row["host seconds"] += event["t"] - begun
    close()
    first = min((e["t"] for e in events), default=ended)
    total = ended - started
    rows = {name: {k: round(v, 2) for k, v in row.items()} for name, row in
            sorted(tasks.items(), key=lambda item: -item[1]["wall"])}
    accounted = first - started + sum(row["wall"] for row in tasks.values())
    finish = next((e["t"] for e in events if e["event"] == "end"), ended)
    ends = [begun for _, begun, _ in batches[1:]] + [finish]
    return {"wall": round(total, 2), "start-up": round(first - started, 2),
            "between tasks": round(total - accounted, 2), "tasks": rows,
            "batches": [[play, len(hosts), round(end - begun, 2)] for (play, begun, hosts), end in zip(batches, ends,
                                                                                                       strict=True)]}


def print_profile(label: str, report: dict[str, Any]) -> None:
    """The profile as a table on stderr."""
    print(f"\nprofile of {label}: {report['wall']} s; start-up {report['start-up']} s, between tasks "
          f"{report['between tasks']} s", file=sys.stderr)
    print("batches (hosts: seconds): " + ", ".join(f"{hosts}: {seconds}" for _, hosts, seconds in report["batches"]),
          file=sys.stderr)
    print(f"{'task':<72} {'runs':>5} {'wall s':>8} {'share':>6} {'host s':>8} {'hosts':>6}", file=sys.stderr)
    for name, row in report["tasks"].items():
        share = 100 * row["wall"] / report["wall"] if report["wall"] else 0.0
        print(f"{name[:72]:<72} {int(row['runs']):>5} {row['wall']:>8.1f} {share:>5.1f}% {row['host seconds']:>8.1f} "
              f"{int(row['hosts']):>6}", file=sys.stderr)


# --- one lab size -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Options:
    """The command line's choices."""

    forks: int | None
    skip: frozenset[str]
    show_profile: bool
    ospf_timers: str


def bench_city(name: str, intent: Path, work: Path, options: Options, clock: Clock) -> dict[str, Any]:
    """Every phase on one city's lab; the lab is brought down whatever happens."""
    home = LabHome(work / "lab")
    env = {**os.environ, "NETOPS_LAB_HOME": str(home.path), "NETOPS_INTENT": str(intent),
           "PATH": f"{BIN}:{os.environ['PATH']}", "ANSIBLE_FORCE_COLOR": "0",
           "ANSIBLE_CALLBACK_PLUGINS": str(REPO / "benchmarks" / "plugins" / "callback"),
           "ANSIBLE_CALLBACKS_ENABLED": "bench_timeline"}
    if options.forks is not None:
        env["ANSIBLE_FORKS"] = str(options.forks)
    inventory = work / "inventory" / "netops.yml"
    inventory.parent.mkdir(parents=True)
    # The checkout's settings for the lab, beside this inventory as beside inventory/netops.yml.
    (inventory.parent / "group_vars").symlink_to(REPO / "inventory" / "group_vars")
    configs = work / "configs"
    inventory.write_text(f"plugin: citynet.netops.netops\nsource: intent\nintent: {intent}\nconfigs: {configs}\n")
    settings = REPO / "playbooks" / "files" / "lab-render-settings.yml"
    if options.ospf_timers != "fast":
        settings = work / "render-settings.yml"
        settings.write_text(f"---\nospf_timers: {options.ospf_timers}\n")
    setup: dict[str, Any] = {}
    figures: dict[str, Any] = {"city": name, "setup": setup, "ospf timers": options.ospf_timers}
    profiles: dict[str, Any] = {}
    secrets: dict[str, str] = {}

    def lab_up() -> float:
        """`netops lab up` with bootstrap routers; its seconds. The lab's secrets go into the environment."""
        began = time.monotonic()
        code, _ = run([str(BIN / "netops"), "lab", "up", "--intent", str(intent)], env, work / "up.log")
        assert code == 0, (work / "up.log").read_text()[-2000:]
        for line in home.secrets_file.read_text().splitlines():
            key, _, value = line.partition("=")
            env[key] = value
        secrets.clear()
        secrets.update(lab_secrets(home))
        return time.monotonic() - began

    def lab_down() -> float:
        began = time.monotonic()
        subprocess.run([str(BIN / "netops"), "lab", "down", "--yes"], cwd=REPO, env=env, capture_output=True)
        return time.monotonic() - began

    try:
        setup["lab up (bootstrap)"] = round(lab_up(), 1)
        plan = Lab(home).plan()
        assert plan is not None
        frr = sorted(plan.frr_routers(), key=lambda r: r.device)
        figures["routers"] = len(frr)
        started = time.monotonic()
        code, _ = run([str(BIN / "netops"), "render", "--intent", str(intent), "--out", str(configs),
                       "--settings", str(settings), "--json"], env, work / "render.log")
        assert code == 0, (work / "render.log").read_text()[-2000:]
        setup["netops render --out"] = round(time.monotonic() - started, 1)
        target_for = lab_targets(home, plan)
        routers = []
        for router in frr:
            found = sorted(configs.glob(f"*/{router.device}.cfg"))
            assert len(found) == 1, f"{router.device}: rendered configs {found}"
            routers.append(Router(router, target_for(router.device), found[0], found[0].with_suffix(".nft")))
        by_name = {r.plan.device: r for r in routers}
        push = pusher(lambda: secrets, work / "floor-backups")
        play = [str(BIN / "ansible-playbook"), "-i", str(inventory), "--limit",
                ",".join([*by_name, "localhost"]), "-e", f"provision_configs={configs}",
                "-e", f"network_verify_intent={intent}", "-e", f"network_config_backup_dir={work / 'backups'}",
                "-e", f"provision_render_settings={settings}"]
        listing = ansible_batches([*play, "playbooks/provision.yml"], env, work / "batches.json")
        forks = int(listing["forks"])
        plays = [p for p in listing["plays"] if any(h in by_name for batch in p["batches"] for h in batch)]
        figures["forks"] = forks
        figures["batches"] = [[len(batch) for batch in p["batches"]] for p in plays]
        resets: list[float] = []
        setup["reset to bootstrap (lab down + up)"] = resets

        def to_bootstrap() -> None:
            resets.append(round(lab_down() + lab_up(), 1))

        def floor(threads: int) -> None:
            with clock.phase(f"floor, {threads} threads") as phase:
                phase.changed = in_pool(routers, push, threads)
            assert phase.changed == len(routers), f"the floor changed {phase.changed} of {len(routers)} routers"
            with clock.phase(f"floor, {threads} threads, nothing to change") as phase:
                phase.changed = in_pool(routers, push, threads)
            assert phase.changed == 0, f"the floor's second run changed {phase.changed} routers"

        floor(FLOOR_THREADS)
        if "forks" not in options.skip and forks != FLOOR_THREADS:
            to_bootstrap()
            floor(forks)
        if "batches" not in options.skip:
            to_bootstrap()
            with clock.phase(f"floor in provision.yml's batches, {forks} forks") as phase:
                phase.changed = 0
                for each in plays:
                    for batch in each["batches"]:
                        phase.changed += in_pool([by_name[h] for h in batch if h in by_name], push, forks)
            assert phase.changed == len(routers), f"the batches changed {phase.changed} of {len(routers)} routers"
            with clock.phase(f"floor in provision.yml's batches, {forks} forks, nothing to change") as phase:
                phase.changed = 0
                for each in plays:
                    for batch in each["batches"]:
                        phase.changed += in_pool([by_name[h] for h in batch if h in by_name], push, forks)
            assert phase.changed == 0, f"the batches' second run changed {phase.changed} routers"
        runs = [("provision.yml (first run)", "provision.yml"), ("provision.yml (nothing to change)", "provision.yml")]
        if "provision" in options.skip:
            runs = []
        else:
            to_bootstrap()
        if "verify" not in options.skip:
            runs.append(("verify.yml", "verify.yml"))

        def playbook_run(label: str, playbook: str, without_devices: bool = False) -> None:
            log = work / (re.sub(r"\W+", "-", label).strip("-") + ".log")
            timeline = log.with_suffix(".timeline")
            extra = {"verify.yml": ["-e", f"verify_report_dir={work / 'reports'}"],
                     "backup.yml": ["-e", f"netops_backup_folder={work / 'backup'}"]}.get(playbook, [])
            run_env = {**env, "BENCH_TIMELINE_FILE": str(timeline)}
            if without_devices:
                run_env["ANSIBLE_COLLECTIONS_PATH"] = str(device_free_collections(work / "device-free"))
            with clock.phase(label) as phase:
                began = time.monotonic()
                code, output = run([*play, *extra, f"playbooks/{playbook}"], run_env, log)
                ended = time.monotonic()
                phase.changed = recap(output).get("changed", 0)
            assert code == 0, f"{label}: exit {code}; see {log}\n" + output[-3000:]
            events = [json.loads(line) for line in timeline.read_text().splitlines()] if timeline.exists() else []
            profiles[label] = profile(events, began, ended)
            if options.show_profile and playbook == "provision.yml":
                print_profile(f"{label}, {name}", profiles[label])
        for label, playbook in runs:
            if playbook == "verify.yml":
                # Verification judges a converged network: the routers' OSPF and BGP are awaited after the
                # push (timed apart; hundreds of adjacencies under load take minutes in the lab).
                began = time.monotonic()
                code, _ = run([str(BIN / "netops"), "lab", "wait", "--timeout", "900"], env, work / "wait.log")
                assert code == 0, (work / "wait.log").read_text()[-2000:]
                setup["converged after provisioning (netops lab wait)"] = round(time.monotonic() - began, 1)
            playbook_run(label, playbook)
            if label == "provision.yml (nothing to change)":
                playbook_run(ANSIBLE_ALONE.format(playbook), playbook, without_devices=True)
        if "provision.yml (nothing to change)" in clock.phases:
            again = clock.phases["provision.yml (nothing to change)"].changed
            assert again == 0, f"the second provision.yml changed {again}"
        if "verify" not in options.skip:
            with clock.phase("netops verify") as phase:
                code, output = run([str(BIN / "netops"), "verify", "--json", "--limit", ",".join(by_name)], env,
                                   work / "netops-verify.log")
            assert code == 0, output[-3000:]
            report = json.loads(output)
            figures["netops verify phases"] = report["seconds"]
            figures["sites"] = len(report["sites"])
        if "backup" not in options.skip:
            fetch = fetcher(work / "floor-backup")
            with clock.phase(f"backup floor, {FLOOR_THREADS} threads") as phase:
                phase.changed = in_pool(routers, fetch, FLOOR_THREADS)
                commit_pending(work / "floor-backup")
            playbook_run("backup.yml", "backup.yml")
            playbook_run(ANSIBLE_ALONE.format("backup.yml"), "backup.yml", without_devices=True)
    finally:
        setup["lab down"] = round(lab_down(), 1)
    figures["phases"] = summarise(clock.phases, len(routers), forks)
    figures["profiles"] = profiles
    return figures


def reference(phase: str) -> str | None:
    """The phase a phase's ratio is taken to."""
    if "Ansible alone" in phase:
        return None
    if phase == "verify.yml":
        return "netops verify"
    if phase == "backup.yml":
        return f"backup floor, {FLOOR_THREADS} threads"
    if phase.startswith("backup floor"):
        return None
    if phase == "netops verify":
        return None
    if "nothing to change" in phase:
        return f"floor, {FLOOR_THREADS} threads, nothing to change"
    return f"floor, {FLOOR_THREADS} threads"


def summarise(phases: dict[str, Phase], routers: int, forks: int) -> dict[str, dict[str, Any]]:
    """Each phase's figures: seconds, per router, ratio to its floor, changed, load."""
    rows: dict[str, dict[str, Any]] = {}
    for name, phase in phases.items():
        floor = reference(name)
        ratio = phase.seconds / phases[floor].seconds if floor in phases else None
        rows[name] = {"seconds": round(phase.seconds, 1), "per router": round(phase.seconds / routers, 3),
                      "to floor": round(ratio, 1) if ratio is not None and name != floor else None,
                      "floor": floor if name != floor else None, "changed": phase.changed,
                      "load mean": round(phase.load_mean, 1), "load max": round(phase.load_max, 1),
                      "cores busy": round(phase.cores_busy, 2)}
    batches = f"floor in provision.yml's batches, {forks} forks"
    for run, floor_run in (("provision.yml (first run)", batches),
                           ("provision.yml (nothing to change)", f"{batches}, nothing to change")):
        if run in phases and floor_run in phases:
            rows[run]["to floor in batches"] = round(phases[run].seconds / phases[floor_run].seconds, 1)
    # The ceiling of a run: its floor plus what Ansible alone costs for the same playbook (start-up, inventory,
    # render, plays, batches, a forked worker per host and task, results), measured with no device work.
    for run, floor_run, alone in (
            ("provision.yml (nothing to change)", f"{batches}, nothing to change",
             ANSIBLE_ALONE.format("provision.yml")),
            ("backup.yml", f"backup floor, {FLOOR_THREADS} threads", ANSIBLE_ALONE.format("backup.yml"))):
        if run in phases and floor_run in phases and alone in phases:
            ceiling = phases[floor_run].seconds + phases[alone].seconds
            rows[run]["ceiling"] = round(ceiling, 1)
            rows[run]["to ceiling"] = round(phases[run].seconds / ceiling, 2)
    return rows


def growth(results: list[dict[str, Any]]) -> list[str]:
    """A line per phase: seconds per router at each size, and the exponent k of seconds ~ routers^k."""
    lines = []
    sizes = sorted(results, key=lambda r: r["routers"])
    names = [name for name in sizes[0]["phases"] if all(name in r["phases"] for r in sizes)]
    for name in names:
        points = [(r["routers"], r["phases"][name]["seconds"]) for r in sizes]
        per = ", ".join(f"{s / n:.2f} s/router at {n}" for n, s in points)
        (n0, s0), (n1, s1) = points[0], points[-1]
        k = math.log(s1 / s0) / math.log(n1 / n0) if n1 != n0 and s0 > 0 and s1 > 0 else float("nan")
        lines.append(f"{name}: {per}; grows as routers^{k:.2f}")
    for r in sizes:
        count = sum(len(b) for b in r["batches"])
        if "provision.yml (first run)" in r["phases"]:
            seconds = r["phases"]["provision.yml (first run)"]["seconds"]
            lines.append(f"{r['routers']} routers: {count} batches ({r['batches']}), provision.yml first run "
                         f"{seconds / count:.1f} s per batch")
    return lines


def table(results: list[dict[str, Any]]) -> list[str]:
    """A Markdown table of the results, one row per phase and lab size."""
    lines = ["| lab | routers | phase | seconds | s / router | to floor | changed | load mean / max | cores busy |",
             "|---|---:|---|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        for name, row in r["phases"].items():
            ratio = f"{row['to floor']}x" if row["to floor"] is not None else "-"
            changed = "-" if row["changed"] is None else row["changed"]
            if "to floor in batches" in row:
                ratio += f" ({row['to floor in batches']}x the batches)"
            if "to ceiling" in row:
                ratio += f" ({row['to ceiling']}x the ceiling, {row['ceiling']} s)"
            lines.append(f"| {r['city']} | {r['routers']} | {name} | {row['seconds']} | {row['per router']} | {ratio} "
                         f"| {changed} | {row['load mean']} / {row['load max']} | {row['cores busy']} |")
    return lines


def lab_workdirs(cities: list[str], prefix: str) -> Iterator[tuple[str, Path]]:
    """Each city with a work folder of its own under /var/tmp, as root and holding the machine-wide lab lock the
    whole time. The folder is removed after a city that ran through; one whose run stopped is kept, with its logs."""
    if os.geteuid() != 0:
        sys.exit("run as root (the lab needs network namespaces)")
    with LOCK.open("a") as lock:
        print(f"waiting for the lab lock {LOCK} ...", file=sys.stderr, flush=True)
        waited = time.monotonic()
        fcntl.flock(lock, fcntl.LOCK_EX)
        print(f"lab lock held after {time.monotonic() - waited:.0f} s", file=sys.stderr, flush=True)
        for city in cities:
            work = Path(tempfile.mkdtemp(prefix=prefix, dir="/var/tmp"))
            work.chmod(0o755)  # FRR (user frr) and the login user walk into the lab home
            try:
                yield city, work
            except GeneratorExit:  # the caller's loop stopped on an error: keep the logs to read
                print(f"kept {work} (its logs) of the run that stopped", file=sys.stderr, flush=True)
                raise
            shutil.rmtree(work, ignore_errors=True)


def generated(city: str, work: Path) -> Path:
    """The intent of a generated city named DxW (districts x wards per district), written into `work`."""
    districts, wards = (int(n) for n in city.split("x"))
    return write_city(work / "city", districts, wards)


def city_name(value: str) -> str:
    """A --cities value: a lab size (12, 57, 166), DxW, or sample."""
    value = SIZES.get(value, value)
    if value != "sample" and not re.fullmatch(r"[1-9]\d*x[1-9]\d*", value):
        raise argparse.ArgumentTypeError(f"expected {', '.join(SIZES)}, DxW or sample, found {value!r}")
    return value


def main() -> None:
    """Measure each city and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cities", nargs="+", type=city_name, default=["1x2", "3x5"],
                        help="lab sizes: 12 (1x2), 57 (3x5), 166 (6x8), any DxW of generate-city, or sample")
    parser.add_argument("--forks", type=int, default=None, help="ansible forks (default: ansible.cfg)")
    parser.add_argument("--skip", nargs="*", default=[], choices=["forks", "batches", "provision", "verify", "backup"],
                        help="leave out the floor with the forks' threads, the floor in batches, the playbook's "
                             "provisioning runs, or the verification")
    parser.add_argument("--profile", action="store_true", help="print where provision.yml spends its time")
    parser.add_argument("--ospf-timers", choices=["fast", "standard"], default="fast",
                        help="the rendered OSPF timers: the lab's fast ones (hello 1 s, dead 4 s), or the platform's "
                             "standard ones, which hold their adjacencies on a lab of hundreds of routers under load")
    args = parser.parse_args()
    options = Options(args.forks, frozenset(args.skip), args.profile, args.ospf_timers)
    results = []
    for city, work in lab_workdirs(args.cities, "netops-provision-bench-"):
        intent = REPO / "inventory" / "city" if city == "sample" else generated(city, work)
        sampler = LoadSampler()
        sampler.start()
        try:
            figures = bench_city(city, intent, work, options, Clock(sampler))
        finally:
            sampler.stop()
        results.append(figures)
        print(json.dumps(figures, ensure_ascii=False, indent=1), flush=True)
    print("\n".join(["", *table(results)]))
    if len(results) > 1:
        print("\n".join(["", *growth(results)]))


if __name__ == "__main__":
    main()
