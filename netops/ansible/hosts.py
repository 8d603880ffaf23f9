"""One row per inventory host: what the Ansible inventory shows of a device, whichever source it came from.

`host_rows(network)` takes the rows from a validated Network (intent, or NetBox's whole-model read-back);
`netops.ansible.netbox_hosts` takes the same rows from three NetBox lists. `netops.ansible.inventory` turns rows
into groups and host variables, so both sources give the same inventory when they hold the same city.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from citynet_models.types import DeviceRole, Platform

if TYPE_CHECKING:
    from citynet_models.network import Network


@dataclass(frozen=True)
class HostRow:
    """A network device with its site, district and ward, as the inventory shows them."""

    name: str
    management: str  # the management address with its prefix length (ansible_host is the address alone)
    platform: Platform
    role: DeviceRole
    site: str
    site_name: str
    site_kind: str
    site_status: str
    site_redundancy: str | None
    coordinates: tuple[float, float] | None
    district_code: str | None
    district_slug: str | None
    district_name: str | None
    ward: str | None
    #: Slugs of the NetBox regions the site stands in, its own first and the city last (nb_inventory's `regions`).
    regions: tuple[str, ...]
    #: Slug of the NetBox tenant of the site and its devices (the organization that owns the site).
    tenant: str
    loopback: str | None
    tags: tuple[str, ...]
    #: The site's own variables (intent `vars:`), given to Ansible under their own names.
    site_vars: Mapping[str, Any] = field(default_factory=dict, hash=False)


def host_rows(network: Network) -> list[HostRow]:
    """Every device of the network as a row, in the network's order."""
    # Imported here: the regions and tenants are named as netops writes them into NetBox.
    from netops.netbox.vocabulary import site_admin_code, site_tenant

    rows = []
    regions: dict[str, tuple[str, ...]] = {network.city.code: (network.city.slug,)}
    for unit in network.districts:
        regions[unit.code] = (unit.slug, network.city.slug)
    for ward in network.wards:
        regions[ward.code] = (ward.slug, *regions[ward.district or network.city.code])
    for device in network.devices:
        site = network.site_by_slug[device.site]
        district = network.groups.get(site.area) if site.area else None
        coordinates = site.coordinates
        rows.append(HostRow(
            name=device.name, management=device.management.with_prefixlen, platform=device.platform,
            role=device.role, site=site.slug, site_name=site.name, site_kind=site.kind,
            site_status=site.status.value, site_redundancy=site.redundancy.value if site.redundancy else None,
            coordinates=(coordinates.latitude, coordinates.longitude) if coordinates else None,
            district_code=district.code if district else None, district_slug=district.slug if district else None,
            district_name=district.name if district else None, ward=site.ward,
            loopback=str(device.loopback) if device.loopback is not None else None,
            tags=tuple(sorted(set(device.tags))), regions=regions[site_admin_code(network, site)],
            tenant=site_tenant(site)[1].slug, site_vars=site.vars,
        ))
    return rows
