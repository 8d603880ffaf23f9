"""Sites: their slugs, map points and addressing keys (level, official code, site number), then the site models."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from citynet_models.addressing import SITES_PER_UNIT
from citynet_models.intent import (
    AnySiteIntent,
    MassOrganizationSiteIntent,
    PartyAgencySiteIntent,
    UnitMassOrganizationSiteIntent,
    WardCommitteeSiteIntent,
)
from citynet_models.lans import Lan
from citynet_models.problems import Location, ModelPath, item
from citynet_models.sites import (
    CityAgencySite,
    DataCenterSite,
    DistrictCommitteeSite,
    HubSite,
    MassOrganizationSite,
    PartyAgencySite,
    PublicServicePointSite,
    Site,
    WardCommitteeSite,
)
from citynet_models.types import AdminLevel, Platform, Redundancy, SiteKind
from citynet_models.units import Structure
from netops.intent.loader import LoadedIntent
from netops.intent.yamlsource import DataPath, SourceDocument
from netops.resolve import allocate
from netops.resolve.collect import Findings, Phase

#: Default site number of each kind within its ward or district.
DEFAULT_SITE_NUMBER = {
    SiteKind.DISTRICT_COMMITTEE: 0,
    SiteKind.WARD_COMMITTEE: 0,
    SiteKind.PARTY_AGENCY: 1,
    SiteKind.MASS_ORGANIZATION: 2,
    SiteKind.PUBLIC_SERVICE_POINT: 3,
    SiteKind.DATA_CENTER: 0,
    SiteKind.HUB: 0,
}

_SITE_MODELS: dict[SiteKind, Callable[..., Site]] = {
    SiteKind.DATA_CENTER: DataCenterSite,
    SiteKind.CITY_AGENCY: CityAgencySite,
    SiteKind.DISTRICT_COMMITTEE: DistrictCommitteeSite,
    SiteKind.WARD_COMMITTEE: WardCommitteeSite,
    SiteKind.PARTY_AGENCY: PartyAgencySite,
    SiteKind.MASS_ORGANIZATION: MassOrganizationSite,
    SiteKind.PUBLIC_SERVICE_POINT: PublicServicePointSite,
    SiteKind.HUB: HubSite,
}


@dataclass(frozen=True)
class SitePlan:
    """A site whose slug and addressing key are settled, with the defaults its devices inherit."""

    intent: AnySiteIntent
    document: SourceDocument
    data_path: DataPath
    location: Location
    slug: str
    level: AdminLevel
    district: str | None
    ward: str | None
    #: The aggregation area, when the site's file says it (a district's, or an area's hub); else its uplinks do.
    area: str | None
    key: allocate.SiteKey
    platform: Platform
    status: Any


@dataclass(frozen=True)
class _Placement:
    """Where a file puts its sites: district (legacy), area (hubs) or unit (2025), with its defaults."""

    district: str | None = None
    area: str | None = None
    unit: str | None = None


def plan_sites(intent: LoadedIntent) -> Phase[tuple[SitePlan, ...]]:
    """Every site of city.yml and the district files (legacy) or the area and unit files (2025), in file order;
    two sites with one addressing key keep only the first."""
    found = Findings()
    plans: list[SitePlan] = []
    defaults = intent.city.defaults
    groups: list[tuple[Sequence[AnySiteIntent], SourceDocument, _Placement, Any]] = [
        (intent.city.sites, intent.city_document, _Placement(), None)]
    groups += [(source.intent.sites, source.document, _Placement(district=source.intent.district.code),
                source.intent.defaults) for source in intent.districts]
    groups += [(source.intent.sites, source.document, _Placement(area=source.intent.area.code),
                source.intent.defaults) for source in intent.areas]
    groups += [(source.intent.sites, source.document, _Placement(unit=source.intent.unit.code),
                source.intent.defaults) for source in intent.units]
    for group_sites, document, placement, group_defaults in groups:
        platform = (group_defaults and group_defaults.platform) or defaults.platform
        status = (group_defaults and group_defaults.status) or defaults.status
        for index, site in enumerate(group_sites):
            plan = _site_plan(found, intent, site, document, ("sites", index), placement, platform, status)
            if plan is not None:
                plans.append(plan)
    return found.done(_distinct_keys(found, plans))


def _distinct_keys(found: Findings, plans: list[SitePlan]) -> tuple[SitePlan, ...]:
    """Two sites with one addressing key would get the same addresses everywhere: reported once, at the
    later site, and that site left out so its clashing addresses are not reported again one by one."""
    first: dict[allocate.SiteKey, SitePlan] = {}
    kept: list[SitePlan] = []
    for plan in plans:
        if plan.intent.kind == "data_center":
            kept.append(plan)
            continue
        other = first.get(plan.key)
        if other is None:
            first[plan.key] = plan
            kept.append(plan)
            continue
        unit = {AdminLevel.CITY: "the city",
                AdminLevel.DISTRICT: f"area {plan.area}" if plan.district is None else f"district {plan.district}",
                AdminLevel.WARD: f"ward {plan.ward}"}[plan.level]
        number_path = (*plan.data_path, "number")
        where = plan.document.location(number_path if plan.intent.number is not None else plan.data_path)
        found.problem(("sites", item(plan.slug), "number"), where, "two sites share an addressing key",
                      f"distinct site numbers within {unit}",
                      f"number {plan.key.number} again (first at {other.document.location(other.data_path)}: "
                      f"sites[{other.slug}])",
                      f"give one of the sites an explicit `number:` (0-{SITES_PER_UNIT - 1} per ward or district; "
                      f"by default committees are 0, party agencies 1, mass organizations 2)")
    return tuple(kept)


def _site_plan(found: Findings, intent: LoadedIntent, site: AnySiteIntent, document: SourceDocument,
               data_path: DataPath, placement: _Placement, platform: Platform, status: Any) -> SitePlan | None:
    slug = found.derive_slug(site.slug, site.name, "site", ("sites", item(site.name)),
                             document.location(data_path))
    if slug is None:
        return None
    path: ModelPath = ("sites", item(slug))
    if path in found.sources:
        # Reported here, once: the site's devices would otherwise clash name by name.
        found.problem(path, document.location(data_path), "duplicate site slug", "each site slug once in the city",
                      f"{slug!r} again (first at {found.sources[path]})",
                      "give one of the sites an explicit `slug:` (e.g. with the district's name in it)")
        return None
    location = found.source(path, document, data_path)
    district = placement.district
    ward = site.ward if isinstance(site, WardCommitteeSiteIntent | PartyAgencySiteIntent |
                                   MassOrganizationSiteIntent) else placement.unit
    kind = SiteKind(site.kind)
    if placement.unit is None and district is None and ward is not None:
        found.problem((*path, "ward"), document.location((*data_path, "ward")),
                      "ward-level site in the city file", "city-level sites only in city.yml",
                      f"ward {ward}", "move the site to its district's file under districts/"
                      if intent.structure is Structure.LEGACY else "move the site to its unit's file under communes/")
        return None
    if ward is not None:
        level, unit = AdminLevel.WARD, int(ward)
    elif district is not None:
        level, unit = AdminLevel.DISTRICT, int(district)
    elif placement.area is not None:
        # Hubs are addressed in the district-level pool by their area number, the code of the district they were
        # built for: a legacy district committee that became a hub keeps its block.
        level, unit = AdminLevel.DISTRICT, int(placement.area)
    else:
        level, unit = AdminLevel.CITY, 0
    if site.coordinates is not None:
        _check_coordinates(found, intent, site, path, document, data_path)
    number = site.number if site.number is not None else DEFAULT_SITE_NUMBER.get(kind)
    if number is None:
        found.problem((*path, "number"), location, "city-level site without a number",
                      "`number:` 1-255 (the data center is 0)", "none",
                      "city agencies are addressed by their number; pick one no other city site uses")
        return None
    recorded = intent.allocations is not None and slug in intent.allocations.record.sites
    # A recorded site's addresses come from its recorded key, whatever its number in its unit is now.
    if level is not AdminLevel.CITY and number >= SITES_PER_UNIT and not recorded:
        found.problem((*path, "number"), document.location((*data_path, "number")),
                      "site number too large", f"0-{SITES_PER_UNIT - 1} within a ward or district",
                      str(number))
        return None
    return SitePlan(intent=site, document=document, data_path=data_path, location=location, slug=slug, level=level,
                    district=district, ward=ward, area=placement.area or district,
                    key=allocate.SiteKey(level, unit, number),
                    platform=platform, status=site.status or status)


def _check_coordinates(found: Findings, intent: LoadedIntent, site: AnySiteIntent, path: ModelPath,
                       document: SourceDocument, data_path: DataPath) -> None:
    """A site's map point must lie inside the city's bounds; a point that would lie inside with latitude
    and longitude exchanged is reported as swapped."""
    assert site.coordinates is not None
    bounds = intent.city.city.effective_bounds()
    latitude, longitude = site.coordinates.latitude, site.coordinates.longitude
    if not bounds.ordered or bounds.contains(latitude, longitude):
        return  # reversed bounds are reported once, at the city
    where = document.location((*data_path, "coordinates"))
    given = "city.bounds in city.yml" if intent.city.city.bounds else (
        "the default bounds of city code " + intent.city.city.code)
    if bounds.contains(longitude, latitude):
        found.problem((*path, "coordinates"), where, "latitude and longitude look swapped",
                      f"a point inside {bounds}",
                      f"latitude {latitude}, longitude {longitude} (exchanged, they fall inside)",
                      f"write {{latitude: {longitude}, longitude: {latitude}}}")
        return
    found.problem((*path, "coordinates"), where, "coordinates outside the city",
                  f"a point inside {bounds} ({given})", f"latitude {latitude}, longitude {longitude}",
                  "check the point on a map; if the city really reaches there, widen `city.bounds` "
                  "(south, west, north, east) in city.yml")


def build_sites(plans: Sequence[SitePlan], lans: Mapping[str, Sequence[Lan]],
                upstreams: Mapping[str, frozenset[str]], areas: Mapping[str, str]) -> Phase[tuple[Site, ...]]:
    """The site models, sorted by slug: with their LANs, single- or dual-homed by their upstream devices in
    other sites (``upstreams``, by site slug) unless the intent says, in the aggregation area they attach
    through (``areas``, by site slug)."""
    found = Findings()
    sites: list[Site] = []
    for plan in plans:
        intent = plan.intent
        path: ModelPath = ("sites", item(plan.slug))
        redundancy = intent.redundancy
        if redundancy is None and intent.kind != "data_center":
            redundancy = Redundancy.DUAL_HOMED if len(upstreams.get(plan.slug, ())) >= 2 \
                else Redundancy.SINGLE_HOMED
        common: dict[str, Any] = {
            "slug": plan.slug, "name": intent.name, "kind": intent.kind, "level": plan.level,
            "number": plan.key.number, "status": plan.status, "address": intent.address,
            "coordinates": intent.coordinates, "lans": tuple(sorted(lans.get(plan.slug, []),
                                                                    key=lambda lan: lan.vlan)),
            "redundancy": redundancy, "district": plan.district, "ward": plan.ward, "area": areas.get(plan.slug),
            "vars": intent.vars,
        }
        site_model: Callable[..., Site] = _SITE_MODELS[SiteKind(intent.kind)]
        if isinstance(intent, MassOrganizationSiteIntent | UnitMassOrganizationSiteIntent):
            common["organization"] = intent.organization
        site = found.build(site_model, path, plan.location, **common)
        if site is not None:
            sites.append(site)
    return found.done(tuple(sorted(sites, key=lambda s: s.slug)))
