"""The capability table: which features each platform's templates render, checked before rendering.

A device needs a feature because of the model (its role, its LANs, DHCP relay) or the render settings
(OSPF authentication, timers). A feature its platform lacks is a domain error naming the device, the
feature and a hint, collected for every device before any template runs, never a template crash.
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from citynet_models.types import Platform
from netops.render.design import DeviceContext

#: Every feature a device can need, and what it means.
FEATURES: dict[str, str] = {
    "role.core": "a core router (route reflector, data-center gateway)",
    "role.aggregation": "a district aggregation router (OSPF ABR)",
    "role.access_router": "a site's access router",
    "role.firewall": "a data-center firewall routing in OSPF/iBGP",
    "role.switch": "a layer-2 switch of a site (its VLANs and management plane)",
    "lan.subinterface": "routed 802.1Q VLAN subinterfaces as LAN gateways",
    "acl.lan": "inbound filters on LAN gateways implementing the reachability policy",
    "ospf": "OSPFv2 with per-interface areas, point-to-point /31 links and passive LANs",
    "ospf.auth.md5": "OSPF MD5 authentication",
    "ospf.auth.hmac-sha256": "OSPF HMAC-SHA-256 authentication",
    "ospf.timers.fast": "fast OSPF hello/dead timers and no SPF/LSA throttling",
    "ospf.timers.throttled": "OSPF SPF and LSA origination throttled (a large lab)",
    "ospf.area.totally_stubby": "totally stubby areas: a default from the area border routers, no other area's routes",
    "bgp.client": "iBGP to the route reflectors from the loopback",
    "bgp.route_reflector": "iBGP route reflection to every other router",
    "bgp.default_originate": "originating the default route to iBGP clients",
    "bgp.default_only": "taking only the default route from the route reflectors (a prefix list inbound)",
    "dhcp_relay": "relaying DHCP from LANs to the data center's DHCP servers",
    "fhrp.vrrp": "VRRPv3 on LAN gateways shared by several routers: priority, preemption, uplink tracking",
    "fhrp.vrrp.sync_group": "the VRRP groups of an HA pair failing over together",
    "fhrp.vrrp.preempt_delay_long": "a VRRP preemption delay over 1000 seconds",
    "fhrp.vrrp.timer.centiseconds": "a VRRP advertisement interval neither whole seconds nor 100, 200 or 500 ms",
    "mgmt.acl": "the management plane reachable only from management sources",
    "mgmt.banner": "a login banner (Vietnamese and English)",
    "mgmt.ssh": "SSH version 2 only, no telnet",
    "mgmt.aaa.local": "local accounts (the fallback of AAA)",
    "mgmt.aaa.radius": "RADIUS authentication with local fallback",
    "mgmt.ntp": "NTP to the data center's NTP servers",
    "mgmt.syslog": "syslog to the data center's collectors",
    "mgmt.snmpv3": "SNMPv3 (authPriv) polling and traps",
}

#: Features a device needs because of a render setting (not of the model), and that setting.
SETTING_OF_FEATURE: dict[str, str] = {
    "ospf.auth.md5": "ospf_authentication",
    "ospf.auth.hmac-sha256": "ospf_authentication",
    "ospf.timers.fast": "ospf_timers",
    "ospf.timers.throttled": "ospf_timers",
    "ospf.area.totally_stubby": "access_areas",
    "bgp.default_only": "access_areas",
}

_TABLE = Path(__file__).with_name("capabilities.yml")


@dataclass(frozen=True)
class PlatformCapabilities:
    """One platform's row of the table."""

    platform: Platform
    name: str
    outputs: dict[str, str]
    supports: dict[str, str]
    lacks: dict[str, str]


@dataclass(frozen=True)
class CapabilityGap:
    """A feature a device needs and its platform cannot render."""

    device: str
    platform: Platform
    feature: str
    hint: str


@cache
def capability_table(path: Path = _TABLE) -> dict[Platform, PlatformCapabilities]:
    """The table, read once per process."""
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {
        Platform(key): PlatformCapabilities(platform=Platform(key), name=row["name"], outputs=dict(row["outputs"]),
                                            supports=dict(row.get("supports") or {}),
                                            lacks=dict(row.get("lacks") or {}))
        for key, row in data.items()
    }


def required_features(context: DeviceContext) -> list[str]:
    """The features a device needs, from its context (model + settings)."""
    features = [f"role.{context.role.value}"]
    if context.lan_ports:
        features += ["lan.subinterface", "acl.lan"]
    if context.ospf is not None:
        features += ["ospf", f"ospf.auth.{context.ospf.authentication}"]
        if context.ospf.fast_timers:
            features.append("ospf.timers.fast")
        if context.ospf.throttled:
            features.append("ospf.timers.throttled")
        if context.ospf.stub_areas:
            features.append("ospf.area.totally_stubby")
    if context.bgp is not None:
        features += ["bgp.route_reflector", "bgp.default_originate"] if context.bgp.reflector else ["bgp.client"]
        if context.bgp.default_only_prefix_list:
            features.append("bgp.default_only")
    if context.relay_ports:
        features.append("dhcp_relay")
    groups = [port.vrrp for port in context.vrrp_ports if port.vrrp is not None]
    if groups:
        features.append("fhrp.vrrp")
    if any(vrrp.sync_group for vrrp in groups):
        features.append("fhrp.vrrp.sync_group")
    if any(vrrp.preempt and vrrp.preempt_delay_s > 1000 for vrrp in groups):
        features.append("fhrp.vrrp.preempt_delay_long")
    if any(vrrp.advertisement_interval_ms % 1000 and vrrp.advertisement_interval_ms not in (100, 200, 500)
           for vrrp in groups):
        features.append("fhrp.vrrp.timer.centiseconds")
    management = context.management
    features += ["mgmt.acl", "mgmt.banner", "mgmt.ssh", "mgmt.aaa.local"]
    if management.aaa_servers:
        features.append("mgmt.aaa.radius")
    if management.ntp_servers:
        features.append("mgmt.ntp")
    if management.syslog_servers:
        features.append("mgmt.syslog")
    if management.snmp_managers:
        features.append("mgmt.snmpv3")
    return features


def check(context: DeviceContext) -> list[CapabilityGap]:
    """Every feature the device needs that its platform lacks."""
    row = capability_table()[context.platform]
    gaps = []
    for feature in required_features(context):
        if feature in row.supports:
            continue
        hint = row.lacks.get(feature, f"{feature} is not in the capability table of {context.platform.value}")
        gaps.append(CapabilityGap(context.hostname, context.platform, feature, hint))
    return gaps
