"""What Prometheus watches, from the running Network and its design: targets and the facts the rules join on.

Every address comes from the model's allocations: a device is polled over SNMP at its loopback (the monitoring
host reaches routers in-band, over the WAN; a device without a loopback, a switch, at its management address),
ICMP probes go to every router loopback and every LAN gateway of every site, TCP probes to every tcp port of every
data-center host's services (`services:` of city.yml). Nothing is invented: a service with udp ports only (NTP,
DHCP) has no TCP probe, a device without a loopback has no loopback probe.

Labels say where a target is, so an alert names the site and its unit without a lookup:

    site, site_name      the site's slug and display name
    kind, status         the site's kind (ward_committee, hub, data_center, ...) and lifecycle status
    unit, unit_name      the administrative unit the site belongs to today (a commune-level unit since 2025,
                         the ward in a legacy intent); absent for sites of no unit (data center, hubs, city sites)
    area                 the aggregation area the site attaches through (absent: homed to the data center)
    redundancy           single_homed or dual_homed (absent for the data center, the hub of the WAN)
    device, role, platform   the device a target belongs to (not on service probes)

Labels with no value are left out (Prometheus drops empty labels anyway).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import IPv4Address

from citynet_models.devices import Device, WanInterface
from citynet_models.network import Network
from citynet_models.sites import Site
from citynet_models.types import Protocol
from netops.design import Design

Labels = dict[str, str]


@dataclass(frozen=True, slots=True)
class Target:
    """One target of a scrape job: the address the exporter probes and the target's labels (``instance`` among
    them: the name a person knows the target by, not its address)."""

    address: str
    labels: Labels


@dataclass(frozen=True, slots=True)
class WanPort:
    """One end of a WAN link as SNMP sees it (device, interface name), with the link and the site it serves."""

    device: str
    interface: str
    labels: Labels


@dataclass(frozen=True, slots=True)
class BgpSession:
    """An iBGP session the design configures on a device (a neighbour it names), with the peer's names."""

    device: str
    peer: IPv4Address
    labels: Labels


@dataclass(frozen=True, slots=True)
class Watch:
    """Everything exported: the targets of each job, and the model's facts for the rules."""

    snmp: tuple[Target, ...]
    icmp: tuple[Target, ...]
    tcp: tuple[Target, ...]
    wan_ports: tuple[WanPort, ...]
    bgp_sessions: tuple[BgpSession, ...]


def site_labels(network: Network, site: Site) -> Labels:
    """Where a site is: slug, name, kind, status, unit, area and redundancy (module docstring)."""
    unit = network.ward_by_code.get(site.ward) if site.ward else None
    labels = {"site": site.slug, "site_name": site.name, "kind": site.kind, "status": site.status.value,
              "unit": unit.code if unit else "", "unit_name": unit.name if unit else "", "area": site.area or "",
              "redundancy": site.redundancy.value if site.redundancy else ""}
    return {name: value for name, value in labels.items() if value}


def device_labels(network: Network, device: Device, sites: dict[str, Labels] | None = None) -> Labels:
    """The labels of a device's targets: its site's (from ``sites`` when given), then device, role and platform."""
    site = sites[device.site] if sites is not None else site_labels(network, network.site_by_slug[device.site])
    return {**site, "device": device.name, "role": device.role.value, "platform": device.platform.value}


def watch(design: Design, sites: Iterable[str] | None = None) -> Watch:
    """The targets and facts of the given sites' devices (every site's when None), and the probes of every
    data-center service, which the monitoring host probes whatever the scope."""
    network = design.network
    chosen = set(network.site_by_slug) if sites is None else set(sites)
    devices = [device for device in network.devices if device.site in chosen]
    # Every site's labels once: a whole city has 15,000 targets and facts over 1,700 sites.
    sites_labels = {site.slug: site_labels(network, site) for site in network.sites}
    labels = {device.name: device_labels(network, device, sites_labels) for device in devices}
    snmp = [Target(str(device.loopback or device.management.ip), {**labels[device.name], "instance": device.name})
            for device in devices]
    icmp = [Target(str(device.loopback), {**labels[device.name], "probe": "loopback", "instance": device.name})
            for device in devices if device.loopback is not None]
    for site in network.sites:
        if site.slug not in chosen:
            continue
        for lan in site.lans:
            gateway = labels[lan.gateway_device]
            icmp.append(Target(str(lan.gateway), {**gateway, "probe": "gateway", "lan": lan.name,
                                                  "instance": f"{site.slug}/{lan.name}"}))
    return Watch(snmp=_sorted(snmp), icmp=_sorted(icmp), tcp=_sorted(_service_probes(network)),
                 wan_ports=tuple(_wan_ports(design, devices, sites_labels)),
                 bgp_sessions=tuple(_bgp_sessions(design, devices, labels)))


def _sorted(targets: list[Target]) -> tuple[Target, ...]:
    return tuple(sorted(targets, key=lambda target: target.labels["instance"]))


def _service_probes(network: Network) -> list[Target]:
    """A TCP probe per tcp port of each service of each data-center host."""
    probes = []
    for host in network.hosts:
        site = site_labels(network, network.site_by_slug[host.site])
        for name in host.services:
            service = network.service_by_name[name]
            for port in service.ports:
                if port.protocol is not Protocol.TCP:
                    continue
                probes.append(Target(f"{host.address}:{port.port}", {
                    **site, "service": service.name, "service_name": service.display_name, "host": host.name,
                    "port": str(port.port), "instance": f"{host.name}:{port.port}"}))
    return probes


def _wan_ports(design: Design, devices: list[Device], sites: dict[str, Labels]) -> list[WanPort]:
    """Each WAN interface of the devices, labelled with its link and the site the link serves (its downstream
    end's: the site that loses reachability or redundancy when the link fails)."""
    network = design.network
    ports = []
    for device in devices:
        for interface in device.interfaces:
            if not isinstance(interface, WanInterface):
                continue
            link = design.link_by_id[interface.link]
            served = network.device_by_name[link.downstream.device].site
            ports.append(WanPort(device.name, interface.name, {
                **sites[served], "link": link.id, "link_role": link.role.value,
                "upstream": f"{link.upstream.device}:{link.upstream.interface}",
                "downstream": f"{link.downstream.device}:{link.downstream.interface}",
                "device": device.name, "interface": interface.name}))
    return sorted(ports, key=lambda port: (port.device, port.interface))


def _bgp_sessions(design: Design, devices: list[Device], labels: dict[str, Labels]) -> list[BgpSession]:
    """The sessions each router names a neighbour for (a client names each core, a core each other core); a
    core's clients are dynamic neighbours, watched from the client that names the core."""
    network = design.network
    sessions = []
    for device in devices:
        if not device.is_router or device.loopback is None:
            continue
        bgp = design.bgp(device, ())
        if bgp is None:
            continue
        for neighbor in bgp.neighbors:
            peer = network.device_by_name[neighbor.name]
            sessions.append(BgpSession(device.name, neighbor.address, {
                **labels[device.name], "peer": str(neighbor.address), "peer_device": peer.name,
                "peer_site": peer.site}))
    return sorted(sessions, key=lambda session: (session.device, session.peer))
