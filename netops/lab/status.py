"""`status`: whether each namespace exists, each daemon (FRR's, the host's) and sshd runs, each management port
answers, each data-center host's listener runs, which router holds each shared LAN's gateway (netops.lab.vrrp:
the virtual address on the member's interface), and which faults are in force."""

from dataclasses import dataclass, field

from netops.lab import frr, hostd, monitoring
from netops.lab.faults import cut_in_force, down_interfaces
from netops.lab.netns import existing_namespaces, port_open
from netops.lab.pool import parallel
from netops.lab.state import LabHome, LabState
from netops.lab.vrrp import VrrpGroup, groups


@dataclass
class RouterStatus:
    """One router in `status`."""

    device: str
    netns: str
    management: str
    namespace: bool
    daemons: dict[str, bool]
    #: snmpd, chronyd, rsyslogd, lldpd (netops.lab.hostd): whether the recorded process runs in the namespace.
    host_daemons: dict[str, bool]
    sshd: bool
    ssh_open: bool
    failed: bool
    failed_links: list[str]
    #: Whether its keepalived runs (None: the router shares no LAN gateway). A failed router's is stopped.
    keepalived: bool | None = None


@dataclass
class HostStatus:
    """One host namespace in `status`."""

    name: str
    kind: str
    netns: str
    address: str
    namespace: bool
    listener: bool | None


@dataclass
class MonitoringStatus:
    """The lab's NMS in `status`: its daemons, and whether Prometheus answers at its URL."""

    host: str
    netns: str
    url: str
    daemons: dict[str, bool]
    ready: bool


@dataclass
class LabStatus:
    """`status`: the lab, each router and host."""

    up: bool
    home: str
    complete: bool = False
    configured: bool = False
    #: The intent folder the lab was brought up from, as `up` was given it (with --whole-city: the twin's).
    intent: str = ""
    districts: list[str] = field(default_factory=list)
    routers: list[RouterStatus] = field(default_factory=list)
    hosts: list[HostStatus] = field(default_factory=list)
    failed_links: list[str] = field(default_factory=list)
    failed_nodes: list[str] = field(default_factory=list)
    #: Faults the state records but the lab does not show any more: a cut link whose end is back in its router, a
    #: failed node whose FRR runs. `restore` puts the lab and the state in step again.
    faults_undone: list[str] = field(default_factory=list)
    monitoring: MonitoringStatus | None = None
    #: Each shared LAN and the members holding its virtual gateway now.
    vrrp: list[VrrpGroup] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        """Every namespace there, every daemon of a working router running, every sshd answering, and in a
        configured lab every shared LAN's gateway held by exactly one member."""
        return self.up and self.complete and all(
            r.namespace and r.sshd and r.ssh_open and all(r.host_daemons.values())
            and (r.failed or (all(r.daemons.values()) and r.keepalived is not False))
            for r in self.routers) and all(h.namespace and h.listener is not False for h in self.hosts) and (
            self.monitoring is None or (all(self.monitoring.daemons.values()) and self.monitoring.ready)) and (
            not self.configured or all(group.master is not None for group in self.vrrp))


def status(home: LabHome) -> LabStatus:
    """Each router, its daemons and its management reachability; each host and its listener."""
    state = home.load()
    plan = home.plan()
    if state is None or plan is None:
        return LabStatus(up=False, home=str(home.path))
    namespaces = existing_namespaces()
    open_ports = dict(zip([r.device for r in plan.routers],
                          parallel(lambda r: port_open(str(r.management.ip), 22), list(plan.routers), workers=32),
                          strict=True))
    # A router's own ports are down while it is failed; its row names only the failed links.
    failed_ports = down_interfaces(plan, LabState(failed_links=state.failed_links))
    routers = []
    for router in plan.routers:
        sshd_process = state.process("sshd", router.netns)
        routers.append(RouterStatus(
            device=router.device, netns=router.netns, management=str(router.management.ip),
            namespace=router.netns in namespaces,
            daemons=frr.running(router.netns) if router.runs_frr else {},
            host_daemons=hostd.running(state, router) if router.runs_frr else {},
            sshd=sshd_process is not None and sshd_process.alive(), ssh_open=open_ports[router.device],
            failed=router.device in state.failed_nodes,
            failed_links=sorted(failed_ports.get(router.device, set())),
            keepalived=hostd.running(state, router, (hostd.VRRP_DAEMON,))[hostd.VRRP_DAEMON]
            if router.runs_frr and router.vrrp else None))
    hosts = []
    for host in plan.hosts:
        listener = state.process("listener", host.netns)
        hosts.append(HostStatus(
            name=host.name, kind=host.kind, netns=host.netns, address=str(host.address),
            namespace=host.netns in namespaces,
            listener=None if host.kind == "pc" or not host.listens else listener is not None and listener.alive()))
    nms = None
    if plan.monitoring is not None:
        daemons = {}
        for kind in monitoring.KINDS:
            known = state.process(kind, plan.monitoring.netns)
            daemons[kind] = known is not None and known.alive()
        nms = MonitoringStatus(host=plan.monitoring.host, netns=plan.monitoring.netns,
                               url=monitoring.url(plan) or "", daemons=daemons, ready=monitoring.ready(plan.monitoring))
    undone = [f"link {link}" for link, held in cut_in_force(plan, state).items() if not held]
    undone += [f"node {r.device}" for r in routers if r.failed and any(r.daemons.values())]
    return LabStatus(up=True, home=str(home.path), complete=state.complete, configured=state.configured,
                     intent=state.intent,
                     districts=list(state.districts), routers=routers, hosts=hosts,
                     failed_links=list(state.failed_links), failed_nodes=list(state.failed_nodes),
                     faults_undone=undone, monitoring=nms, vrrp=groups(plan))


