"""The mapping between the city model and NetBox's own objects: one mapper per NetBox object type.

``MAPPERS`` lists them in dependency order: an object only references objects of types listed before it, or
of its own type in an earlier creation wave (regions inside regions, subinterfaces of ports), or, through
*late* fields written in a last pass, objects of later types (primary IPs). Apply creates and updates in this
order and deletes in the reverse order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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
    VirtualChassisMapper,
)
from netops.netbox.mapping.extras import ChoiceSetMapper, ConfigContextMapper, CustomFieldMapper, TagMapper
from netops.netbox.mapping.ipam import (
    AsnMapper,
    FhrpGroupAssignmentMapper,
    FhrpGroupMapper,
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
    RackMapper,
    RegionMapper,
    SiteGroupMapper,
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
    from citynet_models.network import Network

MAPPERS: tuple[Mapper, ...] = (
    TagMapper(), ChoiceSetMapper(), CustomFieldMapper(),
    RegionMapper(), SiteGroupMapper(), TenantGroupMapper(), TenantMapper(), SiteMapper(),
    RirMapper(), AsnMapper(), RoleMapper(),
    ManufacturerMapper(), DeviceTypeMapper(), DeviceRoleMapper(), PlatformMapper(), RackMapper(),
    VirtualChassisMapper(), DeviceMapper(),
    VlanGroupMapper(), VlanMapper(), InterfaceMapper(),
    ClusterTypeMapper(), ClusterMapper(), VirtualMachineMapper(), VmInterfaceMapper(),
    PrefixMapper(), FhrpGroupMapper(), FhrpGroupAssignmentMapper(), IpAddressMapper(),
    ProviderMapper(), CircuitTypeMapper(), CircuitMapper(), CircuitTerminationMapper(), CableMapper(),
    ServiceTemplateMapper(), ServiceMapper(),
    ConfigContextMapper(),
)
MAPPER_BY_TYPE: dict[str, Mapper] = {mapper.object_type: mapper for mapper in MAPPERS}

__all__ = ["MAPPERS", "MAPPER_BY_TYPE", "Mapper", "desired_records"]


def _field_names(mapper: Mapper) -> tuple[tuple[str, ...], frozenset[str]]:
    """A type's custom fields (in field order), and the other fields every record of it must carry."""
    return (tuple(spec.attr for spec in mapper.fields if spec.kind is Kind.CUSTOM),
            frozenset(spec.attr for spec in mapper.fields if spec.kind is not Kind.CUSTOM))


_FIELD_NAMES = {type(mapper): _field_names(mapper) for mapper in MAPPERS}


def complete(mapper: Mapper, record: Record) -> Record:
    """A desired record with the managed tag added and every managed custom field present (None if unset)."""
    fields = dict(record.fields)
    custom, required = _FIELD_NAMES.get(type(mapper)) or _field_names(mapper)
    for name in custom:
        if name not in fields:
            fields[name] = None
    if not fields.keys() >= required:
        missing = next(spec.attr for spec in mapper.fields if spec.attr not in fields)
        raise KeyError(f"{mapper.object_type} {record.label}: the mapper left out field {missing!r}")
    if mapper.taggable:
        tags = fields.get("tags")
        fields["tags"] = tuple(sorted({*tags, MANAGED_TAG})) if tags else (MANAGED_TAG,)
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
