"""The fixed vocabulary netops writes into NetBox: custom fields, choice sets, roles, tenants and their names.

Everything here is data. The mappers look names up here, and invert the same tables to read values back, so a
model value and its NetBox spelling are defined once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from citynet_models.types import (
    DeviceRole,
    DistrictKind,
    LanRole,
    LifecycleStatus,
    LinkRole,
    MassOrganizationType,
    Media,
    Platform,
    Redundancy,
    SiteKind,
    WardKind,
)

if TYPE_CHECKING:
    from citynet_models.network import Network
    from citynet_models.sites import Site

#: Custom fields netops creates are shown under this group in NetBox's UI, and are netops' own.
CUSTOM_FIELD_GROUP = "netops"
#: Choice sets netops creates are named with this prefix, and are netops' own.
CHOICE_SET_PREFIX = "netops-"
#: Config contexts netops creates are named with this prefix, and are netops' own.
CONFIG_CONTEXT_PREFIX = "netops: "
MANAGED_TAG_COLOR = "3f51b5"
INTENT_TAG_COLOR = "9e9e9e"


@dataclass(frozen=True)
class ChoiceSetSpec:
    """A custom-field choice set."""

    name: str
    description: str
    choices: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class CustomFieldSpec:
    """A custom field: its type, the object types it applies to, and its choice set for selects."""

    name: str
    type: str  # text, integer, boolean, select, json
    object_types: tuple[str, ...]
    label: str
    description: str
    choice_set: str | None = None


CHOICE_SETS: tuple[ChoiceSetSpec, ...] = (
    ChoiceSetSpec("netops-admin-unit-kind", "Kinds of Vietnamese administrative units (districts and wards)", (
        (DistrictKind.URBAN_DISTRICT.value, "Quận"), (DistrictKind.RURAL_DISTRICT.value, "Huyện"),
        (DistrictKind.DISTRICT_TOWN.value, "Thị xã"), (WardKind.WARD.value, "Phường"),
        (WardKind.COMMUNE.value, "Xã"), (WardKind.TOWNSHIP.value, "Thị trấn"),
        (WardKind.SPECIAL_ZONE.value, "Đặc khu"))),
    ChoiceSetSpec("netops-site-kind", "What a site of the city WAN is", (
        (SiteKind.DATA_CENTER.value, "Data center"), (SiteKind.CITY_AGENCY.value, "City agency"),
        (SiteKind.DISTRICT_COMMITTEE.value, "District People's Committee"),
        (SiteKind.WARD_COMMITTEE.value, "Ward/commune People's Committee"),
        (SiteKind.PARTY_AGENCY.value, "Party agency"), (SiteKind.MASS_ORGANIZATION.value, "Mass organization"),
        (SiteKind.PUBLIC_SERVICE_POINT.value, "Public-service point"), (SiteKind.HUB.value, "Aggregation hub"))),
    ChoiceSetSpec("netops-lifecycle-status", "Rollout lifecycle of a site", tuple(
        (status.value, status.value.capitalize()) for status in LifecycleStatus)),
    ChoiceSetSpec("netops-redundancy", "How a site is attached to the WAN", (
        (Redundancy.SINGLE_HOMED.value, "Single-homed"), (Redundancy.DUAL_HOMED.value, "Dual-homed"))),
    ChoiceSetSpec("netops-link-role", "Where a WAN link sits in the design", (
        (LinkRole.CORE.value, "Core"), (LinkRole.BACKBONE.value, "Backbone"),
        (LinkRole.DISTRICT.value, "District"), (LinkRole.ACCESS.value, "Access"))),
    ChoiceSetSpec("netops-ha-mode", "How an HA pair fails over", (("active_standby", "Active/standby"),)),
)

CUSTOM_FIELDS: tuple[CustomFieldSpec, ...] = (
    CustomFieldSpec("admin_code", "text", ("dcim.region", "dcim.site"), "Administrative code",
                    "Official code of the administrative unit (city 2 digits, district 3, ward 5)"),
    CustomFieldSpec("admin_kind", "select", ("dcim.region",), "Administrative unit kind",
                    "Quận, huyện, thị xã, phường, xã or thị trấn", "netops-admin-unit-kind"),
    CustomFieldSpec("netops_order", "json", ("dcim.region",), "netops list order",
                    "Order of the city's lists that NetBox does not keep (providers, services, links)"),
    CustomFieldSpec("area_code", "text", ("dcim.sitegroup",), "Area number",
                    "Number of the network aggregation area (the OSPF area of its access links)"),
    CustomFieldSpec("site_kind", "select", ("dcim.site",), "Site kind", "What the site is", "netops-site-kind"),
    CustomFieldSpec("lifecycle_status", "select", ("dcim.site",), "Lifecycle status",
                    "Where the site is in its rollout", "netops-lifecycle-status"),
    CustomFieldSpec("site_number", "integer", ("dcim.site",), "Site number",
                    "Number of the site within its administrative unit (addressing key)"),
    CustomFieldSpec("redundancy", "select", ("dcim.site",), "Redundancy", "How the site is attached to the WAN",
                    "netops-redundancy"),
    CustomFieldSpec("site_vars", "json", ("dcim.site",), "Site variables",
                    "Free-form variables of the site, given to Ansible as host variables of its devices"),
    CustomFieldSpec("device_number", "integer", ("dcim.device",), "Device number",
                    "Index of the device within its site (addressing key)"),
    CustomFieldSpec("expected_hosts", "integer", ("ipam.prefix",), "Expected hosts",
                    "Expected number of hosts on the LAN (excluding the gateway)"),
    CustomFieldSpec("dhcp_relay", "boolean", ("ipam.prefix",), "DHCP relay",
                    "Whether the LAN gateway relays DHCP to the data center"),
    CustomFieldSpec("link_id", "text", ("ipam.prefix",), "WAN link", "Id of the WAN link the /31 numbers"),
    CustomFieldSpec("link_role", "select", ("ipam.prefix",), "Link role", "Where the WAN link sits in the design",
                    "netops-link-role"),
    CustomFieldSpec("ospf_area", "integer", ("ipam.prefix",), "OSPF area", "OSPF area of the WAN link"),
    CustomFieldSpec("ospf_cost", "integer", ("ipam.prefix",), "OSPF cost", "OSPF cost of the WAN link"),
    CustomFieldSpec("vrrp_preempt", "boolean", ("ipam.fhrpgroup",), "Preempt",
                    "Whether a higher-priority member takes mastership back"),
    CustomFieldSpec("vrrp_preempt_delay", "integer", ("ipam.fhrpgroup",), "Preempt delay (s)",
                    "Seconds a member waits before preempting"),
    CustomFieldSpec("vrrp_advertisement_interval", "integer", ("ipam.fhrpgroup",), "Advertisement interval (ms)",
                    "VRRPv3 advertisement interval in milliseconds"),
    CustomFieldSpec("vrrp_sync_group", "text", ("ipam.fhrpgroup",), "Sync group",
                    "HA pair whose LANs fail over together (empty: the LAN on its own)"),
    CustomFieldSpec("vrrp_track", "json", ("ipam.fhrpgroup",), "Tracked uplinks",
                    "Per member device: the WAN interfaces it tracks and how much losing each lowers its priority"),
    CustomFieldSpec("ha_mode", "select", ("dcim.virtualchassis",), "HA mode", "How the pair fails over",
                    "netops-ha-mode"),
    CustomFieldSpec("ha_sync_link", "text", ("dcim.virtualchassis",), "Sync link",
                    "Id of the WAN link between the two members carrying heartbeat and state sync"),
    CustomFieldSpec("ha_heartbeat_interval", "integer", ("dcim.virtualchassis",), "Heartbeat interval (ms)",
                    "Interval between heartbeats on the sync link"),
    CustomFieldSpec("ha_dead_interval", "integer", ("dcim.virtualchassis",), "Dead interval (ms)",
                    "Silence after which the standby takes over"),
    CustomFieldSpec("ha_preempt", "boolean", ("dcim.virtualchassis",), "Preempt",
                    "Whether the primary takes the active role back when it returns"),
)

#: Site lifecycle -> NetBox site status (the lifecycle itself is kept in a custom field).
SITE_STATUS: dict[LifecycleStatus, str] = {
    LifecycleStatus.PLANNED: "planned", LifecycleStatus.STAGED: "staging", LifecycleStatus.PROVISIONED: "active",
    LifecycleStatus.VERIFIED: "active", LifecycleStatus.ACCEPTED: "active",
    LifecycleStatus.DECOMMISSIONED: "decommissioning",
}
#: Site lifecycle -> NetBox device status of the devices standing in the site.
DEVICE_STATUS: dict[LifecycleStatus, str] = {
    LifecycleStatus.PLANNED: "planned", LifecycleStatus.STAGED: "staged", LifecycleStatus.PROVISIONED: "active",
    LifecycleStatus.VERIFIED: "active", LifecycleStatus.ACCEPTED: "active",
    LifecycleStatus.DECOMMISSIONED: "decommissioning",
}
#: Downstream site lifecycle -> NetBox circuit status.
CIRCUIT_STATUS: dict[LifecycleStatus, str] = {
    LifecycleStatus.PLANNED: "planned", LifecycleStatus.STAGED: "provisioning",
    LifecycleStatus.PROVISIONED: "active", LifecycleStatus.VERIFIED: "active", LifecycleStatus.ACCEPTED: "active",
    LifecycleStatus.DECOMMISSIONED: "decommissioned",
}


@dataclass(frozen=True)
class Named:
    """A vocabulary object: slug, display name, and a colour or description where NetBox wants one."""

    slug: str
    name: str
    color: str = ""


DEVICE_ROLES: dict[DeviceRole, Named] = {
    DeviceRole.CORE: Named("core", "Core router", "f44336"),
    DeviceRole.AGGREGATION: Named("aggregation", "Aggregation router", "ff9800"),
    DeviceRole.ACCESS_ROUTER: Named("access-router", "Access router", "4caf50"),
    DeviceRole.FIREWALL: Named("firewall", "Firewall", "9c27b0"),
    DeviceRole.SWITCH: Named("switch", "Switch", "2196f3"),
}
SERVER_ROLE = Named("server", "Server", "607d8b")

PLATFORMS: dict[Platform, Named] = {
    Platform.FRR: Named("frr", "FRRouting"),
    Platform.CISCO_IOSXE: Named("cisco-iosxe", "Cisco IOS-XE"),
    Platform.HUAWEI_VRP: Named("huawei-vrp", "Huawei VRP"),
}
#: The manufacturer of each platform's hardware (FRR runs on generic x86 boxes).
PLATFORM_MANUFACTURER: dict[Platform, Named] = {
    Platform.FRR: Named("generic", "Generic"),
    Platform.CISCO_IOSXE: Named("cisco", "Cisco"),
    Platform.HUAWEI_VRP: Named("huawei", "Huawei"),
}
GENERIC_MANUFACTURER = PLATFORM_MANUFACTURER[Platform.FRR]
#: Device types: one per platform and kind of box (router, firewall, switch), plus the generic server.
DEVICE_KIND: dict[DeviceRole, str] = {
    DeviceRole.CORE: "router", DeviceRole.AGGREGATION: "router", DeviceRole.ACCESS_ROUTER: "router",
    DeviceRole.FIREWALL: "firewall", DeviceRole.SWITCH: "switch",
}
SERVER_DEVICE_TYPE = Named("generic-server", "Server")

#: IPAM roles: LAN roles, the /31s of WAN links, and the address pools of the plan.
LAN_ROLES: dict[LanRole, Named] = {
    LanRole.STAFF: Named("lan-staff", "LAN: staff"),
    LanRole.ONE_STOP_SHOP: Named("lan-one-stop-shop", "LAN: one-stop-shop counters"),
    LanRole.CAMERA: Named("lan-camera", "LAN: cameras"),
    LanRole.MANAGEMENT: Named("lan-management", "LAN: management"),
    LanRole.SERVERS: Named("lan-servers", "LAN: servers"),
    LanRole.GUEST: Named("lan-guest", "LAN: guest Wi-Fi"),
}
WAN_LINK_ROLE = Named("wan-links", "WAN links (/31)")
#: Address pools of the plan, by AddressPlan field or site-block level.
POOL_ROLES: dict[str, Named] = {
    "loopbacks": Named("loopbacks", "Pool: router loopbacks"),
    "links": WAN_LINK_ROLE,
    "management": Named("oob-management", "Pool: out-of-band management"),
    "datacenter": Named("datacenter", "Pool: data-center LANs"),
    "ward": Named("site-blocks-ward", "Pool: ward-level site blocks"),
    "district": Named("site-blocks-district", "Pool: district-level site blocks"),
    "city": Named("site-blocks-city", "Pool: city-level site blocks"),
}

CIRCUIT_TYPES: dict[Media, Named] = {media: Named(f"wan-{media.value}", f"WAN circuit ({media.value})")
                                     for media in Media}
CLUSTER_TYPE = Named("vm-cluster", "Virtualization cluster")
PRIVATE_RIR = Named("rfc6996", "Private ASNs (RFC 6996)")

#: Tenant groups, and the tenant (organization) of each site kind; mass organizations have one each.
TENANT_GROUPS: dict[str, Named] = {
    "government": Named("chinh-quyen", "Chính quyền (Ủy ban nhân dân các cấp)"),
    "party": Named("dang", "Đảng Cộng sản Việt Nam"),
    "mass": Named("mat-tran-doan-the", "Mặt trận Tổ quốc và các đoàn thể"),
}
SITE_KIND_TENANT: dict[SiteKind, tuple[str, Named]] = {
    SiteKind.DATA_CENTER: ("government", Named("ubnd-thanh-pho", "UBND thành phố và các cơ quan trực thuộc")),
    SiteKind.CITY_AGENCY: ("government", Named("ubnd-thanh-pho", "UBND thành phố và các cơ quan trực thuộc")),
    SiteKind.DISTRICT_COMMITTEE: ("government", Named("ubnd-cap-huyen", "UBND cấp huyện")),
    SiteKind.WARD_COMMITTEE: ("government", Named("ubnd-cap-xa", "UBND cấp xã")),
    SiteKind.PUBLIC_SERVICE_POINT: ("government", Named("ubnd-cap-xa", "UBND cấp xã")),
    # A hub is the city's own network, run for the city People's Committee like the data center.
    SiteKind.HUB: ("government", Named("ubnd-thanh-pho", "UBND thành phố và các cơ quan trực thuộc")),
    SiteKind.PARTY_AGENCY: ("party", Named("co-quan-dang", "Cơ quan Đảng các cấp")),
}
MASS_ORGANIZATION_TENANT: dict[MassOrganizationType, Named] = {
    MassOrganizationType.FATHERLAND_FRONT: Named("mat-tran-to-quoc", "Mặt trận Tổ quốc Việt Nam"),
    MassOrganizationType.WOMEN_UNION: Named("hoi-lien-hiep-phu-nu", "Hội Liên hiệp Phụ nữ Việt Nam"),
    MassOrganizationType.YOUTH_UNION: Named("doan-thanh-nien", "Đoàn Thanh niên Cộng sản Hồ Chí Minh"),
    MassOrganizationType.FARMERS_UNION: Named("hoi-nong-dan", "Hội Nông dân Việt Nam"),
    MassOrganizationType.VETERANS_ASSOCIATION: Named("hoi-cuu-chien-binh", "Hội Cựu chiến binh Việt Nam"),
    MassOrganizationType.TRADE_UNION: Named("lien-doan-lao-dong", "Liên đoàn Lao động"),
}

#: NetBox's FHRP protocol of the model's VRRP (VRRPv3, RFC 5798), and the IP address role of a virtual address.
FHRP_PROTOCOL = "vrrp3"
VIRTUAL_ADDRESS_ROLE = "vrrp"

#: Interface types: ports that take a cable, and the rest.
PHYSICAL_INTERFACE = "1000base-t"
VIRTUAL_INTERFACE = "virtual"
#: Name of the single interface of a data-center host.
HOST_INTERFACE = "eth0"
#: Description of the 802.1Q parent port of a router's LAN subinterfaces.
LAN_PARENT_DESCRIPTION = "802.1Q trunk to the site LAN switch"


def lan_parent_name(interface_name: str) -> str | None:
    """The parent port of an 802.1Q subinterface (``eth0.10`` -> ``eth0``); None for other names."""
    base, dot, unit = interface_name.rpartition(".")
    return base if dot and base and unit.isdigit() else None


def site_admin_code(network: Network, site: Site) -> str:
    """The official code of the administrative unit a site belongs to (its ward, else its district, else the
    city), which is also the key of the region it stands in."""
    return site.ward or site.district or network.city.code


def site_tenant(site: Site) -> tuple[Named, Named]:
    """The organization a site belongs to, and its tenant group (the tables above, looked up by the site)."""
    organization = getattr(site, "organization", None)  # a mass-organization site says which organization
    if organization is not None:
        return TENANT_GROUPS["mass"], MASS_ORGANIZATION_TENANT[organization]
    group, tenant = SITE_KIND_TENANT[SiteKind(site.kind)]
    return TENANT_GROUPS[group], tenant
