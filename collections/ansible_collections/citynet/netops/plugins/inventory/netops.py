"""Ansible inventory plugin `citynet.netops.netops` (also `netops`): the city's devices from the validated model.

Thin: the inventory itself is built by netops.ansible.inventory; this file reads the plugin's options, serves and
fills Ansible's inventory cache, and applies the constructed options (compose, groups, keyed_groups).
"""

DOCUMENTATION = r"""
name: netops
short_description: Devices of the city WAN from the city-netops model
description:
  - Loads the city's network from the intent YAML (validated) or from NetBox, and adds every network device
    with groups by district, site kind, device role, platform, lifecycle status, tenant, site and region, and the
    host variables netbox.netbox.nb_inventory gives a device besides netops' own. Both sources give the same
    inventory for the same city.
  - From NetBox (NETBOX_URL/NETBOX_TOKEN, or the embedded server's netbox.env), C(read=hosts) reads only the
    managed devices, sites and regions (a few paginated lists); C(read=model) reads the whole network back and
    validates it first, like every C(--source netbox) command (seconds per thousand devices).
  - Relative paths are taken from the project root, the folder above the one holding the inventory file.
  - "The configuration file is named C(netops.yml), C(netops.yaml), or ends in C(.netops.yml) / C(.netops.yaml)
    (e.g. C(city.netops.yml)). An option this plugin does not know is an error, not ignored."
  - "Groups: C(district_<code>_<slug>) (C(city_level) for sites of no district), C(kind_<site kind>),
    C(role_<role>), C(platform_<platform>), C(status_<site lifecycle status>), C(tenant_<tenant>), each under
    its dimension's parent (C(districts), C(kinds), C(roles), C(platforms), C(statuses), C(tenants)); and, as
    nb_inventory's C(group_by: [site, region]) makes them, C(site_<slug>) holding the site's devices inside
    C(region_<slug>) of the site's ward or commune, inside its parent region's group up to the city's, which is
    inside C(regions)."
  - "Host variables: C(ansible_host) (the out-of-band management address, see O(oob_ip_as_primary_ip));
    C(ansible_network_os) for Cisco IOS-XE (C(cisco.ios.ios)) only: FRR's (C(frr.frr.frr)) and Huawei's
    (C(community.network.ce), CloudEngine) come from deprecated collections no longer in the Ansible package, and
    the playbooks reach every platform with NAPALM over a local connection, which reads no network_os; as
    nb_inventory with C(plurals: false) names them, C(site), C(regions) (the site's region first, the city last),
    C(tenant), C(role), C(platform) (NetBox's slugs), C(status) (NetBox's device status, value and label),
    C(primary_ip4) (the loopback) and C(oob_ip); netops' own, prefixed C(netops_); then the site's own
    variables (intent C(vars:))."
extends_documentation_fragment:
  - constructed
  - inventory_cache
options:
  plugin:
    description: Marks the file as this plugin's configuration.
    required: true
    choices: [citynet.netops.netops, netops]
  source:
    description: Where the network comes from.
    type: str
    default: intent
    choices: [intent, netbox]
  read:
    description: With source netbox, what is read; hosts (the inventory's own lists) or model (the whole Network).
    type: str
    default: hosts
    choices: [hosts, model]
  intent:
    description: >-
      Folder holding city.yml and districts/ or areas/ and communes/ (relative to the project root, the folder above
      this file's). The environment variable NETOPS_INTENT, when set, names it instead, so one run can provision
      another intent: the collection's playbooks render and verify the same folder (their netops_intent).
    type: str
    default: inventory/city
  configs:
    description: >-
      Folder of the rendered configs (netops render --out), for the netops_config host variable (relative to the
      project root).
    type: str
    default: out/configs
  oob_ip_as_primary_ip:
    description: >-
      C(ansible_host) is the device's out-of-band (management) address, the one the playbooks and the lab reach
      devices on. Set false to make it the primary IPv4 (the loopback, reached in-band over the WAN) as
      nb_inventory does by default; a device with no loopback keeps its out-of-band address.
    type: bool
    default: true
"""

EXAMPLES = r"""
# inventory/netops.yml: the city from intent, as the repository's ansible.cfg uses it
plugin: citynet.netops.netops
source: intent
intent: inventory/city
---
# inventory/city.netops.yml: from NetBox (NETBOX_URL and NETBOX_TOKEN in the environment), cached for an hour
# (a second run within the hour reads no NetBox; --flush-cache reads it again), with groups of one's own
plugin: citynet.netops.netops
source: netbox
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/netops-inventory
cache_timeout: 3600
keyed_groups:
  # status_active, status_planned, ...: NetBox's device status, as nb_inventory's keyed_groups example
  - key: status.value
    prefix: netbox_status
  # area_001, area_017, ..., area_city: the aggregation area's number (district in the legacy structure)
  - key: netops_district | default('city', true)
    prefix: area
  # one group per site variable value, e.g. window_sat_22_00_02_00
  - key: maintenance_window | default('')
    prefix: window
    default_value: none
groups:
  # devices whose site is dual-homed
  dual_homed: netops_site_redundancy == 'dual_homed'
compose:
  # a network_os for every platform, for playbooks of one's own over ansible.netcommon.network_cli (with the
  # frr.frr and community.network collections installed)
  ansible_network_os: >-
    {'frr': 'frr.frr.frr', 'cisco-iosxe': 'cisco.ios.ios', 'huawei-vrp': 'community.network.ce'}[platform]
strict: true
"""

import hashlib
import json
import os
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from ansible import constants as C  # noqa: N812  (Ansible's own spelling)
from ansible.errors import AnsibleError, AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

#: The names a configuration file may give in `plugin:`: the collection's FQCN, and the short name the
#: repository's own ansible.cfg finds the plugin by.
PLUGIN_NAMES = ("citynet.netops.netops", "netops")
#: Configuration file names: exactly these, or any name ending in "." and one of them.
CONFIG_NAMES = ("netops.yml", "netops.yaml")
#: False under ansible-inventory (an AWX inventory sync too), which forks no worker that could use NAPALM.
_RUNS_TASKS = "ansible.cli.inventory" not in sys.modules


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):  # type: ignore[misc]  # ansible-core: untyped
    """Reads a netops.yml and fills the inventory from netops.ansible.inventory (or from the inventory cache)."""

    NAME = "netops"

    def verify_file(self, path: str) -> bool:
        """netops.yml, netops.yaml, and any *.netops.yml / *.netops.yaml are ours."""
        name = Path(path).name
        return super().verify_file(path) and any(name == n or name.endswith("." + n) for n in CONFIG_NAMES)

    def _read_config_data(self, path: str) -> dict[str, Any]:
        """Ansible's reading of the file, after refusing an option this plugin does not know (Ansible would only
        ignore it) or a value of the wrong type or choice, and accepting both of the plugin's names."""
        from netops.ansible.plugin_options import option_problems

        try:
            config = self.loader.load_from_file(path, cache="none")
        except Exception as error:  # Ansible's loader raises many kinds; each is a file that cannot be read
            raise AnsibleParserError(f"{path}: {error}") from error
        if isinstance(config, dict) and config.get("plugin") in PLUGIN_NAMES:
            definitions = C.config.get_configuration_definitions("inventory", self._load_name)
            problems = option_problems(path, config, definitions)
            if problems:
                raise AnsibleParserError(problems)
            # Either name is this plugin's, whichever the loader found it by.
            self._redirected_names = [*(getattr(self, "_redirected_names", None) or [self.NAME]), *PLUGIN_NAMES]
        try:
            data: dict[str, Any] = super()._read_config_data(path)
        except AnsibleParserError:
            raise
        except AnsibleError as error:  # a wrong type or choice: say which file
            raise AnsibleParserError(f"{path}: {error.message}") from None  # Ansible would repeat the cause
        return data

    def get_cache_key(self, path: str) -> str:
        """Ansible's key for the file, and a digest of what the inventory is read from: another intent folder
        (NETOPS_INTENT), source, NetBox or option gives another inventory, never a cached one of the others."""
        settings = {name: self.get_option(name) for name in ("source", "read", "configs", "oob_ip_as_primary_ip")}
        settings["intent"] = str(self._intent(path))
        if self.get_option("source") == "netbox":
            settings["netbox"] = os.environ.get("NETBOX_URL", "")
        digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:12]
        return f"{super().get_cache_key(path)}_{digest}"

    def _intent(self, path: str) -> Path:
        return self._root(path) / (os.environ.get("NETOPS_INTENT") or self.get_option("intent"))

    @staticmethod
    def _root(path: str) -> Path:
        return Path(path).resolve().parent.parent

    def parse(self, inventory, loader, path, cache=True):  # type: ignore[no-untyped-def]
        """Add every device, its groups and its variables; then the constructed ones."""
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        from netops.ansible.fill import fill

        key = self.get_cache_key(path)
        caching = self.get_option("cache")
        stored: dict[str, Any] | None = None
        if caching and cache:  # cache is False under --flush-cache: read afresh, then store
            try:
                stored = self._cache[key]
            except KeyError:  # nothing stored, or stored longer ago than cache_timeout
                stored = None
        if stored is None:
            stored = self._load(path).as_json()
            if caching:
                self._cache[key] = stored
        data = SimpleNamespace(**stored)
        fill(self.inventory, data)
        try:
            self._construct(data)
        except AnsibleError as error:  # strict: an expression that fails for a host fails the inventory
            raise AnsibleParserError(
                f"{path}: {error.message}\n  hint:     give the expression a default (e.g. `x | default('')`), or "
                "set strict: false to leave out the hosts it fails for") from None  # Ansible would repeat the cause
        if _RUNS_TASKS:
            from netops.push.napalm import preload

            # The push, getter and validation actions run in workers forked from this process: NAPALM imported
            # here once is imported in every one of them.
            preload(str(v["netops_napalm_driver"]) for v in data.hostvars.values() if "netops_napalm_driver" in v)

    def _load(self, path: str) -> Any:
        """The inventory read afresh from intent or NetBox."""
        # NetBox starts answering the inventory's reads while the rest of netops is imported.
        from netops.ansible.netbox_lists import HostLists

        lists = HostLists.early(self.get_option("source"), self.get_option("read"))
        from netops.ansible.inventory import load_inventory
        from netops.errors import InputError, format_problems
        from netops.sources import SourceUnavailableError

        try:
            return load_inventory(self.get_option("source"), self._intent(path),
                                  self._root(path) / self.get_option("configs"), self.get_option("read"), lists,
                                  oob_ip_as_ansible_host=self.get_option("oob_ip_as_primary_ip"))
        except InputError as error:
            problems = format_problems(error.problems)
            raise AnsibleParserError(f"netops: the city model is invalid:\n{problems}") from error
        except SourceUnavailableError as error:
            raise AnsibleParserError(f"netops: {error} ({error.hint})") from error

    def _construct(self, data: Any) -> None:
        """compose, groups and keyed_groups on every host, over all the variables the inventory gives it (its
        groups' and its own); skipped when none is given (Ansible would still prepare a template per host)."""
        compose, groups, keyed = self.get_option("compose"), self.get_option("groups"), self.get_option("keyed_groups")
        if not (compose or groups or keyed):
            return
        strict = self.get_option("strict")
        for host, own in data.hostvars.items():
            variables: dict[str, Any] = {}
            for group in self.inventory.get_host(host).get_groups():
                variables.update(data.groupvars.get(group.name, {}))
            variables.update(own)
            self._set_composite_vars(compose, variables, host, strict=strict)
            self._add_host_to_composed_groups(groups, variables, host, strict=strict)
            self._add_host_to_keyed_groups(keyed, variables, host, strict=strict)
