"""Network namespaces, veth pairs and bridges: `ip -batch` for the many, setns(2) for looking inside.

Namespaces are created and deleted in one `ip -batch` each, links in one `ip -batch` from the root
namespace (`link add A netns X type veth peer name B netns Y` puts each end straight into its
namespace), and each namespace is then set up by one shell script of its own (sysctls, addresses,
routes, nftables): a few hundred processes for a whole lab, run in parallel.

Looking inside a namespace (which interfaces exist, reachability probes) needs no process at all: a
thread that calls setns(2) sees that namespace's network, and a socket it opens stays there.
"""

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


#: What every long-lived process the lab starts in a namespace does first. `ip netns exec` gives the process a
#: mount namespace of its own, a copy of the machine's, and the machine's holds one mount per network namespace
#: under /run/netns: at the whole city (4,400 namespaces, 4,200 daemons) that was 18 million mounts, 7 GiB of
#: the kernel's memory, and every namespace made afterwards was propagated into each daemon's copy. A lazy
#: unmount in the process's own mount namespace lets go of all of them (the machine's stay as they are).
RELEASE_NETNS_MOUNTS = f"umount -l {NETNS_DIR} 2>/dev/null"


def namespace_shell(netns: str, script: str, *args: str, hostname: str | None = None) -> list[str]:
    """The command line that runs a shell script in the network namespace, in a mount namespace that holds none
    of the machine's namespace mounts, and with `hostname`, in a UTS namespace of its own named so (snmpd, lldpd
    and FRR take the system name from it). `args` are the script's $@."""
    uts = ["unshare", "--uts", "--"] if hostname else []
    named = f"hostname {hostname} && " if hostname else ""
    return [IP, "netns", "exec", netns, *uts, "sh", "-c", f"{RELEASE_NETNS_MOUNTS}; {named}{script}", "sh", *args]


def daemon_command(netns: str, argv: Sequence[str], hostname: str | None = None) -> list[str]:
    """The command line that runs a daemon in the network namespace as `namespace_shell` says, exec'd: the pid of
    the process started is the daemon's."""
    return namespace_shell(netns, 'exec "$@"', *argv, hostname=hostname)


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
