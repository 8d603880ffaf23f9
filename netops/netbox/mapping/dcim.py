"""Manufacturers, device types, device roles, platforms, devices, interfaces and cables."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import ValidationError

from citynet_models.datacenter import PhysicalServer
from citynet_models.devices import (
    Device,
    Interface,
    LanInterface,
    LoopbackInterface,
    ManagementInterface,
    WanInterface,
)
from citynet_models.gateways import HaPair
from citynet_models.links import WanLink
from citynet_models.problems import ModelPath, item
from citynet_models.sites import Site
from citynet_models.types import DeviceRole, Platform
from netops.netbox.mapping.base import (
    Dependent,
    Field,
    IdOf,
    Key,
    Kind,
    Mapper,
    NamedMapper,
    Record,
    Ref,
    Value,
    chunks,
)
from netops.netbox.mapping.ipam import VlanMapper
from netops.netbox.mapping.reading import ModelReader, custom, first_of, host_of, ordered, ref_key
from netops.netbox.tags import MANAGED_TAG
from netops.netbox.vocabulary import (
    DEVICE_KIND,
    DEVICE_ROLES,
    DEVICE_STATUS,
    GENERIC_MANUFACTURER,
    HOST_INTERFACE,
    LAN_PARENT_DESCRIPTION,
    PHYSICAL_INTERFACE,
    PLATFORM_MANUFACTURER,
    PLATFORMS,
    SERVER_DEVICE_TYPE,
    SERVER_ROLE,
    VIRTUAL_INTERFACE,
    Named,
    lan_parent_name,
    site_tenant,
)

if TYPE_CHECKING:
    from citynet_models.network import Network


def _named(object_type: str, named: Named, **extra: Value) -> Record:
    return Record(object_type, (named.slug,), {"name": named.name, "slug": named.slug, **extra})


def device_type_of(platform: Platform, role: DeviceRole) -> Named:
    """The device type of a network device: one per platform and kind of box."""
    kind = DEVICE_KIND[role]
    return Named(f"{PLATFORMS[platform].slug}-{kind}", f"{PLATFORMS[platform].name} {kind}")


def _has_servers(network: Network) -> bool:
    return any(isinstance(host, PhysicalServer) for host in network.hosts)


class ManufacturerMapper(Mapper):
    """dcim.manufacturer: the makers of the platforms used (generic for FRR boxes and servers)."""

    object_type = "dcim.manufacturer"
    endpoint = "dcim/manufacturers"
    graphql_list = "manufacturer_list"
    graphql_type = "ManufacturerType"
    noun = "manufacturer"
    fields = (Field("name", Kind.SCALAR), Field("slug", Kind.SCALAR))
    shared = True
    fetch_all = True
    prunable = False

    def desired(self, network: Network) -> Iterable[Record]:
        makers = {PLATFORM_MANUFACTURER[device.platform] for device in network.devices}
        if _has_servers(network):
            makers.add(GENERIC_MANUFACTURER)
        return [_named(self.object_type, maker) for maker in sorted(makers, key=lambda m: m.slug)]

    def key(self, fields: Mapping[str, Value]) -> Key:
        return (str(fields["slug"]),)


class DeviceTypeMapper(Mapper):
    """dcim.devicetype: one per platform and kind of box (router, firewall, switch), and the generic server."""

    object_type = "dcim.devicetype"
    endpoint = "dcim/device-types"
    graphql_list = "device_type_list"
    graphql_type = "DeviceTypeType"
    noun = "device type"
    fields = (Field("manufacturer", Kind.REF, ("dcim.manufacturer",)), Field("model", Kind.SCALAR),
              Field("slug", Kind.SCALAR))
    shared = True
    fetch_all = True
    prunable = False

    def desired(self, network: Network) -> Iterable[Record]:
        records = {}
        for device in network.devices:
            kind = device_type_of(device.platform, device.role)
            maker = PLATFORM_MANUFACTURER[device.platform]
            records[kind.slug] = Record(self.object_type, (kind.slug,), {
                "manufacturer": Ref("dcim.manufacturer", (maker.slug,)), "model": kind.name, "slug": kind.slug})
        if _has_servers(network):
            records[SERVER_DEVICE_TYPE.slug] = Record(self.object_type, (SERVER_DEVICE_TYPE.slug,), {
                "manufacturer": Ref("dcim.manufacturer", (GENERIC_MANUFACTURER.slug,)),
                "model": SERVER_DEVICE_TYPE.name, "slug": SERVER_DEVICE_TYPE.slug})
        return [records[slug] for slug in sorted(records)]

    def key(self, fields: Mapping[str, Value]) -> Key:
        return (str(fields["slug"]),)


class DeviceRoleMapper(Mapper):
    """dcim.devicerole: the WAN roles, and ``server`` for data-center hosts (physical and virtual)."""

    object_type = "dcim.devicerole"
    endpoint = "dcim/device-roles"
    graphql_list = "device_role_list"
    graphql_type = "DeviceRoleType"
    noun = "device role"
    fields = (Field("name", Kind.SCALAR), Field("slug", Kind.SCALAR), Field("color", Kind.SCALAR),
              Field("vm_role", Kind.SCALAR))
    shared = True
    fetch_all = True
    prunable = False
    #: The WAN role of each role slug (the server role is none of them).
    role_by_slug: ClassVar[Mapping[str, DeviceRole]] = {named.slug: role for role, named in DEVICE_ROLES.items()}

    def desired(self, network: Network) -> Iterable[Record]:
        roles = [DEVICE_ROLES[role] for role in DeviceRole if any(d.role is role for d in network.devices)]
        records = [_named(self.object_type, role, color=role.color, vm_role=False) for role in roles]
        if network.hosts:
            records.append(_named(self.object_type, SERVER_ROLE, color=SERVER_ROLE.color, vm_role=True))
        return records

    def key(self, fields: Mapping[str, Value]) -> Key:
        return (str(fields["slug"]),)


class PlatformMapper(Mapper):
    """dcim.platform: the network operating systems."""

    object_type = "dcim.platform"
    endpoint = "dcim/platforms"
    graphql_list = "platform_list"
    graphql_type = "PlatformType"
    noun = "platform"
    fields = (Field("name", Kind.SCALAR), Field("slug", Kind.SCALAR),
              Field("manufacturer", Kind.REF, ("dcim.manufacturer",)))
    shared = True
    fetch_all = True
    prunable = False
    #: The model's platform of each platform slug.
    platform_by_slug: ClassVar[Mapping[str, Platform]] = {named.slug: platform for platform, named in PLATFORMS.items()}

    def desired(self, network: Network) -> Iterable[Record]:
        used = [platform for platform in Platform if any(d.platform is platform for d in network.devices)]
        return [_named(self.object_type, PLATFORMS[platform],
                       manufacturer=Ref("dcim.manufacturer", (PLATFORM_MANUFACTURER[platform].slug,)))
                for platform in used]

    def key(self, fields: Mapping[str, Value]) -> Key:
        return (str(fields["slug"]),)


def virtual_chassis_record(pair: HaPair) -> Record:
    """An HA pair as a virtual chassis of its two devices (the active one at position 1, the standby at 2), with
    in custom fields what NetBox has no field for: the failover mode, the sync link, the timers, preemption.

    The chassis' master is left unset: NetBox refuses to take a master out of its chassis, so a pair given up in
    intent would need writes in an order apply does not make; position 1 says which member is active.
    """
    return Record("dcim.virtualchassis", (pair.name,), {
        "name": pair.name,
        "description": f"Active/standby pair of {pair.site}: {pair.members[0]} active, {pair.members[1]} standby",
        "custom_fields.ha_mode": pair.mode, "custom_fields.ha_sync_link": pair.sync_link,
        "custom_fields.ha_heartbeat_interval": pair.heartbeat_interval_ms,
        "custom_fields.ha_dead_interval": pair.dead_interval_ms, "custom_fields.ha_preempt": pair.preempt,
    })


class VirtualChassisMapper(NamedMapper):
    """dcim.virtualchassis: the HA pairs (a virtual chassis of two firewalls is how NetBox users keep an
    active/standby pair); the members are the devices with the chassis and a position in it."""

    object_type = "dcim.virtualchassis"
    endpoint = "dcim/virtual-chassis"
    graphql_list = "virtual_chassis_list"
    graphql_type = "VirtualChassisType"
    noun = "virtual chassis"
    # The description is made of the members, which the devices carry.
    fields = (Field("name", Kind.SCALAR), Field("description", Kind.SCALAR, derived=True),
              Field("ha_mode", Kind.CUSTOM), Field("ha_sync_link", Kind.CUSTOM),
              Field("ha_heartbeat_interval", Kind.CUSTOM), Field("ha_dead_interval", Kind.CUSTOM),
              Field("ha_preempt", Kind.CUSTOM))
    dependents = (Dependent("dcim/devices", "virtual_chassis_id"),)

    def desired(self, network: Network) -> Iterable[Record]:
        return [virtual_chassis_record(pair) for pair in network.ha_pairs]

    def read(self, reader: ModelReader) -> None:
        """The HA pairs: each chassis' members by position (active first), their site, the pair's settings."""
        pairs = []
        for record in reader.managed(self.object_type):
            name = str(record.fields["name"])
            path: ModelPath = ("ha_pairs", item(name))
            reader.locate(path, record)
            members = sorted(reader.pair_members.get(record.key, []))
            if len(members) != 2 or [position for position, _, _ in members] != [1, 2]:
                reader.problem(path, record, "HA pair whose members cannot be told apart",
                               "two managed devices in the virtual chassis, at positions 1 (active) and 2 (standby)",
                               ", ".join(f"{device} at {position}" for position, device, _ in members) or "none")
                continue
            pairs.append({
                "name": name, "site": members[0][2], "members": [device for _, device, _ in members],
                "mode": custom(record, "ha_mode"), "sync_link": custom(record, "ha_sync_link"),
                "heartbeat_interval_ms": custom(record, "ha_heartbeat_interval"),
                "dead_interval_ms": custom(record, "ha_dead_interval"), "preempt": custom(record, "ha_preempt"),
            })
        reader.data["ha_pairs"] = ordered(pairs, lambda pair: str(pair["name"]), reader.order.get("ha_pairs"))


def _ip(address: object) -> Ref:
    return Ref("ipam.ipaddress", (str(address).split("/")[0],))


def device_record(device: Device, site: Site, pair: HaPair | None = None) -> Record:
    """A network device: role, type, platform, the site's tenant and status; loopback as primary IPv4 and the
    management address as the out-of-band IP; in an HA pair, its virtual chassis and position (1: active)."""
    _, tenant = site_tenant(site)
    return Record("dcim.device", (device.name,), {
        "name": device.name, "site": Ref("dcim.site", (site.slug,)),
        "role": Ref("dcim.devicerole", (DEVICE_ROLES[device.role].slug,)),
        "device_type": Ref("dcim.devicetype", (device_type_of(device.platform, device.role).slug,)),
        "platform": Ref("dcim.platform", (PLATFORMS[device.platform].slug,)),
        "tenant": Ref("tenancy.tenant", (tenant.slug,)), "status": DEVICE_STATUS[site.status],
        "rack": None, "serial": "", "custom_fields.device_number": device.number,
        "tags": tuple(sorted(set(device.tags))),
        "primary_ip4": _ip(device.loopback) if device.loopback is not None else None,
        "oob_ip": _ip(device.management.ip),
        "virtual_chassis": Ref("dcim.virtualchassis", (pair.name,)) if pair is not None else None,
        "vc_position": pair.members.index(device.name) + 1 if pair is not None else None,
    })


def server_record(host: PhysicalServer, site: Site) -> Record:
    """A physical data-center server: a device with the server role, in its rack, its address as primary IPv4."""
    _, tenant = site_tenant(site)
    return Record("dcim.device", (host.name,), {
        "name": host.name, "site": Ref("dcim.site", (site.slug,)), "role": Ref("dcim.devicerole", (SERVER_ROLE.slug,)),
        "device_type": Ref("dcim.devicetype", (SERVER_DEVICE_TYPE.slug,)), "platform": None,
        "tenant": Ref("tenancy.tenant", (tenant.slug,)), "status": DEVICE_STATUS[site.status],
        "rack": Ref("dcim.rack", (site.slug, host.rack)) if host.rack is not None else None,
        "serial": host.serial or "", "custom_fields.device_number": None, "tags": (),
        "primary_ip4": _ip(host.address), "oob_ip": None, "virtual_chassis": None, "vc_position": None,
    })


class DeviceMapper(NamedMapper):
    """dcim.device: the WAN's routers, firewalls and switches, and the physical data-center servers."""

    object_type = "dcim.device"
    endpoint = "dcim/devices"
    graphql_list = "device_list"
    graphql_type = "DeviceType"
    noun = "device"
    fields = (Field("name", Kind.SCALAR), Field("site", Kind.REF, ("dcim.site",)),
              Field("role", Kind.REF, ("dcim.devicerole",)),
              Field("device_type", Kind.REF, ("dcim.devicetype",), derived=True),
              Field("platform", Kind.REF, ("dcim.platform",)),
              Field("tenant", Kind.REF, ("tenancy.tenant",), derived=True), Field("status", Kind.CHOICE, derived=True),
              Field("rack", Kind.REF, ("dcim.rack",)), Field("serial", Kind.SCALAR),
              Field("device_number", Kind.CUSTOM),
              Field("primary_ip4", Kind.REF, ("ipam.ipaddress",), late=True),
              Field("oob_ip", Kind.REF, ("ipam.ipaddress",), late=True),
              Field("virtual_chassis", Kind.REF, ("dcim.virtualchassis",)), Field("vc_position", Kind.INTEGER))
    dependents = (Dependent("dcim/interfaces", "device_id"), Dependent("ipam/services", "device_id"))

    def desired(self, network: Network) -> Iterable[Record]:
        sites, pairs = network.site_by_slug, network.ha_pair_of
        records = [device_record(device, sites[device.site], pairs.get(device.name)) for device in network.devices]
        records += [server_record(host, sites[host.site]) for host in network.hosts
                    if isinstance(host, PhysicalServer)]
        return records

    def read(self, reader: ModelReader) -> None:
        """The network devices, by name, with their interfaces; the physical servers as data-center hosts."""
        records = reader.managed(self.object_type)
        devices = []
        for record in sorted(records, key=lambda r: r.key[0]):
            role_slug = first_of(record.fields.get("role"))
            if role_slug == SERVER_ROLE.slug:
                continue
            name = str(record.fields["name"])
            reader.locate(("devices", item(name)), record)
            role = DeviceRoleMapper.role_by_slug.get(role_slug or "")
            platform = PlatformMapper.platform_by_slug.get(first_of(record.fields.get("platform")) or "")
            oob = reader.records.get("ipam.ipaddress", ref_key(record.fields.get("oob_ip")))
            tags = [tag for tag in record.fields.get("tags") or () if tag != MANAGED_TAG]
            chassis, position = record.fields.get("virtual_chassis"), record.fields.get("vc_position")
            if isinstance(chassis, Ref):
                reader.pair_members.setdefault(chassis.key, []).append(
                    (int(position or 0), name, first_of(record.fields.get("site")) or ""))
            devices.append({
                "name": name, "site": first_of(record.fields.get("site")),
                "role": role.value if role else None, "platform": platform.value if platform else None,
                "number": custom(record, "device_number"), "loopback": first_of(record.fields.get("primary_ip4")),
                "management": oob.fields["address"] if oob is not None else None,
                "interfaces": InterfaceMapper.model_interfaces(reader, name, reader.interfaces_of.get(name, [])),
                "tags": ordered(tags, str, reader.order.get("device_tags", {}).get(name)),
            })
        reader.data["devices"] = devices
        for record in records:
            if first_of(record.fields.get("role")) != SERVER_ROLE.slug:
                continue
            host = host_of(reader, record, "physical")
            if host is not None:
                rack = ref_key(record.fields.get("rack"))
                reader.hosts.append(host | {"rack": rack[-1] if rack else None,
                                            "serial": record.fields.get("serial") or None})


def _interface(device: str, name: str, *, type_: str, description: str, mgmt_only: bool = False,
               parent: str | None = None, vlan: tuple[str, int] | None = None) -> Record:
    return Record("dcim.interface", (device, name), {
        "device": Ref("dcim.device", (device,)), "name": name, "type": type_,
        "parent": Ref("dcim.interface", (device, parent)) if parent else None,
        "mode": "access" if vlan else None,
        "untagged_vlan": Ref("ipam.vlan", (vlan[0], str(vlan[1]))) if vlan else None,
        "mgmt_only": mgmt_only, "description": description,
    }, wave=1 if parent else 0)


def interface_records(device: Device, site: Site) -> list[Record]:
    """A device's interfaces: loopback (virtual), management (physical, management only), WAN ports (physical),
    LAN gateways (802.1Q subinterfaces: virtual, with their parent port and the LAN's VLAN untagged), and the
    parent ports themselves, which the model leaves implicit."""
    records = []
    parents: dict[str, None] = {}
    names = {interface.name for interface in device.interfaces}
    for interface in device.interfaces:
        if isinstance(interface, LoopbackInterface):
            records.append(_interface(device.name, interface.name, type_=VIRTUAL_INTERFACE,
                                      description=interface.description))
        elif isinstance(interface, ManagementInterface):
            records.append(_interface(device.name, interface.name, type_=PHYSICAL_INTERFACE,
                                      description=interface.description, mgmt_only=True))
        elif isinstance(interface, LanInterface):
            parent = lan_parent_name(interface.name)
            if parent is not None and parent not in names:
                parents[parent] = None
            records.append(_interface(device.name, interface.name, type_=VIRTUAL_INTERFACE,
                                      description=interface.description, parent=parent,
                                      vlan=(site.slug, interface.vlan)))
        else:
            records.append(_interface(device.name, interface.name, type_=PHYSICAL_INTERFACE,
                                      description=interface.description))
    records += [_interface(device.name, parent, type_=PHYSICAL_INTERFACE, description=LAN_PARENT_DESCRIPTION)
                for parent in parents]
    return records


def server_interface_record(host: PhysicalServer) -> Record:
    """The network port of a physical server."""
    return _interface(host.name, HOST_INTERFACE, type_=PHYSICAL_INTERFACE, description=f"LAN {host.lan}")


class InterfaceMapper(Mapper):
    """dcim.interface: device interfaces, parent ports first (wave 0), then their subinterfaces (wave 1)."""

    object_type = "dcim.interface"
    endpoint = "dcim/interfaces"
    graphql_list = "interface_list"
    graphql_type = "InterfaceType"
    noun = "interface"
    # The type, the parent port and the mode follow from the kind of interface the model has.
    fields = (Field("device", Kind.REF, ("dcim.device",), derived=True), Field("name", Kind.SCALAR),
              Field("type", Kind.CHOICE, derived=True), Field("parent", Kind.REF, ("dcim.interface",), derived=True),
              Field("mode", Kind.CHOICE, derived=True), Field("untagged_vlan", Kind.REF, ("ipam.vlan",)),
              Field("mgmt_only", Kind.SCALAR), Field("description", Kind.SCALAR))
    key_refs = ("device",)
    dependents = (Dependent("ipam/ip-addresses", "interface_id"), Dependent("dcim/interfaces", "parent_id"),
                  Dependent("dcim/cables", "interface_id"),
                  Dependent("ipam/fhrp-group-assignments", "interface_id", {"interface_type": "dcim.interface"}))

    def desired(self, network: Network) -> Iterable[Record]:
        sites = network.site_by_slug
        records = [record for device in network.devices for record in interface_records(device, sites[device.site])]
        records += [server_interface_record(host) for host in network.hosts if isinstance(host, PhysicalServer)]
        return records

    def key(self, fields: Mapping[str, Value]) -> Key:
        device = fields["device"]
        return (*(device.key if isinstance(device, Ref) else ("?",)), str(fields["name"]))

    def wave(self, fields: Mapping[str, Value]) -> int:
        return 1 if fields.get("parent") else 0

    def lookups(self, keys: Sequence[Key], id_of: IdOf) -> list[dict[str, Any]]:
        """Interfaces of the devices the keys name (those that exist)."""
        ids = sorted({i for key in keys if (i := id_of("dcim.device", key[:1])) is not None})
        return [{"device_id": list(chunk)} for chunk in chunks(ids, 50)]

    def read(self, reader: ModelReader) -> None:
        """The interfaces of each device (read into the model with their device)."""
        for record in reader.managed(self.object_type):
            reader.interfaces_of.setdefault(record.key[0], []).append(record)

    @staticmethod
    def gateways(reader: ModelReader) -> dict[Key, tuple[Record, Record]]:
        """The gateway of each LAN: VLAN key -> the interface with the VLAN untagged, and its address."""
        gateways: dict[Key, tuple[Record, Record]] = {}
        for interface in reader.managed("dcim.interface"):
            vlan = interface.fields.get("untagged_vlan")
            address = reader.ip_of.get(Ref("dcim.interface", interface.key))
            if isinstance(vlan, Ref) and address is not None:
                gateways[vlan.key] = (interface, address)
        return gateways

    @staticmethod
    def model_interfaces(reader: ModelReader, device: str, records: list[Record]) -> list[dict[str, Any]]:
        """A network device's interfaces in the model's order: loopbacks, management, then the others by name.

        The kind comes from NetBox's fields and the address's role: management only, loopback, a VLAN untagged
        (a LAN gateway), or an end of a WAN link. A port without an address is the 802.1Q parent of LAN
        subinterfaces, which the model leaves implicit.
        """
        from netops.resolve.build import interface_order  # the read path only: resolve is heavy to import

        loopbacks: list[Interface] = []
        management: list[Interface] = []
        others: list[Interface] = []
        for record in records:
            address = reader.ip_of.get(Ref("dcim.interface", record.key))
            if address is None:
                continue
            name = str(record.fields["name"])
            path: ModelPath = ("devices", item(device), "interfaces", item(name))
            common = {"name": name, "description": record.fields.get("description") or "",
                      "address": address.fields["address"]}
            vlan = record.fields.get("untagged_vlan")
            try:
                if record.fields.get("mgmt_only"):
                    management.append(ManagementInterface(kind="management", **common))
                elif address.fields.get("role") == "loopback":
                    loopbacks.append(LoopbackInterface(kind="loopback", **common))
                elif isinstance(vlan, Ref):
                    others.append(LanInterface(kind="lan", vlan=int(vlan.key[-1]),
                                               lan=VlanMapper.name_of(reader, vlan.key), **common))
                elif record.key in reader.wan_ends:
                    others.append(WanInterface(kind="wan", **reader.wan_ends[record.key], **common))
                elif record.key not in reader.reported:
                    reader.problem(path, record, "interface with an address but no role in the design",
                                   "a loopback, the management port, a LAN subinterface or a WAN link end",
                                   str(address.fields["address"]))
            except ValidationError as error:
                for details in error.errors(include_url=False):
                    reader.problem(path, record, details["msg"].removeprefix("Value error, "))
        ordered_interfaces = [*loopbacks, *management, *sorted(others, key=interface_order)]
        return [interface.model_dump(mode="json") for interface in ordered_interfaces]


def _link_interface(endpoint_device: str, endpoint_interface: str) -> Ref:
    return Ref("dcim.interface", (endpoint_device, endpoint_interface))


def cable_records(link: WanLink) -> list[Record]:
    """The cables of a WAN link: one between the two ports in the building; for a carrier circuit, one from each
    port to its circuit termination (A at the upstream end, Z at the downstream end)."""
    up = _link_interface(link.upstream.device, link.upstream.interface)
    down = _link_interface(link.downstream.device, link.downstream.interface)
    label = link.id[:100]
    if link.circuit is None:
        return [Record("dcim.cable", up.key, {"a_terminations": (up,), "b_terminations": (down,),
                                               "status": "connected", "label": label})]
    circuit = (link.circuit.provider, link.circuit.circuit_id)
    return [
        Record("dcim.cable", up.key, {"a_terminations": (up,),
                                      "b_terminations": (Ref("circuits.circuittermination", (*circuit, "A")),),
                                      "status": "connected", "label": label}),
        Record("dcim.cable", down.key, {"a_terminations": (down,),
                                        "b_terminations": (Ref("circuits.circuittermination", (*circuit, "Z")),),
                                        "status": "connected", "label": label}),
    ]


class CableMapper(Mapper):
    """dcim.cable: keyed by the interface at its A end (a port holds one cable)."""

    object_type = "dcim.cable"
    endpoint = "dcim/cables"
    graphql_list = "cable_list"
    graphql_type = "CableType"
    noun = "cable"
    fields = (Field("a_terminations", Kind.TERMINATIONS, ("dcim.interface", "circuits.circuittermination")),
              Field("b_terminations", Kind.TERMINATIONS, ("dcim.interface", "circuits.circuittermination")),
              Field("status", Kind.CHOICE, derived=True), Field("label", Kind.SCALAR, derived=True))
    key_refs = ("a_terminations",)

    def desired(self, network: Network) -> Iterable[Record]:
        return [record for link in network.links for record in cable_records(link)]

    def key(self, fields: Mapping[str, Value]) -> Key:
        ends = fields.get("a_terminations") or ()
        first = ends[0] if ends else None
        if isinstance(first, Ref) and first.type == "dcim.interface" and len(ends) == 1:
            return first.key
        return ("?", *(str(end) for end in ends))

    def claims(self, fields: Mapping[str, Value]) -> tuple[Value, ...]:
        """Every end of the cable: an interface or circuit termination holds one cable."""
        return (*(fields.get("a_terminations") or ()), *(fields.get("b_terminations") or ()))

    def claim_lookups(self, claims: Sequence[Value], id_of: IdOf) -> list[dict[str, Any]]:
        """The cables on these interfaces and circuit terminations (those NetBox has)."""
        queries: list[dict[str, Any]] = []
        for object_type, parameter in (("dcim.interface", "interface_id"),
                                       ("circuits.circuittermination", "circuittermination_id")):
            ids = sorted({i for claim in claims if isinstance(claim, Ref) and claim.type == object_type
                          and (i := id_of(object_type, claim.key)) is not None})
            queries += [{parameter: list(chunk)} for chunk in chunks(ids, 50)]
        return queries

    def lookups(self, keys: Sequence[Key], id_of: IdOf) -> list[dict[str, Any]]:
        return [{"device": sorted({key[0] for key in chunk})} for chunk in chunks(keys, 50)]

    def read(self, reader: ModelReader) -> None:
        """The ends of the WAN links: upstream at the A end, downstream at the B end; through a circuit, the side
        of the termination says which (A upstream, Z downstream)."""
        for cable in reader.managed(self.object_type):
            a_ends: tuple[Value, ...] = cable.fields.get("a_terminations") or ()
            b_ends: tuple[Value, ...] = cable.fields.get("b_terminations") or ()
            if len(a_ends) != 1 or len(b_ends) != 1:
                continue
            a, b = a_ends[0], b_ends[0]
            if not isinstance(a, Ref) or not isinstance(b, Ref):
                continue
            if a.type == "dcim.interface" and b.type == "dcim.interface":
                reader.ends[a.key] = ("up", b.key, None)
                reader.ends[b.key] = ("down", a.key, None)
            elif a.type == "dcim.interface" and b.type == "circuits.circuittermination":
                reader.ends[a.key] = ("up" if b.key[-1] == "A" else "down", None, b.key[:-1])
