"""From the validated model to a lab plan: namespaces, veth pairs, addresses, host namespaces, listeners.

Pure: no root, no I/O. The plan is what `netops lab up` builds and what `down`, `status` and the faults
act on; it is kept next to the lab's state (as JSON) so later commands never re-read a changed intent.

Names (Linux limits interface names to 15 characters; namespace names are files under /run/netns):

- router ``<device>``: network namespace ``nl-<device>``, also its FRR pathspace (``-N``), so FRR's
  sockets are ``/var/run/frr/nl-<device>/<daemon>.vty``: at most NETNS_NAME_MAX characters;
- inside a router the interfaces carry the model's names as FRR spells them: ``eth1``... for WAN links
  (devices of other platforms run FRR in the lab, renamed as ``netops render --as-platform frr`` does),
  ``eth0.<vlan>`` for LAN gateways, ``mgmt0`` for management, ``lo``;
- the PC of a LAN: namespace ``nlh-<device>-v<vlan>``, interface ``eth0``, paired with the router's
  ``eth0.<vlan>``. The lab kernel has no 802.1Q module, so ``eth0.<vlan>`` is a plain veth, not a VLAN
  subinterface; FRR and nftables only see its name, which is the model's;
- a data-center host: namespace ``nls-<host>``. A LAN with several data-center hosts is a bridge named
  ``eth0.<vlan>`` in the router, with one port ``p<vlan>-<n>`` per host;
- a LAN with several gateway routers (first-hop redundancy, `Lan.gateway_devices`) is one L2 segment: a bridge
  ``lan`` in a namespace of its own, ``nlb-<site>-v<vlan>``, with one port ``m<n>`` per member router (paired
  with the member's ``eth0.<vlan>``, which carries the member's own address; keepalived adds the virtual one on
  the master) and one port ``h<n>`` per host (the PC or the data-center hosts), whose gateway is the virtual
  address. A LAN of one router stays a veth (or the router's bridge) as above;
- management: the bridge ``nl-mgmt`` in the root namespace on the model's management network, one port
  ``nlm<10 hex digits of sha1(device)>`` per device, paired with the device's ``mgmt0``.
"""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import Literal

from pydantic import Field

from citynet_models.addressing import MANAGEMENT_RESERVED
from citynet_models.base import NetopsModel
from citynet_models.datacenter import DcHost
from citynet_models.devices import Device, LanInterface, WanInterface
from citynet_models.lans import Lan
from citynet_models.network import Network
from citynet_models.problems import Problem
from citynet_models.sites import Site
from citynet_models.types import DeviceRole, Platform, Protocol
from netops.design import FAST_TIMERS_MAX_ROUTERS
from netops.errors import InputError
from netops.render.policy import MONITORING_SERVICE
from netops.render.retarget import retarget
from netops.selectors import match_groups

ROUTER_PREFIX = "nl-"
PC_PREFIX = "nlh-"
SERVER_PREFIX = "nls-"
#: A shared LAN segment (several gateway routers): its bridge's namespace.
SEGMENT_PREFIX = "nlb-"
#: The bridge in a segment's namespace.
SEGMENT_BRIDGE = "lan"
#: The lab's namespace for what its faults unplug (netops.lab.faults), made by the first `fail link`.
FAULTS_NETNS = "nlf-faults"
MANAGEMENT_BRIDGE = "nl-mgmt"
MANAGEMENT_PORT_PREFIX = "nlm"

#: Every namespace name the lab makes starts with one of these (and nothing else the lab makes does).
NETNS_PREFIXES = (ROUTER_PREFIX, PC_PREFIX, SERVER_PREFIX, SEGMENT_PREFIX, FAULTS_NETNS)
#: Linux interface names: IFNAMSIZ - 1.
IFNAME_MAX = 15
#: /var/run/frr/<netns>/<daemon>.vty (and a watchfrr.vty, should frrinit start it) must fit a Unix socket address
#: (108 bytes).
NETNS_NAME_MAX = 80


class WanPort(NetopsModel):
    """A router's end of a WAN link."""

    name: str = Field(description="Interface name in the router's namespace (the model's, as FRR spells it)")
    address: IPv4Interface = Field(description="The /31 address (configured by FRR from frr.conf)")
    link: str = Field(description="Id of the WAN link")
    peer_device: str = Field(description="Device at the far end")
    peer_interface: str = Field(description="Interface at the far end")


class LanPort(NetopsModel):
    """A router's gateway interface on a site LAN."""

    name: str = Field(description="eth0.<vlan>: a veth to the LAN's host, or a bridge when it has several")
    vlan: int = Field(description="VLAN id of the LAN")
    lan: str = Field(description="LAN name within the site")
    role: str = Field(description="LAN role")
    gateway: IPv4Interface = Field(description="Gateway address with the LAN's prefix length")
    bridged: bool = Field(description="Whether the interface is a bridge with one port per host")
    address: IPv4Interface | None = Field(
        default=None, description="The router's own address on a shared LAN (None: the gateway address is its own)")
    segment: str | None = Field(default=None, description="Namespace of the shared LAN's bridge the interface is "
                                                          "a port of (None: the LAN has this router only)")


class RouterPlan(NetopsModel):
    """One device of the lab: a namespace, FRR (routers), an sshd on its management address."""

    device: str
    site: str
    role: DeviceRole
    platform: Platform = Field(description="The model's platform (every router runs FRR in the lab)")
    runs_frr: bool = Field(description="Routers run FRR; switches only have their links and management")
    netns: str
    management: IPv4Interface
    management_port: str = Field(description="Root-namespace end of the mgmt0 veth, a port of the bridge")
    loopback: IPv4Address | None
    wan: tuple[WanPort, ...]
    lans: tuple[LanPort, ...]

    @property
    def vrrp(self) -> bool:
        """Whether the router shares a LAN gateway with another router (it runs keepalived)."""
        return any(lan.segment is not None for lan in self.lans)


class SegmentMember(NetopsModel):
    """A member router's port on a shared LAN segment."""

    device: str
    interface: str = Field(description="The router's end (eth0.<vlan>)")
    port: str = Field(description="The segment's end, a port of its bridge")


class SegmentPlan(NetopsModel):
    """A LAN with several gateway routers: a bridge in a namespace of its own, the members' and hosts' ports."""

    netns: str
    site: str
    lan: str
    vlan: int
    bridge: str = SEGMENT_BRIDGE
    virtual_address: IPv4Interface = Field(description="The LAN's gateway (the VRRP virtual address)")
    members: tuple[SegmentMember, ...] = Field(description="Member routers, the model's master first")


class LinkPlan(NetopsModel):
    """A WAN link: a veth pair between two router namespaces, each end named as the model says."""

    id: str
    upstream: str = Field(description="Upstream device")
    upstream_interface: str
    downstream: str = Field(description="Downstream device")
    downstream_interface: str
    prefix: IPv4Network


class ListenPort(NetopsModel):
    """A port a data-center host's listener answers on."""

    protocol: Literal["tcp", "udp"]
    port: int
    services: tuple[str, ...]


class HostPlan(NetopsModel):
    """A host namespace: the PC of a site LAN, or a data-center host running its services."""

    name: str = Field(description="PC: <device>-v<vlan>; data-center host: its model name")
    kind: Literal["pc", "server"]
    netns: str
    site: str
    lan: str
    lan_role: str
    router: str = Field(description="The LAN's gateway device")
    router_interface: str = Field(description="Router-side end of the host's veth (eth0.<vlan> or a bridge port; "
                                              "on a shared LAN, the port of the segment's bridge)")
    lan_interface: str = Field(description="The router's gateway interface of the LAN (eth0.<vlan>)")
    address: IPv4Interface
    gateway: IPv4Address
    services: tuple[str, ...] = ()
    listens: tuple[ListenPort, ...] = ()
    segment: str | None = Field(default=None, description="Namespace of the shared LAN's bridge the host is "
                                                          "plugged into (None: a veth to its router)")


class ManagementPlan(NetopsModel):
    """The out-of-band management network: a bridge in the root namespace, never routed."""

    network: IPv4Network
    bridge: str
    root_address: IPv4Interface = Field(description="The root namespace's address: one of the reserved first 16")


class MonitoringPlan(NetopsModel):
    """The data center's monitoring host as the city's NMS: Prometheus and its exporters run in its namespace and
    poll the lab in-band, over the WAN; a second leg on the management bridge (one of its reserved addresses) lets
    the operator's browser and `netops verify` in the root namespace reach Prometheus, as a NOC reaches its NMS."""

    host: str = Field(description="The data-center host that serves `monitoring`")
    netns: str
    management: IPv4Interface = Field(description="Its address on the management network (mgmt0)")
    management_port: str = Field(description="Root-namespace end of its mgmt0 veth, a port of the bridge")


class LabPlan(NetopsModel):
    """Everything `netops lab up` builds."""

    city: str
    districts: tuple[str, ...] = Field(description="Codes of the districts or areas selected (Network.groups); "
                                                   "empty: the whole city")
    routers: tuple[RouterPlan, ...]
    links: tuple[LinkPlan, ...]
    hosts: tuple[HostPlan, ...]
    segments: tuple[SegmentPlan, ...] = Field(default=(), description="LANs with several gateway routers")
    management: ManagementPlan
    monitoring: MonitoringPlan | None = Field(default=None, description="The NMS, when the lab has a data-center "
                                                                        "host serving `monitoring`")
    left_out: tuple[str, ...] = Field(description="Devices of the city that are not in the lab")
    emulated: tuple[str, ...] = Field(description="Devices of another platform, run as FRR in the lab")

    @cached_property
    def router_by_device(self) -> dict[str, RouterPlan]:
        """Routers (and switches) by device name."""
        return {router.device: router for router in self.routers}

    @cached_property
    def host_by_name(self) -> dict[str, HostPlan]:
        """Host namespaces by name."""
        return {host.name: host for host in self.hosts}

    def namespaces(self) -> list[str]:
        """Every namespace of the lab: routers first, then hosts, then shared LAN segments."""
        return [r.netns for r in self.routers] + [h.netns for h in self.hosts] + [s.netns for s in self.segments]

    def frr_routers(self) -> list[RouterPlan]:
        """The devices that run FRR."""
        return [r for r in self.routers if r.runs_frr]

    def large(self) -> bool:
        """Whether the lab runs more FRR routers than FAST_TIMERS_MAX_ROUTERS: its OSPF timers are throttled, its
        snmpd reload their interface tables less often and its NMS polls less often (two cores run it all)."""
        return len(self.frr_routers()) > FAST_TIMERS_MAX_ROUTERS

    def links_between(self, a: str, b: str) -> list[LinkPlan]:
        """The WAN links joining two devices (either way round)."""
        return [link for link in self.links if {link.upstream, link.downstream} == {a, b}]

    def links_of(self, device: str) -> list[LinkPlan]:
        """The WAN links of a device."""
        return [link for link in self.links if device in (link.upstream, link.downstream)]

    def digest(self) -> str:
        """A fingerprint of the plan: `up` on a lab of another plan is refused, not merged."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:16]

    def to_json(self) -> str:
        """The plan as JSON (kept next to the lab state)."""
        return json.dumps(self.model_dump(mode="json"), indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "LabPlan":
        """A plan written by `to_json`."""
        return cls.model_validate_json(text)


def management_port_name(device: str) -> str:
    """The root-namespace end of a device's mgmt0 veth: short, stable, and clearly the lab's."""
    return MANAGEMENT_PORT_PREFIX + hashlib.sha1(device.encode()).hexdigest()[:10]


#: Ports a management bridge takes: Linux bridges hold at most 1,024 (BR_MAX_PORTS; the next one is refused with
#: "Exchange full"), and the whole city has 1,600 devices. Past this many, the management network is a tree: more
#: bridges in the root namespace, each joined to the first one by a veth pair.
MANAGEMENT_BRIDGE_PORTS = 1000


@dataclass(frozen=True)
class ManagementBranch:
    """A management bridge holding a share of the ports; the first one holds the root's address and every branch's
    uplink."""

    bridge: str
    ports: tuple[str, ...]
    uplink: tuple[str, str] | None  # (the end on the first bridge, the end on this one); None for the first


def management_branches(plan: "LabPlan") -> list[ManagementBranch]:
    """The management bridges of the plan and the ports each one takes, in the plan's order."""
    ports = [r.management_port for r in plan.routers]
    if plan.monitoring is not None:
        ports.append(plan.monitoring.management_port)
    groups = [ports[i:i + MANAGEMENT_BRIDGE_PORTS] for i in range(0, len(ports), MANAGEMENT_BRIDGE_PORTS)] or [[]]
    bridge = plan.management.bridge
    return [ManagementBranch(bridge if n == 0 else f"{bridge}-b{n}", tuple(group),
                             None if n == 0 else (f"{bridge}-u{n}", f"{bridge}-d{n}"))
            for n, group in enumerate(groups)]


def management_links(plan: "LabPlan") -> set[str]:
    """Every root-namespace link of the management network: bridges, uplinks (both ends) and ports."""
    names: set[str] = set()
    for branch in management_branches(plan):
        names |= {branch.bridge, *branch.ports, *(branch.uplink or ())}
    return names


def segment_name(site: str, vlan: int) -> str:
    """The namespace of a shared LAN's bridge."""
    return f"{SEGMENT_PREFIX}{site}-v{vlan}"


def select_districts(network: Network, districts: Sequence[str], areas: Sequence[str] = ()) -> tuple[str, ...]:
    """The codes of the groups of sites (districts, areas) the selectors name (code, slug, slug without its kind,
    or name); InputError for a selector naming none."""
    # One way to match an area or a district in every command (netops.selectors).
    return tuple(sorted(match_groups(network, areas, districts) or ()))


def _in_lab(site: Site, districts: tuple[str, ...]) -> bool:
    # The data center is always in: every other site's traffic goes there.
    return not districts or site.kind == "data_center" or site.area in districts


def _pc_address(lan: Lan, taken: set[IPv4Address]) -> IPv4Interface:
    """The PC's address: the highest host address of the LAN that is not the gateway or a server's."""
    candidate = lan.prefix.broadcast_address - 1
    while candidate in taken or candidate == lan.gateway:
        candidate -= 1
    return IPv4Interface(f"{candidate}/{lan.prefix.prefixlen}")


def _listens(host: DcHost, network: Network) -> tuple[ListenPort, ...]:
    ports: dict[tuple[str, int], list[str]] = {}
    for name in host.services:
        service = network.service_by_name.get(name)
        if service is None:
            continue
        for port in service.ports:
            if port.protocol is Protocol.ICMP or port.port is None:
                continue  # the kernel answers pings
            ports.setdefault((port.protocol.value, port.port), []).append(name)
    return tuple(ListenPort(protocol="tcp" if proto == "tcp" else "udp", port=number, services=tuple(services))
                 for (proto, number), services in sorted(ports.items()))


def plan_lab(network: Network, districts: Sequence[str] = (), areas: Sequence[str] = ()) -> LabPlan:
    """The lab of the whole city, or of the data center plus the selected districts and areas; InputError when
    the model cannot be emulated (an interface name Linux refuses, a namespace name too long, ...)."""
    codes = select_districts(network, districts, areas)
    problems: list[Problem] = []
    sites = {site.slug: site for site in network.sites if _in_lab(site, codes)}
    devices = [d for d in network.devices if d.site in sites]
    selected = {d.name for d in devices}
    # The lab runs FRR everywhere: other platforms' interfaces are renamed as FRR spells them.
    frr_devices: dict[str, Device] = {d.name: retarget(d, Platform.FRR) for d in devices}
    renamed = {(d.name, old.name): new.name for d in devices
               for old, new in zip(d.interfaces, frr_devices[d.name].interfaces, strict=True)}

    def ifname(device: str, name: str, where: tuple[str, ...]) -> str:
        linux = renamed.get((device, name), name)
        if len(linux) > IFNAME_MAX or "/" in linux or any(c.isspace() for c in linux) or linux in (".", ".."):
            problems.append(Problem(path=where, message="interface name Linux cannot carry",
                                    expected=f"at most {IFNAME_MAX} characters, no '/' or spaces",
                                    found=repr(linux),
                                    hint="give the uplink a shorter `interface:`/`remote_interface:` in the intent"))
        return linux

    hosts_by_lan: dict[tuple[str, str], list[DcHost]] = {}
    for host in network.hosts:
        if host.site in sites:
            hosts_by_lan.setdefault((host.site, host.lan), []).append(host)

    routers: list[RouterPlan] = []
    hosts: list[HostPlan] = []
    segments: list[SegmentPlan] = []
    member_ports: dict[str, list[SegmentMember]] = {}
    ports: dict[str, str] = {}
    for device in devices:
        frr = frr_devices[device.name]
        netns = ROUTER_PREFIX + device.name
        wan = [WanPort(name=ifname(device.name, i.name, ("devices", f"[{device.name}]", "interfaces", i.name)),
                       address=i.address, link=i.link, peer_device=i.peer_device,
                       peer_interface=renamed.get((i.peer_device, i.peer_interface), i.peer_interface))
               for i in device.interfaces if isinstance(i, WanInterface) and i.peer_device in selected]
        site = sites[device.site]
        lans: list[LanPort] = []
        for interface in frr.interfaces:
            if not isinstance(interface, LanInterface):
                continue
            lan = next(x for x in site.lans if x.name == interface.lan)
            servers = hosts_by_lan.get((site.slug, lan.name), [])
            name = ifname(device.name, interface.name, ("sites", f"[{site.slug}]", "lans", f"[{lan.name}]"))
            gateway = IPv4Interface(f"{lan.gateway}/{lan.prefix.prefixlen}")
            shared = [m for m in lan.gateway_devices if m in selected]
            if len(shared) > 1:
                segment = segment_name(site.slug, lan.vlan)
                lans.append(LanPort(name=name, vlan=lan.vlan, lan=lan.name, role=lan.role.value, gateway=gateway,
                                    bridged=False, address=interface.address, segment=segment))
                member_ports.setdefault(segment, []).append(
                    SegmentMember(device=device.name, interface=name, port=f"m{shared.index(device.name) + 1}"))
                if device.name != lan.gateway_device:
                    continue  # the hosts are planned once, with the LAN's master
                segments.append(SegmentPlan(netns=segment, site=site.slug, lan=lan.name, vlan=lan.vlan,
                                            virtual_address=gateway, members=()))
            else:
                segment = None
                lans.append(LanPort(name=name, vlan=lan.vlan, lan=lan.name, role=lan.role.value, gateway=gateway,
                                    bridged=len(servers) > 1))
            bridged = segment is None and len(servers) > 1
            if servers:
                for index, server in enumerate(servers, start=1):
                    port = f"h{index}" if segment else f"p{lan.vlan}-{index}" if bridged else name
                    hosts.append(HostPlan(
                        name=server.name, kind="server", netns=SERVER_PREFIX + server.name, site=site.slug,
                        lan=lan.name, lan_role=lan.role.value, router=device.name,
                        router_interface=port, lan_interface=name,
                        address=IPv4Interface(f"{server.address}/{lan.prefix.prefixlen}"), gateway=lan.gateway,
                        services=server.services, listens=_listens(server, network), segment=segment))
            else:
                taken = {h.address for h in network.hosts if h.address in lan.prefix}
                if lan.redundancy is not None:
                    taken |= {member.address for member in lan.redundancy.members}
                hosts.append(HostPlan(
                    name=f"{device.name}-v{lan.vlan}", kind="pc", netns=f"{PC_PREFIX}{device.name}-v{lan.vlan}",
                    site=site.slug, lan=lan.name, lan_role=lan.role.value, router=device.name,
                    router_interface="h1" if segment else name, lan_interface=name, address=_pc_address(lan, taken),
                    gateway=lan.gateway, segment=segment))
        port = management_port_name(device.name)
        if port in ports:
            problems.append(Problem(path=("devices", f"[{device.name}]"),
                                    message="management port name collides with another device's",
                                    found=f"{port} (also {ports[port]})",
                                    hint="rename one of the two devices"))
        ports[port] = device.name
        routers.append(RouterPlan(
            device=device.name, site=device.site, role=device.role, platform=device.platform,
            runs_frr=device.is_router, netns=netns, management=device.management, management_port=port,
            loopback=device.loopback, wan=tuple(wan), lans=tuple(lans)))

    # Members in the model's order (master first), whatever order the devices came in.
    segments = [segment.model_copy(update={"members": tuple(sorted(
        member_ports[segment.netns], key=lambda m: int(m.port[1:])))}) for segment in segments]
    links = [LinkPlan(id=link.id, upstream=link.upstream.device,
                      upstream_interface=renamed.get((link.upstream.device, link.upstream.interface),
                                                     link.upstream.interface),
                      downstream=link.downstream.device,
                      downstream_interface=renamed.get((link.downstream.device, link.downstream.interface),
                                                       link.downstream.interface),
                      prefix=link.prefix)
             for link in network.links if link.upstream.device in selected and link.downstream.device in selected]

    for name in [r.netns for r in routers] + [h.netns for h in hosts] + [s.netns for s in segments]:
        if len(name) > NETNS_NAME_MAX:
            problems.append(Problem(path=("devices",), message="namespace name too long",
                                    expected=f"at most {NETNS_NAME_MAX} characters (FRR's socket paths)",
                                    found=f"{name} ({len(name)} characters)", hint="give the device a shorter name"))

    management = network.addressing.management
    used = {d.management.ip for d in network.devices}
    free = [a for a in list(management.hosts())[: MANAGEMENT_RESERVED - 1] if a not in used]
    if not free:
        problems.append(Problem(path=("addressing", "management"),
                                message="no free address among the reserved first 16 of the management network",
                                found=str(management), hint="keep the first 16 management addresses for hosts"))
    nms = next((host for host in sorted(hosts, key=lambda h: h.name)
                if host.kind == "server" and MONITORING_SERVICE in host.services), None)
    if nms is not None and len(free) < 2:
        problems.append(Problem(path=("addressing", "management"),
                                message="no second free address among the reserved first 16 of the management "
                                        "network for the monitoring host's management leg",
                                found=str(management), hint="keep the first 16 management addresses for hosts"))
    if problems:
        raise InputError(problems)
    monitoring = None if nms is None else MonitoringPlan(
        host=nms.name, netns=nms.netns, management=IPv4Interface(f"{free[1]}/{management.prefixlen}"),
        management_port=management_port_name(nms.name))
    return LabPlan(
        city=network.city.name, districts=codes, routers=tuple(routers), links=tuple(links), hosts=tuple(hosts),
        segments=tuple(segments), management=ManagementPlan(network=management, bridge=MANAGEMENT_BRIDGE,
                                  root_address=IPv4Interface(f"{free[0]}/{management.prefixlen}")),
        monitoring=monitoring,
        left_out=tuple(d.name for d in network.devices if d.name not in selected),
        emulated=tuple(d.name for d in devices if d.platform is not Platform.FRR))


def in_network(plan: LabPlan, network: Network) -> LabPlan:
    """The lab plan without the routers, links and hosts of devices `network` has not (the same plan when it has
    them all)."""
    devices = network.device_by_name
    routers = tuple(r for r in plan.routers if r.device in devices)
    if len(routers) == len(plan.routers):
        return plan
    fields = {name: getattr(plan, name) for name in LabPlan.model_fields}
    hosts = tuple(host for host in plan.hosts if host.router in devices)
    kept = plan.monitoring is not None and plan.monitoring.host in {host.name for host in hosts}
    fields.update(routers=routers,
                  links=tuple(link for link in plan.links if link.upstream in devices and link.downstream in devices),
                  hosts=hosts, monitoring=plan.monitoring if kept else None,
                  segments=tuple(s for s in plan.segments if all(m.device in devices for m in s.members)))
    return LabPlan.model_construct(**fields)
