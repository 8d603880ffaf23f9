"""Hand an Inventory to Ansible: groups, their parents, hosts and their variables.

Its own module, importing nothing, so benchmarks/plugins/inventory/bench_floor.py can give Ansible a stored
inventory exactly as the netops plugin gives a fresh one (the floor the inventory benchmark measures).
"""

from __future__ import annotations

from typing import Any, Protocol


class InventoryData(Protocol):
    """What fill reads: netops.ansible.inventory.Inventory, or its JSON (the inventory cache's, the benchmark's)
    as attributes."""

    groups: dict[str, list[str]]
    children: dict[str, list[str]]
    hostvars: dict[str, dict[str, Any]]
    groupvars: dict[str, dict[str, Any]]


def fill(target: Any, data: InventoryData) -> None:
    """Add every group under its parent, every host to its groups, then the groups' and the hosts' variables.

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
    for group, variables in data.groupvars.items():
        for key, value in variables.items():
            target.set_variable(group, key, value)
    for host, variables in data.hostvars.items():
        for key, value in variables.items():
            target.set_variable(host, key, value)
