#!/usr/bin/python
"""Ansible module netops_getters: run NAPALM getters on a device (work: netops.ansible.tasks)."""

DOCUMENTATION = r"""
---
module: netops_getters
short_description: Read a device's state with NAPALM getters
version_added: 1.0.0
description:
  - Runs the named NAPALM getters (C(get_facts), C(get_bgp_neighbors), ...) and returns their results under
    RV(results), keyed without the C(get_) prefix. Nothing changes on the device.
options:
  getters:
    description: Getter names.
    type: list
    elements: str
    default: [get_facts]
extends_documentation_fragment:
  - citynet.netops.netops
  - citynet.netops.netops.device
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  check_mode:
    support: full
    details: Getters only read; check mode runs them as a normal run does.
  diff_mode:
    support: none
author: city-netops maintainers (@citynet)
"""

EXAMPLES = r"""
- name: Read facts and BGP neighbours
  citynet.netops.netops_getters:
    hostname: "{{ ansible_host }}"
    driver: "{{ netops_napalm_driver }}"
    username: netops
    getters: [get_facts, get_bgp_neighbors]
  register: state
"""

RETURN = r"""
results:
  description: Getter results keyed by getter name without C(get_).
  returned: always
  type: dict
  sample: {facts: {vendor: FRRouting, hostname: dc-core-01}}
"""


from ansible_collections.citynet.netops.plugins.module_utils.netops_task import run_module


def main():
    """Run the module by itself (the action plugin of the same name runs the same work without a module process)."""
    run_module("netops_getters")


if __name__ == "__main__":
    main()
