"""Callback plugin `bench_timeline` (benchmarks only): a timestamp for every play, task and host result.

bench_provision.py enables it (ANSIBLE_CALLBACKS_ENABLED=bench_timeline, with this folder in
ANSIBLE_CALLBACK_PLUGINS) next to the default output, and reads the JSON lines it writes to the file named by
BENCH_TIMELINE_FILE to say where a playbook spends its time: per task name, its wall time (from the task's start
to its last host's result, once per batch) and the seconds each host spent in it. ansible.posix.profile_tasks
gives the first of these only, and is not installed here.
"""

import json
import os
import time
from pathlib import Path
from typing import Any

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: bench_timeline
type: aggregate
short_description: Timestamps of plays, tasks and host results as JSON lines (benchmark profile)
description:
  - Appends one JSON object per event to the file named by the BENCH_TIMELINE_FILE environment variable.
requirements: [enable in configuration]
"""


class CallbackModule(CallbackBase):  # type: ignore[misc]  # ansible-core ships no type information
    """Writes play starts, task starts and host starts and results, each with time.monotonic()."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_timeline"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self) -> None:
        super().__init__()
        path = os.environ.get("BENCH_TIMELINE_FILE")
        # Open for the whole run, closed with the stats at its end.
        self._out = Path(path).open("a", encoding="utf-8") if path else None  # noqa: SIM115

    def _event(self, kind: str, **fields: Any) -> None:
        if self._out is not None:
            self._out.write(json.dumps({"t": time.monotonic(), "event": kind, **fields}) + "\n")

    def v2_playbook_on_play_start(self, play: Any) -> None:
        """A play (each of its batches starts it again)."""
        self._event("play", name=play.get_name())

    def v2_playbook_on_task_start(self, task: Any, is_conditional: bool) -> None:
        """A task starts on the batch's hosts."""
        self._event("task", name=task.get_name(), uuid=task._uuid)

    def v2_playbook_on_handler_task_start(self, task: Any) -> None:
        """A handler starts."""
        self._event("task", name=task.get_name(), uuid=task._uuid)

    def v2_runner_on_start(self, host: Any, task: Any) -> None:
        """A host starts a task."""
        self._event("start", host=host.get_name(), uuid=task._uuid)

    def _result(self, status: str, result: Any) -> None:
        self._event("result", status=status, host=result.host.get_name(), uuid=result.task._uuid,
                    changed=result.is_changed())

    def v2_runner_on_ok(self, result: Any) -> None:
        """A host finished a task."""
        self._result("ok", result)

    def v2_runner_on_failed(self, result: Any, ignore_errors: bool = False) -> None:
        """A host failed a task."""
        self._result("failed", result)

    def v2_runner_on_skipped(self, result: Any) -> None:
        """A host skipped a task."""
        self._result("skipped", result)

    def v2_runner_on_unreachable(self, result: Any) -> None:
        """A host could not be reached."""
        self._result("unreachable", result)

    def v2_playbook_on_stats(self, stats: Any) -> None:
        """The end of the run."""
        self._event("end")
        if self._out is not None:
            self._out.close()
            self._out = None
