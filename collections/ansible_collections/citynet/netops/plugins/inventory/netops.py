"""Ansible inventory plugin `netops`: the city's devices from the validated model (thin; logic in
netops.ansible.inventory)."""

import os
from pathlib import Path

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin

DOCUMENTATION = r"""
name: netops
short_description: Devices of the city WAN from the city-netops model
description:
  - Loads the city's network from the intent YAML (validated) or from NetBox, and adds every network device
    with groups by district, site kind, device role, platform and lifecycle status. Both sources give the same
    inventory for the same city.
  - From NetBox (NETBOX_URL/NETBOX_TOKEN, or the embedded server's netbox.env), C(read=hosts) reads only the
    managed devices, sites and regions (a few paginated lists); C(read=model) reads the whole network back and
    validates it first, like every C(--source netbox) command (seconds per thousand devices).
  - Relative paths are taken from the project root, the folder above the one holding the inventory file.
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
      another intent: the playbooks render and verify the same folder (playbooks/group_vars/all.yml).
    type: str
    default: inventory/city
  configs:
    description: >-
      Folder of the rendered configs (netops render --out), for the netops_config host variable (relative to the
      project root).
    type: str
    default: out/configs
"""

EXAMPLES = r"""
plugin: netops
source: intent
intent: inventory/city
"""


class InventoryModule(BaseInventoryPlugin):  # type: ignore[misc]  # ansible-core ships no type information
    """Reads netops.yml and fills the inventory from netops.ansible.inventory."""

    NAME = "netops"

    def verify_file(self, path: str) -> bool:
        """Only files named netops.yml / netops.yaml are ours."""
        return super().verify_file(path) and Path(path).name in ("netops.yml", "netops.yaml")

    def parse(self, inventory, loader, path, cache=True):  # type: ignore[no-untyped-def]
        """Add every device, its groups and its variables."""
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        # NetBox starts answering the inventory's reads while the rest of netops is imported.
        from netops.ansible.netbox_lists import HostLists

        lists = HostLists.early(self.get_option("source"), self.get_option("read"))
        from netops.ansible.fill import fill
        from netops.ansible.inventory import load_inventory
        from netops.errors import InputError, format_problems
        from netops.sources import SourceUnavailableError

        root = Path(path).resolve().parent.parent
        intent = root / (os.environ.get("NETOPS_INTENT") or self.get_option("intent"))
        configs = root / self.get_option("configs")
        try:
            data = load_inventory(self.get_option("source"), intent, configs, self.get_option("read"), lists)
        except InputError as error:
            problems = format_problems(error.problems)
            raise AnsibleParserError(f"netops: the city model is invalid:\n{problems}") from error
        except SourceUnavailableError as error:
            raise AnsibleParserError(f"netops: {error} ({error.hint})") from error
        fill(self.inventory, data)
        from netops.push.napalm import preload

        # The push, getter and validation actions run in workers forked from this process: NAPALM imported
        # here once is imported in every one of them.
        preload(str(v["netops_napalm_driver"]) for v in data.hostvars.values() if "netops_napalm_driver" in v)
