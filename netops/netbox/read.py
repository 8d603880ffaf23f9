"""Build the city's ``Network`` from what NetBox holds (``--source netbox``), through the same validation as intent.

The inverse of the mapping: regions give the city, its districts and wards; sites with their custom fields,
VLANs and LAN prefixes give the sites and LANs; devices with their interfaces and addresses give the devices;
the /31 prefixes with their cables and circuits give the WAN links; servers, VMs and services give the
data-center hosts; the city's config context gives the site-block layout and the policy. Only objects netops
manages are read. The result goes through the model's validation (every cross-object check); what fails is
reported like intent errors, each located at the NetBox object it came from, and nothing is built.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from citynet_models.devices import Interface, LanInterface, LoopbackInterface, ManagementInterface, WanInterface
from citynet_models.network import Network
from citynet_models.problems import Location, ModelPath, NetworkInvalidError, Problem, item
from citynet_models.types import DeviceRole, MassOrganizationType, Media, Platform
from netops.errors import InputError
from netops.netbox.client import NetBoxClient
from netops.netbox.mapping import MAPPER_BY_TYPE
from netops.netbox.mapping.base import JsonValue, Key, Record, Ref, Value
from netops.netbox.snapshot import Backend, Snapshot, read_snapshot
from netops.netbox.tags import MANAGED_TAG
from netops.netbox.vocabulary import (
    CIRCUIT_TYPES,
    CONFIG_CONTEXT_PREFIX,
    DEVICE_ROLES,
    LAN_ROLES,
    MASS_ORGANIZATION_TENANT,
    PLATFORMS,
    POOL_ROLES,
    SERVER_ROLE,
)
from netops.progress import ProgressSink as Progress
from netops.progress import quiet
from netops.resolve.build import Resolution, interface_order

_ROLE_BY_SLUG = {named.slug: role for role, named in DEVICE_ROLES.items()}
_PLATFORM_BY_SLUG = {named.slug: platform for platform, named in PLATFORMS.items()}
_LAN_ROLE_BY_SLUG = {named.slug: role for role, named in LAN_ROLES.items()}
_ORGANIZATION_BY_SLUG = {named.slug: kind for kind, named in MASS_ORGANIZATION_TENANT.items()}
_MEDIA_BY_SLUG = {named.slug: media for media, named in CIRCUIT_TYPES.items()}
_POOL_BY_ROLE = {named.slug: name for name, named in POOL_ROLES.items() if name != "links"}
_POOL_BY_ROLE[POOL_ROLES["links"].slug] = "links"


def _cf(record: Record, name: str) -> Value:
    return record.fields.get(f"custom_fields.{name}")


def _ref_key(value: Value) -> Key:
    return value.key if isinstance(value, Ref) else ()


def _ip(address: Value) -> str:
    return str(address).split("/")[0]


def _ordered[T](items: Iterable[T], name: Callable[[T], str], hint: Iterable[str] | None) -> list[T]:
    """Items in the order of the hint; any the hint does not know follow, by name."""
    position = {value: index for index, value in enumerate(hint or ())}
    return sorted(items, key=lambda i: (position.get(name(i), len(position)), name(i)))


@dataclass
class _Reader:
    """One pass over a snapshot: indexes, then the model's parts, problems collected on the way."""

    snapshot: Snapshot
    url_of: Callable[[Record], str]
    problems: list[Problem] = field(default_factory=list)
    sources: dict[ModelPath, Location] = field(default_factory=dict)

    def managed(self, object_type: str) -> list[Record]:
        return [r for r in self.snapshot.records.of(object_type).values() if r.managed]

    def locate(self, path: ModelPath, record: Record) -> None:
        self.sources.setdefault(path, Location(self.url_of(record), 0))

    def problem(self, path: ModelPath, record: Record | None, message: str, expected: str | None = None,
                found: str | None = None, hint: str | None = None) -> None:
        location = Location(self.url_of(record), 0) if record is not None else None
        self.problems.append(Problem(path, message, expected, found, hint, location))

    # -- the parts -----------------------------------------------------------------------------------------------

    def read(self) -> dict[str, Any]:
        regions = self.managed("dcim.region")
        cities = [r for r in regions if r.fields.get("parent") is None]
        if len(cities) != 1:
            self.problem(("city",), None, "NetBox holds no single city managed by netops",
                         "one managed region without a parent (the city)",
                         ", ".join(r.label for r in cities) or "none",
                         "run `netops apply` first, or point NETBOX_URL at the NetBox that holds the city")
            raise InputError(self.problems)
        city_region = cities[0]
        order_value = _cf(city_region, "netops_order")
        self.order: dict[str, Any] = order_value.data if isinstance(order_value, JsonValue) else {}
        context = self.config_context(city_region)
        data: dict[str, Any] = {
            "city": self.city(city_region),
            "addressing": self.addressing(context),
            **self.admin_units(city_region, regions),
            "providers": self.providers(),
            "services": self.services(),
        }
        self.index_ips_and_links()
        data["sites"] = self.sites(data["districts"], data["wards"])
        data["links"] = self.links()  # before the devices: WAN interfaces take their peers from the links
        data["devices"] = self.devices()
        data["hosts"] = self.hosts(data["sites"], data["services"])
        data["policy"] = context.get("policy", {})
        return data

    def city(self, region: Record) -> dict[str, Any]:
        self.locate(("city",), region)
        asns = self.managed("ipam.asn")
        if len(asns) != 1:
            self.problem(("city", "asn"), region, "NetBox holds no single AS number managed by netops",
                         "one managed ASN", ", ".join(a.label for a in asns) or "none")
        return {"code": _cf(region, "admin_code"), "name": region.fields["name"], "slug": region.fields["slug"],
                "asn": asns[0].fields["asn"] if asns else 0}

    def config_context(self, city_region: Record) -> dict[str, Any]:
        name = CONFIG_CONTEXT_PREFIX + str(city_region.fields["slug"])
        record = self.snapshot.records.get("extras.configcontext", (name,))
        data = record.fields.get("data") if record is not None else None
        if record is None or not isinstance(data, JsonValue) or not isinstance(data.data.get("netops"), dict):
            self.problem(("addressing",), city_region, "the city's config context is missing",
                         f"config context {name!r} with a 'netops' section", "none", "run `netops apply`")
            return {}
        self.locate(("addressing",), record)
        self.locate(("policy",), record)
        section: dict[str, Any] = data.data["netops"]
        return section

    def addressing(self, context: Mapping[str, Any]) -> dict[str, Any]:
        pools: dict[str, str] = {}
        for prefix in self.managed("ipam.prefix"):
            if prefix.fields.get("status") != "container":
                continue
            role = _ref_key(prefix.fields.get("role"))
            name = _POOL_BY_ROLE.get(role[0]) if role else None
            if name is not None:
                pools[name] = str(prefix.fields["prefix"])
        plan: dict[str, Any] = {name: pools.get(name) for name in ("loopbacks", "links", "management", "datacenter")}
        plan["site_blocks"] = [{**block, "pool": pools.get(str(block.get("level")))}
                               for block in context.get("site_blocks", [])]
        return plan

    def admin_units(self, city: Record, regions: list[Record]) -> dict[str, list[dict[str, Any]]]:
        districts, wards = [], []
        by_key = {r.key: r for r in regions}
        for region in regions:
            parent = _ref_key(region.fields.get("parent"))
            if len(region.key) == 2 and parent == city.key:
                path: ModelPath = ("districts", item(_cf(region, "admin_code")))
                self.locate(path, region)
                districts.append({"code": _cf(region, "admin_code"), "name": region.fields["name"],
                                  "slug": region.fields["slug"], "kind": _cf(region, "admin_kind")})
            elif len(region.key) == 3 and parent in by_key:
                self.locate(("wards", item(_cf(region, "admin_code"))), region)
                wards.append({"code": _cf(region, "admin_code"), "name": region.fields["name"],
                              "slug": region.fields["slug"], "kind": _cf(region, "admin_kind"),
                              "district": _cf(by_key[parent], "admin_code")})
        self.region_codes = {r.key: str(_cf(r, "admin_code")) for r in regions}
        return {"districts": sorted(districts, key=lambda d: str(d["code"])),
                "wards": sorted(wards, key=lambda w: str(w["code"]))}

    def providers(self) -> list[dict[str, Any]]:
        records = _ordered(self.managed("circuits.provider"), lambda r: str(r.fields["slug"]),
                           self.order.get("providers"))
        for record in records:
            self.locate(("providers", item(record.fields["slug"])), record)
        return [{"slug": r.fields["slug"], "name": r.fields["name"]} for r in records]

    def services(self) -> list[dict[str, Any]]:
        records = _ordered(self.managed("ipam.servicetemplate"), lambda r: str(r.fields["name"]),
                           self.order.get("services"))
        services = []
        for record in records:
            self.locate(("services", item(record.fields["name"])), record)
            ports = []
            for mapping in record.fields.get("port_mappings") or ():
                protocol, _, port = str(mapping).partition("/")
                ports.append({"protocol": protocol, "port": int(port) if port.isdigit() else None})
            services.append({"name": record.fields["name"], "display_name": record.fields.get("description"),
                             "ports": ports})
        return services

    def index_ips_and_links(self) -> None:
        """Addresses by the interface they are on; link ends from cables and circuit terminations."""
        self.ip_of: dict[Ref, Record] = {}
        for record in self.managed("ipam.ipaddress"):
            assigned = record.fields.get("assigned_object")
            if isinstance(assigned, Ref):
                self.ip_of[assigned] = record
        #: interface key -> (role in its link: "up"/"down", the far interface key or None, circuit key or None)
        self.ends: dict[Key, tuple[str, Key | None, Key | None]] = {}
        for cable in self.managed("dcim.cable"):
            a_ends: tuple[Value, ...] = cable.fields.get("a_terminations") or ()
            b_ends: tuple[Value, ...] = cable.fields.get("b_terminations") or ()
            if len(a_ends) != 1 or len(b_ends) != 1:
                continue
            a, b = a_ends[0], b_ends[0]
            if not isinstance(a, Ref) or not isinstance(b, Ref):
                continue
            if a.type == "dcim.interface" and b.type == "dcim.interface":
                self.ends[a.key] = ("up", b.key, None)
                self.ends[b.key] = ("down", a.key, None)
            elif a.type == "dcim.interface" and b.type == "circuits.circuittermination":
                self.ends[a.key] = ("up" if b.key[-1] == "A" else "down", None, b.key[:-1])

    def sites(self, districts: list[dict[str, Any]], wards: list[dict[str, Any]]) -> list[dict[str, Any]]:
        lans = self.lans()
        sites = []
        for record in sorted(self.managed("dcim.site"), key=lambda r: str(r.fields["slug"])):
            slug = str(record.fields["slug"])
            path: ModelPath = ("sites", item(slug))
            self.locate(path, record)
            region = _ref_key(record.fields.get("region"))
            level = {1: "city", 2: "district", 3: "ward"}.get(len(region), "city")
            district = self.region_codes.get(region[:2]) if len(region) >= 2 else None
            ward = self.region_codes.get(region) if len(region) == 3 else None
            latitude, longitude = record.fields.get("latitude"), record.fields.get("longitude")
            site: dict[str, Any] = {
                "slug": slug, "name": record.fields["name"], "kind": _cf(record, "site_kind"), "level": level,
                "number": _cf(record, "site_number"), "status": _cf(record, "lifecycle_status"),
                "address": record.fields.get("physical_address") or None,
                "coordinates": {"latitude": latitude, "longitude": longitude}
                if latitude is not None and longitude is not None else None,
                "lans": sorted(lans.get(slug, []), key=lambda lan: int(lan["vlan"])),
                "redundancy": _cf(record, "redundancy"), "district": district, "ward": ward,
                "vars": site_vars.data if isinstance(site_vars := _cf(record, "site_vars"), JsonValue) else {},
            }
            if site["kind"] == "mass_organization":
                tenant = _ref_key(record.fields.get("tenant"))
                organization: MassOrganizationType | None = _ORGANIZATION_BY_SLUG.get(tenant[0] if tenant else "")
                if organization is None:
                    self.problem((*path, "organization"), record, "mass-organization site without its organization",
                                 "one of the mass-organization tenants", "/".join(tenant) or "no tenant")
                site["organization"] = organization.value if organization else None
            sites.append(site)
        return sites

    def lans(self) -> dict[str, list[dict[str, Any]]]:
        vlans = {r.key: r for r in self.managed("ipam.vlan")}
        gateways: dict[Key, tuple[Record, Record]] = {}  # VLAN key -> (interface, its address)
        for interface in self.managed("dcim.interface"):
            vlan = interface.fields.get("untagged_vlan")
            address = self.ip_of.get(Ref("dcim.interface", interface.key))
            if isinstance(vlan, Ref) and address is not None:
                gateways[vlan.key] = (interface, address)
        lans: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for prefix in self.managed("ipam.prefix"):
            vlan_ref = prefix.fields.get("vlan")
            if not isinstance(vlan_ref, Ref):
                continue
            site = _ref_key(prefix.fields.get("scope"))
            vlan = vlans.get(vlan_ref.key)
            if vlan is None or not site:
                self.problem(("sites", item(site[0] if site else "?"), "lans"), prefix,
                             "LAN prefix without its site or VLAN",
                             "a prefix scoped to a site, with a VLAN of the site",
                             f"scope {'/'.join(site) or 'none'}, VLAN {'/'.join(vlan_ref.key)}")
                continue
            role = _LAN_ROLE_BY_SLUG.get(_ref_key(vlan.fields.get("role"))[0] if vlan.fields.get("role") else "")
            gateway = gateways.get(vlan.key)
            path: ModelPath = ("sites", item(site[0]), "lans", item(vlan.fields["name"]))
            self.locate(path, prefix)
            if gateway is None:
                self.problem(path, prefix, "LAN without a gateway interface",
                             f"a device interface with VLAN {vlan.fields['vid']} untagged and an address", "none")
                continue
            interface, address = gateway
            lans[site[0]].append({
                "name": vlan.fields["name"], "role": role.value if role else None, "vlan": vlan.fields["vid"],
                "prefix": prefix.fields["prefix"], "gateway": _ip(address.fields["address"]),
                "gateway_device": interface.key[0], "gateway_interface": interface.key[1],
                "hosts": _cf(prefix, "expected_hosts"), "dhcp_relay": _cf(prefix, "dhcp_relay"),
            })
        self.vlan_names = {key: str(record.fields["name"]) for key, record in vlans.items()}
        return lans

    def links(self) -> list[dict[str, Any]]:
        self.wan_ends: dict[Key, dict[str, Any]] = {}  # interface key -> its link, peer
        self.reported: set[Key] = set()
        interfaces_by_network: dict[str, list[Key]] = defaultdict(list)
        for ref, address in self.ip_of.items():
            if ref.type == "dcim.interface":
                network = str(ipaddress.ip_interface(str(address.fields["address"])).network)
                interfaces_by_network[network].append(ref.key)
        circuits = {r.key: r for r in self.managed("circuits.circuit")}
        links = []
        for prefix in self.managed("ipam.prefix"):
            link_id = _cf(prefix, "link_id")
            if not link_id:
                continue
            path: ModelPath = ("links", item(link_id))
            self.locate(path, prefix)
            ends = interfaces_by_network.get(str(prefix.fields["prefix"]), [])
            up = [key for key in ends if self.ends.get(key, ("",))[0] == "up"]
            down = [key for key in ends if self.ends.get(key, ("",))[0] == "down"]
            if len(ends) != 2 or len(up) != 1 or len(down) != 1:
                self.problem(path, prefix, "WAN link whose ends cannot be told apart",
                             "two interfaces with addresses in the /31, cabled (to each other or to the circuit's "
                             "A and Z terminations)", f"{len(ends)} interfaces ({len(up)} upstream, {len(down)} "
                             "downstream)", "run `netops drift` to see what changed in NetBox")
                self.reported.update(ends)  # reported once, here, not again for each of its interfaces
                continue
            circuit_key = self.ends[up[0]][2] or self.ends[down[0]][2]
            circuit = None
            if circuit_key is not None:
                record = circuits.get(circuit_key)
                if record is None:
                    self.problem((*path, "circuit"), prefix, "circuit missing", "a managed circuit",
                                 "/".join(circuit_key))
                else:
                    media = _MEDIA_BY_SLUG.get(_ref_key(record.fields.get("type"))[0]
                                               if record.fields.get("type") else "")
                    circuit = {"provider": circuit_key[0], "circuit_id": circuit_key[1],
                               "bandwidth_mbps": int(record.fields.get("commit_rate") or 0) // 1000,
                               "media": media.value if isinstance(media, Media) else None}
            links.append({"id": link_id, "role": _cf(prefix, "link_role"),
                          "upstream": {"device": up[0][0], "interface": up[0][1]},
                          "downstream": {"device": down[0][0], "interface": down[0][1]},
                          "prefix": prefix.fields["prefix"], "ospf_area": _cf(prefix, "ospf_area"),
                          "ospf_cost": _cf(prefix, "ospf_cost"), "circuit": circuit})
            self.wan_ends[up[0]] = {"link": link_id, "peer_device": down[0][0], "peer_interface": down[0][1]}
            self.wan_ends[down[0]] = {"link": link_id, "peer_device": up[0][0], "peer_interface": up[0][1]}
        return _ordered(links, lambda link: str(link["id"]), self.order.get("links"))

    def devices(self) -> list[dict[str, Any]]:
        by_device: dict[str, list[Record]] = defaultdict(list)
        for interface in self.managed("dcim.interface"):
            by_device[interface.key[0]].append(interface)
        self.device_records = {r.key[0]: r for r in self.managed("dcim.device")}
        devices = []
        for record in sorted(self.device_records.values(), key=lambda r: r.key[0]):
            role_slug = _ref_key(record.fields.get("role"))
            if role_slug == (SERVER_ROLE.slug,):
                continue
            name = record.key[0]
            path: ModelPath = ("devices", item(name))
            self.locate(path, record)
            role: DeviceRole | None = _ROLE_BY_SLUG.get(role_slug[0] if role_slug else "")
            platform: Platform | None = _PLATFORM_BY_SLUG.get(_ref_key(record.fields.get("platform"))[0]
                                                              if record.fields.get("platform") else "")
            oob = self.snapshot.records.get("ipam.ipaddress", _ref_key(record.fields.get("oob_ip")))
            primary = _ref_key(record.fields.get("primary_ip4"))
            tags = [tag for tag in record.fields.get("tags") or () if tag != MANAGED_TAG]
            devices.append({
                "name": name, "site": _ref_key(record.fields.get("site"))[0] if record.fields.get("site") else None,
                "role": role.value if role else None, "platform": platform.value if platform else None,
                "number": _cf(record, "device_number"), "loopback": primary[0] if primary else None,
                "management": oob.fields["address"] if oob is not None else None,
                "interfaces": self.interfaces(name, by_device.get(name, [])),
                "tags": _ordered(tags, str, self.order.get("device_tags", {}).get(name)),
            })
        return devices

    def interfaces(self, device: str, records: list[Record]) -> list[dict[str, Any]]:
        loopbacks: list[Interface] = []
        management: list[Interface] = []
        others: list[Interface] = []
        for record in records:
            address = self.ip_of.get(Ref("dcim.interface", record.key))
            if address is None:
                continue  # a port without an address: the 802.1Q parent of LAN subinterfaces
            common = {"name": record.key[1], "description": record.fields.get("description") or "",
                      "address": address.fields["address"]}
            vlan = record.fields.get("untagged_vlan")
            try:
                if record.fields.get("mgmt_only"):
                    management.append(ManagementInterface(kind="management", **common))
                elif address.fields.get("role") == "loopback":
                    loopbacks.append(LoopbackInterface(kind="loopback", **common))
                elif isinstance(vlan, Ref):
                    others.append(LanInterface(kind="lan", vlan=int(vlan.key[-1]),
                                               lan=self.vlan_names.get(vlan.key, "?"), **common))
                elif record.key in self.wan_ends:
                    others.append(WanInterface(kind="wan", **self.wan_ends[record.key], **common))
                elif record.key not in self.reported:
                    self.problem(("devices", item(device), "interfaces", item(record.key[1])), record,
                                 "interface with an address but no role in the design",
                                 "a loopback, the management port, a LAN subinterface or a WAN link end",
                                 str(address.fields["address"]))
            except ValidationError as error:
                for details in error.errors(include_url=False):
                    self.problem(("devices", item(device), "interfaces", item(record.key[1])), record,
                                 details["msg"].removeprefix("Value error, "))
        ordered = [*loopbacks, *management, *sorted(others, key=interface_order)]
        return [interface.model_dump(mode="json") for interface in ordered]

    def hosts(self, sites: list[dict[str, Any]], services: list[dict[str, Any]]) -> list[dict[str, Any]]:
        lans_of = {site["slug"]: site["lans"] for site in sites}
        catalogue = [service["name"] for service in services]
        services_of: dict[str, list[str]] = defaultdict(list)
        for service in self.managed("ipam.service"):
            parent = _ref_key(service.fields.get("parent_object"))
            if parent:
                services_of[parent[0]].append(str(service.fields["name"]))
        hosts = []
        servers = [r for r in self.device_records.values()
                   if _ref_key(r.fields.get("role")) == (SERVER_ROLE.slug,)]
        for record, kind in [*((r, "physical") for r in servers),
                             *((r, "virtual") for r in self.managed("virtualization.virtualmachine"))]:
            name = record.key[0]
            path: ModelPath = ("hosts", item(name))
            self.locate(path, record)
            site = _ref_key(record.fields.get("site"))[0] if record.fields.get("site") else ""
            primary = _ref_key(record.fields.get("primary_ip4"))
            address = primary[0] if primary else None
            lan = next((lan["name"] for lan in lans_of.get(site, []) if address is not None
                        and ipaddress.ip_address(address) in ipaddress.ip_network(lan["prefix"])), None)
            if address is None or lan is None:
                self.problem(path, record, "host without an address on a LAN of its site",
                             "a primary IPv4 inside one of the site's LAN prefixes", address or "no primary IPv4")
                continue
            hint = self.order.get("host_services", {}).get(name) or catalogue
            host: dict[str, Any] = {"name": name, "site": site, "lan": lan, "address": address, "kind": kind,
                                    "services": _ordered(services_of.get(name, []), str, hint)}
            if kind == "physical":
                rack = _ref_key(record.fields.get("rack"))
                host |= {"rack": rack[-1] if rack else None, "serial": record.fields.get("serial") or None}
            else:
                host |= {"cluster": _ref_key(record.fields.get("cluster"))[0] if record.fields.get("cluster") else "",
                         "vcpus": int(float(record.fields.get("vcpus") or 0)),
                         "memory_mb": record.fields.get("memory")}
            hosts.append(host)
        return sorted(hosts, key=lambda h: str(h["name"]))


def _key_of(element: Any) -> str | None:
    if isinstance(element, Mapping):
        for name in ("slug", "name", "id", "code"):
            if name in element:
                return str(element[name])
    return None


def _model_path(loc: tuple[int | str, ...], data: Any) -> ModelPath:
    """A pydantic error location in the dict the model was built from, as the model's path syntax."""
    path: list[str] = []
    node = data
    for segment in loc:
        if isinstance(segment, int) and isinstance(node, list) and 0 <= segment < len(node):
            node = node[segment]
            key = _key_of(node)
            path.append(item(key if key is not None else segment))
        elif isinstance(node, Mapping) and segment in node:
            node = node[segment]
            path.append(str(segment))
        elif isinstance(node, Mapping) and node.get("kind") == segment:
            continue  # the discriminator pydantic adds to a union member's location
        else:
            path.append(str(segment))
    return tuple(path)


def _locate(problem: Problem, sources: Mapping[ModelPath, Location]) -> Problem:
    if problem.location is not None:
        return problem
    for length in range(len(problem.path), -1, -1):
        location = sources.get(problem.path[:length])
        if location is not None:
            return Problem(**{**problem.__dict__, "location": location})
    return problem


def network_from_snapshot(snapshot: Snapshot, url_of: Callable[[Record], str] | None = None) -> Resolution:
    """The validated Network NetBox's managed objects describe; InputError with every problem otherwise."""
    reader = _Reader(snapshot, url_of or (lambda record: f"netbox:{record.type}/{record.label}"))
    data = reader.read()
    if reader.problems:
        raise InputError([_locate(p, reader.sources) for p in reader.problems])
    try:
        network = Network.model_validate(data)
    except ValidationError as error:
        problems: list[Problem] = []
        for details in error.errors(include_url=False):
            cause = details.get("ctx", {}).get("error")
            if isinstance(cause, NetworkInvalidError):
                problems += cause.problems
            else:
                problems.append(Problem(_model_path(details["loc"], data), details["msg"].removeprefix("Value error, "),
                                        found=repr(details.get("input"))[:200] if "input" in details else None))
        raise InputError([_locate(p, reader.sources) for p in problems]) from error
    return Resolution(network=network, sources=reader.sources)


def load_network_from_netbox(client: NetBoxClient | None = None, *, backend: Backend = Backend.GRAPHQL,
                             progress: Progress = quiet) -> Resolution:
    """Read the city from NetBox (the objects netops manages) and validate it like intent.

    Raises :class:`netops.errors.InputError` when NetBox's objects do not make a valid network (each problem
    located at the NetBox object's page), :class:`netops.netbox.client.NetBoxError` when NetBox cannot be read.
    """
    client = client or NetBoxClient.from_env()
    snapshot = read_snapshot(client, backend=backend, progress=progress)

    def url_of(record: Record) -> str:
        mapper = MAPPER_BY_TYPE.get(record.type)
        if record.id is None or mapper is None:
            return f"{client.url} {record.type} {record.label}"
        return client.object_url(mapper.endpoint, record.id)

    return network_from_snapshot(snapshot, url_of)
