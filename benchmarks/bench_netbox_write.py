"""Benchmark: initial apply throughput against NetBox's own write ceiling and one-object-at-a-time creates.

Three runs into the same empty NetBox (``netops netbox reset`` before each: the database is re-created from the
same template, so NetBox hands out the same ids in the same order), all on the same 2 cores as NetBox:

1. ``netops apply`` (read the empty NetBox, plan, write in chunked bulk requests), recording every write request
   it sends (endpoint, objects, ids NetBox gave them);
2. the ceiling: the same objects replayed as raw bulk requests with ``requests``, one list POST (or PATCH) per
   run of writes to the same endpoint, no reading, no planning, no response parsing beyond the ids; the ids
   NetBox hands back are checked equal to those of run 1, so the replay wrote the same objects;
3. the per-object peer: the same objects created one request each through pynetbox
   (``endpoint.create(dict)``), as per-object Ansible modules do (they also look each object up first; this
   peer does not, which flatters it).

    .venv/bin/python benchmarks/bench_netbox_write.py [--intent inventory/city] [--chunk-size 100]

Prints objects per second for each and the two ratios the NetBox issue sets targets for (apply at least 80% of
the ceiling; at least 3x the per-object creates).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pynetbox
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_netbox import bench_server, netops_netbox  # noqa: E402

from netops.netbox.apply import WRITE_WORKERS, ApplyOptions, apply_plan  # noqa: E402
from netops.netbox.client import Credentials, NetBoxClient  # noqa: E402
from netops.netbox.mapping import desired_records  # noqa: E402
from netops.netbox.plan import make_plan  # noqa: E402
from netops.netbox.snapshot import read_snapshot  # noqa: E402
from netops.pipeline import load_network  # noqa: E402

MESSAGE = "bench_netbox_write"


@dataclass
class Write:
    """One write request apply sent: POST (create) or PATCH (update) of a list to an endpoint."""

    method: str
    endpoint: str
    objects: list[dict[str, Any]]
    ids: list[int]


class RecordingClient(NetBoxClient):
    """A NetBoxClient that keeps every write it sends, for the peers to replay."""

    def __init__(self, credentials: Credentials) -> None:
        super().__init__(credentials)
        self.writes: list[Write] = []

    def create(self, endpoint: str, payloads: Sequence[Mapping[str, Any]], message: str) -> list[int]:
        ids = super().create(endpoint, payloads, message)
        self.writes.append(Write("POST", endpoint, [{**p, "changelog_message": message} for p in payloads], ids))
        return ids

    def update(self, endpoint: str, payloads: Sequence[Mapping[str, Any]], message: str) -> None:
        super().update(endpoint, payloads, message)
        self.writes.append(Write("PATCH", endpoint, [{**p, "changelog_message": message} for p in payloads],
                                 [int(p["id"]) for p in payloads]))


def run_apply(credentials: Credentials, intent: Path, chunk_size: int,
              workers: int) -> tuple[dict[str, Any], list[Write]]:
    network = load_network(intent).network
    desired = desired_records(network)
    client = RecordingClient(credentials)
    began = time.perf_counter()
    cpu = time.process_time()  # the client's own CPU (its threads included): load on NetBox does not count
    snapshot = read_snapshot(client, desired=desired)
    plan = make_plan(desired, snapshot)
    result = apply_plan(client, plan, snapshot, ApplyOptions(message=MESSAGE, chunk_size=chunk_size,
                                                                 workers=workers))
    seconds = time.perf_counter() - began
    cpu = time.process_time() - cpu
    return {"objects": result.created, "requests": client.requests, "write_requests": len(client.writes),
            "seconds": seconds, "client_cpu_seconds": round(cpu, 2)}, client.writes


def merged(writes: list[Write]) -> list[Write]:
    """Consecutive writes of the same method to the same endpoint as one list (the ceiling has no chunking)."""
    out: list[Write] = []
    for write in writes:
        if out and out[-1].method == write.method and out[-1].endpoint == write.endpoint:
            out[-1] = Write(write.method, write.endpoint, out[-1].objects + write.objects, out[-1].ids + write.ids)
        else:
            out.append(Write(write.method, write.endpoint, list(write.objects), list(write.ids)))
    return out


def run_raw(credentials: Credentials, writes: list[Write]) -> dict[str, Any]:
    session = requests.Session()
    session.headers.update({"Accept": "application/json", "Authorization": credentials.authorization})
    batches = merged(writes)
    began = time.perf_counter()
    for write in batches:
        url = f"{credentials.url}/api/{write.endpoint}/"
        reply = session.request(write.method, url, json=write.objects, timeout=3600)
        if reply.status_code not in (200, 201):
            sys.exit(f"raw {write.method} {write.endpoint}: HTTP {reply.status_code} {reply.text[:300]}")
        if write.method == "POST" and [row["id"] for row in reply.json()] != write.ids:
            sys.exit(f"raw POST {write.endpoint}: NetBox gave other ids than in the apply run; the replay is void")
    seconds = time.perf_counter() - began
    return {"objects": sum(len(w.objects) for w in writes if w.method == "POST"), "requests": len(batches),
            "seconds": seconds}


def run_one_by_one(credentials: Credentials, writes: list[Write]) -> dict[str, Any]:
    api = pynetbox.api(credentials.url, token=credentials.token)
    requests_sent = 0
    began = time.perf_counter()
    for write in writes:
        app, name = write.endpoint.split("/")
        endpoint = getattr(getattr(api, app), name.replace("-", "_"))
        for obj, expected in zip(write.objects, write.ids, strict=True):
            if write.method == "POST":
                record = endpoint.create(obj)
                if int(record.id) != expected:
                    sys.exit(f"pynetbox create {write.endpoint}: id {record.id}, expected {expected}")
            else:
                endpoint.update([obj])
            requests_sent += 1
    seconds = time.perf_counter() - began
    return {"objects": sum(len(w.objects) for w in writes if w.method == "POST"), "requests": requests_sent,
            "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--intent", type=Path, default=ROOT / "inventory" / "city")
    parser.add_argument("--chunk-size", type=int, default=100)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, WRITE_WORKERS],
                        help="apply runs, one per number of write requests in flight (the first, serial, one is"
                             " replayed)")
    parser.add_argument("--skip-one-by-one", action="store_true", help="Leave out the (slow) per-object peer")
    parser.add_argument("--keep", action="store_true", help="Leave the bench NetBox running")
    args = parser.parse_args()
    if args.workers[0] != 1:
        parser.error("the first --workers must be 1: the peers replay its writes, whose ids come in order")
    figures: dict[str, Any] = {"intent": str(args.intent)}
    with bench_server(args.keep) as settings:
        values = dict(line.split("=", 1) for line in settings.env_file.read_text().splitlines()
                      if line and not line.startswith("#"))
        credentials = Credentials(values["NETBOX_URL"], values["NETBOX_TOKEN"])
        writes: list[Write] = []
        for workers in args.workers:
            netops_netbox("reset", "--yes")
            figures[f"apply_{workers}"], recorded = run_apply(credentials, args.intent, args.chunk_size, workers)
            writes = writes or recorded  # the serial run's: concurrent creates interleave their ids
            print(f"netops apply --workers {workers}: {figures[f'apply_{workers}']}", flush=True)
        netops_netbox("reset", "--yes")
        figures["raw_bulk"] = run_raw(credentials, writes)
        print(f"raw bulk requests: {figures['raw_bulk']}", flush=True)
        if not args.skip_one_by_one:
            netops_netbox("reset", "--yes")
            figures["one_by_one"] = run_one_by_one(credentials, writes)
            print(f"pynetbox one at a time: {figures['one_by_one']}", flush=True)
    runs = [f"apply_{workers}" for workers in args.workers] + ["raw_bulk", "one_by_one"]
    for run in runs:
        if run in figures:
            figures[run]["per_second"] = round(figures[run]["objects"] / figures[run]["seconds"], 1)
            figures[run]["seconds"] = round(figures[run]["seconds"], 1)
    for workers in args.workers:
        apply_rate = figures[f"apply_{workers}"]["per_second"]
        figures[f"apply_{workers}_vs_ceiling"] = round(apply_rate / figures["raw_bulk"]["per_second"], 2)
        if "one_by_one" in figures:
            figures[f"apply_{workers}_vs_one_by_one"] = round(apply_rate / figures["one_by_one"]["per_second"], 2)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
