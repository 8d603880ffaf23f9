"""LANs: prefix and VLAN (given, or the site's layout slot for the role), gateway and gateway interface."""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Network

from citynet_models.addressing import AddressPlan
from citynet_models.devices import Interface, LanInterface
from citynet_models.intent import LanIntent
from citynet_models.lans import Lan, lan_capacity
from citynet_models.problems import ModelPath, item
from citynet_models.types import DeviceRole, LanRole
from netops.resolve import allocate, naming
from netops.resolve.collect import Findings, Phase, description
from netops.resolve.devices import DevicePlan, DevicePlans
from netops.resolve.sites import SitePlan

_ROUTING_ROLES = (DeviceRole.ACCESS_ROUTER, DeviceRole.AGGREGATION, DeviceRole.FIREWALL, DeviceRole.CORE)
#: LAN roles whose gateway relays DHCP to the data center unless intent says otherwise.
_DHCP_ROLES = (LanRole.STAFF, LanRole.ONE_STOP_SHOP, LanRole.GUEST, LanRole.CAMERA)


@dataclass(frozen=True)
class Lans:
    """The LANs of each site (by slug, in file order), and the gateway interface each LAN puts on its router."""

    by_site: Mapping[str, tuple[Lan, ...]]
    interfaces: Mapping[str, tuple[Interface, ...]]


def resolve_lans(plan: AddressPlan, sites: Sequence[SitePlan], planned: DevicePlans) -> Phase[Lans]:
    """Every LAN of every site, routed by the device it names or the site's first router."""
    found = Findings()
    lans: dict[str, list[Lan]] = {}
    interfaces: dict[str, list[Interface]] = defaultdict(list)
    by_site: dict[str, list[DevicePlan]] = defaultdict(list)
    for device in planned.devices.values():
        by_site[device.site.slug].append(device)
    for site in sites:
        site_lans = lans.setdefault(site.slug, [])
        for index, intent in enumerate(site.intent.lans):
            resolved = _resolve_lan(found, plan, site, index, intent, by_site[site.slug], planned)
            if resolved is not None:
                lan, router, interface = resolved
                site_lans.append(lan)
                interfaces[router].append(interface)
    return found.done(Lans(by_site={slug: tuple(site_lans) for slug, site_lans in lans.items()},
                           interfaces={name: tuple(made) for name, made in interfaces.items()}))


def _resolve_lan(found: Findings, plan: AddressPlan, site: SitePlan, index: int, intent: LanIntent,
                 site_devices: list[DevicePlan], planned: DevicePlans) -> tuple[Lan, str, LanInterface] | None:
    """The LAN, the name of its gateway device and the gateway's interface on it; None after a problem."""
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
    capacity = lan_capacity(prefix)
    if intent.hosts > capacity:
        found.problem((*path, "hosts"), site.document.location((*data_path, "hosts")), "LAN too small",
                      f"at most {capacity} hosts in {prefix}", f"{intent.hosts} hosts",
                      "give the LAN an explicit larger `prefix:` from the pool, or split it into two VLANs")
        return None
    gateway = intent.gateway or prefix.network_address + 1
    if site.slug in planned.incomplete_sites:
        return None
    if intent.gateway_device is not None:
        gateway_device = planned.devices.get(intent.gateway_device)
        if gateway_device is None or gateway_device.site is not site:
            found.problem((*path, "gateway_device"), location, "LAN gateway is not a device of the site",
                          f"one of: {', '.join(d.name for d in site_devices) or 'no devices'}",
                          repr(intent.gateway_device))
            return None
    else:
        routers = [d for d in site_devices if d.intent.role in _ROUTING_ROLES]
        if not routers:
            found.problem(path, location, "no router to route the LAN", "a device with a routing role",
                          "none", "add an access_router to the site's `devices:`")
            return None
        gateway_device = routers[0]
    interface_name = naming.lan_interface(gateway_device.platform, vlan)
    lan = found.build(Lan, path, location, name=name, role=intent.role, vlan=vlan, prefix=prefix,
                      gateway=gateway, gateway_device=gateway_device.name, gateway_interface=interface_name,
                      hosts=intent.hosts,
                      dhcp_relay=intent.dhcp_relay if intent.dhcp_relay is not None
                      else intent.role in _DHCP_ROLES)
    if lan is None:
        return None
    return lan, gateway_device.name, LanInterface(
        kind="lan", name=interface_name, vlan=vlan, lan=name, address=allocate.interface(gateway, prefix.prefixlen),
        description=description(f"LAN {name} VLAN {vlan} of {site.slug}"))
