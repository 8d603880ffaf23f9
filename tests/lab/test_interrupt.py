"""Stopping a lab command (netops.lab.interrupt): signals and the deadline only ask, the work stops where nothing
is half made, and what it says on the way out. No root needed."""

import json
import os
import signal
import time
from pathlib import Path

import pytest
import typer

from netops.lab import hostd
from netops.lab.cli import _exit_stopped
from netops.lab.interrupt import STOP, LabInterruptedError, Left, stopping_on_signals
from netops.lab.lab import Lab
from netops.lab.netns import run
from netops.lab.pool import parallel
from netops.lab.state import LabHome, LabState, Process
from netops.lab.topology import plan_lab
from netops.pipeline import load_network
from tests.lab.helpers import CITY


@pytest.fixture(autouse=True)
def no_stop_left() -> None:
    STOP.reset()


def test_a_signal_asks_the_command_to_stop_and_a_second_one_only_says_so() -> None:
    said: list[str] = []
    before = signal.getsignal(signal.SIGINT)
    with stopping_on_signals("lab up", say=said.append) as stop:
        assert STOP.reason is None
        stop.check()  # nothing asked: goes on
        os.kill(os.getpid(), signal.SIGINT)  # no KeyboardInterrupt: the handler only sets the flag
        assert stop.reason == "SIGINT"
        os.kill(os.getpid(), signal.SIGTERM)
        assert stop.reason == "SIGINT"  # the first reason stands
        with pytest.raises(LabInterruptedError) as stopped:
            stop.check()
    assert stopped.value.reason == "SIGINT" and stopped.value.exit_code == 130
    assert said == ["SIGINT: lab up is stopping: what is in flight finishes and is recorded, nothing new is started",
                    "SIGTERM: lab up is already stopping (SIGINT); it exits once what it started is recorded"]
    assert signal.getsignal(signal.SIGINT) is before and STOP.reason is None


def test_sigterm_exits_143() -> None:
    with stopping_on_signals("lab down", say=lambda line: None) as stop:
        os.kill(os.getpid(), signal.SIGTERM)
        with pytest.raises(LabInterruptedError) as stopped:
            stop.check()
    assert stopped.value.reason == "SIGTERM" and stopped.value.exit_code == 143


def test_the_deadline_stops_the_command_with_exit_3() -> None:
    with stopping_on_signals("lab up", deadline=3600, say=lambda line: None) as stop:
        remaining = stop.remaining()
        assert remaining is not None and 3590 < remaining <= 3600
        stop.check()
    with stopping_on_signals("lab up", deadline=0.01, say=lambda line: None) as stop:
        time.sleep(0.02)
        assert stop.remaining() == 0.0
        with pytest.raises(LabInterruptedError) as stopped:
            stop.check()
    assert stopped.value.reason == "deadline" and stopped.value.exit_code == 3
    assert STOP.remaining() is None


def test_a_parallel_batch_starts_nothing_new_once_asked_to_stop() -> None:
    done: list[int] = []

    def work(item: int) -> int:
        done.append(item)
        if item == 2:
            STOP.request("SIGINT")
        return item

    assert parallel(work, [0, 1], workers=1) == [0, 1]
    with pytest.raises(LabInterruptedError):
        parallel(work, list(range(10)), workers=1)
    assert done == [0, 1, 0, 1, 2]  # item 2 (in flight) finished, 3 and later never started


def test_host_daemons_started_before_the_stop_are_recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    network = load_network(CITY).network
    plan = plan_lab(network, ["017"])
    home = LabHome(tmp_path / "lab")
    state = LabState()
    started: list[str] = []

    def start(home: LabHome, router: object, daemon: str) -> Process:
        started.append(daemon)
        if len(started) == 3:
            STOP.request("SIGTERM")  # arrives while the third daemon starts
        return Process(kind=daemon, owner=f"ns{len(started)}", pid=100000 + len(started), marker="x")

    monkeypatch.setattr(hostd, "start", start)
    monkeypatch.setattr(hostd, "_mark_loaded", lambda *args: None)
    with pytest.raises(LabInterruptedError):
        hostd.start_missing(home, plan, state)
    assert len(started) == 3
    recorded = home.load()
    assert recorded is not None and [p.pid for p in recorded.processes] == [100001, 100002, 100003]


def _stopped(command: str, reason: str, left: Left,
             capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object]]:
    with pytest.raises(typer.Exit) as exited:
        _exit_stopped(command, LabInterruptedError(reason, left), Lab(LabHome(Path(left.home))), as_json=True)
    return exited.value.exit_code, json.loads(capsys.readouterr().out)


def test_what_a_stopped_up_says(capsys: pytest.CaptureFixture[str]) -> None:
    left = Left(home="/var/tmp/x/lab", state_file="/var/tmp/x/lab/state.json",
                phases_done=["preflight", "files", "namespaces"], phase="bootstrap", namespaces=125, processes=0)
    code, said = _stopped("lab up", "SIGINT", left, capsys)
    assert code == 130 and said["stopped"] == "SIGINT" and said["exit_code"] == 130
    assert said["namespaces"] == 125 and said["phase"] == "bootstrap" and not said["complete"]
    assert said["message"] == (
        "lab up stopped by SIGINT during bootstrap (done: preflight, files, namespaces): what it made is left as it "
        "is, not rolled back: 125 namespaces and 0 running processes, every one recorded in "
        "/var/tmp/x/lab/state.json; `netops lab down` removes exactly that, `netops lab up` completes it")
    code, said = _stopped("lab up", "deadline", Left(home="/h", state_file=None), capsys)
    assert code == 3
    assert said["message"] == "lab up stopped by its --deadline before anything was made: nothing is left"
    code, said = _stopped("lab up", "SIGTERM", Left(home="/h", state_file="/h/state.json", namespaces=3,
                                                    processes=9, complete=True), capsys)
    assert code == 143 and "the lab is up and complete" in str(said["message"])
    code, said = _stopped("lab down", "SIGINT", Left(home="/h", state_file="/h/state.json", namespaces=3), capsys)
    assert code == 130 and "`netops lab down` again removes the rest" in str(said["message"])


def test_the_commands_the_lab_runs_are_out_of_reach_of_the_terminals_ctrl_c() -> None:
    # A session of their own: a terminal's SIGINT goes to its foreground process group, which they are not in.
    shown = run(["sh", "-c", "echo $$; ps -o sid= -o pgid= -p $$"]).stdout.split()
    assert len(shown) == 3
    pid, session, group = (int(value) for value in shown)
    assert session == group == pid  # the leader of a session and a process group of its own
    assert session != os.getsid(0) and group != os.getpgid(0)
