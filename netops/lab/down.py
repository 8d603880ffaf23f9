"""`down`: stop and remove exactly what the state file lists, whatever of it exists, so a lab left by a
crashed run is cleaned by the next `down`; nothing the lab did not make is touched (but processes running
inside its own namespaces)."""

import contextlib
import itertools
import os
import shutil
import time
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from netops.lab import frr, hostd, sshd
from netops.lab.errors import LabError
from netops.lab.interrupt import STOP
from netops.lab.kernel import restore_settings
from netops.lab.netns import (
    alive,
    existing_namespaces,
    ip_batch,
    namespace_pids,
    release_lab_mounts,
    root_links,
    stop_pids,
)
from netops.lab.services import LISTENER
from netops.lab.state import LabHome, LabState, process_matches
from netops.progress import ProgressSink as Progress
from netops.progress import quiet


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


def tear_down(home: LabHome, progress: Progress = quiet) -> DownReport:
    """Stop and remove everything the state file lists; nothing else."""
    if os.geteuid() != 0:
        raise LabError("the lab needs root to stop its processes and remove its namespaces",
                       hint="run it as root")
    started = time.monotonic()
    report = DownReport()
    with home.locked():
        state = home.load()
        if state is None:
            home.remove_files()
            report.seconds = round(time.monotonic() - started, 3)
            return report
        report.was_up = True
        made = existing_namespaces()  # once: a whole city has 4,400, and the folder is read each call
        namespaces = [n for n in state.namespaces if n in made]
        progress(f"stopping the processes of {len(namespaces)} namespaces")
        report.processes_stopped, report.processes_killed = stop_processes(home, state, state.namespaces)
        # Asked to stop (netops.lab.interrupt): between two steps, with the state file still naming everything,
        # so that `down` again finishes the job.
        STOP.check()
        progress(f"deleting {len(namespaces)} namespaces and the management bridge")
        links = root_links()
        root = [name for name in state.root_links if name in links]
        # Ports first (a lingering namespace would keep its veth's root end), the bridge last.
        ip_batch([f"link del {name}" for name in sorted(root, key=lambda n: n == "nl-mgmt")], force=True)
        report.links_deleted = len(root)
        ip_batch([f"netns del {name}" for name in namespaces], force=True)
        report.namespaces_deleted = len(namespaces)
        STOP.check()
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
            if path == frr.OSPF_GR_FILE and frr.other_ospfd_running():
                continue  # shared by every ospfd of the machine: not ours to remove while another runs
            if entry in hostd.BINDS:
                hostd.remove_mount_point(path)
            elif path == hostd.LLDPD_CHROOT:
                hostd.remove_lldpd_chroot()
            elif path.is_dir():
                with contextlib.suppress(OSError):
                    path.rmdir()
            else:
                path.unlink(missing_ok=True)
        # Made by the first process started and kept while any lab is up; every process is stopped by now.
        release_lab_mounts()
        restore_settings(state.kernel_settings)
        home.remove_files()
    report.seconds = round(time.monotonic() - started, 3)
    return report


def stop_processes(home: LabHome, state: LabState, namespaces: Collection[str]) -> tuple[int, int]:
    """Stop every process the lab started in these namespaces, or that runs inside them; with every namespace of
    the lab, also its processes left outside them (`_strays`). (Stopped, killed after the grace period.)"""
    made = existing_namespaces()
    existing = [n for n in namespaces if n in made]
    everything = set(namespaces) >= set(state.namespaces)
    # A supervisor first (the watchfrr of an instance frrinit started would restart the daemons), then the rest.
    supervisors = [pid for netns in namespaces
                   for daemon, pid in frr.pid_files(netns).items()
                   if daemon not in frr.DAEMONS and alive(pid) and process_matches(pid, f"-N {netns}")]
    killed = len(stop_pids(supervisors))
    others = {p.pid for p in state.processes if (everything or p.owner in namespaces) and p.alive()}
    others |= {pid for netns in namespaces for pid in frr.stop_targets(netns)}
    others |= {pid for pids in namespace_pids(existing).values() for pid in pids}
    if everything:
        others |= _strays(home, state)
    others -= {os.getpid()}
    killed += len(stop_pids(sorted(others)))
    return len(set(supervisors) | others), killed


def _strays(home: LabHome, state: LabState) -> set[int]:
    """Processes the lab started that run outside its current namespaces (left in a namespace that was
    deleted and made again): found by the arguments that mark them as this lab's."""
    netns = set(state.namespaces)
    routers = str(home.path / "routers") + "/"
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
                or (str(LISTENER) in argv and ("--home", str(home.path)) in pairs):
            found.add(int(entry.name))
    return found
