"""Ansible module netops_validate: NAPALM compliance_report against a validation spec (logic: netops.push.napalm)."""

DOCUMENTATION = r"""
---
module: netops_validate
short_description: Check a device's state against a NAPALM validation spec
description:
  - Runs NAPALM's compliance_report with the spec given inline (O(spec)) or in a YAML file (O(spec_file)),
    and fails when the device does not comply (unless O(fail_on_noncompliance=false)).
options:
  hostname: {description: Management address of the device., type: str, required: true}
  driver: {description: NAPALM driver name (host var netops_napalm_driver)., type: str, default: frr}
  username: {description: Login user., type: str, required: true}
  password: {description: Login password (empty with key logins)., type: str, default: ""}
  optional_args: {description: NAPALM optional_args., type: dict, default: {}}
  timeout: {description: NAPALM timeout in seconds., type: int, default: 60}
  spec: {description: "The validation spec: a list of {getter: expected}.", type: list, elements: dict}
  spec_file: {description: A YAML file holding the spec., type: path}
  fail_on_noncompliance: {description: Fail when the device does not comply., type: bool, default: true}
author: city-netops
"""

EXAMPLES = r"""
- name: Check the BGP sessions
  netops_validate:
    hostname: "{{ ansible_host }}"
    username: netops
    spec:
      - get_bgp_neighbors: {global: {peers: {10.252.0.1: {is_up: true}}}}
"""

RETURN = r"""
report: {description: NAPALM's compliance report., returned: always, type: dict}
"""


from ansible.module_utils.basic import AnsibleModule  # noqa: E402 (Ansible: documentation first)


def main() -> None:
    """Run the task as a plain module (the action plugin of the same name runs it without a module process)."""
    from netops.ansible.tasks import run_as_module

    run_as_module("netops_validate", AnsibleModule)


if __name__ == "__main__":
    main()
