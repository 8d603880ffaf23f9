"""Regions (city, districts, wards), site groups (the aggregation areas), tenant groups and tenants (the
organizations), sites and racks."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from citynet_models.admin import Area, City, District, Ward
from citynet_models.datacenter import PhysicalServer
from citynet_models.problems import ModelPath, Problem, item
from citynet_models.sites import Site
from citynet_models.types import COORDINATE_PLACES, MassOrganizationType, SiteKind, WardKind
from netops.errors import InputError
from netops.netbox.mapping.base import (
    Claim,
    Dependent,
    Field,
    IdOf,
    JsonValue,
    Key,
    Kind,
    Mapper,
    Record,
    RecordSet,
    Ref,
    Value,
    chunks,
)
from netops.netbox.mapping.reading import ModelReader, custom, ref_key
from netops.netbox.vocabulary import (
    MASS_ORGANIZATION_TENANT,
    SITE_STATUS,
    Named,
    site_admin_code,
    site_tenant,
)

if TYPE_CHECKING:
    from citynet_models.network import Network



def list_order(network: Network) -> dict[str, Any]:
    """The order of the model's lists that NetBox does not keep, so that reading back gives the same model.

    NetBox returns providers, service templates and prefixes in its own order; intent lists them in the order
    engineers wrote them. Only membership lives in NetBox objects; this is a sort key, nothing more.
    """
    order: dict[str, Any] = {
        "providers": [provider.slug for provider in network.providers],
        "services": [service.name for service in network.services],
        "links": [link.id for link in network.links],
    }
    host_services = {host.name: list(host.services) for host in network.hosts if len(host.services) > 1}
    device_tags = {device.name: list(device.tags) for device in network.devices if len(device.tags) > 1}
    if host_services:
        order["host_services"] = host_services
    if device_tags:
        order["device_tags"] = device_tags
    if len(network.ha_pairs) > 1:
        order["ha_pairs"] = [pair.name for pair in network.ha_pairs]
    return order


def region_key(code: str) -> Key:
    """A managed region's natural key: the official code of its unit. Codes are unique across the city, its
    districts and its wards (2, 3 and 5 digits), and a unit keeps its code when it changes parent: re-parenting a
    region (a ward whose district is dissolved) is then an update of the NetBox region, not a delete and a create.
    Slugs would not do: wards of different districts share names (two Xã Đông Xuân)."""
    return (code,)


def city_region(city: City, order: dict[str, Any]) -> Record:
    """The city: the root region, with its official code and the list order of the city's model."""
    return Record("dcim.region", region_key(city.code), {
        "name": city.name, "slug": city.slug, "parent": None,
        "custom_fields.admin_code": city.code, "custom_fields.admin_kind": None,
        "custom_fields.netops_order": JsonValue(order),
    })


def district_region(city: City, district: District) -> Record:
    """A district: a region inside the city."""
    return Record("dcim.region", region_key(district.code), {
        "name": district.name, "slug": district.slug, "parent": Ref("dcim.region", region_key(city.code)),
        "custom_fields.admin_code": district.code, "custom_fields.admin_kind": district.kind.value,
        "custom_fields.netops_order": None,
    }, wave=1)


def ward_region(city: City, district: District | None, ward: Ward) -> Record:
    """A ward or commune: a region inside its district, or (2025 structure, no districts) inside the city."""
    parent = region_key(city.code if district is None else district.code)
    return Record("dcim.region", region_key(ward.code), {
        "name": ward.name, "slug": ward.slug, "parent": Ref("dcim.region", parent),
        "custom_fields.admin_code": ward.code, "custom_fields.admin_kind": ward.kind.value,
        "custom_fields.netops_order": None,
    }, wave=2)


class RegionMapper(Mapper):
    """dcim.region: the city, its districts inside it, and each district's wards inside the district (2025: the
    units right inside the city), keyed by their official codes."""

    object_type = "dcim.region"
    endpoint = "dcim/regions"
    graphql_list = "region_list"
    graphql_type = "RegionType"
    noun = "region"
    fields = (Field("name", Kind.SCALAR), Field("slug", Kind.SCALAR), Field("parent", Kind.REF, ("dcim.region",)),
              Field("admin_code", Kind.CUSTOM), Field("admin_kind", Kind.CUSTOM),
              Field("netops_order", Kind.CUSTOM))
    dependents = (Dependent("dcim/sites", "region_id"), Dependent("dcim/regions", "parent_id"),
                  Dependent("ipam/prefixes", "region_id"))

    def desired(self, network: Network) -> Iterable[Record]:
        city = network.city
        records = [city_region(city, list_order(network))]
        records += [district_region(city, district) for district in network.districts]
        records += [ward_region(city, None if ward.district is None else network.district_by_code[ward.district],
                                ward) for ward in network.wards]
        return records

    def key(self, fields: Mapping[str, Value]) -> Key:
        """The official code; a region netops does not manage may have none, and is known by its slug."""
        code = fields.get("custom_fields.admin_code")
        return region_key(str(code)) if code else (str(fields["slug"]),)

    def wave(self, fields: Mapping[str, Value]) -> int:
        """The city first, then the districts, then the wards (in the 2025 structure right inside the city: a
        wave later than needed, never earlier)."""
        if fields.get("parent") is None:
            return 0
        return 2 if fields.get("custom_fields.admin_kind") in WARD_KINDS else 1

    def lookups(self, keys: Sequence[Key], id_of: IdOf) -> list[dict[str, Any]]:
        """The regions of these official codes."""
        return [{"cf_admin_code": [key[0] for key in chunk]} for chunk in chunks(keys, 50)]

    @staticmethod
    def reader_for(records: RecordSet, url_of: Callable[[Record], str]) -> ModelReader:
        """A reader of these records, rooted at the city: the one managed region without a parent (InputError when
        NetBox holds none or several), whose ``netops_order`` gives the order of the model's unsorted lists."""
        cities = [r for r in records.of("dcim.region").values() if r.managed and r.fields.get("parent") is None]
        if len(cities) != 1:
            raise InputError([Problem(("city",), "NetBox holds no single city managed by netops",
                                      "one managed region without a parent (the city)",
                                      ", ".join(r.label for r in cities) or "none",
                                      "run `netops apply` first, or point NETBOX_URL at the NetBox that holds the "
                                      "city")])
        order = custom(cities[0], "netops_order")
        return ModelReader(records, url_of, cities[0], order=order.data if isinstance(order, JsonValue) else {})

    @staticmethod
    def code_of(reader: ModelReader, key: Key) -> str | None:
        """The official code of the managed region of this key (None if netops does not manage one)."""
        region = reader.records.get("dcim.region", key)
        return str(custom(region, "admin_code")) if region is not None and region.managed else None

    def read(self, reader: ModelReader) -> None:
        """The city, its districts and their wards."""
        city = reader.city
        reader.locate(("city",), city)
        reader.data.setdefault("city", {}).update(
            {"code": custom(city, "admin_code"), "name": city.fields["name"], "slug": city.fields["slug"]})
        regions = reader.managed(self.object_type)
        by_key = {r.key: r for r in regions}
        districts, wards = [], []
        for region in regions:
            parent = ref_key(region.fields.get("parent"))
            unit = {"code": custom(region, "admin_code"), "name": region.fields["name"],
                    "slug": region.fields["slug"], "kind": custom(region, "admin_kind")}
            if parent == city.key and not is_ward_region(region):
                reader.locate(("districts", item(unit["code"])), region)
                districts.append(unit)
            elif parent == city.key:  # the 2025 structure: no district in between
                reader.locate(("wards", item(unit["code"])), region)
                wards.append({**unit, "district": None})
            elif parent in by_key and ref_key(by_key[parent].fields.get("parent")) == city.key:
                reader.locate(("wards", item(unit["code"])), region)
                wards.append({**unit, "district": custom(by_key[parent], "admin_code")})
        # Wards right under the city are the two-level structure of 1 July 2025; districts are the legacy one's.
        reader.data["structure"] = "2025" if any(w["district"] is None for w in wards) else "legacy"
        reader.data["districts"] = sorted(districts, key=lambda d: str(d["code"]))
        reader.data["wards"] = sorted(wards, key=lambda w: str(w["code"]))


#: admin_kind values of commune-level regions.
WARD_KINDS = frozenset(kind.value for kind in WardKind)


def is_ward_region(region: Record) -> bool:
    """Whether a region is a commune-level unit (by its kind, whatever its depth)."""
    return custom(region, "admin_kind") in WARD_KINDS


def area_group(area: Area) -> Record:
    """An aggregation area: a NetBox site group, with its number."""
    return Record("dcim.sitegroup", (area.slug,), {
        "name": area.name, "slug": area.slug, "custom_fields.area_code": area.code})


class SiteGroupMapper(Mapper):
    """dcim.sitegroup: the network's aggregation areas (a functional grouping of sites, not a place)."""

    object_type = "dcim.sitegroup"
    endpoint = "dcim/site-groups"
    graphql_list = "site_group_list"
    graphql_type = "SiteGroupType"
    noun = "site group"
    fields = (Field("name", Kind.SCALAR), Field("slug", Kind.SCALAR), Field("area_code", Kind.CUSTOM))
    dependents = (Dependent("dcim/sites", "group_id"),)

    def desired(self, network: Network) -> Iterable[Record]:
        return [area_group(area) for area in network.areas]

    def key(self, fields: Mapping[str, Value]) -> Key:
        return (str(fields["slug"]),)

    @staticmethod
    def code_of(reader: ModelReader, key: Key) -> str | None:
        """The number of the managed area of this key (None if netops does not manage one)."""
        group = reader.records.get("dcim.sitegroup", key)
        return str(custom(group, "area_code")) if group is not None and group.managed else None

    def read(self, reader: ModelReader) -> None:
        """The aggregation areas, by number."""
        areas = []
        for group in reader.managed(self.object_type):
            area = {"code": custom(group, "area_code"), "name": group.fields["name"], "slug": group.fields["slug"]}
            reader.locate(("areas", item(str(area["code"]))), group)
            areas.append(area)
        reader.data["areas"] = sorted(areas, key=lambda a: str(a["code"]))


def tenant_group_record(group: Named) -> Record:
    """A tenant group."""
    return Record("tenancy.tenantgroup", (group.slug,), {"name": group.name, "slug": group.slug})


def tenant_record(group: Named, tenant: Named) -> Record:
    """A tenant: an organization owning sites."""
    return Record("tenancy.tenant", (tenant.slug,), {
        "name": tenant.name, "slug": tenant.slug, "group": Ref("tenancy.tenantgroup", (group.slug,))})


class TenantGroupMapper(Mapper):
    """tenancy.tenantgroup: government, party, mass organizations."""

    object_type = "tenancy.tenantgroup"
    endpoint = "tenancy/tenant-groups"
    graphql_list = "tenant_group_list"
    graphql_type = "TenantGroupType"
    noun = "tenant group"
    fields = (Field("name", Kind.SCALAR), Field("slug", Kind.SCALAR))
    shared = True
    fetch_all = True
    prunable = False

    def desired(self, network: Network) -> Iterable[Record]:
        groups = {site_tenant(site)[0] for site in network.sites}
        return [tenant_group_record(group) for group in sorted(groups, key=lambda g: g.slug)]

    def key(self, fields: Mapping[str, Value]) -> Key:
        return (str(fields["slug"]),)


class TenantMapper(Mapper):
    """tenancy.tenant: the organizations whose offices the sites are."""

    object_type = "tenancy.tenant"
    endpoint = "tenancy/tenants"
    graphql_list = "tenant_list"
    graphql_type = "TenantType"
    noun = "tenant"
    fields = (Field("name", Kind.SCALAR), Field("slug", Kind.SCALAR),
              Field("group", Kind.REF, ("tenancy.tenantgroup",)))
    shared = True
    fetch_all = True
    prunable = False

    #: The mass organization of each tenant slug (a mass-organization site's tenant says which it is).
    organization_by_slug: ClassVar[Mapping[str, MassOrganizationType]] = {
        named.slug: kind for kind, named in MASS_ORGANIZATION_TENANT.items()}

    def desired(self, network: Network) -> Iterable[Record]:
        tenants = {site_tenant(site) for site in network.sites}
        return [tenant_record(group, tenant) for group, tenant in sorted(tenants, key=lambda t: t[1].slug)]

    def key(self, fields: Mapping[str, Value]) -> Key:
        return (str(fields["slug"]),)


def site_record(site: Site, admin_code: str, area: Area | None) -> Record:
    """A site: NetBox's status from the lifecycle (kept itself in a custom field), region (that of its unit's
    code), tenant, location."""
    _, tenant = site_tenant(site)
    coordinates = site.coordinates
    return Record("dcim.site", (site.slug,), {
        "name": site.name, "slug": site.slug, "status": SITE_STATUS[site.status],
        "region": Ref("dcim.region", region_key(admin_code)), "tenant": Ref("tenancy.tenant", (tenant.slug,)),
        "group": Ref("dcim.sitegroup", (area.slug,)) if area else None,
        "physical_address": site.address or "",
        "latitude": round(coordinates.latitude, COORDINATE_PLACES) if coordinates else None,
        "longitude": round(coordinates.longitude, COORDINATE_PLACES) if coordinates else None,
        "custom_fields.admin_code": admin_code, "custom_fields.site_kind": site.kind,
        "custom_fields.lifecycle_status": site.status.value, "custom_fields.site_number": site.number,
        "custom_fields.redundancy": site.redundancy.value if site.redundancy else None,
        "custom_fields.site_vars": JsonValue(dict(site.vars)) if site.vars else None,
    })


class SiteMapper(Mapper):
    """dcim.site: every site of the city."""

    object_type = "dcim.site"
    endpoint = "dcim/sites"
    graphql_list = "site_list"
    graphql_type = "SiteType"
    noun = "site"
    fields = (Field("name", Kind.SCALAR), Field("slug", Kind.SCALAR), Field("status", Kind.CHOICE, derived=True),
              Field("region", Kind.REF, ("dcim.region",)), Field("tenant", Kind.REF, ("tenancy.tenant",)),
              Field("group", Kind.REF, ("dcim.sitegroup",)),
              Field("physical_address", Kind.SCALAR), Field("latitude", Kind.DECIMAL),
              Field("longitude", Kind.DECIMAL), Field("admin_code", Kind.CUSTOM, derived=True),
              Field("site_kind", Kind.CUSTOM), Field("lifecycle_status", Kind.CUSTOM),
              Field("site_number", Kind.CUSTOM),
              Field("redundancy", Kind.CUSTOM), Field("site_vars", Kind.CUSTOM))
    dependents = (Dependent("dcim/devices", "site_id"), Dependent("ipam/prefixes", "site_id"),
                  Dependent("dcim/racks", "site_id"), Dependent("virtualization/virtual-machines", "site_id"),
                  Dependent("virtualization/clusters", "site_id"),
                  Dependent("circuits/circuit-terminations", "site_id"),
                  Dependent("ipam/vlan-groups", "scope_id", {"scope_type": "dcim.site"}))

    def desired(self, network: Network) -> Iterable[Record]:
        return [site_record(site, site_admin_code(network, site),
                            network.area_by_code[site.area] if site.area else None)
                for site in network.sites]

    def key(self, fields: Mapping[str, Value]) -> Key:
        return (str(fields["slug"]),)

    def claims(self, fields: Mapping[str, Value]) -> tuple[Value, ...]:
        """A site's name is unique in NetBox (a site whose slug changed, or a new site named like one that left
        intent, takes the name the other still holds)."""
        return (Claim("site name", ("NetBox",), str(fields.get("name"))),)

    def claim_lookups(self, claims: Sequence[Value], id_of: IdOf) -> list[dict[str, Any]]:
        """The sites of these names (a site netops does not manage may hold one); 10 names a request, which keeps
        the URL of Vietnamese names, percent-encoded, within gunicorn's 4 KB request line."""
        names = sorted({claim.value for claim in claims if isinstance(claim, Claim)})
        return [{"name": list(chunk)} for chunk in chunks(names, 10)]

    def release(self, fields: Mapping[str, Value]) -> dict[str, Value] | None:
        """Renamed first: the slug, unique too, makes the temporary name unique (at most 100 characters)."""
        suffix = f" ({fields.get('slug')}, renamed to free the name)"
        return {"name": str(fields.get("name"))[:max(0, 100 - len(suffix))] + suffix[:100]}

    @staticmethod
    def site_of(fields: Mapping[str, Value]) -> dict[str, Any]:
        """What a site's own fields say of the model's site (its place, LANs and organization apart)."""
        latitude, longitude = fields.get("latitude"), fields.get("longitude")
        site_vars = fields.get("custom_fields.site_vars")
        return {
            "slug": fields["slug"], "name": fields["name"], "kind": fields.get("custom_fields.site_kind"),
            "number": fields.get("custom_fields.site_number"), "status": fields.get("custom_fields.lifecycle_status"),
            "address": fields.get("physical_address") or None,
            "coordinates": {"latitude": latitude, "longitude": longitude}
            if latitude is not None and longitude is not None else None,
            "redundancy": fields.get("custom_fields.redundancy"),
            "vars": site_vars.data if isinstance(site_vars, JsonValue) else {},
        }

    def read(self, reader: ModelReader) -> None:
        """The sites, by slug, each in its administrative unit (from its region) with its LANs."""
        sites = []
        for record in sorted(reader.managed(self.object_type), key=lambda r: str(r.fields["slug"])):
            slug = str(record.fields["slug"])
            path: ModelPath = ("sites", item(slug))
            reader.locate(path, record)
            region = ref_key(record.fields.get("region"))
            below_city = bool(region) and region != reader.city.key
            unit = reader.records.get("dcim.region", region) if below_city else None
            in_ward = unit is not None and is_ward_region(unit)
            # A ward's district is the region it stands in, unless that is the city (the 2025 structure).
            above = ref_key(unit.fields.get("parent")) if unit is not None and in_ward else ()
            district = (above if above and above != reader.city.key else None) if in_ward else \
                region if below_city else None
            group = ref_key(record.fields.get("group"))
            site = SiteMapper.site_of(record.fields) | {
                "level": "ward" if in_ward else "district" if district or record.fields.get(
                    "custom_fields.site_kind") == SiteKind.HUB.value else "city",
                "district": RegionMapper.code_of(reader, district) if district else None,
                "ward": RegionMapper.code_of(reader, region) if in_ward else None,
                "area": SiteGroupMapper.code_of(reader, group) if group else None,
                "lans": sorted(reader.lans.get(slug, []), key=lambda lan: int(lan["vlan"])),
            }
            if site["kind"] == "mass_organization":
                tenant = ref_key(record.fields.get("tenant"))
                organization = TenantMapper.organization_by_slug.get(tenant[0] if tenant else "")
                if organization is None:
                    reader.problem((*path, "organization"), record, "mass-organization site without its organization",
                                   "one of the mass-organization tenants", "/".join(tenant) or "no tenant")
                site["organization"] = organization.value if organization else None
            sites.append(site)
        reader.data["sites"] = sites


def rack_record(site: str, name: str) -> Record:
    """A rack of the data center holding physical servers."""
    return Record("dcim.rack", (site, name), {"name": name, "site": Ref("dcim.site", (site,)), "status": "active"})


class RackMapper(Mapper):
    """dcim.rack: the racks physical servers stand in."""

    object_type = "dcim.rack"
    endpoint = "dcim/racks"
    graphql_list = "rack_list"
    graphql_type = "RackType"
    noun = "rack"
    # A server's rack is read from the server's reference to it.
    fields = (Field("name", Kind.SCALAR, derived=True), Field("site", Kind.REF, ("dcim.site",), derived=True),
              Field("status", Kind.CHOICE, derived=True))
    key_refs = ("site",)
    dependents = (Dependent("dcim/devices", "rack_id"),)

    def desired(self, network: Network) -> Iterable[Record]:
        racks = {(host.site, host.rack) for host in network.hosts
                 if isinstance(host, PhysicalServer) and host.rack is not None}
        return [rack_record(site, name) for site, name in sorted(racks)]

    def key(self, fields: Mapping[str, Value]) -> Key:
        site = fields["site"]
        return (*(site.key if isinstance(site, Ref) else ("?",)), str(fields["name"]))

    def lookups(self, keys: Sequence[Key], id_of: IdOf) -> list[dict[str, Any]]:
        return [{"name": sorted({key[-1] for key in chunk})} for chunk in chunks(keys, 50)]
