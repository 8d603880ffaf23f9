"""Apply's logic against a recording stand-in for NetBox (the real server is in test_sync.py): what is written,
in which order, in which chunks, with which message, and what a conflict or an interruption leaves."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pytest

from netops.netbox.apply import ApplyOptions, ConflictError, apply_plan, payload
from netops.netbox.mapping import MAPPER_BY_TYPE
from netops.netbox.mapping.base import Record
from netops.netbox.plan import make_plan
from netops.netbox.snapshot import Snapshot
from tests.netbox.support import SMALL_CITY, desired_of, snapshot_holding


class RecordingClient:
    """Records every write; hands out ids like NetBox does."""

    def __init__(self, dependents: dict[tuple[str, str], set[int]] | None = None) -> None:
        self.calls: list[tuple[str, str, list[Any], str]] = []
        self.requests = 0
        self.next_id = 1000
        self.dependents = dependents or {}

    def create(self, endpoint: str, payloads: Sequence[Mapping[str, Any]], message: str) -> list[int]:
        self.requests += 1
        self.calls.append(("create", endpoint, list(payloads), message))
        ids = list(range(self.next_id, self.next_id + len(payloads)))
        self.next_id += len(payloads)
        return ids

    def update(self, endpoint: str, payloads: Sequence[Mapping[str, Any]], message: str) -> None:
        self.requests += 1
        self.calls.append(("update", endpoint, list(payloads), message))

    def delete(self, endpoint: str, ids: Sequence[int], message: str) -> None:
        self.requests += 1
        self.calls.append(("delete", endpoint, list(ids), message))

    def rest_list(self, endpoint: str, params: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """The dependents of one parent: ids 1-based per parent, so none is ever one apply deletes."""
        return iter({"id": -n} for n in range(1, self.count(endpoint, params or {}) + 1))

    def count(self, endpoint: str, params: Mapping[str, Any]) -> int:
        self.requests += 1
        total = 0
        for (where, parameter), parents in self.dependents.items():
            if where == endpoint and parameter in params:
                asked = params[parameter]
                total += len(parents & set(asked if isinstance(asked, list) else [asked]))
        return total


def _apply(snapshot: Snapshot, dependents: dict[tuple[str, str], set[int]] | None = None,
           **options: Any) -> tuple[RecordingClient, Any]:
    client = RecordingClient(dependents)
    desired = desired_of(SMALL_CITY)
    plan = make_plan(desired, snapshot, adopt=options.pop("adopt", False), prune=options.get("prune", False))
    result = apply_plan(client, plan, snapshot, ApplyOptions(message="test run", **options))  # type: ignore[arg-type]
    return client, result


def test_from_empty_every_object_is_created_once_in_dependency_order_in_chunks() -> None:
    client, result = _apply(Snapshot(), chunk_size=10)
    desired = desired_of(SMALL_CITY)

    creates = [call for call in client.calls if call[0] == "create"]
    assert sum(len(call[2]) for call in creates) == len(desired) == result.created
    assert all(len(call[2]) <= 10 for call in client.calls)
    assert {call[3] for call in client.calls} == {"test run"}
    endpoints = [call[1] for call in creates]
    assert endpoints.index("dcim/regions") < endpoints.index("dcim/sites") < endpoints.index("dcim/devices") \
        < endpoints.index("dcim/interfaces") < endpoints.index("ipam/ip-addresses") < endpoints.index("dcim/cables")


def test_parents_are_created_before_what_they_contain() -> None:
    client, _ = _apply(Snapshot())
    regions = [p["slug"] for call in client.calls if call[1] == "dcim/regions" for p in call[2]]
    interfaces = [p["name"] for call in client.calls if call[1] == "dcim/interfaces" for p in call[2]]

    assert regions[0] == "thanh-pho-ha-noi" and regions[1] == "quan-ba-dinh"
    assert interfaces.index("GigabitEthernet0/0/0") < interfaces.index("GigabitEthernet0/0/0.10")


def test_primary_and_oob_ips_are_set_last_with_the_ids_of_the_new_addresses() -> None:
    client, _ = _apply(Snapshot())
    ip_ids: dict[str, int] = {}
    next_id = 1000
    for kind, endpoint, payloads, _ in client.calls:
        if kind == "create":
            for body in payloads:
                if endpoint == "ipam/ip-addresses":
                    ip_ids[body["address"].split("/")[0]] = next_id
                next_id += 1
        assert "primary_ip4" not in str(payloads) or kind == "update"
    late = [call for call in client.calls if call[0] == "update" and call[1] == "dcim/devices"]
    assert late and client.calls.index(late[0]) > max(
        i for i, call in enumerate(client.calls) if call[1] == "ipam/ip-addresses")
    core = next(body for call in late for body in call[2] if "oob_ip" in body and body["primary_ip4"]
                == ip_ids["10.252.0.0"])
    assert core["oob_ip"] == ip_ids["10.248.0.16"]


def test_nothing_to_do_writes_nothing() -> None:
    client, result = _apply(snapshot_holding(desired_of(SMALL_CITY)))

    assert client.calls == []
    assert (result.created, result.updated, result.deleted) == (0, 0, 0)


def test_a_conflict_stops_apply_before_any_write() -> None:
    snapshot = snapshot_holding(desired_of(SMALL_CITY))
    site = snapshot.records.get("dcim.site", ("dc",))
    assert site is not None
    site.managed = False
    client = RecordingClient()
    plan = make_plan(desired_of(SMALL_CITY), snapshot)

    with pytest.raises(ConflictError) as caught:
        apply_plan(client, plan, snapshot, ApplyOptions(message="m"))  # type: ignore[arg-type]

    assert [c.key for c in caught.value.conflicts] == [("dc",)]
    assert client.calls == []


def test_adopt_writes_the_managed_tag_onto_the_object() -> None:
    snapshot = snapshot_holding(desired_of(SMALL_CITY))
    site = snapshot.records.get("dcim.site", ("dc",))
    assert site is not None
    site.managed, site.fields["tags"] = False, ()

    client, result = _apply(snapshot, adopt=True)

    assert result.updated == 1
    assert client.calls == [("update", "dcim/sites", [{"id": site.id, "tags": [{"slug": "netops-managed"}]}],
                             "test run")]


def test_managed_objects_that_left_intent_are_deleted_only_with_prune_children_first() -> None:
    desired = desired_of(SMALL_CITY)
    snapshot = snapshot_holding(desired)
    extra_site = Record("dcim.site", ("gone",), {"slug": "gone"}, id=90001)
    extra_device = Record("dcim.device", ("gone-r01",), {"name": "gone-r01"}, id=90002)
    theirs = Record("dcim.device", ("theirs",), {"name": "theirs"}, id=90003, managed=False)
    for record in (extra_site, extra_device, theirs):
        snapshot.records.add(record)

    client, result = _apply(snapshot)
    assert client.calls == [] and result.kept == 2

    client, result = _apply(snapshot, prune=True)
    assert client.calls == [("delete", "dcim/devices", [90002], "test run"),
                            ("delete", "dcim/sites", [90001], "test run")]
    assert result.deleted == 2


def test_a_hook_that_raises_after_a_chunk_stops_apply_there() -> None:
    client = RecordingClient()
    desired = desired_of(SMALL_CITY)
    snapshot = Snapshot()
    plan = make_plan(desired, snapshot)

    def stop_after_three(chunks: int) -> None:
        if chunks == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        apply_plan(client, plan, snapshot, ApplyOptions(message="m", after_chunk=stop_after_three))  # type: ignore[arg-type]
    assert len(client.calls) == 3


def test_payloads_replace_references_by_ids() -> None:
    desired = desired_of(SMALL_CITY)
    snapshot = snapshot_holding(desired)
    prefix = desired.get("ipam.prefix", ("10.145.1.0/24",))
    cable = desired.get("dcim.cable", ("dc-core-01", "eth1"))
    assert prefix is not None and cable is not None

    body = payload(prefix, snapshot)
    site_id = snapshot.id_of("dcim.site", ("dc",))

    assert body["scope_type"] == "dcim.site" and body["scope_id"] == site_id
    assert body["vlan"] == snapshot.id_of("ipam.vlan", ("dc", "100"))
    assert body["custom_fields"] == {"expected_hosts": 20, "dhcp_relay": False, "link_id": None, "link_role": None,
                                     "ospf_area": None, "ospf_cost": None}
    assert body["tags"] == [{"slug": "netops-managed"}]
    ends = payload(cable, snapshot)["b_terminations"]
    assert ends == [{"object_type": "dcim.interface",
                     "object_id": snapshot.id_of("dcim.interface", ("dc-core-02", "eth1"))}]
    assert MAPPER_BY_TYPE["dcim.cable"].key(cable.fields) == ("dc-core-01", "eth1")


def test_prune_keeps_what_objects_netops_does_not_delete_still_depend_on() -> None:
    snapshot = snapshot_holding(desired_of(SMALL_CITY))
    for record in (Record("dcim.site", ("gone",), {"slug": "gone"}, id=90001),
                   Record("dcim.device", ("gone-r01",), {"name": "gone-r01"}, id=90002)):
        snapshot.records.add(record)
    # Someone added an interface of their own to the device: the device stays, and so does its site.
    dependents = {("dcim/interfaces", "device_id"): {90002}, ("dcim/devices", "site_id"): {90001}}

    client, result = _apply(snapshot, dependents, prune=True)

    assert client.calls == []
    assert result.deleted == 0
    assert result.protected == ["device gone-r01: kept, 1 object(s) of dcim/interfaces still depend on it",
                                "site gone: kept, 1 object(s) of dcim/devices still depend on it"]
