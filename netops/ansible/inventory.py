"""The Ansible inventory of the city: groups and host variables from the validated network.

The plugin in plugins/inventory/netops.py only reads its YAML options and hands the result of
`build_inventory` to Ansible; everything here is plain Python, testable without Ansible.

Groups (valid Ansible names: lower case, underscores):
- `district_<code>_<slug>` (e.g. district_001_quan_ba_dinh), and `city_level` for sites of no district;
- `kind_<site kind>`, `role_<device role>`, `platform_<platform>`, `status_<site lifecycle status>`;
- parents `districts`, `kinds`, `roles`, `platforms`, `statuses` holding the groups of each dimension.
Host variables, all prefixed `netops_` except Ansible's own `ansible_host` (the management address):
the NAPALM driver, site, site kind/status/coordinates/redundancy, district, device role, platform,
loopback, tags, and the path of the rendered config; then the site's own variables (intent `vars:`) under
their own names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from citynet_models.types import Platform
from netops.ansible.hosts import HostRow, host_rows
from netops.push.support import NOT_PUSHED

if TYPE_CHECKING:
    from citynet_models.network import Network
    from netops.ansible.netbox_lists import HostLists

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
    return inventory_of(host_rows(network), configs_dir)


def inventory_of(rows: Iterable[HostRow], configs_dir: Path) -> Inventory:
    """Groups and host variables of the rows, hosts in name order (so every source lists them alike)."""
    inventory = Inventory()
    for row in sorted(rows, key=lambda r: r.name):
        district_group = (group_name("district", row.district_code, row.district_slug)
                          if row.district_code and row.district_slug else "city_level")
        inventory.add("districts", district_group, row.name)
        inventory.add("kinds", group_name("kind", row.site_kind), row.name)
        inventory.add("roles", group_name("role", row.role.value), row.name)
        inventory.add("platforms", group_name("platform", row.platform.value), row.name)
        inventory.add("statuses", group_name("status", row.site_status), row.name)
        not_pushed = NOT_PUSHED.get(NAPALM_DRIVERS[row.platform])
        inventory.add("pushes", "push_disabled" if not_pushed else "push_enabled", row.name)
        coordinates = ({"latitude": row.coordinates[0], "longitude": row.coordinates[1]}
                       if row.coordinates else None)
        inventory.hostvars[row.name] = {
            "ansible_host": row.management.split("/")[0],
            "netops_napalm_driver": NAPALM_DRIVERS[row.platform],
            "netops_platform": row.platform.value,
            "netops_role": row.role.value,
            "netops_site": row.site,
            "netops_site_name": row.site_name,
            "netops_site_kind": row.site_kind,
            "netops_site_status": row.site_status,
            "netops_site_redundancy": row.site_redundancy,
            "netops_site_coordinates": coordinates,
            "netops_district": row.district_code,
            "netops_district_name": row.district_name,
            "netops_ward": row.ward,
            "netops_loopback": row.loopback,
            "netops_management": row.management,
            "netops_tags": list(row.tags),
            "netops_config": str(configs_dir / row.platform.value / f"{row.name}.cfg"),
            # Whether provisioning pushes the device, and why not (its platform's driver cannot do the transaction).
            "netops_push": not not_pushed,
            **({"netops_push_note": not_pushed} if not_pushed else {}),
            # The names cannot clash with the ones above: citynet_models.variables keeps ansible_ and netops_ for them.
            **row.site_vars,
        }
    for groups in inventory.children.values():
        groups.sort()
    return inventory


class Read(StrEnum):
    """How much the netbox source reads: the inventory's three lists, or the whole model (validated)."""

    HOSTS = "hosts"
    MODEL = "model"


def load_inventory(source_name: str, intent_dir: Path, configs_dir: Path, read: Read | str = Read.HOSTS,
                   lists: HostLists | None = None) -> Inventory:
    """The inventory of the named source; raises InputError or SourceUnavailableError.

    From NetBox, `read: hosts` (the default) reads only devices, sites and regions (`lists`, when the caller
    started reading them already); `read: model` reads and validates the whole Network first, as every other
    `--source netbox` command does.
    """
    # Imported here: the intent loader and resolver are not needed to list NetBox's hosts (start-up time counts).
    from netops.sources import SourceName, source_of

    if SourceName(source_name) is SourceName.NETBOX and Read(read) is Read.HOSTS:
        return inventory_of(_netbox_rows(lists), configs_dir)
    return build_inventory(source_of(source_name, intent_dir).load().network, configs_dir)


def _netbox_rows(lists: HostLists | None) -> list[HostRow]:
    # Imported here: the NetBox client is only needed when the inventory comes from NetBox.
    from netops.ansible.netbox_hosts import InventoryReadError, netbox_host_rows
    from netops.ansible.netbox_lists import HostLists
    from netops.netbox.client import NetBoxError
    from netops.sources import SourceUnavailableError, netbox_unavailable

    try:
        return netbox_host_rows(lists or HostLists.start())
    except NetBoxError as error:
        raise netbox_unavailable(error) from error
    except (InventoryReadError, KeyError, TypeError) as error:
        raise SourceUnavailableError(
            "netbox", f"NetBox holds what the inventory cannot read: {error}",
            "run `netops validate --source netbox` to see every problem with file and object",
        ) from error
