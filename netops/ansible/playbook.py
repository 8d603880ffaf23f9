"""Running ansible-playbook from netops: its output kept for the caller, the hosts done counted as it runs.

The default callback (ansible.cfg) prints a ``PLAY [...]`` header per play and a result line per host and
task (``ok: [host]``, ``changed: [host] => (item=...)``, ``fatal: [host]: UNREACHABLE! ...``). A host is
done when the play it ran in ends (the next play's header, or the recap): by then every task of that play
has its result.
"""

import re
import subprocess
import tempfile
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from netops.progress import Progress, Task

_PLAY = re.compile(r"^PLAY (?:\[.*\]|RECAP) \*+")
# A result line; "[host -> delegate]" counts for the host.
_RESULT = re.compile(r"^(?:ok|changed|skipping|fatal|failed|unreachable|included|ignored|rescued): "
                     r"\[([^\]\s]+)(?: -> [^\]]*)?\]")


class HostsDone:
    """Reads the callback's lines one at a time and counts each of ``hosts`` once, when its play ends."""

    def __init__(self, hosts: Collection[str], task: Task) -> None:
        self.hosts, self.task = set(hosts), task
        self.in_play: set[str] = set()
        self.done: set[str] = set()

    def line(self, text: str) -> None:
        """One line of ansible-playbook's output."""
        if _PLAY.match(text):
            self.end_of_play()
            return
        found = _RESULT.match(text)
        if found and found.group(1) in self.hosts:
            self.in_play.add(found.group(1))

    def end_of_play(self) -> None:
        """The play under way ended: its hosts are done."""
        new = self.in_play - self.done
        self.done |= new
        self.in_play.clear()
        if new:
            self.task.advance(len(new))


def run_playbook(command: Sequence[str], *, cwd: Path, env: Mapping[str, str], hosts: Collection[str],
                 progress: Progress, description: str) -> subprocess.CompletedProcess[str]:
    """Run ``command`` (an ansible-playbook command line) to its end, counting ``hosts`` done on ``progress``;
    its stdout and stderr are returned whole, as by subprocess.run(capture_output=True, text=True)."""
    lines: list[str] = []
    # stderr goes to a file: read after the run, it can never fill a pipe while stdout is being read.
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as errors, \
            progress.task(description, total=len(hosts)) as task:
        counter = HostsDone(hosts, task)
        with subprocess.Popen(list(command), cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=errors, text=True, encoding="utf-8",
                              errors="replace") as process:
            assert process.stdout is not None
            for text in process.stdout:
                lines.append(text)
                counter.line(text)
        counter.end_of_play()
        errors.seek(0)
        return subprocess.CompletedProcess(list(command), process.returncode, "".join(lines), errors.read())
