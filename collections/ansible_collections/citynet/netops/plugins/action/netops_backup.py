"""Action plugin netops_backup: runs the module's work in the controller's worker (plugin_utils/action.py)."""

from ansible_collections.citynet.netops.plugins.plugin_utils.action import NetopsAction


class ActionModule(NetopsAction):
    """netops_backup, without a module process per host."""

    module = "netops_backup"
