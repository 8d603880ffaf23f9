"""Private FRR routers reached over real SSH, for the driver's integration tests, recordings and benchmark.

Each router is one network namespace running one FRR instance (pathspace -N NAME + watchfrr --netns, in a
UTS namespace named after the router: FRR #7583), an sshd inside the same namespaces with a private /tmp and
/run/frr/NAME and /etc/frr/NAME bind-mounted on /run/frr and /etc/frr (plain `vtysh` and `frr-reload.py`
work, as on a standalone Debian box), and a dedicated unprivileged login user in the groups frr and frrvty.
Management: a veth `mgmt0` to the root namespace on a private 198.18.X.Y/30 (the address is the kernel's, not
FRR's, so no config push can take it away). Routers are chained by veths `eth1`/`eth2` with OSPF and iBGP.
Like a Debian box, each router runs chronyd (-x: it never sets the host's clock; the last router serves time to
the others) and lldpd in its namespace, and has its own /etc/chrony, /etc/snmp (snmpd.conf, SNMPv3 only) and /run
(lldpd's socket, FRR's pid files) in its sshd's mount namespace (`host_files`); the login user's key is in its
home's authorized_keys. chronyd and lldpd are left out where they are not installed.
Everything is stopped by pid and removed when the context ends (notes: lab-frr-namespaces).
"""

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

FRRINIT = Path("/usr/lib/frr/frrinit.sh")
RELOAD = Path("/usr/lib/frr/frr-reload.py")
SSHD = Path("/usr/sbin/sshd")
CHRONYD = Path("/usr/sbin/chronyd")
LLDPD = Path("/usr/sbin/lldpd")
#: Where a router's host files are bound in its sshd's mount namespace (the paths a Debian box has).
HOST_DIRS = {"chrony": Path("/etc/chrony"), "snmp": Path("/etc/snmp")}
USER = "nfrrtest"


def _run(*argv: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=check)


def why_not() -> str | None:
    """Why the private routers cannot run here (None: they can)."""
    if os.geteuid() != 0:
        return "needs root (network namespaces, FRR, sshd)"
    for path in (FRRINIT, RELOAD, SSHD, Path("/usr/bin/vtysh")):
        if not path.exists():
            return f"{path} is missing (scripts/install-system-packages)"
    return None


@dataclass
class Router:
    """One private router: its netns/pathspace, hostname and management address."""

    netns: str
    hostname: str
    address: str
    root_link: str
    link_address: str
    sshd_pid: int = 0
    daemon_pids: list[int] = field(default_factory=list)
    config_dir: Path = field(default_factory=Path)


@dataclass
class Routers:
    """The running routers and what a client needs to log in."""

    routers: list[Router]
    user: str
    key_file: Path
    known_hosts: Path
    workdir: Path

    def optional_args(self) -> dict[str, object]:
        """NAPALM optional_args for the driver."""
        return {"key_file": str(self.key_file), "known_hosts_file": str(self.known_hosts), "ssh_strict": True}

    def strip_host(self, router: Router) -> None:
        """Make the router a box without its host daemons: chronyd and lldpd stopped, no chrony.conf or
        snmpd.conf."""
        for pid in router.daemon_pids:
            os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)
        router.daemon_pids.clear()
        for name in ("chrony/chrony.conf", "snmp/snmpd.conf"):
            (self.workdir / router.netns / "host" / name).unlink()

    def ssh_argv(self, router: Router) -> list[str]:
        """`ssh` to a router, for the plain-ssh peer of the benchmark."""
        return ["ssh", "-i", str(self.key_file), "-o", f"UserKnownHostsFile={self.known_hosts}",
                "-o", "StrictHostKeyChecking=yes", "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
                "-o", "LogLevel=ERROR", f"{self.user}@{router.address}"]


def bootstrap_config(index: int, count: int, router: Router) -> str:
    """A small config with OSPF and iBGP to the neighbours of the chain."""
    # `no ipv6 forwarding`: what zebra shows in a new namespace (IPv6 forwarding off); left out, every replace
    # with this config would delete it, turning IPv6 forwarding on, and diffs would depend on what ran before.
    lines = ["frr defaults traditional", f"hostname {router.hostname}", "no ipv6 forwarding",
             "service integrated-vtysh-config", "!",
             "interface lo", f" ip address 10.255.0.{index + 1}/32", " ip ospf area 0", "exit", "!"]
    neighbours = []
    if index > 0:
        lines += ["interface eth1", f" description link to r{index - 1}",
                  f" ip address 192.0.2.{4 * (index - 1) + 2}/30",
                  " ip ospf area 0", " ip ospf network point-to-point", " ip ospf hello-interval 1",
                  " ip ospf dead-interval 4", "exit", "!"]
        neighbours.append(f"192.0.2.{4 * (index - 1) + 1}")
    if index < count - 1:
        lines += ["interface eth2", f" description link to r{index + 1}", f" ip address 192.0.2.{4 * index + 1}/30",
                  " ip ospf area 0", " ip ospf network point-to-point", " ip ospf hello-interval 1",
                  " ip ospf dead-interval 4", "exit", "!"]
        neighbours.append(f"192.0.2.{4 * index + 2}")
    lines += ["router ospf", f" ospf router-id 10.255.0.{index + 1}", "exit", "!",
              "router bgp 65000", f" bgp router-id 10.255.0.{index + 1}", " no bgp ebgp-requires-policy"]
    for neighbour in neighbours:
        lines += [f" neighbor {neighbour} remote-as 65000", f" neighbor {neighbour} description r-peer {neighbour}",
                  f" neighbor {neighbour} timers 3 9", f" neighbor {neighbour} timers connect 1"]
    lines += [" !", " address-family ipv4 unicast", f"  network 10.255.0.{index + 1}/32", " exit-address-family",
              "exit", "!", "end"]
    return "\n".join(lines) + "\n"


def host_files(index: int, count: int, router: Router) -> dict[str, str]:
    """The router's host daemons' files, by path under its host directory (bound on /etc/chrony, /etc/snmp).

    The last router serves time from its local clock; the others use it (its loopback) as their server and
    its link address as a symmetric peer."""
    last = count - 1
    if index == last:
        chrony = ["local stratum 8", "allow 10.255.0.0/24", "allow 192.0.2.0/24"]
    else:
        chrony = [f"server 10.255.0.{last + 1} iburst minpoll 0 maxpoll 4",
                  f"peer 192.0.2.{4 * index + 2} minpoll 0 maxpoll 4"]
    chrony += ["makestep 1 3", "bindcmdaddress 127.0.0.1", "bindcmdaddress /"]
    snmpd = ["agentAddress udp:161", f"sysName {router.hostname}", f"sysLocation Test rack {index + 1}",
             "sysContact noc@example.net", "rouser netops priv"]
    return {"chrony/chrony.conf": "\n".join(chrony) + "\n", "snmp/snmpd.conf": "\n".join(snmpd) + "\n"}


def _daemons() -> str:
    lines = ["bgpd=yes", "ospfd=yes", "vtysh_enable=yes", 'watchfrr_options="--netns"', "frr_profile=traditional"]
    lines += [f'{daemon}_options="-A 127.0.0.1 -P 0"' for daemon in ("zebra", "bgpd", "ospfd", "staticd")]
    return "\n".join(lines) + "\n"


def _ensure_user(home: Path) -> None:
    try:
        pwd.getpwnam(USER)
    except KeyError:
        _run("useradd", "--system", "--no-create-home", "--home-dir", str(home), "--shell", "/bin/sh",
             "--groups", "frr,frrvty", USER)
        _run("usermod", "-p", "*", USER)
    _run("usermod", "--home", str(home), USER)  # left over from an interrupted run: this run's home
    # Debian's lldpcli is setuid _lldpd (lldpd's socket) and only group adm may run it.
    _run("usermod", "-aG", "adm", USER)


def _wait(predicate: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.1)


@contextlib.contextmanager
def private_routers(count: int = 2, bgp_wait: bool = True, hostnames: list[str] | None = None) -> Iterator[Routers]:
    """`count` chained routers (named `hostnames`, default frr-r<i>), each with its sshd; all removed afterwards
    (also on failure)."""
    reason = why_not()
    if reason:
        raise RuntimeError(reason)
    tag = f"nf{os.getpid() % 100000}"
    octet = 128 + os.getpid() % 120
    workdir = Path(tempfile.mkdtemp(prefix="napalm-frr-", dir="/var/tmp"))
    workdir.chmod(0o755)
    names = [*(hostnames or []), *(f"frr-r{i}" for i in range(len(hostnames or []), count))]
    routers = [Router(netns=f"{tag}{chr(97 + i)}", hostname=names[i], address=f"198.18.{octet}.{4 * i + 2}",
                      root_link=f"{tag}{chr(97 + i)}m", link_address=f"198.18.{octet}.{4 * i + 1}")
               for i in range(count)]
    key = workdir / "id_ed25519"
    known_hosts = workdir / "known_hosts"
    made_user = False
    try:
        try:
            pwd.getpwnam(USER)
        except KeyError:
            made_user = True
        _ensure_user(workdir / "home")
        (workdir / "home").mkdir(exist_ok=True)
        shutil.chown(workdir / "home", USER)
        _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "napalm-frr-test", "-f", str(key))
        ssh_home = workdir / "home" / ".ssh"
        ssh_home.mkdir(mode=0o700)
        shutil.copy(key.with_suffix(".pub"), ssh_home / "authorized_keys")
        for path in (ssh_home, ssh_home / "authorized_keys"):
            shutil.chown(path, USER)
        for i, router in enumerate(routers):
            _run("ip", "netns", "add", router.netns)
            _run("ip", "link", "add", router.root_link, "type", "veth", "peer", "name", "mgmt0", "netns", router.netns)
            _run("ip", "addr", "add", f"{router.link_address}/30", "dev", router.root_link)
            _run("ip", "link", "set", router.root_link, "up")
            _run("ip", "-n", router.netns, "addr", "add", f"{router.address}/30", "dev", "mgmt0")
            for link in ("lo", "mgmt0"):
                _run("ip", "-n", router.netns, "link", "set", link, "up")
            if i > 0:
                previous = routers[i - 1]
                _run("ip", "link", "add", "eth2", "netns", previous.netns, "type", "veth", "peer", "name", "eth1",
                     "netns", router.netns)
                _run("ip", "-n", previous.netns, "link", "set", "eth2", "up")
                _run("ip", "-n", router.netns, "link", "set", "eth1", "up")
        for i, router in enumerate(routers):
            _run("ip", "netns", "exec", router.netns, "sysctl", "-qw", "net.ipv4.ip_forward=1")
            router.config_dir = Path("/etc/frr") / router.netns
            router.config_dir.mkdir()
            vtysh_conf = f"service integrated-vtysh-config\nhostname {router.hostname}\n"
            files = {"daemons": _daemons(), "vtysh.conf": vtysh_conf,
                     "frr.conf": bootstrap_config(i, count, router)}
            for name, text in files.items():
                (router.config_dir / name).write_text(text, encoding="utf-8")
            for path in (router.config_dir, *router.config_dir.iterdir()):
                shutil.chown(path, "frr", "frr")
                path.chmod(0o2770 if path.is_dir() else 0o660)
            start = f"hostname {router.hostname} && exec {FRRINIT} start {router.netns}"
            _run("unshare", "--uts", "--", "sh", "-c", start)
            ssh_dir = workdir / router.netns
            ssh_dir.mkdir()
            host_key = ssh_dir / "ssh_host_ed25519_key"
            _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(host_key))
            public = host_key.with_suffix(".pub").read_text().split()
            with known_hosts.open("a") as out:
                out.write(f"{router.address} {public[0]} {public[1]}\n")
            config = ssh_dir / "sshd_config"
            config.write_text("\n".join([
                f"ListenAddress {router.address}", f"HostKey {host_key}",
                "AuthorizedKeysFile %h/.ssh/authorized_keys",
                f"AllowUsers {USER}", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
                "PermitRootLogin no", "UsePAM no", "StrictModes no", "UseDNS no", "PrintMotd no", "PidFile none",
                "MaxStartups 100:30:200", "MaxSessions 50", "LogLevel ERROR", ""]))
            run_dir, host_dir = ssh_dir / "run", ssh_dir / "host"
            for directory in (run_dir / "frr", run_dir / "sshd", *(host_dir / name for name in HOST_DIRS)):
                directory.mkdir(parents=True, mode=0o755)
            for name, text in host_files(i, count, router).items():
                if name == "chrony/chrony.conf":  # chronyd's pid file where it cannot meet another router's
                    text += f"pidfile {ssh_dir / 'chronyd.pid'}\n"
                (host_dir / name).write_text(text, encoding="utf-8")
            # The router's own /run: FRR's (pid files, vtysh sockets), lldpd's socket, sshd's privilege separation.
            binds = [f"mount --bind {host_dir / name} {target}" for name, target in HOST_DIRS.items()
                     if target.is_dir()]
            script = " && ".join([f"hostname {router.hostname}", "mount -t tmpfs -o mode=1777,size=64m tmpfs /tmp",
                                  f"mount --bind /run/frr/{router.netns} {run_dir / 'frr'}",
                                  f"mount --rbind {run_dir} /run",
                                  f"mount --bind {router.config_dir} /etc/frr", *binds,
                                  f"exec {SSHD} -D -f {config} -E {ssh_dir / 'sshd.log'}"])
            process = subprocess.Popen(["ip", "netns", "exec", router.netns, "unshare", "--uts", "--", "sh", "-c",
                                        script], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL, start_new_session=True)
            router.sshd_pid = process.pid
            _start_host_daemons(router, ssh_dir)
        handle = Routers(routers=routers, user=USER, key_file=key, known_hosts=known_hosts, workdir=workdir)
        for router in routers:
            _wait(lambda r=router: _run("vtysh", "-N", r.netns, "-c", "show version", check=False).returncode == 0,
                  30, f"FRR of {router.netns} did not start")
            _wait(lambda r=router: _run(*handle.ssh_argv(r), "true", check=False).returncode == 0, 30,
                  f"sshd of {router.netns} did not answer")
        if bgp_wait and count > 1:
            _wait(lambda: "Established" in _run("vtysh", "-N", routers[0].netns, "-c",
                                                 "show bgp summary json").stdout, 40, "BGP did not come up")
            route = ("vtysh", "-N", routers[0].netns, "-c", "show ip route 10.255.0.2 json")
            _wait(lambda: '"ospf"' in _run(*route).stdout,
                  40, "OSPF did not come up")
        if LLDPD.exists() and count > 1:
            for router in routers:  # lldpd sends every 30 s: each one sends now, its neighbours are known at once
                _run("ip", "netns", "exec", router.netns, "lldpcli", "-u", str(workdir / router.netns / "run" /
                                                                             "lldpd.socket"), "update", check=False)
            show = ("ip", "netns", "exec", routers[0].netns, "lldpcli", "-u",
                    str(workdir / routers[0].netns / "run" / "lldpd.socket"), "-f", "json", "show", "neighbors")
            _wait(lambda: routers[1].hostname in _run(*show, check=False).stdout, 30, "LLDP did not see r1")
        yield handle
    finally:
        _teardown(routers, workdir, made_user)


def _start_host_daemons(router: Router, directory: Path) -> None:
    """chronyd (-x) and lldpd in the router's namespace, in the foreground as children of this process."""
    commands = []
    if CHRONYD.exists():
        commands.append(f"exec {CHRONYD} -d -x -f {directory / 'host/chrony/chrony.conf'}")
    if LLDPD.exists():
        Path("/run/lldpd").mkdir(mode=0o755, exist_ok=True)  # lldpd's privilege separation chroot
        commands.append(f"hostname {router.hostname} && exec {LLDPD} -d -u {directory / 'run' / 'lldpd.socket'}")
    for command in commands:
        process = subprocess.Popen(["ip", "netns", "exec", router.netns, "unshare", "--uts", "--", "sh", "-c",
                                    command], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        router.daemon_pids.append(process.pid)


def _teardown(routers: list[Router], workdir: Path, made_user: bool) -> None:
    for router in routers:
        for pid in (router.sshd_pid, *router.daemon_pids):
            if pid:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
    # napalm_frr's revert timers run under the sshd's session: end any left over (by pid, from its state dir).
    for router in routers:
        for pid_file in router.config_dir.glob("napalm-frr/*.pid") if router.config_dir.parts else []:
            with contextlib.suppress(ValueError, ProcessLookupError, OSError):
                os.killpg(int(pid_file.read_text().strip()), signal.SIGTERM)
    stops = [subprocess.Popen([str(FRRINIT), "stop", r.netns], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for r in routers if (Path("/var/run/frr") / r.netns).exists()]
    for stop in stops:
        stop.wait(timeout=60)
    for router in routers:
        for pid in (router.sshd_pid, *router.daemon_pids):
            if pid:
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, 0)
        # sshd's per-connection sessions are not its children once it exits, and they would keep the namespace
        # (and the test user) alive: every process left in the router's namespace is ended with it.
        for pid in _run("ip", "netns", "pids", router.netns, check=False).stdout.split():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid), signal.SIGKILL)
        _run("ip", "link", "del", router.root_link, check=False)
        _run("ip", "netns", "del", router.netns, check=False)
        if router.config_dir.parts and router.config_dir != Path():
            shutil.rmtree(router.config_dir, ignore_errors=True)
        shutil.rmtree(Path("/var/run/frr") / router.netns, ignore_errors=True)
    if made_user:
        # Whatever still runs as the test's own login user (a revert timer's sleep) was started by this fixture.
        for pid in _run("ps", "-u", USER, "-o", "pid=", check=False).stdout.split():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid), signal.SIGKILL)
        time.sleep(0.2)
        _run("userdel", USER, check=False)
    shutil.rmtree(workdir, ignore_errors=True)
