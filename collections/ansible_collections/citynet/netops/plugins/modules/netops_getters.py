"""Ansible module netops_getters: run NAPALM getters on a device (logic: netops.push.napalm)."""

DOCUMENTATION = r"""
---
module: netops_getters
short_description: Read a device's state with NAPALM getters
description:
  - Runs the named NAPALM getters (get_facts, get_bgp_neighbors, ...) and returns their results under
    C(results), keyed without the C(get_) prefix. Nothing changes on the device.
options:
  hostname: {description: Management address of the device., type: str, required: true}
  driver: {description: NAPALM driver name (host var netops_napalm_driver)., type: str, default: frr}
  username: {description: Login user., type: str, required: true}
  password: {description: Login password (empty with key logins)., type: str, default: ""}
  optional_args: {description: NAPALM optional_args., type: dict, default: {}}
  timeout: {description: NAPALM timeout in seconds., type: int, default: 60}
  getters: {description: Getter names., type: list, elements: str, default: [get_facts]}
author: city-netops
"""

EXAMPLES = r"""
- name: Read facts and BGP neighbours
  netops_getters:
    hostname: "{{ ansible_host }}"
    username: netops
    getters: [get_facts, get_bgp_neighbors]
"""

RETURN = r"""
results: {description: Getter results keyed by getter name without get_., returned: always, type: dict}
"""


from ansible.module_utils.basic import AnsibleModule  # noqa: E402 (Ansible: documentation first)


def main() -> None:
    """Run the task as a plain module (the action plugin of the same name runs it without a module process)."""
    from netops.ansible.tasks import run_as_module

    run_as_module("netops_getters", AnsibleModule)


if __name__ == "__main__":
    main()
