"""The render context of one device: the city's routing and management design applied to it.

Templates only format what is decided here, so every platform renders the same design:
- OSPF: every WAN link in its `ospf_area` (core links and the aggregation routers' uplinks in area 0,
  each district's links in the district's area, so aggregation routers are ABRs), point-to-point on
  the /31s, authenticated, costs from the model; LANs passive in the device's home area (its
  district's area, or 0); the loopback in area 0 on routers with a backbone link, else the home area.
  Under `access_areas: totally_stubby` (the default) every area but the backbone is totally stubby: its ABRs
  send it a default route and none of the other areas' routes, so an access router's table is its own area
  and a default however large the city grows.
- iBGP in the city ASN: the core routers are route reflectors and peer with each other (static
  neighbours, RR-PEERS); they accept their clients without naming them, as BGP dynamic neighbours from
  the router loopback pool (`bgp listen range`, RR-CLIENTS, at most `settings.bgp_listen_limit`), so a
  new router changes no core's config. Every other router names each core, loopback to loopback. The
  peer groups carry the TCP MD5 key (on a listen range too: Linux keys a prefix, FRR 7.1+). The cores
  originate the default route to their clients. Each router announces its LAN prefixes. The clients a
  core must see up (`Bgp.clients`) come from the model, for verification; no template names them. A router
  inside a totally stubby area takes only the default from the reflectors (the city's LANs would duplicate its
  OSPF default in memory and be used nowhere) and reaches them through the OSPF default.
- LAN gateways per VLAN with DHCP relay to the data center's DHCP hosts where `dhcp_relay` is true,
  and the inbound policy filter of `policy.PolicyCompiler`. A LAN with first-hop redundancy (`Lan.redundancy`)
  has a port on every member router, each with its own address, the same relay and the same filter (the
  backup enforces the policy the moment it becomes master), and its VRRP group (`Vrrp`): the virtual address
  with the LAN's prefix length, the member's priority, preemption, the advertisement interval, the tracked
  uplinks under the platform's interface names with the model's decrements, the HA pair it fails over with,
  and the other members' own addresses. Only the master routes to the LAN, so flows through the routers'
  stateful filters stay symmetric: on FRR a member's own address is a /32 and the LAN's prefix arrives with the
  virtual address (keepalived), on IOS-XE and VRP each backup's LAN has a higher OSPF cost than the master's.
- HA pairs: each member knows its pair, its role (active first) and its peer; the sync link is an ordinary
  WAN port (OSPF runs on it like any link) named in the pair so templates can describe it.
- Management: the management plane only from management sources (the out-of-band management pool,
  the management LANs of the device's site and of the data center, the hosts of
  `policy.management_services`); NTP, syslog, SNMPv3 and AAA towards the data-center hosts.
"""

import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from ipaddress import IPv4Address, IPv4Interface, IPv4Network, collapse_addresses

from citynet_models.devices import Device, LanInterface, LoopbackInterface, ManagementInterface, WanInterface
from citynet_models.lans import Lan
from citynet_models.links import WanLink
from citynet_models.network import Network
from citynet_models.problems import Problem, item
from citynet_models.sites import Site
from citynet_models.types import DeviceRole, Platform
from netops.render.policy import Acl, PolicyCompiler
from netops.render.settings import RenderSettings

#: The prefix list a router inside a totally stubby area takes its reflectors' routes through: the default only.
DEFAULT_ONLY_PREFIX_LIST = "DEFAULT-ONLY"


@dataclass(frozen=True, slots=True)
class Host:
    """A data-center host a device talks to (NTP, syslog, SNMP, AAA, DHCP)."""

    name: str
    address: IPv4Address


@dataclass(frozen=True, slots=True)
class OspfPort:
    """OSPF on one interface."""

    area: int
    cost: int | None
    point_to_point: bool
    passive: bool
    authenticated: bool


@dataclass(frozen=True, slots=True)
class Track:
    """An uplink a device tracks for VRRP: `number` is the device-wide track object (IOS-XE `track <n>`), the
    port number the model's interface name ends in (eth3: 3), which never moves, so adding a port renumbers
    nothing."""

    number: int
    interface: str


@dataclass(frozen=True, slots=True)
class VrrpTrack:
    """A tracked uplink of one VRRP group and how much losing it lowers the priority."""

    track: Track
    decrement: int


@dataclass(frozen=True, slots=True)
class Vrrp:
    """The VRRPv3 group of one LAN port, as this member runs it."""

    group: int
    #: The virtual gateway with the LAN's prefix length (the address hosts use).
    virtual: IPv4Interface
    priority: int
    #: The member the model makes master while every member is up.
    master: bool
    preempt: bool
    preempt_delay_s: int
    advertisement_interval_ms: int
    track: tuple[VrrpTrack, ...]
    #: The HA pair whose LANs fail over together (None: this LAN on its own).
    sync_group: str | None
    #: The other members' own addresses on the LAN.
    peers: tuple[IPv4Address, ...]
    #: The group's name on the device (keepalived's vrrp_instance): VLAN-<vlan>, unique on the router even where
    #: two LANs of its site were given the same VRID (a VRID is only unique on its own LAN).
    instance: str

    @property
    def advertisement_interval_s(self) -> str:
        """The advertisement interval in seconds as keepalived and VRP write it ("1", "0.1")."""
        seconds = self.advertisement_interval_ms / 1000
        return str(int(seconds)) if seconds == int(seconds) else f"{seconds:g}"


@dataclass(frozen=True, slots=True)
class Port:
    """An interface as templates see it."""

    name: str
    kind: str
    description: str
    #: The interface's own address; on an FRR member of a VRRP group a /32 (the LAN's prefix comes with the
    #: virtual address, on the master only: `_lan_address_and_cost`).
    address: IPv4Interface
    vlan: int | None
    parent: str | None
    ospf: OspfPort | None
    acl: Acl | None
    dhcp_relay: bool
    vrrp: Vrrp | None = None


@dataclass(frozen=True, slots=True)
class Ospf:
    """The OSPF process."""

    router_id: IPv4Address
    areas: tuple[int, ...]
    abr: bool
    authentication: str
    key_id: int
    fast_timers: bool
    #: SPF and LSA origination held back under a storm of changes (RenderSettings.ospf_timers "throttled").
    throttled: bool = False
    #: The router's totally stubby areas (RenderSettings.access_areas): on an ABR, the areas it sends a default
    #: instead of the other areas' routes (`no-summary`); on a router inside, the areas it agrees are stubs.
    stub_areas: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class BgpGroup:
    """An iBGP peer group; with `listen_range`, its members are the dynamic neighbours from that range."""

    name: str
    description: str
    reflector_client: bool
    default_originate: bool
    listen_range: IPv4Network | None = None
    #: Only the default route is taken from the group (`DEFAULT_ONLY_PREFIX_LIST` inbound): a router inside a
    #: totally stubby area, whose every other route would only duplicate its OSPF default.
    default_only: bool = False


@dataclass(frozen=True, slots=True)
class BgpNeighbor:
    """One iBGP session, loopback to loopback."""

    address: IPv4Address
    name: str
    group: str


@dataclass(frozen=True, slots=True)
class Bgp:
    """The BGP process."""

    asn: int
    router_id: IPv4Address
    reflector: bool
    groups: tuple[BgpGroup, ...]
    #: The configured (static) neighbours.
    neighbors: tuple[BgpNeighbor, ...]
    networks: tuple[IPv4Network, ...]
    #: Most dynamic neighbours (a reflector's clients; None: no listen range).
    listen_limit: int | None = None
    #: The dynamic neighbours the model implies (a reflector's clients): what verification expects up; the
    #: config does not name them.
    clients: tuple[BgpNeighbor, ...] = ()
    #: The route reflectors are reached through a default route only (a router inside a totally stubby area):
    #: FRR must be told to resolve BGP next hops and neighbours through it (`ip nht resolve-via-default`).
    next_hops_via_default: bool = False

    @property
    def default_only_prefix_list(self) -> str | None:
        """The prefix list letting only the default route in, when a group takes only that (None: none does)."""
        return DEFAULT_ONLY_PREFIX_LIST if any(group.default_only for group in self.groups) else None

    @property
    def sessions(self) -> tuple[BgpNeighbor, ...]:
        """Every session the router should have: the configured neighbours, then the dynamic ones."""
        return self.neighbors + self.clients


@dataclass(frozen=True, slots=True)
class Management:
    """The management plane of a device."""

    sources: tuple[IPv4Network, ...]
    ntp_servers: tuple[Host, ...]
    syslog_servers: tuple[Host, ...]
    snmp_managers: tuple[Host, ...]
    aaa_servers: tuple[Host, ...]
    aaa_service: str
    local_admin_user: str
    snmp_user: str
    domain_name: str
    banner: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class HaRole:
    """A device's place in its HA pair."""

    pair: str
    #: "active" (the pair's first member) or "standby".
    role: str
    peer: str
    #: The WAN port towards the peer that carries the heartbeat (None when the link is not the device's).
    sync_port: str | None
    heartbeat_interval_ms: int
    dead_interval_ms: int
    preempt: bool


@dataclass(frozen=True, slots=True)
class DeviceContext:
    """Everything a template of any platform needs for one device."""

    hostname: str
    platform: Platform
    role: DeviceRole
    site: Site
    district_name: str | None
    city_name: str
    loopback_port: Port | None
    management_port: Port
    ports: tuple[Port, ...]
    ospf: Ospf | None
    bgp: Bgp | None
    dhcp_servers: tuple[Host, ...]
    management: Management
    #: The site's VLANs (id, LAN name): what a switch of the site carries.
    vlans: tuple[tuple[int, str], ...]
    #: The uplinks any VRRP group of the device tracks (device-wide track objects), by number.
    tracks: tuple[Track, ...] = ()
    #: The device's HA pair (None: not in one).
    ha: HaRole | None = None

    @property
    def all_ports(self) -> tuple[Port, ...]:
        """Loopback, management, WAN and LAN interfaces, in that order."""
        head = (self.loopback_port,) if self.loopback_port is not None else ()
        return (*head, self.management_port, *self.ports)

    @property
    def wan_ports(self) -> tuple[Port, ...]:
        """WAN interfaces, in port order."""
        return tuple(port for port in self.ports if port.kind == "wan")

    @property
    def lan_ports(self) -> tuple[Port, ...]:
        """LAN gateway interfaces, by VLAN."""
        return tuple(port for port in self.ports if port.kind == "lan")

    @property
    def relay_ports(self) -> tuple[Port, ...]:
        """LAN gateways that relay DHCP."""
        return tuple(port for port in self.ports if port.dhcp_relay)

    @property
    def vrrp_ports(self) -> tuple[Port, ...]:
        """LAN gateways with a VRRP group."""
        return tuple(port for port in self.ports if port.vrrp is not None)

    @property
    def sync_groups(self) -> tuple[tuple[str, tuple[Port, ...]], ...]:
        """(HA pair, its VRRP ports on this device), for the pairs the device's groups fail over with."""
        names = sorted({port.vrrp.sync_group for port in self.vrrp_ports
                        if port.vrrp is not None and port.vrrp.sync_group is not None})
        return tuple((name, tuple(port for port in self.vrrp_ports
                                  if port.vrrp is not None and port.vrrp.sync_group == name)) for name in names)

    @property
    def acls(self) -> tuple[Acl, ...]:
        """The inbound filters of the LAN gateways."""
        return tuple(port.acl for port in self.ports if port.acl is not None)


_PORT_NUMBER = re.compile(r"(\d+)$")


def _track_numbers(uplinks: list[str]) -> dict[str, int]:
    """Track object numbers of a device's WAN interfaces (model names): the port number a name ends in; a
    hand-given name without one takes the next number above the others."""
    numbers = {}
    for name in uplinks:
        match = _PORT_NUMBER.search(name)
        if match and int(match.group(1)) >= 1:
            numbers[name] = int(match.group(1))
    spare = max(numbers.values(), default=0) + 1
    for name in uplinks:
        if name not in numbers:
            numbers[name], spare = spare, spare + 1
    return numbers


def _hosts(hosts: list[Host]) -> tuple[Host, ...]:
    return tuple(sorted(hosts, key=lambda host: (host.address, host.name)))


class CityDesign:
    """What every device of a city shares; built once per run (`netops.design.build_design`), then asked per device."""

    def __init__(self, network: Network, settings: RenderSettings) -> None:
        self.network = network
        self.settings = settings
        self.policy = PolicyCompiler(network)

    @cached_property
    def link_by_id(self) -> dict[str, WanLink]:
        """Links indexed by id."""
        return {link.id: link for link in self.network.links}

    def service_hosts(self, service: str) -> tuple[Host, ...]:
        """Hosts running a service."""
        return _hosts([Host(h.name, h.address) for h in self.policy.hosts_by_service.get(service, [])])

    @cached_property
    def management(self) -> Management:
        """The city-wide part of the management plane (sources are completed per site)."""
        city = self.network.city.name
        return Management(
            sources=(),
            ntp_servers=self.service_hosts("ntp"),
            syslog_servers=self.service_hosts("syslog"),
            snmp_managers=self.service_hosts("monitoring"),
            aaa_servers=self.service_hosts(self.settings.aaa_service),
            aaa_service=self.settings.aaa_service,
            local_admin_user=self.settings.local_admin_user,
            snmp_user=self.settings.snmp_user,
            domain_name=self.settings.domain_name,
            banner=(
                f"CẢNH BÁO: thiết bị thuộc mạng diện rộng của {city}.",
                "Chỉ người được cấp quyền mới được truy cập; mọi truy cập đều được ghi nhật ký.",
                f"WARNING: this device belongs to the wide-area network of {self._english_city}.",
                "Authorized access only; all access is logged.",
            ),
        )

    @cached_property
    def _english_city(self) -> str:
        name = self.network.city.name
        return name.removeprefix("Thành phố ") + " City" if name.startswith("Thành phố ") else name

    @cached_property
    def city_management_sources(self) -> tuple[IPv4Network, ...]:
        """Management sources of every device: the OOB pool, the data center's management LANs, the
        management-service hosts and the settings' extra sources."""
        roles = set(self.network.policy.management_lan_roles)
        networks = [self.network.addressing.management, *self.policy.management_hosts,
                    *self.settings.extra_management_sources]
        networks.extend(lan.prefix for site in self.network.sites if site.kind == "data_center"
                        for lan in site.lans if lan.role in roles)
        return tuple(collapse_addresses(networks))

    def management_sources(self, site: Site) -> tuple[IPv4Network, ...]:
        """The city-wide management sources plus the management LANs of the device's own site."""
        roles = set(self.network.policy.management_lan_roles)
        own = [lan.prefix for lan in site.lans if lan.role in roles]
        return tuple(collapse_addresses([*self.city_management_sources, *own]))

    @cached_property
    def cores(self) -> tuple[Device, ...]:
        """The route reflectors."""
        return tuple(d for d in self.network.devices if d.role is DeviceRole.CORE and d.loopback is not None)

    @cached_property
    def clients(self) -> tuple[BgpNeighbor, ...]:
        """Every router that is not a core, as a reflector sees it (dynamic neighbours from the loopback pool)."""
        return tuple(BgpNeighbor(d.loopback, d.name, "RR-CLIENTS") for d in self.network.devices
                     if d.is_router and d.role is not DeviceRole.CORE and d.loopback is not None)

    def problems(self) -> list[Problem]:
        """What the design cannot do with this city under these settings (empty: it can): more route-reflector
        clients than a core accepts."""
        clients = self.clients
        limit = self.settings.bgp_listen_limit
        if not self.cores or len(clients) <= limit:
            return []
        first_over = clients[limit].name
        return [Problem(
            path=("devices", item(first_over)),
            message="more route-reflector clients than the cores accept",
            expected=f"at most {limit} routers besides the cores (render setting bgp_listen_limit)",
            found=f"{len(clients)} client routers; {first_over} is number {limit + 1}",
            hint="raise bgp_listen_limit in the render settings (--settings FILE; at most 5000) and push the "
                 "cores, or leave sites out",
        )]

    @cached_property
    def acl_cache(self) -> dict[tuple[str, str], Acl]:
        """Filters already compiled, by (site, LAN)."""
        return {}

    def lan_acl(self, site: Site, lan: Lan) -> Acl:
        """The LAN's inbound filter (compiled once per LAN)."""
        key = (site.slug, lan.name)
        acl = self.acl_cache.get(key)
        if acl is None:
            acl = self.acl_cache[key] = self.policy.lan_acl(site, lan)
        return acl

    def context(self, device: Device) -> DeviceContext:
        """The render context of a device (already retargeted to the platform to render)."""
        network = self.network
        site = network.site_by_slug[device.site]
        router = device.is_router
        links = [self.link_by_id[i.link] for i in device.interfaces if isinstance(i, WanInterface)]
        areas = Counter(link.ospf_area for link in links)
        district_areas = [area for area, _ in areas.most_common() if area != 0]
        home_area = district_areas[0] if district_areas else 0
        loopback_area = 0 if 0 in areas or not areas else home_area
        lans = {lan.name: lan for lan in site.lans if device.name in lan.gateway_devices}
        # The model names interfaces as the device's own platform does; `device` may be retargeted to another
        # platform (same interfaces, same order, other names): VRRP tracking and the sync link are given in
        # the model's names and rendered in the device's.
        original = network.device_by_name[device.name]
        renamed = {before.name: after.name for before, after in zip(original.interfaces, device.interfaces,
                                                                    strict=True)}
        uplinks = [i.name for i in original.interfaces if isinstance(i, WanInterface)]
        track_of = {name: Track(number, renamed[name]) for name, number in _track_numbers(uplinks).items()}

        ports: list[Port] = []
        loopback_port: Port | None = None
        management_port: Port | None = None
        for interface in device.interfaces:
            if isinstance(interface, LoopbackInterface):
                ospf = OspfPort(loopback_area, None, False, True, False) if router else None
                loopback_port = Port(interface.name, "loopback", interface.description, interface.address, None,
                                     None, ospf, None, False)
            elif isinstance(interface, ManagementInterface):
                management_port = Port(interface.name, "management", interface.description, interface.address,
                                       None, None, None, None, False)
            elif isinstance(interface, WanInterface):
                link = self.link_by_id[interface.link]
                ospf = OspfPort(link.ospf_area, link.ospf_cost, True, False, True) if router else None
                ports.append(Port(interface.name, "wan", interface.description, interface.address, None, None,
                                  ospf, None, False))
            elif isinstance(interface, LanInterface):
                lan = lans[interface.lan]
                address, cost = _lan_address_and_cost(device.platform, lan, device.name, interface.address)
                ospf = OspfPort(home_area, cost, False, True, False) if router else None
                parent = interface.name.rsplit(".", 1)[0] if "." in interface.name else None
                ports.append(Port(interface.name, "lan", interface.description, address, interface.vlan,
                                  parent, ospf, self.lan_acl(site, lan), lan.dhcp_relay,
                                  self.vrrp(lan, device.name, track_of)))
        assert management_port is not None  # every device has one (citynet_models.devices)
        tracked = {vrrp_track.track for port in ports if port.vrrp is not None for vrrp_track in port.vrrp.track}

        ospf_areas = sorted({port.ospf.area for port in ports if port.ospf}
                            | ({loopback_area} if loopback_port and router else set()))
        process: Ospf | None = None
        bgp = None
        if router and device.loopback is not None:
            stub_areas = tuple(a for a in ospf_areas if a != 0) if self.settings.access_areas == "totally_stubby" \
                else ()
            process = Ospf(router_id=device.loopback, areas=tuple(ospf_areas),
                           abr=0 in ospf_areas and len(ospf_areas) > 1,
                           authentication=self.settings.ospf_authentication, key_id=self.settings.ospf_key_id,
                           fast_timers=self.settings.ospf_timers == "fast",
                           throttled=self.settings.ospf_timers == "throttled", stub_areas=stub_areas)
            # Inside a totally stubby area (not on its border) a router's way out is the default route.
            inside_stub = bool(stub_areas) and 0 not in ospf_areas
            bgp = self.bgp(device, tuple(sorted(lan.prefix for lan in lans.values())), inside_stub)

        district = network.groups.get(site.area) if site.area else None
        management = self.management
        return DeviceContext(
            hostname=device.name,
            platform=device.platform,
            role=device.role,
            site=site,
            district_name=district.name if district else None,
            city_name=network.city.name,
            loopback_port=loopback_port,
            management_port=management_port,
            ports=tuple(ports),
            ospf=process,
            bgp=bgp,
            dhcp_servers=self.service_hosts("dhcp") if any(p.dhcp_relay for p in ports) else (),
            management=Management(
                sources=self.management_sources(site),
                ntp_servers=management.ntp_servers,
                syslog_servers=management.syslog_servers,
                snmp_managers=management.snmp_managers,
                aaa_servers=management.aaa_servers,
                aaa_service=management.aaa_service,
                local_admin_user=management.local_admin_user,
                snmp_user=management.snmp_user,
                domain_name=management.domain_name,
                banner=management.banner,
            ),
            vlans=tuple(sorted((lan.vlan, lan.name) for lan in site.lans)),
            tracks=tuple(sorted(tracked, key=lambda track: track.number)),
            ha=self.ha_role(original, renamed),
        )

    def vrrp(self, lan: Lan, device: str, track_of: dict[str, Track]) -> Vrrp | None:
        """The VRRP group of `device` on a LAN (None: the LAN has one gateway)."""
        redundancy = lan.redundancy
        if redundancy is None:
            return None
        member = next(m for m in redundancy.members if m.device == device)
        return Vrrp(
            group=redundancy.group,
            virtual=IPv4Interface(f"{redundancy.virtual_address}/{lan.prefix.prefixlen}"),
            priority=member.priority,
            master=member.device == redundancy.master.device,
            preempt=redundancy.preempt,
            preempt_delay_s=redundancy.preempt_delay_s,
            advertisement_interval_ms=redundancy.advertisement_interval_ms,
            track=tuple(VrrpTrack(track_of[uplink.interface], uplink.decrement) for uplink in member.track),
            sync_group=redundancy.sync_group,
            peers=tuple(m.address for m in redundancy.members if m.device != device),
            instance=f"VLAN-{lan.vlan}",
        )

    def ha_role(self, device: Device, renamed: dict[str, str]) -> HaRole | None:
        """The device's place in its HA pair (`device` as the model has it; `renamed`: its interface names as
        rendered)."""
        pair = self.network.ha_pair_of.get(device.name)
        if pair is None:
            return None
        active, standby = pair.members
        sync_port = next((renamed[i.name] for i in device.interfaces
                          if isinstance(i, WanInterface) and i.link == pair.sync_link), None)
        return HaRole(pair=pair.name, role="active" if device.name == active else "standby",
                      peer=standby if device.name == active else active, sync_port=sync_port,
                      heartbeat_interval_ms=pair.heartbeat_interval_ms, dead_interval_ms=pair.dead_interval_ms,
                      preempt=pair.preempt)

    def bgp(self, device: Device, networks: tuple[IPv4Network, ...], inside_stub: bool = False) -> Bgp | None:
        """iBGP of a router: reflector on the cores, client of every core elsewhere; `inside_stub`: the router is
        inside a totally stubby area (it takes only the default from the reflectors and reaches them by it)."""
        assert device.loopback is not None
        if not self.cores:
            return None
        asn = self.network.city.asn
        if device.role is DeviceRole.CORE:
            peers = tuple(BgpNeighbor(core.loopback, core.name, "RR-PEERS") for core in self.cores
                          if core.name != device.name and core.loopback is not None)
            # The loopback pool, not the routers: it does not move when sites come in (allocations never move).
            groups = [BgpGroup("RR-CLIENTS", "route-reflector clients: routers of the loopback pool", True, True,
                               self.network.addressing.loopbacks)]
            if peers:
                groups.insert(0, BgpGroup("RR-PEERS", "the other route reflectors", False, False))
            return Bgp(asn, device.loopback, True, tuple(groups), peers, networks,
                       listen_limit=self.settings.bgp_listen_limit, clients=self.clients)
        neighbors = tuple(BgpNeighbor(core.loopback, core.name, "RR") for core in self.cores
                          if core.loopback is not None)
        group = BgpGroup("RR", "the route reflectors (core routers)", False, False, default_only=inside_stub)
        return Bgp(asn, device.loopback, False, (group,), neighbors, networks, next_hops_via_default=inside_stub)


#: The OSPF cost of a backup member's LAN (IOS-XE, VRP), plus its rank after the first backup: far above any
#: path through the master (the master keeps the platform's default cost), below OSPF's 65535.
BACKUP_LAN_COST = 60000


def _lan_address_and_cost(platform: Platform, lan: Lan, device: str,
                          address: IPv4Interface) -> tuple[IPv4Interface, int | None]:
    """The address a LAN port carries and its OSPF cost (None: the platform's default).

    Only the VRRP master may attract the traffic to a shared LAN: the routers' stateful filters must see both
    halves of every flow, and the LAN's hosts answer through the virtual gateway only. FRR (keepalived) holds
    a member's own address as a /32 and the virtual address with the LAN's prefix, so the connected prefix,
    hence the OSPF route to the LAN, is on whichever member is master, after a failover and after a restore
    without preemption too. IOS-XE and VRP need the LAN's prefix on the interface for VRRP: there each backup's
    LAN costs `BACKUP_LAN_COST` (+ its rank), by the model's member order, which matches the master only while
    the model's master holds the group (the pair's or the LAN's `preempt` keeps it so).
    """
    redundancy = lan.redundancy
    if redundancy is None:
        return address, None
    if platform is Platform.FRR:
        return IPv4Interface(f"{address.ip}/32"), None
    rank = next(i for i, member in enumerate(redundancy.members) if member.device == device)
    return address, (BACKUP_LAN_COST + rank - 1 if rank else None)
