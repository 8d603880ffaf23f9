"""Progress reporting shared by long-running work: lines of text, and counted tasks (n of N done).

Library code reports through a `Progress` it is given; only the CLI chooses where it goes
(netops.cli_support.progress_for): nowhere (`QUIET`, with --json and for library calls), lines on stderr
(`Lines`, when stderr is not a terminal: CI logs and pipes), or a live bar on a terminal (`Bars`: spinner,
description, bar, "n/N", elapsed and time left). A line is a message (``progress("...")``); a task counts
work whose size is known up front::

    with progress.task("rendering", total=len(names)) as task:
        for name in names:
            ...
            task.advance()
"""

import threading
import types
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, Self

if TYPE_CHECKING:  # rich.progress costs start-up time: imported when the first bar is shown
    from rich.console import Console
    from rich.progress import Progress as RichProgress
    from rich.progress import TaskID


class Task(Protocol):
    """Work of a known size under way: advanced as parts complete, finished once (leaving it as a ``with``
    block finishes it, also on an error)."""

    def advance(self, count: int = 1) -> None:
        """``count`` more parts are done (safe from any thread)."""
        ...

    def finish(self) -> None:
        """The work is over (done or abandoned); later calls do nothing."""
        ...

    def __enter__(self) -> Self:
        ...

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: types.TracebackType | None) -> None:
        ...


class Progress(Protocol):
    """Where long work reports: a message line (calling it), or a counted task."""

    def __call__(self, message: str) -> None:
        """Report one line of text."""
        ...

    def task(self, description: str, total: int | None) -> Task:
        """Start counting work of ``total`` parts (None: not known, shown without a bar's end)."""
        ...


#: The name the library modules import: where a long task reports its progress.
ProgressSink = Progress


class Counter:
    """A task nobody watches: it counts (``completed``, ``finished``) and says nothing; the base of shown ones."""

    def __init__(self, description: str, total: int | None) -> None:
        self.description, self.total = description, total
        self.completed = 0
        self.finished = False
        self._lock = threading.Lock()

    def advance(self, count: int = 1) -> None:
        with self._lock:
            self.completed += count

    def finish(self) -> None:
        self.finished = True

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: types.TracebackType | None) -> None:
        self.finish()


class Quiet:
    """Says nothing: the default for library calls, and the CLI's choice with --json."""

    def __call__(self, message: str) -> None:
        """Drop the line."""

    def task(self, description: str, total: int | None) -> Task:
        """A task that only counts."""
        return Counter(description, total)


#: The progress that says nothing.
quiet = QUIET = Quiet()


class Lines:
    """Messages as lines through ``write`` (e.g. stderr of a CI log); tasks say nothing, as a log of every
    device done would drown the messages."""

    def __init__(self, write: Callable[[str], None]) -> None:
        self.write = write

    def __call__(self, message: str) -> None:
        """Write the line."""
        self.write(message)

    def task(self, description: str, total: int | None) -> Task:
        """A task that only counts."""
        return Counter(description, total)


class _BarTask(Counter):
    def __init__(self, bars: "Bars", description: str, total: int | None) -> None:
        super().__init__(description, total)
        self.bars = bars
        self.id = bars.add(description, total)

    def advance(self, count: int = 1) -> None:
        super().advance(count)
        self.bars.advance(self.id, count)

    def finish(self) -> None:
        if not self.finished:
            super().finish()
            self.bars.finish(self.id, self.completed)


class Bars:
    """A live rich display on a terminal: one bar per task under way, messages printed above them.

    The display starts with the first task and stops when no task is left, so whatever the command prints
    afterwards (its result on stdout) is not mixed into it. Finished bars stay on screen at their final count.
    """

    def __init__(self, console: "Console", write: Callable[[str], None]) -> None:
        self.console, self.write = console, write
        self._display: RichProgress | None = None
        self._open = 0
        self._lock = threading.Lock()

    def __call__(self, message: str) -> None:
        """Write the line (above the bars while they are shown: they print through the same console)."""
        self.write(message)

    def task(self, description: str, total: int | None) -> Task:
        """Show a bar for the task."""
        return _BarTask(self, description, total)

    def add(self, description: str, total: int | None) -> "TaskID":
        """Start the display if needed, and add a bar to it."""
        with self._lock:
            if self._display is None:
                self._display = self._make()
                self._display.start()
            self._open += 1
            return self._display.add_task(description, total=total)

    def advance(self, task: "TaskID", count: int) -> None:
        """Move a bar on."""
        display = self._display
        if display is not None:
            display.advance(task, count)

    def finish(self, task: "TaskID", completed: int) -> None:
        """Show the bar's final count, and stop the display when it was the last task under way."""
        with self._lock:
            display = self._display
            if display is None:
                return
            known: Any = next(shown.total for shown in display.tasks if shown.id == task)
            # A task of unknown size ends as n/n; one of known size shows how far it got (n/N).
            display.update(task, completed=completed, total=completed if known is None else known)
            display.stop_task(task)
            self._open -= 1
            if self._open == 0:
                display.stop()
                self._display = None

    def _make(self) -> "RichProgress":
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as RichProgress

        # stdout stays the command's own (JSON, reports): the display never redirects it.
        return RichProgress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), TimeRemainingColumn(), console=self.console,
                            redirect_stdout=False, redirect_stderr=False, refresh_per_second=4)
