"""RIR and ASN, IPAM roles, VLAN groups and VLANs, prefixes, IP addresses, service templates and services."""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from citynet_models.addressing import AddressPlan
from citynet_models.admin import City
from citynet_models.datacenter import DcHost, PhysicalServer, Service, VirtualMachine
from citynet_models.devices import Device, LoopbackInterface
from citynet_models.lans import Lan
from citynet_models.links import WanLink
from citynet_models.problems import ModelPath, item
from citynet_models.sites import Site
from citynet_models.types import LanRole, Protocol
from netops.netbox.mapping.base import (
    Claim,
    Dependent,
    Field,
    IdOf,
    JsonValue,
    Key,
    Kind,
    Mapper,
    NamedMapper,
    Record,
    Ref,
    Value,
    chunks,
)
from netops.netbox.mapping.reading import ModelReader, bare_ip, custom, first_of, ordered, ref_key
from netops.netbox.vocabulary import (
    FHRP_PROTOCOL,
    HOST_INTERFACE,
    LAN_ROLES,
    POOL_ROLES,
    PRIVATE_RIR,
    VIRTUAL_ADDRESS_ROLE,
    WAN_LINK_ROLE,
)

if TYPE_CHECKING:
    from citynet_models.network import Network


class RirMapper(Mapper):
    """ipam.rir: the private-ASN registry the city's AS number comes from."""

    object_type = "ipam.rir"
    endpoint = "ipam/rirs"
    graphql_list = "rir_list"
    graphql_type = "RIRType"
    noun = "RIR"
    fields = (Field("name", Kind.SCALAR), Field("slug", Kind.SCALAR), Field("is_private", Kind.SCALAR))
    shared = True
    fetch_all = True
    prunable = False

    def desired(self, network: Network) -> Iterable[Record]:
        return [Record(self.object_type, (PRIVATE_RIR.slug,),
                       {"name": PRIVATE_RIR.name, "slug": PRIVATE_RIR.slug, "is_private": True})]

    def key(self, fields: Mapping[str, Value]) -> Key:
        return (str(fields["slug"]),)


def asn_record(city: City) -> Record:
    """The city WAN's private AS number."""
    return Record("ipam.asn", (str(city.asn),), {
        "asn": city.asn, "rir": Ref("ipam.rir", (PRIVATE_RIR.slug,)), "description": f"{city.name} WAN"})


class AsnMapper(Mapper):
    """ipam.asn: the city's AS number (one iBGP domain)."""

    object_type = "ipam.asn"
    endpoint = "ipam/asns"
    graphql_list = "asn_list"
    graphql_type = "ASNType"
    noun = "ASN"
    fields = (Field("asn", Kind.INTEGER), Field("rir", Kind.REF, ("ipam.rir",), derived=True),
              Field("description", Kind.SCALAR, derived=True))

    def desired(self, network: Network) -> Iterable[Record]:
        return [asn_record(network.city)]

    def key(self, fields: Mapping[str, Value]) -> Key:
        return (str(fields["asn"]),)

    def lookups(self, keys: Sequence[Key], id_of: IdOf) -> list[dict[str, Any]]:
        return [{"asn": [key[0] for key in chunk]} for chunk in chunks(keys, 50)]

    def read(self, reader: ModelReader) -> None:
        """The city's AS number: the one ASN netops manages."""
        asns = reader.managed(self.object_type)
        if len(asns) != 1:
            reader.problem(("city", "asn"), reader.city, "NetBox holds no single AS number managed by netops",
                           "one managed ASN", ", ".join(a.label for a in asns) or "none")
        reader.data.setdefault("city", {})["asn"] = asns[0].fields["asn"] if asns else 0


class RoleMapper(Mapper):
    """ipam.role: LAN roles, WAN links and the address pools of the plan."""

    object_type = "ipam.role"
    endpoint = "ipam/roles"
    graphql_list = "role_list"
    graphql_type = "RoleType"
    noun = "IPAM role"
    fields = (Field("name", Kind.SCALAR), Field("slug", Kind.SCALAR))
    shared = True
    fetch_all = True
    prunable = False
    #: The pool of the address plan (AddressPlan field or site-block level) of each role slug.
    pool_by_slug: ClassVar[Mapping[str, str]] = {named.slug: name for name, named in POOL_ROLES.items()}
    #: The LAN role of each role slug.
    lan_role_by_slug: ClassVar[Mapping[str, LanRole]] = {named.slug: role for role, named in LAN_ROLES.items()}

    def desired(self, network: Network) -> Iterable[Record]:
        roles = {POOL_ROLES[name] for name in ("loopbacks", "links", "management", "datacenter")}
        roles |= {POOL_ROLES[plan.level.value] for plan in network.addressing.site_blocks}
        roles |= {LAN_ROLES[lan.role] for site in network.sites for lan in site.lans}
        return [Record(self.object_type, (role.slug,), {"name": role.name, "slug": role.slug})
                for role in sorted(roles, key=lambda r: r.slug)]

    def key(self, fields: Mapping[str, Value]) -> Key:
        return (str(fields["slug"]),)


def vlan_group_record(site: Site) -> Record:
    """The VLAN group of a site (scope: the site): VLAN ids are per site."""
    return Record("ipam.vlangroup", (site.slug,), {
        "name": site.slug, "slug": site.slug, "scope": Ref("dcim.site", (site.slug,))})


class VlanGroupMapper(Mapper):
    """ipam.vlangroup: one per site with LANs."""

    object_type = "ipam.vlangroup"
    endpoint = "ipam/vlan-groups"
    graphql_list = "vlan_group_list"
    graphql_type = "VLANGroupType"
    noun = "VLAN group"
    # One group per site with LANs, named after it: its VLANs' keys carry it.
    fields = (Field("name", Kind.SCALAR, derived=True), Field("slug", Kind.SCALAR, derived=True),
              Field("scope", Kind.GENERIC, ("dcim.site",), derived=True))
    dependents = (Dependent("ipam/vlans", "group_id"),)

    def desired(self, network: Network) -> Iterable[Record]:
        return [vlan_group_record(site) for site in network.sites if site.lans]

    def key(self, fields: Mapping[str, Value]) -> Key:
        return (str(fields["slug"]),)


def vlan_records(site: Site) -> list[Record]:
    """A site's VLANs, one per LAN, named after the LAN, with the LAN's role."""
    return [Record("ipam.vlan", (site.slug, str(lan.vlan)), {
        "group": Ref("ipam.vlangroup", (site.slug,)), "vid": lan.vlan, "name": lan.name,
        "role": Ref("ipam.role", (LAN_ROLES[lan.role].slug,)), "status": "active"}) for lan in site.lans]


class VlanMapper(Mapper):
    """ipam.vlan: the VLAN of each LAN, in its site's group."""

    object_type = "ipam.vlan"
    endpoint = "ipam/vlans"
    graphql_list = "vlan_list"
    graphql_type = "VLANType"
    noun = "VLAN"
    fields = (Field("group", Kind.REF, ("ipam.vlangroup",), derived=True), Field("vid", Kind.INTEGER),
              Field("name", Kind.SCALAR), Field("role", Kind.REF, ("ipam.role",)),
              Field("status", Kind.CHOICE, derived=True))
    key_refs = ("group",)
    dependents = (Dependent("ipam/prefixes", "vlan_id"), Dependent("dcim/interfaces", "vlan_id"))

    def desired(self, network: Network) -> Iterable[Record]:
        return [record for site in network.sites for record in vlan_records(site)]

    def key(self, fields: Mapping[str, Value]) -> Key:
        group = fields["group"]
        return (*(group.key if isinstance(group, Ref) else ("?",)), str(fields["vid"]))

    def claims(self, fields: Mapping[str, Value]) -> tuple[Value, ...]:
        """A VLAN's name is unique in its group (NetBox refuses a second VLAN of the same name)."""
        group = fields.get("group")
        return (Claim("VLAN name", group.key if isinstance(group, Ref) else ("?",), str(fields.get("name"))),)

    def release(self, fields: Mapping[str, Value]) -> dict[str, Value] | None:
        """Renamed first: the VLAN id makes the temporary name unique in the group (at most 64 characters)."""
        suffix = f" (VLAN {fields.get('vid')}, renamed to free the name)"
        return {"name": str(fields.get("name"))[:64 - len(suffix)] + suffix}

    def lookups(self, keys: Sequence[Key], id_of: IdOf) -> list[dict[str, Any]]:
        ids = sorted({i for key in keys if (i := id_of("ipam.vlangroup", key[:1])) is not None})
        return [{"group_id": list(chunk)} for chunk in chunks(ids, 50)]

    @staticmethod
    def lan_of(vlan: Record) -> dict[str, Any]:
        """What a VLAN says of its LAN: name, role and VLAN id."""
        role = RoleMapper.lan_role_by_slug.get(first_of(vlan.fields.get("role")) or "")
        return {"name": vlan.fields["name"], "role": role.value if role else None, "vlan": vlan.fields["vid"]}

    @staticmethod
    def name_of(reader: ModelReader, key: Key) -> str:
        """The name of the managed VLAN of this key (its LAN's name), ``?`` if netops manages none."""
        vlan = reader.records.get("ipam.vlan", key)
        return str(vlan.fields["name"]) if vlan is not None and vlan.managed else "?"


def _prefix(prefix: str, *, status: str, role: str, description: str, scope: str | None = None,
            vlan: tuple[str, int] | None = None, **custom: Value) -> Record:
    return Record("ipam.prefix", (prefix,), {
        "prefix": prefix, "status": status, "role": Ref("ipam.role", (role,)),
        "scope": Ref("dcim.site", (scope,)) if scope else None,
        "vlan": Ref("ipam.vlan", (vlan[0], str(vlan[1]))) if vlan else None, "description": description,
        **{f"custom_fields.{name}": value for name, value in custom.items()},
    })


def pool_prefix_records(plan: AddressPlan) -> list[Record]:
    """The pools of the address plan, as container prefixes whose role says what they are for."""
    pools = [("loopbacks", plan.loopbacks), ("links", plan.links), ("management", plan.management),
             ("datacenter", plan.datacenter)]
    pools += [(block.level.value, block.pool) for block in plan.site_blocks]
    return [_prefix(str(pool), status="container", role=POOL_ROLES[name].slug,
                    description=f"Address pool: {POOL_ROLES[name].name.removeprefix('Pool: ')}")
            for name, pool in pools]


def lan_prefix_records(site: Site) -> list[Record]:
    """A site's LAN prefixes: scope the site, the LAN's VLAN and role, expected hosts and DHCP relay."""
    return [_prefix(str(lan.prefix), status="active", role=LAN_ROLES[lan.role].slug,
                    description=f"LAN {lan.name} of {site.slug}", scope=site.slug, vlan=(site.slug, lan.vlan),
                    expected_hosts=lan.hosts, dhcp_relay=lan.dhcp_relay) for lan in site.lans]


def link_prefix_record(link: WanLink) -> Record:
    """A WAN link's /31, carrying what NetBox has no field for: the link's id, role and OSPF area and cost."""
    return _prefix(str(link.prefix), status="active", role=WAN_LINK_ROLE.slug,
                   description=f"WAN link {link.id}"[:200], link_id=link.id, link_role=link.role.value,
                   ospf_area=link.ospf_area, ospf_cost=link.ospf_cost)


class PrefixMapper(Mapper):
    """ipam.prefix: the pools (containers), every LAN (scope: its site) and every WAN link's /31."""

    object_type = "ipam.prefix"
    endpoint = "ipam/prefixes"
    graphql_list = "prefix_list"
    graphql_type = "PrefixType"
    noun = "prefix"
    fields = (Field("prefix", Kind.SCALAR), Field("status", Kind.CHOICE), Field("role", Kind.REF, ("ipam.role",)),
              Field("scope", Kind.GENERIC, ("dcim.site",)), Field("vlan", Kind.REF, ("ipam.vlan",)),
              Field("description", Kind.SCALAR, derived=True), Field("expected_hosts", Kind.CUSTOM),
              Field("dhcp_relay", Kind.CUSTOM), Field("link_id", Kind.CUSTOM), Field("link_role", Kind.CUSTOM),
              Field("ospf_area", Kind.CUSTOM), Field("ospf_cost", Kind.CUSTOM))

    def desired(self, network: Network) -> Iterable[Record]:
        records = pool_prefix_records(network.addressing)
        records += [record for site in network.sites for record in lan_prefix_records(site)]
        records += [link_prefix_record(link) for link in network.links]
        return records

    def key(self, fields: Mapping[str, Value]) -> Key:
        return (str(fields["prefix"]),)

    def lookups(self, keys: Sequence[Key], id_of: IdOf) -> list[dict[str, Any]]:
        return [{"prefix": [key[0] for key in chunk]} for chunk in chunks(keys, 50)]

    def read(self, reader: ModelReader) -> None:
        """The address plan's pools (container prefixes, by role), the LANs of each site (prefixes with a VLAN)
        and the WAN links (prefixes with a link id, their ends from the addresses in them and the cables)."""
        prefixes = reader.managed(self.object_type)
        pools: dict[str, str] = {}
        for prefix in prefixes:
            if prefix.fields.get("status") != "container":
                continue
            name = RoleMapper.pool_by_slug.get(first_of(prefix.fields.get("role")) or "")
            if name is not None:
                pools[name] = str(prefix.fields["prefix"])
        plan: dict[str, Any] = {name: pools.get(name) for name in ("loopbacks", "links", "management", "datacenter")}
        plan["site_blocks"] = [{**block, "pool": pools.get(str(block.get("level")))}
                               for block in reader.context.get("site_blocks", [])]
        reader.data["addressing"] = plan
        self.read_lans(reader, prefixes)
        reader.data["links"] = ordered(self.read_links(reader, prefixes), lambda link: str(link["id"]),
                                       reader.order.get("links"))

    @staticmethod
    def read_lans(reader: ModelReader, prefixes: list[Record]) -> None:
        """Each LAN: its prefix (scope: the site), its VLAN, and the interface with the VLAN untagged (its gateway)."""
        from netops.netbox.mapping.dcim import InterfaceMapper  # dcim imports this module

        vlans = {r.key: r for r in reader.managed("ipam.vlan")}
        gateways = InterfaceMapper.gateways(reader)
        lans: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for prefix in prefixes:
            vlan_ref = prefix.fields.get("vlan")
            if not isinstance(vlan_ref, Ref):
                continue
            site = ref_key(prefix.fields.get("scope"))
            vlan = vlans.get(vlan_ref.key)
            if vlan is None or not site:
                reader.problem(("sites", item(site[0] if site else "?"), "lans"), prefix,
                               "LAN prefix without its site or VLAN",
                               "a prefix scoped to a site, with a VLAN of the site",
                               f"scope {'/'.join(site) or 'none'}, VLAN {'/'.join(vlan_ref.key)}")
                continue
            gateway = gateways.get(vlan.key)
            path: ModelPath = ("sites", item(site[0]), "lans", item(vlan.fields["name"]))
            reader.locate(path, prefix)
            if gateway is None:
                reader.problem(path, prefix, "LAN without a gateway interface",
                               f"a device interface with VLAN {vlan.fields['vid']} untagged and an address", "none")
                continue
            interface, address = gateway
            lan = VlanMapper.lan_of(vlan) | {
                "prefix": prefix.fields["prefix"], "gateway": bare_ip(address.fields["address"]),
                "gateway_device": interface.key[0], "gateway_interface": interface.key[1],
                "hosts": custom(prefix, "expected_hosts"), "dhcp_relay": custom(prefix, "dhcp_relay"),
            }
            # A LAN with first-hop redundancy: hosts use the group's virtual address, the master routes it.
            lans[site[0]].append(lan | reader.redundancy.get(vlan.key, {}))
        reader.lans = dict(lans)

    @staticmethod
    def read_links(reader: ModelReader, prefixes: list[Record]) -> list[dict[str, Any]]:
        """Each WAN link: its /31 and custom fields, the two interfaces addressed in it told apart by their cables
        (upstream, downstream), and its circuit."""
        interfaces_by_network: dict[str, list[Key]] = defaultdict(list)
        for ref, address in reader.ip_of.items():
            if ref.type == "dcim.interface":
                network = str(ipaddress.ip_interface(str(address.fields["address"])).network)
                interfaces_by_network[network].append(ref.key)
        links = []
        for prefix in prefixes:
            link_id = custom(prefix, "link_id")
            if not link_id:
                continue
            path: ModelPath = ("links", item(link_id))
            reader.locate(path, prefix)
            ends = interfaces_by_network.get(str(prefix.fields["prefix"]), [])
            up = [key for key in ends if reader.ends.get(key, ("",))[0] == "up"]
            down = [key for key in ends if reader.ends.get(key, ("",))[0] == "down"]
            if len(ends) != 2 or len(up) != 1 or len(down) != 1:
                reader.problem(path, prefix, "WAN link whose ends cannot be told apart",
                               "two interfaces with addresses in the /31, cabled (to each other or to the circuit's "
                               "A and Z terminations)", f"{len(ends)} interfaces ({len(up)} upstream, {len(down)} "
                               "downstream)", "run `netops drift` to see what changed in NetBox")
                reader.reported.update(ends)  # reported once, here, not again for each of its interfaces
                continue
            circuit_key = reader.ends[up[0]][2] or reader.ends[down[0]][2]
            circuit = None
            if circuit_key is not None:
                circuit = reader.circuits.get(circuit_key)
                if circuit is None:
                    reader.problem((*path, "circuit"), prefix, "circuit missing", "a managed circuit",
                                   "/".join(circuit_key))
            links.append({"id": link_id, "role": custom(prefix, "link_role"),
                          "upstream": {"device": up[0][0], "interface": up[0][1]},
                          "downstream": {"device": down[0][0], "interface": down[0][1]},
                          "prefix": prefix.fields["prefix"], "ospf_area": custom(prefix, "ospf_area"),
                          "ospf_cost": custom(prefix, "ospf_cost"), "circuit": circuit})
            reader.wan_ends[up[0]] = {"link": link_id, "peer_device": down[0][0], "peer_interface": down[0][1]}
            reader.wan_ends[down[0]] = {"link": link_id, "peer_device": up[0][0], "peer_interface": up[0][1]}
        return links


def _address(address: str, assigned: Ref, role: str | None = None) -> Record:
    return Record("ipam.ipaddress", (address.split("/")[0],), {
        "address": address, "status": "active", "role": role, "assigned_object": assigned})


def device_ip_records(device: Device) -> list[Record]:
    """The addresses of a device's interfaces; the loopback's has the loopback role."""
    return [_address(str(interface.address), Ref("dcim.interface", (device.name, interface.name)),
                     "loopback" if isinstance(interface, LoopbackInterface) else None)
            for interface in device.interfaces]


def virtual_ip_record(site: Site, lan: Lan) -> Record:
    """A LAN's virtual gateway address (its gateway, with the LAN's length), role ``vrrp``, on its FHRP group."""
    return _address(f"{lan.gateway}/{lan.prefix.prefixlen}", Ref("ipam.fhrpgroup", fhrp_group_key(site.slug, lan.vlan)),
                    VIRTUAL_ADDRESS_ROLE)


def host_ip_record(host: DcHost, prefix_length: int) -> Record:
    """A data-center host's address, with its LAN's prefix length, on its network port."""
    assigned = (Ref("dcim.interface", (host.name, HOST_INTERFACE)) if isinstance(host, PhysicalServer)
                else Ref("virtualization.vminterface", (host.name, HOST_INTERFACE)))
    return _address(f"{host.address}/{prefix_length}", assigned)


class IpAddressMapper(Mapper):
    """ipam.ipaddress: every interface address (key: the address without its length; IPs are unique)."""

    object_type = "ipam.ipaddress"
    endpoint = "ipam/ip-addresses"
    graphql_list = "ip_address_list"
    graphql_type = "IPAddressType"
    noun = "IP address"
    fields = (Field("address", Kind.SCALAR), Field("status", Kind.CHOICE, derived=True), Field("role", Kind.CHOICE),
              Field("assigned_object", Kind.GENERIC,
                    ("dcim.interface", "virtualization.vminterface", "ipam.fhrpgroup")))
    dependents = (Dependent("dcim/devices", "primary_ip4_id"),)

    def desired(self, network: Network) -> Iterable[Record]:
        records = [record for device in network.devices for record in device_ip_records(device)]
        records += [virtual_ip_record(site, lan) for site in network.sites for lan in site.lans
                    if lan.redundancy is not None]
        sites = network.site_by_slug
        for host in network.hosts:
            lan = next(lan for lan in sites[host.site].lans if lan.name == host.lan)
            records.append(host_ip_record(host, lan.prefix.prefixlen))
        return records

    def key(self, fields: Mapping[str, Value]) -> Key:
        return (str(fields["address"]).split("/")[0],)

    def lookups(self, keys: Sequence[Key], id_of: IdOf) -> list[dict[str, Any]]:
        return [{"address": [key[0] for key in chunk]} for chunk in chunks(keys, 50)]

    def read(self, reader: ModelReader) -> None:
        """The addresses, by the interface they are on."""
        for record in reader.managed(self.object_type):
            assigned = record.fields.get("assigned_object")
            if isinstance(assigned, Ref):
                reader.ip_of[assigned] = record


def fhrp_group_key(site: str, vlan: int) -> Key:
    """An FHRP group's natural key: its LAN's, the same as the LAN's VLAN (site slug, VLAN id)."""
    return (site, str(vlan))


#: Between the site and the VLAN id in an FHRP group's name, which its key is read from.
_GROUP_NAME_SEPARATOR = " VLAN "


def fhrp_group_record(site: Site, lan: Lan) -> Record | None:
    """The VRRP group of a LAN with first-hop redundancy (None without): VRID, and in custom fields what NetBox
    has no field for (preemption, advertisement interval, sync group, each member's tracked uplinks).

    Named ``<site> VLAN <vid>``: NetBox's FHRP groups belong to no site, and their name is the only field free to
    say which LAN a group serves (its members' interfaces say it too, but a key is computed from the group alone).
    """
    vrrp = lan.redundancy
    if vrrp is None:
        return None
    track = {member.device: [{"interface": t.interface, "decrement": t.decrement} for t in member.track]
             for member in vrrp.members if member.track}
    return Record("ipam.fhrpgroup", fhrp_group_key(site.slug, lan.vlan), {
        "name": f"{site.slug}{_GROUP_NAME_SEPARATOR}{lan.vlan}", "protocol": FHRP_PROTOCOL, "group_id": vrrp.group,
        "description": f"Gateway of LAN {lan.name} of {site.slug}"[:200],
        "custom_fields.vrrp_preempt": vrrp.preempt, "custom_fields.vrrp_preempt_delay": vrrp.preempt_delay_s,
        "custom_fields.vrrp_advertisement_interval": vrrp.advertisement_interval_ms,
        "custom_fields.vrrp_sync_group": vrrp.sync_group, "custom_fields.vrrp_track": JsonValue(track),
    })


class FhrpGroupMapper(Mapper):
    """ipam.fhrpgroup: the VRRP group of each LAN with first-hop redundancy (its virtual address is an IP address
    assigned to the group, its members are assignments of their LAN interfaces)."""

    object_type = "ipam.fhrpgroup"
    endpoint = "ipam/fhrp-groups"
    graphql_list = "fhrp_group_list"
    graphql_type = "FHRPGroupType"
    noun = "FHRP group"
    # The protocol is always VRRPv3; the name carries the key (the LAN); the description is made of both.
    fields = (Field("name", Kind.SCALAR, derived=True), Field("protocol", Kind.CHOICE, derived=True),
              Field("group_id", Kind.INTEGER), Field("description", Kind.SCALAR, derived=True),
              Field("vrrp_preempt", Kind.CUSTOM), Field("vrrp_preempt_delay", Kind.CUSTOM),
              Field("vrrp_advertisement_interval", Kind.CUSTOM), Field("vrrp_sync_group", Kind.CUSTOM),
              Field("vrrp_track", Kind.CUSTOM))
    dependents = (Dependent("ipam/fhrp-group-assignments", "group_id"), Dependent("ipam/ip-addresses", "fhrpgroup_id"))

    def desired(self, network: Network) -> Iterable[Record]:
        return [record for site in network.sites for lan in site.lans
                if (record := fhrp_group_record(site, lan)) is not None]

    def key(self, fields: Mapping[str, Value]) -> Key:
        site, separator, vlan = str(fields["name"]).rpartition(_GROUP_NAME_SEPARATOR)
        return (site, vlan) if separator and vlan.isdigit() else (str(fields["name"]),)

    def lookups(self, keys: Sequence[Key], id_of: IdOf) -> list[dict[str, Any]]:
        return [{"name": [_GROUP_NAME_SEPARATOR.join(key) for key in chunk]} for chunk in chunks(keys, 50)]

    def read(self, reader: ModelReader) -> None:
        """The first-hop redundancy of each LAN (by VLAN key): the group's virtual address is the LAN's gateway,
        its master (the member of the highest priority) the LAN's gateway device."""
        for group in reader.managed(self.object_type):
            path: ModelPath = ("sites", item(group.key[0]), "lans", item(VlanMapper.name_of(reader, group.key)),
                               "redundancy")
            address = reader.ip_of.get(Ref(self.object_type, group.key))
            members = sorted(reader.fhrp_members.get(group.key, []), key=lambda m: -int(m["priority"]))
            if address is None or not members:
                reader.problem(path, group, "FHRP group without its virtual address or members",
                               "an IP address assigned to the group and an assignment per member router",
                               f"{'an' if address else 'no'} address, {len(members)} member(s)",
                               "run `netops apply` to write the group again")
                continue
            tracked = custom(group, "vrrp_track")
            track = tracked.data if isinstance(tracked, JsonValue) and isinstance(tracked.data, dict) else {}
            reader.redundancy[group.key] = {
                "gateway": bare_ip(address.fields["address"]),
                "gateway_device": members[0]["device"], "gateway_interface": members[0]["interface"],
                "redundancy": {
                    "protocol": "vrrp", "group": group.fields["group_id"],
                    "virtual_address": bare_ip(address.fields["address"]),
                    "members": [member | {"track": track.get(member["device"], [])} for member in members],
                    "preempt": custom(group, "vrrp_preempt"),
                    "preempt_delay_s": custom(group, "vrrp_preempt_delay"),
                    "advertisement_interval_ms": custom(group, "vrrp_advertisement_interval"),
                    "sync_group": custom(group, "vrrp_sync_group") or None,
                },
            }


def fhrp_assignment_records(site: Site, lan: Lan) -> list[Record]:
    """Each member router of a LAN's VRRP group: its LAN interface assigned to the group, with its priority."""
    if lan.redundancy is None:
        return []
    group = Ref("ipam.fhrpgroup", fhrp_group_key(site.slug, lan.vlan))
    return [Record("ipam.fhrpgroupassignment", (member.device, member.interface, *group.key), {
        "group": group, "interface": Ref("dcim.interface", (member.device, member.interface)),
        "priority": member.priority}) for member in lan.redundancy.members]


class FhrpGroupAssignmentMapper(Mapper):
    """ipam.fhrpgroupassignment: a member router's LAN interface in a VRRP group, with its priority.

    Assignments carry no tags in NetBox: netops owns those of the groups it manages.
    """

    object_type = "ipam.fhrpgroupassignment"
    endpoint = "ipam/fhrp-group-assignments"
    graphql_list = "fhrp_group_assignment_list"
    graphql_type = "FHRPGroupAssignmentType"
    noun = "FHRP group assignment"
    fields = (Field("group", Kind.REF, ("ipam.fhrpgroup",)), Field("interface", Kind.GENERIC, ("dcim.interface",)),
              Field("priority", Kind.INTEGER))
    taggable = False
    key_refs = ("interface", "group")

    def desired(self, network: Network) -> Iterable[Record]:
        return [record for site in network.sites for lan in site.lans
                for record in fhrp_assignment_records(site, lan)]

    def key(self, fields: Mapping[str, Value]) -> Key:
        interface, group = fields["interface"], fields["group"]
        return (*(interface.key if isinstance(interface, Ref) else ("?", "?")),
                *(group.key if isinstance(group, Ref) else ("?",)))

    def owned(self, raw: Mapping[str, Any], fields: Mapping[str, Value]) -> bool:
        """An assignment to a group netops reads (a managed one): an unknown group is read as ``#<id>``."""
        group = fields.get("group")
        return isinstance(group, Ref) and not group.key[0].startswith("#")

    def lookups(self, keys: Sequence[Key], id_of: IdOf) -> list[dict[str, Any]]:
        ids = sorted({i for key in keys if (i := id_of("ipam.fhrpgroup", key[2:])) is not None})
        return [{"group_id": list(chunk)} for chunk in chunks(ids, 50)]

    def read(self, reader: ModelReader) -> None:
        """The members of each group: device, interface, own address (the interface's) and priority."""
        for assignment in reader.managed(self.object_type):
            interface, group = assignment.fields.get("interface"), assignment.fields.get("group")
            if not isinstance(interface, Ref) or not isinstance(group, Ref):
                continue
            address = reader.ip_of.get(interface)
            reader.fhrp_members.setdefault(group.key, []).append({
                "device": interface.key[0], "interface": interface.key[1],
                "address": bare_ip(address.fields["address"]) if address is not None else None,
                "priority": assignment.fields["priority"]})


def port_mappings(service: Service) -> tuple[str, ...]:
    """A service's ports as NetBox writes them (``tcp/443``); NetBox has no ICMP, see the mapping checks."""
    return tuple(str(port) for port in service.ports if port.protocol is not Protocol.ICMP)


def service_template_record(service: Service) -> Record:
    """A shared service of the catalogue: name, ports (in order) and display name."""
    return Record("ipam.servicetemplate", (service.name,), {
        "name": service.name, "port_mappings": port_mappings(service), "description": service.display_name})


class ServiceTemplateMapper(NamedMapper):
    """ipam.servicetemplate: the catalogue of shared services."""

    object_type = "ipam.servicetemplate"
    endpoint = "ipam/service-templates"
    graphql_list = "service_template_list"
    graphql_type = "ServiceTemplateType"
    noun = "service template"
    fields = (Field("name", Kind.SCALAR), Field("port_mappings", Kind.LIST), Field("description", Kind.SCALAR))

    def desired(self, network: Network) -> Iterable[Record]:
        return [service_template_record(service) for service in network.services]

    def read(self, reader: ModelReader) -> None:
        """The catalogue of services, in intent's order: name, display name and ports."""
        records = ordered(reader.managed(self.object_type), lambda r: str(r.fields["name"]),
                          reader.order.get("services"))
        services = []
        for record in records:
            reader.locate(("services", item(record.fields["name"])), record)
            ports = []
            for mapping in record.fields.get("port_mappings") or ():
                protocol, _, port = str(mapping).partition("/")
                ports.append({"protocol": protocol, "port": int(port) if port.isdigit() else None})
            services.append({"name": record.fields["name"], "display_name": record.fields.get("description"),
                             "ports": ports})
        reader.data["services"] = services


def service_records(host: DcHost, catalogue: Sequence[Service]) -> list[Record]:
    """The services a host runs, each with the catalogue's ports, on the host (device or virtual machine)."""
    parent = (Ref("virtualization.virtualmachine", (host.name,)) if isinstance(host, VirtualMachine)
              else Ref("dcim.device", (host.name,)))
    by_name = {service.name: service for service in catalogue}
    return [Record("ipam.service", (host.name, name), {
        "parent_object": parent, "name": name, "port_mappings": port_mappings(by_name[name])})
        for name in host.services]


class ServiceMapper(Mapper):
    """ipam.service: the services each data-center host runs."""

    object_type = "ipam.service"
    endpoint = "ipam/services"
    graphql_list = "service_list"
    graphql_type = "ServiceType"
    noun = "service"
    # The ports are the catalogue's.
    fields = (Field("parent_object", Kind.GENERIC, ("dcim.device", "virtualization.virtualmachine"),
                    graphql_name="parent"),
              Field("name", Kind.SCALAR), Field("port_mappings", Kind.LIST, derived=True))
    key_refs = ("parent_object",)

    def desired(self, network: Network) -> Iterable[Record]:
        return [record for host in network.hosts for record in service_records(host, network.services)]

    def key(self, fields: Mapping[str, Value]) -> Key:
        parent = fields["parent_object"]
        return (*(parent.key if isinstance(parent, Ref) else ("?",)), str(fields["name"]))

    def lookups(self, keys: Sequence[Key], id_of: IdOf) -> list[dict[str, Any]]:
        return [{"name": sorted({key[-1] for key in chunk})} for chunk in chunks(keys, 50)]

    def read(self, reader: ModelReader) -> None:
        """The services each host runs."""
        for service in reader.managed(self.object_type):
            parent = first_of(service.fields.get("parent_object"))
            if parent:
                reader.services_of.setdefault(parent, []).append(str(service.fields["name"]))
