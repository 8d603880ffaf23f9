"""Action plugin netops_validate: runs the module's work in the controller's worker (plugin_utils/action.py)."""

from ansible_collections.citynet.netops.plugins.plugin_utils.action import NetopsAction


class ActionModule(NetopsAction):
    """netops_validate, without a module process per host."""

    module = "netops_validate"
