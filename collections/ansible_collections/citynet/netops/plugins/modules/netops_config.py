#!/usr/bin/python
"""Ansible module netops_config: push a rendered config through NAPALM (work: netops.ansible.tasks)."""

DOCUMENTATION = r"""
---
module: netops_config
short_description: Push a device configuration rendered by netops, through NAPALM
version_added: 1.0.0
description:
  - Loads the config file as a replace (or merge) candidate, fills its C($NETOPS_SECRET{name}) tokens in memory,
    shows the diff, and commits it unless in check mode. The diff and the backup carry the tokens, never the values.
  - Check mode only diffs. With C(--diff) the diff is shown. The previous running config is saved to
    O(backup_path) before any change. With O(revert_in) the device rolls back by itself unless the commit is
    confirmed in time; O(confirm=true) confirms it once the management port answers and a fresh login reads
    the device's facts, and otherwise rolls it back (explicitly, else by the device's timer) and fails.
  - Nothing to change, or check mode, opens no commit.
  - O(state=confirmed) confirms a pending commit, and fails when none is pending (the device's revert timer fired
    first, so the change was rolled back); O(state=rolled_back) rolls back to the config before the last commit.
options:
  config_file:
    description: The rendered config (C(netops render --out)). Required with O(state=pushed).
    type: path
  replace:
    description: Replace the whole config (true) or merge into it (false).
    type: bool
    default: true
  revert_in:
    description: Seconds after which an unconfirmed commit rolls itself back.
    type: int
  confirm:
    description:
      - With revert_in, confirm the commit only once the management path is proved (the port answers within
        O(answer_within) seconds and a fresh login reads the facts); otherwise roll it back and fail.
    type: bool
    default: true
  answer_within:
    description: Seconds the device's management port has to answer again after the commit.
    type: float
    default: 20.0
  backup_path:
    description: Where the previous running config is saved before a change.
    type: path
  secrets:
    description:
      - "Secret values by name, or as NETOPS_SECRET_<NAME>: value (e.g. read from the lab's secrets.env)."
      - "Default: NETOPS_SECRET_<NAME> environment variables."
    type: dict
    default: {}
  lab_netns:
    description:
      - The netops lab only (docs/lab.md), with O(state=pushed) - the router's network namespace, into which its
        rendered nftables (O(lab_nftables)) are loaded from the controller after the push, in one nft transaction
        (check mode - only parsed). FRR forwards without filtering; a real Debian+FRR box gets its ruleset from
        its host role. Changed also when the loaded table differs afterwards.
      - The router's rendered host files beside O(config_file) (the parts C(.snmpd), C(.chrony), C(.rsyslog),
        C(.sshd), C(.banner), C(.radius)), secrets filled as for the push, are applied into the lab router's host
        folder (its /etc over SSH), each atomically, and only the daemons whose file changed are restarted (sshd
        reloaded once C(sshd -t) accepts the drop-in). Check mode says what would change. A real Debian box gets
        the same files through become and ansible.builtin.template.
    type: str
  lab_nftables:
    description: The rendered ruleset for O(lab_netns). Default - O(config_file) with the suffix C(.nft).
    type: path
  lab_home:
    description: The netops lab's home. Default - C($NETOPS_LAB_HOME), else C(var/lab) of the working directory.
    type: path
  state:
    description: What to do.
    type: str
    choices: [pushed, confirmed, rolled_back]
    default: pushed
extends_documentation_fragment:
  - citynet.netops.netops
  - citynet.netops.netops.device
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  check_mode:
    support: full
    details: The candidate is loaded and diffed, then discarded; no commit is opened.
  diff_mode:
    support: full
    details: The diff carries the C($NETOPS_SECRET{name}) tokens, never the secret values.
author: city-netops maintainers (@citynet)
"""

EXAMPLES = r"""
- name: Push the rendered config with a 120 s commit-confirm
  citynet.netops.netops_config:
    hostname: "{{ ansible_host }}"
    driver: "{{ netops_napalm_driver }}"
    username: netops
    optional_args: {key_file: /path/to/key}
    config_file: "{{ netops_config }}"
    revert_in: 120
    backup_path: "backups/{{ inventory_hostname }}.cfg"
"""

RETURN = r"""
diff_text:
  description: The changes (frr-reload.py delta for FRR); secrets masked.
  returned: always
  type: str
backup:
  description: Path of the saved previous config.
  returned: when changed
  type: str
pending:
  description: Whether a commit waits for confirmation.
  returned: always
  type: bool
lab_nftables_changed:
  description: Whether the loaded nftables changed (lab).
  returned: with lab_netns
  type: bool
lab_host_changed:
  description: The host file parts that changed (or would, in check mode) in the lab router.
  returned: with lab_netns
  type: list
  elements: str
lab_host_restarted:
  description: The lab router's daemons restarted (sshd - reloaded) after their file changed.
  returned: with lab_netns
  type: list
  elements: str
"""


from ansible_collections.citynet.netops.plugins.module_utils.netops_task import run_module


def main():
    """Run the module by itself (the action plugin of the same name runs the same work without a module process)."""
    run_module("netops_config")


if __name__ == "__main__":
    main()
