"""Faults: a link is cut (its cable unplugged), a router loses power (FRR stopped, its ports down), and both are
undone. Each is recorded in the state, so `up`, `status` and convergence keep them in force.

A cut must outlast a configuration push: FRR's zebra sets an interface it configures up, so a port merely set
down inside a router comes back with the next push. The lab's WAN links are veth pairs straight between two
router namespaces, so a cut takes the downstream router's end out of the router into the lab's own namespace
(:data:`FAULTS_NETNS`), where it stays down, and leaves in its place a stand-in of the same name whose peer is kept
down there too. Both routers then have their port, and no carrier on it whatever their FRR sets: the upstream
router's port lost its peer, the downstream router's port is a cable to nowhere. Restoring deletes the stand-in
and puts the original end back.
"""

import difflib
import hashlib

from netops.lab import frr, hostd
from netops.lab.errors import LabError
from netops.lab.kernel import share_identical_pages
from netops.lab.netns import existing_namespaces, interfaces, ip_batch, stop_pids
from netops.lab.services import start_frr
from netops.lab.state import LabHome, LabState
from netops.lab.topology import FAULTS_NETNS, LabPlan, LinkPlan


def down_interfaces(plan: LabPlan, state: LabState) -> dict[str, set[str]]:
    """Interfaces a fault keeps without carrier: both ends of cut links, every WAN and LAN port of failed
    nodes."""
    down: dict[str, set[str]] = {}
    for link in plan.links:
        if link.id in state.failed_links:
            down.setdefault(link.upstream, set()).add(link.upstream_interface)
            down.setdefault(link.downstream, set()).add(link.downstream_interface)
    for device in state.failed_nodes:
        router = plan.router_by_device[device]
        down.setdefault(device, set()).update([p.name for p in router.wan] + [lan.name for lan in router.lans])
    return down


def cut_names(link: LinkPlan) -> tuple[str, str]:
    """The names, in :data:`FAULTS_NETNS`, of a cut link's original downstream end and of its stand-in's peer."""
    digest = hashlib.sha1(link.id.encode(), usedforsecurity=False).hexdigest()[:10]
    return f"c{digest}", f"s{digest}"


def cut_in_force(plan: LabPlan, state: LabState) -> dict[str, bool]:
    """For each cut link of the state, whether its original end is held in :data:`FAULTS_NETNS` (a cut recorded
    but not in place was undone by something else, or made before cuts unplugged)."""
    if not state.failed_links:
        return {}
    held = interfaces(FAULTS_NETNS) if FAULTS_NETNS in existing_namespaces() else set()
    return {link.id: cut_names(link)[0] in held for link in plan.links if link.id in state.failed_links}


def fail_link(home: LabHome, a: str, b: str) -> list[str]:
    """Cut every link between a and b; the link ids."""
    with home.locked():
        plan, state = home.require()
        links = _links(plan, a, b)
        # Write-ahead: the namespace and the faults are recorded before anything is made, so `down` removes the
        # namespace and `restore` finds the links whatever step an interrupted run stopped at.
        if FAULTS_NETNS not in state.namespaces:
            state.namespaces.append(FAULTS_NETNS)
        state.failed_links += [link.id for link in links if link.id not in state.failed_links]
        home.save(state)
        if FAULTS_NETNS not in existing_namespaces():
            ip_batch([f"netns add {FAULTS_NETNS}"])
        for link in links:
            cut(plan, link, state.failed_nodes)
    return [link.id for link in links]


def restore_link(home: LabHome, a: str, b: str) -> list[str]:
    """Plug every link between a and b back in, its ends up (but those of failed nodes); the link ids."""
    with home.locked():
        plan, state = home.require()
        links = _links(plan, a, b)
        for link in links:
            uncut(plan, link)
            _set_up(plan, link, state.failed_nodes)
            if link.id in state.failed_links:
                state.failed_links.remove(link.id)
        home.save(state)
        if not state.failed_links and FAULTS_NETNS in state.namespaces:
            # Nothing is unplugged any more: the lab is as `up` made it, without the faults' namespace.
            if FAULTS_NETNS in existing_namespaces():
                ip_batch([f"netns del {FAULTS_NETNS}"])
            state.namespaces.remove(FAULTS_NETNS)
            home.save(state)
    return [link.id for link in links]


def cut(plan: LabPlan, link: LinkPlan, failed_nodes: list[str]) -> None:
    """Unplug a link (see the module); a step an interrupted run made is not made again."""
    held, stub = cut_names(link)
    netns, name = plan.router_by_device[link.downstream].netns, link.downstream_interface
    holding = interfaces(FAULTS_NETNS)
    if held not in holding and stub not in holding:
        ip_batch([f"link set {name} netns {FAULTS_NETNS} name {held}"], netns=netns)
        ip_batch([f"link set {held} down"], netns=FAULTS_NETNS)
    if stub not in holding:
        ip_batch([f"link add {name} netns {netns} type veth peer name {stub} netns {FAULTS_NETNS}"])
    if link.downstream not in failed_nodes:
        ip_batch([f"link set {name} up"], netns=netns)  # a port without a cable: up, no carrier


def uncut(plan: LabPlan, link: LinkPlan) -> None:
    """Undo :func:`cut`: the stand-in deleted, the original end back in its router under its name (down)."""
    held, stub = cut_names(link)
    if FAULTS_NETNS not in existing_namespaces():
        return
    holding = interfaces(FAULTS_NETNS)
    netns, name = plan.router_by_device[link.downstream].netns, link.downstream_interface
    if stub in holding:
        ip_batch([f"link del {stub}"], netns=FAULTS_NETNS)  # its peer, the stand-in, goes with it
    if held in holding:
        ip_batch([f"link set {held} netns {netns} name {name}"], netns=FAULTS_NETNS)


def fail_node(home: LabHome, device: str) -> None:
    """A router loses power: its WAN and LAN ports go down, so its neighbours and PCs see no carrier, then its
    FRR and its VRRP speaker stop (with its ports down it cannot say goodbye: the backup takes over when the
    master's advertisements stop, as after a power loss). Its management port and sshd stay up (like a
    console)."""
    with home.locked():
        plan, state = home.require()
        router = plan.router_by_device.get(device)
        if router is None:
            raise LabError(f"no device {device!r} in the lab", hint=_close(device, list(plan.router_by_device)))
        # The ports first: the instant of the failure, which failover times are measured from; then what ran.
        ip_batch([f"link set {name} down" for name in [p.name for p in router.wan] + [x.name for x in router.lans]],
                 netns=router.netns)
        if router.runs_frr:
            stop_pids(frr.stop_targets(router.netns))
            hostd.stop_vrrp(state, router)
        if device not in state.failed_nodes:
            state.failed_nodes.append(device)
        home.save(state)


def restore_node(home: LabHome, device: str) -> None:
    """Power the router back: its ports up (but those of failed links), FRR started from its saved config, and
    its VRRP speaker (which takes the gateway back as the model's preempt setting says)."""
    share_identical_pages()
    with home.locked():
        plan, state = home.require()
        router = plan.router_by_device.get(device)
        if router is None:
            raise LabError(f"no device {device!r} in the lab", hint=_close(device, list(plan.router_by_device)))
        if device in state.failed_nodes:
            state.failed_nodes.remove(device)
        down = down_interfaces(plan, state).get(device, set())
        ip_batch([f"link set {name} up" for name in [p.name for p in router.wan] + [x.name for x in router.lans]
                  if name not in down], netns=router.netns)
        home.save(state)
        if router.runs_frr:
            start_frr(home, state, [router])
            if hostd.start_vrrp(home, state, router):
                home.save(state)


def _links(plan: LabPlan, a: str, b: str) -> list[LinkPlan]:
    for device in (a, b):
        if device not in plan.router_by_device:
            raise LabError(f"no device {device!r} in the lab", hint=_close(device, list(plan.router_by_device)))
    links = plan.links_between(a, b)
    if not links:
        neighbours = sorted({lk.upstream if lk.downstream == a else lk.downstream for lk in plan.links_of(a)})
        raise LabError(f"no link between {a} and {b} in the lab",
                       hint=f"{a} has links to: {', '.join(neighbours) or 'nothing'}")
    return links


def _set_up(plan: LabPlan, link: LinkPlan, failed_nodes: list[str]) -> None:
    for device, name in ((link.upstream, link.upstream_interface), (link.downstream, link.downstream_interface)):
        if device in failed_nodes:
            continue  # a failed node's ports stay down until the node is restored
        ip_batch([f"link set {name} up"], netns=plan.router_by_device[device].netns)


def _close(name: str, names: list[str]) -> str:
    close = difflib.get_close_matches(name, names, n=3)
    return f"devices like it: {', '.join(close)}" if close else "`netops lab status` lists the lab's devices"
