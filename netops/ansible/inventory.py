"""The Ansible inventory of the city: groups and host variables from the validated network.

The plugin in plugins/inventory/netops.py only reads its YAML options and hands the result of
`build_inventory` to Ansible; everything here is plain Python, testable without Ansible.

Groups (valid Ansible names: lower case, underscores):
- `district_<code>_<slug>` (e.g. district_001_quan_ba_dinh), and `city_level` for sites of no district;
- `kind_<site kind>`, `role_<device role>`, `platform_<platform>`, `status_<site lifecycle status>`;
- parents `districts`, `kinds`, `roles`, `platforms`, `statuses` holding the groups of each dimension.
Host variables, all prefixed `netops_` except Ansible's own `ansible_host` (the management address):
the NAPALM driver, site, site kind/status/coordinates/redundancy, district, device role, platform,
loopback, tags, and the path of the rendered config.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models.network import Network
from models.types import Platform
from netops.render.sources import source

#: NAPALM driver of each platform (napalm_frr is the project's own driver, found as `frr`).
NAPALM_DRIVERS: dict[Platform, str] = {
    Platform.FRR: "frr",
    Platform.CISCO_IOSXE: "ios",
    Platform.HUAWEI_VRP: "huawei_vrp",
}

_INVALID = re.compile(r"[^a-z0-9_]")


def group_name(*parts: str) -> str:
    """A valid Ansible group name from parts: 'district', '001', 'quan-ba-dinh' -> district_001_quan_ba_dinh."""
    return _INVALID.sub("_", "_".join(parts).lower())


@dataclass
class Inventory:
    """Groups, their parents and the variables of every host."""

    groups: dict[str, list[str]] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=dict)
    hostvars: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, parent: str, group: str, host: str) -> None:
        """Put the host in the group, and the group under its parent."""
        self.groups.setdefault(group, []).append(host)
        siblings = self.children.setdefault(parent, [])
        if group not in siblings:
            siblings.append(group)


def build_inventory(network: Network, configs_dir: Path) -> Inventory:
    """The inventory of every device of the network; `configs_dir` is `netops render --out`."""
    inventory = Inventory()
    for device in network.devices:
        site = network.site_by_slug[device.site]
        district = network.district_by_code.get(site.district) if site.district else None
        district_group = group_name("district", district.code, district.slug) if district else "city_level"
        inventory.add("districts", district_group, device.name)
        inventory.add("kinds", group_name("kind", site.kind), device.name)
        inventory.add("roles", group_name("role", device.role.value), device.name)
        inventory.add("platforms", group_name("platform", device.platform.value), device.name)
        inventory.add("statuses", group_name("status", site.status.value), device.name)
        coordinates = ({"latitude": site.coordinates.latitude, "longitude": site.coordinates.longitude}
                       if site.coordinates else None)
        inventory.hostvars[device.name] = {
            "ansible_host": str(device.management.ip),
            "netops_napalm_driver": NAPALM_DRIVERS[device.platform],
            "netops_platform": device.platform.value,
            "netops_role": device.role.value,
            "netops_site": site.slug,
            "netops_site_name": site.name,
            "netops_site_kind": site.kind,
            "netops_site_status": site.status.value,
            "netops_site_redundancy": site.redundancy.value if site.redundancy else None,
            "netops_site_coordinates": coordinates,
            "netops_district": district.code if district else None,
            "netops_district_name": district.name if district else None,
            "netops_ward": site.ward,
            "netops_loopback": str(device.loopback) if device.loopback else None,
            "netops_management": device.management.with_prefixlen,
            "netops_tags": list(device.tags),
            "netops_config": str(configs_dir / device.platform.value / f"{device.name}.cfg"),
        }
    return inventory


def load_inventory(source_name: str, intent_dir: Path, configs_dir: Path) -> Inventory:
    """The inventory of the named source; raises InputError or SourceUnavailableError."""
    return build_inventory(source(source_name, intent_dir).load().network, configs_dir)
