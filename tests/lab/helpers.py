"""Shared by the lab tests: when the lab can run here, a home for it, and what a lab left behind.

Only one lab can be up per machine, and several sessions run the test suite at once: the lab tests take a
machine-wide lock (flock on /run/lock/netops-lab-tests.lock) from `skip_unless_lab_can_run` until their
`lab_home` is brought down, so concurrent runs take turns instead of failing or skipping.
"""

import fcntl
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest

from citynet_models.network import Network
from netops.lab import frr, sshd
from netops.lab.errors import LabError
from netops.lab.lab import Lab
from netops.lab.netns import LAB_MOUNTS_DIR, existing_namespaces, root_links
from netops.lab.preflight import preflight
from netops.lab.services import LISTENER
from netops.lab.state import LabHome
from netops.lab.topology import MANAGEMENT_BRIDGE, MANAGEMENT_PORT_PREFIX, NETNS_PREFIXES, LabPlan, plan_lab
from netops.pipeline import load_network

REPO = Path(__file__).resolve().parents[2]
CITY = REPO / "inventory" / "city"
#: The sample city in the legacy structure, which `netops reorganize --to 2025` turns into CITY.
LEGACY_CITY = REPO / "tests" / "reorganize" / "cases" / "hanoi-sample" / "legacy"
NETOPS = REPO / ".venv" / "bin" / "netops"
PLAYBOOK = REPO / ".venv" / "bin" / "ansible-playbook"
MACHINE_LOCK = Path("/run/lock/netops-lab-tests.lock")
#: How long a test waits for another session's lab tests to finish before it skips.
LOCK_WAIT = 900.0
_held: IO[str] | None = None


def _acquire_machine_lock() -> None:
    global _held
    if _held is not None:
        return
    handle = MACHINE_LOCK.open("a")
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() > deadline:
                handle.close()
                pytest.skip(f"another session's lab tests held the lab for {LOCK_WAIT:.0f} s")
            time.sleep(1)
    _held = handle


def _release_machine_lock() -> None:
    global _held
    if _held is not None:
        fcntl.flock(_held, fcntl.LOCK_UN)
        _held.close()
        _held = None


def machine_lock_fd() -> int:
    """The descriptor of the machine lock this session holds, for a script it runs that takes the lock itself
    (scripts/lib/lab.sh: NETOPS_LAB_LOCK_FD, the descriptor passed with pass_fds)."""
    _acquire_machine_lock()
    assert _held is not None
    return _held.fileno()


def skip_unless_lab_can_run() -> None:
    """Skip (not fail) where the lab cannot run: not root, FRR or sshd missing, a lab up that no test made.
    Waits for another session's lab tests, then holds the machine lock until `lab_home` ends."""
    try:
        preflight()
    except LabError as error:
        pytest.skip(f"the lab cannot run here: {error.message}")
    _acquire_machine_lock()
    ours = sorted(n for n in existing_namespaces() if n.startswith(NETNS_PREFIXES))
    reason = None
    if ours or MANAGEMENT_BRIDGE in root_links():
        reason = f"another lab is up on this machine ({MANAGEMENT_BRIDGE} or namespaces {ours[:3]})"
    elif sshd.user_exists(sshd.login_user()):
        reason = f"user {sshd.login_user()} exists (another lab is up, or set NETOPS_LAB_USER)"
    if reason is not None:
        _release_machine_lock()
        pytest.skip(reason)


@contextmanager
def lab_home() -> Iterator[LabHome]:
    """A lab home the frr user can traverse (pytest's tmp_path is 0700), removed afterwards; the lab made
    from it is brought down even when the test fails."""
    _acquire_machine_lock()
    path = Path(tempfile.mkdtemp(prefix="netops-lab-test-", dir="/var/tmp"))
    path.chmod(0o755)
    home = LabHome(path / "lab")
    try:
        yield home
    finally:
        try:
            Lab(home).down()
        finally:
            shutil.rmtree(path, ignore_errors=True)
            _release_machine_lock()


def leftovers(home: LabHome) -> list[str]:
    """Everything of a lab that is still there: namespaces, root links, user, FRR dirs, processes, files."""
    found = [f"netns {n}" for n in sorted(existing_namespaces()) if n.startswith(NETNS_PREFIXES)]
    found += [f"link {name}" for name in sorted(root_links())
              if name == MANAGEMENT_BRIDGE or name.startswith(MANAGEMENT_PORT_PREFIX)]
    if sshd.user_exists(sshd.login_user()):
        found.append(f"user {sshd.login_user()}")
    found += [str(p) for p in sorted(frr.ETC_FRR.glob("nl-*"))] + [str(p) for p in sorted(frr.RUN_FRR.glob("nl-*"))]
    if LAB_MOUNTS_DIR.exists():
        found.append(f"the lab's mount namespace {LAB_MOUNTS_DIR}")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().decode(errors="replace").replace("\0", " ")
            state = (entry / "stat").read_text().rsplit(")", 1)[-1].split()[0]
        except OSError:
            continue
        if state != "Z" and (" -N nl-" in argv or str(home.path) in argv or str(LISTENER) in argv):
            found.append(f"process {entry.name}: {argv[:120]}")
    if home.path.exists():
        found.append(f"home {home.path}: {sorted(p.name for p in home.path.iterdir())}")
    return found


def netops_env(home: LabHome) -> dict[str, str]:
    """The environment of a `netops lab` subprocess using this home."""
    return {**os.environ, "NETOPS_LAB_HOME": str(home.path)}


def playbook_env(home: LabHome, intent: Path | None = None) -> dict[str, str]:
    """The environment of an `ansible-playbook` or `netops verify` run against the lab of this home: the venv's
    commands first, the lab's render secrets, and NETOPS_INTENT when another intent than the sample's is run."""
    env = netops_env(home)
    env["PATH"] = f"{REPO / '.venv' / 'bin'}:{env['PATH']}"
    for line in home.secrets_file.read_text().splitlines():
        key, _, value = line.partition("=")
        env[key] = value
    if intent is not None:
        env["NETOPS_INTENT"] = str(intent)
    return env


def play_recap(output: str) -> dict[str, dict[str, int]]:
    """The PLAY RECAP counters of an ansible-playbook run, by host."""
    recap: dict[str, dict[str, int]] = {}
    for match in re.finditer(r"^(\S+)\s+: ((?:\w+=\d+\s*)+)$", output, re.M):
        recap[match.group(1)] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", match.group(2))}
    return recap


@dataclass
class CityLab:
    """A configured, converged lab of the sample city, with the model and plan it was made from."""

    lab: Lab
    home: LabHome
    network: Network
    plan: LabPlan


@contextmanager
def sample_city_lab() -> Iterator[CityLab]:
    """The sample city's lab, configured and converged; brought down on leaving, whatever happens."""
    skip_unless_lab_can_run()
    network = load_network(CITY).network
    plan = plan_lab(network)
    with lab_home() as home:
        lab = Lab(home)
        lab.up(network, plan, configured=True)
        converged = lab.wait(timeout=120)
        assert converged.converged, f"not converged after {converged.seconds} s: {converged.lagging()}"
        yield CityLab(lab, home, network, plan)
