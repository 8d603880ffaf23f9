"""Network namespaces, veth pairs and bridges: `ip -batch` for the many, setns(2) for looking inside.

Namespaces are created and deleted in one `ip -batch` each, links in one `ip -batch` from the root
namespace (`link add A netns X type veth peer name B netns Y` puts each end straight into its
namespace), and each namespace is then set up by one shell script of its own (sysctls, addresses,
routes, nftables): a few hundred processes for a whole lab, run in parallel.

Looking inside a namespace (which interfaces exist, reachability probes) needs no process at all: a
thread that calls setns(2) sees that namespace's network, and a socket it opens stays there.
"""

import contextlib
import fcntl
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from netops.errors import NetopsError

NETNS_DIR = Path("/run/netns")
IP = "ip"


#: The mount namespace every long-lived process of the lab is started from, kept by a bind of its nsfs file: a
#: private copy of the machine's mounts without the one per network namespace under /run/netns. `ip netns exec`
#: gives each process a copy of the machine's mounts, and at the whole city (4,400 namespaces) that is 4,400 of
#: them per process: 18 million mounts and 7 GiB of the kernel's memory for 4,200 daemons, and 25-30 ms of kernel
#: time per start to copy them and let them go. A copy of this namespace is 22 mounts.
LAB_MOUNTS_DIR = Path("/run/netops-lab")
LAB_MOUNTS = LAB_MOUNTS_DIR / "mnt"
_LAB_MOUNTS_MADE = threading.Lock()

#: What a process started from the lab's mount namespace does first, in a mount namespace of its own: the sysfs of
#: its network namespace on /sys, as `ip netns exec` mounts it (lldpd and snmpd read interfaces there).
MOUNT_OWN_SYSFS = "umount -l /sys 2>/dev/null; mount -t sysfs -o nosuid,nodev,noexec sysfs /sys"


def keep_lab_mounts() -> Path:
    """The lab's mount namespace (LAB_MOUNTS), made unless it is kept already; `release_lab_mounts` lets it go.

    Its folder is a private bind of itself: a mount namespace's file bound in a shared mount would propagate into
    that namespace. The lock (threads) and flock (processes: Ansible's forks apply host files) make it once."""
    with _LAB_MOUNTS_MADE:
        LAB_MOUNTS_DIR.mkdir(mode=0o755, exist_ok=True)
        folder = os.open(LAB_MOUNTS_DIR, os.O_RDONLY)
        try:
            fcntl.flock(folder, fcntl.LOCK_EX)
            if not os.path.ismount(LAB_MOUNTS):
                if not _mount_point(LAB_MOUNTS_DIR):
                    run(["mount", "--bind", str(LAB_MOUNTS_DIR), str(LAB_MOUNTS_DIR)])
                run(["mount", "--make-private", str(LAB_MOUNTS_DIR)])
                LAB_MOUNTS.touch()
                run(["unshare", f"--mount={LAB_MOUNTS}", "--propagation", "private", "--",
                     "sh", "-c", f"umount -l {NETNS_DIR} 2>/dev/null || true"])
        finally:
            os.close(folder)
    return LAB_MOUNTS


def release_lab_mounts() -> None:
    """Let go of the lab's mount namespace and its folder (the processes' own namespaces, copies, stay)."""
    if os.path.ismount(LAB_MOUNTS):
        run(["umount", str(LAB_MOUNTS)], check=False)
    LAB_MOUNTS.unlink(missing_ok=True)
    if _mount_point(LAB_MOUNTS_DIR):
        run(["umount", str(LAB_MOUNTS_DIR)], check=False)
    with contextlib.suppress(OSError):
        LAB_MOUNTS_DIR.rmdir()


def _mount_point(path: Path) -> bool:
    """Whether something is mounted on `path` (os.path.ismount misses a folder bound on itself: same device)."""
    with Path("/proc/self/mountinfo").open(encoding="utf-8") as mounts:
        return any(line.split()[4] == str(path) for line in mounts)


def namespace_shell(netns: str, script: str, *args: str, hostname: str | None = None) -> list[str]:
    """The command line that runs a shell script in the network namespace and in a mount namespace of its own,
    copied from the lab's (`keep_lab_mounts`, made here if missing); with `hostname`, in a UTS namespace of its
    own named so (snmpd, lldpd and FRR take the system name from it). `args` are the script's $@."""
    uts = ["--uts"] if hostname else []
    named = f"hostname {hostname} && " if hostname else ""
    return ["nsenter", f"--mount={keep_lab_mounts()}", f"--net={NETNS_DIR / netns}", "--",
            "unshare", "--mount", "--propagation", "private", *uts, "--",
            "sh", "-c", f"{MOUNT_OWN_SYSFS} && {named}{script}", "sh", *args]


def daemon_command(netns: str, argv: Sequence[str], hostname: str | None = None) -> list[str]:
    """The command line that runs a daemon in the network namespace as `namespace_shell` says, exec'd: the pid of
    the process started is the daemon's."""
    return namespace_shell(netns, 'exec "$@"', *argv, hostname=hostname)


def netns_command(netns: str, argv: Sequence[str]) -> list[str]:
    """The command line that runs a short-lived command in the network namespace and the caller's mount namespace:
    `ip netns exec` without its copy of the machine's mounts, for commands that read nothing under /sys (ip, nft,
    sysctl: /proc/sys/net is the caller's network namespace's)."""
    return ["nsenter", f"--net={NETNS_DIR / netns}", "--", *argv]


class LabCommandError(NetopsError):
    """A command the lab ran failed."""

    def __init__(self, command: Sequence[str], code: int, detail: str) -> None:
        self.command = list(command)
        self.code = code
        self.detail = detail.strip()
        super().__init__(f"`{' '.join(self.command)}` exited {code}: {self.detail[-2000:]}")


def run(command: Sequence[str], stdin: str | None = None, check: bool = True,
        timeout: float | None = 120) -> subprocess.CompletedProcess[str]:
    """Run a command, capturing its output; LabCommandError when it fails and `check`.

    In a session of its own: the terminal's Ctrl-C goes to netops alone, which lets the command finish (FRR's
    frrinit starting its daemons, a namespace's bootstrap) and stops at the next point where nothing is half made
    (netops.lab.interrupt)."""
    result = subprocess.run(list(command), input=stdin, capture_output=True, text=True, check=False,
                            timeout=timeout, start_new_session=True)
    if check and result.returncode != 0:
        raise LabCommandError(command, result.returncode, result.stderr or result.stdout)
    return result


def ip_batch(lines: Iterable[str], netns: str | None = None, force: bool = False) -> None:
    """Run `ip` commands in one process (`-force`: go on after an error, for teardown)."""
    text = "".join(line + "\n" for line in lines)
    if not text:
        return
    command = [IP, *(["-n", netns] if netns else []), *(["-force"] if force else []), "-batch", "-"]
    run(command, stdin=text, check=not force)


def existing_namespaces() -> set[str]:
    """Names under /run/netns."""
    try:
        return {entry.name for entry in NETNS_DIR.iterdir()}
    except FileNotFoundError:
        return set()


def root_links() -> set[str]:
    """Interface names in the root namespace."""
    return {name for _, name in _if_nameindex()}


def _if_nameindex() -> list[tuple[int, str]]:
    return socket.if_nameindex()


@contextmanager
def inside(netns: str) -> Iterator[None]:
    """Run the body of the `with` in the network namespace `netns` (this thread only), then come back."""
    own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    target = os.open(NETNS_DIR / netns, os.O_RDONLY)
    try:
        os.setns(target, os.CLONE_NEWNET)
        try:
            yield
        finally:
            os.setns(own, os.CLONE_NEWNET)
    finally:
        os.close(target)
        os.close(own)


def interfaces(netns: str) -> set[str]:
    """Interface names inside a namespace (no process started)."""
    result: list[set[str]] = []

    def look() -> None:
        with inside(netns):
            result.append({name for _, name in _if_nameindex()})

    # A fresh thread: setns never touches the caller's thread, whatever happens.
    thread = threading.Thread(target=look)
    thread.start()
    thread.join()
    if not result:
        raise NetopsError(f"cannot look inside namespace {netns}")
    return result[0]


def namespace_pids(names: Iterable[str]) -> dict[str, list[int]]:
    """The processes whose network namespace is one of `names` (by inode, one pass over /proc)."""
    inodes: dict[tuple[int, int], str] = {}
    for name in names:
        try:
            st = (NETNS_DIR / name).stat()
        except OSError:
            continue
        inodes[(st.st_dev, st.st_ino)] = name
    found: dict[str, list[int]] = {name: [] for name in inodes.values()}
    if not inodes:
        return found
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            st = (entry / "ns" / "net").stat()
        except OSError:
            continue
        owner = inodes.get((st.st_dev, st.st_ino))
        if owner is not None:
            found[owner].append(int(entry.name))
    return found


def in_namespace(pid: int, netns: str) -> bool:
    """Whether a process runs in the namespace now named `netns` (not in a deleted one of the same name)."""
    try:
        mine = (NETNS_DIR / netns).stat()
        theirs = Path(f"/proc/{pid}/ns/net").stat()
    except OSError:
        return False
    return (mine.st_dev, mine.st_ino) == (theirs.st_dev, theirs.st_ino)


def alive(pid: int) -> bool:
    """Whether a process exists (and is not a zombie)."""
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return status.rsplit(")", 1)[-1].split()[0] != "Z"


def stop_pids(pids: Iterable[int], grace: float = 5.0) -> list[int]:
    """SIGTERM every pid, wait up to `grace` seconds, SIGKILL what is left; the pids that had to be killed."""
    pending = set()
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
            pending.add(pid)
        except ProcessLookupError:
            continue
    deadline = time.monotonic() + grace
    while pending and time.monotonic() < deadline:
        _reap()
        pending = {pid for pid in pending if alive(pid)}
        if pending:
            time.sleep(0.05)
    killed = sorted(pending)
    for pid in killed:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
    while any(alive(pid) for pid in killed) and time.monotonic() < deadline + 5:
        _reap()
        time.sleep(0.05)
    return killed


def _reap() -> None:
    """Collect exited children of this process (sshd and listeners started by this run)."""
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def port_open(address: str, port: int, timeout: float = 1.0) -> bool:
    """Whether a TCP connection to the address and port succeeds within the timeout."""
    try:
        with socket.create_connection((address, port), timeout=timeout):
            return True
    except OSError:
        return False
