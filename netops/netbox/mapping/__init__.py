"""The mapping between the city model and NetBox's own objects: one mapper per NetBox object type.

``MAPPERS`` lists them in dependency order: an object only references objects of types listed before it, or
of its own type in an earlier creation wave (regions inside regions, subinterfaces of ports), or, through
*late* fields written in a last pass, objects of later types (primary IPs). Apply creates and updates in this
order and deletes in the reverse order.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from models.datacenter import PhysicalServer
from models.problems import Problem, item
from models.types import Protocol
from netops.netbox.mapping.base import Kind, Mapper, Record, RecordSet
from netops.netbox.mapping.circuits import (
    CircuitMapper,
    CircuitTerminationMapper,
    CircuitTypeMapper,
    ProviderMapper,
)
from netops.netbox.mapping.dcim import (
    CableMapper,
    DeviceMapper,
    DeviceRoleMapper,
    DeviceTypeMapper,
    InterfaceMapper,
    ManufacturerMapper,
    PlatformMapper,
)
from netops.netbox.mapping.extras import ChoiceSetMapper, ConfigContextMapper, CustomFieldMapper, TagMapper
from netops.netbox.mapping.ipam import (
    AsnMapper,
    IpAddressMapper,
    PrefixMapper,
    RirMapper,
    RoleMapper,
    ServiceMapper,
    ServiceTemplateMapper,
    VlanGroupMapper,
    VlanMapper,
)
from netops.netbox.mapping.organization import (
    COORDINATE_PLACES,
    RackMapper,
    RegionMapper,
    SiteMapper,
    TenantGroupMapper,
    TenantMapper,
)
from netops.netbox.mapping.virtualization import (
    ClusterMapper,
    ClusterTypeMapper,
    VirtualMachineMapper,
    VmInterfaceMapper,
)
from netops.netbox.tags import MANAGED_TAG

if TYPE_CHECKING:
    from models.network import Network

MAPPERS: tuple[Mapper, ...] = (
    TagMapper(), ChoiceSetMapper(), CustomFieldMapper(),
    RegionMapper(), TenantGroupMapper(), TenantMapper(), SiteMapper(),
    RirMapper(), AsnMapper(), RoleMapper(),
    ManufacturerMapper(), DeviceTypeMapper(), DeviceRoleMapper(), PlatformMapper(), RackMapper(), DeviceMapper(),
    VlanGroupMapper(), VlanMapper(), InterfaceMapper(),
    ClusterTypeMapper(), ClusterMapper(), VirtualMachineMapper(), VmInterfaceMapper(),
    PrefixMapper(), IpAddressMapper(),
    ProviderMapper(), CircuitTypeMapper(), CircuitMapper(), CircuitTerminationMapper(), CableMapper(),
    ServiceTemplateMapper(), ServiceMapper(),
    ConfigContextMapper(),
)
MAPPER_BY_TYPE: dict[str, Mapper] = {mapper.object_type: mapper for mapper in MAPPERS}

__all__ = ["MAPPERS", "MAPPER_BY_TYPE", "Mapper", "desired_records", "mapping_problems"]


def complete(mapper: Mapper, record: Record) -> Record:
    """A desired record with the managed tag added and every managed custom field present (None if unset)."""
    fields = dict(record.fields)
    for spec in mapper.fields:
        if spec.kind is Kind.CUSTOM:
            fields.setdefault(spec.attr, None)
        elif spec.attr not in fields:
            raise KeyError(f"{mapper.object_type} {record.label}: the mapper left out field {spec.attr!r}")
    if mapper.taggable:
        fields["tags"] = tuple(sorted({*fields.get("tags", ()), MANAGED_TAG}))
    return Record(type=record.type, key=record.key, fields=fields, wave=mapper.wave(fields))


def desired_records(network: Network) -> RecordSet:
    """Every NetBox object the model wants, in dependency order (a pure function of the model)."""
    records = RecordSet()
    for mapper in MAPPERS:
        records.by_type[mapper.object_type] = {}
        for record in mapper.desired(network):
            if records.add(complete(mapper, record)) is not None:
                raise ValueError(f"{mapper.object_type} {record.label} is mapped twice")
    return records


def mapping_problems(network: Network) -> list[Problem]:
    """What a valid model holds that NetBox cannot: names too long or not unique where NetBox wants them unique,
    ports NetBox has no protocol for, coordinates finer than NetBox keeps. Found before anything is written."""
    problems: list[Problem] = []
    names = Counter(site.name for site in network.sites)
    for site in network.sites:
        path = ("sites", item(site.slug))
        if len(site.name) > 100:
            problems.append(Problem((*path, "name"), "site name too long for NetBox", "at most 100 characters",
                                    f"{len(site.name)} characters", "shorten the display name"))
        if names[site.name] > 1:
            problems.append(Problem((*path, "name"), "site name used by another site (NetBox wants site names "
                                    "unique)", "a name no other site has", repr(site.name),
                                    "add the district or ward to the name"))
        if site.coordinates is not None:
            for axis in ("latitude", "longitude"):
                value = getattr(site.coordinates, axis)
                if round(value, COORDINATE_PLACES) != value:
                    problems.append(Problem((*path, "coordinates", axis), "more decimal places than NetBox keeps",
                                            f"at most {COORDINATE_PLACES} decimal places (about 11 cm)", repr(value),
                                            f"round to {round(value, COORDINATE_PLACES)}"))
        problems += [Problem((*path, "lans", item(lan.name), "name"), "LAN name too long for a NetBox VLAN name",
                             "at most 64 characters", f"{len(lan.name)} characters") for lan in site.lans
                     if len(lan.name) > 64]
    for service in network.services:
        if any(port.protocol is Protocol.ICMP for port in service.ports):
            problems.append(Problem(("services", item(service.name), "ports"),
                                    "NetBox services have no ICMP (tcp, udp and sctp only)",
                                    "tcp or udp ports", ", ".join(str(port) for port in service.ports),
                                    "leave icmp out of the service; the policy allows ping separately"))
    for host in network.hosts:
        if isinstance(host, PhysicalServer):
            if host.serial is not None and len(host.serial) > 50:
                problems.append(Problem(("hosts", item(host.name), "serial"), "serial number too long for NetBox",
                                        "at most 50 characters", f"{len(host.serial)} characters"))
            if host.rack is not None and len(host.rack) > 100:
                problems.append(Problem(("hosts", item(host.name), "rack"), "rack name too long for NetBox",
                                        "at most 100 characters", f"{len(host.rack)} characters"))
    return problems
