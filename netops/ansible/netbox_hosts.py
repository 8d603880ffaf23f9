"""The inventory's hosts straight from NetBox: a few paginated lists, no whole-model read-back.

An inventory needs each network device, its site and the site's district and ward, nothing of the interfaces,
addresses, cables, prefixes or circuits that `netops.netbox.read` reads to rebuild (and validate) the whole
Network. Reading those costs seconds per thousand devices; the lists read by netops.ansible.netbox_lists (devices,
sites, regions filtered to what netops manages, the few roles and platforms, the devices' other tags) cost a
fraction of one, which is what makes `ansible-inventory` from NetBox fast (benchmarks/bench_inventory.py). The
whole-model gate stays one command away: `netops validate --source netbox`, or the plugin's `read: model` option.

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
from netops.netbox.mapping.organization import SiteMapper
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
    sites = {row["id"]: row for row in lists.sites}
    tags = lists.tags
    rows = []
    for device in lists.devices:
        role = DeviceRoleMapper.role_by_slug.get(roles.get(device["role"]["id"], ""))
        if role is None:  # the data center's physical servers: hosts of the DC roles' inventories, not of ours
            continue
        platform = PlatformMapper.platform_by_slug.get(platforms.get((device.get("platform") or {}).get("id", ""), ""))
        rows.append(_row(device, role, platform, sites[device["site"]["id"]], regions,
                         tags.get(("dcim.device", int(device["id"])), [])))
    return rows


def _row(device: dict[str, Any], role: DeviceRole, platform: Platform | None, site: dict[str, Any],
         regions: dict[str, dict[str, Any]], tags: list[str]) -> HostRow:
    name = device["name"]
    if platform is None:
        raise InventoryReadError(name, "no platform netops knows")
    if not device.get("oob_ip"):
        raise InventoryReadError(name, "no out-of-band IP (the management address)")
    # A site stands in its ward's region, else its district's, else the city's (the root).
    chain = []
    region: dict[str, Any] | None = regions[site["region"]["id"]] if site.get("region") else None
    while region is not None:
        chain.append(region["id"])
        region = regions.get(region["parent"]["id"]) if region.get("parent") else None
    chain.reverse()  # city, district, ward
    district = regions[chain[1]] if len(chain) > 1 else None
    ward = regions[chain[2]] if len(chain) > 2 else None
    model = SiteMapper.site_of(normalize(_SITE_MAPPER, site))
    coordinates = model["coordinates"]
    primary = device.get("primary_ip4")
    return HostRow(
        name=name, management=device["oob_ip"]["address"], platform=platform, role=role,
        site=model["slug"], site_name=model["name"], site_kind=model["kind"], site_status=model["status"],
        site_redundancy=model["redundancy"],
        coordinates=(coordinates["latitude"], coordinates["longitude"]) if coordinates else None,
        district_code=district["custom_fields"]["admin_code"] if district else None,
        district_slug=district["slug"] if district else None,
        district_name=district["name"] if district else None,
        ward=ward["custom_fields"]["admin_code"] if ward else None,
        loopback=primary["address"].split("/")[0] if primary else None,
        tags=tuple(sorted(tags)), site_vars=_site_variables(name, model["slug"], model["vars"]),
    )


def _site_variables(device: str, site: str, value: Any) -> dict[str, Any]:
    """The site's variables as intent would give them; a name Ansible or netops owns is refused, not passed on."""
    try:
        return _SITE_VARIABLES.validate_python(value or {})
    except ValidationError as error:
        problem = error.errors(include_url=False)[0]
        where = ".".join(str(part) for part in problem["loc"] if part != "[key]")
        raise InventoryReadError(device, f"site {site}: custom field site_vars{'.' + where if where else ''}: "
                                         f"{problem['msg']} (found {problem['input']!r})") from error
