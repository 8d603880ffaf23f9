"""What the lab made, kept under its home (default ``<checkout>/var/lab``), so `down` undoes exactly that.

Every item is recorded *before* it is made (write-ahead): a run that crashes half-way leaves a state
file naming everything it may have made, and the next `down` removes whatever of it exists. Nothing
that is not in the state file is ever removed, except processes found inside the lab's own
namespaces. The state is written atomically (temporary file and rename).

Home layout::

    state.json          this record                      plan.json     the lab plan (netops.lab.topology)
    lock                flock: one lab command at a time  secrets.env   lab values of the render secrets
    id_ed25519[.pub]    the client key of the routers' sshd (ssh -i var/lab/id_ed25519 netops@<mgmt ip>)
    known_hosts         every router's host key at its management address
    ssh_config          Host <device> entries (ssh -F var/lab/ssh_config <device>)
    routers/<device>/etc/   the router's FRR config dir (/etc/frr/nl-<device> links here; /etc/frr in its sshd)
    routers/<device>/ssh/   its sshd config, host key and log
    routers/<device>/host/  its host files, as under /etc on a Debian box (bound there in its sshd)
    routers/<device>/daemons/  the lab's main configs, persistent state and logs of its snmpd, chronyd, rsyslogd,
                        lldpd and keepalived (their pid files and lldpd's socket: /run/netops-lab/<netns>/)
    netns/<netns>.sh    the bootstrap script run inside each namespace
    hosts/<netns>.log   a data-center host's listener log
    home/               the login user's home directory
"""

import contextlib
import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from netops.files import write_atomic
from netops.lab.errors import LabError
from netops.lab.topology import LabPlan

STATE_VERSION = 1


def _project_root() -> Path | None:
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() and (root / "netops").is_dir() else None


def default_home() -> Path:
    """$NETOPS_LAB_HOME, else <checkout>/var/lab (else ./var/lab)."""
    configured = os.environ.get("NETOPS_LAB_HOME")
    if configured:
        return Path(configured).resolve()
    return ((_project_root() or Path.cwd()) / "var" / "lab").resolve()


@dataclass
class Process:
    """A process the lab started: its pid and a piece of its command line that proves it is still ours."""

    kind: str  # frr, sshd, listener, or a host daemon (snmpd, chronyd, rsyslogd, lldpd, keepalived)
    owner: str  # netns
    pid: int
    marker: str

    def alive(self) -> bool:
        """Whether the pid still runs the process the lab started (pids are reused)."""
        return process_matches(self.pid, self.marker)


def process_matches(pid: int, marker: str) -> bool:
    """Whether `pid` runs and its arguments contain the words of `marker`, in a row (pids are reused)."""
    try:
        # split on any blank: a process may rewrite its title into one string (sshd does)
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").replace("\0", " ").split()
    except OSError:
        return False
    words = marker.split()
    return any(argv[i:i + len(words)] == words for i in range(len(argv) - len(words) + 1))


@dataclass
class LabState:
    """Everything the lab made; see the module docstring."""

    version: int = STATE_VERSION
    digest: str = ""
    configured: bool = False
    intent: str = ""
    #: The render settings the routers' configs were rendered with (`up --configured`), as JSON; None: not recorded.
    settings: dict[str, Any] | None = None
    districts: list[str] = field(default_factory=list)
    namespaces: list[str] = field(default_factory=list)
    root_links: list[str] = field(default_factory=list)  # the management bridge and its ports
    etc_links: list[str] = field(default_factory=list)  # /etc/frr/<netns> symlinks
    run_dirs: list[str] = field(default_factory=list)  # /run/frr/<netns>
    made_user: str | None = None
    made_files: list[str] = field(default_factory=list)  # outside the home (e.g. /run/sshd)
    processes: list[Process] = field(default_factory=list)
    failed_links: list[str] = field(default_factory=list)  # link ids
    failed_nodes: list[str] = field(default_factory=list)  # devices
    #: "<netns> <daemon>" -> digest of the host file the daemon runs on (netops.lab.hostd): a file applied but not
    #: yet loaded (a run interrupted between the two) is loaded by the next run.
    host_loaded: dict[str, str] = field(default_factory=dict)
    #: Kernel settings the lab changed (netops.lab.kernel: ksmd), file -> value before: `down` writes them back.
    kernel_settings: dict[str, str] = field(default_factory=dict)
    complete: bool = False  # `up` ran to its end

    def to_json(self) -> str:
        """The state as JSON."""
        return json.dumps(asdict(self), indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "LabState":
        """A state written by `to_json`."""
        data = json.loads(text)
        processes = [Process(**p) for p in data.pop("processes", [])]
        return cls(**data, processes=processes)

    def add_processes(self, processes: list[Process]) -> None:
        """Record started processes (replacing earlier records of the same kind and owner)."""
        keys = {(p.kind, p.owner) for p in processes}
        self.processes = [p for p in self.processes if (p.kind, p.owner) not in keys] + processes

    def process(self, kind: str, owner: str) -> Process | None:
        """The recorded process of a kind in a namespace."""
        return next((p for p in self.processes if p.kind == kind and p.owner == owner), None)


class LabHome:
    """The lab's folder and the files in it."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = (path or default_home()).resolve()

    @property
    def state_file(self) -> Path:
        """state.json."""
        return self.path / "state.json"

    @property
    def plan_file(self) -> Path:
        """plan.json."""
        return self.path / "plan.json"

    @property
    def client_key(self) -> Path:
        """The private key that logs in to every router."""
        return self.path / "id_ed25519"

    @property
    def known_hosts(self) -> Path:
        """Host keys of the routers at their management addresses."""
        return self.path / "known_hosts"

    @property
    def ssh_config(self) -> Path:
        """Host <device> entries for ssh -F."""
        return self.path / "ssh_config"

    @property
    def secrets_file(self) -> Path:
        """NETOPS_SECRET_* values the lab filled the rendered configs with."""
        return self.path / "secrets.env"

    @property
    def user_home(self) -> Path:
        """Home directory of the login user."""
        return self.path / "home"

    def router_dir(self, device: str) -> Path:
        """Per-router folder."""
        return self.path / "routers" / device

    def frr_dir(self, device: str) -> Path:
        """The router's FRR config dir."""
        return self.router_dir(device) / "etc"

    def ssh_dir(self, device: str) -> Path:
        """The router's sshd files."""
        return self.router_dir(device) / "ssh"

    def script(self, netns: str) -> Path:
        """The bootstrap script of a namespace."""
        return self.path / "netns" / f"{netns}.sh"

    def listener_log(self, netns: str) -> Path:
        """A data-center host's listener log."""
        return self.path / "hosts" / f"{netns}.log"

    def load(self) -> LabState | None:
        """The recorded state, or None when no lab was made from this home."""
        try:
            return LabState.from_json(self.state_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None

    def save(self, state: LabState) -> None:
        """Record the state (atomically)."""
        self.path.mkdir(parents=True, exist_ok=True)
        write_atomic(self.state_file, state.to_json())

    def plan(self) -> LabPlan | None:
        """The plan of the lab that is up (as recorded)."""
        try:
            return LabPlan.from_json(self.plan_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None

    def require(self) -> tuple[LabPlan, LabState]:
        """The recorded plan and state; LabError when no lab is up."""
        state = self.load()
        plan = self.plan()
        if state is None or plan is None:
            raise LabError(f"no lab is up (nothing recorded in {self.path})", hint="netops lab up")
        return plan, state

    def remove_files(self) -> None:
        """Every file the lab keeps here, and the home itself when nothing else is left in it."""
        for name in ("routers", "netns", "hosts", "home", "monitoring"):
            shutil.rmtree(self.path / name, ignore_errors=True)
        for name in ("plan.json", "secrets.env", "id_ed25519", "id_ed25519.pub", "authorized_keys", "known_hosts",
                     "ssh_config", "state.json", "lock"):
            (self.path / name).unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            self.path.rmdir()

    @contextmanager
    def locked(self) -> Iterator[None]:
        """One lab command at a time on this home (an exclusive flock on `lock`)."""
        self.path.mkdir(parents=True, exist_ok=True)
        # The frr user and the login user traverse the home to reach the per-router folders.
        self.path.chmod(0o755)
        with (self.path / "lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
