"""`netops lab up` stopped in the middle (SIGINT, a second SIGINT, SIGTERM, --deadline) and `lab down` stopped
in the middle, on real namespaces: one message and the exit code, no traceback, everything that runs recorded,
and then `up` completes the lab and `down` leaves nothing."""

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from netops.lab.netns import existing_namespaces, namespace_pids
from netops.lab.services import LISTENER
from netops.lab.state import LabHome
from netops.lab.topology import NETNS_PREFIXES
from tests.lab.helpers import CITY, NETOPS, REPO, lab_home, leftovers, netops_env, skip_unless_lab_can_run

pytestmark = pytest.mark.lab

UP = [str(NETOPS), "lab", "up", "--configured", "--intent", str(CITY)]


def _env(home: LabHome) -> dict[str, str]:
    # This checkout's code, whichever checkout the venv's editable install points at.
    env = netops_env(home)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(REPO / "models"), str(REPO / "napalm-frr"),
                                         env.get("PYTHONPATH", "")])
    return env


def _interrupt(home: LabHome, argv: list[str], at: str,
               signals: list[tuple[float, signal.Signals]]) -> tuple[int, str, str, int]:
    """Run a lab command and, once its progress says `at`, send each signal after its delay (seconds) while the
    command runs; (exit code, stdout, stderr, how many signals were sent)."""
    process = subprocess.Popen(argv, env=_env(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    seen = []
    sent = 0
    for line in process.stderr:
        seen.append(line)
        if at in line:
            for delay, number in signals:
                time.sleep(delay)
                if process.poll() is None:
                    process.send_signal(number)
                    sent += 1
            break
    stdout, rest = process.communicate(timeout=600)
    return process.returncode, stdout, "".join(seen) + rest, sent


def _run(home: LabHome, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(NETOPS), "lab", *argv], env=_env(home), capture_output=True, text=True, timeout=600,
                          check=False)


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def _unrecorded(home: LabHome) -> list[str]:
    """Lab namespaces the state file does not list, and processes of the lab (in its namespaces, or marked as its
    own by their arguments) that are neither recorded nor started by a recorded one."""
    state = home.load()
    assert state is not None and not state.complete
    ours = {name for name in existing_namespaces() if name.startswith(NETNS_PREFIXES)}
    found = [f"netns {name}" for name in sorted(ours - set(state.namespaces))]
    pids = {pid for listed in namespace_pids(ours).values() for pid in listed}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                argv = (entry / "cmdline").read_bytes().decode(errors="replace").replace("\0", " ")
            except OSError:
                continue
            if " -N nl-" in argv or str(home.path) in argv or str(LISTENER) in argv:
                pids.add(int(entry.name))
    recorded = {process.pid for process in state.processes}
    for pid in sorted(pids):
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0] == "Z":
                continue
        except OSError:
            continue  # gone meanwhile
        ancestor = pid
        while ancestor > 1 and ancestor not in recorded:
            ancestor = _parent(ancestor)
        if ancestor not in recorded:
            found.append(f"process {pid}: {Path(f'/proc/{pid}/cmdline').read_bytes()[:120]!r}")
    return found


def _completes_then_leaves_nothing(home: LabHome) -> None:
    again = _run(home, "up", "--configured", "--intent", str(CITY))
    assert again.returncode == 0, again.stderr
    status = _run(home, "status", "--json")
    assert status.returncode == 0 and json.loads(status.stdout)["healthy"], status.stdout
    down = _run(home, "down", "--yes")
    assert down.returncode == 0, down.stderr
    assert not leftovers(home)


def test_ctrl_c_twice_during_frr_leaves_a_recorded_lab_that_up_completes_and_down_removes() -> None:
    skip_unless_lab_can_run()
    with lab_home() as home:
        # Half a second into FRR's phase: some instances are starting, and must be waited for and recorded.
        code, stdout, stderr, sent = _interrupt(home, UP, "FRR in", [(0.5, signal.SIGINT), (0.05, signal.SIGINT)])
        assert code == 130, stderr
        assert "Traceback" not in stderr and not stdout
        assert "lab up stopped by SIGINT during " in stderr and "not rolled back" in stderr, stderr
        assert "`netops lab down` removes exactly that, `netops lab up` completes it" in stderr
        if sent == 2:  # the second Ctrl-C came while it was stopping
            assert "lab up is already stopping (SIGINT)" in stderr
        assert not _unrecorded(home)
        _completes_then_leaves_nothing(home)


def test_sigterm_during_the_host_daemons_then_an_interrupted_down_finished_by_the_next() -> None:
    skip_unless_lab_can_run()
    with lab_home() as home:
        code, _, stderr, _ = _interrupt(home, UP, "snmpd", [(0.0, signal.SIGTERM)])
        assert code == 143, stderr
        assert "Traceback" not in stderr and "lab up stopped by SIGTERM during " in stderr, stderr
        assert not _unrecorded(home)
        again = _run(home, "up", "--configured", "--intent", str(CITY))
        assert again.returncode == 0, again.stderr
        code, _, stderr, _ = _interrupt(home, [str(NETOPS), "lab", "down", "--yes"], "stopping the processes",
                                             [(0.0, signal.SIGINT)])
        assert "Traceback" not in stderr
        if code == 130:  # else it was done before the signal came
            assert "lab down stopped by SIGINT" in stderr and "`netops lab down` again removes the rest" in stderr
            assert home.load() is not None
        else:
            assert code == 0, stderr
        down = _run(home, "down", "--yes")
        assert down.returncode == 0, down.stderr
        assert not leftovers(home)


def test_the_deadline_stops_up_with_exit_3_and_a_json_account() -> None:
    skip_unless_lab_can_run()
    with lab_home() as home:
        run = _run(home, "up", "--configured", "--intent", str(CITY), "--deadline", "2", "--json")
        assert run.returncode == 3, run.stdout + run.stderr
        assert "Traceback" not in run.stderr
        said = json.loads(run.stdout)
        assert said["stopped"] == "deadline" and said["exit_code"] == 3 and not said["complete"]
        assert said["message"].startswith("lab up stopped by its --deadline")
        if said["state_file"] is None:  # stopped before anything was made
            assert not leftovers(home)
        else:
            assert said["state_file"] == str(home.state_file)
            assert not _unrecorded(home)
        _completes_then_leaves_nothing(home)
