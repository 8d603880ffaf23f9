"""Documentation shared by the citynet.netops modules."""


class ModuleDocFragment:
    """What every module of the collection needs and how it runs (DOCUMENTATION), and the device a task reaches
    through NAPALM (DEVICE: netops_config, netops_getters, netops_validate)."""

    DOCUMENTATION = r"""
requirements:
  - city-netops (the C(netops) Python package, which does the work; the collection's C(requirements.txt))
  - napalm >= 5.2
  - napalm-frr for FRR devices (NAPALM driver C(frr))
notes:
  - The task runs on the controller (C(connection=local)), where NAPALM reaches the device; an action plugin of the
    same name runs it in Ansible's worker process, so no module is transferred.
attributes:
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
  platform:
    platforms: [frr, cisco_iosxe, huawei_vrp]
"""

    DEVICE = r"""
options:
  hostname:
    description: Management address of the device (the inventory's C(ansible_host)).
    type: str
    required: true
  driver:
    description: NAPALM driver name (the inventory's C(netops_napalm_driver) host variable).
    type: str
    default: frr
  username:
    description: Login user.
    type: str
    required: true
  password:
    description: Login password (empty with key logins). Never logged.
    type: str
    default: ""
  optional_args:
    description:
      - NAPALM C(optional_args) of the driver (napalm_frr's C(key_file), C(known_hosts_file), C(ssh_strict),
        C(port), ...).
    type: dict
    default: {}
  timeout:
    description: NAPALM timeout in seconds.
    type: int
    default: 60
"""
