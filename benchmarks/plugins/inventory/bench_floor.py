"""Inventory plugin `bench_floor` (benchmarks only): a stored netops inventory handed to Ansible as netops does.

benchmarks/bench_inventory.py stores what the netops plugin read from NetBox (groups, parents, host variables)
as JSON, then times `ansible-inventory --list` through this plugin: Ansible's start-up plus its own work on exactly
those hosts, groups and variables, with no reading at all. No NetBox inventory plugin that gives the same
inventory can be faster than this floor.
"""

import json
from pathlib import Path
from types import SimpleNamespace

from ansible.plugins.inventory import BaseInventoryPlugin

DOCUMENTATION = r"""
name: bench_floor
short_description: A stored netops inventory (benchmark floor)
description:
  - Reads a JSON file of groups, children and hostvars written by benchmarks/bench_inventory.py.
options: {}
"""


class InventoryModule(BaseInventoryPlugin):  # type: ignore[misc]  # ansible-core ships no type information
    """Loads floor.json and fills the inventory with netops.ansible.fill."""

    NAME = "bench_floor"

    def verify_file(self, path: str) -> bool:
        """Only files named floor.json."""
        return Path(path).name == "floor.json"

    def parse(self, inventory, loader, path, cache=True):  # type: ignore[no-untyped-def]
        """Add the stored groups, hosts and variables."""
        super().parse(inventory, loader, path, cache)
        from netops.ansible.fill import fill

        # A namespace, not netops' Inventory class: importing that module would load pydantic, which the floor
        # must not pay.
        fill(self.inventory, SimpleNamespace(**json.loads(Path(path).read_text(encoding="utf-8"))))
