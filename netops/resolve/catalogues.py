"""The city and its catalogues: districts and wards (or the 2025 units), aggregation areas, providers, services.
They need nothing but the intent."""

from collections.abc import Mapping
from dataclasses import dataclass

from citynet_models.admin import Area, City, District, Ward
from citynet_models.datacenter import Service
from citynet_models.links import Provider
from citynet_models.problems import Location, ModelPath, item
from citynet_models.slug import slugify
from citynet_models.units import AdminStructure, Structure
from netops.intent.loader import LoadedIntent
from netops.resolve.collect import Findings, Phase


@dataclass(frozen=True)
class AdminUnits:
    """The districts and wards (2025: the units, and no district) and the aggregation areas, each sorted by code."""

    districts: tuple[District, ...]
    wards: tuple[Ward, ...]
    areas: tuple[Area, ...]


def resolve_city(intent: LoadedIntent) -> Phase[City | None]:
    """The city itself (None when its slug or code is refused), and where its addressing and policy come from."""
    found = Findings()
    city = intent.city
    document = intent.city_document
    location = found.source(("city",), document, ("city",))
    found.source(("addressing",), document, ("addressing",))
    found.source(("policy",), document, ("policy",))
    found.source(("policy", "management_services"), document, ("policy", "management_services"))
    for index, rule in enumerate(city.policy.rules):
        found.claim(("policy", item(rule.id)), document, ("policy", "rules", index), "policy rule id",
                    "give each rule its own `id:`")
    bounds = city.city.bounds
    if bounds is not None and not bounds.ordered:
        found.problem(("city", "bounds"), document.location(("city", "bounds")), "city bounds the wrong way round",
                      "south < north and west < east (decimal degrees)",
                      f"south {bounds.south}, north {bounds.north}, west {bounds.west}, east {bounds.east}",
                      "south and north are latitudes, west and east longitudes; exchange the pair that is reversed")
    slug = found.derive_slug(city.city.slug, city.city.name, "city", ("city",), location)
    if slug is None:
        return found.done(None)
    return found.done(found.build(City, ("city",), location, code=city.city.code, name=city.city.name, slug=slug,
                                  asn=city.asn))


def resolve_admin_units(intent: LoadedIntent) -> Phase[AdminUnits]:
    """The units of the structure the intent declares, and the network's aggregation areas."""
    if intent.structure is Structure.LEGACY:
        return _legacy_units(intent)
    return _current_units(intent)


def _current_units(intent: LoadedIntent) -> Phase[AdminUnits]:
    """2025: every unit of the official list (units/2025.yml, which the loader requires), the unit files checked
    against it, and one area per area file; a code given twice is reported at the later one."""
    found = Findings()
    official = intent.official(Structure.Y2025)
    assert official is not None  # the loader refuses a 2025 intent without its official units
    wards: list[Ward] = []
    for unit in official.units:
        ward = found.build(Ward, ("wards", item(unit.code)), intent.city_document.location(()), code=unit.code,
                           name=unit.name, slug=slugify(unit.name), kind=unit.kind.value, district=None)
        if ward is not None:
            wards.append(ward)
    listed: dict[str, tuple[str, str | None]] = {unit.code: (unit.name, None) for unit in official.units}
    for unit_source in intent.units:
        info = unit_source.intent.unit
        path: ModelPath = ("units", item(info.code))
        location = found.claim(path, unit_source.document, ("unit",), "unit code",
                               "each unit file describes one unit: merge the two files")
        if location is None:
            continue
        became = [f"{code} {listed[code][0]}" for code in official.successors(info.code) if code in listed]
        _check_official(found, official, path, location, "unit", info.code, info.name, listed, None,
                        f"legacy ward {info.code} became {' and '.join(became)} on 1 July 2025" if became
                        else "`netops units show --structure 2025 --search NAME` finds the official units",
                        same_name_hint="; rename the file too")
    areas: list[Area] = []
    for area_source in intent.areas:
        area_info = area_source.intent.area
        area_path: ModelPath = ("areas", item(area_info.code))
        area_location = found.claim(area_path, area_source.document, ("area",), "area number",
                                    "each area file describes one area; give the other area its own number")
        if area_location is None:
            continue
        slug = found.derive_slug(area_info.slug, area_info.name, "area", area_path, area_location)
        area = None if slug is None else found.build(Area, area_path, area_location, code=area_info.code,
                                                     name=area_info.name, slug=slug)
        if area is not None:
            areas.append(area)
    return found.done(AdminUnits(districts=(), wards=tuple(sorted(wards, key=lambda w: w.code)),
                                 areas=tuple(sorted(areas, key=lambda a: a.code))))


def _legacy_units(intent: LoadedIntent) -> Phase[AdminUnits]:
    """Every district (one per district file) and its wards; each district is also an aggregation area (its
    committee hosts the hub). A code given twice is reported at the later one.

    When the intent keeps the official legacy units (units/legacy.yml), every district and ward the district
    files name must be in that list, under the same name and district: units are the dataset's, not typed by hand.
    """
    found = Findings()
    official = next((s for s in intent.structures if s.structure is Structure.LEGACY), None)
    official_districts = {d.code: (d.name, None) for d in official.districts} if official else {}
    official_wards = {u.code: (u.name, u.district) for u in official.units} if official else {}
    districts: list[District] = []
    wards: list[Ward] = []
    for source in intent.districts:
        info = source.intent.district
        path: ModelPath = ("districts", item(info.code))
        claimed = found.claim(path, source.document, ("district",), "district code",
                              "each district file describes one district; check the code against the "
                              "official list")
        location = claimed or source.document.location(("district",))
        if official is not None and claimed is not None:
            _check_official(found, official, path, location, "district", info.code, info.name,
                            official_districts, None,
                            "`netops units show --structure legacy --search NAME` finds the official districts")
        slug = None if claimed is None else found.derive_slug(info.slug, info.name, "district", path, location)
        district = None if slug is None else found.build(District, path, location, code=info.code,
                                                         name=info.name, slug=slug, kind=info.kind)
        if district is not None:
            districts.append(district)
        for index, ward_info in enumerate(source.intent.wards):
            ward_path: ModelPath = ("wards", item(ward_info.code))
            ward_location = found.claim(ward_path, source.document, ("wards", index), "ward code",
                                        "list each ward once, in its district's file; check the code")
            if ward_location is None:
                continue
            if official is not None:
                _check_official(found, official, ward_path, ward_location, "ward", ward_info.code, ward_info.name,
                                official_wards, info.code,
                                "`netops units show --structure legacy --search NAME` finds the official wards; a "
                                "ward merged into another before the list was made is left out of the district file")
            ward_slug = found.derive_slug(ward_info.slug, ward_info.name, "ward", ward_path, ward_location)
            ward = None if ward_slug is None else found.build(
                Ward, ward_path, ward_location, code=ward_info.code, name=ward_info.name, slug=ward_slug,
                kind=ward_info.kind, district=info.code)
            if ward is not None:
                wards.append(ward)
    return found.done(AdminUnits(
        districts=tuple(sorted(districts, key=lambda d: d.code)), wards=tuple(sorted(wards, key=lambda w: w.code)),
        areas=tuple(district_area(d) for d in sorted(districts, key=lambda d: d.code))))


#: Kind words district names start with, left out of the name of the area built for the district.
_DISTRICT_KIND_WORDS = ("Quận ", "Huyện ", "Thị xã ", "Thành phố ")


def district_area(district: District) -> Area:
    """The aggregation area a legacy district's hub serves, named as the 2025 structure names it ('Cụm Ba Đình'),
    so that reorganizing keeps the area as it is."""
    short = next((district.name[len(word):] for word in _DISTRICT_KIND_WORDS if district.name.startswith(word)),
                 district.name)
    name = f"Cụm {short}"
    return Area(code=district.code, name=name, slug=slugify(name))


def _check_official(found: Findings, official: AdminStructure, path: ModelPath, location: Location, what: str,
                    code: str, name: str, listed: Mapping[str, tuple[str, str | None]], district: str | None,
                    unlisted_hint: str, same_name_hint: str = "") -> None:
    """A problem when a unit the intent names is not in its structure's official list (units/<structure>.yml) as
    the intent names it: an unknown code, another name, or (legacy wards) another district.

    `listed` maps each official code to its name and district; `unlisted_hint` is the hint for an unknown code
    whose name is not official either, and `same_name_hint` is added to the one naming the official code of a
    name that is."""
    source = f"units/{official.structure.value}.yml ({official.dataset.package} {official.dataset.version})"
    if code not in listed:
        same_name = [c for c, (n, _) in listed.items() if n == name]
        found.problem(path, location, f"{what} {code} is not in the official {official.structure.value} list",
                      f"a {what} code of {source}", f"{code} {name}",
                      f"the official code of {name} is {same_name[0]}{same_name_hint}" if same_name
                      else unlisted_hint)
        return
    official_name, official_district = listed[code]
    if official_name != name:
        found.problem(path, location, f"{what} {code} has another official name",
                      f"{official_name!r}, as {source} names it", repr(name),
                      f"write the official name {official_name!r}")
    elif district is not None and official_district != district:
        found.problem(path, location, f"{what} {code} belongs to another district",
                      f"a ward of district {district}", f"{code} {name} is in district {official_district}",
                      "move the ward to its district's file")


def resolve_providers(intent: LoadedIntent) -> Phase[tuple[Provider, ...]]:
    """The circuit providers, keyed by slug."""
    found = Findings()
    providers = []
    for index, provider_intent in enumerate(intent.city.providers):
        location = intent.city_document.location(("providers", index))
        slug = found.derive_slug(provider_intent.slug, provider_intent.name, "provider",
                                 ("providers", item(provider_intent.name)), location)
        if slug is None:
            continue
        path: ModelPath = ("providers", item(slug))
        if found.claim(path, intent.city_document, ("providers", index), "provider slug",
                       "give the providers distinct names or explicit `slug:`s") is None:
            continue
        provider = found.build(Provider, path, location, slug=slug, name=provider_intent.name)
        if provider is not None:
            providers.append(provider)
    return found.done(tuple(providers))


def resolve_services(intent: LoadedIntent) -> Phase[tuple[Service, ...]]:
    """The data-center services, keyed by name."""
    found = Findings()
    services = []
    for index, service_intent in enumerate(intent.city.services):
        if found.claim(("services", item(service_intent.name)), intent.city_document, ("services", index),
                       "service name", "give each service its own `name:`") is not None:
            services.append(service_intent.to_service())
    return found.done(tuple(services))
