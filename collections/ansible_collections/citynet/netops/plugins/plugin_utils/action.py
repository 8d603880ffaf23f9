"""The base of the collection's action plugins: a module's work (netops.ansible.tasks) run in Ansible's worker.

A module costs a new interpreter per host and task (and NAPALM's import, half a second of CPU); an action
plugin runs in the worker Ansible has already forked from the controller, which has NAPALM imported (the
netops inventory plugin preloads the hosts' drivers). The work is the same: NAPALM reaches the devices from
the controller either way. The arguments are validated against the module's own spec (module_utils).
"""

from ansible.errors import AnsibleActionFail
from ansible.module_utils.basic import missing_required_lib
from ansible.plugins.action import ActionBase
from ansible_collections.citynet.netops.plugins.module_utils.netops_task import NETOPS_DISTRIBUTION, SPECS, netops_work


class NetopsAction(ActionBase):
    """Runs the work of the module named `module` with the task's validated arguments."""

    TRANSFERS_FILES = False
    _requires_connection = False
    module = ""

    def run(self, tmp=None, task_vars=None):
        """Validate the arguments against the module's spec, run the task, return its result."""
        result = super().run(tmp, task_vars)
        spec = SPECS[self.module]
        _dummy, args = self.validate_argument_spec(argument_spec=spec.argument_spec, required_if=spec.required_if,
                                                   required_one_of=spec.required_one_of,
                                                   mutually_exclusive=spec.mutually_exclusive)
        work, task_error, import_failure = netops_work()
        if work is None:
            raise AnsibleActionFail(f"{missing_required_lib(NETOPS_DISTRIBUTION)}\n{import_failure}")
        try:
            result.update(self.perform(args))
        except task_error as error:
            result.update({"failed": True, "msg": error.msg, "changed": False, **error.result})
        return result

    def perform(self, args):
        """The task's work on its validated arguments (netops.ansible.tasks.TaskError when it fails)."""
        work = netops_work()[0]
        return work[self.module](args, bool(self._task.check_mode), bool(self._task.diff))
