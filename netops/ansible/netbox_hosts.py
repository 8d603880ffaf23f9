"""The inventory's hosts straight from NetBox: a few paginated lists, no whole-model read-back.

An inventory needs each network device, its site and the site's district (its aggregation area in the 2025
structure) and ward, nothing of the interfaces, addresses, cables, prefixes or circuits that `netops.netbox.read`
reads to rebuild (and validate) the whole Network. Reading those costs seconds per thousand devices; the lists read
by netops.ansible.netbox_lists (devices, sites, regions and site groups filtered to what netops manages, the few
roles, platforms and tenants, the devices' other tags) cost a fraction of one, which is what makes
`ansible-inventory` from NetBox fast (benchmarks/bench_inventory.py). The whole-model gate stays one command
away: `netops validate --source netbox`, or the plugin's `read: model` option.

Every value is mapped back by the mappers netops writes with (netops.netbox.mapping: the role and platform of a
slug, a site's own fields), so the hosts equal those `host_rows(network)` gives for the Network they were applied
from (tests/netbox/test_sources.py).
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter, ValidationError

from citynet_models.types import DeviceRole, Platform
from citynet_models.variables import SiteVariables
from netops.ansible.hosts import HostRow
from netops.ansible.netbox_lists import HostLists
from netops.netbox.mapping.dcim import DeviceRoleMapper, PlatformMapper
from netops.netbox.mapping.organization import WARD_KINDS, SiteMapper
from netops.netbox.snapshot import normalize

_SITE_VARIABLES: TypeAdapter[dict[str, Any]] = TypeAdapter(SiteVariables)
_SITE_MAPPER = SiteMapper()


class InventoryReadError(ValueError):
    """NetBox holds a managed device the inventory cannot describe (an unknown role, no platform, no address)."""

    def __init__(self, device: str, reason: str) -> None:
        self.device = device
        super().__init__(f"device {device}: {reason}")


def netbox_host_rows(reading: HostLists) -> list[HostRow]:
    """The managed network devices of NetBox as host rows (servers, which have the server role, left out)."""
    lists = reading.result()
    roles = {row["id"]: row["slug"] for row in lists.roles}
    platforms = {row["id"]: row["slug"] for row in lists.platforms}
    regions = {row["id"]: row for row in lists.regions}
    site_groups = {row["id"]: row for row in lists.site_groups}
    sites = {row["id"]: row for row in lists.sites}
    tenants = {row["id"]: row["slug"] for row in lists.tenants}
    tags = lists.tags
    rows = []
    for device in lists.devices:
        role = DeviceRoleMapper.role_by_slug.get(roles.get(device["role"]["id"], ""))
        if role is None:  # the data center's physical servers: hosts of the DC roles' inventories, not of ours
            continue
        platform = PlatformMapper.platform_by_slug.get(platforms.get((device.get("platform") or {}).get("id", ""), ""))
        tenant = tenants.get((device.get("tenant") or {}).get("id", ""))
        rows.append(_row(device, role, platform, tenant, sites[device["site"]["id"]], regions, site_groups,
                         tags.get(("dcim.device", int(device["id"])), [])))
    return rows


def _row(device: dict[str, Any], role: DeviceRole, platform: Platform | None, tenant: str | None,
         site: dict[str, Any], regions: dict[str, dict[str, Any]], site_groups: dict[str, dict[str, Any]],
         tags: list[str]) -> HostRow:
    name = device["name"]
    if platform is None:
        raise InventoryReadError(name, "no platform netops knows")
    if tenant is None:
        raise InventoryReadError(name, "no tenant (the organization owning its site)")
    if not device.get("oob_ip"):
        raise InventoryReadError(name, "no out-of-band IP (the management address)")
    district, ward = _district_and_ward(site, regions, site_groups)
    model = SiteMapper.site_of(normalize(_SITE_MAPPER, site))
    coordinates = model["coordinates"]
    primary = device.get("primary_ip4")
    return HostRow(
        name=name, management=device["oob_ip"]["address"], platform=platform, role=role,
        site=model["slug"], site_name=model["name"], site_kind=model["kind"], site_status=model["status"],
        site_redundancy=model["redundancy"],
        coordinates=(coordinates["latitude"], coordinates["longitude"]) if coordinates else None,
        district_code=district[0] if district else None,
        district_slug=district[1] if district else None,
        district_name=district[2] if district else None,
        ward=ward, regions=_regions(site, regions), tenant=tenant,
        loopback=primary["address"].split("/")[0] if primary else None,
        tags=tuple(sorted(tags)), site_vars=_site_variables(name, model["slug"], model["vars"]),
    )


def _district_and_ward(site: dict[str, Any], regions: dict[str, dict[str, Any]],
                       site_groups: dict[str, dict[str, Any]]) -> tuple[tuple[str, str, str] | None, str | None]:
    """The (code, slug, name) of the site's district and the code of its ward, as intent's host rows give them.

    A site stands in its ward's region, else its district's, else the city's (the root). In the 2025 structure
    the units stand right under the city and a site's district is its aggregation area, a site group.
    """
    units = []
    region: dict[str, Any] | None = regions[site["region"]["id"]] if site.get("region") else None
    while region is not None and region.get("parent"):  # the root is the city
        units.append(region)
        region = regions.get(region["parent"]["id"])
    ward = next((unit for unit in units if _selected(unit["custom_fields"].get("admin_kind")) in WARD_KINDS), None)
    district = next((unit for unit in units if unit is not ward), None)
    ward_code = ward["custom_fields"]["admin_code"] if ward else None
    if district is not None:
        return (district["custom_fields"]["admin_code"], district["slug"], district["name"]), ward_code
    group = site_groups.get(site["group"]["id"]) if site.get("group") else None
    if group is not None:
        return (str(group["custom_fields"]["area_code"]), group["slug"], group["name"]), ward_code
    return None, ward_code


def _regions(site: dict[str, Any], regions: dict[str, dict[str, Any]]) -> tuple[str, ...]:
    """The slugs of the site's region and of each of its parents up to the city."""
    slugs = []
    region = regions.get(site["region"]["id"]) if site.get("region") else None
    while region is not None and region["slug"] not in slugs:  # a loop in NetBox's tree would otherwise never end
        slugs.append(region["slug"])
        region = regions.get(region["parent"]["id"]) if region.get("parent") else None
    return tuple(slugs)


def _selected(value: Any) -> Any:
    """A selection custom field's value: GraphQL answers {value, label}."""
    return value.get("value") if isinstance(value, dict) else value


def _site_variables(device: str, site: str, value: Any) -> dict[str, Any]:
    """The site's variables as intent would give them; a name Ansible or netops owns is refused, not passed on."""
    try:
        return _SITE_VARIABLES.validate_python(value or {})
    except ValidationError as error:
        problem = error.errors(include_url=False)[0]
        where = ".".join(str(part) for part in problem["loc"] if part != "[key]")
        raise InventoryReadError(device, f"site {site}: custom field site_vars{'.' + where if where else ''}: "
                                         f"{problem['msg']} (found {problem['input']!r})") from error
