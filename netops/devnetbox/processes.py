"""Supervising the processes we start: start them, record them, recognise them again, stop them by pid.

Every process we start is recorded as (pid, start time, boot id) in ``run/<part>.json``: stopping signals
exactly those processes (and the workers they forked), never anything found by name, and a record whose
process is gone or was replaced (a crash, a reboot) is recognised as stale and dropped.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netops.devnetbox.errors import NetboxServerError
from netops.devnetbox.settings import HOST, PartName, Settings
from netops.progress import ProgressSink as Progress
from netops.progress import quiet


@dataclass(frozen=True)
class ProcRecord:
    """A process we started: its pid plus what tells it apart from a later process reusing that pid."""

    pid: int
    starttime: int
    boot_id: str


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _proc_stat(pid: int) -> tuple[str, int, int] | None:
    """(state, ppid, starttime) of ``pid`` from /proc, or None when there is no such process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # the command name may contain spaces and parentheses
    return fields[0], int(fields[1]), int(fields[19])


def record_for(pid: int) -> ProcRecord | None:
    """The record of the process that runs as ``pid`` now, or None when there is none."""
    stat = _proc_stat(pid)
    return None if stat is None else ProcRecord(pid=pid, starttime=stat[2], boot_id=_boot_id())


def is_alive(record: ProcRecord) -> bool:
    """True when the recorded process still runs (not a zombie, not a stranger that reuses its pid)."""
    stat = _proc_stat(record.pid)
    if stat is None or stat[2] != record.starttime or record.boot_id != _boot_id():
        return False
    if stat[0] in ("Z", "X"):
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(record.pid, os.WNOHANG)  # reap it if it is our own child
        return False
    return True


def children(pid: int) -> list[int]:
    """The pids whose parent is ``pid``."""
    kids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _proc_stat(int(entry.name))
            if stat is not None and stat[1] == pid:
                kids.append(int(entry.name))
    return kids


def _wait_gone(records: Sequence[ProcRecord], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while any(is_alive(r) for r in records):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _signal(record: ProcRecord, sig: signal.Signals) -> None:
    if is_alive(record):
        with contextlib.suppress(ProcessLookupError):
            os.kill(record.pid, sig)


def _record_path(settings: Settings, part: PartName) -> Path:
    return settings.run_dir / f"{part}.json"


def read_record(settings: Settings, part: PartName) -> ProcRecord | None:
    """The record of ``part``, alive or stale; None when there is none (or it cannot be read)."""
    try:
        data = json.loads(_record_path(settings, part).read_text())
        return ProcRecord(pid=int(data["pid"]), starttime=int(data["starttime"]), boot_id=str(data["boot_id"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def live_record(settings: Settings, part: PartName) -> ProcRecord | None:
    """The record of ``part`` when its process still runs."""
    record = read_record(settings, part)
    return record if record is not None and is_alive(record) else None


def write_record(settings: Settings, part: PartName, record: ProcRecord) -> None:
    settings.run_dir.mkdir(parents=True, exist_ok=True)
    _record_path(settings, part).write_text(
        json.dumps({"pid": record.pid, "starttime": record.starttime, "boot_id": record.boot_id}) + "\n"
    )


def drop_record(settings: Settings, part: PartName) -> None:
    _record_path(settings, part).unlink(missing_ok=True)


def drop_stale_record(settings: Settings, part: PartName, progress: Progress) -> None:
    """Before starting ``part`` afresh: forget the record a crashed run left behind, saying so."""
    if read_record(settings, part) is not None:
        progress(f"{part}: previous run left a stale pid record (crash?); starting afresh")
        drop_record(settings, part)


def port_busy(port: int) -> bool:
    """True when something accepts connections on ``HOST:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((HOST, port)) == 0


# Popen objects of the servers we spawn, kept so that Python does not warn about (or lose) a running child
# when this process lives on after starting them (tests, the dump script).
_SPAWNED: list[subprocess.Popen[bytes]] = []


@dataclass(frozen=True)
class OsUser:
    """An OS user a process runs as, other than ourselves."""

    name: str
    uid: int
    gid: int


def _user_kwargs(user: OsUser | None) -> dict[str, Any]:
    if user is None:
        return {}
    return {"user": user.uid, "group": user.gid, "extra_groups": []}


def _open_log(path: Path, title: str) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.write(fd, f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} {title}\n".encode())
    return fd


def spawn(
    cmd: Sequence[str | Path],
    *,
    log: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    user: OsUser | None = None,
) -> ProcRecord:
    """Start a long-running server in its own session, output to ``log``; return its record."""
    fd = _open_log(log, " ".join(str(c) for c in cmd))
    try:
        proc = subprocess.Popen(
            [str(c) for c in cmd],
            stdin=subprocess.DEVNULL,
            stdout=fd,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,  # a Ctrl-C in the terminal that ran `up` must not reach the servers
            **_user_kwargs(user),
        )
    finally:
        os.close(fd)
    _SPAWNED.append(proc)
    record = record_for(proc.pid)
    if record is None:
        raise NetboxServerError(f"{cmd[0]} exited at once", log=log)
    return record


def run(
    cmd: Sequence[str | Path],
    *,
    log: Path,
    label: str,
    progress: Progress = quiet,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    user: OsUser | None = None,
    stdin: bytes | None = None,
    heartbeat: float = 15.0,
) -> None:
    """Run a command to completion with its output in ``log``; report progress every ``heartbeat`` seconds."""
    fd = _open_log(log, " ".join(str(c) for c in cmd))
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            [str(c) for c in cmd],
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=fd,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            **_user_kwargs(user),
        )
    finally:
        os.close(fd)
    if stdin is not None and proc.stdin is not None:
        proc.stdin.write(stdin)
        proc.stdin.close()
    while True:
        try:
            rc = proc.wait(timeout=heartbeat)
            break
        except subprocess.TimeoutExpired:
            progress(f"{label}: still running ({time.monotonic() - started:.0f} s)")
    if rc != 0:
        raise NetboxServerError(f"{label} failed (exit status {rc})", log=log)


def wait_until_ready(
    settings: Settings,
    part: PartName,
    record: ProcRecord,
    ready: Callable[[], bool],
    *,
    timeout: float,
    log: Path,
    waiting_for: str,
    pause: float,
) -> None:
    """Poll ``ready`` until it holds; fail when the process exits or ``timeout`` seconds pass first."""
    deadline = time.monotonic() + timeout
    while not ready():
        if not is_alive(record):
            drop_record(settings, part)
            raise NetboxServerError(f"{part} exited while starting", log=log)
        if time.monotonic() > deadline:
            raise NetboxServerError(f"{part} did not {waiting_for} within {timeout:.0f} s", log=log)
        time.sleep(pause)


def stop_part(settings: Settings, part: PartName, progress: Progress) -> bool:
    """Stop one part by its recorded pid (and the children it forked); True when something was stopped."""
    record = live_record(settings, part)
    if record is None:
        if read_record(settings, part) is not None:
            progress(f"{part}: not running (dropped a stale pid record)")
        drop_record(settings, part)
        return False
    # gunicorn's workers are its children; note them now, since they are re-parented once the master is gone.
    kids = [r for r in (record_for(pid) for pid in children(record.pid)) if r is not None]
    # PostgreSQL: SIGINT is its "fast" shutdown (roll back open transactions, checkpoint, exit).
    # gunicorn and redis: SIGTERM is their graceful one (gunicorn lets running requests finish).
    sig = signal.SIGINT if part == "postgres" else signal.SIGTERM
    progress(f"{part}: stopping pid {record.pid}")
    started = time.monotonic()
    _signal(record, sig)
    if not _wait_gone([record], 60):
        progress(f"{part}: pid {record.pid} still there after 60 s; killing it")
        _signal(record, signal.SIGKILL)
        _wait_gone([record], 10)
    if not _wait_gone(kids, 10):
        for child in kids:
            _signal(child, signal.SIGKILL)
        _wait_gone(kids, 10)
    leftover = [r.pid for r in (record, *kids) if is_alive(r)]
    if leftover:
        raise NetboxServerError(f"{part}: processes {leftover} did not exit")
    drop_record(settings, part)
    progress(f"{part}: stopped in {time.monotonic() - started:.1f} s")
    return True
