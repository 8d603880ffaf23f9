"""One sshd per router, so every router is reached over SSH at its management address like a real box.

Each sshd runs in the router's network namespace, in a UTS namespace named after the device, and in a
mount namespace of its own where /tmp is a private tmpfs (parallel pushes stage files in /tmp),
/run/frr/<netns> is bind-mounted on /run/frr and the router's config dir on /etc/frr: inside an SSH
session plain `vtysh`, `vtysh -w` and `frr-reload.py` work without -N. The login user is a dedicated
unprivileged account in the groups frr and frrvty (root's shell start-up is slow and root is not
needed), with a key made for the lab; `usermod -p '*'` unlocks it for key logins (sshd runs with
UsePAM no and refuses locked accounts).

An FRR router's sshd also sees the router's host files where a Debian box has them (netops.lab.hostd: /etc/snmp,
/etc/chrony, /etc/rsyslog.d, /etc/ssh/sshd_config.d, /etc/issue.net, /etc/pam_radius_auth.conf bound from
the router's folder), and a /run of its own (a tmpfs with the machine's /run/sshd, the router's /run/frr and
/run/lldpd.socket leading to the router's lldpd), so `lldpcli`, `chronyc` and `cat /etc/snmp/snmpd.conf` in a
session answer for the router. Its sshd_config includes the router's sshd drop-in first: sshd keeps the first
value it reads, so the rendered hardening is in force.
"""

import grp
import os
import pwd
import subprocess
from pathlib import Path

from netops.lab import hostd
from netops.lab.netns import namespace_shell, run
from netops.lab.state import LabHome, Process
from netops.lab.topology import RouterPlan

SSHD = Path("/usr/sbin/sshd")
SSH_KEYGEN = Path("/usr/bin/ssh-keygen")
REQUIRED = {SSHD: "openssh-server", SSH_KEYGEN: "openssh-client", Path("/usr/sbin/useradd"): "passwd"}
#: The login user of the lab routers ($NETOPS_LAB_USER).
DEFAULT_USER = "netops"
#: Where the router's sshd drop-ins are (bound from the router's host folder).
SSHD_DROP_INS = "/etc/ssh/sshd_config.d"
#: sshd's privilege-separation directory (the packaged service creates it; the lab does when it is missing).
PRIVSEP_DIR = Path("/run/sshd")


def missing() -> dict[str, str]:
    """Missing programs -> the Debian package that installs them."""
    return {str(path): package for path, package in REQUIRED.items() if not path.exists()}


def login_user() -> str:
    """The login user's name."""
    return os.environ.get("NETOPS_LAB_USER", DEFAULT_USER)


def user_exists(name: str) -> bool:
    """Whether the account exists."""
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def create_user(name: str, home: Path) -> None:
    """The dedicated login user: groups frr and frrvty, /bin/sh, unlocked for key logins only."""
    groups = [g for g in ("frr", "frrvty") if _group_exists(g)] + hostd.login_groups()
    run(["useradd", "--system", "--no-create-home", "--home-dir", str(home), "--shell", "/bin/sh",
         "--comment", "netops lab router login", *(["--groups", ",".join(groups)] if groups else []), name])
    run(["usermod", "-p", "*", name])
    home.mkdir(parents=True, exist_ok=True)
    entry = pwd.getpwnam(name)
    os.chown(home, entry.pw_uid, entry.pw_gid)
    home.chmod(0o750)


def delete_user(name: str) -> None:
    """Remove the login user (its home is under the lab home and goes with it)."""
    if user_exists(name):
        run(["userdel", name], check=False)


def _primary_group(user: str) -> str:
    try:
        return grp.getgrgid(pwd.getpwnam(user).pw_gid).gr_name
    except KeyError:
        return user


def _group_exists(name: str) -> bool:
    try:
        grp.getgrnam(name)
    except KeyError:
        return False
    return True


def ensure_client_key(home: LabHome) -> None:
    """The key every router accepts, and authorized_keys for the login user."""
    if not home.client_key.exists():
        run([str(SSH_KEYGEN), "-q", "-t", "ed25519", "-N", "", "-C", "netops-lab", "-f", str(home.client_key)])
    public = home.client_key.with_suffix(".pub").read_text()
    authorized = home.path / "authorized_keys"
    if not authorized.exists() or authorized.read_text() != public:
        authorized.write_text(public)
    authorized.chmod(0o644)


def ensure_host_key(home: LabHome, device: str) -> Path:
    """The router's own host key."""
    directory = home.ssh_dir(device)
    directory.mkdir(parents=True, exist_ok=True)
    key = directory / "ssh_host_ed25519_key"
    if not key.exists():
        run([str(SSH_KEYGEN), "-q", "-t", "ed25519", "-N", "", "-C", device, "-f", str(key)])
    return key


def sshd_config(home: LabHome, router: RouterPlan, user: str) -> str:
    """sshd_config of one router: key logins of the lab user only (its group: a rendered drop-in's
    `AllowUsers *@<cidr>` adds to AllowUsers, and both must then let a login in), after the router's drop-in."""
    directory = home.ssh_dir(router.device)
    drop_in = [f"Include {SSHD_DROP_INS}/*.conf"] if router.runs_frr else []
    return "\n".join([
        f"# netops lab: sshd of {router.device} (listens on every address of its namespace; its nftables",
        "# management-plane filter, once loaded, decides who may connect)",
        *drop_in,
        "Port 22",
        f"HostKey {directory / 'ssh_host_ed25519_key'}",
        f"AuthorizedKeysFile {home.path / 'authorized_keys'}",
        f"AllowGroups {_primary_group(user)}",
        "PubkeyAuthentication yes",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PermitRootLogin no",
        "UsePAM no",
        "StrictModes no",
        "UseDNS no",
        "PrintMotd no",
        "PrintLastLog no",
        "X11Forwarding no",
        "PidFile none",
        "MaxStartups 100:30:200",
        "MaxSessions 50",
        "LogLevel ERROR",
        "Subsystem sftp internal-sftp",
        "",
    ])


def ensure_privsep_dir() -> bool:
    """sshd's /run/sshd; whether the lab made it."""
    if PRIVSEP_DIR.is_dir():
        return False
    PRIVSEP_DIR.mkdir(mode=0o755)
    return True


def start(home: LabHome, router: RouterPlan, user: str) -> Process:
    """Start the router's sshd (in the foreground of its own process, so its pid is the one recorded)."""
    directory = home.ssh_dir(router.device)
    config = directory / "sshd_config"
    config.write_text(sshd_config(home, router, user))
    mounts = ["mount -t tmpfs -o mode=1777,size=64m tmpfs /tmp"]
    home_path = home.path.resolve()
    if home_path.is_relative_to("/tmp"):
        # A lab home under /tmp (a checkout there) would vanish under the router's own /tmp: keep the root's /tmp
        # reachable at /mnt (in this mount namespace only) and bind the home back in place.
        mounts = ["mount --bind /tmp /mnt", *mounts, f"mkdir -p {home_path}",
                  f"mount --bind /mnt/{home_path.relative_to('/tmp')} {home_path}"]
    if router.runs_frr:
        # A /run of the router's own: the machine's is reached through /tmp/.run while the binds are made.
        mounts += ["mkdir /tmp/.run", "mount --bind /run /tmp/.run",
                   "mount -t tmpfs -o mode=755,size=16m tmpfs /run", "mkdir /run/sshd /run/frr /run/lock",
                   f"mount --bind /tmp/.run/{PRIVSEP_DIR.name} {PRIVSEP_DIR}",
                   f"mount --bind /tmp/.run/frr/{router.netns} /run/frr",
                   f"mkdir {hostd.SESSION_RUN_DIR}",
                   f"mount --bind /tmp/.run/{hostd.run_dir(router).relative_to('/run')} {hostd.SESSION_RUN_DIR}",
                   "umount /tmp/.run", "rmdir /tmp/.run",
                   f"ln -s {hostd.SESSION_RUN_DIR}/lldpd.socket /run/lldpd.socket",
                   f"mount --bind {home.frr_dir(router.device)} /etc/frr"]
        mounts += [f"mount --bind {source} {target}" for source, target in hostd.bind_sources(home, router.device)]
    script = " && ".join([*mounts, f"exec {SSHD} -D -f {config} -E {directory / 'sshd.log'}"])
    # nsenter enters the namespaces and execs unshare (a mount and UTS namespace of its own), which execs sh,
    # which execs sshd: the pid below is sshd's.
    process = subprocess.Popen(namespace_shell(router.netns, script, hostname=router.device),
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    return Process(kind="sshd", owner=router.netns, pid=process.pid, marker=f"-f {config}")


def known_hosts(home: LabHome, routers: list[RouterPlan]) -> str:
    """known_hosts lines: each router's host key at its management address and under its name."""
    lines = []
    for router in routers:
        public = (home.ssh_dir(router.device) / "ssh_host_ed25519_key.pub").read_text().split()
        lines.append(f"{router.management.ip},{router.device} {public[0]} {public[1]}")
    return "\n".join(lines) + "\n"


def ssh_config(home: LabHome, routers: list[RouterPlan], user: str) -> str:
    """An ssh_config with one Host entry per router (ssh -F <home>/ssh_config <device>)."""
    blocks = []
    for router in routers:
        blocks.append("\n".join([
            f"Host {router.device}",
            f"  HostName {router.management.ip}",
            f"  User {user}",
            f"  IdentityFile {home.client_key}",
            "  IdentitiesOnly yes",
            f"  UserKnownHostsFile {home.known_hosts}",
            "  StrictHostKeyChecking yes",
            "  LogLevel ERROR",
        ]))
    return "\n\n".join(blocks) + "\n"
