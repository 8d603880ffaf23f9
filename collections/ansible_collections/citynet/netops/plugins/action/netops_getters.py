"""Action plugin netops_getters: runs the module's task in the controller's worker (netops.ansible.action)."""

from netops.ansible.action import NetopsAction


class ActionModule(NetopsAction):
    """netops_getters, without a module process per host."""

    module = "netops_getters"
