"""FRR per router: one instance per namespace through FRR's pathspaces.

Each daemon runs with `-N nl-<device>`: it reads /etc/frr/nl-<device>/ (a symlink to the router's folder under
the lab home) and keeps its sockets and pid files in /var/run/frr/nl-<device>/. A router runs zebra, ospfd and
bgpd, started inside its network namespace the way frrinit's `all_start` does it (each daemon with -d, then one
`vtysh -b` loading frr.conf into all of them), and nothing else: no watchfrr (1 MiB and a process per router, and
a lab router whose daemon dies should show it, not hide it) and no staticd (2 MiB; the design has no static
route). FRR 8.4 takes the machine's hostname under -N (FRR #7583), so the instance starts in a UTS namespace of
its own whose hostname is the device's, and vtysh.conf names the host too.
"""

import json
import os
import shutil
import socket
from pathlib import Path
from typing import Any

from netops.lab.netns import LabCommandError, in_namespace, namespace_shell, run
from netops.lab.state import Process, process_matches
from netops.lab.topology import RouterPlan

FRR_LIB = Path("/usr/lib/frr")
VTYSH = Path("/usr/bin/vtysh")
RELOAD = FRR_LIB / "frr-reload.py"
ETC_FRR = Path("/etc/frr")
RUN_FRR = Path("/var/run/frr")
#: ospfd's graceful-restart state: one file shared by every ospfd of the machine, made by the first one.
OSPF_GR_FILE = RUN_FRR / "ospfd-gr.json"
#: The daemons every lab router runs, in the order they start (zebra first: the others register with it).
DAEMONS = ("zebra", "ospfd", "bgpd")
#: Each daemon's options: FRR's traditional defaults (as the rendered configs say), no TCP vty.
DAEMON_OPTIONS = "-F traditional -P 0"
#: What must be installed, and the Debian package that brings it.
REQUIRED = {**{FRR_LIB / daemon: "frr" for daemon in DAEMONS}, VTYSH: "frr", RELOAD: "frr-pythontools"}


def missing() -> dict[str, str]:
    """Missing FRR programs -> the Debian package that installs them."""
    return {str(path): package for path, package in REQUIRED.items() if not path.exists()}


def vtysh_conf(hostname: str) -> str:
    """vtysh.conf: integrated config, and the hostname (the FRR #7583 workaround)."""
    return f"service integrated-vtysh-config\nhostname {hostname}\n"


def bootstrap_config(router: RouterPlan) -> str:
    """What a router boots with before provisioning: its hostname and its management port."""
    return (
        f"! {router.device}: lab bootstrap (hostname and management only); provisioning pushes the rest.\n"
        "frr version 8.4\n"
        "frr defaults traditional\n"
        f"hostname {router.device}\n"
        "service integrated-vtysh-config\n"
        "!\n"
        "interface mgmt0\n"
        " description out-of-band management\n"
        f" ip address {router.management}\n"
        "exit\n"
        "!\n"
        "end\n"
    )


def frr_ids() -> tuple[int, int]:
    """uid and gid of the frr user."""
    import grp
    import pwd

    return pwd.getpwnam("frr").pw_uid, grp.getgrnam("frr").gr_gid


def write_config_dir(directory: Path, router: RouterPlan, frr_conf: str) -> None:
    """The router's config dir: vtysh.conf and frr.conf, owned by frr (group-writable: `vtysh -w`).

    frr.conf is written only when the folder is new: a config provisioning saved there survives `up`.
    """
    uid, gid = frr_ids()
    directory.mkdir(parents=True, exist_ok=True)
    os.chown(directory, uid, gid)
    directory.chmod(0o2770)
    files = {"vtysh.conf": vtysh_conf(router.device)}
    if not (directory / "frr.conf").exists():
        files["frr.conf"] = frr_conf
    for name, text in files.items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        os.chown(path, uid, gid)
        path.chmod(0o660)


def link_config_dir(netns: str, directory: Path) -> Path:
    """/etc/frr/<netns> -> the router's config dir (the daemons and vtysh -N look there)."""
    link = ETC_FRR / netns
    if link.is_symlink() and link.readlink() == directory:
        return link
    if link.is_symlink():
        link.unlink()
    link.symlink_to(directory)
    return link


def pid_files(netns: str) -> dict[str, int]:
    """Daemon -> pid, from the instance's pid files."""
    pids: dict[str, int] = {}
    for path in (RUN_FRR / netns).glob("*.pid"):
        try:
            pids[path.stem] = int(path.read_text().strip())
        except (OSError, ValueError):
            continue
    return pids


def running(netns: str) -> dict[str, bool]:
    """Daemon -> whether it runs (its pid file's pid runs FRR with this pathspace)."""
    return {daemon: process_matches(pid, f"-N {netns}") for daemon, pid in pid_files(netns).items()}


def is_up(netns: str) -> bool:
    """Whether every daemon of the instance runs, in the namespace of that name (not in an earlier one that
    was deleted and made again)."""
    pids = pid_files(netns)
    state = running(netns)
    return all(state.get(d, False) for d in DAEMONS) and in_namespace(pids["zebra"], netns)


def start_script(router: RouterPlan) -> str:
    """The shell line that starts the router's daemons inside its namespaces: each daemon
    (daemonized once ready), then its saved config into all of them. A config line FRR refuses does not stop
    the boot, as on a router: `vtysh -b` applies what it can, and convergence or verify shows what is missing."""
    daemons = " && ".join(f"{FRR_LIB / d} -d -N {router.netns} {DAEMON_OPTIONS}" for d in DAEMONS)
    return f"{daemons} && {{ {VTYSH} -N {router.netns} -b >/dev/null 2>&1; true; }}"


def start(router: RouterPlan) -> list[Process]:
    """Start the router's FRR in its network namespace and a UTS namespace of its own; the processes started
    (from the pid files)."""
    runtime = RUN_FRR / router.netns
    uid, gid = frr_ids()
    runtime.mkdir(parents=True, exist_ok=True)
    os.chown(runtime, uid, gid)
    runtime.chmod(0o755)
    run(namespace_shell(router.netns, start_script(router), hostname=router.device), timeout=60)
    return processes(router.netns)


def processes(netns: str) -> list[Process]:
    """The instance's running daemons as lab processes."""
    return [Process(kind="frr", owner=netns, pid=pid, marker=f"-N {netns}")
            for daemon, pid in sorted(pid_files(netns).items()) if process_matches(pid, f"-N {netns}")]


def stop_targets(netns: str) -> list[int]:
    """The pids to stop for an instance: any supervisor first (a watchfrr of an instance started by frrinit,
    so it restarts nothing), then the daemons, the last started first."""
    pids = pid_files(netns)
    order = {daemon: index for index, daemon in enumerate(reversed(DAEMONS), start=1)}
    ordered = [pid for daemon, pid in sorted(pids.items(), key=lambda item: (order.get(item[0], 0), item[0]))]
    return [pid for pid in ordered if process_matches(pid, f"-N {netns}")]


def remove_runtime(netns: str) -> None:
    """The instance's runtime folder (pid files, sockets)."""
    shutil.rmtree(RUN_FRR / netns, ignore_errors=True)


def other_ospfd_running() -> bool:
    """Whether any ospfd runs on the machine (the lab's own are stopped before this is asked)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "ospfd":
                    return True
            except OSError:
                continue
    return False


def vtysh(netns: str, *commands: str, timeout: float = 30) -> str:
    """Output of vtysh commands on the instance (as root)."""
    argv = [str(VTYSH), "-N", netns]
    for command in commands:
        argv += ["-c", command]
    return run(argv, timeout=timeout).stdout


#: What ends a daemon's answer on its vty socket: three NUL bytes, then the command's return code.
_VTY_END = b"\0\0\0"


def vty(netns: str, daemon: str, command: str, timeout: float = 10) -> str:
    """One show command straight on a daemon's vty socket (/var/run/frr/<netns>/<daemon>.vty), as vtysh talks to
    it: no process started. vtysh loads every daemon's command tree first, about 25 ms of CPU a call, which a
    poll of a thousand routers cannot afford. LabCommandError when the daemon does not answer or refuses."""
    path = RUN_FRR / netns / f"{daemon}.vty"
    answer = bytearray()
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(timeout)
            connection.connect(str(path))
            connection.sendall(command.encode() + b"\0")
            while not (len(answer) >= 4 and answer[-4:-1] == _VTY_END):
                chunk = connection.recv(1 << 16)
                if not chunk:
                    raise LabCommandError([str(path), command], -1, "the daemon closed its vty before answering")
                answer += chunk
    except OSError as error:
        raise LabCommandError([str(path), command], -1, str(error)) from error
    if answer[-1] != 0:
        raise LabCommandError([str(path), command], answer[-1], answer[:-4].decode(errors="replace"))
    return answer[:-4].decode(errors="replace")


def vtysh_json(netns: str, command: str, timeout: float = 30) -> Any:
    """A `... json` show command, parsed ({} when the daemon has nothing to say)."""
    try:
        text = vtysh(netns, command, timeout=timeout)
    except LabCommandError:
        return {}
    try:
        return json.loads(text) if text.strip() else {}
    except ValueError:
        return {}
