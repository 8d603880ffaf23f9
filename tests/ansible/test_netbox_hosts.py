"""The inventory's hosts read from NetBox's lists, without a server: lists shaped as NetBox's GraphQL answers them,
made from what apply writes, give the hosts intent gives (the same check on a real NetBox is
tests/netbox/test_sources.py's)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest

from netops.ansible.hosts import host_rows
from netops.ansible.netbox_hosts import InventoryReadError, netbox_host_rows
from netops.ansible.netbox_lists import HostLists, ReadLists
from netops.netbox.mapping.base import JsonValue, Record, Ref
from netops.netbox.snapshot import Snapshot
from netops.netbox.tags import MANAGED_TAG
from tests.netbox.support import SAMPLE_CITY, SMALL_CITY, desired_of, network_of, snapshot_holding


class _Answered:
    """Lists NetBox has answered already."""

    def __init__(self, lists: ReadLists) -> None:
        self.lists = lists

    def result(self) -> ReadLists:
        return self.lists


def _id(snapshot: Snapshot, value: Any) -> dict[str, int] | None:
    if not isinstance(value, Ref):
        return None
    object_id = snapshot.id_of(value.type, value.key)
    assert object_id is not None, value
    return {"id": object_id}


def _custom_fields(record: Record) -> dict[str, Any]:
    """Custom fields as GraphQL gives them: a selection as {value, label}, JSON as the document."""
    fields: dict[str, Any] = {}
    for name, value in record.fields.items():
        if name.startswith("custom_fields."):
            plain = value.data if isinstance(value, JsonValue) else value
            selection = name in ("custom_fields.site_kind", "custom_fields.lifecycle_status",
                                 "custom_fields.redundancy", "custom_fields.admin_kind")
            fields[name.removeprefix("custom_fields.")] = ({"value": plain, "label": str(plain)}
                                                           if selection and plain is not None else plain)
    return fields


def _lists(snapshot: Snapshot) -> ReadLists:
    records = snapshot.records

    def address(value: Any) -> dict[str, Any] | None:
        ip = records.get("ipam.ipaddress", value.key) if isinstance(value, Ref) else None
        return {"address": ip.fields["address"]} if ip is not None else None

    devices = [{"id": r.id, "name": r.fields["name"], "role": _id(snapshot, r.fields["role"]),
                "platform": _id(snapshot, r.fields["platform"]), "tenant": _id(snapshot, r.fields["tenant"]),
                "site": _id(snapshot, r.fields["site"]),
                "primary_ip4": address(r.fields["primary_ip4"]), "oob_ip": address(r.fields["oob_ip"])}
               for r in records.of("dcim.device").values()]
    sites = [{"id": r.id, "slug": r.fields["slug"], "name": r.fields["name"], "latitude": r.fields["latitude"],
              "longitude": r.fields["longitude"], "custom_fields": _custom_fields(r),
              "region": _id(snapshot, r.fields["region"]), "group": _id(snapshot, r.fields.get("group"))}
             for r in records.of("dcim.site").values()]
    regions = [{"id": r.id, "slug": r.fields["slug"], "name": r.fields["name"], "custom_fields": _custom_fields(r),
                "parent": _id(snapshot, r.fields["parent"])} for r in records.of("dcim.region").values()]
    site_groups = [{"id": r.id, "slug": r.fields["slug"], "name": r.fields["name"], "custom_fields": _custom_fields(r)}
                   for r in records.of("dcim.sitegroup").values()]
    tags = {("dcim.device", cast(int, r.id)): [t for t in r.fields["tags"] if t != MANAGED_TAG]
            for r in records.of("dcim.device").values()}
    return ReadLists(devices=devices, sites=sites, regions=regions, site_groups=site_groups,
                     roles=[{"id": r.id, "slug": r.fields["slug"]} for r in records.of("dcim.devicerole").values()],
                     platforms=[{"id": r.id, "slug": r.fields["slug"]} for r in records.of("dcim.platform").values()],
                     tenants=[{"id": r.id, "slug": r.fields["slug"]} for r in records.of("tenancy.tenant").values()],
                     tags=tags)


@pytest.mark.parametrize("intent", [SMALL_CITY, SAMPLE_CITY], ids=["small", "sample"])
def test_the_hosts_netbox_lists_give_are_the_hosts_intent_gives(intent: Path) -> None:
    lists = _lists(snapshot_holding(desired_of(intent)))

    rows = netbox_host_rows(cast(HostLists, _Answered(lists)))

    assert sorted(rows, key=lambda row: row.name) == sorted(host_rows(network_of(intent)), key=lambda row: row.name)


def test_a_device_whose_platform_netops_does_not_know_is_refused() -> None:
    lists = _lists(snapshot_holding(desired_of(SMALL_CITY)))
    unknown = lists.platforms[0]
    unknown["slug"] = "junos"
    first = next(d["name"] for d in lists.devices if d["platform"] == {"id": unknown["id"]})

    with pytest.raises(InventoryReadError, match="no platform netops knows") as caught:
        netbox_host_rows(cast(HostLists, _Answered(lists)))

    assert caught.value.device == first
