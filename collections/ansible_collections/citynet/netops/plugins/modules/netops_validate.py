#!/usr/bin/python
"""Ansible module netops_validate: NAPALM compliance_report against a validation spec (work: netops.ansible.tasks)."""

DOCUMENTATION = r"""
---
module: netops_validate
short_description: Check a device's state against a NAPALM validation spec
version_added: 1.0.0
description:
  - Runs NAPALM's C(compliance_report) with the spec given inline (O(spec)) or in a YAML file (O(spec_file)),
    and fails when the device does not comply (unless O(fail_on_noncompliance=false)).
options:
  spec:
    description: "The validation spec: a list of C({getter: expected})."
    type: list
    elements: dict
  spec_file:
    description: A YAML file holding the spec.
    type: path
  fail_on_noncompliance:
    description: Fail when the device does not comply.
    type: bool
    default: true
extends_documentation_fragment:
  - citynet.netops.netops
  - citynet.netops.netops.device
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  check_mode:
    support: full
    details: The report only reads the device; check mode runs it as a normal run does.
  diff_mode:
    support: none
author: city-netops maintainers (@citynet)
"""

EXAMPLES = r"""
- name: Check the BGP sessions
  citynet.netops.netops_validate:
    hostname: "{{ ansible_host }}"
    driver: "{{ netops_napalm_driver }}"
    username: netops
    spec:
      - get_bgp_neighbors: {global: {peers: {10.252.0.1: {is_up: true}}}}
"""

RETURN = r"""
report:
  description: NAPALM's compliance report.
  returned: always
  type: dict
  sample: {complies: true, skipped: []}
"""


from ansible_collections.citynet.netops.plugins.module_utils.netops_task import run_module


def main():
    """Run the module by itself (the action plugin of the same name runs the same work without a module process)."""
    run_module("netops_validate")


if __name__ == "__main__":
    main()
