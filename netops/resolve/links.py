"""Links: one per uplink of a device (addressed, given an id), their ports on both ends, then the link models."""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from ipaddress import IPv4Interface, IPv4Network

from citynet_models.addressing import UPLINKS_PER_DEVICE, AddressPlan
from citynet_models.devices import Interface, WanInterface
from citynet_models.intent import UplinkIntent
from citynet_models.links import Circuit, LinkEndpoint, WanLink
from citynet_models.problems import Location, ModelPath, item
from citynet_models.types import DeviceRole, LinkRole
from netops.intent.yamlsource import DataPath
from netops.resolve import allocate, naming
from netops.resolve.collect import Findings, Phase, description
from netops.resolve.devices import DevicePlan
from netops.resolve.sites import SitePlan

#: Reference bandwidth for OSPF costs, in Mbit/s (100 Gbit/s), and the bandwidth assumed in-building.
_REFERENCE_MBPS = 100_000
_IN_BUILDING_MBPS = 10_000


@dataclass(frozen=True)
class LinkPlan:
    """An uplink with its addresses and id; its port names are empty until `name_ports` settles them."""

    uplink: UplinkIntent
    downstream: DevicePlan
    upstream: DevicePlan
    uplink_number: int
    prefix: IPv4Network
    downstream_address: IPv4Interface
    upstream_address: IPv4Interface
    data_path: DataPath
    id: str = ""
    downstream_interface: str = ""
    upstream_interface: str = ""


@dataclass(frozen=True)
class WanLinks:
    """The link models, and the WAN interface each makes on its two devices (by device name, in link order)."""

    links: tuple[WanLink, ...]
    interfaces: Mapping[str, tuple[Interface, ...]]


def plan_links(plan: AddressPlan, devices: Mapping[str, DevicePlan]) -> Phase[tuple[LinkPlan, ...]]:
    """One link per accepted uplink, addressed (given, or allocated from the downstream device's key), with its
    id: ``upstream--downstream``, and an index only where two links join the same pair."""
    found = Findings()
    links: list[LinkPlan] = []
    for device in devices.values():
        for index, uplink in enumerate(device.intent.uplinks):
            data_path = (*device.data_path, "uplinks", index)
            location = device.site.document.location(data_path)
            path: ModelPath = ("devices", item(device.name), "uplinks", item(index))
            upstream = devices.get(uplink.to)
            if upstream is None:
                close = [name for name in devices if name.startswith(uplink.to[:6])][:3]
                found.problem((*path, "to"), location, "uplink to an unknown device",
                              "the name of a device of the city", repr(uplink.to),
                              f"known devices like it: {', '.join(close)}" if close
                              else "see `netops show devices` for the names")
                continue
            if upstream is device:
                found.problem((*path, "to"), location, "uplink to the device itself",
                              "another device", repr(uplink.to))
                continue
            here, there = device.site.district, upstream.site.district
            if here is not None and there is not None and here != there and not uplink.cross_district:
                found.problem((*path, "to"), location, "uplink to another district's router",
                              f"an upstream router of district {here} (or of the data center)",
                              f"{uplink.to!r} of site {upstream.site.slug} in district {there}",
                              "if the site is homed across the district border on purpose, say so with "
                              "`cross_district: true` on the uplink")
                continue
            if index >= UPLINKS_PER_DEVICE:
                found.problem(path, location, "too many uplinks", f"at most {UPLINKS_PER_DEVICE} per device",
                              f"{len(device.intent.uplinks)}")
                continue
            try:
                prefix, down, up = _link_addresses(plan, device, index, uplink)
            except allocate.AllocationError as error:
                found.problem(path, location, error.message, error.expected, error.found, error.hint)
                continue
            links.append(LinkPlan(uplink=uplink, downstream=device, upstream=upstream, uplink_number=index,
                                  prefix=prefix, downstream_address=down, upstream_address=up,
                                  data_path=data_path))
    pairs: dict[tuple[str, str], list[int]] = defaultdict(list)
    for position, link in enumerate(links):
        pairs[(link.upstream.name, link.downstream.name)].append(position)
    for (upstream_name, downstream_name), parallel in pairs.items():
        for number, position in enumerate(parallel):
            suffix = f"-{number + 1}" if len(parallel) > 1 else ""
            link = links[position] = replace(links[position], id=f"{upstream_name}--{downstream_name}{suffix}")
            found.source(("links", item(link.id)), link.downstream.site.document, link.data_path)
    return found.done(tuple(links))


def _link_addresses(plan: AddressPlan, device: DevicePlan, index: int,
                    uplink: UplinkIntent) -> tuple[IPv4Network, IPv4Interface, IPv4Interface]:
    if uplink.address is not None:
        prefix = uplink.address.network
        down = uplink.address
    else:
        prefix = allocate.link_prefix(plan, device.site.key, device.number, index)
        down = allocate.interface(prefix.network_address + 1, 31)
    up_ip = prefix.network_address if down.ip != prefix.network_address else prefix.network_address + 1
    return prefix, down, allocate.interface(up_ip, 31)


def name_ports(devices: Mapping[str, DevicePlan], planned: Sequence[LinkPlan],
               sources: Mapping[ModelPath, Location],
               recorded: allocate.PortBook = allocate.NO_PORTS) -> Phase[tuple[LinkPlan, ...]]:
    """The links with the port of each end named. Uplinks take the first WAN ports in the order written;
    downlinks follow in order of the downstream site's addressing key, so the numbering does not depend on file
    order. A port given to two links is reported at the later link (``sources``: where each link comes from).

    ``recorded``: the upstream ports of the allocation record; a downlink keeps its recorded port, every port the
    record holds is taken, and the others take the lowest free ports."""
    found = Findings()
    links = list(planned)
    ports: dict[str, list[tuple[tuple[int, ...], int, bool]]] = defaultdict(list)
    for position, link in enumerate(links):
        ports[link.downstream.name].append(((0, link.uplink_number), position, True))
        ports[link.upstream.name].append(
            ((1, link.downstream.site.key.slot, link.downstream.number, link.uplink_number), position, False)
        )
    named: dict[tuple[int, bool], str] = {}
    for device_name, entries in ports.items():
        device = devices[device_name]
        taken = {explicit for _, position, down in entries
                 if (explicit := _given_port(links[position], down, recorded))} | recorded.held_on(device_name)
        claimed: dict[str, LinkPlan] = {}
        for _, position, down in entries:
            link = links[position]
            explicit = _given_port(link, down, recorded)
            if explicit is None:
                continue
            other = claimed.setdefault(explicit, link)
            if other is not link:
                earlier, later = sorted((link, other), key=lambda plan: sources[("links", item(plan.id))])
                key = "interface" if later.downstream is device else "remote_interface"
                found.problem(("links", item(later.id), key), sources[("links", item(later.id))],
                              "two links on one port", f"a port of {device_name} no other link uses",
                              f"{explicit!r} again (first at {sources[('links', item(earlier.id))]}: "
                              f"links[{earlier.id}])",
                              f"give the uplink another `{key}:`, or leave it out to have a free port chosen")
        number = 0
        for _, position, down in sorted(entries, key=lambda entry: entry[0]):
            explicit = _given_port(links[position], down, recorded)
            if explicit is None:
                number += 1
                while naming.wan_port(device.platform, number) in taken:
                    number += 1
                explicit = naming.wan_port(device.platform, number)
            named[(position, down)] = explicit
    return found.done(tuple(
        replace(link, downstream_interface=named.get((position, True), ""),
                upstream_interface=named.get((position, False), ""))
        for position, link in enumerate(links)
    ))


def _given_port(link: LinkPlan, downstream_end: bool, recorded: allocate.PortBook) -> str | None:
    if downstream_end:
        return link.uplink.interface
    uplink = (link.downstream.site.slug, link.downstream.number, link.uplink_number)
    return link.uplink.remote_interface or recorded.port_of(uplink, link.upstream.name)


def build_links(planned: Sequence[LinkPlan], sources: Mapping[ModelPath, Location],
                areas: Mapping[str, str]) -> Phase[WanLinks]:
    """The link models (role, OSPF area and cost, circuit) and the WAN interfaces at both ends; an access link is
    in the OSPF area of the aggregation area its downstream site attaches through (``areas``, by site slug)."""
    found = Findings()
    links: list[WanLink] = []
    interfaces: dict[str, list[Interface]] = defaultdict(list)
    for plan in planned:
        path: ModelPath = ("links", item(plan.id))
        location = sources[path]
        role = _link_role(plan.upstream.intent.role, plan.downstream.intent.role)
        uplink = plan.uplink
        bandwidth = uplink.bandwidth_mbps or _IN_BUILDING_MBPS
        circuit = None
        if uplink.provider is not None and uplink.circuit_id is not None and uplink.bandwidth_mbps is not None:
            circuit = Circuit(provider=uplink.provider, circuit_id=uplink.circuit_id,
                              bandwidth_mbps=uplink.bandwidth_mbps, media=uplink.media)
        attached = areas.get(plan.downstream.site.slug)
        area = 0 if role in (LinkRole.CORE, LinkRole.BACKBONE) or attached is None else int(attached)
        link = found.build(
            WanLink, path, location, id=plan.id, role=role,
            upstream=LinkEndpoint(device=plan.upstream.name, interface=plan.upstream_interface),
            downstream=LinkEndpoint(device=plan.downstream.name, interface=plan.downstream_interface),
            prefix=plan.prefix, ospf_area=area,
            ospf_cost=uplink.ospf_cost or max(1, _REFERENCE_MBPS // bandwidth), circuit=circuit,
        )
        if link is None:
            continue
        links.append(link)
        far = f"{circuit.provider} {circuit.circuit_id} {circuit.bandwidth_mbps}M" if circuit else "in-building"
        interfaces[plan.downstream.name].append(WanInterface(
            kind="wan", name=plan.downstream_interface, address=plan.downstream_address, link=plan.id,
            peer_device=plan.upstream.name, peer_interface=plan.upstream_interface,
            description=description(f"UPLINK to {plan.upstream.name} {plan.upstream_interface} [{far}]")))
        interfaces[plan.upstream.name].append(WanInterface(
            kind="wan", name=plan.upstream_interface, address=plan.upstream_address, link=plan.id,
            peer_device=plan.downstream.name, peer_interface=plan.downstream_interface,
            description=description(f"DOWNLINK to {plan.downstream.name} {plan.downstream_interface} [{far}]")))
    return found.done(WanLinks(links=tuple(links),
                               interfaces={name: tuple(made) for name, made in interfaces.items()}))


def attachment_areas(sites: Sequence[SitePlan], links: Sequence[LinkPlan]) -> dict[str, str]:
    """By site slug, the aggregation area the site attaches through: the one its file places it in (a district,
    an area's hub), else that of the first upstream router, in uplink order, whose site has one. Sites homed to
    the data center only have none."""
    areas = {site.slug: site.area for site in sites if site.area is not None}
    for link in links:
        slug = link.downstream.site.slug
        upstream_area = link.upstream.site.area
        if slug not in areas and upstream_area is not None:
            areas[slug] = upstream_area
    return areas


def upstream_devices(links: Sequence[LinkPlan]) -> dict[str, frozenset[str]]:
    """By site slug, the devices of other sites its devices uplink to (how a site is homed)."""
    upstreams: dict[str, set[str]] = defaultdict(set)
    for link in links:
        if link.upstream.site is not link.downstream.site:
            upstreams[link.downstream.site.slug].add(link.upstream.name)
    return {slug: frozenset(names) for slug, names in upstreams.items()}


def _link_role(upstream: DeviceRole, downstream: DeviceRole) -> LinkRole:
    core_side = (DeviceRole.CORE, DeviceRole.FIREWALL)
    if upstream in core_side and downstream in core_side:
        return LinkRole.CORE
    if DeviceRole.AGGREGATION in (upstream, downstream) and (upstream in core_side or downstream in core_side):
        return LinkRole.BACKBONE
    if upstream is DeviceRole.AGGREGATION and downstream is DeviceRole.AGGREGATION:
        return LinkRole.DISTRICT
    return LinkRole.ACCESS
