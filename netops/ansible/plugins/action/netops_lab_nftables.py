"""Action plugin netops_lab_nftables: runs the module's task in the controller's worker (netops.ansible.action)."""

from netops.ansible.action import NetopsAction


class ActionModule(NetopsAction):
    """netops_lab_nftables, without a module process per host."""

    module = "netops_lab_nftables"
