"""Admission control of router and host-daemon starts (logic on files standing in for /proc/meminfo and
/proc/pressure/cpu)."""

import functools
from pathlib import Path
from types import SimpleNamespace

import pytest

from netops.lab import admission, hostd
from netops.lab.admission import Admission, available_mib, cpu_pressure, cpu_wait_for
from netops.lab.errors import LabRuntimeError
from netops.lab.state import Process


def _machine(tmp_path: Path, available_kib: int, busy: float) -> tuple[Path, Path]:
    meminfo = tmp_path / "meminfo"
    meminfo.write_text(f"MemTotal:       24683756 kB\nMemFree:        1000 kB\nMemAvailable:   {available_kib} kB\n")
    pressure = tmp_path / "cpu"
    pressure.write_text(f"some avg10={busy:.2f} avg60=40.17 avg300=54.50 total=4055644522\n"
                        "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n")
    return meminfo, pressure


def test_the_machine_is_read_as_the_kernel_says(tmp_path: Path) -> None:
    meminfo, pressure = _machine(tmp_path, 2 * 1024 * 1024, 30.66)
    assert available_mib(meminfo) == 2048 and cpu_pressure(pressure) == pytest.approx(30.66)
    assert cpu_pressure(tmp_path / "absent") == 0.0  # a kernel without pressure information never holds back


def test_a_start_goes_at_once_on_an_idle_machine(tmp_path: Path) -> None:
    meminfo, pressure = _machine(tmp_path, 8 * 1024 * 1024, 5.0)
    gate = Admission(meminfo=meminfo, pressure=pressure)
    gate.admit("r1", 2)
    assert gate.started == ["r1"] and gate.cpu_wait_s == 0 and gate.memory_wait_s == 0


def test_a_busy_machine_holds_a_start_back_for_a_bounded_time(tmp_path: Path) -> None:
    meminfo, pressure = _machine(tmp_path, 8 * 1024 * 1024, 99.0)
    gate = Admission(meminfo=meminfo, pressure=pressure, max_cpu_wait_s=0.4)
    gate.admit("r1", 1)
    assert gate.started == ["r1"] and 0.4 <= gate.cpu_wait_s <= 1.0
    assert gate.waited() == {"cpu": round(gate.cpu_wait_s, 1), "memory": 0.0}


def test_only_fast_timers_hold_a_start_back_for_the_cpu(tmp_path: Path) -> None:
    """A 4 s dead interval can lose an adjacency to a busy start; 40 s (standard, throttled) cannot, and a
    bootstrap lab has none: on two cores four parallel starts keep the pressure above 90% by themselves."""
    assert cpu_wait_for("fast") == admission.MAX_CPU_WAIT_S > 0
    assert cpu_wait_for("throttled") == cpu_wait_for("standard") == cpu_wait_for(None) == 0
    meminfo, pressure = _machine(tmp_path, 8 * 1024 * 1024, 99.0)
    gate = Admission(meminfo=meminfo, pressure=pressure, max_cpu_wait_s=cpu_wait_for("throttled"))
    gate.admit("r1", 1)
    assert gate.started == ["r1"] and gate.cpu_wait_s == 0


def test_memory_short_stops_every_later_start_and_says_what_was_started(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    meminfo, pressure = _machine(tmp_path, 8 * 1024 * 1024, 5.0)
    monkeypatch.setattr(admission, "MAX_MEMORY_WAIT_S", 0.6)
    gate = Admission(meminfo=meminfo, pressure=pressure, reserve_mib=1024)
    gate.admit("r1", 3)
    meminfo.write_text("MemAvailable:   524288 kB\n")  # 512 MiB left
    with pytest.raises(LabRuntimeError) as refused:
        gate.admit("r2", 3)
    assert "not enough memory to start r2: 512 MiB available, 1024 MiB kept free; 1 of 3 routers started" in str(
        refused.value) and "netops lab down" in str(refused.value)
    meminfo.write_text("MemAvailable:   8388608 kB\n")
    with pytest.raises(LabRuntimeError):  # the threads still queued start nothing more
        gate.admit("r3", 3)
    assert gate.started == ["r1"]


def test_host_daemons_stop_at_the_memory_reserve_and_record_what_they_started(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """`up`'s host-daemon phase passes the same gate per router: short of memory it stops with the clear error
    instead of pushing the machine into swap, and every daemon it started is recorded for `down`."""
    meminfo, pressure = _machine(tmp_path, 8 * 1024 * 1024, 5.0)
    monkeypatch.setattr(admission, "MAX_MEMORY_WAIT_S", 0.3)
    monkeypatch.setattr(hostd, "Admission", functools.partial(Admission, meminfo=meminfo, pressure=pressure,
                                                              reserve_mib=1024))
    started: list[tuple[str, str]] = []

    def start(home: object, router: SimpleNamespace, daemon: str) -> Process:
        started.append((router.device, daemon))
        if len(started) == 2:  # the first router's daemons took the machine's last memory
            meminfo.write_text("MemAvailable:   524288 kB\n")
        return Process(kind=daemon, owner=router.netns, pid=1000 + len(started), marker="")

    monkeypatch.setattr(hostd, "start", start)
    # one router after the other, so that the second is admitted after the first took the memory (with the
    # lab's parallel starts, those already admitted when the reserve is reached finish, as FRR's do)
    monkeypatch.setattr(hostd, "parallel", lambda function, items: [function(item) for item in items])
    monkeypatch.setattr(hostd, "daemons", lambda router: ("snmpd", "chronyd"))
    monkeypatch.setattr(hostd, "running", lambda state, router, wanted: dict.fromkeys(wanted, False))
    monkeypatch.setattr(hostd, "_mark_loaded", lambda *args: None)
    routers = [SimpleNamespace(device=f"r{n}", netns=f"nl-r{n}") for n in (1, 2)]
    plan = SimpleNamespace(frr_routers=lambda: routers, large=lambda: False, segments=[])
    recorded: list[Process] = []
    state = SimpleNamespace(failed_nodes=[], add_processes=recorded.extend, process=lambda kind, owner: None)
    saved: list[object] = []
    home = SimpleNamespace(save=saved.append)
    with pytest.raises(LabRuntimeError) as refused:
        hostd.start_missing(home, plan, state)  # type: ignore[arg-type]
    assert "not enough memory to start r2" in str(refused.value)
    assert "1 of 2 routers' host daemons started" in str(refused.value)
    assert started == [("r1", "snmpd"), ("r1", "chronyd")]
    assert [(p.owner, p.kind) for p in recorded] == [("nl-r1", "snmpd"), ("nl-r1", "chronyd")] and saved == [state]
