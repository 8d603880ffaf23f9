"""The Ansible inventory of the city: groups and host variables from the validated network.

The plugin in plugins/inventory/netops.py only reads its YAML options and hands the result of
`build_inventory` to Ansible; everything here is plain Python, testable without Ansible.

Groups (valid Ansible names: lower case, underscores):
- `district_<code>_<slug>` (e.g. district_001_quan_ba_dinh), and `city_level` for sites of no district;
- `kind_<site kind>`, `role_<device role>`, `platform_<platform>`, `status_<site lifecycle status>`,
  `tenant_<tenant slug>`;
- parents `districts`, `kinds`, `roles`, `platforms`, `statuses`, `tenants` holding the groups of each dimension;
- as netbox.netbox.nb_inventory's `group_by: [site, region]` makes them: `site_<slug>` holding the site's devices,
  inside `region_<slug>` of the site's unit (its ward or commune), inside its parent's region group up to the
  city's, which is inside `regions`.
Variables: Ansible's `ansible_host` (the management address, or the loopback) and `ansible_network_os` (where
a platform has a maintained one); nb_inventory's (plurals: false) `site`, `regions`, `tenant`, `role`,
`platform`, `status`, `primary_ip4`, `oob_ip`, with NetBox's slugs; netops' own, prefixed `netops_`: the NAPALM
driver, site, site kind/status/coordinates/redundancy, district, device role, platform, loopback, tags, and the
path of the rendered config; then the site's own variables (intent `vars:`) under their own names. nb_inventory's
variables that every host of a group shares are the group's (`role` on role_*, `platform` and
`ansible_network_os` on platform_*, `status` on status_*, `tenant` on tenant_*, `site` and `regions` on site_*):
Ansible sets each variable at a cost, once per group instead of once per host; a host's variables are the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from citynet_models.types import LifecycleStatus, Platform
from netops.ansible.hosts import HostRow, host_rows
from netops.netbox.vocabulary import DEVICE_ROLES, DEVICE_STATUS, PLATFORMS
from netops.push.support import NOT_PUSHED

if TYPE_CHECKING:
    from citynet_models.network import Network
    from netops.ansible.netbox_lists import HostLists

#: Ansible's network_os of each platform that has a maintained one. FRR's (frr.frr.frr) and the nearest to VRP
#: (community.network.ce, for CloudEngine switches) come from collections that are deprecated and gone from the
#: Ansible package, so none is set for them: the playbooks reach every platform with NAPALM over a local
#: connection, which reads no network_os; a `compose:` entry sets one where a user's own playbooks want it.
NETWORK_OS: dict[Platform, str] = {Platform.CISCO_IOSXE: "cisco.ios.ios"}

#: NAPALM driver of each platform (napalm_frr is the project's own driver, found as `frr`).
NAPALM_DRIVERS: dict[Platform, str] = {
    Platform.FRR: "frr",
    Platform.CISCO_IOSXE: "ios",
    Platform.HUAWEI_VRP: "huawei_vrp",
}

_INVALID = re.compile(r"[^a-z0-9_]")


@cache  # an inventory names the same few groups for thousands of hosts
def group_name(*parts: str) -> str:
    """A valid Ansible group name from parts: 'district', '001', 'quan-ba-dinh' -> district_001_quan_ba_dinh."""
    return _INVALID.sub("_", "_".join(parts).lower())


@dataclass
class Inventory:
    """Groups, their parents and the variables of every host."""

    groups: dict[str, list[str]] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=dict)
    hostvars: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Variables every host of a group shares, set once on the group (Ansible's cost is per variable set).
    groupvars: dict[str, dict[str, Any]] = field(default_factory=dict)
    _nested: set[tuple[str, str]] = field(default_factory=set, repr=False, compare=False)

    def add(self, parent: str, group: str, host: str) -> None:
        """Put the host in the group, and the group under its parent."""
        self.groups.setdefault(group, []).append(host)
        self.nest(parent, group)

    def nest(self, parent: str, group: str) -> None:
        """Put the group under its parent (once)."""
        if (parent, group) not in self._nested:
            self._nested.add((parent, group))
            self.children.setdefault(parent, []).append(group)

    def as_json(self) -> dict[str, Any]:
        """Groups, parents and host variables as plain JSON (what the inventory cache stores, and
        netops.ansible.fill takes back)."""
        return {"groups": self.groups, "children": self.children, "hostvars": self.hostvars,
                "groupvars": self.groupvars}


def build_inventory(network: Network, configs_dir: Path, *, oob_ip_as_ansible_host: bool = True) -> Inventory:
    """The inventory of every device of the network; `configs_dir` is `netops render --out`."""
    return inventory_of(host_rows(network), configs_dir, oob_ip_as_ansible_host=oob_ip_as_ansible_host)


def inventory_of(rows: Iterable[HostRow], configs_dir: Path, *, oob_ip_as_ansible_host: bool = True) -> Inventory:
    """Groups and host variables of the rows, hosts in name order (so every source lists them alike).

    `ansible_host` is the out-of-band (management) address, which the lab and the playbooks reach devices on;
    with `oob_ip_as_ansible_host` false it is the primary IPv4 (the loopback), or the out-of-band address of a
    device that has none.
    """
    inventory = Inventory()
    configs = str(configs_dir)
    for row in sorted(rows, key=lambda r: r.name):
        district_group = (group_name("district", row.district_code, row.district_slug)
                          if row.district_code and row.district_slug else "city_level")
        inventory.add("districts", district_group, row.name)
        inventory.add("kinds", group_name("kind", row.site_kind), row.name)
        # nb_inventory's variables that a whole group shares (plurals: false): role, platform, status, tenant.
        role_group = group_name("role", row.role.value)
        inventory.add("roles", role_group, row.name)
        inventory.groupvars.setdefault(role_group, {"role": DEVICE_ROLES[row.role].slug})
        platform_group = group_name("platform", row.platform.value)
        inventory.add("platforms", platform_group, row.name)
        inventory.groupvars.setdefault(platform_group, {
            "platform": PLATFORMS[row.platform].slug,
            **({"ansible_network_os": NETWORK_OS[row.platform]} if row.platform in NETWORK_OS else {})})
        status_group = group_name("status", row.site_status)
        inventory.add("statuses", status_group, row.name)
        status = DEVICE_STATUS[LifecycleStatus(row.site_status)]
        inventory.groupvars.setdefault(status_group, {"status": {"value": status, "label": status.capitalize()}})
        not_pushed = NOT_PUSHED.get(NAPALM_DRIVERS[row.platform])
        inventory.add("pushes", "push_disabled" if not_pushed else "push_enabled", row.name)
        tenant_group = group_name("tenant", row.tenant)
        inventory.add("tenants", tenant_group, row.name)
        inventory.groupvars.setdefault(tenant_group, {"tenant": row.tenant})
        # nb_inventory's region groups: a site's group inside its region's, each region inside its parent's.
        site_group = group_name("site", row.site)
        if site_group not in inventory.groups:  # the site's first device: its region groups and variables
            parent = "regions"
            for region in reversed(row.regions):
                region_group = group_name("region", region)
                inventory.nest(parent, region_group)
                parent = region_group
            inventory.nest(parent, site_group)
            inventory.groupvars[site_group] = {"site": row.site, "regions": list(row.regions)}
        inventory.groups.setdefault(site_group, []).append(row.name)
        inventory.hostvars[row.name] = _variables(row, configs, oob_ip_as_ansible_host)
    for groups in inventory.children.values():
        groups.sort()
    return inventory


def _variables(row: HostRow, configs: str, oob_ip_as_ansible_host: bool) -> dict[str, Any]:
    coordinates = ({"latitude": row.coordinates[0], "longitude": row.coordinates[1]} if row.coordinates else None)
    oob_ip = row.management.split("/")[0]
    not_pushed = NOT_PUSHED.get(NAPALM_DRIVERS[row.platform])
    return {
        "ansible_host": oob_ip if oob_ip_as_ansible_host or row.loopback is None else row.loopback,
        # nb_inventory's addresses of a device (its other variables are its groups').
        **({"primary_ip4": row.loopback} if row.loopback is not None else {}),
        "oob_ip": oob_ip,
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
        "netops_config": f"{configs}/{row.platform.value}/{row.name}.cfg",
        # Whether provisioning pushes the device, and why not (its platform's driver cannot do the transaction).
        "netops_push": not not_pushed,
        **({"netops_push_note": not_pushed} if not_pushed else {}),
        # The names cannot clash with the ones above: citynet_models.variables keeps them from a site's variables.
        **row.site_vars,
    }


class Read(StrEnum):
    """How much the netbox source reads: the inventory's three lists, or the whole model (validated)."""

    HOSTS = "hosts"
    MODEL = "model"


def load_inventory(source_name: str, intent_dir: Path, configs_dir: Path, read: Read | str = Read.HOSTS,
                   lists: HostLists | None = None, *, oob_ip_as_ansible_host: bool = True) -> Inventory:
    """The inventory of the named source; raises InputError or SourceUnavailableError.

    From NetBox, `read: hosts` (the default) reads only devices, sites and regions (`lists`, when the caller
    started reading them already); `read: model` reads and validates the whole Network first, as every other
    `--source netbox` command does.
    """
    # Imported here: the intent loader and resolver are not needed to list NetBox's hosts (start-up time counts).
    from netops.sources import SourceName, source_of

    if SourceName(source_name) is SourceName.NETBOX and Read(read) is Read.HOSTS:
        return inventory_of(_netbox_rows(lists), configs_dir, oob_ip_as_ansible_host=oob_ip_as_ansible_host)
    return build_inventory(source_of(source_name, intent_dir).load().network, configs_dir,
                           oob_ip_as_ansible_host=oob_ip_as_ansible_host)


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
