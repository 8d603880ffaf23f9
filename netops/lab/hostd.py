"""The lab routers as Debian boxes: snmpd, chronyd, rsyslogd and lldpd in every FRR router's namespace, reading
the router's own host files, and provisioning's way to apply the rendered ones (issue 18, point 1).

Each router keeps its host files under ``<home>/routers/<device>/host/``, mirroring their paths under /etc on a
Debian box (the contract with render and napalm_frr: ``HOST_FILES``). The router's sshd mount namespace
bind-mounts them over /etc (netops.lab.sshd), so over SSH the router reads like a Debian box. Until
provisioning applies the rendered files, a router runs on bootstrap files, as a freshly installed box runs on
its packages' defaults: snmpd answers on the loopback only and knows no user, chronyd has no server, the
rsyslog and sshd drop-ins are empty.

Dozens of routers run side by side on one machine, so nothing of a daemon is shared: its config, pid file,
persistent and runtime files are the router's (``daemons/`` beside ``host/``, and ``/run/frr/<netns>/host/``,
which the router's sshd sees as ``/run/frr/host``), and chronyd never touches the machine's clock (``-x``).
Each daemon is recorded as a lab process (kind = its name), so `down` stops exactly it, `status` reports it and
`up` starts what died.
"""

import contextlib
import grp
import json
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from netops.files import digest
from netops.hostfiles import HOST_FILES as RENDERED_HOST_FILES
from netops.lab import sshd
from netops.lab.admission import Admission
from netops.lab.errors import LabError
from netops.lab.interrupt import STOP
from netops.lab.kernel import share_identical_pages
from netops.lab.netns import daemon_command, in_namespace, netns_command, run, stop_pids
from netops.lab.pool import parallel
from netops.lab.state import LabHome, LabState, Process
from netops.lab.topology import LabPlan, RouterPlan

SNMPD = Path("/usr/sbin/snmpd")
CHRONYD = Path("/usr/sbin/chronyd")
RSYSLOGD = Path("/usr/sbin/rsyslogd")
LLDPD = Path("/usr/sbin/lldpd")
KEEPALIVED = Path("/usr/sbin/keepalived")
REQUIRED = {SNMPD: "snmpd", CHRONYD: "chrony", RSYSLOGD: "rsyslog", LLDPD: "lldpd", KEEPALIVED: "keepalived"}
#: The daemons every FRR router of the lab runs, in the order they start.
DAEMONS = ("snmpd", "chronyd", "rsyslogd", "lldpd")
#: The VRRP speaker, run by the routers that share a LAN gateway (RouterPlan.vrrp) and only while they have power:
#: `fail node` stops it with the router's FRR, `restore node` starts it again.
VRRP_DAEMON = "keepalived"
#: lldpd's privilege-separation chroot (the packaged service makes it; the lab does when it is missing).
LLDPD_CHROOT = Path("/run/lldpd")
#: The routers' runtime folders (one per router namespace; a Unix socket path must fit in 108 bytes).
RUN_DIR = Path("/run/netops-lab")
#: Where a router's sshd sees its runtime folder.
SESSION_RUN_DIR = "/run/netops"
CHRONY_USER = "_chrony"
#: Debian installs lldpcli setuid _lldpd, executable by this group only.
LLDPCLI_GROUP = "adm"


@dataclass(frozen=True)
class HostFile:
    """One host file of a router: its config part suffix, where it lives on a Debian box (netops.hostfiles, the
    table render and napalm_frr share), and in the lab what must happen after a change (the daemon restarted,
    sshd reloaded, or nothing: read at each use) and what it holds before provisioning."""

    part: str
    etc: str  # path on a Debian box; under <router>/host/ without the leading /etc/
    after: str | None  # a daemon of DAEMONS (restarted), "sshd" (reloaded with SIGHUP) or None
    bootstrap: str

    @property
    def relative(self) -> str:
        """Path under the router's host/ folder."""
        return self.etc.removeprefix("/etc/")


_LAB: dict[str, tuple[str | None, str]] = {
    "snmpd": ("snmpd", "# netops lab bootstrap: as the package leaves it, on the loopback only and with no user;\n"
                       "# provisioning applies the rendered file\nagentAddress udp:127.0.0.1:161\n"),
    "chrony": ("chronyd", "# netops lab bootstrap: no time source yet; provisioning applies the rendered file\n"),
    "rsyslog": ("rsyslogd", "# netops lab bootstrap: no forwarding yet; provisioning applies the rendered file\n"),
    "sshd": ("sshd", "# netops lab bootstrap: no hardening drop-in yet; provisioning applies the rendered file\n"),
    "banner": (None, "netops lab router (bootstrap)\n"),
    # Empty: a city without RADIUS servers renders no radius part, and a box without pam_radius has no such file
    # to read back (an empty read leaves the part out of a backup).
    "radius": (None, ""),
    # Empty, for the same reason: a router without a shared LAN renders no keepalived part. keepalived runs on an
    # empty file with no VRRP instance (the gateway is nobody's) until provisioning applies the rendered one.
    "keepalived": ("keepalived", ""),
}
HOST_FILES = tuple(HostFile(part, RENDERED_HOST_FILES[part].path, *_LAB[part]) for part in RENDERED_HOST_FILES)
HOST_FILE_BY_PART = {host_file.part: host_file for host_file in HOST_FILES}
#: What the router's sshd mount namespace binds over /etc: folders where the host files are in one (a file
#: replaced by a rename stays visible through its folder's bind), the files themselves where they are not.
BINDS = ("/etc/snmp", "/etc/chrony", "/etc/rsyslog.d", "/etc/ssh/sshd_config.d", "/etc/issue.net",
         "/etc/pam_radius_auth.conf", "/etc/keepalived")
#: The bound single files: replacing one (a rename) needs its bind made again in the router's sshd.
FILE_BINDS = frozenset({"/etc/issue.net", "/etc/pam_radius_auth.conf"})


def daemons(router: RouterPlan) -> tuple[str, ...]:
    """The host daemons the router runs while it has power, in the order they start."""
    return (*DAEMONS, VRRP_DAEMON) if router.vrrp else DAEMONS


def missing() -> dict[str, str]:
    """Missing daemons -> the Debian package that installs them."""
    return {str(path): package for path, package in REQUIRED.items() if not path.exists()}


def host_dir(home: LabHome, device: str) -> Path:
    """The router's host files (mirroring /etc)."""
    return home.router_dir(device) / "host"


def host_file(home: LabHome, device: str, part: str) -> Path:
    """Where the router keeps one of its host files (a part of HOST_FILES: "keepalived", "snmpd", ...)."""
    return host_dir(home, device) / HOST_FILE_BY_PART[part].relative


def saved_host_file(home: LabHome, device: str, part: str) -> str:
    """The text of one of the router's host files ('' when it has none)."""
    try:
        return host_file(home, device, part).read_text(encoding="utf-8")
    except OSError:
        return ""


def daemons_dir(home: LabHome, device: str) -> Path:
    """The lab's own files of the router's daemons: main configs, persistent state, logs."""
    return home.router_dir(device) / "daemons"


def run_dir(router: RouterPlan) -> Path:
    """The router's runtime files (pid files, lldpd's socket), which its sshd binds on /run/netops. Not FRR's
    runtime folder: FRR takes every *.pid there for its own, and lldpd's helper (user _lldpd) cannot traverse it."""
    return RUN_DIR / router.netns


def bind_sources(home: LabHome, device: str) -> list[tuple[Path, str]]:
    """(source under the router's host folder, mount point under /etc) of every bind of its sshd."""
    root = host_dir(home, device)
    return [(root / target.removeprefix("/etc/"), target) for target in BINDS]


def mount_points_missing() -> list[Path]:
    """The mount points under /etc this machine lacks (e.g. /etc/pam_radius_auth.conf without pam_radius)."""
    return [Path(target) for target in BINDS if not Path(target).exists()]


def make_mount_points(paths: list[Path]) -> None:
    """Empty stand-ins for missing mount points (recorded by `up` before, removed by `down` while still empty)."""
    for path in paths:
        if path.exists():
            continue
        if path.as_posix() in FILE_BINDS:
            path.touch(mode=0o644)
        else:
            path.mkdir(mode=0o755, parents=True)


def remove_mount_point(path: Path) -> None:
    """Remove a stand-in the lab made, unless something was put in it since."""
    with contextlib.suppress(OSError):
        if path.is_dir():
            path.rmdir()
        elif path.is_file() and path.stat().st_size == 0:
            path.unlink()


def _login_gid() -> int:
    """The group that may read the host files: the login user's (a real box reads them with sudo -n)."""
    try:
        return pwd.getpwnam(sshd.login_user()).pw_gid
    except KeyError:
        return 0


def write_host_file(path: Path, text: str, gid: int) -> bool:
    """Write a host file atomically (temporary file, owner and mode, rename), root-owned and readable by the
    login group; whether it changed."""
    if path.is_file() and path.read_text(encoding="utf-8", errors="replace") == text:
        return False
    _make_dirs(path.parent, gid)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chown(temporary, 0, gid)
        Path(temporary).chmod(0o640)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


def _make_dirs(path: Path, gid: int) -> None:
    missing_dirs = [p for p in [path, *path.parents] if not p.exists()]
    path.mkdir(parents=True, exist_ok=True)
    for made in missing_dirs:
        os.chown(made, 0, gid)
        made.chmod(0o750)


def prepare(home: LabHome, router: RouterPlan, rendered: Mapping[str, str]) -> None:
    """The router's host files (rendered parts where given, else bootstrap files; a file already there is kept:
    what provisioning applied survives a second `up`), its daemons' main configs and state folders."""
    gid = _login_gid()
    root = host_dir(home, router.device)
    _make_dirs(root, gid)
    for host_file in HOST_FILES:
        path = root / host_file.relative
        if not path.exists():
            write_host_file(path, rendered.get(host_file.part, host_file.bootstrap), gid)
    directory = daemons_dir(home, router.device)
    for name in ("snmp", "chrony", "rsyslog"):
        (directory / name).mkdir(parents=True, exist_ok=True)
    # chronyd drops to _chrony after reading its config: only its drift and log folder must be writable by it.
    with contextlib.suppress(KeyError):
        entry = pwd.getpwnam(CHRONY_USER)
        os.chown(directory / "chrony", entry.pw_uid, entry.pw_gid)
    _write_if_changed(directory / "chrony.conf", chrony_main(home, router))
    _write_if_changed(directory / "rsyslog.conf", rsyslog_main(home, router))
    # lldpd configures itself through lldpcli from these files at start: none of the machine's /etc/lldpd.d.
    _write_if_changed(directory / "lldpd.conf", "# netops lab: lldpd of this router, nothing beyond its flags\n")


def _write_if_changed(path: Path, text: str) -> None:
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def chrony_main(home: LabHome, router: RouterPlan) -> str:
    """chronyd's main config: the router's chrony.conf, then what keeps this chronyd apart from the others (later
    directives win): its pid file, drift file and log folder; no command socket (chronyc talks to it over udp
    127.0.0.1:323, which is the router's own loopback)."""
    directory = daemons_dir(home, router.device)
    return "\n".join([
        f"# netops lab: chronyd of {router.device}",
        f"include {host_dir(home, router.device) / 'chrony/chrony.conf'}",
        f"pidfile {run_dir(router) / 'chronyd.pid'}",
        f"driftfile {directory / 'chrony' / 'chrony.drift'}",
        f"logdir {directory / 'chrony'}",
        "bindcmdaddress /",
        "",
    ])


def rsyslog_main(home: LabHome, router: RouterPlan) -> str:
    """rsyslogd's main config: no imuxsock/imklog (the machine's /dev/log and kernel log are the machine's), a
    UDP input on the router's loopback (`logger -n 127.0.0.1` in the router feeds it), the router's drop-ins, and
    a local file of everything as Debian's /var/log/syslog (rsyslogd refuses to run without an action)."""
    directory = daemons_dir(home, router.device) / "rsyslog"
    return "\n".join([
        f"# netops lab: rsyslogd of {router.device}",
        f'global(workDirectory="{directory}")',
        'module(load="imudp")',
        'input(type="imudp" address="127.0.0.1" port="514")',
        f"$IncludeConfig {host_dir(home, router.device) / 'rsyslog.d'}/*.conf",
        f'*.* action(type="omfile" file="{directory / "syslog"}")',
        "",
    ])


#: The snmpd MIB modules a lab router leaves out: what Debian's service leaves out (SMUX, the event MIB's triggers),
#: and the HOST-RESOURCES and UCD tables that describe the machine rather than the router: its mounts, disks,
#: processes and packages, shared by every router of the lab. The mounts are one per network namespace (4,400 in
#: the whole city): a GETBULK of the NMS that runs past the last BGP OID (the lab's snmpd has no BGP MIB) walked
#: into hrStorage and made every snmpd statfs every mount on every scrape, 80% of the machine's CPU at 300
#: routers. UCD's CPU, memory and load tables and IP-MIB's traffic statistics go too: they reread /proc/stat,
#: /proc/vmstat, /proc/net/snmp, netstat, snmp6 and every interface's dev_snmp6 every few seconds whether anyone
#: asks or not, a thousand times over at the whole city. hrSystem goes as well: its hrSystemProcesses reads three
#: files of every process on the machine (10,000 at the whole city: 0.38 CPU-seconds each time), and the NMS's
#: GETBULK past the BGP OIDs lands on it first; with every router provisioned, that was 0.4 s of snmpd per router
#: and scrape, more than the two cores at the whole city. No check reads these tables.
SNMPD_LEFT_OUT = ("smux", "mteTrigger", "mteTriggerConf", "hr_system", "hrh_storage", "hrh_filesys", "hr_disk",
                  "hr_partition", "hr_device", "hr_proc", "hr_network", "hr_print", "hr_other", "hrSWRunTable",
                  "hrSWRunPerfTable", "hrSWInstalledTable", "disk_hw", "diskio", "hw_fsys", "vmstat", "cpu", "memory",
                  "loadave", "ipSystemStatsTable", "ipIfStatsTable")
#: How long a large lab's snmpd keeps its interface table (IF-MIB) before reading the kernel's again. net-snmp
#: reloads it every 3 s whether anyone asks or not (its check for counter wraps): with the whole city's host
#: daemons half started, 850 snmpd took 1.25 of the two cores, the most of any kind of process at rest. A large
#: lab (LabPlan.large, where the OSPF timers are throttled too) sets it to 30 s, through NET-SNMP-AGENT-MIB's
#: nsCacheTimeout over a community only the router's own loopback may use, for that column only; smaller labs keep
#: net-snmp's 3 s, so a link down shows in ifOperStatus by the next scrape.
LARGE_LAB_INTERFACE_CACHE_S = 30
NS_CACHE_TIMEOUT = "1.3.6.1.4.1.8072.1.5.3.1.2"
IF_TABLE = "1.3.6.1.2.1.2.2"
CACHE_COMMUNITY = "netops-lab-cache"


def snmpd_modules() -> list[str]:
    """snmpd's options that leave out SNMPD_LEFT_OUT."""
    return ["-I", "-" + ",".join(SNMPD_LEFT_OUT)]


def _argv(home: LabHome, router: RouterPlan, daemon: str) -> tuple[list[str], str]:
    """The daemon's command line (in the foreground: the pid started is the daemon's) and the marker of it."""
    directory = daemons_dir(home, router.device)
    runtime = run_dir(router)
    if daemon == "snmpd":
        conf = host_file(home, router.device, "snmpd")
        return ([str(SNMPD), "-f", "-Lf", str(directory / "snmpd.log"), "-C", "-c", str(conf),
                 "-p", str(runtime / "snmpd.pid"), *snmpd_modules(),
                 f"--rwcommunity={CACHE_COMMUNITY} 127.0.0.1 {NS_CACHE_TIMEOUT}"], f"-c {conf}")
    if daemon == "chronyd":
        conf = directory / "chrony.conf"
        return ([str(CHRONYD), "-x", "-n", "-f", str(conf), "-l", str(directory / "chronyd.log")], f"-f {conf}")
    if daemon == "rsyslogd":
        conf = directory / "rsyslog.conf"
        return [str(RSYSLOGD), "-n", "-f", str(conf), "-i", str(runtime / "rsyslogd.pid")], f"-f {conf}"
    if daemon == VRRP_DAEMON:
        # In the foreground (-n: the pid is the parent's, which stops its VRRP child), VRRP only, logging to its
        # .out file; pid files of its own, as many keepalived run side by side.
        conf = host_file(home, router.device, VRRP_DAEMON)
        return ([str(KEEPALIVED), "-n", "-P", "-l", "-D", "-G", "-f", str(conf),
                 "-p", str(runtime / "keepalived.pid"), "-r", str(runtime / "keepalived_vrrp.pid"),
                 "-c", str(runtime / "keepalived_checkers.pid"), "-b", str(runtime / "keepalived_bfd.pid")],
                f"-f {conf}")
    # lldpd rewrites its title ("lldpd: monitor."): the marker is that, and the namespace is checked too.
    return ([str(LLDPD), "-d", "-u", str(runtime / "lldpd.socket"), "-O", str(directory / "lldpd.conf"),
             "-S", f"netops lab router {router.device}"], "lldpd: monitor.")


def start(home: LabHome, router: RouterPlan, daemon: str) -> Process:
    """Start one daemon in the router's namespace, in a UTS namespace named after the device (lldpd and snmpd
    take the system name from it)."""
    runtime = run_dir(router)
    RUN_DIR.mkdir(mode=0o755, exist_ok=True)
    runtime.mkdir(mode=0o755, exist_ok=True)
    argv, marker = _argv(home, router, daemon)
    # Only a daemon that does not run is started: a pid file left behind (chronyd, once it dropped to _chrony,
    # cannot remove its own) would make it refuse to start.
    (runtime / f"{daemon}.pid").unlink(missing_ok=True)
    # snmpd: no MIB files to load (Debian ships none it can parse without snmp-mibs-downloader), its
    # persistent state (the usmUser entries createUser makes) in the router's folder.
    environment = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "MIBS": "",
                   "SNMP_PERSISTENT_DIR": str(daemons_dir(home, router.device) / "snmp")}
    log = daemons_dir(home, router.device) / f"{daemon}.out"
    with log.open("ab") as stream:
        process = subprocess.Popen(
            daemon_command(router.netns, argv, hostname=router.device),
            stdin=subprocess.DEVNULL, stdout=stream, stderr=stream, start_new_session=True, env=environment,
            cwd="/")
    return Process(kind=daemon, owner=router.netns, pid=process.pid, marker=marker)


def running(state: LabState, router: RouterPlan, which: tuple[str, ...] = DAEMONS) -> dict[str, bool]:
    """Daemon -> whether its recorded process runs in the router's namespace."""
    result = {}
    for daemon in which:
        known = state.process(daemon, router.netns)
        result[daemon] = known is not None and known.alive() and in_namespace(known.pid, router.netns)
    return result


def slow_interface_cache(router: RouterPlan) -> bool:
    """Have the router's snmpd reload its interface table every LARGE_LAB_INTERFACE_CACHE_S (retried while it
    starts); whether it took. One that did not keeps net-snmp's 3 s: a dearer lab, not a wrong one."""
    done = run(netns_command(router.netns, [
        "snmpset", "-m", "", "-v2c", "-c", CACHE_COMMUNITY, "-r", "5", "-t", "1", "-Oq", "127.0.0.1",
        f"{NS_CACHE_TIMEOUT}.{IF_TABLE}", "i", str(LARGE_LAB_INTERFACE_CACHE_S)]), check=False, timeout=60)
    return done.returncode == 0


def start_missing(home: LabHome, plan: LabPlan, state: LabState, admission: Admission | None = None) -> int:
    """Start every daemon of every FRR router whose recorded process does not run in its namespace (stopping one
    left in a namespace of that name that was deleted), each router's through `admission` (default: one that
    waits for the CPU as on fast timers); how many were started. Recorded in the state."""
    started: list[Process] = []
    routers = plan.frr_routers()
    gate = admission or Admission(what="routers' host daemons")
    large = plan.large()
    # A shared LAN's model master starts its keepalived before the other members do. A backup that came up first
    # would hold the gateway until the master's preempt delay ran out (60 s in the sample city), or for good where
    # the pair does not preempt; started no later than a backup, the master wins the election.
    masters = {segment.members[0].device for segment in plan.segments}
    backups = {member.device for segment in plan.segments for member in segment.members[1:]} - masters

    def start_router(router: RouterPlan, first: bool = True) -> None:
        # A failed router has no power: its VRRP speaker stays stopped until `restore node`.
        wanted = DAEMONS if router.device in state.failed_nodes else daemons(router)
        if router.device in backups:
            wanted = tuple(daemon for daemon in wanted if (daemon != VRRP_DAEMON) == first)
        elif not first:
            return
        missing = [daemon for daemon, up in running(state, router, wanted).items() if not up]
        if missing:
            gate.admit(router.device, len(routers))  # room for them, or a clear stop
        for daemon in missing:
            STOP.check()
            known = state.process(daemon, router.netns)
            if known is not None and known.alive():
                stop_pids([known.pid])
            started.append(start(home, router, daemon))
            if daemon != "lldpd":
                _mark_loaded(home, state, router, daemon)
        if large and "snmpd" in missing:
            slow_interface_cache(router)  # snmpd, started first, has had the others' starts to come up

    try:
        # In parallel, as FRR starts: each start may wait for the CPU (admission), and one after the other a
        # whole city's thousand routers waited their share of that in turn.
        parallel(start_router, routers)
        parallel(lambda router: start_router(router, first=False), [r for r in routers if r.device in backups])
    finally:
        # Whatever stops the loop (a request to stop, a failure), what was started is recorded.
        state.add_processes(started)
        home.save(state)
    return len(started)


def stop_vrrp(state: LabState, router: RouterPlan) -> bool:
    """Stop the router's keepalived (a failed node); whether one ran."""
    known = state.process(VRRP_DAEMON, router.netns)
    if known is None or not known.alive() or not in_namespace(known.pid, router.netns):
        return False
    stop_pids([known.pid])
    return True


def start_vrrp(home: LabHome, state: LabState, router: RouterPlan) -> bool:
    """Start the router's keepalived when it shares a LAN gateway and it does not run (a restored node); whether it
    was started. Recorded in the state (saved by the caller)."""
    if not router.vrrp or running(state, router, (VRRP_DAEMON,))[VRRP_DAEMON]:
        return False
    state.add_processes([start(home, router, VRRP_DAEMON)])
    _mark_loaded(home, state, router, VRRP_DAEMON)
    return True


def ensure_lldpd_chroot() -> bool:
    """lldpd's /run/lldpd; whether the lab made it."""
    if LLDPD_CHROOT.is_dir():
        return False
    LLDPD_CHROOT.mkdir(mode=0o755)
    return True


def remove_lldpd_chroot() -> None:
    """Remove /run/lldpd (made by the lab; lldpd copies a few /etc files into it) unless an lldpd still runs."""
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().strip() == "lldpd":
                return
        except OSError:
            continue
    shutil.rmtree(LLDPD_CHROOT, ignore_errors=True)


def login_groups() -> list[str]:
    """Groups the login user needs beyond FRR's: adm, which may run Debian's lldpcli (setuid _lldpd, mode 4750)."""
    try:
        grp.getgrnam(LLDPCLI_GROUP)
    except KeyError:
        return []
    return [LLDPCLI_GROUP]


@dataclass
class Applied:
    """What applying a router's host files did (or would do, in check mode)."""

    changed: list[str]  # parts whose file changed
    restarted: list[str]  # daemons restarted
    reloaded: list[str]  # sshd reloaded


def apply(home: LabHome, netns: str, parts: Mapping[str, str], check: bool = False) -> Applied:
    """Apply host files (part suffix -> text, secrets already filled) to the lab router of `netns`: each changed
    file is written atomically, then only the daemons whose file differs from the one they run on are restarted
    (sshd reloaded, after `sshd -t` accepted the new drop-in; an invalid one is put back and LabError raised, so
    the controller keeps its way in): a run interrupted between the two is completed by the next. Check mode
    writes nothing and says which files would change."""
    share_identical_pages()  # the daemons it restarts, like those `up` started
    unknown = sorted(set(parts) - set(HOST_FILE_BY_PART))
    if unknown:
        raise LabError(f"not host file parts: {', '.join(unknown)}",
                       hint=f"host file parts are {', '.join(HOST_FILE_BY_PART)}")
    with home.locked():
        plan, state = home.require()
        router = next((r for r in plan.frr_routers() if r.netns == netns), None)
        if router is None:
            raise LabError(f"no FRR router of the lab runs in namespace {netns}",
                           hint="netops lab status lists the routers and their namespaces")
        root = host_dir(home, router.device)
        changes = {part: text for part, text in parts.items()
                   if _read(root / HOST_FILE_BY_PART[part].relative) != text}
        result = Applied(changed=sorted(changes), restarted=[], reloaded=[])
        if check:
            return result
        gid = _login_gid()
        sshd_process = state.process("sshd", netns)
        if "sshd" in changes and sshd_process is not None and sshd_process.alive():
            # The drop-in first, alone: one sshd refuses changes nothing else.
            drop_in = root / HOST_FILE_BY_PART["sshd"].relative
            previous = _read(drop_in)
            write_host_file(drop_in, changes["sshd"], gid)
            problem = _sshd_check(sshd_process.pid, home, router)
            if problem:
                write_host_file(drop_in, previous if previous is not None else HOST_FILE_BY_PART["sshd"].bootstrap,
                                gid)
                raise LabError(f"{router.device}: sshd refuses the new drop-in, the previous one is kept: {problem}",
                               hint="fix the sshd part of the rendered config (netops render)")
        for part, text in changes.items():
            write_host_file(root / HOST_FILE_BY_PART[part].relative, text, gid)
        # What runs on another file than the one in place is (re)loaded: the files changed now, and those a run
        # interrupted after writing them left unloaded.
        stale = [f for f in HOST_FILES if f.after is not None and f.part in parts and _unloaded(home, state, router, f)]
        if sshd_process is not None and sshd_process.alive():
            if any(f.after == "sshd" for f in stale):
                os.kill(sshd_process.pid, signal.SIGHUP)  # sshd re-executes itself in place: same pid, new config
                result.reloaded.append("sshd")
                _mark_loaded(home, state, router, "sshd")
            for part in parts:
                source, target = root / HOST_FILE_BY_PART[part].relative, HOST_FILE_BY_PART[part].etc
                if target in FILE_BINDS and _bind_stale(sshd_process.pid, source, target):
                    _rebind(sshd_process.pid, source, target)
        for daemon in daemons(router):
            # keepalived reads its interfaces' own addresses when it starts, and a reload does not read them again:
            # once the push changed one (frr.conf readdressed a shared LAN), an instance would stay in FAULT ("no
            # IPv4 address"). It is restarted then, whether or not its file changed.
            readdressed = daemon == VRRP_DAEMON and _readdressed(state, router)
            if readdressed or any(f.after == daemon for f in stale):
                known = state.process(daemon, netns)
                if daemon == VRRP_DAEMON and known is not None and known.alive() and not readdressed:
                    # keepalived reloads in place (SIGHUP): its instances keep their state, so a push of the same
                    # groups to the master does not hand the gateway to the backup and back.
                    os.kill(known.pid, signal.SIGHUP)
                    _mark_loaded(home, state, router, daemon)
                    result.reloaded.append(daemon)
                    continue
                if daemon == VRRP_DAEMON and router.device in state.failed_nodes:
                    _mark_loaded(home, state, router, daemon)  # read when the node is restored
                    continue
                if known is not None and known.alive():
                    stop_pids([known.pid])
                state.add_processes([start(home, router, daemon)])
                _mark_loaded(home, state, router, daemon)
                if daemon == "snmpd" and plan.large():
                    slow_interface_cache(router)
                result.restarted.append(daemon)
        if result.restarted or result.reloaded:
            home.save(state)
        return result


def _loaded_key(router: RouterPlan, daemon: str) -> str:
    return f"{router.netns} {daemon}"


def _file_digest(home: LabHome, router: RouterPlan, daemon: str) -> str:
    host_file = next(f for f in HOST_FILES if f.after == daemon)
    return digest(_read(host_dir(home, router.device) / host_file.relative) or "")


def _mark_loaded(home: LabHome, state: LabState, router: RouterPlan, daemon: str) -> None:
    """Record which file the daemon now runs on (keepalived: and on which addresses of its LANs)."""
    state.host_loaded[_loaded_key(router, daemon)] = _file_digest(home, router, daemon)
    if daemon == VRRP_DAEMON:
        state.host_loaded[_addresses_key(router)] = own_lan_addresses(router)


def _addresses_key(router: RouterPlan) -> str:
    return f"{router.netns} {VRRP_DAEMON} addresses"


def own_lan_addresses(router: RouterPlan) -> str:
    """The router's own addresses on its shared LANs (not the virtual ones), as `<interface> <address>/<length>`
    words, sorted: what keepalived's instances take their source address from."""
    words = []
    for lan in router.lans:
        if lan.segment is None:
            continue
        shown = run(["ip", "-n", router.netns, "-j", "-4", "address", "show", "dev", lan.name], check=False)
        if shown.returncode != 0 or not shown.stdout.strip():
            continue
        words += [f"{lan.name} {info.get('local')}/{info.get('prefixlen')}"
                  for entry in json.loads(shown.stdout) for info in entry.get("addr_info", [])
                  if info.get("local") != str(lan.gateway.ip)]
    return " ".join(sorted(words))


def readdressed(recorded: str | None, current: str) -> bool:
    """Whether an interface that had own addresses when keepalived (re)started (`recorded`, as
    `own_lan_addresses` words) now has others. An interface that had none (a bootstrap router: FRR not configured
    yet) does not count: keepalived had no instance on it, a reload makes one and reads its address then."""
    def by_interface(words: str) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        pairs = words.split()
        for interface, address in zip(pairs[::2], pairs[1::2], strict=True):
            found.setdefault(interface, set()).add(address)
        return found

    if recorded is None:
        return False  # unknown: as it was
    before, now = by_interface(recorded), by_interface(current)
    return any(now.get(interface, set()) != addresses for interface, addresses in before.items())


def _readdressed(state: LabState, router: RouterPlan) -> bool:
    """Whether the router's shared LANs have other own addresses than when its keepalived was (re)started."""
    return router.vrrp and readdressed(state.host_loaded.get(_addresses_key(router)), own_lan_addresses(router))


def mark_sshd_loaded(home: LabHome, state: LabState, router: RouterPlan) -> None:
    """Record the drop-in a freshly started sshd of the router read."""
    if router.runs_frr:
        _mark_loaded(home, state, router, "sshd")


def _unloaded(home: LabHome, state: LabState, router: RouterPlan, host_file: HostFile) -> bool:
    """Whether the file's daemon runs on another version of it (unknown: it is loaded)."""
    assert host_file.after is not None
    loaded = state.host_loaded.get(_loaded_key(router, host_file.after))
    return loaded is not None and loaded != _file_digest(home, router, host_file.after)


def _bind_stale(pid: int, source: Path, target: str) -> bool:
    """Whether the file bound on `target` in the sshd's mount namespace is not `source` any more (replaced)."""
    shown = run(["nsenter", "-t", str(pid), "-m", "--", "stat", "-L", "-c", "%i", target], check=False)
    try:
        return int(shown.stdout.strip()) != source.stat().st_ino
    except (ValueError, OSError):
        return True


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _sshd_check(pid: int, home: LabHome, router: RouterPlan) -> str:
    """`sshd -t` of the router's sshd config in its mount namespace (where the drop-in is bound); the problem, or
    "" when sshd accepts it."""
    config = home.ssh_dir(router.device) / "sshd_config"
    checked = run(["nsenter", "-t", str(pid), "-m", "-n", "--", str(sshd.SSHD), "-t", "-f", str(config)],
                  check=False)
    return "" if checked.returncode == 0 else (checked.stderr or checked.stdout).strip()


def _rebind(pid: int, source: Path, target: str) -> None:
    """Bind a replaced file again in the router's sshd mount namespace (a bind holds the file it was made on, not
    its name)."""
    run(["nsenter", "-t", str(pid), "-m", "--", "sh", "-c",
         'umount "$2" 2>/dev/null; mount --bind "$1" "$2"', "sh", str(source), target])
