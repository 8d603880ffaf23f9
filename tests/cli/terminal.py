"""Running `netops` on a pseudo-terminal, as a person at a shell does, to answer its questions."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

from tests.conftest import REPO


def on_pty(args: list[str], env: dict[str, str], answer: bytes) -> tuple[int, str]:
    """Run ``netops args`` with a pty as its terminal; type ``answer`` once a yes/no question shows; (exit code,
    everything it printed)."""
    master, slave = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "netops", *args], cwd=REPO, env=env, stdin=slave,
                               stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    screen = b""
    answered = False
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the child closed the terminal (EIO): it has exited
            break
        if not chunk:
            break
        screen += chunk
        if not answered and b"[y/N]:" in screen:
            os.write(master, answer)
            answered = True
    os.close(master)
    return process.wait(), screen.decode("utf-8", "replace").replace("\r\n", "\n")
