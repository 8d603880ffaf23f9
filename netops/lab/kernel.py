"""Host kernel limits the lab needs: the neighbour (ARP) table is one table for every network namespace.

Linux keeps the IPv4 neighbour entries of all namespaces in one table, limited by the initial namespace's
`net.ipv4.neigh.default.gc_thresh1/2/3` (128 / 512 / 1024 by default). A lab of 166 routers and their LAN hosts
needs more entries than that: past the limit the kernel logs "neighbor table overflow" and drops the packets
that need a new entry, so the sites whose probes run last fail their reachability checks although their
network is fine. `up` raises the limits to the lab's size before it makes the namespaces, and never lowers them.
"""

import os
from pathlib import Path

from netops.lab.topology import LabPlan

NEIGH = Path("/proc/sys/net/ipv4/neigh/default")
#: Neighbour entries allowed per namespace of the lab: a router learns the peer of each of its links and LANs,
#: a host its gateway, the management bridge every router (generous, since an entry costs a few hundred bytes).
ENTRIES_PER_NAMESPACE = 8


def neighbour_limits(namespaces: int) -> dict[str, int]:
    """The gc_thresh values a lab of this many namespaces needs (thresh3 is the hard limit; the kernel's defaults
    128 / 512 / 1024 at least)."""
    needed = max(1024, ENTRIES_PER_NAMESPACE * namespaces)
    return {"gc_thresh1": max(128, needed // 4), "gc_thresh2": needed // 2, "gc_thresh3": needed}


def raise_neighbour_limits(plan: LabPlan, folder: Path = NEIGH) -> dict[str, tuple[int, int]]:
    """Raise the host's neighbour table limits to what the plan needs; {name: (before, after)} of those raised."""
    raised: dict[str, tuple[int, int]] = {}
    for name, wanted in neighbour_limits(len(plan.namespaces())).items():
        path = folder / name
        current = int(path.read_text().strip())
        if current < wanted:
            path.write_text(f"{wanted}\n")
            raised[name] = (current, wanted)
    return raised


# Page sharing (KSM). A lab router is a dozen processes that each build the same tables at start (FRR's command
# graphs, route tables, the daemons' heaps): about 29 MiB of private memory per FRR router, the same pages a
# thousand times over in a whole-city lab. The kernel's samepage merging keeps one copy of identical pages when a
# process asks for it (prctl PR_SET_MEMORY_MERGE, inherited by every process it starts, across exec) and ksmd
# runs. Identical pages need identical addresses inside them: with address-space randomisation every heap holds
# other pointers, so the lab's daemons start without it (personality ADDR_NO_RANDOMIZE, inherited the same way).
# Measured on the sample city's lab (31 routers): 1.45 GB without merging, 1.11 GB merged with randomisation,
# 0.61 GB merged without it (docs/lab.md, "Where the cost goes").

KSM = Path("/sys/kernel/mm/ksm")
_PR_SET_MEMORY_MERGE = 67
_ADDR_NO_RANDOMIZE = 0x0040000
#: ksmd as the lab runs it: on, at a fixed rate of 4,000 pages every 20 ms (800 MB/s, a full pass over a
#: whole-city lab's 20 GB in about 25 s, about a third of a core here). The kernel's own advisor (scan-time)
#: starts at 500 pages and had not sped up when 350 routers had started: 3,000 pages merged out of 2.3 million.
KSM_SETTINGS = {"advisor_mode": "none", "pages_to_scan": "4000", "sleep_millisecs": "20", "run": "1"}


#: ksmd's priority while the lab runs, and the key `kernel_settings` records its value before under. The kernel
#: runs ksmd at nice 5: behind the dozens of processes a whole-city `up` keeps runnable it got under 1 s of CPU in
#: 10 and merged 0.5 GiB a half-minute, slower than the routers started; at -5 it merged 1.4 GiB in the same time.
KSMD_NICE = -5
KSMD_NICE_KEY = "ksmd nice"


def ksmd_pid(proc: Path = Path("/proc")) -> int | None:
    """The pid of the kernel's ksmd thread (a child of kthreadd, pid 2), None without one."""
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm cannot hold ")" for a kernel thread
        comm, rest = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2:].split()
        if comm == "ksmd" and rest[1] == "2":
            return int(entry.name)
    return None


def _lab_ksmd() -> int | None:
    """ksmd's pid when the lab uses page merging (ksm_available), else None."""
    return ksmd_pid() if ksm_available() else None


def ksmd_priority_change() -> dict[str, str]:
    """{KSMD_NICE_KEY: its nice value now} when `raise_ksmd_priority` would change it, else {}."""
    pid = _lab_ksmd()
    if pid is None:
        return {}
    current = os.getpriority(os.PRIO_PROCESS, pid)
    return {} if current == KSMD_NICE else {KSMD_NICE_KEY: str(current)}


def raise_ksmd_priority() -> None:
    """Run ksmd at KSMD_NICE (what it was is recorded first: `ksmd_priority_change`)."""
    pid = _lab_ksmd()
    if pid is not None:
        os.setpriority(os.PRIO_PROCESS, pid, KSMD_NICE)


def share_identical_pages() -> bool:
    """Make the processes this one starts from now on (the lab's daemons) candidates for page merging, with
    no address randomisation; whether the kernel supports it (an older one simply does not merge)."""
    import ctypes

    if os.environ.get("NETOPS_LAB_KSM", "1") == "0":
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    current = libc.personality(0xFFFFFFFF)
    if current != -1 and not current & _ADDR_NO_RANDOMIZE:
        libc.personality(current | _ADDR_NO_RANDOMIZE)
    return bool(libc.prctl(_PR_SET_MEMORY_MERGE, 1, 0, 0, 0) == 0)


def ksm_available(folder: Path = KSM) -> bool:
    """Whether this kernel has samepage merging and its advisor, and the lab may use it (NETOPS_LAB_KSM=0: not,
    the peer of the benchmarks)."""
    return os.environ.get("NETOPS_LAB_KSM", "1") != "0" and all((folder / name).exists() for name in KSM_SETTINGS)


def page_merging_changes(folder: Path = KSM) -> dict[str, str]:
    """The ksmd settings `start_page_merging` would change, {file: value now} (none on a kernel without KSM)."""
    if not ksm_available(folder):
        return {}
    before: dict[str, str] = {}
    for name, wanted in KSM_SETTINGS.items():
        current = (folder / name).read_text().strip()
        if name == "advisor_mode":  # "[none] scan-time": the bracketed one is in force
            current = next((w.strip("[]") for w in current.split() if w.startswith("[")), current)
        if current != wanted:
            before[str(folder / name)] = current
    return before


def start_page_merging(folder: Path = KSM) -> None:
    """Run ksmd with the lab's settings (KSM_SETTINGS)."""
    for path in page_merging_changes(folder):
        Path(path).write_text(f"{KSM_SETTINGS[Path(path).name]}\n")


def restore_settings(before: dict[str, str]) -> list[str]:
    """Put back kernel settings the lab changed ({file, or KSMD_NICE_KEY: value before}); those put back."""
    written = []
    if KSMD_NICE_KEY in before:
        pid = ksmd_pid()
        if pid is not None:
            os.setpriority(os.PRIO_PROCESS, pid, int(before[KSMD_NICE_KEY]))
            written.append(KSMD_NICE_KEY)
    # run last: the advisor's settings are accepted while ksmd runs or not
    files = {name: value for name, value in before.items() if name != KSMD_NICE_KEY}
    for name, value in sorted(files.items(), key=lambda item: Path(item[0]).name == "run"):
        path = Path(name)
        if path.exists():
            path.write_text(f"{value}\n")
            written.append(name)
    return written
