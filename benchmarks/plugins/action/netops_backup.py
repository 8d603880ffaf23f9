"""netops_backup without the device: its arguments validated, no device read, nothing written.

benchmarks/bench_provision.py puts it in place of the collection's own (device_free_collections) to measure what
Ansible itself costs to run backup.yml beside the floor of the backup work.
"""

from typing import Any

from ansible_collections.citynet.netops.plugins.plugin_utils.action import NetopsAction


class ActionModule(NetopsAction):
    """netops_backup with the device work taken out."""

    module = "netops_backup"

    def perform(self, args: dict[str, Any]) -> dict[str, Any]:
        """Nothing: no backup changed (the commit action commits nothing)."""
        return {"changed": False, "msg": "nothing to commit (device work taken out)"}
