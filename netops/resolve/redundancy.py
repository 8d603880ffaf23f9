"""High availability: HA pairs of a site (with their sync link), each LAN's VRRP group, and the design rules.

A VRRP group never moves an address: the virtual address is the LAN's gateway, and each member's own address is
counted down from the top of the prefix by its device number (broadcast - 1 - number), so adding a router to a
site takes a new address and renumbers nothing. Priorities, preemption and the advertisement interval come from
the city's `redundancy.vrrp` defaults unless the LAN's `vrrp:` says otherwise. Each member tracks its WAN uplinks
with a decrement chosen so that losing every one of them, and only that, drops it below the member after it.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network
from itertools import pairwise

from citynet_models.design_rules import DesignPolicy
from citynet_models.gateways import FirstHopRedundancy, GatewayMember, HaPair, TrackedUplink
from citynet_models.intent import LanIntent, VrrpDefaults
from citynet_models.problems import Location, ModelPath, item
from citynet_models.types import DeviceRole
from netops.intent.loader import LoadedIntent
from netops.resolve import naming
from netops.resolve.collect import Findings, Phase
from netops.resolve.devices import DevicePlan, DevicePlans
from netops.resolve.links import LinkPlan
from netops.resolve.sites import SitePlan

#: Roles that route a LAN; a VRRP group joins routers of one role (two aggregation routers, two firewalls).
ROUTING_ROLES = (DeviceRole.ACCESS_ROUTER, DeviceRole.AGGREGATION, DeviceRole.FIREWALL, DeviceRole.CORE)
#: Highest VRRP group id (VRID); a LAN on a higher VLAN names its group.
_VRID_MAX = 255


@dataclass(frozen=True)
class Pairs:
    """The HA pairs of the city, by name, and the pair of each paired device."""

    pairs: tuple[HaPair, ...]
    pair_of: Mapping[str, HaPair]


def resolve_ha_pairs(sites: Sequence[SitePlan], planned: DevicePlans,
                     links: Sequence[LinkPlan]) -> Phase[Pairs]:
    """Every site's `ha_pairs`: two devices of the site, both firewalls or both of another routing role, joined by
    a link of their own (the sync link: the first link between them, in link order)."""
    found = Findings()
    pairs: list[HaPair] = []
    pair_of: dict[str, HaPair] = {}
    between: dict[frozenset[str], str] = {}
    for link in links:
        between.setdefault(frozenset((link.upstream.name, link.downstream.name)), link.id)
    for site in sites:
        for index, intent in enumerate(site.intent.ha_pairs):
            data_path = (*site.data_path, "ha_pairs", index)
            path: ModelPath = ("ha_pairs", item(intent.name))
            location = found.claim(path, site.document, data_path, "HA pair name",
                                   "give each pair its own `name:`")
            if location is None:
                continue
            members = [planned.devices.get(name) for name in intent.members]
            if site.slug in planned.incomplete_sites and None in members:
                continue  # the refused device was reported; its pair is not checked against a short list
            pair = _pair(found, site, intent.name, intent.members, members, path, location, pair_of, between)
            if pair is None:
                continue
            options = {key: value for key, value in (("heartbeat_interval_ms", intent.heartbeat_interval_ms),
                                                     ("dead_interval_ms", intent.dead_interval_ms),
                                                     ("preempt", intent.preempt)) if value is not None}
            model = found.build(HaPair, path, location, name=intent.name, site=site.slug, members=intent.members,
                                sync_link=pair, **options)
            if model is None:
                continue
            pairs.append(model)
            for name in intent.members:
                pair_of[name] = model
    return found.done(Pairs(pairs=tuple(sorted(pairs, key=lambda p: p.name)), pair_of=pair_of))


def _pair(found: Findings, site: SitePlan, name: str, names: tuple[str, str],
          members: list[DevicePlan | None], path: ModelPath, location: Location,
          pair_of: Mapping[str, HaPair], between: Mapping[frozenset[str], str]) -> str | None:
    """The id of the pair's sync link; None after a problem with its members or its link."""
    ok = True
    for position, (device_name, device) in enumerate(zip(names, members, strict=True)):
        member_path = (*path, "members", item(position))
        if device is None or device.site is not site:
            where = f"a device of site {device.site.slug}" if device is not None else "no device of the city"
            found.problem(member_path, location, "HA pair member is not a device of the site",
                          f"a device of site {site.slug}", f"{device_name!r}: {where}",
                          "an HA pair joins two devices standing side by side in one site")
            ok = False
        elif device.intent.role not in ROUTING_ROLES:
            found.problem(member_path, location, "HA pair member does not route",
                          "a firewall or router", f"{device_name!r}, a {device.intent.role.value}")
            ok = False
        elif device_name in pair_of:
            found.problem(member_path, location, "device in two HA pairs", "each device in one pair at most",
                          f"{device_name!r}, already in pair {pair_of[device_name].name}")
            ok = False
    if not ok:
        return None
    first, second = (device for device in members if device is not None)
    if (first.intent.role is DeviceRole.FIREWALL) != (second.intent.role is DeviceRole.FIREWALL):
        found.problem((*path, "members"), location, "HA pair of a firewall and a router",
                      "two firewalls, or two routers", f"{first.name} ({first.intent.role.value}) and "
                      f"{second.name} ({second.intent.role.value})")
        return None
    sync = between.get(frozenset(names))
    if sync is None:
        found.problem((*path, "members"), location, "HA pair without a sync link",
                      f"a link between {names[0]} and {names[1]} (heartbeat and state sync)", "none",
                      f"add `{{to: {names[0]}}}` to the `uplinks:` of {names[1]}")
    return sync


@dataclass(frozen=True)
class Gateway:
    """Who routes a LAN: its VRRP group (None: one router, the gateway device), and each member's own address."""

    gateway_device: DevicePlan
    redundancy: FirstHopRedundancy | None
    members: tuple[tuple[DevicePlan, IPv4Address], ...]


def candidates(gateway: DevicePlan, routers: Sequence[DevicePlan],
               pairs: Pairs) -> tuple[list[DevicePlan], HaPair | None]:
    """The routers a LAN routed by ``gateway`` shares its VRRP group with, ``gateway`` included: its HA pair's
    (active first), else every router of its role in the site, by device number."""
    pair = pairs.pair_of.get(gateway.name)
    if pair is not None:
        by_name = {router.name: router for router in routers}
        return [by_name[name] for name in pair.members if name in by_name], pair
    return sorted((r for r in routers if r.intent.role is gateway.intent.role), key=lambda r: r.number), None


def vrrp_group(found: Findings, path: ModelPath, location: Location, intent: LanIntent, vlan: int,
               prefix: IPv4Network, gateway: IPv4Address, gateway_device: DevicePlan, explicit_gateway: bool,
               routers: Sequence[DevicePlan], pairs: Pairs, defaults: VrrpDefaults,
               uplinks: Mapping[str, Sequence[str]]) -> Gateway | None:
    """The LAN's gateway: one router, or a VRRP group across its HA pair or the routers of its role in the site.
    None after a problem."""
    members, pair = candidates(gateway_device, routers, pairs)
    wanted = intent.redundancy or ("vrrp" if len(members) >= 2 else "none")
    if wanted == "none":
        return Gateway(gateway_device=gateway_device, redundancy=None, members=((gateway_device, gateway),))
    if len(members) < 2:
        found.problem((*path, "redundancy"), location, "VRRP on a LAN with one router",
                      f"two or more {gateway_device.intent.role.value} routers in the site, or an HA pair",
                      f"only {gateway_device.name}",
                      "add the second router to the site's `devices:`, or leave `redundancy:` out")
        return None
    settings = intent.vrrp
    group = settings.group if settings is not None and settings.group is not None else vlan
    if group > _VRID_MAX:
        found.problem((*path, "vrrp", "group"), location, "VRRP group needed",
                      f"a group id 1-{_VRID_MAX} (the VLAN id is used when it is at most {_VRID_MAX})",
                      f"none, and VLAN {vlan}", "give the LAN `vrrp: {group: N}` with N from 1 to 255")
        return None
    names = {member.name for member in members}
    priority_of = dict(settings.priority_of) if settings is not None else {}
    for name in priority_of:
        if name not in names:
            found.problem((*path, "vrrp", "priority_of"), location, "VRRP priority for a device outside the group",
                          "one of the group's members: " + ", ".join(member.name for member in members),
                          repr(name))
            return None
    # The gateway device given in intent, else the first candidate (the pair's active one, or the lowest device
    # number), is the master unless `priority_of` says otherwise.
    master = gateway_device if explicit_gateway or pair is not None else members[0]
    ordered = [master, *(member for member in members if member is not master)]
    priorities = {member.name: priority_of.get(member.name, defaults.priority if position == 0
                                               else defaults.backup_priority - (position - 1))
                  for position, member in enumerate(ordered)}
    ranked = sorted(ordered, key=lambda member: -priorities[member.name])
    for first, second in pairwise(ranked):
        if priorities[first.name] == priorities[second.name]:
            found.problem((*path, "vrrp", "priority_of"), location, "two VRRP members with one priority",
                          "a distinct priority for each member", f"{first.name} and {second.name} at "
                          f"{priorities[first.name]}", "give one of them another priority in `vrrp.priority_of`")
            return None
    if explicit_gateway and ranked[0] is not gateway_device:
        found.problem((*path, "gateway_device"), location, "LAN gateway is not the VRRP master",
                      f"the member with the highest priority, {ranked[0].name}", repr(gateway_device.name),
                      "leave `gateway_device:` out, or give it the highest priority in `vrrp.priority_of`")
        return None
    addresses = _member_addresses(found, path, location, prefix, gateway, ranked)
    if addresses is None:
        return None
    built: list[GatewayMember] = []
    for position, member in enumerate(ranked):
        track = _tracking(found, path, location, member, position, ranked, priorities, uplinks, defaults)
        if track is None:
            return None
        built.append(GatewayMember(device=member.name, interface=naming.lan_interface(member.platform, vlan),
                                   address=addresses[member.name], priority=priorities[member.name], track=track))
    preempt = settings.preempt if settings is not None and settings.preempt is not None else (
        pair.preempt if pair is not None else defaults.preempt)
    options = {
        "preempt": preempt,
        "preempt_delay_s": settings.preempt_delay_s if settings is not None
        and settings.preempt_delay_s is not None else defaults.preempt_delay_s,
        "advertisement_interval_ms": settings.advertisement_interval_ms if settings is not None
        and settings.advertisement_interval_ms is not None else defaults.advertisement_interval_ms,
    }
    redundancy = found.build(FirstHopRedundancy, path, location, group=group, virtual_address=gateway,
                             members=tuple(built), sync_group=pair.name if pair is not None else None, **options)
    if redundancy is None:
        return None
    return Gateway(gateway_device=ranked[0], redundancy=redundancy,
                   members=tuple((member, addresses[member.name]) for member in ranked))


def member_address(prefix: IPv4Network, number: int) -> IPv4Address:
    """A VRRP member's own address on a LAN: counted down from the last host address by its device number."""
    return prefix.broadcast_address - 1 - number


def _member_addresses(found: Findings, path: ModelPath, location: Location, prefix: IPv4Network,
                      gateway: IPv4Address, members: Sequence[DevicePlan]) -> dict[str, IPv4Address] | None:
    addresses: dict[str, IPv4Address] = {}
    for member in members:
        address = member_address(prefix, member.number)
        if int(address) <= int(prefix.network_address) or address == gateway:
            found.problem((*path, "prefix"), location, "LAN too small for its VRRP members",
                          f"room in {prefix} for the gateway {gateway} and each member's own address "
                          f"(broadcast - 1 - device number)",
                          f"{member.name} (device {member.number}) would take "
                          + ("the gateway" if address == gateway else "no address") + f" ({address})",
                          "give the LAN a larger `prefix:`, or its `gateway:` at the start of the prefix")
            return None
        addresses[member.name] = address
    return addresses


def _tracking(found: Findings, path: ModelPath, location: Location, member: DevicePlan, position: int,
              ranked: Sequence[DevicePlan], priorities: Mapping[str, int], uplinks: Mapping[str, Sequence[str]],
              defaults: VrrpDefaults) -> tuple[TrackedUplink, ...] | None:
    """The member's tracked uplinks: a decrement d with (n - 1) * d below the gap to the next member and n * d
    above it, so only losing all n uplinks hands mastership on. The last member keeps the gap to the one
    before it. None after a problem (priorities too close for that many uplinks)."""
    interfaces = uplinks.get(member.name, ())
    if not defaults.track_uplinks or not interfaces:
        return ()
    priority = priorities[member.name]
    if position + 1 < len(ranked):
        gap = priority - priorities[ranked[position + 1].name]
    else:
        gap = priorities[ranked[position - 1].name] - priority
    count = len(interfaces)
    decrement = gap // count + 1
    if (count - 1) * decrement >= gap or decrement > priority - 1:
        found.problem((*path, "vrrp"), location, "VRRP priorities too close to track the uplinks",
                      f"priorities at least {count + 1} apart for {member.name}'s {count} uplinks",
                      f"{gap} between {member.name} and its neighbour in the group",
                      "widen the gap between `redundancy.vrrp.priority` and `backup_priority`, or set the "
                      "LAN's `vrrp.priority_of`")
        return None
    return tuple(TrackedUplink(interface=name, decrement=decrement) for name in interfaces)


def uplink_interfaces(links: Sequence[LinkPlan]) -> dict[str, tuple[str, ...]]:
    """By device name, the interfaces of its uplinks, in the order written."""
    by_device: dict[str, list[tuple[int, str]]] = {}
    for link in links:
        by_device.setdefault(link.downstream.name, []).append((link.uplink_number, link.downstream_interface))
    return {name: tuple(interface for _, interface in sorted(entries)) for name, entries in by_device.items()}


def resolve_design(intent: LoadedIntent) -> Phase[DesignPolicy]:
    """The city's design rules and accepted risks, as written (checked against the network by the model checks),
    with where each came from."""
    found = Findings()
    design = intent.city.design
    document = intent.city_document
    found.source(("design",), document, ("design",))
    for index, rule in enumerate(design.rules):
        found.claim(("design", "rules", item(rule.name)), document, ("design", "rules", index), "design rule name",
                    "give each rule its own `name:`")
    for index, _risk in enumerate(design.accepted_risks):
        found.source(("design", "accepted_risks", item(index)), document, ("design", "accepted_risks", index))
    return found.done(design)
