"""Benchmark: the Ansible inventory of a generated city from NetBox, netops' plugin against netbox.netbox.nb_inventory.

Both run as a user runs them, `ansible-inventory -i <config> --list`, side by side against the same NetBox: the
benchmark NetBox of bench_netbox.py (var/netbox-bench, its ports, its machine-wide lock), holding a `generate-city`
city seeded through NetBox's ORM and restored from a cached pg_dump (benchmarks/netbox_seed.py; writing 10
districts through the API would take hours). For each size, in turn:

- ours: `plugin: citynet.netops.netops, source: netbox` (inventory/netops.yml with the source switched);
- the floor: our inventory as ours produced it (hosts, groups, variables), stored as JSON and handed to Ansible by
  benchmarks/plugins/inventory/bench_floor.py with no read at all: Ansible's start-up and its own work on that
  inventory, which no NetBox inventory plugin giving the same inventory can go below;
- the peer as shipped: nb_inventory from the netbox.netbox collection of the `ansible` PyPI bundle (installed once,
  without dependencies but pytz, into var/ansible-bundle, the collection path of the peer's runs only), configured
  for the same hosts and equivalent groups: the network devices (every role but server, so no VM and no DC
  server), grouped by region (district: a ward's region is a child of its district's region group), tenant (the
  organization kind: the site kind for government and party sites, one tenant per mass organization), role,
  platform and device status (NetBox's statuses are coarser: provisioned, verified and accepted are all
  `active`); ansible_host from the out-of-band IP, like ours (the management address); `config_context: false`;
- the peer leaving config contexts out: the same collection copied to var/ansible-bundle-omit with its one
  `exclude=config_context` (a parameter NetBox 4 no longer has, so the shipped peer gets every device's config
  context despite `config_context: false`) spelled `omit=config_context`, NetBox 4's word for it.

Runs are interleaved (one of each per round, `--runs` rounds; median and best printed); ansible-inventory's
start-up on a one-host YAML file is printed first. The floor's output must equal ours; the hosts and each
grouping dimension of both peers are compared with ours. The default sizes are 10 districts (the issue's figure)
and growth to 20 and 30.

    .venv/bin/python benchmarks/bench_inventory.py [--districts 10 20 30] [--wards 18] [--runs 3] [--keep-server]
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
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_netbox import bench_server, generated, seed  # noqa: E402

from netops.netbox.mapping import desired_records  # noqa: E402
from netops.netbox.mapping.base import record_to_json  # noqa: E402
from netops.netbox.vocabulary import DEVICE_ROLES  # noqa: E402
from netops.pipeline import load_network  # noqa: E402

BUNDLE = ROOT / "var" / "ansible-bundle"
BUNDLE_OMIT = ROOT / "var" / "ansible-bundle-omit"
FLOOR_PLUGINS = ROOT / "benchmarks" / "plugins" / "inventory"
BUNDLE_VERSION = "14.5.0"  # the `ansible` bundle matching ansible-core 2.21; it carries netbox.netbox 3.23
ANSIBLE_INVENTORY = Path(sys.executable).parent / "ansible-inventory"


def peer_collection() -> Path:
    """The collections folder holding netbox.netbox, installed from PyPI's `ansible` bundle on first use."""
    if not (BUNDLE / "ansible_collections" / "netbox" / "netbox").is_dir():
        print(f"installing ansible=={BUNDLE_VERSION} (for its netbox.netbox collection) into {BUNDLE}", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(BUNDLE),
                        f"ansible=={BUNDLE_VERSION}"], check=True)
    if not (BUNDLE / "python" / "pytz").is_dir():  # nb_inventory imports pytz, which ansible-core does not need
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target",
                        str(BUNDLE / "python"), "pytz"], check=True)
    return BUNDLE


def peer_collection_omitting_contexts() -> Path:
    """A copy of the peer whose `config_context: false` works with NetBox 4 (one word changed).

    nb_inventory 3.23 leaves config contexts out by adding `exclude=config_context` to its device query; NetBox 4
    removed that parameter (its REST API has `omit=` instead) and ignores it, so the peer as shipped downloads and
    processes every device's rendered config context although its configuration says not to. This copy sends
    `omit=config_context`, which is what the peer means: the benchmark measures both.
    """
    source = peer_collection() / "ansible_collections" / "netbox" / "netbox"
    target = BUNDLE_OMIT / "ansible_collections" / "netbox" / "netbox"
    plugin = target / "plugins" / "inventory" / "nb_inventory.py"
    if not plugin.is_file():
        shutil.rmtree(BUNDLE_OMIT, ignore_errors=True)
        shutil.copytree(source, target)
        text = plugin.read_text()
        if text.count("&exclude=config_context") != 2:
            sys.exit(f"{plugin}: the peer no longer spells its exclusion `&exclude=config_context`; check the copy")
        plugin.write_text(text.replace("&exclude=config_context", "&omit=config_context"))
    return BUNDLE_OMIT


def nb_inventory_config(url: str, token: str) -> str:
    roles = "\n".join(f"  - role: {named.slug}" for named in DEVICE_ROLES.values())
    return f"""plugin: netbox.netbox.nb_inventory
api_endpoint: {url}
token:
  type: Bearer
  value: {token}
validate_certs: false
config_context: false
interfaces: false
services: false
fetch_all: true
plurals: false
oob_ip_as_primary_ip: true
query_filters:
{roles}
group_by:
  - region
  - tenant
  - role
  - platform
  - status
"""


_TICK = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[int, str, float]]:
    """Every process: parent, command line, CPU seconds (its own and its reaped children's)."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        table[int(entry.name)] = (int(fields[1]), command, sum(int(f) for f in fields[11:15]) / _TICK)
    return table


def server_cpu(home: Path) -> float:
    """CPU seconds used so far by the NetBox server under `home`: gunicorn, PostgreSQL, Redis and their children."""
    table = _processes()
    roots = {pid for pid, (_, command, _) in table.items() if str(home) in command}
    total, seen = 0.0, set()
    todo = list(roots)
    while todo:
        pid = todo.pop()
        if pid in seen or pid not in table:
            continue
        seen.add(pid)
        total += table[pid][2]
        todo.extend(child for child, (parent, _, _) in table.items() if parent == pid)
    return total


def run_inventory(config: Path, env: dict[str, str], home: Path | None = None) -> tuple[float, float, dict[str, Any]]:
    """Wall seconds, CPU seconds (ansible-inventory plus the NetBox server), and the --list output."""
    server_before = server_cpu(home) if home else 0.0
    children_before = os.times()
    began = time.perf_counter()
    done = subprocess.run([str(ANSIBLE_INVENTORY), "-i", str(config), "--list"], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - began
    children = os.times()
    cpu = (children.children_user - children_before.children_user
           + children.children_system - children_before.children_system)
    cpu += (server_cpu(home) - server_before) if home else 0.0
    if done.returncode != 0:
        sys.exit(f"ansible-inventory -i {config} failed:\n{done.stderr[-3000:]}")
    return seconds, cpu, json.loads(done.stdout)


def memberships(listed: dict[str, Any]) -> dict[str, set[str]]:
    """Every host's groups, parents included (a host in a ward's region group is in its district's too)."""
    parents: dict[str, set[str]] = defaultdict(set)
    for group, body in listed.items():
        for child in body.get("children", []) if isinstance(body, dict) else []:
            parents[child].add(group)
    result: dict[str, set[str]] = defaultdict(set)
    for group, body in listed.items():
        if group == "_meta" or not isinstance(body, dict):
            continue
        for host in body.get("hosts", []):
            todo = [group]
            while todo:
                current = todo.pop()
                if current not in result[host]:
                    result[host].add(current)
                    todo.extend(parents[current])
    return result


def partition(hosts: dict[str, set[str]], prefix: str, levels: set[str] | None = None) -> set[frozenset[str]]:
    """The hosts grouped by the groups starting with `prefix` (hosts sharing exactly the same such groups)."""
    by_groups: dict[frozenset[str], set[str]] = defaultdict(set)
    for host, groups in hosts.items():
        chosen = frozenset(g for g in groups if g.startswith(prefix) and (levels is None or g in levels))
        by_groups[chosen].add(host)
    return {frozenset(members) for members in by_groups.values()}


def compare(ours: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    """How the two inventories agree: the hosts, ansible_host, and the grouping of each dimension."""
    mine, peer = memberships(ours), memberships(theirs)
    lines = [f"hosts: {len(mine)} / {len(peer)}, same set: {set(mine) == set(peer)}"]
    our_vars, peer_vars = ours["_meta"]["hostvars"], theirs["_meta"]["hostvars"]
    same_address = all(our_vars[h]["ansible_host"] == peer_vars.get(h, {}).get("ansible_host") for h in our_vars)
    lines.append(f"ansible_host equal for every host: {same_address}")
    district_regions = {g for g in theirs if g.startswith("region_")
                        and any(c.startswith("region_") for c in theirs[g].get("children", []))
                        and g != next(iter(theirs["all"]["children"]), "")}
    pairs = [("district", "district_", "region_"), ("role", "role_", "role_"), ("platform", "platform_", "platform_"),
             ("kind / tenant", "kind_", "tenant_"), ("status", "status_", "status_")]
    for name, our_prefix, peer_prefix in pairs:
        a = partition(mine, our_prefix)
        b = partition(peer, peer_prefix, district_regions if name == "district" else None)
        if a == b:
            verdict = "same grouping"
        elif all(any(x <= y for y in b) for x in a):
            verdict = f"ours finer ({len(a)} groups, NetBox's {len(b)})"
        else:
            verdict = f"DIFFERENT ({len(a)} groups, NetBox's {len(b)})"
        lines.append(f"{name}: {verdict}")
    return lines


def profile(config: Path, env: dict[str, str], out: Path) -> None:
    """ansible-inventory --list through our plugin under cProfile: the top functions by cumulative time."""
    import pstats

    subprocess.run([sys.executable, "-m", "cProfile", "-o", str(out), str(ANSIBLE_INVENTORY), "-i", str(config),
                    "--list", "--output", str(out.with_suffix(".json"))], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    stats = pstats.Stats(str(out))
    total = stats.total_tt  # type: ignore[attr-defined]
    rows = sorted(((cumulative, name) for name, (_, _, _, cumulative, _) in stats.stats.items()  # type: ignore[attr-defined]
                   if any(part in name[0] for part in ("netops/", "ansible/cli", "ansible/inventory", "requests/"))),
                  reverse=True)[:12]
    print(f"    profile of ours ({total:.2f} s in Python):")
    for cumulative, (file, line, function) in rows:
        print(f"      {cumulative:6.2f} s  {function} ({Path(file).name}:{line})")


def timed_runs(config: Path, env: dict[str, str], runs: int,
               home: Path | None = None) -> tuple[list[float], list[float], dict[str, Any]]:
    seconds, cpus, listed = [], [], {}
    for _ in range(runs):
        took, cpu, listed = run_inventory(config, env, home)
        seconds.append(took)
        cpus.append(cpu)
    return seconds, cpus, listed


def store_floor(ours: dict[str, Any], path: Path) -> None:
    """Our --list output as the bench_floor plugin's input: the same groups, parents and host variables."""
    def plain(value: Any) -> Any:  # ansible-core's untrusted marker off: bench_floor's values get it again
        if isinstance(value, dict):
            return value["__ansible_unsafe"] if set(value) == {"__ansible_unsafe"} else \
                {key: plain(item) for key, item in value.items()}
        return [plain(item) for item in value] if isinstance(value, list) else value
    groups = {name: body["hosts"] for name, body in ours.items()
              if name != "_meta" and isinstance(body, dict) and body.get("hosts")}
    # Parents in the order ours added them (all's children), as --list lists them.
    order = {name: index for index, name in enumerate(ours["all"].get("children", []))}
    children = {name: body["children"] for name, body in sorted(ours.items(), key=lambda kv: order.get(kv[0], 0))
                if name not in ("_meta", "all") and isinstance(body, dict) and body.get("children")}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"groups": groups, "children": children,
                                "hostvars": plain(ours["_meta"]["hostvars"]), "groupvars": {}}))


def _column(seconds: list[float], cpus: list[float]) -> str:
    return f"{statistics.median(seconds):>6.2f} ({min(seconds):>5.2f}) {statistics.median(cpus):>6.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--districts", type=int, nargs="*", default=[10, 20, 30])
    parser.add_argument("--wards", type=int, default=18, help="wards per district")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep-server", action="store_true", help="leave the bench NetBox up")
    parser.add_argument("--profile", action="store_true",
                        help="also run ours once under cProfile at each size and print where its time goes")
    args = parser.parse_args()
    collections = peer_collection()
    collections_omit = peer_collection_omitting_contexts()

    with tempfile.TemporaryDirectory() as temporary, bench_server(args.keep_server) as settings:
        folder = Path(temporary)
        values = dict(line.split("=", 1) for line in settings.env_file.read_text().splitlines()
                      if line and not line.startswith("#"))
        base = {k: v for k, v in os.environ.items() if not k.startswith(("NETBOX_", "NETOPS_", "ANSIBLE_"))}
        env = base | {"NETBOX_URL": values["NETBOX_URL"], "NETBOX_TOKEN": values["NETBOX_TOKEN"]}
        peer_env = env | {"ANSIBLE_COLLECTIONS_PATH": str(collections), "PYTHONPATH": str(collections / "python"),
                          "ANSIBLE_INVENTORY_ENABLED": "netbox.netbox.nb_inventory"}
        omit_env = peer_env | {"ANSIBLE_COLLECTIONS_PATH": str(collections_omit)}
        floor_env = env | {"ANSIBLE_INVENTORY_PLUGINS": str(FLOOR_PLUGINS), "ANSIBLE_INVENTORY_ENABLED": "bench_floor"}
        ours = folder / "inventory" / "netops.yml"
        ours.parent.mkdir()
        ours.write_text(f"plugin: citynet.netops.netops\nsource: netbox\nconfigs: {folder / 'configs'}\n")
        theirs = folder / "peer" / "netbox.yml"
        theirs.parent.mkdir()
        theirs.write_text(nb_inventory_config(values["NETBOX_URL"], values["NETBOX_TOKEN"]))
        floor_file = folder / "floor" / "floor.json"
        start_file = folder / "start" / "hosts.yml"
        start_file.parent.mkdir()
        start_file.write_text("all:\n  hosts:\n    one:\n      ansible_host: 127.0.0.1\n")
        start, start_cpu, _ = timed_runs(start_file, env | {"ANSIBLE_INVENTORY_ENABLED": "yaml"}, args.runs)
        print(f"ansible-inventory start-up (one-host YAML): median {statistics.median(start):.2f} s wall, "
              f"{statistics.median(start_cpu):.2f} s CPU; load average now {os.getloadavg()[0]:.1f}")
        print("each column: wall median (best) over the runs, then CPU median: ansible-inventory's user+system plus "
              "the NetBox server's (gunicorn, PostgreSQL, Redis) during the run")
        print("floor: our inventory stored, handed to Ansible with no read (bench_floor); nb shipped: nb_inventory "
              "3.23 as in the ansible bundle; nb omit: the same, leaving config contexts out as NetBox 4 spells it")
        print(f"{'districts':>9} {'devices':>7} | {'netops':>21} | {'floor':>21} | {'nb shipped':>21} | "
              f"{'nb omit':>21} | {'shipped/ours':>12} {'omit/ours':>10} {'omit/floor':>10}")
        for districts in args.districts:
            network = load_network(generated(districts, args.wards, folder / f"city-{districts}")).network
            desired = desired_records(network)
            key = hashlib.sha256(json.dumps([record_to_json(r) for records in desired.by_type.values()
                                             for r in records.values()], sort_keys=True).encode()).hexdigest()[:16]
            cache = settings.home / f"seed-{districts}x{args.wards}-{key}.pgdump"
            how, seconds = seed(settings, desired, cache)
            print(f"  ({districts} districts: {len(desired)} NetBox objects, {how} in {seconds:.0f} s)", flush=True)
            # Interleaved, one run of each per round: a slow minute of the machine hits all four alike.
            runs: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in
                                                                 ("ours", "floor", "shipped", "omit")}
            listed: dict[str, dict[str, Any]] = {}
            for _ in range(args.runs):
                for name, config, name_env in (("ours", ours, env), ("floor", floor_file, floor_env),
                                               ("shipped", theirs, peer_env), ("omit", theirs, omit_env)):
                    if name == "floor" and not floor_file.is_file():
                        store_floor(listed["ours"], floor_file)
                    time.sleep(1)  # the NetBox server settles after the previous run (the peers' are heavy)
                    took, cpu, listed[name] = run_inventory(config, name_env, settings.home)
                    runs[name][0].append(took)
                    runs[name][1].append(cpu)
            wall = {name: statistics.median(seconds) for name, (seconds, _) in runs.items()}
            cpu = {name: statistics.median(cpus) for name, (_, cpus) in runs.items()}
            print(f"{districts:>9} {len(network.devices):>7} | " + " | ".join(
                _column(*runs[name]) for name in ("ours", "floor", "shipped", "omit")) +
                f" | {wall['shipped'] / wall['ours']:>5.1f} / {cpu['shipped'] / cpu['ours']:<4.1f} "
                f"{wall['omit'] / wall['ours']:>4.1f} / {cpu['omit'] / cpu['ours']:<4.1f} "
                f"{wall['omit'] / wall['floor']:>4.1f} / {cpu['omit'] / cpu['floor']:<4.1f}"
                f"  (wall x / CPU x; load average {os.getloadavg()[0]:.1f})", flush=True)
            if listed["floor"] != listed["ours"]:
                sys.exit("the floor's inventory differs from ours: bench_floor does not measure the same thing")
            print("    floor: the same --list output as ours")
            for name in ("shipped", "omit"):
                for line in compare(listed["ours"], listed[name]):
                    print(f"    nb {name}: {line}")
            sizes = {name: len(json.dumps(listed[name])) / 1e6 for name in ("ours", "shipped", "omit")}
            print(f"    --list output: ours {sizes['ours']:.1f} MB, nb shipped {sizes['shipped']:.1f} MB, "
                  f"nb omit {sizes['omit']:.1f} MB")
            floor_file.unlink()
            if args.profile:
                profile(ours, env, folder / f"profile-{districts}")


if __name__ == "__main__":
    main()
