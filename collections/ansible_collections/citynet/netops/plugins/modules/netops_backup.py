#!/usr/bin/python
"""Ansible module netops_backup: a device's running config into the git backups folder (work: netops.ansible.tasks)."""

DOCUMENTATION = r"""
---
module: netops_backup
short_description: Back up a device's running config (secrets masked) into a git folder
version_added: 1.0.0
description:
  - With C(action=fetch), asks the device for its running config through NAPALM
    (C(get_config(retrieve="running")) of C(napalm.get_network_driver(driver)); FRR with C(full=True), which
    adds the host parts the device lets the login user read), masks every secret with the compliance masks
    of the platform and writes C(<folder>/<platform>/<device>.<part>) atomically (C(cfg), FRR also C(nft),
    C(dhcrelay)). Parts of an older backup that this fetch did not return are removed.
  - With C(action=commit), commits everything the run changed in the folder in one commit whose message lists
    the changed and new devices. No change, no commit.
options:
  action:
    description: fetch a device's config, or commit the run's changes.
    type: str
    choices: [fetch, commit]
    default: fetch
  folder:
    description: The backups folder (a git repository; created when missing).
    type: path
    required: true
  device:
    description: Device name (the file name). Required for C(action=fetch).
    type: str
  platform:
    description: netops platform (the inventory's C(netops_platform)). Required for C(action=fetch).
    type: str
    choices: [frr, cisco_iosxe, huawei_vrp]
  driver:
    description: NAPALM driver name (the inventory's netops_napalm_driver). Required for C(action=fetch).
    type: str
  host:
    description: Address NAPALM connects to. Required for C(action=fetch).
    type: str
  username:
    description: Device login.
    type: str
  password:
    description: Device password. Never logged.
    type: str
  timeout:
    description: Connection timeout in seconds.
    type: int
    default: 30
  optional_args:
    description: NAPALM optional_args of the driver (e.g. napalm_frr's key_file, known_hosts_file, port).
    type: dict
    default: {}
  parts:
    description:
      - Parts read some other way than through NAPALM, by suffix (the netops lab reads a router's C(nft)
        from the controller). They are masked and written with the fetched ones.
    type: dict
    default: {}
  lab_netns:
    description:
      - The netops lab only, platform frr - the router's network namespace, whose loaded C(netops) nftables table
        is read from the controller and written as the C(nft) part.
    type: str
extends_documentation_fragment:
  - citynet.netops.netops
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  check_mode:
    support: partial
    details: The device is read, nothing is written or committed, and the result says nothing changed.
  diff_mode:
    support: none
author: city-netops maintainers (@citynet)
"""

EXAMPLES = r"""
- name: Back up the running config
  citynet.netops.netops_backup:
    folder: backups
    device: "{{ inventory_hostname }}"
    platform: "{{ netops_platform }}"
    driver: "{{ netops_napalm_driver }}"
    host: "{{ ansible_host }}"
    username: "{{ netops_device_username }}"
    password: "{{ netops_device_password }}"

- name: Commit the run's changes in one commit
  citynet.netops.netops_backup:
    action: commit
    folder: backups
  run_once: true
"""

RETURN = r"""
changed_devices:
  description: Devices whose backup changed (commit) or this device when its backup changed (fetch).
  type: list
  elements: str
  returned: always
commit:
  description: The commit made (commit action), or null.
  type: str
  returned: always
msg:
  description: The commit's message, or that there was nothing to commit.
  type: str
  returned: with action=commit outside check mode
"""


from ansible_collections.citynet.netops.plugins.module_utils.netops_task import run_module


def main():
    """Run the module by itself (the action plugin of the same name runs the same work without a module process)."""
    run_module("netops_backup")


if __name__ == "__main__":
    main()
