"""The lab's life cycle: up, down, status, faults, convergence.

`up` is convergent: it records in the state file what it is about to make, then makes what is missing
(a namespace, a veth pair, a daemon that is not running) and leaves what is there, so a second `up`
changes nothing and an interrupted one, re-run, completes. `down` removes exactly what the state file
lists, whatever of it exists, so a lab left by a crashed run is cleaned by the next `down`.

Phases of `up`, in order (each needs the one before):
 1. preflight: root, FRR, sshd; render the configs when --configured (a render error stops here, before
    anything is made); refuse names taken by something the lab did not make;
 2. record the plan and every name it will use in the state file;
 3. files: the login user and keys, each router's FRR config dir (linked from /etc/frr/<netns>);
 4. namespaces (one `ip -batch`), then every veth pair and bridge (one `ip -batch` from the root);
 5. one bootstrap script per namespace (sysctls, addresses, routes, nftables), in parallel;
 6. FRR per router (in parallel), then one sshd per router and one listener per data-center host.
"""

import contextlib
import itertools
import json
import os
import secrets as random_secrets
import shutil
import socket
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from ipaddress import IPv4Network, ip_network
from pathlib import Path
from typing import Any

from citynet_models.network import Network
from citynet_models.types import Platform
from netops.design import LAB_SETTINGS, Design, RenderSettings, build_design
from netops.errors import NetopsError
from netops.files import write_atomic
from netops.lab import frr, sshd
from netops.lab.netns import (
    LabCommandError,
    alive,
    existing_namespaces,
    in_namespace,
    interfaces,
    ip_batch,
    namespace_pids,
    root_links,
    run,
    stop_pids,
)
from netops.lab.state import LabHome, LabState, Process, process_matches
from netops.lab.topology import HostPlan, LabPlan, LinkPlan, RouterPlan
from netops.progress import ProgressSink as Progress
from netops.progress import quiet
from netops.render.engine import Job, render_devices
from netops.render.secrets import SECRETS, from_environment, substitute

LISTENER = Path(__file__).with_name("listener.py")
#: The lab's own nftables table in every router: the management port is never forwarded to or from,
#: as a management VRF would keep it (the lab kernel has no VRF module). The rendered policy is a table of
#: its own (inet netops) and never touches this one.
OOB_TABLE = """table inet netops_lab
delete table inet netops_lab
table inet netops_lab {
\tchain forward {
\t\ttype filter hook forward priority -10; policy accept;
\t\tiifname "mgmt0" drop
\t\toifname "mgmt0" drop
\t}
}
"""
OSPF_GR_FILE = frr.RUN_FRR / "ospfd-gr.json"


class LabError(NetopsError):
    """The lab cannot do what was asked (bad usage or a machine that cannot run it): exit 2."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message)


class LabRuntimeError(NetopsError):
    """The lab was asked something sound but the machine did not do it (a daemon that does not start): exit 1."""


def _workers() -> int:
    return max(2, min(8, 2 * (os.cpu_count() or 1)))


def _parallel(function: Callable[[Any], Any], items: Sequence[Any], workers: int | None = None) -> list[Any]:
    if not items:
        return []
    with ThreadPoolExecutor(max_workers=min(workers or _workers(), len(items))) as pool:
        return list(pool.map(function, items))


# ----------------------------------------------------------------------------------------------------------
# Preflight


def preflight() -> None:
    """Root and the programs the lab runs; LabError naming the Debian package of what is missing."""
    if os.geteuid() != 0:
        raise LabError("the lab needs root (network namespaces, veth pairs, FRR, sshd)",
                       hint="run it as root, e.g. sudo .venv/bin/netops lab up")
    missing = {**frr.missing(), **sshd.missing()}
    for program, package in (("ip", "iproute2"), ("nft", "nftables"), ("unshare", "util-linux")):
        if shutil.which(program) is None:
            missing[program] = package
    if missing:
        packages = sorted(set(missing.values()))
        raise LabError(f"missing: {', '.join(sorted(missing))}",
                       hint=f"install the Debian package{'s' if len(packages) > 1 else ''} {' '.join(packages)} "
                            "(scripts/install-system-packages installs everything the project needs)")


def _check_traversable(path: Path) -> None:
    """The frr user and the login user must reach the per-router folders."""
    for parent in [path, *path.parents]:
        if parent.exists() and not parent.stat().st_mode & 0o001:
            raise LabError(f"{parent} is not searchable by other users (mode {parent.stat().st_mode & 0o777:o}); "
                           "FRR (user frr) and the router login user must traverse the lab home",
                           hint=f"chmod o+x {parent}, or set NETOPS_LAB_HOME to a folder under /var/tmp")


# ----------------------------------------------------------------------------------------------------------
# Configs


def lab_secrets(home: LabHome) -> dict[str, str]:
    """Values of the render secrets: NETOPS_SECRET_* from the environment, else lab values kept in
    <home>/secrets.env (made once, mode 600), so provisioning can push the same configs."""
    values = from_environment()
    stored: dict[str, str] = {}
    if home.secrets_file.exists():
        for line in home.secrets_file.read_text().splitlines():
            key, _, value = line.partition("=")
            if key.startswith("NETOPS_SECRET_"):
                stored[key.removeprefix("NETOPS_SECRET_").lower()] = value
    for name in SECRETS:
        if name not in stored:
            stored[name] = random_secrets.token_hex(8)  # 16 characters: the MD5 key limit of FRR and IOS-XE
    text = "".join(f"NETOPS_SECRET_{name.upper()}={value}\n" for name, value in sorted(stored.items()))
    home.path.mkdir(parents=True, exist_ok=True)
    if not home.secrets_file.exists() or home.secrets_file.read_text() != text:
        home.secrets_file.write_text(text)
    home.secrets_file.chmod(0o600)
    return {**stored, **values}


@dataclass(frozen=True)
class RenderedRouter:
    """What `--configured` loads into a router."""

    frr_conf: str
    nftables: str


def render_configs(design: Design, plan: LabPlan, secret_values: dict[str, str]) -> dict[str, RenderedRouter]:
    """The rendered frr.conf and nftables of every lab router (as FRR) from the run's design, secrets filled in;
    LabError on a gap."""
    names = [r.device for r in plan.frr_routers()]
    job = Job(design=design, template_dirs=(), as_platform=Platform.FRR)
    outcome = render_devices(job, names, workers=1 if len(names) < 80 else None)
    if outcome.gaps or outcome.failures:
        first = (outcome.gaps or outcome.failures)[0]
        raise LabError(f"the configs cannot be rendered for the lab: {first}",
                       hint="`netops render --as-platform frr` shows every problem")
    return {r.device: RenderedRouter(substitute(r.files["cfg"], secret_values),
                                     substitute(r.files.get("nft", ""), secret_values))
            for r in outcome.rendered}


# ----------------------------------------------------------------------------------------------------------
# Bootstrap scripts


def router_script(router: RouterPlan, down: set[str], nftables: Path | None) -> str:
    """Inside a router: forwarding on, IPv6 off, room for a multicast membership per OSPF interface, links
    up (but the failed ones), management address, the OOB table, and the rendered nftables when configured.
    WAN and LAN addresses are FRR's (from frr.conf); a switch has no FRR, so its addresses are set here."""
    # igmp_max_memberships: ospfd joins AllSPFRouters on every OSPF interface with one socket, and the
    # kernel's default of 20 memberships per socket leaves the 21st interface deaf (no adjacency, ever).
    lines = ["set -e",
             "sysctl -q -w net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv6.conf.all.disable_ipv6=1"
             " net.ipv6.conf.default.disable_ipv6=1 net.ipv4.igmp_max_memberships=1024",
             "ip -batch - <<'EOF'", "link set lo up", f"address replace {router.management} dev mgmt0",
             "link set mgmt0 up"]
    for port in router.wan:
        if not router.runs_frr:
            lines.append(f"address replace {port.address} dev {port.name}")
        if port.name not in down:
            lines.append(f"link set {port.name} up")
    for lan in router.lans:
        if lan.bridged:
            lines.append(f"link set {lan.name} type bridge stp_state 0 forward_delay 0")
        if not router.runs_frr:
            lines.append(f"address replace {lan.gateway} dev {lan.name}")
        if lan.name not in down:
            lines.append(f"link set {lan.name} up")
    lines.append("EOF")
    lines += ["nft -f - <<'EOF'", OOB_TABLE.rstrip("\n"), "EOF"]
    if nftables is not None:
        lines.append(f"nft -f {nftables}")
    return "\n".join(lines) + "\n"


def bridge_ports_script(router: RouterPlan, hosts: Iterable[HostPlan], down: set[str]) -> list[str]:
    """`ip -batch` lines enslaving the data-center hosts' ports to their LAN's bridge."""
    lines = []
    for host in hosts:
        if host.router == router.device and host.router_interface != host.lan_interface:
            lines.append(f"link set {host.router_interface} master {host.lan_interface}")
            if host.lan_interface not in down:
                lines.append(f"link set {host.router_interface} up")
    return lines


def host_script(host: HostPlan) -> str:
    """Inside a host: its address on eth0 and the default route via its gateway."""
    return "\n".join([
        "set -e",
        "sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1",
        "ip -batch - <<'EOF'",
        "link set lo up",
        f"address replace {host.address} dev eth0",
        "link set eth0 up",
        f"route replace default via {host.gateway} dev eth0 onlink",
        "EOF",
    ]) + "\n"


# ----------------------------------------------------------------------------------------------------------
# Reports


@dataclass
class UpReport:
    """What `up` did."""

    namespaces_made: int = 0
    links_made: int = 0
    frr_started: int = 0
    sshd_started: int = 0
    listeners_started: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        """Whether anything was made or started."""
        return bool(self.namespaces_made or self.links_made or self.frr_started or self.sshd_started
                    or self.listeners_started)


@dataclass
class DownReport:
    """What `down` did."""

    was_up: bool = False
    processes_stopped: int = 0
    processes_killed: int = 0
    namespaces_deleted: int = 0
    links_deleted: int = 0
    user_deleted: str | None = None
    seconds: float = 0.0


@dataclass
class RouterStatus:
    """One router in `status`."""

    device: str
    netns: str
    management: str
    namespace: bool
    daemons: dict[str, bool]
    sshd: bool
    ssh_open: bool
    failed: bool
    failed_links: list[str]


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
class LabStatus:
    """`status`: the lab, each router and host."""

    up: bool
    home: str
    complete: bool = False
    configured: bool = False
    districts: list[str] = field(default_factory=list)
    routers: list[RouterStatus] = field(default_factory=list)
    hosts: list[HostStatus] = field(default_factory=list)
    failed_links: list[str] = field(default_factory=list)
    failed_nodes: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        """Every namespace there, every daemon of a working router running, every sshd answering."""
        return self.up and self.complete and all(
            r.namespace and r.sshd and r.ssh_open and (r.failed or all(r.daemons.values()))
            for r in self.routers) and all(h.namespace and h.listener is not False for h in self.hosts)


@dataclass
class Convergence:
    """Adjacencies found against those expected, per router."""

    converged: bool
    seconds: float
    ospf: dict[str, tuple[int, int]]  # device -> (full, expected)
    bgp: dict[str, tuple[int, int]]  # device -> (established, configured towards lab routers)

    def lagging(self) -> list[str]:
        """Routers not there yet."""
        return sorted({d for d, (n, e) in self.ospf.items() if n < e} | {d for d, (n, e) in self.bgp.items() if n < e})


# ----------------------------------------------------------------------------------------------------------
# The lab


class Lab:
    """A lab made from one home (see netops.lab.state)."""

    def __init__(self, home: LabHome | None = None) -> None:
        self.home = home or LabHome()

    # -- plan and state -------------------------------------------------------------------------------------

    def render_settings(self) -> RenderSettings:
        """The render settings of the lab's routers' configs: as `up --configured` recorded them, else the lab's
        own (`LAB_SETTINGS`, with which provisioning renders by default)."""
        state = self.home.load()
        if state is not None and state.settings is not None:
            return RenderSettings.model_validate_json(json.dumps(state.settings))
        return LAB_SETTINGS

    def plan(self) -> LabPlan | None:
        """The plan of the lab that is up (as recorded)."""
        try:
            return LabPlan.from_json(self.home.plan_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None

    def _require(self) -> tuple[LabPlan, LabState]:
        state = self.home.load()
        plan = self.plan()
        if state is None or plan is None:
            raise LabError(f"no lab is up (nothing recorded in {self.home.path})", hint="netops lab up")
        return plan, state

    # -- up -------------------------------------------------------------------------------------------------

    def up(self, network: Network, plan: LabPlan, configured: bool = False,
           design: Design | None = None, intent: str = "", progress: Progress = quiet) -> UpReport:
        """Make the lab (or what is missing of it); see the module docstring for the phases.

        `design`: the run's design the configs are rendered from with `configured` (default: the network's under
        `LAB_SETTINGS`); its settings are recorded, so verification judges the routers by the same design."""
        preflight()
        report = UpReport()
        clock = time.monotonic()

        def phase(name: str) -> None:
            nonlocal clock
            now = time.monotonic()
            report.seconds[name] = round(now - clock, 3)
            clock = now

        with self.home.locked():
            try:
                return self._up(design or build_design(network, LAB_SETTINGS), plan, configured, intent, progress,
                                report, phase)
            except LabError:
                if self.home.load() is None:  # refused before anything was made: leave no trace either
                    self._remove_home_files()
                raise

    def _up(self, design: Design, plan: LabPlan, configured: bool, intent: str, progress: Progress, report: UpReport,
            phase: Callable[[str], None]) -> UpReport:
        _check_traversable(self.home.path)
        state = self.home.load()
        if state is not None and (state.digest != plan.digest() or state.configured != configured):
            raise LabError(
                f"a lab of another plan is up from {self.home.path} (districts: "
                f"{', '.join(state.districts) or 'the whole city'}; "
                f"{'configured' if state.configured else 'bootstrap'})",
                hint="netops lab down, then up again")
        state = state or LabState(digest=plan.digest(), configured=configured, intent=intent,
                                  districts=list(plan.districts))
        self._refuse_foreign(plan, state)
        # The secrets are made in every mode: provisioning pushes configs to a bootstrap lab with them.
        secret_values = lab_secrets(self.home)
        rendered: dict[str, RenderedRouter] = {}
        if configured:
            progress(f"rendering the configs of {len(plan.frr_routers())} routers")
            rendered = render_configs(design, plan, secret_values)
            state.settings = design.settings.model_dump(mode="json")
        phase("preflight")
        # Write-ahead: every name the lab will use, before any of it is made.
        user = sshd.login_user()
        state.namespaces = sorted(set(state.namespaces) | set(plan.namespaces()))
        state.root_links = sorted(set(state.root_links) | {plan.management.bridge}
                                  | {r.management_port for r in plan.routers})
        state.etc_links = sorted(set(state.etc_links) | {str(frr.ETC_FRR / r.netns) for r in plan.frr_routers()})
        state.run_dirs = sorted(set(state.run_dirs) | {str(frr.RUN_FRR / r.netns) for r in plan.frr_routers()})
        if not sshd.user_exists(user):
            state.made_user = user
        if not sshd.PRIVSEP_DIR.exists() and str(sshd.PRIVSEP_DIR) not in state.made_files:
            state.made_files.append(str(sshd.PRIVSEP_DIR))
        if not OSPF_GR_FILE.exists() and str(OSPF_GR_FILE) not in state.made_files:
            state.made_files.append(str(OSPF_GR_FILE))
        was_complete = state.complete
        state.complete = False
        self.home.save(state)
        if not self.home.plan_file.exists() or self.home.plan_file.read_text() != plan.to_json():
            self.home.plan_file.write_text(plan.to_json())

        progress("files: login user, keys, router config dirs")
        self._files(plan, state, user, rendered)
        phase("files")
        progress(f"namespaces and links: {len(plan.routers)} routers, {len(plan.hosts)} hosts")
        report.namespaces_made, report.links_made, touched = self._namespaces_and_links(plan)
        phase("namespaces")
        # After a complete `up`, only what was (re)made now needs its bootstrap: a second `up` changes
        # nothing (not even nftables counters). After an interrupted one, every namespace gets it again.
        todo = set(plan.namespaces()) if not was_complete else touched
        progress(f"bootstrap scripts in {len(todo)} namespaces")
        self._bootstrap(plan, state, rendered, todo)
        phase("bootstrap")
        progress(f"FRR in {len(plan.frr_routers())} routers")
        report.frr_started = self._start_frr(plan, state, [r for r in plan.frr_routers()
                                                           if r.device not in state.failed_nodes])
        phase("frr")
        progress("sshd per router, listeners per data-center host")
        report.sshd_started, report.listeners_started = self._start_services(plan, state, user)
        phase("services")
        (self.home.known_hosts).write_text(sshd.known_hosts(self.home, list(plan.routers)))
        (self.home.ssh_config).write_text(sshd.ssh_config(self.home, list(plan.routers), user))
        state.complete = True
        self.home.save(state)
        return report

    def _refuse_foreign(self, plan: LabPlan, state: LabState) -> None:
        """Names the lab would use that exist but were not made by this lab: exit 2, nothing made."""
        ours = set(state.namespaces)
        taken = sorted(n for n in existing_namespaces() & set(plan.namespaces()) if n not in ours)
        links = root_links()
        taken += sorted(f"link {name}" for name in ({plan.management.bridge} | {r.management_port
                                                                                 for r in plan.routers})
                        if name in links and name not in state.root_links)
        taken += sorted(str(frr.ETC_FRR / r.netns) for r in plan.frr_routers()
                        if (frr.ETC_FRR / r.netns).exists() and str(frr.ETC_FRR / r.netns) not in state.etc_links)
        user = sshd.login_user()
        if sshd.user_exists(user) and state.made_user != user:
            taken.append(f"user {user}")
        if taken:
            raise LabError(f"taken by something this lab did not make: {', '.join(taken[:8])}"
                           + (f" and {len(taken) - 8} more" if len(taken) > 8 else ""),
                           hint="another lab may be up (netops lab down with its NETOPS_LAB_HOME), or remove them;"
                                " a login user of another name: NETOPS_LAB_USER")
        overlapping = self._root_routes_into(plan.management.network, plan.management.bridge)
        if overlapping:
            raise LabError(f"the root namespace already routes into the management network "
                           f"{plan.management.network}: {'; '.join(overlapping)}",
                           hint="the lab's management bridge would clash with it; free that range first")

    @staticmethod
    def _root_routes_into(network: IPv4Network, bridge: str) -> list[str]:
        import json

        routes = json.loads(run(["ip", "-j", "-4", "route", "show", "table", "all"]).stdout or "[]")
        clashes = []
        for route in routes:
            dst = route.get("dst", "")
            if dst in ("default", "") or route.get("dev") == bridge or route.get("type") in ("broadcast", "local"):
                continue
            try:
                prefix = ip_network(dst if "/" in dst else f"{dst}/32", strict=False)
            except ValueError:
                continue
            if prefix.overlaps(network):
                clashes.append(f"{dst} dev {route.get('dev')}")
        return clashes

    def _files(self, plan: LabPlan, state: LabState, user: str, rendered: dict[str, RenderedRouter]) -> None:
        home = self.home
        if state.made_user == user and not sshd.user_exists(user):
            sshd.create_user(user, home.user_home)
        if str(sshd.PRIVSEP_DIR) in state.made_files:
            sshd.ensure_privsep_dir()
        sshd.ensure_client_key(home)

        def prepare(router: RouterPlan) -> None:
            sshd.ensure_host_key(home, router.device)
            if not router.runs_frr:
                return
            config = rendered[router.device].frr_conf if router.device in rendered else frr.bootstrap_config(router)
            frr.write_config_dir(home.frr_dir(router.device), router, config)
            frr.link_config_dir(router.netns, home.frr_dir(router.device))
            if router.device in rendered:
                path = home.router_dir(router.device) / "nftables.nft"
                write_atomic(path, rendered[router.device].nftables)
                path.chmod(0o600)

        home.router_dir("x").parent.mkdir(parents=True, exist_ok=True)
        home.router_dir("x").parent.chmod(0o755)
        _parallel(prepare, list(plan.routers))

    def _namespaces_and_links(self, plan: LabPlan) -> tuple[int, int, set[str]]:
        """Make the missing namespaces and links; (namespaces made, links made, namespaces touched)."""
        existing = existing_namespaces()
        new = [n for n in plan.namespaces() if n not in existing]
        ip_batch(f"netns add {name}" for name in new)
        present = dict(zip(plan.namespaces(), _parallel(interfaces, plan.namespaces(), workers=16), strict=True))
        root = root_links()
        pairs: list[tuple[str, str, str, str]] = []  # (netns a, if a, netns b, if b); netns "" is the root
        for link in plan.links:
            up, down = plan.router_by_device[link.upstream], plan.router_by_device[link.downstream]
            pairs.append((up.netns, link.upstream_interface, down.netns, link.downstream_interface))
        for host in plan.hosts:
            pairs.append((plan.router_by_device[host.router].netns, host.router_interface, host.netns, "eth0"))
        for router in plan.routers:
            pairs.append(("", router.management_port, router.netns, "mgmt0"))
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
        bridge = plan.management.bridge
        if bridge not in root:
            lines.insert(0, f"link add {bridge} type bridge")
        for netns, name in stray:
            ip_batch([f"link del {name}"], netns=netns or None, force=True)
        ip_batch(lines)
        # The root side: the bridge on the management network (one of its reserved addresses), its ports.
        root_lines = [f"link set {bridge} type bridge stp_state 0 forward_delay 0",
                      f"address replace {plan.management.root_address} dev {bridge}", f"link set {bridge} up"]
        for router in plan.routers:
            root_lines += [f"link set {router.management_port} master {bridge}",
                           f"link set {router.management_port} up"]
        ip_batch(root_lines)
        return len(new), made, touched

    def _bootstrap(self, plan: LabPlan, state: LabState, rendered: dict[str, RenderedRouter],
                   todo: set[str]) -> None:
        down = self._down_interfaces(plan, state)
        jobs: list[tuple[str, str]] = []
        for router in plan.routers:
            if router.netns not in todo:
                continue
            nft = self.home.router_dir(router.device) / "nftables.nft" if router.device in rendered else None
            text = router_script(router, down.get(router.device, set()), nft)
            ports = bridge_ports_script(router, plan.hosts, down.get(router.device, set()))
            if ports:
                text += "ip -batch - <<'EOF'\n" + "\n".join(ports) + "\nEOF\n"
            jobs.append((router.netns, text))
        jobs += [(host.netns, host_script(host)) for host in plan.hosts if host.netns in todo]
        scripts = self.home.path / "netns"
        scripts.mkdir(parents=True, exist_ok=True)

        def execute(job: tuple[str, str]) -> None:
            netns, text = job
            path = self.home.script(netns)
            write_atomic(path, text)
            run(["ip", "netns", "exec", netns, "sh", str(path)])

        _parallel(execute, jobs)

    def _down_interfaces(self, plan: LabPlan, state: LabState) -> dict[str, set[str]]:
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

    def _start_frr(self, plan: LabPlan, state: LabState, routers: list[RouterPlan]) -> int:
        todo = [r for r in routers if not frr.is_up(r.netns)]

        def start(router: RouterPlan) -> None:
            stray = frr.stop_targets(router.netns)
            if stray:
                stop_pids(stray)
            frr.start(router)

        _parallel(start, todo)
        # watchfrr starts the daemons in the background: wait for every pid file of every instance.
        deadline = time.monotonic() + 60 + len(todo) * 0.5
        waiting = list(todo)
        while waiting and time.monotonic() < deadline:
            waiting = [r for r in waiting if not frr.is_up(r.netns)]
            if waiting:
                time.sleep(0.2)
        for router in routers:
            state.add_processes(frr.processes(router.netns))
        self.home.save(state)
        if waiting:
            raise LabRuntimeError(f"FRR did not start in {len(waiting)} router(s): "
                             + ", ".join(r.device for r in waiting[:5])
                             + f" (daemons: {frr.running(waiting[0].netns)})")
        return len(todo)

    def _start_services(self, plan: LabPlan, state: LabState, user: str) -> tuple[int, int]:
        started_sshd = []
        for router in plan.routers:
            known = state.process("sshd", router.netns)
            if known is None or not known.alive() or not in_namespace(known.pid, router.netns):
                if known is not None and known.alive():
                    stop_pids([known.pid])  # left in a namespace of that name that was deleted
                started_sshd.append(sshd.start(self.home, router, user))
        state.add_processes(started_sshd)
        started_listeners = []
        for host in plan.hosts:
            if host.kind != "server" or not host.listens:
                continue
            known = state.process("listener", host.netns)
            if known is None or not known.alive() or not in_namespace(known.pid, host.netns):
                if known is not None and known.alive():
                    stop_pids([known.pid])
                started_listeners.append(self._start_listener(host))
        state.add_processes(started_listeners)
        self.home.save(state)
        return len(started_sshd), len(started_listeners)

    def _start_listener(self, host: HostPlan) -> Process:
        import subprocess

        log = self.home.listener_log(host.netns)
        log.parent.mkdir(parents=True, exist_ok=True)
        argv = ["ip", "netns", "exec", host.netns, sys.executable, "-I", str(LISTENER), "--home", str(self.home.path),
                "--name", host.name,
                "--services", ",".join(host.services), "--user", "nobody"]
        for listen in host.listens:
            argv += [f"--{listen.protocol}", str(listen.port)]
        with log.open("ab") as stream:
            process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=stream, stderr=stream,
                                       start_new_session=True)
        return Process(kind="listener", owner=host.netns, pid=process.pid, marker=f"--name {host.name}")

    # -- down -----------------------------------------------------------------------------------------------

    def down(self, progress: Progress = quiet) -> DownReport:
        """Stop and remove everything the state file lists; nothing else."""
        if os.geteuid() != 0:
            raise LabError("the lab needs root to stop its processes and remove its namespaces",
                           hint="run it as root")
        started = time.monotonic()
        report = DownReport()
        with self.home.locked():
            state = self.home.load()
            if state is None:
                self._remove_home_files()
                report.seconds = round(time.monotonic() - started, 3)
                return report
            report.was_up = True
            namespaces = [n for n in state.namespaces if n in existing_namespaces()]
            # Processes: watchfrr first (so it restarts no daemon), then everything else the lab started or
            # that runs inside its namespaces.
            progress(f"stopping the processes of {len(namespaces)} namespaces")
            watchfrr = [pid for netns in state.namespaces
                        for daemon, pid in frr.pid_files(netns).items()
                        if daemon == "watchfrr" and alive(pid) and process_matches(pid, f"-N {netns}")]
            stopped = set(watchfrr)
            report.processes_killed += len(stop_pids(watchfrr))
            others = {p.pid for p in state.processes if p.alive()}
            others |= {pid for netns in state.namespaces for pid in frr.stop_targets(netns)}
            others |= {pid for pids in namespace_pids(namespaces).values() for pid in pids}
            others |= self._strays(state)
            others -= {os.getpid()}
            report.processes_killed += len(stop_pids(sorted(others)))
            report.processes_stopped = len(stopped | others)
            progress(f"deleting {len(namespaces)} namespaces and the management bridge")
            links = root_links()
            root = [name for name in state.root_links if name in links]
            # Ports first (a lingering namespace would keep its veth's root end), the bridge last.
            ip_batch([f"link del {name}" for name in sorted(root, key=lambda n: n == "nl-mgmt")], force=True)
            report.links_deleted = len(root)
            ip_batch([f"netns del {name}" for name in namespaces], force=True)
            report.namespaces_deleted = len(namespaces)
            for entry in state.etc_links:
                link = Path(entry)
                if link.is_symlink():
                    link.unlink()
            for entry in state.run_dirs:
                shutil.rmtree(entry, ignore_errors=True)
            if state.made_user is not None and sshd.user_exists(state.made_user):
                sshd.delete_user(state.made_user)
                report.user_deleted = state.made_user
            for entry in state.made_files:
                path = Path(entry)
                if path == OSPF_GR_FILE and _other_ospfd_running():
                    continue  # shared by every ospfd of the machine: not ours to remove while another runs
                if path.is_dir():
                    with contextlib.suppress(OSError):
                        path.rmdir()
                else:
                    path.unlink(missing_ok=True)
            self._remove_home_files()
        report.seconds = round(time.monotonic() - started, 3)
        return report

    def _strays(self, state: LabState) -> set[int]:
        """Processes the lab started that run outside its current namespaces (left in a namespace that was
        deleted and made again): found by the arguments that mark them as this lab's."""
        netns = set(state.namespaces)
        routers = str(self.home.path / "routers") + "/"
        found = set()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                argv = (entry / "cmdline").read_bytes().decode(errors="replace").replace("\0", " ").split()
            except OSError:
                continue
            pairs = set(itertools.pairwise(argv))
            if any(flag == "-N" and value in netns for flag, value in pairs) \
                    or any(flag == "-f" and value.startswith(routers) for flag, value in pairs) \
                    or (str(LISTENER) in argv and ("--home", str(self.home.path)) in pairs):
                found.add(int(entry.name))
        return found

    def _remove_home_files(self) -> None:
        home = self.home
        for name in ("routers", "netns", "hosts", "home"):
            shutil.rmtree(home.path / name, ignore_errors=True)
        for name in ("plan.json", "secrets.env", "id_ed25519", "id_ed25519.pub", "authorized_keys", "known_hosts",
                     "ssh_config", "state.json", "lock"):
            (home.path / name).unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            home.path.rmdir()

    # -- status ---------------------------------------------------------------------------------------------

    def status(self) -> LabStatus:
        """Each router, its daemons and its management reachability; each host and its listener."""
        state = self.home.load()
        plan = self.plan()
        if state is None or plan is None:
            return LabStatus(up=False, home=str(self.home.path))
        namespaces = existing_namespaces()
        open_ports = dict(zip([r.device for r in plan.routers],
                              _parallel(lambda r: _port_open(str(r.management.ip), 22), list(plan.routers),
                                        workers=32), strict=True))
        failed_ports = self._down_interfaces(plan, LabState(failed_links=state.failed_links))
        routers = []
        for router in plan.routers:
            sshd_process = state.process("sshd", router.netns)
            routers.append(RouterStatus(
                device=router.device, netns=router.netns, management=str(router.management.ip),
                namespace=router.netns in namespaces,
                daemons=frr.running(router.netns) if router.runs_frr else {},
                sshd=sshd_process is not None and sshd_process.alive(), ssh_open=open_ports[router.device],
                failed=router.device in state.failed_nodes,
                failed_links=sorted(failed_ports.get(router.device, set()))))
        hosts = []
        for host in plan.hosts:
            listener = state.process("listener", host.netns)
            hosts.append(HostStatus(
                name=host.name, kind=host.kind, netns=host.netns, address=str(host.address),
                namespace=host.netns in namespaces,
                listener=None if host.kind == "pc" or not host.listens else listener is not None and listener.alive()))
        return LabStatus(up=True, home=str(self.home.path), complete=state.complete, configured=state.configured,
                         districts=list(state.districts), routers=routers, hosts=hosts,
                         failed_links=list(state.failed_links), failed_nodes=list(state.failed_nodes))

    # -- faults ---------------------------------------------------------------------------------------------

    def _links(self, plan: LabPlan, a: str, b: str) -> list[LinkPlan]:
        for device in (a, b):
            if device not in plan.router_by_device:
                raise LabError(f"no device {device!r} in the lab", hint=_close(device, list(plan.router_by_device)))
        links = plan.links_between(a, b)
        if not links:
            neighbours = sorted({lk.upstream if lk.downstream == a else lk.downstream for lk in plan.links_of(a)})
            raise LabError(f"no link between {a} and {b} in the lab",
                           hint=f"{a} has links to: {', '.join(neighbours) or 'nothing'}")
        return links

    def _set_link(self, plan: LabPlan, link: LinkPlan, up: bool, failed_nodes: list[str]) -> None:
        for device, name in ((link.upstream, link.upstream_interface), (link.downstream, link.downstream_interface)):
            if up and device in failed_nodes:
                continue  # a failed node's ports stay down until the node is restored
            ip_batch([f"link set {name} {'up' if up else 'down'}"], netns=plan.router_by_device[device].netns)

    def fail_link(self, a: str, b: str) -> list[str]:
        """Set both ends of every link between a and b down; the link ids."""
        with self.home.locked():
            plan, state = self._require()
            links = self._links(plan, a, b)
            for link in links:
                self._set_link(plan, link, False, state.failed_nodes)
                if link.id not in state.failed_links:
                    state.failed_links.append(link.id)
            self.home.save(state)
        return [link.id for link in links]

    def restore_link(self, a: str, b: str) -> list[str]:
        """Set both ends of every link between a and b up again."""
        with self.home.locked():
            plan, state = self._require()
            links = self._links(plan, a, b)
            for link in links:
                self._set_link(plan, link, True, state.failed_nodes)
                if link.id in state.failed_links:
                    state.failed_links.remove(link.id)
            self.home.save(state)
        return [link.id for link in links]

    def fail_node(self, device: str) -> None:
        """A router loses power: its FRR stops (zebra withdraws its routes) and its WAN and LAN ports go down,
        so its neighbours and PCs see no carrier. Its management port and sshd stay up (like a console)."""
        with self.home.locked():
            plan, state = self._require()
            router = plan.router_by_device.get(device)
            if router is None:
                raise LabError(f"no device {device!r} in the lab", hint=_close(device, list(plan.router_by_device)))
            if router.runs_frr:
                stop_pids(frr.stop_targets(router.netns))
            ip_batch([f"link set {name} down" for name in [p.name for p in router.wan] + [x.name for x in router.lans]],
                     netns=router.netns)
            if device not in state.failed_nodes:
                state.failed_nodes.append(device)
            self.home.save(state)

    def restore_node(self, device: str) -> None:
        """Power the router back: its ports up (but those of failed links), FRR started from its saved config."""
        with self.home.locked():
            plan, state = self._require()
            router = plan.router_by_device.get(device)
            if router is None:
                raise LabError(f"no device {device!r} in the lab", hint=_close(device, list(plan.router_by_device)))
            if device in state.failed_nodes:
                state.failed_nodes.remove(device)
            down = self._down_interfaces(plan, state).get(device, set())
            ip_batch([f"link set {name} up" for name in [p.name for p in router.wan] + [x.name for x in router.lans]
                      if name not in down], netns=router.netns)
            self.home.save(state)
            if router.runs_frr:
                self._start_frr(plan, state, [router])

    # -- convergence ----------------------------------------------------------------------------------------

    def convergence(self, devices: Iterable[str] | None = None) -> Convergence:
        """OSPF adjacencies and BGP sessions against what the routers' saved configs (frr.conf) ask for: an
        adjacency on every working link both ends run OSPF on (not passive), a session for every neighbor
        configured on both sides among the working routers. One vtysh call per router (of `devices`, or all)."""
        plan, state = self._require()
        started = time.monotonic()
        working = [r for r in plan.frr_routers() if r.device not in state.failed_nodes]
        configs = {r.device: saved_config(self.home.frr_dir(r.device) / "frr.conf") for r in working}
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
        expected_bgp = {device: {address for address in config.bgp_neighbors if address in device_of
                                 and loopback.get(device) in configs[device_of[address]].bgp_neighbors}
                        for device, config in configs.items()}
        chosen = [r for r in working if devices is None or r.device in set(devices)]

        def look(router: RouterPlan) -> tuple[str, tuple[int, int], tuple[int, int]]:
            try:
                text = frr.vtysh(router.netns, "show ip ospf neighbor json", "show bgp summary json", timeout=20)
            except (LabCommandError, OSError):
                text = ""
            documents = _json_documents(text)
            ospf = documents[0] if documents else {}
            bgp = documents[1] if len(documents) > 1 else {}
            full = sum(1 for entries in ospf.get("neighbors", {}).values() for entry in entries
                       if str(entry.get("nbrState", entry.get("state", ""))).startswith("Full"))
            peers = bgp.get("ipv4Unicast", {}).get("peers", {})
            wanted = expected_bgp[router.device]
            established = sum(1 for address, peer in peers.items()
                              if address in wanted and peer.get("state") == "Established")
            return router.device, (full, expected_ospf[router.device]), (established, len(wanted))

        results = _parallel(look, chosen, workers=4)
        ospf = {device: o for device, o, _ in results}
        bgp = {device: b for device, _, b in results}
        converged = all(n >= e for n, e in ospf.values()) and all(n >= e for n, e in bgp.values())
        return Convergence(converged, round(time.monotonic() - started, 3), ospf, bgp)

    def wait(self, timeout: float = 120, interval: float = 1.0, progress: Progress = quiet) -> Convergence:
        """Poll `convergence` until every adjacency is up or `timeout` seconds have passed. After the first
        round only the routers still lagging are polled (vtysh costs CPU the routers need to converge); once
        they are all there, every router is polled again to confirm."""
        started = time.monotonic()
        result = self.convergence()
        while True:
            if result.converged:
                confirmed = self.convergence()
                if confirmed.converged or time.monotonic() - started >= timeout:
                    confirmed.seconds = round(time.monotonic() - started, 3)
                    return confirmed
                result = confirmed
                continue
            if time.monotonic() - started >= timeout:
                final = self.convergence()
                final.seconds = round(time.monotonic() - started, 3)
                return final
            lagging = result.lagging()
            progress(f"{len(lagging)} routers not converged after {time.monotonic() - started:.0f} s")
            time.sleep(interval)
            result = self.convergence(lagging)


@dataclass(frozen=True)
class SavedConfig:
    """What a router's frr.conf asks of OSPF and BGP."""

    ospf_interfaces: frozenset[str]  # interfaces in an OSPF area, not passive
    bgp_neighbors: frozenset[str]  # neighbor addresses of `router bgp`


def saved_config(path: Path) -> SavedConfig:
    """Parse the parts of a saved FRR config the convergence check needs (empty when unreadable)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return SavedConfig(frozenset(), frozenset())
    ospf: set[str] = set()
    passive: set[str] = set()
    neighbors: set[str] = set()
    interface: str | None = None
    in_bgp = False
    for line in text.splitlines():
        words = line.split()
        if not words or words[0] == "!":
            continue
        if not line.startswith(" "):
            interface = words[1] if words[0] == "interface" and len(words) > 1 else None
            in_bgp = words[:2] == ["router", "bgp"]
            continue
        if interface is not None and words[:3] == ["ip", "ospf", "area"]:
            ospf.add(interface)
        elif interface is not None and words[:3] == ["ip", "ospf", "passive"]:
            passive.add(interface)
        elif in_bgp and words[0] == "neighbor" and len(words) > 1 and words[1][:1].isdigit():
            neighbors.add(words[1])
    return SavedConfig(frozenset(ospf - passive), frozenset(neighbors))


def _json_documents(text: str) -> list[dict[str, Any]]:
    """The JSON objects vtysh printed one after another."""
    import json

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


def _port_open(address: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((address, port), timeout=timeout):
            return True
    except OSError:
        return False


def _close(name: str, names: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, names, n=3)
    return f"devices like it: {', '.join(close)}" if close else "`netops lab status` lists the lab's devices"


def _other_ospfd_running() -> bool:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "ospfd":
                    return True
            except OSError:
                continue
    return False
