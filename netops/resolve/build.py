"""Resolve intent into a validated Network.

The phases, in order (each needs what the one before produced):
1. administrative units and catalogues (districts, wards, providers, services);
2. sites, with their addressing key (level, official code, site number);
3. devices, named and numbered within their site;
4. links, from each device's uplinks (needs every device name);
5. LANs, with their gateway interfaces (needs each site's devices);
6. interfaces, loopbacks and management addresses of every device (needs links and LANs);
7. data-center hosts (needs the data-center LANs);
8. the Network root, whose cross-object checks run last.
Problems are collected through every phase and raised together; a phase skips what an earlier
problem made impossible, so one mistake is reported once.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import Any

from pydantic import BaseModel, ValidationError

from citynet_models.addressing import DEVICES_PER_SITE, SITES_PER_UNIT, UPLINKS_PER_DEVICE
from citynet_models.admin import City, District, Ward
from citynet_models.datacenter import DcHost, PhysicalServer, Service, VirtualMachine
from citynet_models.devices import Device, Interface, LanInterface, LoopbackInterface, ManagementInterface, WanInterface
from citynet_models.intent import (
    AnySiteIntent,
    DataCenterSiteIntent,
    DeviceIntent,
    LanIntent,
    MassOrganizationSiteIntent,
    PartyAgencySiteIntent,
    PhysicalServerIntent,
    UplinkIntent,
    WardCommitteeSiteIntent,
)
from citynet_models.lans import Lan, lan_capacity
from citynet_models.links import Circuit, LinkEndpoint, Provider, WanLink
from citynet_models.network import Network
from citynet_models.problems import Location, ModelPath, NetworkInvalidError, Problem, item, render_path
from citynet_models.sites import (
    CityAgencySite,
    DataCenterSite,
    DistrictCommitteeSite,
    MassOrganizationSite,
    PartyAgencySite,
    Site,
    WardCommitteeSite,
)
from citynet_models.slug import slugify
from citynet_models.types import AdminLevel, DeviceRole, LanRole, LinkRole, Platform, Redundancy, SiteKind
from netops.errors import InputError
from netops.intent.loader import LoadedIntent
from netops.intent.yamlsource import DataPath, SourceDocument
from netops.resolve import allocate, naming

#: Default site number of each kind within its ward or district.
_DEFAULT_SITE_NUMBER = {
    SiteKind.DISTRICT_COMMITTEE: 0,
    SiteKind.WARD_COMMITTEE: 0,
    SiteKind.PARTY_AGENCY: 1,
    SiteKind.MASS_ORGANIZATION: 2,
    SiteKind.DATA_CENTER: 0,
}
_ROUTING_ROLES = (DeviceRole.ACCESS_ROUTER, DeviceRole.AGGREGATION, DeviceRole.FIREWALL, DeviceRole.CORE)
#: LAN roles whose gateway relays DHCP to the data center unless intent says otherwise.
_DHCP_ROLES = (LanRole.STAFF, LanRole.ONE_STOP_SHOP, LanRole.GUEST, LanRole.CAMERA)
#: Reference bandwidth for OSPF costs, in Mbit/s (100 Gbit/s), and the bandwidth assumed in-building.
_REFERENCE_MBPS = 100_000
_IN_BUILDING_MBPS = 10_000

SourceMap = dict[ModelPath, Location]

#: Limits of what is derived: NetBox's slug length, a hostname (one DNS label), NetBox's descriptions.
_SLUG_MAX = 100
_HOSTNAME_MAX = 63
_DESCRIPTION_MAX = 200


@dataclass(frozen=True)
class Resolution:
    """The resolved network and where in the intent each of its objects came from."""

    network: Network
    sources: SourceMap


@dataclass
class _SitePlan:
    intent: AnySiteIntent
    document: SourceDocument
    data_path: DataPath
    slug: str
    level: AdminLevel
    district: str | None
    ward: str | None
    key: allocate.SiteKey
    platform: Platform
    status: Any


@dataclass
class _DevicePlan:
    intent: DeviceIntent
    site: _SitePlan
    name: str
    number: int
    platform: Platform
    data_path: DataPath
    interfaces: list[Interface] = field(default_factory=list)


@dataclass
class _LinkPlan:
    uplink: UplinkIntent
    downstream: _DevicePlan
    upstream: _DevicePlan
    uplink_number: int
    prefix: IPv4Network
    downstream_address: IPv4Interface
    upstream_address: IPv4Interface
    data_path: DataPath
    id: str = ""
    downstream_interface: str = ""
    upstream_interface: str = ""


class _Resolver:
    def __init__(self, intent: LoadedIntent) -> None:
        self.intent = intent
        self.plan = intent.city.addressing
        self.problems: list[Problem] = []
        self.sources: SourceMap = {}
        # Sites one of whose devices was refused: their LANs are not checked against a device list that
        # is known to be short, so one mistake is reported once.
        self.incomplete_sites: set[str] = set()

    # -- bookkeeping -------------------------------------------------------------------------------

    def source(self, path: ModelPath, document: SourceDocument, data_path: DataPath) -> Location:
        location = document.location(data_path)
        self.sources[path] = location
        return location

    def claim(self, path: ModelPath, document: SourceDocument, data_path: DataPath, what: str,
              hint: str) -> Location | None:
        """Record where an object keyed by ``path`` comes from; None (with a problem naming both places) when
        an earlier object has the same key."""
        first = self.sources.get(path)
        location = document.location(data_path)
        if first is not None:
            self.problem(path, location, f"duplicate {what}", f"each {what} once in the city",
                         f"{path[-1][1:-1]!r} again (first at {first})", hint)
            return None
        self.sources[path] = location
        return location

    def problem(self, path: ModelPath, location: Location, message: str, expected: str | None = None,
                found: str | None = None, hint: str | None = None) -> None:
        self.problems.append(Problem(path=path, message=message, expected=expected, found=found, hint=hint,
                                     location=location))

    def build[M: BaseModel](self, model: Callable[..., M], path: ModelPath, location: Location,
                            **values: Any) -> M | None:
        """Construct a model; a per-object rule it breaks becomes a Problem at the intent's location."""
        try:
            return model(**values)
        except ValidationError as error:
            for details in error.errors(include_url=False):
                self.problem(path, location, details["msg"].removeprefix("Value error, "))
            return None

    # -- phases ------------------------------------------------------------------------------------

    def run(self) -> Resolution:
        city = self.resolve_city()
        districts, wards = self.resolve_admin_units()
        providers = self.resolve_providers()
        services = self.resolve_services()
        site_plans = self.resolve_site_plans()
        device_plans = self.resolve_device_plans(site_plans)
        link_plans = self.resolve_links(device_plans)
        lans = self.resolve_lans(site_plans, device_plans)
        self.name_wan_interfaces(device_plans, link_plans)
        links = self.build_links(link_plans)
        devices = self.build_devices(device_plans)
        sites = self.build_sites(site_plans, lans, link_plans)
        hosts = self.resolve_hosts(site_plans, lans)
        if self.problems or city is None:
            raise InputError(self.problems)
        try:
            network = Network(
                city=city,
                addressing=self.plan,
                districts=tuple(districts),
                wards=tuple(wards),
                providers=tuple(providers),
                services=tuple(services),
                sites=tuple(sites),
                devices=tuple(devices),
                links=tuple(links),
                hosts=tuple(hosts),
                policy=self.intent.city.policy,
            )
        except ValidationError as error:
            keys = {"districts": [d.code for d in districts], "wards": [w.code for w in wards],
                    "providers": [p.slug for p in providers], "services": [s.name for s in services],
                    "sites": [s.slug for s in sites], "devices": [d.name for d in devices],
                    "links": [link.id for link in links], "hosts": [h.name for h in hosts]}
            raise InputError(self.network_problems(error, keys)) from error
        return Resolution(network=network, sources=self.sources)

    def network_problems(self, error: ValidationError, keys: dict[str, list[str]]) -> list[Problem]:
        problems: list[Problem] = []
        for details in error.errors(include_url=False):
            cause = details.get("ctx", {}).get("error")
            if isinstance(cause, NetworkInvalidError):
                problems.extend(self.locate(problem) for problem in cause.problems)
            else:
                # pydantic counts list items (sites, 3, ...); the sources know objects by key (sites, [slug]).
                loc = [str(segment) for segment in details["loc"]]
                if len(loc) >= 2 and loc[0] in keys and loc[1].isdigit() and int(loc[1]) < len(keys[loc[0]]):
                    loc[1] = item(keys[loc[0]][int(loc[1])])
                problems.append(self.locate(Problem(path=tuple(loc), message=details["msg"])))
        return problems

    def locate(self, problem: Problem) -> Problem:
        """Attach the intent location of the longest known prefix of the problem's path; a problem naming a
        related object (a duplicate's first occurrence) says where that one is, too."""
        location = self.find_location(problem.path)
        values = {**problem.__dict__, "location": location}
        if problem.related is not None:
            first, first_path = self.find_location(problem.related), problem.related
            if (first.file, first.line) > (location.file, location.line):
                # Report the clash at the later of the two in the files, naming the earlier one.
                values.update(path=problem.related, related=problem.path, location=first)
                location, first, first_path = first, location, problem.path
            values["found"] = f"{problem.found or 'a clash'} (first at {first}: {render_path(first_path)})"
        return Problem(**values)

    def find_location(self, path: ModelPath) -> Location:
        for length in range(len(path), 0, -1):
            location = self.sources.get(path[:length])
            if location is not None:
                return location
        # Every check names an object the resolver recorded; this is the last resort, not the rule.
        return self.intent.city_document.location(())

    def derive_slug(self, explicit: str | None, name: str, what: str, path: ModelPath,
                    location: Location) -> str | None:
        """The slug given, or the one derived from the name; None (with a problem) when the derived one is
        empty or longer than NetBox keeps (100)."""
        if explicit is not None:
            return explicit
        slug = slugify(name)
        if not slug:
            self.problem(path, location, f"the {what}'s name gives an empty slug",
                         "a name with at least one letter or digit (after removing diacritics), or an explicit slug",
                         repr(name), f"give the {what} an explicit `slug:` (a-z, 0-9 and single hyphens)")
            return None
        if len(slug) > _SLUG_MAX:
            self.problem(path, location, f"the {what}'s name gives a slug too long for NetBox",
                         f"a slug of at most {_SLUG_MAX} characters", f"{len(slug)} characters: {slug!r}",
                         f"give the {what} a shorter explicit `slug:`")
            return None
        return slug

    def resolve_city(self) -> City | None:
        city = self.intent.city
        document = self.intent.city_document
        location = self.source(("city",), document, ("city",))
        self.source(("addressing",), document, ("addressing",))
        self.source(("policy",), document, ("policy",))
        self.source(("policy", "management_services"), document, ("policy", "management_services"))
        for index, rule in enumerate(city.policy.rules):
            self.claim(("policy", item(rule.id)), document, ("policy", "rules", index), "policy rule id",
                       "give each rule its own `id:`")
        bounds = city.city.bounds
        if bounds is not None and not bounds.ordered:
            self.problem(("city", "bounds"), document.location(("city", "bounds")), "city bounds the wrong way round",
                         "south < north and west < east (decimal degrees)",
                         f"south {bounds.south}, north {bounds.north}, west {bounds.west}, east {bounds.east}",
                         "south and north are latitudes, west and east longitudes; exchange the pair that is reversed")
        slug = self.derive_slug(city.city.slug, city.city.name, "city", ("city",), location)
        if slug is None:
            return None
        return self.build(City, ("city",), location, code=city.city.code, name=city.city.name, slug=slug,
                          asn=city.asn)

    def resolve_admin_units(self) -> tuple[list[District], list[Ward]]:
        districts: list[District] = []
        wards: list[Ward] = []
        for source in self.intent.districts:
            info = source.intent.district
            path: ModelPath = ("districts", item(info.code))
            claimed = self.claim(path, source.document, ("district",), "district code",
                                 "each district file describes one district; check the code against the "
                                 "official list")
            location = claimed or source.document.location(("district",))
            slug = None if claimed is None else self.derive_slug(info.slug, info.name, "district", path, location)
            district = None if slug is None else self.build(District, path, location, code=info.code,
                                                            name=info.name, slug=slug, kind=info.kind)
            if district is not None:
                districts.append(district)
            for index, ward_info in enumerate(source.intent.wards):
                ward_path: ModelPath = ("wards", item(ward_info.code))
                ward_location = self.claim(ward_path, source.document, ("wards", index), "ward code",
                                           "list each ward once, in its district's file; check the code")
                if ward_location is None:
                    continue
                ward_slug = self.derive_slug(ward_info.slug, ward_info.name, "ward", ward_path, ward_location)
                ward = None if ward_slug is None else self.build(
                    Ward, ward_path, ward_location, code=ward_info.code, name=ward_info.name, slug=ward_slug,
                    kind=ward_info.kind, district=info.code)
                if ward is not None:
                    wards.append(ward)
        districts.sort(key=lambda d: d.code)
        wards.sort(key=lambda w: w.code)
        return districts, wards

    def resolve_providers(self) -> list[Provider]:
        providers = []
        for index, intent in enumerate(self.intent.city.providers):
            location = self.intent.city_document.location(("providers", index))
            slug = self.derive_slug(intent.slug, intent.name, "provider", ("providers", item(intent.name)), location)
            if slug is None:
                continue
            path: ModelPath = ("providers", item(slug))
            if self.claim(path, self.intent.city_document, ("providers", index), "provider slug",
                          "give the providers distinct names or explicit `slug:`s") is None:
                continue
            provider = self.build(Provider, path, location, slug=slug, name=intent.name)
            if provider is not None:
                providers.append(provider)
        return providers

    def resolve_services(self) -> list[Service]:
        services = []
        for index, intent in enumerate(self.intent.city.services):
            if self.claim(("services", item(intent.name)), self.intent.city_document, ("services", index),
                          "service name", "give each service its own `name:`") is not None:
                services.append(intent.to_service())
        return services

    def resolve_site_plans(self) -> list[_SitePlan]:
        plans: list[_SitePlan] = []
        defaults = self.intent.city.defaults
        city_sites: list[AnySiteIntent] = list(self.intent.city.sites)
        for index, site in enumerate(city_sites):
            plan = self.site_plan(site, self.intent.city_document, ("sites", index), None,
                                  defaults.platform, defaults.status)
            if plan is not None:
                plans.append(plan)
        for source in self.intent.districts:
            district_defaults = source.intent.defaults
            platform = district_defaults.platform or defaults.platform
            status = district_defaults.status or defaults.status
            district_sites: list[AnySiteIntent] = list(source.intent.sites)
            for index, district_site in enumerate(district_sites):
                plan = self.site_plan(district_site, source.document, ("sites", index), source.intent.district.code,
                                      platform, status)
                if plan is not None:
                    plans.append(plan)
        return self.distinct_keys(plans)

    def distinct_keys(self, plans: list[_SitePlan]) -> list[_SitePlan]:
        """Two sites with one addressing key would get the same addresses everywhere: reported once, at the
        later site, and that site left out so its clashing addresses are not reported again one by one."""
        first: dict[allocate.SiteKey, _SitePlan] = {}
        kept: list[_SitePlan] = []
        for plan in plans:
            if plan.intent.kind == "data_center":
                kept.append(plan)
                continue
            other = first.get(plan.key)
            if other is None:
                first[plan.key] = plan
                kept.append(plan)
                continue
            unit = {AdminLevel.CITY: "the city", AdminLevel.DISTRICT: f"district {plan.district}",
                    AdminLevel.WARD: f"ward {plan.ward}"}[plan.level]
            number_path = (*plan.data_path, "number")
            where = plan.document.location(number_path if plan.intent.number is not None else plan.data_path)
            self.problem(("sites", item(plan.slug), "number"), where, "two sites share an addressing key",
                         f"distinct site numbers within {unit}",
                         f"number {plan.key.number} again (first at {other.document.location(other.data_path)}: "
                         f"sites[{other.slug}])",
                         f"give one of the sites an explicit `number:` (0-{SITES_PER_UNIT - 1} per ward or district; "
                         f"by default committees are 0, party agencies 1, mass organizations 2)")
        return kept

    def site_plan(self, site: AnySiteIntent, document: SourceDocument, data_path: DataPath,
                  district: str | None, platform: Platform, status: Any) -> _SitePlan | None:
        slug = self.derive_slug(site.slug, site.name, "site", ("sites", item(site.name)),
                                document.location(data_path))
        if slug is None:
            return None
        path: ModelPath = ("sites", item(slug))
        if path in self.sources:
            # Reported here, once: the site's devices would otherwise clash name by name.
            self.problem(path, document.location(data_path), "duplicate site slug", "each site slug once in the city",
                         f"{slug!r} again (first at {self.sources[path]})",
                         "give one of the sites an explicit `slug:` (e.g. with the district's name in it)")
            return None
        location = self.source(path, document, data_path)
        ward = site.ward if isinstance(site, WardCommitteeSiteIntent | PartyAgencySiteIntent |
                                       MassOrganizationSiteIntent) else None
        kind = SiteKind(site.kind)
        if district is None and ward is not None:
            self.problem((*path, "ward"), document.location((*data_path, "ward")),
                         "ward-level site in the city file", "city-level sites only in city.yml",
                         f"ward {ward}", "move the site to its district's file under districts/")
            return None
        if ward is not None:
            level, unit = AdminLevel.WARD, int(ward)
        elif district is not None:
            level, unit = AdminLevel.DISTRICT, int(district)
        else:
            level, unit = AdminLevel.CITY, 0
        if site.coordinates is not None:
            self.check_coordinates(site, path, document, data_path)
        number = site.number if site.number is not None else _DEFAULT_SITE_NUMBER.get(kind)
        if number is None:
            self.problem((*path, "number"), location, "city-level site without a number",
                         "`number:` 1-255 (the data center is 0)", "none",
                         "city agencies are addressed by their number; pick one no other city site uses")
            return None
        if level is not AdminLevel.CITY and number >= SITES_PER_UNIT:
            self.problem((*path, "number"), document.location((*data_path, "number")),
                         "site number too large", f"0-{SITES_PER_UNIT - 1} within a ward or district",
                         str(number))
            return None
        return _SitePlan(intent=site, document=document, data_path=data_path, slug=slug, level=level,
                         district=district, ward=ward, key=allocate.SiteKey(level, unit, number),
                         platform=platform, status=site.status or status)

    def check_coordinates(self, site: AnySiteIntent, path: ModelPath, document: SourceDocument,
                          data_path: DataPath) -> None:
        """A site's map point must lie inside the city's bounds; a point that would lie inside with latitude
        and longitude exchanged is reported as swapped."""
        assert site.coordinates is not None
        bounds = self.intent.city.city.effective_bounds()
        latitude, longitude = site.coordinates.latitude, site.coordinates.longitude
        if not bounds.ordered or bounds.contains(latitude, longitude):
            return  # reversed bounds are reported once, at the city
        where = document.location((*data_path, "coordinates"))
        given = "city.bounds in city.yml" if self.intent.city.city.bounds else (
            "the default bounds of city code " + self.intent.city.city.code)
        if bounds.contains(longitude, latitude):
            self.problem((*path, "coordinates"), where, "latitude and longitude look swapped",
                         f"a point inside {bounds}",
                         f"latitude {latitude}, longitude {longitude} (exchanged, they fall inside)",
                         f"write {{latitude: {longitude}, longitude: {latitude}}}")
            return
        self.problem((*path, "coordinates"), where, "coordinates outside the city",
                     f"a point inside {bounds} ({given})", f"latitude {latitude}, longitude {longitude}",
                     "check the point on a map; if the city really reaches there, widen `city.bounds` "
                     "(south, west, north, east) in city.yml")

    def resolve_device_plans(self, sites: list[_SitePlan]) -> dict[str, _DevicePlan]:
        devices: dict[str, _DevicePlan] = {}
        for site in sites:
            for index, intent in enumerate(site.intent.devices):
                number = intent.number if intent.number is not None else index
                name = intent.name or naming.default_device_name(site.slug, intent.role, number)
                data_path = (*site.data_path, "devices", index)
                path: ModelPath = ("devices", item(name))
                location = self.source(path, site.document, data_path)
                if intent.name is None and len(name) > _HOSTNAME_MAX:
                    self.problem(path, location, "derived device name too long for a hostname",
                                 f"at most {_HOSTNAME_MAX} characters (one DNS label: the limit of FRR, IOS-XE and "
                                 f"VRP hostnames; NetBox keeps 64)",
                                 f"{len(name)} characters: {name!r} (site slug + role + number)",
                                 "give the device an explicit `name:`, or the site a shorter `slug:`")
                    self.incomplete_sites.add(site.slug)
                    continue
                if name in devices:
                    first = devices[name].site.document.location(devices[name].data_path)
                    self.problem(path, location, "duplicate device name", "each device name once in the city",
                                 f"{name!r} again (first at {first})",
                                 "give one of them another `name:`")
                    self.incomplete_sites.add(site.slug)
                    continue
                if number >= DEVICES_PER_SITE:
                    self.problem((*path, "number"), location, "too many devices in one site",
                                 f"device numbers 0-{DEVICES_PER_SITE - 1}", str(number),
                                 "split the site, or give switches explicit numbers")
                    self.incomplete_sites.add(site.slug)
                    continue
                devices[name] = _DevicePlan(intent=intent, site=site, name=name, number=number,
                                            platform=intent.platform or site.platform, data_path=data_path)
        return devices

    def resolve_links(self, devices: dict[str, _DevicePlan]) -> list[_LinkPlan]:
        links: list[_LinkPlan] = []
        for device in devices.values():
            for index, uplink in enumerate(device.intent.uplinks):
                data_path = (*device.data_path, "uplinks", index)
                location = device.site.document.location(data_path)
                path: ModelPath = ("devices", item(device.name), "uplinks", item(index))
                upstream = devices.get(uplink.to)
                if upstream is None:
                    close = [name for name in devices if name.startswith(uplink.to[:6])][:3]
                    self.problem((*path, "to"), location, "uplink to an unknown device",
                                 "the name of a device of the city", repr(uplink.to),
                                 f"known devices like it: {', '.join(close)}" if close
                                 else "see `netops show devices` for the names")
                    continue
                if upstream is device:
                    self.problem((*path, "to"), location, "uplink to the device itself",
                                 "another device", repr(uplink.to))
                    continue
                here, there = device.site.district, upstream.site.district
                if here is not None and there is not None and here != there and not uplink.cross_district:
                    self.problem((*path, "to"), location, "uplink to another district's router",
                                 f"an upstream router of district {here} (or of the data center)",
                                 f"{uplink.to!r} of site {upstream.site.slug} in district {there}",
                                 "if the site is homed across the district border on purpose, say so with "
                                 "`cross_district: true` on the uplink")
                    continue
                if index >= UPLINKS_PER_DEVICE:
                    self.problem(path, location, "too many uplinks", f"at most {UPLINKS_PER_DEVICE} per device",
                                 f"{len(device.intent.uplinks)}")
                    continue
                try:
                    prefix, down, up = self.link_addresses(device, index, uplink)
                except allocate.AllocationError as error:
                    self.problem(path, location, error.message, error.expected, error.found, error.hint)
                    continue
                links.append(_LinkPlan(uplink=uplink, downstream=device, upstream=upstream, uplink_number=index,
                                       prefix=prefix, downstream_address=down, upstream_address=up,
                                       data_path=data_path))
        # Ids: upstream--downstream, with an index only where two links join the same pair.
        pairs: dict[tuple[str, str], list[_LinkPlan]] = defaultdict(list)
        for link in links:
            pairs[(link.upstream.name, link.downstream.name)].append(link)
        for (upstream_name, downstream_name), parallel in pairs.items():
            for position, link in enumerate(parallel):
                suffix = f"-{position + 1}" if len(parallel) > 1 else ""
                link.id = f"{upstream_name}--{downstream_name}{suffix}"
                self.source(("links", item(link.id)), link.downstream.site.document, link.data_path)
        return links

    def link_addresses(self, device: _DevicePlan, index: int,
                       uplink: UplinkIntent) -> tuple[IPv4Network, IPv4Interface, IPv4Interface]:
        if uplink.address is not None:
            prefix = uplink.address.network
            down = uplink.address
        else:
            prefix = allocate.link_prefix(self.plan, device.site.key, device.number, index)
            down = IPv4Interface((prefix.network_address + 1, 31))
        up_ip = prefix.network_address if down.ip != prefix.network_address else prefix.network_address + 1
        return prefix, down, IPv4Interface((up_ip, 31))

    def resolve_lans(self, sites: list[_SitePlan], devices: dict[str, _DevicePlan]) -> dict[str, list[Lan]]:
        lans: dict[str, list[Lan]] = {}
        by_site: dict[str, list[_DevicePlan]] = defaultdict(list)
        for device in devices.values():
            by_site[device.site.slug].append(device)
        for site in sites:
            site_lans = lans.setdefault(site.slug, [])
            for index, intent in enumerate(site.intent.lans):
                lan = self.resolve_lan(site, index, intent, by_site[site.slug], devices)
                if lan is not None:
                    site_lans.append(lan)
        return lans

    def resolve_lan(self, site: _SitePlan, index: int, intent: LanIntent, site_devices: list[_DevicePlan],
                    devices: dict[str, _DevicePlan]) -> Lan | None:
        name = intent.name or intent.role.value
        data_path = (*site.data_path, "lans", index)
        path: ModelPath = ("sites", item(site.slug), "lans", item(name))
        location = self.source(path, site.document, data_path)
        layout = self.plan.site_plan(site.level)
        prefix, vlan = intent.prefix, intent.vlan
        if prefix is None or vlan is None:
            slot: tuple[IPv4Network, int] | None = None
            if layout is not None and site.intent.kind != "data_center":
                try:
                    slot = allocate.lan_prefix(layout, allocate.site_block(layout, site.key), intent.role)
                except allocate.AllocationError as error:
                    self.problem(path, location, error.message, error.expected, error.found, error.hint)
                    return None
            if slot is None:
                missing = " and ".join(key for key, value in (("prefix", prefix), ("vlan", vlan)) if value is None)
                self.problem(path, location, f"no {missing} for the LAN",
                             f"a layout slot for role {intent.role.value} at {site.level.value} level, "
                             f"or an explicit {missing}", "none",
                             f"give the LAN `{missing.replace(' and ', ':` and `')}:`, or add the role to "
                             f"addressing.site_blocks[{site.level.value}].lans")
                return None
            prefix = prefix or slot[0]
            vlan = vlan or slot[1]
        capacity = lan_capacity(prefix)
        if intent.hosts > capacity:
            self.problem((*path, "hosts"), site.document.location((*data_path, "hosts")), "LAN too small",
                         f"at most {capacity} hosts in {prefix}", f"{intent.hosts} hosts",
                         "give the LAN an explicit larger `prefix:` from the pool, or split it into two VLANs")
            return None
        gateway = intent.gateway or prefix.network_address + 1
        if site.slug in self.incomplete_sites:
            return None
        if intent.gateway_device is not None:
            gateway_device = devices.get(intent.gateway_device)
            if gateway_device is None or gateway_device.site is not site:
                self.problem((*path, "gateway_device"), location, "LAN gateway is not a device of the site",
                             f"one of: {', '.join(d.name for d in site_devices) or 'no devices'}",
                             repr(intent.gateway_device))
                return None
        else:
            routers = [d for d in site_devices if d.intent.role in _ROUTING_ROLES]
            if not routers:
                self.problem(path, location, "no router to route the LAN", "a device with a routing role",
                             "none", "add an access_router to the site's `devices:`")
                return None
            gateway_device = routers[0]
        interface_name = naming.lan_interface(gateway_device.platform, vlan)
        lan = self.build(Lan, path, location, name=name, role=intent.role, vlan=vlan, prefix=prefix,
                         gateway=gateway, gateway_device=gateway_device.name, gateway_interface=interface_name,
                         hosts=intent.hosts,
                         dhcp_relay=intent.dhcp_relay if intent.dhcp_relay is not None
                         else intent.role in _DHCP_ROLES)
        if lan is not None:
            gateway_device.interfaces.append(
                LanInterface(kind="lan", name=interface_name, vlan=vlan, lan=name,
                             address=IPv4Interface((gateway, prefix.prefixlen)),
                             description=_description(f"LAN {name} VLAN {vlan} of {site.slug}"))
            )
        return lan

    def name_wan_interfaces(self, devices: dict[str, _DevicePlan], links: list[_LinkPlan]) -> None:
        """Uplinks take the first WAN ports in the order written; downlinks follow in order of the
        downstream site's addressing key, so the numbering does not depend on file order."""
        ports: dict[str, list[tuple[tuple[int, ...], _LinkPlan, bool]]] = defaultdict(list)
        for link in links:
            ports[link.downstream.name].append(((0, link.uplink_number), link, True))
            ports[link.upstream.name].append(
                ((1, link.downstream.site.key.slot, link.downstream.number, link.uplink_number), link, False)
            )
        for device_name, entries in ports.items():
            device = devices[device_name]
            taken = {explicit for _, link, down in entries
                     if (explicit := (link.uplink.interface if down else link.uplink.remote_interface))}
            claimed: dict[str, _LinkPlan] = {}
            for _, link, down in entries:
                explicit = link.uplink.interface if down else link.uplink.remote_interface
                if explicit is None:
                    continue
                other = claimed.setdefault(explicit, link)
                if other is not link:
                    earlier, later = sorted((link, other), key=lambda plan: self.sources[("links", item(plan.id))])
                    key = "interface" if later.downstream is device else "remote_interface"
                    self.problem(("links", item(later.id), key), self.sources[("links", item(later.id))],
                                 "two links on one port", f"a port of {device_name} no other link uses",
                                 f"{explicit!r} again (first at {self.sources[('links', item(earlier.id))]}: "
                                 f"links[{earlier.id}])",
                                 f"give the uplink another `{key}:`, or leave it out to have a free port chosen")
            number = 0
            for _, link, down in sorted(entries, key=lambda entry: entry[0]):
                explicit = link.uplink.interface if down else link.uplink.remote_interface
                if explicit is None:
                    number += 1
                    while naming.wan_port(device.platform, number) in taken:
                        number += 1
                    explicit = naming.wan_port(device.platform, number)
                if down:
                    link.downstream_interface = explicit
                else:
                    link.upstream_interface = explicit

    def build_links(self, plans: list[_LinkPlan]) -> list[WanLink]:
        links: list[WanLink] = []
        for plan in plans:
            path: ModelPath = ("links", item(plan.id))
            location = self.sources[path]
            role = _link_role(plan.upstream.intent.role, plan.downstream.intent.role)
            uplink = plan.uplink
            bandwidth = uplink.bandwidth_mbps or _IN_BUILDING_MBPS
            circuit = None
            if uplink.provider is not None and uplink.circuit_id is not None and uplink.bandwidth_mbps is not None:
                circuit = Circuit(provider=uplink.provider, circuit_id=uplink.circuit_id,
                                  bandwidth_mbps=uplink.bandwidth_mbps, media=uplink.media)
            district = plan.downstream.site.district
            area = 0 if role in (LinkRole.CORE, LinkRole.BACKBONE) or district is None else int(district)
            link = self.build(
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
            plan.downstream.interfaces.append(WanInterface(
                kind="wan", name=plan.downstream_interface, address=plan.downstream_address, link=plan.id,
                peer_device=plan.upstream.name, peer_interface=plan.upstream_interface,
                description=_description(f"UPLINK to {plan.upstream.name} {plan.upstream_interface} [{far}]")))
            plan.upstream.interfaces.append(WanInterface(
                kind="wan", name=plan.upstream_interface, address=plan.upstream_address, link=plan.id,
                peer_device=plan.downstream.name, peer_interface=plan.downstream_interface,
                description=_description(
                    f"DOWNLINK to {plan.downstream.name} {plan.downstream_interface} [{far}]")))
        return links

    def build_devices(self, plans: dict[str, _DevicePlan]) -> list[Device]:
        devices: list[Device] = []
        for plan in plans.values():
            path: ModelPath = ("devices", item(plan.name))
            location = self.sources[path]
            intent = plan.intent
            try:
                loopback = None
                if intent.role is not DeviceRole.SWITCH:
                    loopback = intent.loopback or allocate.loopback_address(self.plan, plan.site.key, plan.number)
                management = (IPv4Interface((intent.management, self.plan.management.prefixlen))
                              if intent.management is not None
                              else allocate.management_address(self.plan, plan.site.key, plan.number))
            except allocate.AllocationError as error:
                self.problem(path, location, error.message, error.expected, error.found, error.hint)
                continue
            interfaces: list[Interface] = []
            if loopback is not None:
                interfaces.append(LoopbackInterface(kind="loopback", name=naming.loopback_interface(plan.platform),
                                                    address=IPv4Interface((loopback, 32)),
                                                    description="router id, BGP source"))
            interfaces.append(ManagementInterface(kind="management", name=naming.management_interface(plan.platform),
                                                  address=management, description="out-of-band management"))
            interfaces.extend(sorted(plan.interfaces, key=interface_order))
            device = self.build(Device, path, location, name=plan.name, site=plan.site.slug, role=intent.role,
                                platform=plan.platform, number=plan.number, loopback=loopback,
                                management=management, interfaces=tuple(interfaces), tags=tuple(intent.tags))
            if device is not None:
                devices.append(device)
        devices.sort(key=lambda d: d.name)
        return devices

    def build_sites(self, plans: list[_SitePlan], lans: dict[str, list[Lan]],
                    links: list[_LinkPlan]) -> list[Site]:
        upstreams: dict[str, set[str]] = defaultdict(set)
        for link in links:
            if link.upstream.site is not link.downstream.site:
                upstreams[link.downstream.site.slug].add(link.upstream.name)
        sites: list[Site] = []
        for plan in plans:
            intent = plan.intent
            path: ModelPath = ("sites", item(plan.slug))
            location = self.sources[path]
            redundancy = intent.redundancy
            if redundancy is None and intent.kind != "data_center":
                redundancy = Redundancy.DUAL_HOMED if len(upstreams[plan.slug]) >= 2 else Redundancy.SINGLE_HOMED
            common: dict[str, Any] = {
                "slug": plan.slug, "name": intent.name, "kind": intent.kind, "level": plan.level,
                "number": plan.key.number, "status": plan.status, "address": intent.address,
                "coordinates": intent.coordinates, "lans": tuple(sorted(lans.get(plan.slug, []),
                                                                        key=lambda lan: lan.vlan)),
                "redundancy": redundancy, "district": plan.district, "ward": plan.ward, "vars": intent.vars,
            }
            site_model: Callable[..., Site] = _SITE_MODELS[SiteKind(intent.kind)]
            if isinstance(intent, MassOrganizationSiteIntent):
                common["organization"] = intent.organization
            site = self.build(site_model, path, location, **common)
            if site is not None:
                sites.append(site)
        sites.sort(key=lambda s: s.slug)
        return sites

    def resolve_hosts(self, plans: list[_SitePlan], lans: dict[str, list[Lan]]) -> list[DcHost]:
        hosts: list[DcHost] = []
        for plan in plans:
            if not isinstance(plan.intent, DataCenterSiteIntent):
                continue
            site_lans = {lan.name: lan for lan in lans.get(plan.slug, [])}
            for index, intent in enumerate(plan.intent.hosts):
                data_path = (*plan.data_path, "hosts", index)
                path: ModelPath = ("hosts", item(intent.name))
                claimed = self.claim(path, plan.document, data_path, "host name", "give each host its own `name:`")
                if claimed is None:
                    continue
                location = claimed
                lan = site_lans.get(intent.lan)
                if lan is None:
                    self.problem((*path, "lan"), location, "unknown LAN",
                                 f"one of: {', '.join(site_lans) or 'no LANs'}", repr(intent.lan),
                                 "hosts name a LAN of the data center by its `name:` (default: its role)")
                    continue
                address = intent.address or _host_address(lan.prefix, index)
                common: dict[str, Any] = {"name": intent.name, "site": plan.slug, "lan": lan.name,
                                          "address": address, "services": tuple(intent.services),
                                          "kind": intent.kind}
                host: DcHost | None
                if isinstance(intent, PhysicalServerIntent):
                    host = self.build(PhysicalServer, path, location, rack=intent.rack, serial=intent.serial,
                                      **common)
                else:
                    host = self.build(VirtualMachine, path, location, cluster=intent.cluster,
                                      vcpus=intent.vcpus, memory_mb=intent.memory_mb, **common)
                if host is not None:
                    hosts.append(host)
        hosts.sort(key=lambda h: h.name)
        return hosts


def _description(text: str) -> str:
    """A derived description, cut to what NetBox keeps (200 characters) so it reads back unchanged."""
    return text if len(text) <= _DESCRIPTION_MAX else text[: _DESCRIPTION_MAX - 3] + "..."


#: First host number allocated on a data-center LAN: .1 is the gateway, .2-.9 are kept for
#: redundant gateways and appliances.
_FIRST_HOST = 10


def _host_address(prefix: IPv4Network, index: int) -> IPv4Address:
    return prefix.network_address + _FIRST_HOST + index


_SITE_MODELS: dict[SiteKind, Callable[..., Site]] = {
    SiteKind.DATA_CENTER: DataCenterSite,
    SiteKind.CITY_AGENCY: CityAgencySite,
    SiteKind.DISTRICT_COMMITTEE: DistrictCommitteeSite,
    SiteKind.WARD_COMMITTEE: WardCommitteeSite,
    SiteKind.PARTY_AGENCY: PartyAgencySite,
    SiteKind.MASS_ORGANIZATION: MassOrganizationSite,
}


def _link_role(upstream: DeviceRole, downstream: DeviceRole) -> LinkRole:
    core_side = (DeviceRole.CORE, DeviceRole.FIREWALL)
    if upstream in core_side and downstream in core_side:
        return LinkRole.CORE
    if DeviceRole.AGGREGATION in (upstream, downstream) and (upstream in core_side or downstream in core_side):
        return LinkRole.BACKBONE
    if upstream is DeviceRole.AGGREGATION and downstream is DeviceRole.AGGREGATION:
        return LinkRole.DISTRICT
    return LinkRole.ACCESS


def interface_order(interface: Interface) -> tuple[int, str]:
    # WAN ports first, then LAN subinterfaces by VLAN; names with numbers sort naturally.
    if isinstance(interface, WanInterface):
        digits = "".join(ch if ch.isdigit() else " " for ch in interface.name).split()
        return (0, ".".join(f"{int(d):05d}" for d in digits))
    if isinstance(interface, LanInterface):
        return (1, f"{interface.vlan:05d}")
    return (2, interface.name)


def resolve(intent: LoadedIntent) -> Resolution:
    """Turn loaded intent into a validated Network; raise InputError with every problem."""
    return _Resolver(intent).run()
