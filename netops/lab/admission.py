"""Admission control: start one more router (or a router's host daemons, its sshd, a listener) only when the
machine has room for it.

A whole-city lab starts a thousand routers on two cores. Started all at once, the ones already running (OSPF,
BGP) starve while the others start, and a machine that runs out of memory has the kernel kill processes at
random (the lab's, or anybody's). So before each router is started:

- memory: the machine must keep RESERVE_MIB available (MemAvailable) after it; short of that, `up` waits a while
  for ksmd to merge the pages of the routers just started (netops.lab.kernel), then stops with a LabRuntimeError
  naming what it started and what is missing: what was made is recorded, `lab down` removes it;
- CPU: while the processes waiting for a core stall more than BUSY_PERCENT of the time (the kernel's pressure
  stall information, /proc/pressure/cpu "some avg10"), the start waits, at most MAX_CPU_WAIT_S, so that the
  routers already up get the CPU to keep their adjacencies. Only where they could lose them to a busy start: on
  fast OSPF timers, a 4 s dead interval (`cpu_wait_for`). On two cores, four starts at a time keep that pressure
  above 90% by themselves, so each start waits its 2 s: at the whole city the gate was most of `up`.
"""

import time
from dataclasses import dataclass, field
from pathlib import Path

from netops.lab.errors import LabRuntimeError
from netops.lab.interrupt import STOP

MEMINFO = Path("/proc/meminfo")
CPU_PRESSURE = Path("/proc/pressure/cpu")
#: Memory kept free for everything else on the machine (and the routers' tables still to grow).
RESERVE_MIB = 1536
#: How long a start waits for memory to come back (ksmd merging) before `up` gives up.
MAX_MEMORY_WAIT_S = 60.0
#: CPU pressure above which a start waits, and for how long at most.
BUSY_PERCENT = 90.0
MAX_CPU_WAIT_S = 2.0


def cpu_wait_for(ospf_timers: str | None) -> float:
    """How long a start waits for the CPU at most, for routers running these OSPF timers (None: a bootstrap lab,
    no routing yet). Fast timers drop an adjacency after 4 s without a hello; standard and throttled ones after
    40 s, which no start holds the CPU for, and a bootstrap lab has no adjacency to lose."""
    return MAX_CPU_WAIT_S if ospf_timers == "fast" else 0.0


def available_mib(meminfo: Path = MEMINFO) -> float:
    """MemAvailable, MiB."""
    for line in meminfo.read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024
    return float("inf")


def cpu_pressure(pressure: Path = CPU_PRESSURE) -> float:
    """Percentage of the last 10 s some runnable process waited for a core (0 where the kernel does not say)."""
    try:
        first = pressure.read_text().splitlines()[0]
    except (OSError, IndexError):
        return 0.0
    fields = dict(word.split("=", 1) for word in first.split()[1:] if "=" in word)
    return float(fields.get("avg10", 0.0))


@dataclass
class Admission:
    """The gate every router start passes (shared by the starting threads); what it waited, for the report."""

    reserve_mib: float = RESERVE_MIB
    meminfo: Path = MEMINFO
    pressure: Path = CPU_PRESSURE
    cpu_wait_s: float = 0.0
    memory_wait_s: float = 0.0
    started: list[str] = field(default_factory=list)
    refusal: LabRuntimeError | None = None
    #: What is started, as the refusal names it ("routers", "routers' host daemons", ...).
    what: str = "routers"
    #: The longest a start waits for the CPU (`cpu_wait_for`).
    max_cpu_wait_s: float = MAX_CPU_WAIT_S

    def waited(self) -> dict[str, float]:
        """The seconds the starts waited, summed over the parallel ones: for the CPU and for memory."""
        return {"cpu": round(self.cpu_wait_s, 1), "memory": round(self.memory_wait_s, 1)}

    def admit(self, device: str, total: int) -> None:
        """Wait until the machine has room for one more start; LabRuntimeError when memory does not come back
        (and at once for every start after that: the threads still queued start nothing more)."""
        if self.refusal is not None:
            raise self.refusal
        deadline = time.monotonic() + self.max_cpu_wait_s
        while self.max_cpu_wait_s > 0 and cpu_pressure(self.pressure) > BUSY_PERCENT and time.monotonic() < deadline:
            STOP.check()  # a run asked to stop waits for no room (netops.lab.interrupt)
            time.sleep(0.2)
            self.cpu_wait_s += 0.2
        deadline = time.monotonic() + MAX_MEMORY_WAIT_S
        while available_mib(self.meminfo) < self.reserve_mib:
            if self.refusal is not None:
                raise self.refusal
            if time.monotonic() >= deadline:
                self.refusal = LabRuntimeError(
                    f"not enough memory to start {device}: {available_mib(self.meminfo):.0f} MiB available, "
                    f"{self.reserve_mib:.0f} MiB kept free; {len(self.started)} of {total} {self.what} started, "
                    "each recorded (`netops lab down` removes them)")
                raise self.refusal
            STOP.check()
            time.sleep(0.5)
            self.memory_wait_s += 0.5
        self.started.append(device)
