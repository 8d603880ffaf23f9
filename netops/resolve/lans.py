"""LANs: prefix and VLAN (given, or the site's layout slot for the role), gateway, the routers that route it (one,
or a VRRP group: netops/resolve/redundancy.py) and their interfaces on it."""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Network

from citynet_models.addressing import AddressPlan
from citynet_models.devices import Interface, LanInterface
from citynet_models.intent import LanIntent, VrrpDefaults
from citynet_models.lans import Lan, lan_capacity
from citynet_models.problems import ModelPath, item
from citynet_models.types import LanRole
from netops.resolve import allocate, naming
from netops.resolve.collect import Findings, Phase, description
from netops.resolve.devices import DevicePlan, DevicePlans
from netops.resolve.redundancy import ROUTING_ROLES, Pairs, candidates, vrrp_group
from netops.resolve.sites import SitePlan

#: LAN roles whose gateway relays DHCP to the data center unless intent says otherwise.
_DHCP_ROLES = (LanRole.STAFF, LanRole.ONE_STOP_SHOP, LanRole.GUEST, LanRole.CAMERA)


@dataclass(frozen=True)
class Lans:
    """The LANs of each site (by slug, in file order), and the interface each LAN puts on each of its routers."""

    by_site: Mapping[str, tuple[Lan, ...]]
    interfaces: Mapping[str, tuple[Interface, ...]]
    #: By site slug, the names of its LANs refused (reported here): what names them is not reported again.
    refused: Mapping[str, frozenset[str]]


def resolve_lans(plan: AddressPlan, sites: Sequence[SitePlan], planned: DevicePlans, pairs: Pairs,
                 vrrp: VrrpDefaults, uplinks: Mapping[str, Sequence[str]]) -> Phase[Lans]:
    """Every LAN of every site, routed by the device it names or the site's first router, with a VRRP group when
    that router has a peer (``pairs``: the HA pairs; ``vrrp``: the city's defaults; ``uplinks``: each device's
    uplink interfaces, which its VRRP membership tracks)."""
    found = Findings()
    lans: dict[str, list[Lan]] = {}
    interfaces: dict[str, list[Interface]] = defaultdict(list)
    refused: dict[str, set[str]] = defaultdict(set)
    by_site: dict[str, list[DevicePlan]] = defaultdict(list)
    for device in planned.devices.values():
        by_site[device.site.slug].append(device)
    for site in sites:
        site_lans = lans.setdefault(site.slug, [])
        for index, intent in enumerate(site.intent.lans):
            resolved = _resolve_lan(found, plan, site, index, intent, by_site[site.slug], planned,
                                    _Redundancy(pairs, vrrp, uplinks))
            if resolved is None:
                refused[site.slug].add(intent.name or intent.role.value)
            else:
                lan, made = resolved
                site_lans.append(lan)
                for router, interface in made:
                    interfaces[router].append(interface)
    return found.done(Lans(by_site={slug: tuple(site_lans) for slug, site_lans in lans.items()},
                           interfaces={name: tuple(made) for name, made in interfaces.items()},
                           refused={slug: frozenset(names) for slug, names in refused.items()}))


@dataclass(frozen=True)
class _Redundancy:
    """What a LAN's VRRP group is made from."""

    pairs: Pairs
    vrrp: VrrpDefaults
    uplinks: Mapping[str, Sequence[str]]


def _resolve_lan(found: Findings, plan: AddressPlan, site: SitePlan, index: int, intent: LanIntent,
                 site_devices: list[DevicePlan], planned: DevicePlans,
                 ha: _Redundancy) -> tuple[Lan, list[tuple[str, LanInterface]]] | None:
    """The LAN and the interface it puts on each of its routers (by router name); None after a problem."""
    name = intent.name or intent.role.value
    data_path = (*site.data_path, "lans", index)
    path: ModelPath = ("sites", item(site.slug), "lans", item(name))
    location = found.source(path, site.document, data_path)
    layout = plan.site_plan(site.level)
    prefix, vlan = intent.prefix, intent.vlan
    if prefix is None or vlan is None:
        slot: tuple[IPv4Network, int] | None = None
        if layout is not None and site.intent.kind != "data_center":
            try:
                slot = allocate.lan_prefix(layout, allocate.site_block(layout, site.key), intent.role)
            except allocate.AllocationError as error:
                found.problem(path, location, error.message, error.expected, error.found, error.hint)
                return None
        if slot is None:
            missing = " and ".join(key for key, value in (("prefix", prefix), ("vlan", vlan)) if value is None)
            found.problem(path, location, f"no {missing} for the LAN",
                          f"a layout slot for role {intent.role.value} at {site.level.value} level, "
                          f"or an explicit {missing}", "none",
                          f"give the LAN `{missing.replace(' and ', ':` and `')}:`, or add the role to "
                          f"addressing.site_blocks[{site.level.value}].lans")
            return None
        prefix = prefix or slot[0]
        vlan = vlan or slot[1]
    gateway = intent.gateway or prefix.network_address + 1
    if site.slug in planned.incomplete_sites:
        return None
    routers = [d for d in site_devices if d.intent.role in ROUTING_ROLES]
    if intent.gateway_device is not None:
        gateway_device = planned.devices.get(intent.gateway_device)
        if gateway_device is None or gateway_device.site is not site:
            found.problem((*path, "gateway_device"), location, "LAN gateway is not a device of the site",
                          f"one of: {', '.join(d.name for d in site_devices) or 'no devices'}",
                          repr(intent.gateway_device))
            return None
    else:
        if not routers:
            found.problem(path, location, "no router to route the LAN", "a device with a routing role",
                          "none", "add an access_router to the site's `devices:`")
            return None
        gateway_device = routers[0]
    # The capacity counts the VRRP members' own addresses, so it is checked once the group is known.
    members = len(candidates(gateway_device, routers, ha.pairs)[0])
    members = members if members >= 2 and intent.redundancy != "none" else 0
    capacity = lan_capacity(prefix, members)
    if intent.hosts > capacity:
        kept = f" ({members} addresses kept for the VRRP members' own)" if members else ""
        found.problem((*path, "hosts"), site.document.location((*data_path, "hosts")), "LAN too small",
                      f"at most {capacity} hosts in {prefix}{kept}", f"{intent.hosts} hosts",
                      "give the LAN an explicit larger `prefix:` from the pool, or split it into two VLANs")
        return None
    chosen = vrrp_group(found, path, location, intent, vlan, prefix, gateway, gateway_device,
                        intent.gateway_device is not None, routers, ha.pairs, ha.vrrp, ha.uplinks)
    if chosen is None:
        return None
    master = chosen.gateway_device
    interface_name = naming.lan_interface(master.platform, vlan)
    lan = found.build(Lan, path, location, name=name, role=intent.role, vlan=vlan, prefix=prefix,
                      gateway=gateway, gateway_device=master.name, gateway_interface=interface_name,
                      hosts=intent.hosts,
                      dhcp_relay=intent.dhcp_relay if intent.dhcp_relay is not None
                      else intent.role in _DHCP_ROLES, redundancy=chosen.redundancy)
    if lan is None:
        return None
    return lan, [(member.name, LanInterface(
        kind="lan", name=naming.lan_interface(member.platform, vlan), vlan=vlan, lan=name,
        address=allocate.interface(address, prefix.prefixlen),
        description=description(f"LAN {name} VLAN {vlan} of {site.slug}"))) for member, address in chosen.members]
