"""The inventory's hosts straight from NetBox: three paginated GraphQL lists, no whole-model read-back.

An inventory needs each network device, its site and the site's district and ward, nothing of the interfaces,
addresses, cables, prefixes or circuits that `netops.netbox.read` reads to rebuild (and validate) the whole
Network. Reading those costs seconds per thousand devices; the three lists here (devices, sites, regions, each
filtered to what netops manages) cost a fraction of one, which is what makes `ansible-inventory` from NetBox
fast (benchmarks/bench_inventory.py). The whole-model gate stays one command away:
`netops validate --source netbox`, or the plugin's `read: model` option.

Every value is mapped back with the vocabulary netops writes with (netops.netbox.mapping), so the hosts equal
those `host_rows(network)` gives for the Network they were applied from (tests/netbox/test_sources.py).
"""

from __future__ import annotations

from typing import Any

from models.types import DeviceRole
from netops.ansible.hosts import HostRow
from netops.netbox.client import NetBoxClient
from netops.netbox.mapping.base import MANAGED_TAG
from netops.netbox.mapping.vocabulary import DEVICE_ROLES, PLATFORMS

_MANAGED = f'{{tags: {{slug: {{exact: "{MANAGED_TAG}"}}}}}}'
_DEVICES = "name role { slug } platform { slug } site { slug } primary_ip4 { address } oob_ip { address } tags { slug }"
_SITES = "slug name latitude longitude custom_fields region { slug parent { slug parent { slug } } }"
_REGIONS = "slug name custom_fields parent { slug }"

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
    regions = {row["slug"]: row for row in client.graphql_list("region_list", _REGIONS, _MANAGED)}
    sites = {row["slug"]: row for row in client.graphql_list("site_list", _SITES, _MANAGED)}
    rows = []
    for device in client.graphql_list("device_list", _DEVICES, _MANAGED):
        role = _ROLE_BY_SLUG.get(device["role"]["slug"])
        if role is None:  # the data center's physical servers: hosts of the DC roles' inventories, not of ours
            continue
        rows.append(_row(device, role, sites[device["site"]["slug"]], regions))
    return rows


def _row(device: dict[str, Any], role: DeviceRole, site: dict[str, Any],
         regions: dict[str, dict[str, Any]]) -> HostRow:
    name = device["name"]
    platform = _PLATFORM_BY_SLUG.get((device.get("platform") or {}).get("slug", ""))
    if platform is None:
        raise InventoryReadError(name, "no platform netops knows")
    if not device.get("oob_ip"):
        raise InventoryReadError(name, "no out-of-band IP (the management address)")
    fields = site["custom_fields"]
    # A site stands in its ward's region, else its district's, else the city's (the root).
    chain = []
    region: dict[str, Any] | None = site["region"]
    while region is not None:
        chain.append(region["slug"])
        region = region.get("parent")
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
        tags=tuple(sorted(tag["slug"] for tag in device["tags"] if tag["slug"] != MANAGED_TAG)),
    )
