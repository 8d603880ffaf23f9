"""The lab's processes: FRR per router, one sshd per router, one listener per data-center host. Each is
recorded in the state with its pid and a marker of its command line, so `down` stops exactly these."""

import subprocess
import sys
import time
from pathlib import Path

from netops.lab import frr, hostd, sshd
from netops.lab.admission import Admission
from netops.lab.errors import LabRuntimeError
from netops.lab.interrupt import STOP
from netops.lab.netns import daemon_command, in_namespace, port_open, stop_pids
from netops.lab.pool import parallel
from netops.lab.state import LabHome, LabState, Process
from netops.lab.topology import HostPlan, LabPlan, RouterPlan

LISTENER = Path(__file__).with_name("listener.py")
#: Who starts first: the routers others peer with.
_START_ORDER = {"core": 0, "firewall": 0, "aggregation": 1}


def start_frr(home: LabHome, state: LabState, routers: list[RouterPlan],
              admission: Admission | None = None) -> int:
    """Start FRR in the routers where it is not up (stopping what is left of an earlier instance) and record
    the daemons of all of them; how many were started. LabRuntimeError when one does not come up in time, or
    when the machine runs short of memory (netops.lab.admission): what was started is recorded either way, also
    when the run is asked to stop (netops.lab.interrupt).

    The core and firewalls start first, then the aggregation routers, then the sites' routers: a site's router
    that comes up finds the routers it peers with already there, and each start waits for room (`admission`, by
    default one that waits for the CPU as on fast timers)."""
    todo = sorted((r for r in routers if not frr.is_up(r.netns)), key=lambda r: _START_ORDER.get(r.role.value, 2))
    gate = admission or Admission()
    started: list[RouterPlan] = []

    def start(router: RouterPlan) -> None:
        gate.admit(router.device, len(todo))
        stray = frr.stop_targets(router.netns)
        if stray:
            stop_pids(stray)
        frr.start(router)
        started.append(router)

    waiting: list[RouterPlan] = []
    try:
        parallel(start, todo)
    finally:
        # Also when the run is stopping: every instance started is waited for (every pid file) before its
        # daemons are recorded; none is left unrecorded.
        deadline = time.monotonic() + 60 + len(started) * 0.5
        waiting = list(started)
        while waiting and time.monotonic() < deadline:
            waiting = [r for r in waiting if not frr.is_up(r.netns)]
            if waiting:
                time.sleep(0.2)
        for router in routers:
            state.add_processes(frr.processes(router.netns))
        home.save(state)
    if waiting:
        raise LabRuntimeError(f"FRR did not start in {len(waiting)} router(s): "
                              + ", ".join(r.device for r in waiting[:5])
                              + f" (daemons: {frr.running(waiting[0].netns)})")
    return len(todo)


def start_services(home: LabHome, plan: LabPlan, state: LabState, user: str,
                   admission: Admission | None = None) -> tuple[int, int]:
    """An sshd per router and a listener per listening data-center host, where the recorded one does not run
    in its namespace, each through `admission` (default: one that waits for the CPU as on fast timers);
    (sshd started, listeners started)."""
    started_sshd: list[Process] = []
    started_listeners: list[Process] = []
    gate = admission or Admission(what="sshd and listeners")
    total = len(plan.routers) + sum(1 for host in plan.hosts if host.kind == "server" and host.listens)
    def start_sshd(router: RouterPlan) -> None:
        known = state.process("sshd", router.netns)
        if known is None or not known.alive() or not in_namespace(known.pid, router.netns):
            gate.admit(router.device, total)
            STOP.check()
            if known is not None and known.alive():
                stop_pids([known.pid])  # left in a namespace of that name that was deleted
            started_sshd.append(sshd.start(home, router, user))
            hostd.mark_sshd_loaded(home, state, router)

    try:
        parallel(start_sshd, list(plan.routers))  # in parallel, as FRR and the host daemons start
        _wait_listening([router for router in plan.routers
                         if any(process.owner == router.netns for process in started_sshd)])
        for host in plan.hosts:
            if host.kind != "server" or not host.listens:
                continue
            known = state.process("listener", host.netns)
            if known is None or not known.alive() or not in_namespace(known.pid, host.netns):
                gate.admit(host.name, total)
                STOP.check()
                if known is not None and known.alive():
                    stop_pids([known.pid])
                started_listeners.append(_start_listener(home, host))
    finally:
        # Whatever stops the loop (a request to stop, a failure), what was started is recorded.
        state.add_processes(started_sshd + started_listeners)
        home.save(state)
    return len(started_sshd), len(started_listeners)


#: How long `up` waits for a started sshd to accept connections (a busy machine starts 50 in a few seconds).
SSHD_READY_SECONDS = 30.0


def _wait_listening(routers: list[RouterPlan]) -> None:
    """Wait until every router's new sshd accepts connections on its management address, so that the lab `up`
    returns is one `status`, NAPALM and Ansible can log in to; one still silent at the deadline is left to
    `status` to report."""
    deadline = time.monotonic() + SSHD_READY_SECONDS
    waiting = routers
    while waiting and time.monotonic() < deadline:
        answers = parallel(lambda router: port_open(str(router.management.ip), 22, timeout=0.5), waiting,
                           workers=32)
        waiting = [router for router, up in zip(waiting, answers, strict=True) if not up]
        if waiting:
            time.sleep(0.2)


def _start_listener(home: LabHome, host: HostPlan) -> Process:
    log = home.listener_log(host.netns)
    log.parent.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-I", str(LISTENER), "--home", str(home.path), "--name", host.name,
            "--services", ",".join(host.services), "--user", "nobody"]
    for listen in host.listens:
        argv += [f"--{listen.protocol}", str(listen.port)]
    argv = daemon_command(host.netns, argv)
    with log.open("ab") as stream:
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=stream, stderr=stream,
                                   start_new_session=True)
    return Process(kind="listener", owner=host.netns, pid=process.pid, marker=f"--name {host.name}")
