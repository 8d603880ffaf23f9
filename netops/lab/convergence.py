"""Convergence: the OSPF adjacencies and BGP sessions the routers have, against those their saved configs ask
for on the working links and routers (faults taken into account), and every shared LAN's gateway held by one of
its members once their keepalived runs (VRRP elects a master only after its master-down interval, seconds after
the routing has converged)."""

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from netops.lab import frr, hostd, vrrp
from netops.lab.configs import saved_config
from netops.lab.netns import LabCommandError
from netops.lab.pool import parallel
from netops.lab.state import LabHome
from netops.lab.topology import RouterPlan
from netops.progress import ProgressSink as Progress
from netops.progress import quiet


@dataclass
class Convergence:
    """Adjacencies found against those expected, per router."""

    converged: bool
    seconds: float
    ospf: dict[str, tuple[int, int]]  # device -> (full, expected)
    bgp: dict[str, tuple[int, int]]  # device -> (established, configured towards lab routers)
    #: device -> the lab routers it expects a BGP session with that is not established
    bgp_missing: dict[str, list[str]] = field(default_factory=dict)
    #: device -> the shared LANs it speaks VRRP on whose gateway no member holds (or several do)
    vrrp: dict[str, list[str]] = field(default_factory=dict)

    def lagging(self) -> list[str]:
        """Routers not there yet."""
        return sorted({d for d, (n, e) in self.ospf.items() if n < e} | {d for d, (n, e) in self.bgp.items() if n < e}
                      | set(self.vrrp))

    def describe_lagging(self, limit: int = 10) -> str:
        """The first `limit` lagging routers with what each lacks, e.g. `dc-core-01 (BGP 28 of 29: no session
        with ubnd-phuong-truc-bach-r01)`."""
        parts = []
        for device in self.lagging()[:limit]:
            lacks = []
            full, expected = self.ospf.get(device, (0, 0))
            if full < expected:
                lacks.append(f"OSPF {full} of {expected} adjacencies Full")
            established, wanted = self.bgp.get(device, (0, 0))
            if established < wanted:
                missing = self.bgp_missing.get(device, [])
                lacks.append(f"BGP {established} of {wanted} sessions" + (
                    f": none with {', '.join(missing[:3])}{' ...' if len(missing) > 3 else ''}" if missing else ""))
            if self.vrrp.get(device):
                lacks.append(f"VRRP: no single master of {', '.join(self.vrrp[device][:3])}")
            parts.append(f"{device} ({'; '.join(lacks)})")
        more = len(self.lagging()) - limit
        return ", ".join(parts) + (f" and {more} more" if more > 0 else "")


def convergence(home: LabHome, devices: Iterable[str] | None = None) -> Convergence:
    """OSPF adjacencies and BGP sessions against what the routers' saved configs (frr.conf) ask for: an
    adjacency on every working link both ends run OSPF on (not passive), a session for every neighbor
    configured on one side and accepted on the other (configured too, or from a listen range) among the working
    routers. One vtysh call per router (of `devices`, or all)."""
    plan, state = home.require()
    started = time.monotonic()
    working = [r for r in plan.frr_routers() if r.device not in state.failed_nodes]
    configs = {r.device: saved_config(home.frr_dir(r.device) / "frr.conf") for r in working}
    expected_ospf = {r.device: 0 for r in working}
    for link in plan.links:
        if link.id in state.failed_links or not {link.upstream, link.downstream} <= set(configs):
            continue
        if link.upstream_interface in configs[link.upstream].ospf_interfaces \
                and link.downstream_interface in configs[link.downstream].ospf_interfaces:
            expected_ospf[link.upstream] += 1
            expected_ospf[link.downstream] += 1
    loopback = {r.device: str(r.loopback) for r in working if r.loopback is not None}
    device_of = {address: device for device, address in loopback.items()}
    # A session needs one side to name the other and the other to accept it (name it too, or take it from a
    # listen range: a route reflector's dynamic clients).
    expected_bgp: dict[str, set[str]] = {device: set() for device in configs}
    for device, config in configs.items():
        own = loopback.get(device)
        for address in config.bgp_neighbors:
            other = device_of.get(address)
            if own is not None and other is not None and configs[other].accepts(own):
                expected_bgp[device].add(address)
                expected_bgp[other].add(own)
    chosen = [r for r in working if devices is None or r.device in set(devices)]

    def look(router: RouterPlan) -> tuple[str, tuple[int, int], tuple[int, int], list[str]]:
        ospf = _ask(router.netns, "ospfd", "show ip ospf neighbor json")
        bgp = _ask(router.netns, "bgpd", "show bgp summary json")
        full = sum(1 for entries in ospf.get("neighbors", {}).values() for entry in entries
                   if str(entry.get("nbrState", entry.get("state", ""))).startswith("Full"))
        peers = bgp.get("ipv4Unicast", {}).get("peers", {})
        wanted = expected_bgp[router.device]
        up = {address for address, peer in peers.items() if address in wanted and peer.get("state") == "Established"}
        missing = sorted(device_of[address] for address in wanted - up)
        return router.device, (full, expected_ospf[router.device]), (len(up), len(wanted)), missing

    results = parallel(look, chosen, workers=4)
    ospf = {device: o for device, o, _, _ in results}
    bgp = {device: b for device, _, b, _ in results}
    missing = {device: m for device, _, _, m in results if m}
    unheld = _unheld_gateways(home, chosen)
    converged = all(n >= e for n, e in ospf.values()) and all(n >= e for n, e in bgp.values()) and not unheld
    return Convergence(converged, round(time.monotonic() - started, 3), ospf, bgp, missing, unheld)


def _unheld_gateways(home: LabHome, routers: list[RouterPlan]) -> dict[str, list[str]]:
    """Router -> the shared LANs (`site lan`) of `routers` that its keepalived serves and whose virtual gateway
    is held by no member, or by several. A member serves a LAN when its keepalived runs and its saved
    keepalived.conf has the LAN's virtual address (a bootstrap lab's keepalived runs with no instance until
    provisioning gives it one); a LAN no working member serves (not provisioned yet, every member failed)
    expects nothing."""
    plan, state = home.require()
    chosen = {r.device: r for r in routers}
    segments = [s for s in plan.segments if any(m.device in chosen for m in s.members)]
    if not segments:
        return {}
    configs = {device: set(hostd.saved_host_file(home, device, hostd.VRRP_DAEMON).split())
               for device, router in chosen.items() if device not in state.failed_nodes
               and hostd.running(state, router, (hostd.VRRP_DAEMON,))[hostd.VRRP_DAEMON]}
    unheld: dict[str, list[str]] = {}
    for segment in segments:
        virtual = f"{segment.virtual_address}"
        members = [m.device for m in segment.members if virtual in configs.get(m.device, set())]
        if members and len(vrrp.holders(plan, segment)) != 1:
            for device in members:
                unheld.setdefault(device, []).append(f"{segment.site} {segment.lan}")
    return unheld


def wait(home: LabHome, timeout: float = 120, interval: float = 1.0, progress: Progress = quiet,
         devices: Iterable[str] | None = None) -> Convergence:
    """Poll `convergence` of `devices` (default: every router) until each of their adjacencies is up or
    `timeout` seconds have passed. After the first round only the routers still lagging are polled (vtysh
    costs CPU the routers need to converge); once they are all there, they are all polled again to confirm."""
    chosen = None if devices is None else tuple(devices)
    started = time.monotonic()
    result = convergence(home, chosen)
    total = len(result.ospf)
    with progress.task("converging", total=total) as routers:
        there = 0

        def count(now: Convergence) -> None:
            # Routers there so far; one that falls back (a flapping adjacency) is not counted down.
            nonlocal there
            reached = total - len(now.lagging())
            if reached > there:
                routers.advance(reached - there)
                there = reached

        while True:
            count(result)
            if result.converged:
                confirmed = convergence(home, chosen)
                if confirmed.converged or time.monotonic() - started >= timeout:
                    confirmed.seconds = round(time.monotonic() - started, 3)
                    return confirmed
                result = confirmed
                continue
            if time.monotonic() - started >= timeout:
                final = convergence(home, chosen)
                final.seconds = round(time.monotonic() - started, 3)
                count(final)
                return final
            lagging = result.lagging()
            progress(f"{len(lagging)} routers not converged after {time.monotonic() - started:.0f} s")
            time.sleep(interval)
            result = convergence(home, lagging)


def _ask(netns: str, daemon: str, command: str) -> dict[str, Any]:
    """A daemon's JSON answer ({} when it does not answer: not started yet, or nothing to say)."""
    try:
        documents = _json_documents(frr.vty(netns, daemon, command, timeout=20))
    except LabCommandError:
        return {}
    return documents[0] if documents else {}


def _json_documents(text: str) -> list[dict[str, Any]]:
    """The JSON objects vtysh printed one after another."""
    decoder = json.JSONDecoder()
    documents = []
    index = 0
    text = text.strip()
    while index < len(text):
        try:
            value, end = decoder.raw_decode(text, index)
        except ValueError:
            break
        documents.append(value if isinstance(value, dict) else {})
        index = end
        while index < len(text) and text[index].isspace():
            index += 1
    return documents
