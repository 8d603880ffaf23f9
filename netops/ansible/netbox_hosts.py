"""The inventory's hosts straight from NetBox: a few paginated lists, no whole-model read-back.

An inventory needs each network device, its site and the site's district and ward, nothing of the interfaces,
addresses, cables, prefixes or circuits that `netops.netbox.read` reads to rebuild (and validate) the whole
Network. Reading those costs seconds per thousand devices; the lists here (devices, sites, regions filtered to
what netops manages, the few roles and platforms, the devices' other tags) cost a fraction of one, which is
what makes `ansible-inventory` from NetBox fast (benchmarks/bench_inventory.py). The whole-model gate stays one
command away: `netops validate --source netbox`, or the plugin's `read: model` option.

Every value is mapped back with the vocabulary netops writes with (netops.netbox.mapping), so the hosts equal
those `host_rows(network)` gives for the Network they were applied from (tests/netbox/test_sources.py).
"""

from __future__ import annotations

from typing import Any

from models.types import DeviceRole, Platform
from netops.ansible.hosts import HostRow
from netops.netbox.client import NetBoxClient
from netops.netbox.mapping.base import MANAGED_TAG
from netops.netbox.mapping.vocabulary import DEVICE_ROLES, PLATFORMS
from netops.netbox.snapshot import extra_tags

_MANAGED = f'{{tags: {{slug: {{exact: "{MANAGED_TAG}"}}}}}}'
# Related objects by id only, and no tags: NetBox's GraphQL resolves a nested object's fields, and an object's
# tags, with a query per object; ids come from the row itself. The other tags come from one REST list.
_DEVICES = "id name role { id } platform { id } site { id } primary_ip4 { address } oob_ip { address }"
_SITES = "id slug name latitude longitude custom_fields region { id }"
_REGIONS = "id slug name custom_fields parent { id }"
_NAMED = "id slug"

_ROLE_BY_SLUG = {named.slug: role for role, named in DEVICE_ROLES.items()}
_PLATFORM_BY_SLUG = {named.slug: platform for platform, named in PLATFORMS.items()}


class InventoryReadError(ValueError):
    """NetBox holds a managed device the inventory cannot describe (an unknown role, no platform, no address)."""

    def __init__(self, device: str, reason: str) -> None:
        self.device = device
        super().__init__(f"device {device}: {reason}")


def _coordinate(value: Any) -> float | None:
    return None if value is None else float(value)


def _choice(value: Any) -> Any:
    """A custom field's value: GraphQL gives a selection field as {value, label}, other fields as they are."""
    return value["value"] if isinstance(value, dict) and "value" in value else value


def netbox_host_rows(client: NetBoxClient) -> list[HostRow]:
    """The managed network devices of NetBox as host rows (servers, which have the server role, left out)."""
    roles = {row["id"]: row["slug"] for row in client.graphql_list("device_role_list", _NAMED)}
    platforms = {row["id"]: row["slug"] for row in client.graphql_list("platform_list", _NAMED)}
    regions = {row["id"]: row for row in client.graphql_list("region_list", _REGIONS, _MANAGED)}
    sites = {row["id"]: row for row in client.graphql_list("site_list", _SITES, _MANAGED)}
    tags = extra_tags(client)
    rows = []
    for device in client.graphql_list("device_list", _DEVICES, _MANAGED):
        role = _ROLE_BY_SLUG.get(roles.get(device["role"]["id"], ""))
        if role is None:  # the data center's physical servers: hosts of the DC roles' inventories, not of ours
            continue
        platform = _PLATFORM_BY_SLUG.get(platforms.get((device.get("platform") or {}).get("id", ""), ""))
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
    fields = site["custom_fields"]
    # A site stands in its ward's region, else its district's, else the city's (the root).
    chain = []
    region: dict[str, Any] | None = regions[site["region"]["id"]] if site.get("region") else None
    while region is not None:
        chain.append(region["id"])
        region = regions.get(region["parent"]["id"]) if region.get("parent") else None
    chain.reverse()  # city, district, ward
    district = regions[chain[1]] if len(chain) > 1 else None
    ward = regions[chain[2]] if len(chain) > 2 else None
    latitude, longitude = _coordinate(site["latitude"]), _coordinate(site["longitude"])
    primary = device.get("primary_ip4")
    return HostRow(
        name=name, management=device["oob_ip"]["address"], platform=platform, role=role,
        site=site["slug"], site_name=site["name"], site_kind=_choice(fields["site_kind"]),
        site_status=_choice(fields["lifecycle_status"]), site_redundancy=_choice(fields.get("redundancy")),
        coordinates=(latitude, longitude) if latitude is not None and longitude is not None else None,
        district_code=district["custom_fields"]["admin_code"] if district else None,
        district_slug=district["slug"] if district else None,
        district_name=district["name"] if district else None,
        ward=ward["custom_fields"]["admin_code"] if ward else None,
        loopback=primary["address"].split("/")[0] if primary else None,
        tags=tuple(sorted(tags)),
    )
