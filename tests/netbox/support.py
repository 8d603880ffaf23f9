"""Helpers of the NetBox sync tests: intents, snapshots built without a server, the test server's settings."""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from citynet_models.network import Network
from netops.netbox.mapping import MAPPERS, desired_records
from netops.netbox.mapping.base import Record, RecordSet
from netops.netbox.snapshot import Snapshot
from netops.pipeline import load_network

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent
SMALL_CITY = TESTS / "netbox" / "cases" / "small"
SAMPLE_CITY = REPO / "inventory" / "city"
RESOLVE_CASES = sorted(p / "intent" for p in (TESTS / "resolve" / "cases").iterdir() if (p / "intent").is_dir())


def network_of(intent: Path) -> Network:
    return load_network(intent).network


def snapshot_holding(records: RecordSet, *, managed: bool = True) -> Snapshot:
    """A snapshot as NetBox would give it after applying ``records``: the same records, each with an id."""
    snapshot = Snapshot()
    ids = itertools.count(1)
    for mapper in MAPPERS:
        for record in records.of(mapper.object_type).values():
            copy = Record(record.type, record.key, dict(record.fields), id=next(ids),
                          managed=managed and mapper.owned({}, record.fields), wave=record.wave)
            snapshot.records.add(copy)
            assert copy.id is not None
            snapshot.remember(record.type, record.key, copy.id)
    return snapshot


def desired_of(intent: Path) -> RecordSet:
    return desired_records(network_of(intent))


def netbox_server(settings: dict[str, str], base: dict[str, str], *, command: str = "up") -> Iterator[dict[str, str]]:
    """A test NetBox of its own (`settings`: its NETOPS_NETBOX_HOME and ports) started by `netops netbox COMMAND`
    (up, or reset for an empty one); yields `base` with the settings and the client's NETBOX_URL/NETBOX_TOKEN,
    and stops the server afterwards."""
    env = base | settings

    def netops(*args: str, timeout: float) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "netops", *args], cwd=REPO, env=env, capture_output=True,
                              text=True, timeout=timeout, check=False)

    up = netops("netbox", command, *(["--yes"] if command == "reset" else []), timeout=1800)
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        values = dict(line.split("=", 1) for line in
                      (Path(settings["NETOPS_NETBOX_HOME"]) / "netbox.env").read_text().splitlines()
                      if line and not line.startswith("#"))
        yield env | {"NETBOX_URL": values["NETBOX_URL"], "NETBOX_TOKEN": values["NETBOX_TOKEN"]}
    finally:
        netops("netbox", "down", timeout=300)
