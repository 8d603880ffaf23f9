"""Action plugin netops_getters: runs the module's work in the controller's worker (plugin_utils/action.py)."""

from ansible_collections.citynet.netops.plugins.plugin_utils.action import NetopsAction


class ActionModule(NetopsAction):
    """netops_getters, without a module process per host."""

    module = "netops_getters"
