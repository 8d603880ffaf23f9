"""The base of the project's action plugins: a task of netops.ansible.tasks run in Ansible's worker process.

A module costs a new interpreter per host and task (and NAPALM's import, half a second of CPU); an action
plugin runs in the worker Ansible has already forked from the controller, which has NAPALM imported (the
netops inventory plugin preloads the hosts' drivers). The work is the same: NAPALM reaches the devices from
the controller either way.
"""

from typing import Any

from ansible.plugins.action import ActionBase

from netops.ansible.tasks import TASKS, TaskError


class NetopsAction(ActionBase):  # type: ignore[misc]  # ansible-core ships no type information
    """Runs the task of the module named `module` with the task's validated arguments."""

    TRANSFERS_FILES = False
    _requires_connection = False
    module = ""

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        """Validate the arguments against the module's spec, run the task, return its result."""
        result: dict[str, Any] = super().run(tmp, task_vars)
        task = TASKS[self.module]
        _, args = self.validate_argument_spec(argument_spec=task.argument_spec, required_if=task.required_if,
                                              required_one_of=task.required_one_of,
                                              mutually_exclusive=task.mutually_exclusive)
        try:
            result.update(self.perform(args))
        except TaskError as error:
            result.update({"failed": True, "msg": error.msg, "changed": False, **error.result})
        return result

    def perform(self, args: dict[str, Any]) -> dict[str, Any]:
        """The task's work on its validated arguments (TaskError when it fails)."""
        return TASKS[self.module].run(args, bool(self._task.check_mode), bool(self._task.diff))
