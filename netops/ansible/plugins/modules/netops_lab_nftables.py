"""Ansible module netops_lab_nftables: load a lab router's rendered nftables in its namespace (the netops lab)."""

DOCUMENTATION = r"""
---
module: netops_lab_nftables
short_description: Load the rendered nftables ruleset of a netops lab router into its network namespace
description:
  - The netops lab only (docs/lab.md): FRR forwards without filtering, so the rendered policy (C(<device>.nft)
    next to C(<device>.cfg)) is loaded into the router's namespace from the controller; a real Debian+FRR box
    gets it from its host role.
  - Loads the file in one nft transaction (it deletes and rebuilds the C(inet netops) table; a file that does
    not load leaves the loaded table as it was), in one process in the namespace. Changed when the loaded table
    differs afterwards. Check mode only checks that the file parses (C(nft -c)).
options:
  netns: {description: The router's network namespace (nl-<device>)., type: str, required: true}
  file: {description: The rendered nftables file., type: path, required: true}
author: city-netops
"""

EXAMPLES = r"""
- name: Load the rendered nftables in the lab router
  netops_lab_nftables:
    netns: "nl-{{ inventory_hostname }}"
    file: "{{ network_config_file | regex_replace('\\.cfg$', '.nft') }}"
"""

RETURN = r"""
changed: {description: Whether the loaded table differs from the one before., returned: always, type: bool}
"""


from ansible.module_utils.basic import AnsibleModule  # noqa: E402 (Ansible: documentation first)


def main() -> None:
    """Run the task as a plain module (the action plugin of the same name runs it without a module process)."""
    from netops.ansible.tasks import run_as_module

    run_as_module("netops_lab_nftables", AnsibleModule)


if __name__ == "__main__":
    main()
