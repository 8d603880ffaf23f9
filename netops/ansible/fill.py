"""Hand an Inventory to Ansible: groups, their parents, hosts and their variables.

Its own module, importing nothing, so benchmarks/plugins/inventory/bench_floor.py can give Ansible a stored
inventory exactly as the netops plugin gives a fresh one (the floor the inventory benchmark measures).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from netops.ansible.inventory import Inventory


def fill(target: Any, data: Inventory) -> None:
    """Add every group under its parent, every host to its groups, then the hosts' variables.

    `target` is the plugin's `self.inventory` (ansible-core's InventoryData, which has no type information).
    """
    for parent, groups in data.children.items():
        target.add_group(parent)
        for group in groups:
            target.add_group(group)
            target.add_child(parent, group)
    for group, hosts in data.groups.items():
        for host in hosts:
            target.add_host(host, group=group)
    for host, variables in data.hostvars.items():
        for key, value in variables.items():
            target.set_variable(host, key, value)
