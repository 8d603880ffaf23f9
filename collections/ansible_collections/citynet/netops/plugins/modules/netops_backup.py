#!/usr/bin/python
"""Ansible module netops_backup: a device's running config into the git backups folder (logic: netops.backup)."""

DOCUMENTATION = r"""
---
module: netops_backup
short_description: Back up a device's running config (secrets masked) into a git folder
description:
  - With C(action=fetch), asks the device for its running config through NAPALM
    (C(get_config(retrieve="running")) of C(napalm.get_network_driver(driver)); FRR with C(full=True), which
    adds the host parts the device lets the login user read), masks every secret with the compliance masks
    of the platform and writes C(<folder>/<platform>/<device>.<part>) atomically (C(cfg), FRR also C(nft),
    C(dhcrelay)). Parts of an older backup that this fetch did not return are removed.
  - With C(action=commit), commits everything the run changed in the folder in one commit whose message lists
    the changed and new devices. No change, no commit.
  - Runs on the controller (C(delegate_to: localhost)); the logic is in netops.backup.
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
    description: netops platform (frr, cisco_iosxe, huawei_vrp). Required for C(action=fetch).
    type: str
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
    description: Device password (never logged).
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
      - The netops lab only, platform frr: the router's network namespace, whose loaded C(netops) nftables table
        is read from the controller and written as the C(nft) part.
    type: str
    default: {}
author: city-netops
"""

EXAMPLES = r"""
- name: Back up the running config
  netops_backup:
    folder: "{{ playbook_dir }}/../backups"
    device: "{{ inventory_hostname }}"
    platform: "{{ netops_platform }}"
    driver: "{{ netops_napalm_driver }}"
    host: "{{ ansible_host }}"
    username: "{{ netops_device_username }}"
    password: "{{ netops_device_password }}"
  delegate_to: localhost
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
"""


from ansible.module_utils.basic import AnsibleModule  # noqa: E402 (Ansible: documentation first)


def main() -> None:
    """Run the task as a plain module (the action plugin of the same name runs it without a module process)."""
    from netops.ansible.tasks import run_as_module

    run_as_module("netops_backup", AnsibleModule)


if __name__ == "__main__":
    main()
