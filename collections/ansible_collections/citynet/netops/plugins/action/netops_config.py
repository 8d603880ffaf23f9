"""Action plugin netops_config: runs the module's work in the controller's worker (plugin_utils/action.py)."""

from ansible_collections.citynet.netops.plugins.plugin_utils.action import NetopsAction


class ActionModule(NetopsAction):
    """netops_config, without a module process per host."""

    module = "netops_config"
