"""Ansible module netops_config: push a rendered config through NAPALM (logic: netops.push.napalm)."""

DOCUMENTATION = r"""
---
module: netops_config
short_description: Push a device configuration rendered by netops, through NAPALM
description:
  - Loads the config file as a replace (or merge) candidate, fills its C($NETOPS_SECRET{name}) tokens in memory,
    shows the diff, and commits it unless in check mode. The diff and the backup carry the tokens, never the values.
  - Check mode only diffs. With C(--diff) the diff is shown. The previous running config is saved to
    O(backup_path) before any change. With O(revert_in) the device rolls back by itself unless the commit is
    confirmed in time; O(confirm=true) confirms it over a fresh connection right after the commit.
  - O(state=confirmed) confirms a pending commit, and fails when none is pending (the device's revert timer fired
    first, so the change was rolled back); O(state=rolled_back) rolls back to the config before the last commit.
options:
  hostname: {description: Management address of the device., type: str, required: true}
  driver: {description: NAPALM driver name (host var netops_napalm_driver)., type: str, default: frr}
  username: {description: Login user., type: str, required: true}
  password: {description: Login password (empty with key logins)., type: str, default: ""}
  optional_args:
    description: NAPALM optional_args (key_file, known_hosts_file, ssh_strict, port, ...).
    type: dict
    default: {}
  timeout: {description: NAPALM timeout in seconds., type: int, default: 60}
  config_file: {description: The rendered config (netops render --out)., type: path}
  replace: {description: Replace the whole config (true) or merge into it (false)., type: bool, default: true}
  revert_in: {description: Seconds after which an unconfirmed commit rolls itself back., type: int}
  confirm:
    description: Confirm the commit after a fresh connection answers (with revert_in).
    type: bool
    default: true
  backup_path: {description: Where the previous running config is saved before a change., type: path}
  secrets:
    description:
      - "Secret values by name, or as NETOPS_SECRET_<NAME>: value (e.g. read from the lab's secrets.env)."
      - "Default: NETOPS_SECRET_<NAME> environment variables."
    type: dict
    default: {}
  state:
    description: What to do.
    type: str
    choices: [pushed, confirmed, rolled_back]
    default: pushed
author: city-netops
"""

EXAMPLES = r"""
- name: Push the rendered config with a 120 s commit-confirm
  netops_config:
    hostname: "{{ ansible_host }}"
    driver: "{{ netops_napalm_driver }}"
    username: netops
    optional_args: {key_file: /path/to/key}
    config_file: "{{ netops_config }}"
    revert_in: 120
    backup_path: "backups/{{ inventory_hostname }}.cfg"
"""

RETURN = r"""
diff_text: {description: The changes (frr-reload.py delta for FRR); secrets masked., returned: always, type: str}
backup: {description: Path of the saved previous config., returned: when changed, type: str}
pending: {description: Whether a commit waits for confirmation., returned: always, type: bool}
"""

from pathlib import Path  # noqa: E402 (Ansible: documentation first)

from ansible.module_utils.basic import AnsibleModule  # noqa: E402 (Ansible: documentation first)


def main() -> None:
    """Parse the task's arguments and run the push (netops.push.napalm)."""
    module = AnsibleModule(
        argument_spec={
            "hostname": {"type": "str", "required": True},
            "driver": {"type": "str", "default": "frr"},
            "username": {"type": "str", "required": True},
            "password": {"type": "str", "default": "", "no_log": True},
            "optional_args": {"type": "dict", "default": {}},
            "timeout": {"type": "int", "default": 60},
            "config_file": {"type": "path"},
            "replace": {"type": "bool", "default": True},
            "revert_in": {"type": "int"},
            "confirm": {"type": "bool", "default": True},
            "backup_path": {"type": "path"},
            "secrets": {"type": "dict", "default": {}, "no_log": True},
            "state": {"type": "str", "choices": ["pushed", "confirmed", "rolled_back"], "default": "pushed"},
        },
        required_if=[("state", "pushed", ["config_file"])],
        supports_check_mode=True,
    )
    from netops.push.napalm import PushError, Target, confirm_commit, push_config, rollback
    from netops.render.secrets import from_environment

    params = module.params
    target = Target(driver=params["driver"], hostname=params["hostname"], username=params["username"],
                    password=params["password"], optional_args=params["optional_args"], timeout=params["timeout"])
    try:
        if params["state"] == "confirmed":
            if not module.check_mode and not confirm_commit(target):
                module.fail_json(msg=f"{target.hostname}: no commit awaits confirmation: the device rolled it back "
                                     "by itself (its revert timer fired before the confirmation), or it was not "
                                     "made with revert_in", pending=False, rolled_back=True)
            module.exit_json(changed=not module.check_mode, pending=False, diff_text="")
        if params["state"] == "rolled_back":
            if not module.check_mode:
                rollback(target)
            module.exit_json(changed=True, pending=False, diff_text="")
        given = {str(k): str(v) for k, v in params["secrets"].items()}
        secrets = {**from_environment(), **from_environment(given),
                   **{k: v for k, v in given.items() if not k.startswith("NETOPS_SECRET_")}}
        config = Path(params["config_file"]).read_text(encoding="utf-8")
        result = push_config(target, config, secrets, replace=params["replace"], check=module.check_mode,
                             revert_in=params["revert_in"], confirm=params["confirm"],
                             backup_path=Path(params["backup_path"]) if params["backup_path"] else None)
    except (PushError, OSError) as error:
        module.fail_json(msg=str(error))
    output = {"changed": result.changed, "diff_text": result.diff, "pending": result.pending, "backup": result.backup}
    if module._diff:
        output["diff"] = {"prepared": result.diff}
    module.exit_json(**output)


if __name__ == "__main__":
    main()
