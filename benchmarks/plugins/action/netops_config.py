"""netops_config without the device: its arguments validated, no device work, nothing changed.

benchmarks/bench_provision.py puts it in place of the collection's own (device_free_collections) to measure what
Ansible itself costs to run provision.yml (inventory, render, plays, batches, forks, variables, argument
validation, results) beside the floor of the device work.
"""

from typing import Any

from ansible_collections.citynet.netops.plugins.plugin_utils.action import NetopsAction


class ActionModule(NetopsAction):
    """netops_config with the device work taken out."""

    module = "netops_config"

    def perform(self, args: dict[str, Any]) -> dict[str, Any]:
        """Nothing: the device has nothing to change."""
        return {"changed": False}
