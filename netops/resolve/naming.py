"""Interface names per platform: how each network OS spells the ports the design uses."""

from citynet_models.types import DeviceRole, Platform

_WAN_PORT = {
    Platform.FRR: "eth{n}",
    Platform.CISCO_IOSXE: "GigabitEthernet0/0/{n}",
    Platform.HUAWEI_VRP: "GigabitEthernet0/0/{n}",
}
# LAN gateways are 802.1Q subinterfaces of the port facing the site's switch.
_LAN_INTERFACE = {
    Platform.FRR: "eth0.{vlan}",
    Platform.CISCO_IOSXE: "GigabitEthernet0/0/0.{vlan}",
    Platform.HUAWEI_VRP: "GigabitEthernet0/0/0.{vlan}",
}
_MANAGEMENT = {
    Platform.FRR: "mgmt0",
    Platform.CISCO_IOSXE: "GigabitEthernet0",
    Platform.HUAWEI_VRP: "MEth0/0/0",
}
_LOOPBACK = {
    Platform.FRR: "lo",
    Platform.CISCO_IOSXE: "Loopback0",
    Platform.HUAWEI_VRP: "LoopBack0",
}
ROLE_ABBREVIATION = {
    DeviceRole.CORE: "core",
    DeviceRole.AGGREGATION: "agg",
    DeviceRole.ACCESS_ROUTER: "r",
    DeviceRole.FIREWALL: "fw",
    DeviceRole.SWITCH: "sw",
}


def wan_port(platform: Platform, number: int) -> str:
    """The name of WAN port ``number`` (1-based)."""
    return _WAN_PORT[platform].format(n=number)


def lan_interface(platform: Platform, vlan: int) -> str:
    """The routed interface of a LAN's VLAN."""
    return _LAN_INTERFACE[platform].format(vlan=vlan)


def management_interface(platform: Platform) -> str:
    """The out-of-band management port."""
    return _MANAGEMENT[platform]


def loopback_interface(platform: Platform) -> str:
    """The loopback carrying the router id."""
    return _LOOPBACK[platform]


def default_device_name(site_slug: str, role: DeviceRole, number: int) -> str:
    """``<site>-<role><nn>``, e.g. ubnd-phuong-phuc-xa-r01."""
    return f"{site_slug}-{ROLE_ABBREVIATION[role]}{number + 1:02d}"


def is_wan_port(platform: Platform, name: str) -> bool:
    """Whether ``name`` is one of the platform's WAN ports (as `wan_port` spells them)."""
    prefix, _, suffix = _WAN_PORT[platform].partition("{n}")
    number = name.removeprefix(prefix).removesuffix(suffix)
    return name.startswith(prefix) and name.endswith(suffix) and number.isdigit() and int(number) >= 1 \
        and wan_port(platform, int(number)) == name
