"""Host kernel limits the lab needs: the neighbour (ARP) table is one table for every network namespace.

Linux keeps the IPv4 neighbour entries of all namespaces in one table, limited by the initial namespace's
`net.ipv4.neigh.default.gc_thresh1/2/3` (128 / 512 / 1024 by default). A lab of 166 routers and their LAN hosts
needs more entries than that: past the limit the kernel logs "neighbor table overflow" and drops the packets
that need a new entry, so the sites whose probes run last fail their reachability checks although their
network is fine. `up` raises the limits to the lab's size before it makes the namespaces, and never lowers them.
"""

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
