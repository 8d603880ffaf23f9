"""Helpers of the NetBox sync tests: intents, snapshots built without a server, the test server's settings."""

from __future__ import annotations

import itertools
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
