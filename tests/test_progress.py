"""The progress protocol (netops.progress) and the CLI's choice of it (netops.cli_support.progress_for)."""

import io
import os
import pty
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from rich.console import Console

from netops.cli_support import progress_for
from netops.progress import QUIET, Bars, Lines, Progress


def count_to(progress: Progress, total: int, description: str = "counting") -> None:
    with progress.task(description, total=total) as task:
        for _ in range(total):
            task.advance()


def test_quiet_says_nothing_and_its_tasks_still_count(capsys: pytest.CaptureFixture[str]) -> None:
    QUIET("a line")
    with QUIET.task("counting", total=3) as task:
        task.advance(2)
    assert capsys.readouterr() == ("", "")
    assert (getattr(task, "completed", None), getattr(task, "finished", None)) == (2, True)


def test_lines_write_the_messages_and_nothing_of_the_tasks() -> None:
    written: list[str] = []
    progress = Lines(written.append)
    progress("reading")
    count_to(progress, 5)
    progress("done")
    assert written == ["reading", "done"]


def terminal(width: int = 100) -> tuple[Console, io.StringIO]:
    screen = io.StringIO()
    return Console(file=screen, force_terminal=True, width=width, color_system=None), screen


def test_bars_show_n_of_total_up_to_the_total_and_the_messages_above() -> None:
    console, screen = terminal()
    bars = Bars(console, lambda message: console.print(message))
    bars("before")
    count_to(bars, 7, "rendering")
    shown = screen.getvalue()
    assert "before" in shown
    assert "rendering" in shown and "7/7" in shown
    assert shown.index("before") < shown.index("7/7")


def test_bars_stop_when_the_last_task_is_finished_and_start_again_for_the_next() -> None:
    console, screen = terminal()
    bars = Bars(console, lambda message: console.print(message))
    first = bars.task("first", total=2)
    second = bars.task("second", total=1)
    first.advance(2)
    first.finish()
    assert bars._display is not None  # the second is still under way
    second.advance()
    second.finish()
    second.finish()  # a second finish does nothing
    assert bars._display is None
    count_to(bars, 3, "third")
    assert bars._display is None
    assert "2/2" in screen.getvalue() and "1/1" in screen.getvalue() and "3/3" in screen.getvalue()


def test_a_task_left_by_an_error_is_finished_where_it_got_and_the_display_stopped() -> None:
    console, screen = terminal()
    bars = Bars(console, lambda message: console.print(message))
    with pytest.raises(RuntimeError), bars.task("writing", total=10) as task:
        task.advance(4)
        raise RuntimeError("NetBox went away")
    assert bars._display is None
    assert "4/10" in screen.getvalue()


def test_a_task_of_unknown_size_ends_at_its_count() -> None:
    console, screen = terminal()
    bars = Bars(console, lambda message: console.print(message))
    with bars.task("reading", total=None) as task:
        task.advance(3)
    assert "3/3" in screen.getvalue()


@contextmanager
def stderr_on_a_terminal(monkeypatch: pytest.MonkeyPatch, term: str = "xterm") -> Iterator[None]:
    """sys.stderr on a real pseudo-terminal for the block (set in the test's body: pytest's own capture takes
    sys.stderr back between a fixture's setup and the test)."""
    controller, terminal_end = pty.openpty()
    monkeypatch.setenv("TERM", term)
    with os.fdopen(terminal_end, "w") as stream:
        monkeypatch.setattr(sys, "stderr", stream)
        try:
            yield
        finally:
            monkeypatch.undo()
            os.close(controller)


def test_progress_for_json_is_quiet_even_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    with stderr_on_a_terminal(monkeypatch):
        assert progress_for(as_json=True) is QUIET


def test_progress_for_a_terminal_is_bars(monkeypatch: pytest.MonkeyPatch) -> None:
    with stderr_on_a_terminal(monkeypatch):
        assert isinstance(progress_for(as_json=False), Bars)


def test_progress_for_a_dumb_terminal_is_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    with stderr_on_a_terminal(monkeypatch, term="dumb"):
        assert isinstance(progress_for(as_json=False), Lines)


def test_progress_for_a_pipe_is_lines_through_the_given_writer(monkeypatch: pytest.MonkeyPatch) -> None:
    read_end, write_end = os.pipe()
    with os.fdopen(write_end, "w") as pipe:
        monkeypatch.setattr(sys, "stderr", pipe)
        written: list[str] = []
        progress = progress_for(as_json=False, lines=written.append)
        assert isinstance(progress, Lines)
        progress("a line")
        count_to(progress, 2)
    os.close(read_end)
    assert written == ["a line"]


def test_progress_for_a_stream_without_a_file_is_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert isinstance(progress_for(as_json=False), Lines)
