"""Failover in the lab, measured: a router fails (`fail node`), and the clock runs until every site's PCs reach
again everything their policy grants them (the probes netops verify runs). Sites the failure cuts off by
design (every uplink of theirs ends on the failed router: a single-homed ward the city accepts as a risk) are
named, not waited for. What is timed is what answered just before the failure (a sweep of the granted probes
right before it): a probe that failed already is not the failover's, and is reported apart.

The figure is the time from the failure (the instant its ports go down: netops.lab.faults.fail_node takes them
down first) to the end of the probe sweep in which the last granted probe answered; its resolution is one sweep
of the probes still failing (each waits `probe_timeout` at most). A confirming sweep of every granted probe
follows, so a probe that answered once and failed again is not counted as recovered.
"""

import time
from collections import deque
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from citynet_models.network import Network
from netops.lab.lab import Lab
from netops.lab.probe import Probe, run_probes
from netops.lab.reach import expectations
from netops.lab.topology import LabPlan
from netops.lab.vrrp import groups

#: Seconds a probe that did not answer in the sweep before a failure gets to answer when asked again.
BEFORE_RETRY_TIMEOUT = 2.0


@dataclass
class Recovery:
    """How long until every probe answered (None: not within the time allowed) and what still failed then."""

    seconds: float | None
    sweeps: int
    failing: list[str] = field(default_factory=list)


def cut_sites(network: Network, plan: LabPlan, failed: Collection[str]) -> list[str]:
    """The sites of the lab none of whose devices has a path over the lab's links to a working device of the data
    center once `failed` are down, in the model's order."""
    down = set(failed)
    neighbours: dict[str, set[str]] = {}
    for link in plan.links:
        if link.upstream not in down and link.downstream not in down:
            neighbours.setdefault(link.upstream, set()).add(link.downstream)
            neighbours.setdefault(link.downstream, set()).add(link.upstream)
    centres = {s.slug for s in network.sites if s.kind == "data_center"}
    queue = deque(r.device for r in plan.routers if r.site in centres and r.device not in down)
    reached = set(queue)
    while queue:
        for peer in neighbours.get(queue.popleft(), ()):
            if peer not in reached:
                reached.add(peer)
                queue.append(peer)
    in_lab = {r.site for r in plan.routers}
    alive = {r.site for r in plan.routers if r.device in reached}
    return [s.slug for s in network.sites if s.slug in in_lab and s.slug not in alive]


def accepted(network: Network, site: str) -> bool:
    """Whether the city's design accepts a risk for the site (an accepted risk naming it, its kind and level)."""
    found = network.site_by_slug[site]
    return any(any(fnmatchcase(site, pattern) for pattern in risk.sites)
               and (not risk.site_kinds or found.kind in risk.site_kinds)
               and (not risk.levels or found.level in risk.levels)
               for risk in network.design.accepted_risks)


def granted(network: Network, plan: LabPlan, failed: Collection[str] = ()) -> list[Probe]:
    """Every probe a PC of the lab must get an answer to (services granted, its gateway, its routers' ssh from a
    management LAN), a failed router's own ssh left out, and those of the sites it cuts off."""
    cut = set(cut_sites(network, plan, failed)) if failed else set()
    pcs = [h for h in plan.hosts if h.kind == "pc" and h.site not in cut]
    return [probe for probe in expectations(network, plan, pcs, failed=failed) if probe.expect]


def until_reachable(probes: Sequence[Probe], since: float, timeout: float, probe_timeout: float = 0.5) -> Recovery:
    """Sweep the probes still failing until none is, then confirm with a sweep of them all; seconds from `since`
    (a time.monotonic() reading) to the sweep in which the last one answered."""
    pending = list(probes)
    deadline = since + timeout
    answered_at = since
    sweeps = 0
    while True:
        while pending:
            if time.monotonic() > deadline:
                return Recovery(None, sweeps, [f"{p}" for p in pending])
            results = run_probes(pending, timeout=probe_timeout)
            sweeps += 1
            now = time.monotonic()
            still = [r.probe for r in results if not r.ok]
            if len(still) < len(pending):
                answered_at = now
            pending = still
        confirm = run_probes(list(probes), timeout=probe_timeout)
        sweeps += 1
        pending = [r.probe for r in confirm if not r.ok]
        if not pending:
            return Recovery(round(answered_at - since, 3), sweeps)


def until_held(plan: LabPlan, wanted: dict[str, str], timeout: float,
               interval: float = 0.2) -> dict[str, tuple[str, ...]]:
    """Wait until each shared LAN named in `wanted` (segment namespace -> member) is held by that member alone;
    who holds each shared LAN, as last seen."""
    deadline = time.monotonic() + timeout
    while True:
        held = {group.netns: group.masters for group in groups(plan)}
        if all(held.get(netns) == (device,) for netns, device in wanted.items()) or time.monotonic() > deadline:
            return held
        time.sleep(interval)


@dataclass
class Failover:
    """One failure of a router and its recovery."""

    device: str
    #: From the failure to every granted probe answering again (None: not within the time allowed).
    seconds: float | None
    #: How long `fail node` itself took (ports down, then FRR and keepalived stopped).
    fail_command_s: float
    #: Shared LANs the router was master of, and who holds each after the failover.
    taken_over: dict[str, tuple[str, ...]]
    #: Sites the failure cuts off by design (not waited for).
    cut: list[str]
    failing: list[str]
    #: Granted probes that did not answer right before the failure (not the failover's doing; not timed).
    failing_before: list[str] = field(default_factory=list)


def fail_and_measure(lab: Lab, network: Network, plan: LabPlan, device: str, timeout: float = 60,
                     probe_timeout: float = 0.5) -> Failover:
    """Fail `device` and time the recovery of every granted probe that answered before it (see the module)."""
    probes = granted(network, plan, failed=[device])
    before = run_probes(probes, timeout=probe_timeout)
    # A probe slower than the sweep's short timeout on a loaded machine is not a failing one: it is asked once more,
    # with time to answer, before it is set apart as failing before the failure.
    again = {r.probe for r in run_probes([r.probe for r in before if not r.ok], timeout=BEFORE_RETRY_TIMEOUT)
             if r.ok}
    answering = [r.probe for r in before if r.ok or r.probe in again]
    failing_before = [str(r.probe) for r in before if not r.ok and r.probe not in again]
    probes = answering
    mastered = [g for g in groups(plan) if g.masters == (device,)]
    started = time.monotonic()
    lab.fail_node(device)
    command = time.monotonic() - started
    recovery = until_reachable(probes, started, timeout, probe_timeout)
    after = {g.netns: g.masters for g in groups(plan)}
    return Failover(device=device, seconds=recovery.seconds, fail_command_s=round(command, 3),
                    taken_over={g.netns: after[g.netns] for g in mastered},
                    cut=cut_sites(network, plan, [device]), failing=recovery.failing,
                    failing_before=failing_before)
