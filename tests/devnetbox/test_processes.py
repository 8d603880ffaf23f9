"""Process supervision without a server: a record is believed only while its own process runs, and stopping
signals exactly the recorded process."""

from __future__ import annotations

import dataclasses
import subprocess
import time
from pathlib import Path

import pytest

from netops.devnetbox.processes import is_alive, live_record, read_record, record_for, spawn, stop_part, write_record
from netops.devnetbox.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path, venv=tmp_path / "venv")


def test_a_spawned_process_is_recorded_and_stopped_by_its_pid(settings: Settings) -> None:
    record = spawn(["sleep", "60"], log=settings.log_dir / "sleep.log")
    write_record(settings, "redis", record)
    assert live_record(settings, "redis") == record

    messages: list[str] = []
    assert stop_part(settings, "redis", messages.append) is True

    assert not is_alive(record)
    assert read_record(settings, "redis") is None
    assert messages[0] == f"redis: stopping pid {record.pid}"
    assert "sleep 60" in (settings.log_dir / "sleep.log").read_text()


def test_a_record_whose_pid_now_belongs_to_a_stranger_is_stale_and_never_signalled(settings: Settings) -> None:
    stranger = subprocess.Popen(["sleep", "60"])
    try:
        own = record_for(stranger.pid)
        assert own is not None and is_alive(own)
        write_record(settings, "postgres", dataclasses.replace(own, starttime=own.starttime - 1))

        messages: list[str] = []
        assert live_record(settings, "postgres") is None
        assert stop_part(settings, "postgres", messages.append) is False

        assert stranger.poll() is None, "a stale record's pid was signalled"
        assert messages == ["postgres: not running (dropped a stale pid record)"]
        assert read_record(settings, "postgres") is None
    finally:
        stranger.kill()
        stranger.wait()


def test_a_process_that_exited_is_not_alive(settings: Settings) -> None:
    record = spawn(["true"], log=settings.log_dir / "true.log")
    deadline = time.monotonic() + 10
    while is_alive(record) and time.monotonic() < deadline:
        time.sleep(0.05)

    assert not is_alive(record)  # a zombie until reaped here, being our own child: not alive either way
