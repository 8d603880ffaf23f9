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

from pathlib import Path  # noqa: E402 (Ansible: documentation first)

import yaml  # noqa: E402 (Ansible: documentation first)
from ansible.module_utils.basic import AnsibleModule  # noqa: E402 (Ansible: documentation first)


def main() -> None:
    """Parse the task's arguments and run the compliance report."""
    module = AnsibleModule(
        argument_spec={
            "hostname": {"type": "str", "required": True},
            "driver": {"type": "str", "default": "frr"},
            "username": {"type": "str", "required": True},
            "password": {"type": "str", "default": "", "no_log": True},
            "optional_args": {"type": "dict", "default": {}},
            "timeout": {"type": "int", "default": 60},
            "spec": {"type": "list", "elements": "dict"},
            "spec_file": {"type": "path"},
            "fail_on_noncompliance": {"type": "bool", "default": True},
        },
        required_one_of=[("spec", "spec_file")],
        mutually_exclusive=[("spec", "spec_file")],
        supports_check_mode=True,
    )
    from netops.push.napalm import PushError, Target, validate

    params = module.params
    target = Target(driver=params["driver"], hostname=params["hostname"], username=params["username"],
                    password=params["password"], optional_args=params["optional_args"], timeout=params["timeout"])
    spec = params["spec"] or yaml.safe_load(Path(params["spec_file"]).read_text(encoding="utf-8"))
    try:
        report = validate(target, spec)
    except PushError as error:
        module.fail_json(msg=str(error))
    if params["fail_on_noncompliance"] and not report.get("complies", False):
        module.fail_json(msg=f"{params['hostname']} does not comply with the validation spec", report=report)
    module.exit_json(changed=False, report=report)


if __name__ == "__main__":
    main()
