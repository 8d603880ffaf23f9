"""Action plugin netops_backup: runs the module's task in the controller's worker (netops.ansible.action)."""

from netops.ansible.action import NetopsAction


class ActionModule(NetopsAction):
    """netops_backup, without a module process per host."""

    module = "netops_backup"
