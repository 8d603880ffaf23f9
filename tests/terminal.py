"""Running `netops` as a person at a terminal would: stderr (and stdin) on a real pseudo-terminal.

stdout goes to a file unless asked onto the terminal too, so a test can check that it stays the command's own
(parseable JSON) while the terminal shows the progress display.
"""

import errno
import os
import pty
import re
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

#: Terminal control sequences: colours, cursor moves, line erases.
_CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
#: A rich progress line's count: "n/N".
_COUNT = re.compile(r"(\d+)/(\d+)")


@dataclass(frozen=True)
class Run:
    """What a command did: its exit code, its stdout, and everything the terminal received (raw)."""

    returncode: int
    stdout: str
    terminal: str

    @property
    def text(self) -> str:
        """What the terminal received, without its control sequences; each redraw of a line (after a carriage
        return) on a line of its own."""
        return _CONTROL.sub("", self.terminal).replace("\r\n", "\n").replace("\r", "\n")

    def counts(self, description: str) -> list[tuple[int, int]]:
        """Every "n/N" a progress line of ``description`` showed, in order."""
        return [(int(n), int(total)) for line in self.text.splitlines() if description in line
                for n, total in _COUNT.findall(line.split(description, 1)[1])[:1]]


def netops_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "netops", *args]


def environment(**extra: str) -> dict[str, str]:
    """The test's environment as a user's shell has it, with a terminal that redraws and a known width."""
    base = {key: value for key, value in os.environ.items() if not key.startswith(("NETOPS_", "FORCE_COLOR"))}
    return base | {"TERM": "xterm-256color", "COLUMNS": "160", "PYTHONPATH": f"{REPO}:{REPO / 'models'}"} | extra


def on_terminal(command: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None) -> Run:
    """Run ``command`` with stdin and stderr on a new pseudo-terminal and stdout in a file; read the terminal to
    the end (every process holding it has closed it)."""
    controller, terminal = pty.openpty()
    received = bytearray()
    with tempfile.TemporaryFile() as stdout:
        with subprocess.Popen(list(command), cwd=cwd, env=dict(env or environment()), stdin=terminal,
                              stdout=stdout, stderr=terminal) as process:
            os.close(terminal)
            while True:
                try:
                    chunk = os.read(controller, 65536)
                except OSError as error:  # EIO: the last holder of the terminal closed it
                    if error.errno != errno.EIO:
                        raise
                    break
                if not chunk:
                    break
                received += chunk
        os.close(controller)
        stdout.seek(0)
        return Run(process.returncode, stdout.read().decode(), received.decode(errors="replace"))


def generated_city(folder: Path, districts: int = 8, wards: int = 12) -> Path:
    """A generated city big enough that rendering it goes in several batches across the workers."""
    done = subprocess.run(netops_command("generate-city", "--out", str(folder), "--districts", str(districts),
                                         "--wards-per-district", str(wards)),
                          cwd=REPO, env=environment(), capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return folder
