"""Benchmark: NetBox sync (apply from empty, the no-change plan) and read-back (GraphQL against REST).

Runs the embedded NetBox on a state directory and ports of its own (var/netbox-bench; 18831, 25449, 63839),
sharing NetBox's venv, and brings it down at the end. Measures, in one run:

1. apply of the sample city, then of a small generated city (3 districts x 6 wards), each from an empty NetBox
   (``reset``): objects written, write requests, wall seconds, objects per second; then the no-change plan
   (read NetBox + diff) through GraphQL and through REST;
2. read-back (``load_network_from_netbox``: read, rebuild, validate) of each through GraphQL and REST
   (``fields=``, the peer), checked equal to the intent;
3. read-back of a big generated city (default 30 districts x 18 wards, about 50,000 objects). Writing that
   through the API would take hours (NetBox spends 110-200 ms of CPU per object), so it is seeded through
   NetBox's ORM in bulk (benchmarks/netbox_seed.py) once, dumped with pg_dump, and restored from the dump on
   later runs; the seeded NetBox is checked with a plan (it must find nothing to do) before it is read.

    .venv/bin/python benchmarks/bench_netbox.py [--big-districts 30] [--big-wards 18] [--runs 3]

Timings are wall clock on this machine; the NetBox server shares its 2 cores with the client.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from citynet_models.network import Network  # noqa: E402
from netops.devnetbox.application import netbox_env  # noqa: E402
from netops.devnetbox.credentials import load_secrets  # noqa: E402
from netops.devnetbox.postgres import pg_env, psql  # noqa: E402
from netops.devnetbox.redis import redis_command  # noqa: E402
from netops.devnetbox.settings import DB_NAME, DB_USER, Settings  # noqa: E402
from netops.generate import CitySize, generate_city  # noqa: E402
from netops.netbox.apply import ApplyOptions, apply_plan  # noqa: E402
from netops.netbox.client import Credentials, NetBoxClient, Timeouts  # noqa: E402
from netops.netbox.mapping import MAPPERS, desired_records  # noqa: E402
from netops.netbox.mapping.base import RecordSet, record_to_json  # noqa: E402
from netops.netbox.plan import make_plan  # noqa: E402
from netops.netbox.read import load_network_from_netbox  # noqa: E402
from netops.netbox.snapshot import Backend, fetch_rows, read_snapshot  # noqa: E402
from netops.netbox.tags import MANAGED_TAG  # noqa: E402
from netops.pipeline import load_network  # noqa: E402

BENCH_ENV = {
    "NETOPS_NETBOX_HOME": str(ROOT / "var" / "netbox-bench"),
    "NETOPS_NETBOX_VENV": str(ROOT / "var" / "netbox" / "venv"),
    "NETOPS_NETBOX_PORT": "18831",
    "NETOPS_NETBOX_PG_PORT": "25449",
    "NETOPS_NETBOX_REDIS_PORT": "63839",
}


def netops_netbox(*args: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NETBOX_", "NETOPS_"))} | BENCH_ENV
    done = subprocess.run([sys.executable, "-m", "netops", "netbox", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"netops netbox {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


@contextmanager
def bench_server(keep: bool) -> Iterator[Settings]:
    settings = Settings.from_env(BENCH_ENV)
    lock = (Path(tempfile.gettempdir()) / "netops-netbox-bench.lock").open("w")  # machine-wide, like the ports
    fcntl.flock(lock, fcntl.LOCK_EX)
    netops_netbox("up")
    try:
        yield settings
    finally:
        if not keep:
            netops_netbox("down")
        lock.close()


def timed[T](action: Callable[[], T]) -> tuple[T, float]:
    began = time.perf_counter()
    result = action()
    return result, time.perf_counter() - began


def generated(districts: int, wards: int, folder: Path) -> Path:
    for relative, text in generate_city(CitySize(districts=districts, wards_per_district=wards, seed=1)).items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def apply_from_empty(client: NetBoxClient, network: Network) -> dict[str, Any]:
    netops_netbox("reset", "--yes")
    desired = desired_records(network)
    began = time.perf_counter()
    snapshot = read_snapshot(client, desired=desired)
    plan = make_plan(desired, snapshot)
    result = apply_plan(client, plan, snapshot, ApplyOptions(message="bench_netbox"))
    seconds = time.perf_counter() - began
    return {"objects": len(desired), "created": result.created, "requests": result.requests,
            "seconds": seconds, "per_second": result.created / seconds}


def no_change_plan(client: NetBoxClient, desired: RecordSet, backend: Backend, runs: int) -> dict[str, Any]:
    times, cpu, writes = [], [], -1
    for _ in range(runs):
        began = time.process_time()  # the client's own CPU (its threads included): load on NetBox does not count
        plan, seconds = timed(lambda: make_plan(desired, read_snapshot(client, desired=desired, backend=backend)))
        cpu.append(time.process_time() - began)
        times.append(seconds)
        writes = plan.writes
    return {"seconds": statistics.median(times), "times": times, "cpu": statistics.median(cpu), "writes": writes}


def seeded_no_change_plans(client: NetBoxClient, desired: RecordSet, runs: int) -> None:
    """Check that NetBox holds ``desired`` (a plan that finds nothing to do), then print the no-change plan's time
    through each backend."""
    plan = make_plan(desired, read_snapshot(client, desired=desired))
    print(f"  plan against the seeded NetBox (it must find nothing to do): {plan.counts}")
    for backend in Backend:
        timing = no_change_plan(client, desired, backend, runs)
        print(f"  no-change plan ({backend.value}): {timing['seconds']:.2f} s (runs: "
              f"{', '.join(f'{t:.2f}' for t in timing['times'])}; client CPU {timing['cpu']:.2f} s),"
              f" {timing['writes']} writes")


def read_back(client: NetBoxClient, network: Network, backend: Backend, runs: int) -> dict[str, Any]:
    times, equal, requests = [], True, 0
    for _ in range(runs):
        before = client.requests
        back, seconds = timed(lambda: load_network_from_netbox(client, backend=backend).network)
        times.append(seconds)
        requests = client.requests - before
        equal = equal and back.model_dump(mode="json") == network.model_dump(mode="json")
    return {"seconds": statistics.median(times), "best": min(times), "requests": requests, "equal": equal}


def seed(settings: Settings, desired: RecordSet, cache: Path) -> tuple[str, float]:
    """Put ``desired`` into the bench NetBox: restore the cached dump, or seed through the ORM and dump it."""
    secrets_ = load_secrets(settings)
    pg_client_env = pg_env(settings, secrets_)
    began = time.perf_counter()
    if cache.exists():
        psql(settings, secrets_, f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        psql(settings, secrets_, f"CREATE DATABASE {DB_NAME}")
        subprocess.run([str(settings.pg_bin("pg_restore")), "--no-owner", f"--role={DB_USER}", "-j", "2",
                        "-d", DB_NAME, str(cache)], env=pg_client_env, check=True, capture_output=True)
        redis_command(settings, secrets_, "FLUSHALL")
        return "restored from the cached pg_dump", time.perf_counter() - began
    netops_netbox("reset", "--yes")
    groups = []
    for mapper in MAPPERS:
        kinds = {spec.attr: ("late" if spec.late else spec.kind.value) for spec in mapper.all_fields()}
        records = [record_to_json(r) for r in desired.of(mapper.object_type).values()]
        if records:
            groups.append({"type": mapper.object_type, "kinds": kinds, "records": records})
    subprocess.run([str(settings.venv / "bin" / "python"), str(ROOT / "benchmarks" / "netbox_seed.py")],
                   input=json.dumps(groups), text=True, env=netbox_env(settings), cwd=settings.netbox_root,
                   check=True)
    redis_command(settings, secrets_, "FLUSHALL")
    seeded = time.perf_counter() - began
    cache.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([str(settings.pg_bin("pg_dump")), "-Fc", "-f", str(cache), DB_NAME], env=pg_client_env,
                   check=True)
    return f"seeded through the ORM in {seeded:.0f} s, then dumped", time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--big-districts", type=int, default=30)
    parser.add_argument("--big-wards", type=int, default=18)
    parser.add_argument("--runs", type=int, default=3, help="runs of each read (median printed)")
    parser.add_argument("--skip-apply", action="store_true", help="only the big read-back")
    parser.add_argument("--plan-only", action="store_true",
                        help="of the big city, only the no-change plans (no read-back, no dearest types)")
    parser.add_argument("--keep-server", action="store_true", help="leave the bench NetBox up")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as temporary, bench_server(args.keep_server) as settings:
        values = dict(line.split("=", 1) for line in settings.env_file.read_text().splitlines()
                      if line and not line.startswith("#"))
        # NETOPS_NETBOX_TIMEOUT and the others apply: a loaded machine may need longer than a minute per page.
        client = NetBoxClient(Credentials(values["NETBOX_URL"], values["NETBOX_TOKEN"]), timeouts=Timeouts.from_env())
        cities: list[tuple[str, Network]] = []
        if not args.skip_apply:
            cities = [("sample city (inventory/city)", load_network(ROOT / "inventory" / "city").network),
                      ("generated 3 x 6", load_network(generated(3, 6, Path(temporary) / "small")).network)]
        for name, network in cities:
            print(f"== {name}: {len(network.sites)} sites, {len(network.devices)} devices, {len(network.links)} links")
            applied = apply_from_empty(client, network)
            print(f"  apply from empty: {applied['created']} objects in {applied['requests']} write requests, "
                  f"{applied['seconds']:.1f} s ({applied['per_second']:.1f} objects/s)")
            desired = desired_records(network)
            for backend in Backend:
                plan = no_change_plan(client, desired, backend, args.runs)
                print(f"  no-change plan ({backend.value}): {plan['seconds']:.2f} s, {plan['writes']} writes")
            for backend in Backend:
                read = read_back(client, network, backend, args.runs)
                print(f"  read-back ({backend.value}): {read['seconds']:.2f} s median, {read['best']:.2f} s best,"
                      f" {read['requests']} requests, equal to intent: {read['equal']}")

        big = load_network(generated(args.big_districts, args.big_wards, Path(temporary) / "big")).network
        desired = desired_records(big)
        key = hashlib.sha256(json.dumps([record_to_json(r) for records in desired.by_type.values()
                                         for r in records.values()], sort_keys=True).encode()).hexdigest()[:16]
        cache = settings.home / f"seed-{args.big_districts}x{args.big_wards}-{key}.pgdump"
        print(f"== generated {args.big_districts} x {args.big_wards}: {len(big.sites)} sites, "
              f"{len(big.devices)} devices, {len(big.links)} links, {len(desired)} NetBox objects")
        how, seconds = seed(settings, desired, cache)
        print(f"  seed: {how}: {seconds:.1f} s")
        seeded_no_change_plans(client, desired, args.runs)
        if args.plan_only:
            return
        for backend in Backend:
            read = read_back(client, big, backend, args.runs)
            print(f"  read-back ({backend.value}): {read['seconds']:.2f} s median, {read['best']:.2f} s best, "
                  f"{read['requests']} requests, equal to intent: {read['equal']}")
        snapshot, seconds = timed(lambda: read_snapshot(client, backend=Backend.GRAPHQL, workers=1))
        print(f"  snapshot alone, GraphQL, one type at a time: {seconds:.2f} s ({snapshot.requests} requests)")
        print("  the dearest types, read alone (GraphQL / REST):")
        extra = client.tags_by_object(exclude=MANAGED_TAG)
        costs = []
        for mapper in MAPPERS:
            rows, graphql = timed(lambda m=mapper: fetch_rows(client, m, Backend.GRAPHQL, extra))  # type: ignore[misc]
            _, rest = timed(lambda m=mapper: fetch_rows(client, m, Backend.REST))  # type: ignore[misc]
            costs.append((rest + graphql, mapper.object_type, len(rows), graphql, rest))
        for _, object_type, count, graphql, rest in sorted(costs, reverse=True)[:6]:
            print(f"    {object_type:<30} {count:>6} objects: {graphql:6.2f} s / {rest:6.2f} s")


if __name__ == "__main__":
    main()
