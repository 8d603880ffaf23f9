"""Every command's bad arguments, run as a user runs them: one folder per case under cases/.

A case folder holds:

- ``args``: the arguments, one per line, of ``python -m netops`` run from the repository root; ``{tmp}`` is an
  empty folder of the case, ``{closed_port}`` a port of 127.0.0.1 nothing listens on;
- ``env`` (optional): ``NAME=value`` lines added to the environment, with the same substitutions;
- ``expected-exit``: the exit code, written by hand (the contract: 0 ok, 1 a finding, 2 bad input or usage,
  3 a service could not be reached);
- ``expected-output.txt``: stdout then stderr, the golden (``pytest --update-goldens`` rewrites it).

Every case runs with no standard input (as in CI) and without the user's NetBox, lab or intent settings: NETBOX_URL,
NETBOX_TOKEN and the NETOPS_* variables are removed, and the embedded NetBox and lab homes point into an empty
folder. No case may print a traceback, and a case that fails writes nothing into ``{tmp}``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, case_folders

CASES = Path(__file__).parent / "cases"


def closed_port() -> int:
    """A port of 127.0.0.1 nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _environment(state: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("NETOPS_", "NETBOX_")) and name not in ("COLUMNS", "LINES", "FORCE_COLOR")}
    env.update({"PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'models'}", "NETOPS_NETBOX_HOME": str(state / "netbox"),
                "NETOPS_LAB_HOME": str(state / "lab"), "COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"})
    env.update(extra)
    return env


@pytest.mark.parametrize("case", case_folders(CASES), ids=lambda path: path.name)
def test_cli_case(case: Path, tmp_path: Path, golden) -> None:  # type: ignore[no-untyped-def]
    work, state = tmp_path / "work", tmp_path / "state"
    work.mkdir()
    port = str(closed_port())

    def fill(text: str) -> str:
        return text.replace("{tmp}", str(work)).replace("{closed_port}", port)

    args = [fill(line) for line in (case / "args").read_text(encoding="utf-8").splitlines() if line != ""]
    extra = {}
    if (case / "env").is_file():
        for line in (case / "env").read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                name, value = line.split("=", 1)
                extra[name] = fill(value)

    # No standard input, as in CI: a command that would ask refuses instead of waiting.
    done = subprocess.run([sys.executable, "-m", "netops", *args], cwd=REPO, env=_environment(state, extra),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False)

    output = (f"stdout:\n{done.stdout}" if done.stdout else "") + (f"stderr:\n{done.stderr}" if done.stderr else "")
    output = (output.replace(str(work), "{tmp}").replace(str(state), "{state}").replace(f":{port}", ":{closed_port}")
              .replace(str(REPO), "{repo}"))
    assert "Traceback" not in output, output
    expected = int((case / "expected-exit").read_text().strip())
    assert done.returncode == expected, f"exit {done.returncode}, expected {expected}\n{output}"
    if expected != 0:
        assert sorted(p.relative_to(work).as_posix() for p in work.rglob("*")) == [], "a failed command wrote files"
    golden(case / "expected-output.txt", output)
