"""What the citynet.netops modules share: their argument specs, and running a task of the netops package as a
module with its failures mapped to fail_json.

The work itself (NAPALM sessions, the push with commit-confirm, backups, the lab's extras) is the netops Python
package's (netops.ansible.tasks), which the netops CLI shares; the collection owns the Ansible interface. The
action plugins of the same names validate the same specs and run the same work in Ansible's worker
(plugin_utils/action.py). Nothing here imports netops before a task runs, so the modules' documentation and
argument specs load without it (ansible-doc, ansible-test).
"""

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

#: The distribution that carries the work, named in the failure when it is missing.
NETOPS_DISTRIBUTION = "city-netops"

#: A device the task reaches through NAPALM (netops_config, netops_getters, netops_validate).
DEVICE_ARGUMENT_SPEC = {
    "hostname": {"type": "str", "required": True},
    "driver": {"type": "str", "default": "frr"},
    "username": {"type": "str", "required": True},
    "password": {"type": "str", "default": "", "no_log": True},
    "optional_args": {"type": "dict", "default": {}},
    "timeout": {"type": "int", "default": 60},
}


class TaskSpec:
    """A module's argument spec and its constraints, in AnsibleModule's form."""

    def __init__(self, argument_spec, required_if=(), required_one_of=(), mutually_exclusive=()):
        self.argument_spec = argument_spec
        self.required_if = [list(rule) for rule in required_if]
        self.required_one_of = [list(names) for names in required_one_of]
        self.mutually_exclusive = [list(names) for names in mutually_exclusive]

    def module(self):
        """The AnsibleModule of a module run by itself."""
        return AnsibleModule(argument_spec=self.argument_spec, required_if=self.required_if,
                             required_one_of=self.required_one_of, mutually_exclusive=self.mutually_exclusive,
                             supports_check_mode=True)


#: Each module's spec, by module name.
SPECS = {
    "netops_config": TaskSpec(
        argument_spec=dict(
            DEVICE_ARGUMENT_SPEC,
            config_file={"type": "path"},
            replace={"type": "bool", "default": True},
            revert_in={"type": "int"},
            confirm={"type": "bool", "default": True},
            answer_within={"type": "float", "default": 20.0},
            backup_path={"type": "path"},
            secrets={"type": "dict", "default": {}, "no_log": True},
            state={"type": "str", "choices": ["pushed", "confirmed", "rolled_back"], "default": "pushed"},
            lab_netns={"type": "str"},
            lab_nftables={"type": "path"},
            lab_home={"type": "path"},
        ),
        required_if=[("state", "pushed", ("config_file",))],
    ),
    "netops_getters": TaskSpec(
        argument_spec=dict(DEVICE_ARGUMENT_SPEC, getters={"type": "list", "elements": "str",
                                                          "default": ["get_facts"]}),
    ),
    "netops_validate": TaskSpec(
        argument_spec=dict(
            DEVICE_ARGUMENT_SPEC,
            spec={"type": "list", "elements": "dict"},
            spec_file={"type": "path"},
            fail_on_noncompliance={"type": "bool", "default": True},
        ),
        required_one_of=[("spec", "spec_file")],
        mutually_exclusive=[("spec", "spec_file")],
    ),
    "netops_backup": TaskSpec(
        argument_spec={
            "action": {"type": "str", "choices": ["fetch", "commit"], "default": "fetch"},
            "folder": {"type": "path", "required": True},
            "device": {"type": "str"},
            "platform": {"type": "str", "choices": ["frr", "cisco_iosxe", "huawei_vrp"]},
            "driver": {"type": "str"},
            "host": {"type": "str"},
            "username": {"type": "str"},
            "password": {"type": "str", "no_log": True},
            "timeout": {"type": "int", "default": 30},
            "optional_args": {"type": "dict", "default": {}},
            "parts": {"type": "dict", "default": {}},
            "lab_netns": {"type": "str"},
        },
        required_if=[("action", "fetch", ("device", "platform", "driver", "host"))],
    ),
}


def netops_work():
    """The netops package's work by module name and its failure type; (None, None, traceback) when netops cannot
    be imported."""
    try:
        from netops.ansible.tasks import WORK, TaskError
    except ImportError:
        return None, None, traceback.format_exc()
    return WORK, TaskError, None


def run_module(name):
    """Run module `name` by itself: validate its arguments, run its work, exit with the result (fail_json with the
    task's message and result keys when it fails, or naming city-netops when the package is missing)."""
    module = SPECS[name].module()
    work, task_error, import_failure = netops_work()
    if work is None:
        module.fail_json(msg=missing_required_lib(NETOPS_DISTRIBUTION), exception=import_failure)
    try:
        result = work[name](module.params, module.check_mode, module._diff)
    except task_error as error:
        module.fail_json(msg=error.msg, **error.result)
    module.exit_json(**result)
