"""NAPALM driver for FRRouting on a Linux host, over SSH: `napalm.get_network_driver("frr")` imports this module.

Getters read FRR's own JSON (`vtysh -c '... json'`) and the kernel's (`ip -j`); configuration is replaced or
merged with FRR's `frr-reload.py`, checked by FRR's parser (`vtysh -C -f`) on the router before anything is
applied, and committed with an optional revert timer on the router (commit-confirm).
"""

from napalm_frr.driver import FRRDriver

__all__ = ["FRRDriver"]
