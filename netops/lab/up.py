"""`up`: make the lab, or what is missing of it.

`up` is convergent: it records in the state file what it is about to make, then makes what is missing
(a namespace, a veth pair, a daemon that is not running) and leaves what is there, so a second `up`
changes nothing and an interrupted one, re-run, completes (`down` undoes it: netops.lab.down).

Phases, in order (each needs the one before):
 1. preflight: root, FRR, sshd; render the configs when --configured (a render error stops here, before
    anything is made); refuse names taken by something the lab did not make;
 2. record the plan and every name it will use in the state file;
 3. files: the login user and keys, each router's FRR config dir (linked from /etc/frr/<netns>);
 4. namespaces (one `ip -batch`), then every veth pair and bridge (one `ip -batch` from the root);
 5. one bootstrap script per namespace (sysctls, addresses, routes, nftables), in parallel;
 6. FRR per router (in parallel), its host daemons (snmpd, chronyd, rsyslogd, lldpd, and keepalived where the
    router shares a LAN gateway: netops.lab.hostd), then one sshd per router and one listener per data-center
    host.

SIGINT, SIGTERM or the deadline stop it between two phases or two items (netops.lab.interrupt): what is in
flight finishes, what was started is recorded, and `LabInterruptedError` says what is left (`left_behind`).
"""

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from citynet_models.network import Network
from netops.design import Design, build_design, lab_settings
from netops.files import write_atomic
from netops.lab import frr, hostd, monitoring, sshd
from netops.lab.admission import Admission, cpu_wait_for
from netops.lab.configs import RenderedRouter, lab_secrets, render_configs
from netops.lab.down import stop_processes
from netops.lab.errors import LabError
from netops.lab.faults import down_interfaces, uncut
from netops.lab.interrupt import STOP, LabInterruptedError, Left
from netops.lab.kernel import (
    ksmd_priority_change,
    page_merging_changes,
    raise_ksmd_priority,
    raise_neighbour_limits,
    share_identical_pages,
    start_page_merging,
)
from netops.lab.netns import existing_namespaces, interfaces, ip_batch, netns_command, root_links, run
from netops.lab.pool import parallel
from netops.lab.preflight import check_traversable, preflight, refuse_foreign
from netops.lab.scripts import bridge_ports_script, host_script, router_script, segment_script
from netops.lab.services import start_frr, start_services
from netops.lab.state import LabHome, LabState
from netops.lab.topology import LabPlan, RouterPlan, management_branches, management_links
from netops.progress import ProgressSink as Progress
from netops.progress import quiet


@dataclass
class UpReport:
    """What `up` did."""

    namespaces_made: int = 0
    links_made: int = 0
    frr_started: int = 0
    sshd_started: int = 0
    listeners_started: int = 0
    monitoring_started: int = 0
    host_daemons_started: int = 0
    namespaces_removed: int = 0
    links_removed: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    #: Per phase that starts processes, the seconds its starts waited for room, summed over the parallel starts
    #: (netops.lab.admission): {"frr": {"cpu": .., "memory": ..}, ...}.
    waited: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        """Whether anything was made or started."""
        return bool(self.namespaces_made or self.links_made or self.frr_started or self.sshd_started
                    or self.listeners_started or self.host_daemons_started or self.monitoring_started
                    or self.namespaces_removed or self.links_removed)


#: The phases of every `up` (the NMS's comes on top when the plan has one), each timed in UpReport.seconds.
_PHASES = ("preflight", "files", "namespaces", "bootstrap", "frr", "host daemons", "services")


def bring_up(home: LabHome, network: Network, plan: LabPlan, configured: bool = False,
             design: Design | None = None, intent: str = "", progress: Progress = quiet,
             prune: bool = False) -> UpReport:
    """Make the lab (or what is missing of it); see the module docstring for the phases.

    Onto a complete lab of another plan (of the same mode: bootstrap or configured), `up` is a change of intent:
    the namespaces and links both plans have are left as they run, the new ones made, and those the new plan
    leaves out taken out with `prune` (else LabError, nothing changed).

    `design`: the run's design the configs are rendered from with `configured` (default: the network's under
    `lab_settings`: timers that follow the lab's size); its settings are recorded, so verification judges the
    routers by the same design."""
    preflight()
    report = UpReport()
    clock = time.monotonic()
    steps = progress.task("lab up", total=len(_PHASES) + (plan.monitoring is not None))

    def phase(name: str) -> None:
        nonlocal clock
        now = time.monotonic()
        report.seconds[name] = round(now - clock, 3)
        clock = now
        steps.advance()

    with steps, home.locked():
        try:
            STOP.check()
            design = design or build_design(network, lab_settings(len(plan.frr_routers())))
            return _up(home, design, plan, configured, intent, prune, progress, report, phase)
        except LabError:
            if home.load() is None:  # refused before anything was made: leave no trace either
                home.remove_files()
            raise
        except LabInterruptedError as stopped:
            stopped.left = left_behind(home, list(report.seconds))
            if stopped.left.state_file is None:  # stopped before anything was made: leave no trace either
                home.remove_files()
            raise


def left_behind(home: LabHome, phases_done: list[str]) -> Left:
    """What a stopped `up` leaves, from the state file (every name and process it made is recorded there)."""
    state = home.load()
    if state is None:
        return Left(home=str(home.path), state_file=None, phases_done=phases_done)
    existing = existing_namespaces()
    return Left(home=str(home.path), state_file=str(home.state_file), phases_done=phases_done,
                phase=next((name for name in (*_PHASES, "monitoring") if name not in phases_done), None),
                namespaces=sum(1 for name in state.namespaces if name in existing),
                processes=sum(1 for process in state.processes if process.alive()), complete=state.complete)


def _up(home: LabHome, design: Design, plan: LabPlan, configured: bool, intent: str, prune: bool,
        progress: Progress, report: UpReport, phase: Callable[[str], None]) -> UpReport:
    check_traversable(home.path)
    state = home.load()
    recorded = home.plan()
    if state is not None and (state.configured != configured
                              or (state.digest != plan.digest() and (recorded is None or not state.complete))):
        raise LabError(
            f"a lab of another plan is up from {home.path} (districts or areas: "
            f"{', '.join(state.districts) or 'the whole city'}; "
            f"{'configured' if state.configured else 'bootstrap'})",
            hint="netops lab down, then up again")
    if state is not None and recorded is not None and state.digest != plan.digest():
        # A change of intent onto the running lab: what both plans have is left as it is (provisioned configs,
        # adjacencies), what the new one lacks is taken out (--prune), the rest is made below.
        report.namespaces_removed, report.links_removed = _replan(home, state, recorded, plan, prune, progress)
        state.digest, state.intent, state.districts = plan.digest(), intent, list(plan.districts)
        home.save(state)
    state = state or LabState(digest=plan.digest(), configured=configured, intent=intent,
                              districts=list(plan.districts))
    refuse_foreign(plan, state)
    # The secrets are made in every mode: provisioning pushes configs to a bootstrap lab with them.
    secret_values = lab_secrets(home)
    rendered: dict[str, RenderedRouter] = {}
    if configured:
        progress(f"rendering the configs of {len(plan.frr_routers())} routers")
        rendered = render_configs(design, plan, secret_values)
        state.settings = design.settings.model_dump(mode="json")
    phase("preflight")
    # Each phase starts only when no stop is asked: between two phases nothing is half made (netops.lab.interrupt).
    STOP.check()
    user = sshd.login_user()
    was_complete = _record(home, plan, state, user)

    STOP.check()
    progress("files: login user, keys, router config dirs")
    _files(home, plan, state, user, rendered)
    phase("files")
    STOP.check()
    raised = raise_neighbour_limits(plan)
    if raised:
        progress("host neighbour table limits raised for the lab: "
                 + ", ".join(f"{name} {before} -> {after}" for name, (before, after) in raised.items()))
    # Recorded before ksmd is started, so that `down` of an interrupted `up` puts the machine's settings back.
    state.kernel_settings = {**page_merging_changes(), **ksmd_priority_change(), **state.kernel_settings}
    home.save(state)
    start_page_merging()
    raise_ksmd_priority()
    share_identical_pages()
    progress(f"namespaces and links: {len(plan.routers)} routers, {len(plan.hosts)} hosts")
    report.namespaces_made, report.links_made, touched = _namespaces_and_links(plan)
    phase("namespaces")
    STOP.check()
    # After a complete `up`, only what was (re)made now needs its bootstrap: a second `up` changes
    # nothing (not even nftables counters). After an interrupted one, every namespace gets it again.
    todo = set(plan.namespaces()) if not was_complete else touched
    progress(f"bootstrap scripts in {len(todo)} namespaces")
    _bootstrap(home, plan, state, rendered, todo)
    phase("bootstrap")
    STOP.check()
    # The CPU gate guards adjacencies that a busy start could cost: those of fast timers (netops.lab.admission).
    cpu_wait = cpu_wait_for(design.settings.ospf_timers if configured else None)
    gates = {name: Admission(what=what, max_cpu_wait_s=cpu_wait) for name, what in
             (("frr", "routers"), ("host daemons", "routers' host daemons"), ("services", "sshd and listeners"))}
    progress(f"FRR in {len(plan.frr_routers())} routers")
    report.frr_started = start_frr(home, state, [r for r in plan.frr_routers() if r.device not in state.failed_nodes],
                                   gates["frr"])
    report.waited["frr"] = gates["frr"].waited()
    phase("frr")
    STOP.check()
    progress("snmpd, chronyd, rsyslogd and lldpd per router, keepalived where a LAN gateway is shared")
    report.host_daemons_started = hostd.start_missing(home, plan, state, gates["host daemons"])
    report.waited["host daemons"] = gates["host daemons"].waited()
    phase("host daemons")
    STOP.check()
    progress("sshd per router, listeners per data-center host")
    report.sshd_started, report.listeners_started = start_services(home, plan, state, user, gates["services"])
    report.waited["services"] = gates["services"].waited()
    phase("services")
    if plan.monitoring is not None:
        STOP.check()
        progress(f"the NMS in {plan.monitoring.host}: Prometheus, snmp_exporter, blackbox_exporter")
        report.monitoring_started = monitoring.start(home, plan, state, design, secret_values)
        phase("monitoring")
    (home.known_hosts).write_text(sshd.known_hosts(home, list(plan.routers)))
    (home.ssh_config).write_text(sshd.ssh_config(home, list(plan.routers), user))
    state.complete = True
    home.save(state)
    return report


def _veths(plan: LabPlan) -> set[tuple[str, str, str, str]]:
    """Every veth pair of the plan: (netns, interface) of each end; netns "" is the root."""
    pairs = set()
    for link in plan.links:
        up, down = plan.router_by_device[link.upstream], plan.router_by_device[link.downstream]
        pairs.add((up.netns, link.upstream_interface, down.netns, link.downstream_interface))
    for host in plan.hosts:
        near = host.segment if host.segment is not None else plan.router_by_device[host.router].netns
        pairs.add((near, host.router_interface, host.netns, "eth0"))
    for segment in plan.segments:
        for member in segment.members:
            pairs.add((plan.router_by_device[member.device].netns, member.interface, segment.netns, member.port))
    for router in plan.routers:
        pairs.add(("", router.management_port, router.netns, "mgmt0"))
    if plan.monitoring is not None:
        pairs.add(("", plan.monitoring.management_port, plan.monitoring.netns, "mgmt0"))
    return pairs


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _replan(home: LabHome, state: LabState, old: LabPlan, new: LabPlan, prune: bool,
            progress: Progress) -> tuple[int, int]:
    """Take out of the running lab what the new plan leaves out: its namespaces (processes stopped first) and the
    veth pairs it no longer has; LabError without `prune` when there is any. (Namespaces, pairs removed.)"""
    gone = sorted(set(old.namespaces()) - set(new.namespaces()))
    stale = sorted(_veths(old) - _veths(new))
    if not gone and not stale:
        return 0, 0
    devices = [r.device for r in old.routers if r.netns in gone]
    if not prune:
        names = devices + [h.name for h in old.hosts if h.netns in gone]
        raise LabError(f"the new plan leaves out {_count(len(devices), 'router')}, "
                       f"{_count(len(gone) - len(devices), 'host')} and {_count(len(stale), 'link')} of the lab "
                       f"that is up ({', '.join(names[:8])}{' ...' if len(names) > 8 else ''})",
                       hint="netops lab up --prune takes them out (the rest is left as it runs); or netops lab down,"
                            " then up again")
    progress(f"taking out {_count(len(devices), 'router')}, {_count(len(gone) - len(devices), 'host')} and "
             f"{_count(len(stale), 'link')} the new plan leaves out")
    stop_processes(home, state, gone)
    # A cut link the new plan leaves out is plugged back first, so that deleting the pair takes its stand-in too.
    kept = {link.id for link in new.links}
    for link in old.links:
        if link.id in state.failed_links and link.id not in kept:
            uncut(old, link)
    # A pair is deleted from an end that stays (the root's, a surviving router's): a deleted namespace can
    # linger while sockets keep its veths, and a surviving router must not keep a port to nowhere.
    for a_ns, a_if, b_ns, b_if in stale:
        netns, name = (a_ns, a_if) if a_ns not in gone else (b_ns, b_if)
        if netns in gone:
            continue  # both ends go with their namespaces
        ip_batch([f"link del {name}"], netns=netns or None, force=True)
    made = existing_namespaces()
    ip_batch([f"netns del {name}" for name in gone if name in made], force=True)
    for router in old.routers:
        if router.netns in gone:
            etc = frr.ETC_FRR / router.netns
            if etc.is_symlink():
                etc.unlink()
            shutil.rmtree(frr.RUN_FRR / router.netns, ignore_errors=True)
            shutil.rmtree(hostd.run_dir(router), ignore_errors=True)
            shutil.rmtree(home.router_dir(router.device), ignore_errors=True)
    for netns in gone:
        home.script(netns).unlink(missing_ok=True)
    ports = {r.management_port for r in old.routers if r.netns in gone}
    state.namespaces = [n for n in state.namespaces if n not in gone]
    state.root_links = [n for n in state.root_links if n not in ports]
    state.etc_links = [e for e in state.etc_links if Path(e).name not in gone]
    state.run_dirs = [e for e in state.run_dirs if Path(e).name not in gone]
    state.processes = [p for p in state.processes if p.owner not in gone]
    state.failed_nodes = [d for d in state.failed_nodes if d not in devices]
    state.failed_links = [i for i in state.failed_links if i in {link.id for link in new.links}]
    return len(gone), len(stale)


def _record(home: LabHome, plan: LabPlan, state: LabState, user: str) -> bool:
    """Write-ahead: every name the lab will use, and the plan, before any of it is made; whether the lab
    recorded was complete."""
    state.namespaces = sorted(set(state.namespaces) | set(plan.namespaces()))
    state.root_links = sorted(set(state.root_links) | management_links(plan))
    state.etc_links = sorted(set(state.etc_links) | {str(frr.ETC_FRR / r.netns) for r in plan.frr_routers()})
    state.run_dirs = sorted(set(state.run_dirs) | {str(frr.RUN_FRR / r.netns) for r in plan.frr_routers()}
                            | {str(hostd.run_dir(r)) for r in plan.frr_routers()})
    if not sshd.user_exists(user):
        state.made_user = user
    if not sshd.PRIVSEP_DIR.exists() and str(sshd.PRIVSEP_DIR) not in state.made_files:
        state.made_files.append(str(sshd.PRIVSEP_DIR))
    if not frr.OSPF_GR_FILE.exists() and str(frr.OSPF_GR_FILE) not in state.made_files:
        state.made_files.append(str(frr.OSPF_GR_FILE))
    # What the routers' daemons and sshd binds need and the machine may lack (e.g. /etc/pam_radius_auth.conf
    # without pam_radius): made empty, removed by `down` while still empty.
    for path in [hostd.LLDPD_CHROOT, hostd.RUN_DIR, *hostd.mount_points_missing()]:
        if not path.exists() and str(path) not in state.made_files:
            state.made_files.append(str(path))
    was_complete = state.complete
    state.complete = False
    home.save(state)
    if not home.plan_file.exists() or home.plan_file.read_text() != plan.to_json():
        home.plan_file.write_text(plan.to_json())
    return was_complete


def _files(home: LabHome, plan: LabPlan, state: LabState, user: str, rendered: dict[str, RenderedRouter]) -> None:
    if state.made_user == user and not sshd.user_exists(user):
        sshd.create_user(user, home.user_home)
    if str(sshd.PRIVSEP_DIR) in state.made_files:
        sshd.ensure_privsep_dir()
    if str(hostd.LLDPD_CHROOT) in state.made_files:
        hostd.ensure_lldpd_chroot()
    hostd.make_mount_points([Path(p) for p in state.made_files if p in hostd.BINDS])
    sshd.ensure_client_key(home)

    def prepare(router: RouterPlan) -> None:
        sshd.ensure_host_key(home, router.device)
        if not router.runs_frr:
            return
        config = rendered[router.device].frr_conf if router.device in rendered else frr.bootstrap_config(router)
        frr.write_config_dir(home.frr_dir(router.device), router, config)
        frr.link_config_dir(router.netns, home.frr_dir(router.device))
        hostd.prepare(home, router, rendered[router.device].host if router.device in rendered else {})
        if router.device in rendered:
            path = home.router_dir(router.device) / "nftables.nft"
            write_atomic(path, rendered[router.device].nftables)
            path.chmod(0o600)

    home.router_dir("x").parent.mkdir(parents=True, exist_ok=True)
    home.router_dir("x").parent.chmod(0o755)
    parallel(prepare, list(plan.routers))


def _namespaces_and_links(plan: LabPlan) -> tuple[int, int, set[str]]:
    """Make the missing namespaces and links; (namespaces made, links made, namespaces touched)."""
    existing = existing_namespaces()
    new = [n for n in plan.namespaces() if n not in existing]
    ip_batch(f"netns add {name}" for name in new)
    present = dict(zip(plan.namespaces(), parallel(interfaces, plan.namespaces(), workers=16), strict=True))
    root = root_links()
    pairs = sorted(_veths(plan))
    lines: list[str] = []
    stray: list[tuple[str, str]] = []
    touched = set(new)
    made = 0

    def has(netns: str, name: str) -> bool:
        return name in (root if netns == "" else present[netns])

    for a_ns, a_if, b_ns, b_if in pairs:
        if has(a_ns, a_if) and has(b_ns, b_if):
            continue
        # Half a pair (an interrupted run): remove it and make the pair again.
        stray += [(netns, name) for netns, name in ((a_ns, a_if), (b_ns, b_if)) if has(netns, name)]
        lines.append(f"link add {a_if}{f' netns {a_ns}' if a_ns else ''} type veth peer name {b_if} netns {b_ns}")
        touched.update({a_ns, b_ns} - {""})
        made += 1
    for router in plan.routers:
        for lan in router.lans:
            if lan.bridged and not has(router.netns, lan.name):
                lines.insert(0, f"link add {lan.name} netns {router.netns} type bridge")
                touched.add(router.netns)
    for segment in plan.segments:
        if not has(segment.netns, segment.bridge):
            lines.insert(0, f"link add {segment.bridge} netns {segment.netns} type bridge")
            touched.add(segment.netns)
    branches = management_branches(plan)
    for branch in reversed(branches):
        if branch.bridge not in root:
            lines.insert(0, f"link add {branch.bridge} type bridge")
        if branch.uplink is not None and not (branch.uplink[0] in root and branch.uplink[1] in root):
            stray += [("", name) for name in branch.uplink if name in root]
            lines.append(f"link add {branch.uplink[0]} type veth peer name {branch.uplink[1]}")
    for netns, name in stray:
        ip_batch([f"link del {name}"], netns=netns or None, force=True)
    ip_batch(lines)
    # The root side: the bridges of the management network (the first with one of its reserved addresses), their
    # ports and the branches' uplinks.
    root_lines = []
    for branch in branches:
        root_lines += [f"link set {branch.bridge} type bridge stp_state 0 forward_delay 0",
                       f"link set {branch.bridge} up"]
        for port in branch.ports:
            root_lines += [f"link set {port} master {branch.bridge}", f"link set {port} up"]
        if branch.uplink is not None:
            root_lines += [f"link set {branch.uplink[0]} master {plan.management.bridge}",
                           f"link set {branch.uplink[1]} master {branch.bridge}",
                           f"link set {branch.uplink[0]} up", f"link set {branch.uplink[1]} up"]
    root_lines.insert(2, f"address replace {plan.management.root_address} dev {plan.management.bridge}")
    ip_batch(root_lines)
    return len(new), made, touched


def _bootstrap(home: LabHome, plan: LabPlan, state: LabState, rendered: dict[str, RenderedRouter],
               todo: set[str]) -> None:
    down = down_interfaces(plan, state)
    jobs: list[tuple[str, str]] = []
    for router in plan.routers:
        if router.netns not in todo:
            continue
        nft = home.router_dir(router.device) / "nftables.nft" if router.device in rendered else None
        text = router_script(router, down.get(router.device, set()), nft)
        ports = bridge_ports_script(router, plan.hosts, down.get(router.device, set()))
        if ports:
            text += "ip -batch - <<'EOF'\n" + "\n".join(ports) + "\nEOF\n"
        jobs.append((router.netns, text))
    nms = plan.monitoring
    jobs += [(host.netns, host_script(host, nms.management if nms is not None and nms.host == host.name else None))
             for host in plan.hosts if host.netns in todo]
    jobs += [(segment.netns, segment_script(segment, plan.hosts)) for segment in plan.segments
             if segment.netns in todo]
    scripts = home.path / "netns"
    scripts.mkdir(parents=True, exist_ok=True)

    def execute(job: tuple[str, str]) -> None:
        netns, text = job
        path = home.script(netns)
        write_atomic(path, text)
        run(netns_command(netns, ["sh", str(path)]))

    parallel(execute, jobs)
