"""Where and how a new site of an official unit goes: its unit, name, number, area, hub routers and template,
and the site as the unit's file will hold it.

Everything is chosen from the validated model of the intent as it is: the area is the one the unit's sites already
attach through (else the one built for the legacy district the unit's wards were in), the hubs are that area's
routers with the fewest sites on them, and the number is the kind's usual one unless another site of the unit, or
of the allocation record, holds it.
"""

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from citynet_models.addressing import SITES_PER_UNIT
from citynet_models.intent import SiteTemplate
from citynet_models.network import Network
from citynet_models.problems import Problem
from citynet_models.slug import slugify
from citynet_models.types import AdminLevel, DeviceRole, LifecycleStatus, MassOrganizationType, Redundancy, SiteKind
from citynet_models.units import AdminStructure, Structure, Unit
from netops.errors import unknown_value
from netops.intent.loader import LoadedIntent
from netops.resolve.allocate import SiteKey
from netops.resolve.record import key_text
from netops.resolve.sites import DEFAULT_SITE_NUMBER
from netops.site.templates import DEFAULT_FOR_KIND, available

#: The kinds of site a unit's file holds (its committee, party committee, mass organizations and public-service
#: points), which `site add` can make.
UNIT_KINDS = (SiteKind.WARD_COMMITTEE, SiteKind.PARTY_AGENCY, SiteKind.MASS_ORGANIZATION,
              SiteKind.PUBLIC_SERVICE_POINT)

#: How each mass organization's office is named before its unit's name.
_ORGANIZATION_NAME = {
    MassOrganizationType.FATHERLAND_FRONT: "Ủy ban MTTQ",
    MassOrganizationType.WOMEN_UNION: "Hội Liên hiệp Phụ nữ",
    MassOrganizationType.YOUTH_UNION: "Đoàn Thanh niên",
    MassOrganizationType.FARMERS_UNION: "Hội Nông dân",
    MassOrganizationType.VETERANS_ASSOCIATION: "Hội Cựu chiến binh",
    MassOrganizationType.TRADE_UNION: "Liên đoàn Lao động",
}


@dataclass(frozen=True)
class Request:
    """What the engineer asked for (`netops site add`'s arguments)."""

    unit: str
    kind: SiteKind
    name: str | None = None
    slug: str | None = None
    place: str | None = None
    organization: MassOrganizationType | None = None
    template: str | None = None
    area: str | None = None


@dataclass(frozen=True)
class Placement:
    """The new site, settled: what the unit's file will hold (``data``) and why."""

    unit: Unit
    slug: str
    name: str
    number: int
    area: str
    #: The hub routers the site's uplinks go to, in uplink order.
    hubs: tuple[str, ...]
    template: str
    data: dict[str, Any]

    @property
    def key(self) -> str:
        """The allocation key the site will be recorded with."""
        return key_text(SiteKey(AdminLevel.WARD, int(self.unit.code), self.number))


class PlacementError(Exception):
    """The site cannot be placed; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) placing the site")


def _lower_first(name: str) -> str:
    return name[0].lower() + name[1:]


def find_unit(official: AdminStructure, given: str) -> Unit | None:
    """The unit named by its official code or its official name (any case)."""
    wanted = given.strip().casefold()
    return next((unit for unit in official.units if wanted in (unit.code, unit.name.casefold())), None)


def site_name(request: Request, unit: Unit) -> str:
    """The site's display name: as given, else the name its kind has in the unit ("UBND phường X", "Đảng ủy xã X",
    "Điểm phục vụ hành chính công PLACE (phường X)")."""
    if request.name is not None:
        return request.name.strip()
    of_unit = _lower_first(unit.name)
    if request.kind is SiteKind.WARD_COMMITTEE:
        return f"UBND {of_unit}"
    if request.kind is SiteKind.PARTY_AGENCY:
        return f"Đảng ủy {of_unit}"
    if request.kind is SiteKind.MASS_ORGANIZATION:
        assert request.organization is not None  # checked with the arguments
        return f"{_ORGANIZATION_NAME[request.organization]} {of_unit}"
    if request.place is not None:
        return f"Điểm phục vụ hành chính công {request.place.strip()} ({of_unit})"
    return f"Điểm phục vụ hành chính công {of_unit}"


def _area_of(network: Network, intent: LoadedIntent, unit: Unit) -> str | None:
    """The area the unit's sites attach through (the most of them; the lower code on a tie), else the area built
    for the legacy district its wards were in (the wards it is the default successor of first)."""
    attached = Counter(site.area for site in network.sites if site.ward == unit.code and site.area is not None)
    if attached:
        return min(attached, key=lambda code: (-attached[code], code))
    areas = {area.code for area in network.areas}
    legacy = intent.official(Structure.LEGACY)
    current = intent.official(Structure.Y2025)
    if legacy is None or current is None:
        return None
    district_of = {ward.code: ward.district for ward in legacy.units}
    former = Counter[tuple[int, str]]()
    for succession in current.successions:
        if unit.code in succession.units:
            district = district_of.get(succession.legacy)
            if district is not None and district in areas:
                former[(0 if succession.units[0] == unit.code else 1, district)] += 1
    if not former:
        return None
    return min(former, key=lambda entry: (entry[0], -former[entry], entry[1]))[1]


def hub_routers(network: Network, area: str) -> list[str]:
    """The area's hub routers, the least used first (fewest access links down to other sites; then by name)."""
    hubs = {site.slug for site in network.sites if site.kind == "hub" and site.area == area}
    routers = [device.name for device in network.devices
               if device.site in hubs and device.role is DeviceRole.AGGREGATION]
    site_of = {device.name: device.site for device in network.devices}
    downlinks = Counter(link.upstream.device for link in network.links
                        if site_of.get(link.downstream.device) not in hubs)
    return sorted(routers, key=lambda name: (downlinks[name], name))


def _numbers_taken(intent: LoadedIntent, network: Network, unit: Unit) -> dict[int, str]:
    """Site numbers of the unit already used, with a site holding each: by its sites in intent, and by keys the
    allocation record holds in it (a site moved away or removed keeps its key)."""
    taken = {site.number: site.slug for site in network.sites if site.ward == unit.code}
    if intent.allocations is not None:
        prefix = f"ward/{unit.code}/"
        for slug, entry in sorted(intent.allocations.record.sites.items()):
            if entry.key.startswith(prefix):
                taken.setdefault(int(entry.key.removeprefix(prefix)), slug)
    return taken


def _site_number(kind: SiteKind, taken: Mapping[int, str]) -> int | None:
    default = DEFAULT_SITE_NUMBER[kind]
    if default not in taken:
        return default
    return next((number for number in range(SITES_PER_UNIT) if number not in taken), None)


def _devices(template: SiteTemplate, hubs: Sequence[str]) -> list[dict[str, Any]]:
    """The site's routers and their uplinks: one uplink to the least-used hub, or (dual-homed) one to each of the
    two least-used hubs, from one router or from each of two."""
    if template.redundancy is Redundancy.SINGLE_HOMED:
        return [{"role": DeviceRole.ACCESS_ROUTER.value, "uplinks": [{"to": hubs[0]}]}]
    if template.routers == 1:
        return [{"role": DeviceRole.ACCESS_ROUTER.value, "uplinks": [{"to": hubs[0]}, {"to": hubs[1]}]}]
    return [{"role": DeviceRole.ACCESS_ROUTER.value, "uplinks": [{"to": hub}]} for hub in hubs[:2]]


def place(intent: LoadedIntent, network: Network, request: Request) -> Placement:
    """The new site, or PlacementError with every reason it cannot be made as asked."""
    official = intent.official(Structure.Y2025)
    assert official is not None  # a 2025 intent keeps its official units (the loader refuses it without)
    problems: list[Problem] = []
    unit = find_unit(official, request.unit)
    templates = available(intent.city.site_templates)
    template_name = request.template or DEFAULT_FOR_KIND[request.kind]
    template = templates.get(template_name)
    if template is None:
        problems.append(unknown_value("--template", template_name, sorted(templates),
                                      what="a site template: a built-in or one of `site_templates:` in city.yml",
                                      message="no such site template"))
    elif request.kind not in template.kinds:
        problems.append(Problem(
            path=("--template",), message=f"template {template_name} is not for a {request.kind.value} site",
            expected=f"a template for {request.kind.value}", found=f"{template_name}, for "
            + ", ".join(kind.value for kind in template.kinds),
            hint=f"leave out --template (a {request.kind.value} gets {DEFAULT_FOR_KIND[request.kind]}), or add "
                 f"{request.kind.value} to the template's `kinds:`"))
    if unit is None:
        problems.append(unknown_value("UNIT", request.unit, [u.code for u in official.units],
                                      what="the official code or name of a unit of units/2025.yml",
                                      message="no such unit in the official list",
                                      listed=8))
        raise PlacementError(problems)
    name = site_name(request, unit)
    slug = request.slug or slugify(name)
    in_intent = {site.slug for site in network.sites}
    if slug in in_intent:
        problems.append(Problem(
            path=("sites", f"[{slug}]"), message=f"site {slug} is already in the intent",
            expected="the slug of a new site", found=f"{slug!r} (from the name {name!r})" if request.slug is None
            else repr(slug),
            hint=f"`netops site show {slug}` shows it; a second site of this kind needs its own --name (or --place "
                 f"for a public-service point)"))
    elif intent.allocations is not None and slug in intent.allocations.record.sites:
        problems.append(Problem(
            path=("sites", f"[{slug}]"), message=f"slug {slug} still holds the allocations of a removed site",
            expected="a slug the allocation record does not hold", found=repr(slug),
            hint=f"`netops allocations release {slug}` frees it, or give the new site another --name or --slug"))
    named = {site.name.casefold(): site.slug for site in network.sites}
    if name.casefold() in named and slug not in in_intent:
        problems.append(Problem(path=("--name",), message="another site has this name",
                                expected="a name no site has (NetBox keeps site names unique)",
                                found=f"{name!r}, the name of site {named[name.casefold()]}",
                                hint="give the new site its own --name (or --place for a public-service point)"))
    taken = _numbers_taken(intent, network, unit)
    number = _site_number(request.kind, taken)
    if number is None:
        holders = ", ".join(f"{n} {taken[n]}" for n in range(SITES_PER_UNIT))
        problems.append(Problem(
            path=("UNIT",), message=f"unit {unit.code} {unit.name} has no free site number",
            expected=f"a site number 0-{SITES_PER_UNIT - 1} no site of the unit (or of the allocation record) holds",
            found=f"all held: {holders}",
            hint="a unit's addresses have room for four sites of its own (sites merged into it keep their former "
                 "unit's keys); `netops allocations release SLUG` frees a removed site's number"))
    area = request.area or _area_of(network, intent, unit)
    hubs: list[str] = []
    if area is None:
        problems.append(Problem(
            path=("UNIT",), message=f"unit {unit.code} {unit.name} attaches through no aggregation area",
            expected="an area its sites attach through, or one built for the legacy district of its wards",
            found="none in the intent",
            hint="add the area's file under areas/ (with its hub routers), or name one with --area CODE"))
    elif area not in {known.code for known in network.areas}:
        problems.append(unknown_value("--area", area, sorted(known.code for known in network.areas),
                                      what="the code of an aggregation area of areas/", message="no such area"))
    else:
        hubs = hub_routers(network, area)
        needed = 1 if template is None or template.redundancy is Redundancy.SINGLE_HOMED else 2
        if len(hubs) < needed:
            problems.append(Problem(
                path=("--template",), message=f"area {area} has {len(hubs)} hub router(s)",
                expected=f"{needed} hub routers for a {'dual' if needed == 2 else 'single'}-homed site",
                found=", ".join(hubs) or "none", hint="use a single-homed template (--template), or add a hub "
                                                      "router to the area"))
    if problems or template is None or number is None or area is None:
        raise PlacementError(problems)
    data: dict[str, Any] = {"name": name}
    if request.slug is not None:
        data["slug"] = request.slug
    data["kind"] = request.kind.value
    if request.kind is SiteKind.MASS_ORGANIZATION:
        assert request.organization is not None
        data["organization"] = request.organization.value
    if number != DEFAULT_SITE_NUMBER[request.kind]:
        data["number"] = number
    data["status"] = LifecycleStatus.PLANNED.value
    if unit.coordinates is not None:
        data["coordinates"] = {"latitude": unit.coordinates.latitude, "longitude": unit.coordinates.longitude}
    data["devices"] = _devices(template, hubs)
    used = tuple(dict.fromkeys(uplink["to"] for device in data["devices"] for uplink in device["uplinks"]))
    data["lans"] = [{"role": lan.role.value, "hosts": lan.hosts} for lan in template.lans]
    return Placement(unit=unit, slug=slug, name=name, number=number, area=area, hubs=used,
                     template=template_name, data=data)
