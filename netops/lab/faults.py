"""Faults: a link fails (both ends down), a router loses power (FRR stopped, its ports down), and both are
undone. Each is recorded in the state, so `up`, `status` and convergence keep those ports down."""

import difflib

from netops.lab import frr
from netops.lab.errors import LabError
from netops.lab.netns import ip_batch, stop_pids
from netops.lab.services import start_frr
from netops.lab.state import LabHome, LabState
from netops.lab.topology import LabPlan, LinkPlan


def down_interfaces(plan: LabPlan, state: LabState) -> dict[str, set[str]]:
    """Interfaces a fault keeps down: both ends of failed links, every WAN and LAN port of failed nodes."""
    down: dict[str, set[str]] = {}
    for link in plan.links:
        if link.id in state.failed_links:
            down.setdefault(link.upstream, set()).add(link.upstream_interface)
            down.setdefault(link.downstream, set()).add(link.downstream_interface)
    for device in state.failed_nodes:
        router = plan.router_by_device[device]
        down.setdefault(device, set()).update([p.name for p in router.wan] + [lan.name for lan in router.lans])
    return down


def fail_link(home: LabHome, a: str, b: str) -> list[str]:
    """Set both ends of every link between a and b down; the link ids."""
    return _switch_links(home, a, b, up=False)


def restore_link(home: LabHome, a: str, b: str) -> list[str]:
    """Set both ends of every link between a and b up again; the link ids."""
    return _switch_links(home, a, b, up=True)


def _switch_links(home: LabHome, a: str, b: str, up: bool) -> list[str]:
    with home.locked():
        plan, state = home.require()
        links = _links(plan, a, b)
        for link in links:
            _set_link(plan, link, up, state.failed_nodes)
            if up and link.id in state.failed_links:
                state.failed_links.remove(link.id)
            elif not up and link.id not in state.failed_links:
                state.failed_links.append(link.id)
        home.save(state)
    return [link.id for link in links]


def fail_node(home: LabHome, device: str) -> None:
    """A router loses power: its FRR stops (zebra withdraws its routes) and its WAN and LAN ports go down,
    so its neighbours and PCs see no carrier. Its management port and sshd stay up (like a console)."""
    with home.locked():
        plan, state = home.require()
        router = plan.router_by_device.get(device)
        if router is None:
            raise LabError(f"no device {device!r} in the lab", hint=_close(device, list(plan.router_by_device)))
        if router.runs_frr:
            stop_pids(frr.stop_targets(router.netns))
        ip_batch([f"link set {name} down" for name in [p.name for p in router.wan] + [x.name for x in router.lans]],
                 netns=router.netns)
        if device not in state.failed_nodes:
            state.failed_nodes.append(device)
        home.save(state)


def restore_node(home: LabHome, device: str) -> None:
    """Power the router back: its ports up (but those of failed links), FRR started from its saved config."""
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


def _set_link(plan: LabPlan, link: LinkPlan, up: bool, failed_nodes: list[str]) -> None:
    for device, name in ((link.upstream, link.upstream_interface), (link.downstream, link.downstream_interface)):
        if up and device in failed_nodes:
            continue  # a failed node's ports stay down until the node is restored
        ip_batch([f"link set {name} {'up' if up else 'down'}"], netns=plan.router_by_device[device].netns)


def _close(name: str, names: list[str]) -> str:
    close = difflib.get_close_matches(name, names, n=3)
    return f"devices like it: {', '.join(close)}" if close else "`netops lab status` lists the lab's devices"
