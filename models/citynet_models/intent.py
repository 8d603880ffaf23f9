"""The intent format: what engineers write in inventory/city/ and review in git.

Intent is minimal: names, codes, roles, circuits and expected host counts. Slugs, device
names, interfaces, links and every address are derived by the resolver unless given; what is
given is honoured and checked.
"""

from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import Annotated, Literal, Self

from pydantic import BeforeValidator, Field, StringConstraints, field_validator, model_validator

from citynet_models.addressing import AddressPlan
from citynet_models.base import NetopsModel
from citynet_models.datacenter import Service, ServicePort, no_icmp
from citynet_models.design_rules import DesignPolicy
from citynet_models.gateways import VRRP_PRIORITY_MAX, VRRP_PRIORITY_MIN
from citynet_models.policy import ReachabilityPolicy
from citynet_models.sites import Coordinates
from citynet_models.types import (
    AreaCode,
    Asn,
    BandwidthMbps,
    CityCode,
    DeviceRole,
    DisplayName,
    DistrictCode,
    DistrictKind,
    Hostname,
    InterfaceName,
    LanRole,
    Latitude,
    LegacyWardKind,
    LifecycleStatus,
    Longitude,
    MassOrganizationType,
    Media,
    OneLine,
    Platform,
    Redundancy,
    SiteKind,
    SiteNumber,
    Slug,
    VlanId,
    WardCode,
    parse_service_port,
)
from citynet_models.units import Structure
from citynet_models.variables import SiteVariables


class CityBounds(NetopsModel):
    """The box every site's coordinates must fall in (WGS 84 decimal degrees)."""

    south: Latitude = Field(description="Southernmost latitude")
    west: Longitude = Field(description="Westernmost longitude")
    north: Latitude = Field(description="Northernmost latitude")
    east: Longitude = Field(description="Easternmost longitude")

    @property
    def ordered(self) -> bool:
        """Whether south lies below north and west left of east (checked by the resolver, with a hint)."""
        return self.south < self.north and self.west < self.east

    def contains(self, latitude: float, longitude: float) -> bool:
        """Whether the point lies inside the box (edges included)."""
        return self.south <= latitude <= self.north and self.west <= longitude <= self.east

    def __str__(self) -> str:
        return f"latitude {self.south}..{self.north}, longitude {self.west}..{self.east}"


#: Hà Nội (city code 01): its extent, 20.56-21.39 N and 105.28-106.02 E, with a margin of about 5 km.
HANOI_BOUNDS = CityBounds(south=20.50, west=105.25, north=21.45, east=106.05)
#: Vietnam, islands included (Côn Đảo, Phú Quốc, Hoàng Sa, Trường Sa): the default for other cities.
VIETNAM_BOUNDS = CityBounds(south=6.0, west=102.0, north=23.5, east=118.0)


class CityInfo(NetopsModel):
    """The city itself."""

    code: CityCode = Field(description="Official city code")
    name: DisplayName = Field(description="Official name")
    slug: Slug | None = Field(default=None, description="Slug (default: derived from the name)")
    bounds: CityBounds | None = Field(
        default=None,
        description="Box site coordinates must fall in (default: Hà Nội's for city code 01, else Vietnam's)",
    )

    def effective_bounds(self) -> CityBounds:
        """The bounds given, else the default for the city code."""
        if self.bounds is not None:
            return self.bounds
        return HANOI_BOUNDS if self.code == "01" else VIETNAM_BOUNDS


class Defaults(NetopsModel):
    """Values used where a site or device does not say otherwise."""

    platform: Platform = Field(default=Platform.FRR, description="Platform of devices")
    status: LifecycleStatus = Field(default=LifecycleStatus.PLANNED, description="Lifecycle status of sites")


class DistrictDefaults(NetopsModel):
    """District-wide overrides of the city defaults."""

    platform: Platform | None = Field(default=None, description="Platform of the district's devices")
    status: LifecycleStatus | None = Field(default=None, description="Status of the district's sites")


class ProviderIntent(NetopsModel):
    """A carrier."""

    name: DisplayName = Field(description="Display name, e.g. 'VNPT Hà Nội'")
    slug: Slug | None = Field(default=None, description="Slug used by uplinks (default: from the name)")


class ServiceIntent(NetopsModel):
    """A shared service; ports may be written 'tcp/443' or as mappings."""

    name: Slug = Field(description="Service identifier used by the policy")
    display_name: DisplayName = Field(description="Human name")
    ports: list[Annotated[ServicePort, BeforeValidator(parse_service_port)]] = Field(
        min_length=1, description="Ports, e.g. ['tcp/443', 'udp/123']")

    @field_validator("ports")
    @classmethod
    def _no_icmp(cls, ports: list[ServicePort]) -> list[ServicePort]:
        return no_icmp(ports)

    def to_service(self) -> Service:
        """The resolved service."""
        return Service(name=self.name, display_name=self.display_name, ports=tuple(self.ports))


class UplinkIntent(NetopsModel):
    """A WAN link from this device up towards the data center."""

    to: Hostname = Field(description="Upstream device name")
    provider: Slug | None = Field(default=None, description="Carrier (none for in-building links)")
    circuit_id: Annotated[str, StringConstraints(min_length=1, max_length=100), OneLine] | None = Field(
        default=None, description="Carrier's circuit id (at most 100 characters, NetBox's limit)")
    bandwidth_mbps: BandwidthMbps | None = Field(default=None, description="Committed bandwidth")
    media: Media = Field(default=Media.FIBER, description="Physical medium")
    address: IPv4Interface | None = Field(default=None, description="This end's address, a /31")
    interface: InterfaceName | None = Field(default=None, description="This end's interface")
    remote_interface: InterfaceName | None = Field(default=None, description="The upstream interface")
    ospf_cost: int | None = Field(default=None, ge=1, le=65535, description="OSPF cost override")
    cross_district: bool = Field(
        default=False,
        description="Set when the upstream router is in another district on purpose (e.g. a border ward "
                    "homed to the neighbouring district's aggregation); such an uplink is refused otherwise",
    )

    @model_validator(mode="after")
    def _circuit_complete(self) -> Self:
        given = {"provider": self.provider, "circuit_id": self.circuit_id, "bandwidth_mbps": self.bandwidth_mbps}
        if any(value is not None for value in given.values()) and not all(
            value is not None for value in given.values()
        ):
            missing = ", ".join(key for key, value in given.items() if value is None)
            raise ValueError(f"a carrier circuit needs provider, circuit_id and bandwidth_mbps; missing {missing}")
        if self.address is not None and self.address.network.prefixlen != 31:
            raise ValueError(f"an uplink address is a /31, found {self.address}")
        return self


class DeviceIntent(NetopsModel):
    """A device of a site."""

    role: DeviceRole = Field(description="core, aggregation, access_router, firewall or switch")
    name: Hostname | None = Field(default=None, description="Hostname (default: <site>-<role><nn>)")
    platform: Platform | None = Field(default=None, description="Platform (default: district/city default)")
    number: int | None = Field(default=None, ge=0, le=3, description="Device number in the site")
    loopback: IPv4Address | None = Field(default=None, description="Loopback address")
    management: IPv4Address | None = Field(default=None, description="Management address")
    uplinks: list[UplinkIntent] = Field(default_factory=list, description="Links towards the data center")
    tags: list[Slug] = Field(default_factory=list, description="Free tags")


VrrpPriority = Annotated[int, Field(ge=VRRP_PRIORITY_MIN, le=VRRP_PRIORITY_MAX)]
VrrpAdvertisementMs = Annotated[int, Field(ge=10, le=40950, multiple_of=10)]
VrrpPreemptDelay = Annotated[int, Field(ge=0, le=3600)]


class VrrpDefaults(NetopsModel):
    """City-wide VRRP settings every redundant LAN takes unless it says otherwise."""

    priority: VrrpPriority = Field(default=110, description="Priority of the master (the lowest-numbered member)")
    backup_priority: VrrpPriority = Field(
        default=100, description="Priority of the first backup; further backups take one less each")
    preempt: bool = Field(default=True, description="A higher-priority member takes mastership back")
    preempt_delay_s: VrrpPreemptDelay = Field(
        default=60, description="Seconds a returning member waits before preempting (its routes settle first)")
    advertisement_interval_ms: VrrpAdvertisementMs = Field(default=1000, description="VRRPv3 advertisement interval")
    track_uplinks: bool = Field(
        default=True, description="Members track their WAN uplinks: losing all of them hands mastership on")

    @model_validator(mode="after")
    def _master_above_backup(self) -> Self:
        if self.priority <= self.backup_priority:
            raise ValueError(f"the master's priority {self.priority} must be above the backup's "
                             f"{self.backup_priority}")
        return self


class RedundancyDefaults(NetopsModel):
    """City-wide first-hop redundancy settings."""

    vrrp: VrrpDefaults = Field(default_factory=VrrpDefaults, description="VRRP defaults")


class LanVrrpIntent(NetopsModel):
    """A LAN's own VRRP settings (everything optional: the city's defaults otherwise)."""

    group: int | None = Field(default=None, ge=1, le=255,
                              description="Virtual router id (default: the VLAN id; required above 255)")
    priority_of: dict[Hostname, VrrpPriority] = Field(
        default_factory=dict, description="Priority of named members (the highest is the master)")
    preempt: bool | None = Field(default=None, description="Preemption (default: the city's)")
    preempt_delay_s: VrrpPreemptDelay | None = Field(default=None, description="Preempt delay (default: the city's)")
    advertisement_interval_ms: VrrpAdvertisementMs | None = Field(
        default=None, description="Advertisement interval (default: the city's)")


class HaPairIntent(NetopsModel):
    """Two devices of a site acting as one, active and standby; they need a link between them (the sync link)."""

    name: Slug = Field(description="Name of the pair, e.g. 'dc-fw'")
    members: tuple[Hostname, Hostname] = Field(description="The active device, then the standby")
    heartbeat_interval_ms: int | None = Field(default=None, ge=100, le=10000,
                                              description="Heartbeat interval (default 1000)")
    dead_interval_ms: int | None = Field(default=None, ge=300, le=60000,
                                         description="Silence before the standby takes over (default 3000)")
    preempt: bool | None = Field(default=None,
                                 description="The active device takes its role back on return (default false)")


class LanIntent(NetopsModel):
    """A LAN of a site."""

    role: LanRole = Field(description="staff, one_stop_shop, camera, management, servers or guest")
    name: Annotated[str, StringConstraints(min_length=1, max_length=64), OneLine] | None = Field(
        default=None, description="Name (default: the role; at most 64 characters, NetBox's VLAN name limit)")
    vlan: VlanId | None = Field(default=None, description="VLAN id (default: the layout's for the role)")
    prefix: IPv4Network | None = Field(default=None, description="Prefix (default: the layout's slot)")
    gateway: IPv4Address | None = Field(default=None, description="Gateway (default: first host)")
    gateway_device: Hostname | None = Field(default=None, description="Routing device (default: first router)")
    hosts: int = Field(default=0, ge=0, description="Expected number of hosts")
    dhcp_relay: bool | None = Field(default=None, description="Relay DHCP to the data center")
    redundancy: Literal["vrrp", "none"] | None = Field(
        default=None, description="First-hop redundancy (default: vrrp where the gateway has a peer router of its "
                                  "role in the site or stands in an HA pair, else none)")
    vrrp: LanVrrpIntent | None = Field(default=None, description="The LAN's own VRRP settings")

    @model_validator(mode="after")
    def _vrrp_settings_need_vrrp(self) -> Self:
        if self.vrrp is not None and self.redundancy == "none":
            raise ValueError("`vrrp:` settings on a LAN with `redundancy: none`; drop one of them")
        return self


class _HostIntentBase(NetopsModel):
    name: Hostname = Field(description="Host name")
    lan: str = Field(description="Name of the data-center LAN the host is on")
    address: IPv4Address | None = Field(default=None, description="Address (default: allocated)")
    services: list[Slug] = Field(default_factory=list, description="Services the host runs")


class PhysicalServerIntent(_HostIntentBase):
    """A physical server."""

    kind: Literal["physical"] = Field(description="Discriminator")
    rack: Annotated[str, StringConstraints(min_length=1, max_length=100), OneLine] | None = Field(
        default=None, description="Rack (NetBox: 100 characters)")
    serial: Annotated[str, StringConstraints(max_length=50), OneLine] | None = Field(
        default=None, description="Serial number (NetBox: 50 characters)")


class VirtualMachineIntent(_HostIntentBase):
    """A virtual machine."""

    kind: Literal["virtual"] = Field(description="Discriminator")
    cluster: Annotated[str, StringConstraints(min_length=1, max_length=100), OneLine] = Field(
        description="Virtualization cluster (NetBox: 100 characters)")
    vcpus: int = Field(default=2, ge=1, le=512, description="Virtual CPUs")
    memory_mb: int = Field(default=4096, ge=128, description="Memory in MiB")


HostIntent = Annotated[PhysicalServerIntent | VirtualMachineIntent, Field(discriminator="kind")]


class _SiteIntentBase(NetopsModel):
    name: DisplayName = Field(description="Display name")
    slug: Slug | None = Field(default=None, description="Slug (default: derived from the name)")
    status: LifecycleStatus | None = Field(default=None, description="Lifecycle status (default: defaults)")
    number: SiteNumber | None = Field(default=None, description="Site number in its unit (addressing key)")
    address: Annotated[str, StringConstraints(max_length=200), OneLine] | None = Field(
        default=None, description="Street address (NetBox: 200 characters)")
    coordinates: Coordinates | None = Field(default=None, description="Map location")
    redundancy: Redundancy | None = Field(default=None, description="Expected attachment (checked)")
    devices: list[DeviceIntent] = Field(default_factory=list, description="Devices of the site")
    lans: list[LanIntent] = Field(default_factory=list, description="LANs of the site")
    ha_pairs: list[HaPairIntent] = Field(default_factory=list, description="Active/standby pairs of the site")
    vars: SiteVariables = Field(default_factory=dict)


class DataCenterSiteIntent(_SiteIntentBase):
    """The data center (city file only)."""

    kind: Literal["data_center"] = Field(description="Discriminator")
    hosts: list[HostIntent] = Field(default_factory=list, description="Servers and VMs")


class CityAgencySiteIntent(_SiteIntentBase):
    """A city agency (city file only)."""

    kind: Literal["city_agency"] = Field(description="Discriminator")


class DistrictCommitteeSiteIntent(_SiteIntentBase):
    """The district People's Committee (district file only)."""

    kind: Literal["district_committee"] = Field(description="Discriminator")


class WardCommitteeSiteIntent(_SiteIntentBase):
    """A ward/commune People's Committee (district file only)."""

    kind: Literal["ward_committee"] = Field(description="Discriminator")
    ward: WardCode = Field(description="Ward the committee governs")


class PartyAgencySiteIntent(_SiteIntentBase):
    """A party committee: city level in the city file, district or ward level in a district file."""

    kind: Literal["party_agency"] = Field(description="Discriminator")
    ward: WardCode | None = Field(default=None, description="Ward, for a ward-level party committee")


class MassOrganizationSiteIntent(_SiteIntentBase):
    """A mass organization office, at city, district or ward level like party agencies."""

    kind: Literal["mass_organization"] = Field(description="Discriminator")
    organization: MassOrganizationType = Field(description="Which organization")
    ward: WardCode | None = Field(default=None, description="Ward, for a ward-level office")


class UnitCommitteeSiteIntent(_SiteIntentBase):
    """The People's Committee of a commune-level unit (unit file only: the unit is the file's)."""

    kind: Literal["ward_committee"] = Field(description="Discriminator")


class PublicServicePointSiteIntent(_SiteIntentBase):
    """A public-service point (điểm phục vụ hành chính công) of a unit (unit file only)."""

    kind: Literal["public_service_point"] = Field(description="Discriminator")


class UnitPartySiteIntent(_SiteIntentBase):
    """The party committee of a unit (unit file only)."""

    kind: Literal["party_agency"] = Field(description="Discriminator")


class UnitMassOrganizationSiteIntent(_SiteIntentBase):
    """A mass organization office of a unit (unit file only)."""

    kind: Literal["mass_organization"] = Field(description="Discriminator")
    organization: MassOrganizationType = Field(description="Which organization")


class HubSiteIntent(_SiteIntentBase):
    """The building of an aggregation area's routers (area file only)."""

    kind: Literal["hub"] = Field(description="Discriminator")


CitySiteIntent = Annotated[
    DataCenterSiteIntent | CityAgencySiteIntent | PartyAgencySiteIntent | MassOrganizationSiteIntent,
    Field(discriminator="kind"),
]
DistrictSiteIntent = Annotated[
    DistrictCommitteeSiteIntent | WardCommitteeSiteIntent | PartyAgencySiteIntent | MassOrganizationSiteIntent,
    Field(discriminator="kind"),
]
UnitSiteIntent = Annotated[
    UnitCommitteeSiteIntent | UnitPartySiteIntent | UnitMassOrganizationSiteIntent | PublicServicePointSiteIntent,
    Field(discriminator="kind"),
]
AnySiteIntent = (
    DataCenterSiteIntent
    | CityAgencySiteIntent
    | DistrictCommitteeSiteIntent
    | WardCommitteeSiteIntent
    | PartyAgencySiteIntent
    | MassOrganizationSiteIntent
    | UnitCommitteeSiteIntent
    | UnitPartySiteIntent
    | UnitMassOrganizationSiteIntent
    | PublicServicePointSiteIntent
    | HubSiteIntent
)


class TemplateLan(NetopsModel):
    """A LAN a site template gives every site made from it."""

    role: LanRole = Field(description="staff, one_stop_shop, camera, management, servers or guest")
    hosts: int = Field(ge=0, description="Expected number of hosts")


class SiteTemplate(NetopsModel):
    """How `netops site add` equips a new site of a unit: its routers, how they attach, its LANs."""

    kinds: list[SiteKind] = Field(min_length=1, description="Site kinds the template is meant for")
    redundancy: Redundancy = Field(description="single_homed (one uplink) or dual_homed (two hub routers)")
    routers: int = Field(default=1, ge=1, le=2, description="Access routers: 1, or 2 for a dual-homed site "
                                                             "whose routers each take one hub")
    lans: list[TemplateLan] = Field(min_length=1, description="LANs of the site, by role, with their sizes")

    @model_validator(mode="after")
    def _routers_fit(self) -> Self:
        if self.routers == 2 and self.redundancy is Redundancy.SINGLE_HOMED:
            raise ValueError("a single-homed template has one router; two routers are a dual-homed site")
        return self


class CityIntent(NetopsModel):
    """inventory/city/city.yml: city-wide settings, the data center and city-level sites."""

    city: CityInfo = Field(description="The city")
    structure: Structure = Field(
        default=Structure.LEGACY,
        description="How sites are described: legacy (districts/, sites by district and ward) or 2025 (areas/ for "
                    "the network's hubs, communes/ for the sites of each unit, units/2025.yml the official list)")
    asn: Asn = Field(description="AS number of the city WAN")
    defaults: Defaults = Field(default_factory=Defaults, description="Defaults for sites and devices")
    addressing: AddressPlan = Field(description="Address pools and LAN layout")
    providers: list[ProviderIntent] = Field(description="Carriers")
    services: list[ServiceIntent] = Field(description="Shared data-center services")
    sites: list[CitySiteIntent] = Field(description="The data center and city-level sites")
    policy: ReachabilityPolicy = Field(description="Reachability policy")
    redundancy: RedundancyDefaults = Field(default_factory=RedundancyDefaults,
                                           description="City-wide first-hop redundancy (VRRP) defaults")
    design: DesignPolicy = Field(default_factory=DesignPolicy,
                                 description="Design rules (`netops analyze design`) and the risks the city accepts")
    site_templates: dict[Slug, SiteTemplate] = Field(
        default_factory=dict, description="Site templates of `netops site add`, by name (a built-in's name "
                                          "replaces it)")


class WardInfo(NetopsModel):
    """A ward/commune of the district (the official list; sites refer to it by code)."""

    code: WardCode = Field(description="Official code")
    name: DisplayName = Field(description="Official name, e.g. 'Phường Phúc Xá'")
    kind: LegacyWardKind = Field(description="phuong, xa or thi_tran")
    slug: Slug | None = Field(default=None, description="Slug (default: from the name)")


class DistrictInfo(NetopsModel):
    """The district a district file describes."""

    code: DistrictCode = Field(description="Official code")
    name: DisplayName = Field(description="Official name, e.g. 'Quận Ba Đình'")
    kind: DistrictKind = Field(description="quan, huyen or thi_xa")
    slug: Slug | None = Field(default=None, description="Slug (default: from the name)")


class DistrictIntent(NetopsModel):
    """inventory/city/districts/<code>-<slug>.yml: one district, its wards and its sites."""

    district: DistrictInfo = Field(description="The district")
    defaults: DistrictDefaults = Field(default_factory=DistrictDefaults, description="Overrides")
    wards: list[WardInfo] = Field(default_factory=list, description="Wards/communes of the district")
    sites: list[DistrictSiteIntent] = Field(default_factory=list, description="Sites of the district")


class AreaInfo(NetopsModel):
    """The aggregation area an area file describes."""

    code: AreaCode = Field(description="Area number (by convention the code of the district it was built for)")
    name: DisplayName = Field(description="Display name, e.g. 'Cụm Ba Đình'")
    slug: Slug | None = Field(default=None, description="Slug (default: from the name)")


class AreaIntent(NetopsModel):
    """areas/<code>-<slug>.yml (2025 structure): one aggregation area and its hub sites."""

    area: AreaInfo = Field(description="The area")
    defaults: DistrictDefaults = Field(default_factory=DistrictDefaults, description="Overrides")
    sites: list[HubSiteIntent] = Field(default_factory=list, description="Hub sites of the area")


class UnitInfo(NetopsModel):
    """The commune-level unit a unit file describes: its official code and name (units/2025.yml)."""

    code: WardCode = Field(description="Official five-digit code")
    name: DisplayName = Field(description="Official name, e.g. 'Phường Ba Đình'")


class UnitIntent(NetopsModel):
    """communes/<code>-<slug>.yml (2025 structure): one commune-level unit and its sites."""

    unit: UnitInfo = Field(description="The unit")
    defaults: DistrictDefaults = Field(default_factory=DistrictDefaults, description="Overrides")
    sites: list[UnitSiteIntent] = Field(default_factory=list, description="Sites of the unit")
