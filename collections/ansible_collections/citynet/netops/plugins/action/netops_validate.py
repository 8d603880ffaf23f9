"""Action plugin netops_validate: runs the module's task in the controller's worker (netops.ansible.action)."""

from netops.ansible.action import NetopsAction


class ActionModule(NetopsAction):
    """netops_validate, without a module process per host."""

    module = "netops_validate"
