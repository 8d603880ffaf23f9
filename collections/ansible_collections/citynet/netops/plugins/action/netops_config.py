"""Action plugin netops_config: runs the module's task in the controller's worker (netops.ansible.action)."""

from netops.ansible.action import NetopsAction


class ActionModule(NetopsAction):
    """netops_config, without a module process per host."""

    module = "netops_config"
