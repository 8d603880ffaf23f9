"""The checks of `netops verify`, phase by phase, each result tied to the site it speaks for.

Phases (each independent of the others' outcome, so one run reports everything; the reachability probes run while
the control plane is read):
1. control plane, per router in the lab: NAPALM compliance_report against the spec generated from the model
   (interfaces up with their addresses, BGP sessions up) and the OSPF adjacencies the model implies;
2. reachability, per site LAN PC: the lab's policy probes (what the policy grants, TCP/UDP and ping to the
   gateway; what it denies: other wards, the management network, services not granted);
3. redundancy, per dual-homed site: at least two of its uplink OSPF adjacencies are Full;
4. monitoring, when the lab runs an NMS (or the phase is asked for): the NMS's Prometheus scraped every device
   over SNMP and pinged every LAN gateway of the sites (netops.verify.monitoring).
A site passes when every check of its devices and PCs passes.
"""

import json
import time
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from citynet_models.network import Network
from citynet_models.types import Redundancy
from netops.design import Design
from netops.lab.probe import run_probes
from netops.lab.reach import expectations
from netops.lab.sshd import login_user
from netops.lab.state import LabHome
from netops.lab.topology import LabPlan, in_network
from netops.progress import Progress, quiet
from netops.push.napalm import PushError, Target, connect
from netops.verify import monitoring as nms
from netops.verify.spec import device_spec, ospf_neighbors, wan_peers


@dataclass(frozen=True)
class Check:
    """One check's verdict, for one site."""

    site: str
    phase: str  # control | reachability | redundancy
    name: str
    ok: bool
    reason: str = ""


@dataclass
class SiteResult:
    """Every check of one site."""

    site: str
    name: str
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every check passed."""
        return all(check.ok for check in self.checks)

    @property
    def failures(self) -> list[Check]:
        """The checks that failed."""
        return [check for check in self.checks if not check.ok]


@dataclass
class Verification:
    """The result of a verification run, by site."""

    sites: list[SiteResult]
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether every site passed."""
        return all(site.ok for site in self.sites)

    @property
    def lost_reachability(self) -> list[str]:
        """Sites of which a PC misses something the policy grants (or reaches something it denies)."""
        return [s.site for s in self.sites if any(c.phase == "reachability" for c in s.failures)]

    @property
    def lost_redundancy(self) -> list[str]:
        """Dual-homed sites left with fewer than two working uplinks."""
        return [s.site for s in self.sites if any(c.phase == "redundancy" for c in s.failures)]


TargetFor = Callable[[str], Target]


def lab_targets(home: LabHome, plan: LabPlan) -> TargetFor:
    """How NAPALM reaches each router of the lab: its management address, the lab's login and host keys."""
    management = {r.device: str(r.management.ip) for r in plan.routers}
    options = {"key_file": str(home.client_key), "known_hosts_file": str(home.known_hosts), "ssh_strict": True}

    def target_for(device: str) -> Target:
        return Target("frr", management[device], login_user(), optional_args=options, timeout=30)

    return target_for


def _full_adjacencies(raw: Any) -> set[str]:
    """Interfaces with a Full OSPF adjacency, from `show ip ospf neighbor json` (FRR 8.x)."""
    data = json.loads(raw) if isinstance(raw, str) else raw
    found: set[str] = set()
    for entries in (data or {}).get("neighbors", {}).values():
        for entry in entries if isinstance(entries, list) else [entries]:
            state = str(entry.get("nbrState") or entry.get("state") or "")
            interface = str(entry.get("ifaceName") or entry.get("interfaceName") or "").split(":", 1)[0]
            if state.startswith("Full") and interface:
                found.add(interface)
    return found


def _failed_paths(report: dict[str, Any]) -> list[str]:
    """Short reasons from a NAPALM compliance_report: the getters and keys that did not comply."""
    reasons: list[str] = []
    for getter, result in report.items():
        if getter in {"complies", "skipped"} or not isinstance(result, dict) or result.get("complies", True):
            continue
        if result.get("nested") is False and "reason" in result:
            reasons.append(f"{getter}: {result['reason']}")
            continue
        present = result.get("present", {})
        missing = result.get("missing", [])
        bad = [key for key, value in present.items() if isinstance(value, dict) and not value.get("complies", True)]
        details = _nested_failures(present)
        extra = result.get("extra", [])
        parts = []
        if details or bad:
            parts.append("wrong " + ", ".join(details or bad))
        if missing:
            parts.append("missing " + ", ".join(str(m) for m in missing))
        if extra:
            parts.append("unexpected " + ", ".join(str(e) for e in extra))
        reasons.append(f"{getter}: {'; '.join(parts) or 'does not comply'}")
    return reasons


def _nested_failures(present: dict[str, Any], prefix: str = "") -> list[str]:
    out: list[str] = []
    for key, value in present.items():
        if not isinstance(value, dict) or value.get("complies", True):
            continue
        path = f"{prefix}{key}"
        diff = value.get("diff")
        if isinstance(diff, dict) and (diff.get("present") or diff.get("missing") or diff.get("extra")):
            inner = _nested_failures(diff.get("present", {}), f"{path}.")
            missing = [f"{path}.{m} missing" for m in diff.get("missing", [])]
            extra = [f"{path}.{e} unexpected" for e in diff.get("extra", [])]
            out.extend(inner + missing + extra or [path])
        elif "actual_value" in value:
            out.append(f"{path} is {value['actual_value']!r}, expected {value.get('expected_value')!r}")
        else:
            out.append(path)
    return out


def scope_of(plan: LabPlan, limit: set[str] | None = None) -> set[str]:
    """The devices verified: the lab's, narrowed to `limit` (e.g. the Ansible play's hosts) when given."""
    return {r.device for r in plan.routers if limit is None or r.device in limit}


def control_plane(design: Design, plan: LabPlan, target_for: TargetFor, workers: int = 8,
                  scope: set[str] | None = None,
                  progress: Progress = quiet) -> tuple[list[Check], dict[str, set[str]]]:
    """Compliance and OSPF checks of the lab routers in scope (default: all), against the run's design (the one
    provisioning rendered with); also the Full adjacencies found, by device. Nothing towards a device out of
    scope is expected (its links are not there)."""
    network = design.network
    devices = {d.name: d for d in network.devices}
    lab = scope_of(plan)
    present = lab if scope is None else scope
    routers = [r for r in plan.routers if r.runs_frr and devices[r.device].is_router and r.device in present]

    def one(device_name: str) -> tuple[list[Check], set[str]]:
        device = devices[device_name]
        site = device.site
        spec = device_spec(design.context(device), present, wan_peers(device), running=lab)
        wanted = ospf_neighbors(network, device, present)
        try:
            with connect(target_for(device_name)) as driver:
                report = driver.compliance_report(validation_source=spec)
                raw = driver.cli(["show ip ospf neighbor json"])
        except PushError as error:
            return [Check(site, "control", f"{device_name} reachable", False, error.detail)], set()
        except Exception as error:  # a getter that breaks is a failed check, not a crash of the run
            return [Check(site, "control", f"{device_name} getters", False, f"{type(error).__name__}: {error}")], set()
        full = _full_adjacencies(next(iter(raw.values()), "{}") if isinstance(raw, dict) else raw)
        reasons = _failed_paths(report)
        checks = [Check(site, "control", f"{device_name} compliance_report", bool(report.get("complies")),
                        "; ".join(reasons))]
        down = [f"{interface} to {peer}" for interface, peer in wanted.items() if interface not in full]
        checks.append(Check(site, "control", f"{device_name} OSPF adjacencies ({len(wanted)})", not down,
                            ("not Full: " + ", ".join(down)) if down else ""))
        return checks, full

    with ThreadPoolExecutor(max_workers=workers) as pool, \
            progress.task("verifying routers", total=len(routers)) as counted:
        def counting(device_name: str) -> tuple[list[Check], set[str]]:
            try:
                return one(device_name)
            finally:
                counted.advance()

        results = list(pool.map(counting, [r.device for r in routers]))
    checks = [c for result, _ in results for c in result]
    return checks, {r.device: full for r, (_, full) in zip(routers, results, strict=True)}


def reachability(network: Network, plan: LabPlan, timeout: float = 1.5,
                 scope: set[str] | None = None, failed: Collection[str] = ()) -> list[Check]:
    """The lab's policy probes from every PC (of the LANs of routers in scope), one check per probe; `failed`:
    the lab's failed routers, whose own ssh is expected of nobody (their LANs' other routers answer for them)."""
    site_of = {host.netns: host.site for host in plan.hosts}
    pcs = [h for h in plan.hosts if h.kind == "pc" and (scope is None or h.router in scope)]
    results = run_probes(expectations(network, plan, pcs, failed=failed), timeout=timeout)
    return [Check(site_of[r.probe.source], "reachability", str(r.probe), r.ok,
                  "" if r.ok else (r.detail or ("reached" if r.reached else "no answer")))
            for r in results]


def redundancy(network: Network, plan: LabPlan, adjacencies: dict[str, set[str]],
               scope: set[str] | None = None) -> list[Check]:
    """Dual-homed sites in the lab (routers in scope): at least two uplinks with a Full OSPF adjacency."""
    devices = {d.name: d for d in network.devices}
    present = scope_of(plan) if scope is None else scope
    checks: list[Check] = []
    for site in network.sites:
        if site.redundancy is not Redundancy.DUAL_HOMED:
            continue
        own = [r.device for r in plan.routers if r.site == site.slug and r.device in adjacencies]
        if not own:
            continue
        # Uplinks: links whose downstream end is one of the site's routers, towards another site's router.
        uplinks = [(link.downstream.device, link.downstream.interface, link.upstream.device)
                   for link in network.links if link.downstream.device in own
                   and devices[link.upstream.device].site != site.slug
                   and link.upstream.device in present]
        working = [u for u in uplinks if u[1] in adjacencies[u[0]]]
        lost = [f"{name} {interface} to {peer}" for name, interface, peer in uplinks if (name, interface, peer)
                not in working]
        checks.append(Check(site.slug, "redundancy", f"second path ({len(working)}/{len(uplinks)} uplinks up)",
                            len(working) >= 2, ("lost redundancy: down " + ", ".join(lost)) if len(working) < 2
                            else ""))
    return checks


def by_site(network: Network, plan: LabPlan, checks: list[Check], scope: set[str] | None = None) -> list[SiteResult]:
    """Group checks per site, every site of the lab (with a device in scope) listed, in the model's order."""
    present = scope_of(plan) if scope is None else scope
    in_lab = ({r.site for r in plan.routers if r.device in present}
              | {h.site for h in plan.hosts if h.router in present})
    sites = {s.slug: SiteResult(s.slug, s.name) for s in network.sites if s.slug in in_lab}
    for check in checks:
        sites.setdefault(check.site, SiteResult(check.site, check.site)).checks.append(check)
    return list(sites.values())


PHASES = ("control", "reachability", "redundancy", "monitoring")
#: What a rollout or decommission verifies: the NMS's targets are the lab's export, made by `netops lab up`.
NETWORK_PHASES = PHASES[:3]


def run_verification(design: Design, plan: LabPlan, target_for: TargetFor, *,
                     phases: Collection[str] = NETWORK_PHASES,
                     timeout: float = 1.5, workers: int = 8, scope: set[str] | None = None,
                     progress: Progress = quiet, failed: Collection[str] = ()) -> Verification:
    """The phases asked for (control plane, reachability, redundancy) on the lab routers in scope, by site. A lab
    router or host the design's network has not (a decommissioned site's, still in the lab) is not verified.
    `failed`: the lab's failed routers (`netops lab fail node`): the reachability phase expects nothing of their
    own ssh, so it judges what a failover must keep, every site reaching its services."""
    network = design.network
    plan = in_network(plan, network)
    scope = None if scope is None else scope & set(network.device_by_name)
    checks: list[Check] = []
    seconds: dict[str, float] = {}
    adjacencies: dict[str, set[str]] = {}

    def probes() -> list[Check]:
        started = time.monotonic()
        found = reachability(network, plan, timeout=timeout, scope=scope, failed=failed)
        seconds["reachability"] = time.monotonic() - started
        return found

    def watched() -> list[Check]:
        started = time.monotonic()
        found = nms.monitoring(network, plan, scope)
        seconds["monitoring"] = time.monotonic() - started
        return found

    # The probes run while the control plane is read: neither depends on the other, the probes mostly wait on
    # filtered traffic and the control plane on the routers, so the run lasts about as long as the longer one.
    # The monitoring phase mostly waits for Prometheus' next scrapes: it runs beside the others too.
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="netops-verify-background") as background:
        probing = background.submit(probes) if "reachability" in phases else None
        watching = background.submit(watched) if "monitoring" in phases else None
        if {"control", "redundancy"} & set(phases):
            started = time.monotonic()
            control, adjacencies = control_plane(design, plan, target_for, workers=workers, scope=scope,
                                                 progress=progress)
            if "control" in phases:
                checks += control
            seconds["control"] = time.monotonic() - started
        if probing is not None:
            checks += probing.result()
        if watching is not None:
            checks += watching.result()
    if "redundancy" in phases:
        checks += redundancy(network, plan, adjacencies, scope)
    return Verification(by_site(network, plan, checks, scope), dict(sorted(seconds.items(), key=_phase_order)))


def _phase_order(item: tuple[str, float]) -> int:
    return PHASES.index(item[0])
