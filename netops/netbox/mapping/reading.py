"""What the mappers share while they read a city back from NetBox's records (record -> model).

Each mapper's :meth:`~netops.netbox.mapping.base.Mapper.read` turns the managed objects of its type into the
model's data (the dict ``Network`` is validated from) and leaves here what the mappers read after it need: the
addresses by the interface they are on, the ends of each cable, the LANs of each site. Problems are collected, each
located at the NetBox object it comes from; nothing is raised until every mapper has read.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from citynet_models.problems import Location, ModelPath, Problem, item
from netops.netbox.mapping.base import Key, Record, RecordSet, Ref, Value


def ordered[T](items: Iterable[T], name: Callable[[T], str], hint: Iterable[str] | None) -> list[T]:
    """Items in the order of the hint; any the hint does not know follow, by name."""
    position = {value: index for index, value in enumerate(hint or ())}
    return sorted(items, key=lambda i: (position.get(name(i), len(position)), name(i)))


def custom(record: Record, name: str) -> Value:
    """A custom field of a record."""
    return record.fields.get(f"custom_fields.{name}")


def ref_key(value: Value) -> Key:
    """The key of a reference (``()`` for none)."""
    return value.key if isinstance(value, Ref) else ()


def first_of(value: Value) -> str | None:
    """The first part of a reference's key (a slug, a device name), None for no reference."""
    key = ref_key(value)
    return key[0] if key else None


def bare_ip(address: Value) -> str:
    """An interface address without its prefix length."""
    return str(address).split("/")[0]


@dataclass
class ModelReader:
    """One read of a snapshot's records into the model's data, with the problems found on the way."""

    records: RecordSet
    url_of: Callable[[Record], str]
    #: The city's region, the root everything else hangs off (found before any mapper reads).
    city: Record
    #: The model being built: the dict ``Network.model_validate`` takes.
    data: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    sources: dict[ModelPath, Location] = field(default_factory=dict)
    #: The order of the model's lists NetBox does not keep (the city region's ``netops_order``).
    order: dict[str, Any] = field(default_factory=dict)
    #: The ``netops`` section of the city's config context.
    context: dict[str, Any] = field(default_factory=dict)
    #: Addresses by the interface they are on.
    ip_of: dict[Ref, Record] = field(default_factory=dict)
    #: Interface key -> (its role in its link: "up"/"down", the far interface key or None, circuit key or None).
    ends: dict[Key, tuple[str, Key | None, Key | None]] = field(default_factory=dict)
    #: Circuits as the model's ``circuit`` of a link, by circuit key.
    circuits: dict[Key, dict[str, Any]] = field(default_factory=dict)
    #: Names of the services each host runs, in NetBox's order.
    services_of: dict[str, list[str]] = field(default_factory=dict)
    #: The LANs of each site, by site slug.
    lans: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: WAN interface key -> its link and peer.
    wan_ends: dict[Key, dict[str, Any]] = field(default_factory=dict)
    #: Interfaces of links already reported as broken (not reported again for each interface).
    reported: set[Key] = field(default_factory=set)
    #: Interface records by device name.
    interfaces_of: dict[str, list[Record]] = field(default_factory=dict)
    #: Data-center hosts, physical and virtual, in reading order.
    hosts: list[dict[str, Any]] = field(default_factory=list)
    #: The members of each FHRP group (device, interface, own address, priority), by group key.
    fhrp_members: dict[Key, list[dict[str, Any]]] = field(default_factory=dict)
    #: What a LAN with first-hop redundancy takes from its FHRP group (gateway, gateway device and interface,
    #: the redundancy itself), by the LAN's VLAN key.
    redundancy: dict[Key, dict[str, Any]] = field(default_factory=dict)
    #: The members of each HA pair (virtual chassis key): (position, device name, site slug).
    pair_members: dict[Key, list[tuple[int, str, str]]] = field(default_factory=dict)

    def managed(self, object_type: str) -> list[Record]:
        """The records of a type netops manages."""
        return [r for r in self.records.of(object_type).values() if r.managed]

    def locate(self, path: ModelPath, record: Record) -> None:
        """Where a part of the model comes from (the first object located there wins)."""
        self.sources.setdefault(path, Location(self.url_of(record), 0))

    def problem(self, path: ModelPath, record: Record | None, message: str, expected: str | None = None,
                found: str | None = None, hint: str | None = None) -> None:
        """Note a problem at a part of the model, located at the object it comes from."""
        location = Location(self.url_of(record), 0) if record is not None else None
        self.problems.append(Problem(path, message, expected, found, hint, location))


def host_of(reader: ModelReader, record: Record, kind: str) -> dict[str, Any] | None:
    """What every data-center host has, physical (a device) or virtual: its site, its primary IPv4 as its address,
    the LAN of its site that address is on, and the services it runs; None (a problem noted) without an address
    on a LAN of its site."""
    name = str(record.fields["name"])
    path: ModelPath = ("hosts", item(name))
    reader.locate(path, record)
    site = first_of(record.fields.get("site")) or ""
    address = first_of(record.fields.get("primary_ip4"))
    lan = next((lan["name"] for lan in reader.lans.get(site, []) if address is not None
                and ipaddress.ip_address(address) in ipaddress.ip_network(lan["prefix"])), None)
    if address is None or lan is None:
        reader.problem(path, record, "host without an address on a LAN of its site",
                       "a primary IPv4 inside one of the site's LAN prefixes", address or "no primary IPv4")
        return None
    hint = reader.order.get("host_services", {}).get(name) or [s["name"] for s in reader.data.get("services", [])]
    return {"name": name, "site": site, "lan": lan, "address": address, "kind": kind,
            "services": ordered(reader.services_of.get(name, []), str, hint)}
