"""Helpers for tests of what commands write: run the real CLI, and fingerprint a folder tree."""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO


def netops(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """Run `netops` as a user does: a new Python process, stdout and stderr captured."""
    return subprocess.run([sys.executable, "-m", "netops", *args], cwd=cwd, capture_output=True, text=True,
                          check=False)


def netops_in_process(capsys: pytest.CaptureFixture[str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run `netops` through its entry point inside the test process (no interpreter start-up per call).

    The same entry point as the console script: the exit code it would exit with, what it printed. An exception
    the entry point does not turn into an exit code propagates and fails the test, as a traceback would.
    """
    from netops.cli import main

    capsys.readouterr()
    try:
        main(list(args))
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else 1
    else:
        code = 0
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(["netops", *args], code, captured.out, captured.err)


def tree(root: Path) -> dict[str, str]:
    """Every entry under root (root included): relative path -> what it is and its content's sha256.

    Links are recorded by their target, not followed; folders by their mode, files by mode and content.
    """
    if not os.path.lexists(root):
        return {}
    entries: dict[str, str] = {}
    paths = [root, *root.rglob("*")] if root.is_dir() and not root.is_symlink() else [root]
    for path in sorted(paths):
        relative = path.relative_to(root).as_posix()
        if path.is_symlink():
            entries[relative] = f"link -> {path.readlink()}"
        elif path.is_dir():
            entries[relative] = f"folder {path.stat().st_mode:o}"
        elif path.is_file():
            entries[relative] = f"file {path.stat().st_mode:o} {hashlib.sha256(path.read_bytes()).hexdigest()}"
        else:
            entries[relative] = f"special {path.stat().st_mode:o}"
    return entries
