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

from pathlib import Path  # noqa: E402 (Ansible modules start with their documentation)

from ansible.module_utils.basic import AnsibleModule  # noqa: E402


def main() -> None:
    """Entry point."""
    module = AnsibleModule(
        argument_spec={
            "action": {"type": "str", "choices": ["fetch", "commit"], "default": "fetch"},
            "folder": {"type": "path", "required": True},
            "device": {"type": "str"},
            "platform": {"type": "str"},
            "driver": {"type": "str"},
            "host": {"type": "str"},
            "username": {"type": "str"},
            "password": {"type": "str", "no_log": True},
            "timeout": {"type": "int", "default": 30},
            "optional_args": {"type": "dict", "default": {}},
            "parts": {"type": "dict", "default": {}},
        },
        required_if=[("action", "fetch", ("device", "platform", "driver", "host"))],
        supports_check_mode=True,
    )
    try:
        from citynet_models.types import Platform
        from netops.backup.fetch import FetchError, fetch_config
        from netops.backup.store import BackupError, commit_pending, write_backups
    except ImportError as error:
        module.fail_json(msg=f"city-netops is not importable by {module._name}'s interpreter: {error}; "
                             "set ansible_python_interpreter to the project venv's python")
        return
    params = module.params
    folder = Path(params["folder"])
    try:
        if params["action"] == "commit":
            if module.check_mode:
                module.exit_json(changed=False, changed_devices=[], commit=None)
            done = commit_pending(folder)
            module.exit_json(changed=done.touched, changed_devices=done.changed + done.new, commit=done.commit,
                             msg=done.message.strip() or "no change, no commit")
        parts = fetch_config(params["driver"], params["host"], params["username"] or "", params["password"] or "",
                             params["timeout"], params["optional_args"])
        parts.update({str(part): str(text) for part, text in params["parts"].items() if str(text).strip()})
        if module.check_mode:
            module.exit_json(changed=False, changed_devices=[], commit=None)
        result = write_backups(folder, {params["device"]: parts},
                               {params["device"]: Platform(params["platform"])}, commit=False, prune=True)
        module.exit_json(changed=result.touched, changed_devices=result.changed + result.new, commit=None)
    except (FetchError, BackupError, ValueError) as error:
        module.fail_json(msg=str(error))


if __name__ == "__main__":
    main()
