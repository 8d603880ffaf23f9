"""Stopping a lab command cleanly: SIGINT, SIGTERM or `up --deadline` ask it to stop; it stops at the next point
where nothing is half made.

A signal only sets a flag (`STOP`): the command is never interrupted between starting a process and recording
it. The work checks the flag where stopping loses nothing (between phases, before each item of a parallel batch,
before each daemon it starts, in its waiting loops) and raises `LabInterruptedError` there; what was in flight finishes
(the commands and daemons the lab runs are in sessions of their own, so the terminal's Ctrl-C does not reach
them), what it started is recorded, and the command says what it left. A second signal while stopping changes
nothing but a line saying so: stopping a second time would be how processes get lost.
"""

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from types import FrameType

from netops.errors import NetopsError

#: Why a command stops, and its exit code: 128 + the signal's number as a shell reports a process a signal ended,
#: and for the deadline 3, the code of a service that did not come up in time (netops.errors).
EXIT_CODES = {"SIGINT": 128 + signal.SIGINT, "SIGTERM": 128 + signal.SIGTERM, "deadline": 3}


@dataclass
class Left:
    """What an interrupted command left, as recorded in the lab's state file."""

    home: str
    state_file: str | None  # None: nothing was made, no state file
    phases_done: list[str] = field(default_factory=list)
    phase: str | None = None  # the phase under way when the command stopped
    namespaces: int = 0  # recorded namespaces that exist
    processes: int = 0  # recorded processes that run
    complete: bool = False  # the lab itself was complete (an `up` stopped while waiting for convergence)


class LabInterruptedError(NetopsError):
    """A lab command stopped on request (SIGINT, SIGTERM, its deadline) at a point where nothing is half made."""

    def __init__(self, reason: str, left: Left | None = None) -> None:
        self.reason = reason
        self.left = left
        super().__init__(f"stopped by {reason}")
        #: 130 for SIGINT, 143 for SIGTERM, 3 for the deadline.
        self.exit_code = EXIT_CODES[reason]


class Stop:
    """Whether the running lab command was asked to stop, and why: a signal or its deadline."""

    def __init__(self) -> None:
        # Reentrant: the signal handler runs on the main thread, maybe while that thread is inside a method here.
        self._lock = threading.RLock()
        self._reason: str | None = None
        self._deadline: float | None = None

    def reset(self, deadline: float | None = None) -> None:
        """No stop asked; `deadline`: seconds from now after which the command stops (None: none)."""
        with self._lock:
            self._reason = None
            self._deadline = None if deadline is None else time.monotonic() + deadline

    def request(self, reason: str) -> bool:
        """Ask the command to stop; whether this is the first request."""
        with self._lock:
            first = self._reason is None
            if first:
                self._reason = reason
            return first

    @property
    def reason(self) -> str | None:
        """Why the command is stopping (SIGINT, SIGTERM, deadline), None while it is not."""
        with self._lock:
            if self._reason is None and self._deadline is not None and time.monotonic() >= self._deadline:
                self._reason = "deadline"
            return self._reason

    def remaining(self) -> float | None:
        """Seconds left before the deadline (None: no deadline)."""
        with self._lock:
            return None if self._deadline is None else max(0.0, self._deadline - time.monotonic())

    def check(self) -> None:
        """LabInterruptedError when the command is asked to stop."""
        reason = self.reason
        if reason is not None:
            raise LabInterruptedError(reason)


#: The one stop flag of the process: a lab command runs on the main thread, its batches in threads that read it.
STOP = Stop()


def _say(line: str) -> None:
    # os.write: a signal handler must not take the console's lock the interrupted code may hold.
    with suppress(OSError):
        os.write(2, (line + "\n").encode())


@contextmanager
def stopping_on_signals(command: str, deadline: float | None = None,
                        say: Callable[[str], None] = _say) -> Iterator[Stop]:
    """Within the block, SIGINT and SIGTERM ask `command` to stop (`STOP`), as does the deadline (seconds);
    `say` tells the person at the terminal (stderr) that it is stopping. The previous handlers come back after."""
    STOP.reset(deadline)

    def handle(number: int, frame: FrameType | None) -> None:
        name = signal.Signals(number).name
        if STOP.request(name):
            say(f"{name}: {command} is stopping: what is in flight finishes and is recorded, nothing new is started")
        else:
            say(f"{name}: {command} is already stopping ({STOP.reason}); it exits once what it started is recorded")

    previous = {number: signal.signal(number, handle) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield STOP
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        STOP.reset()
