"""Golden cases driven by folders: each case lists `netops` commands whose JSON output is pinned.

A case folder holds ``commands.txt`` (lines ``name: netops arguments [=> exit code]``; the default exit code
is 0), optionally ``overlay/`` (intent files laid over the sample city, see tests.conftest.materialize_overlay),
and ``expected/<name>.json``, the golden output, rewritten by ``pytest --update-goldens``.
"""

import shlex
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from tests.conftest import REPO, case_folders, materialize_overlay

SAMPLE = REPO / "inventory" / "city"


@dataclass(frozen=True)
class Command:
    case: Path
    name: str
    args: tuple[str, ...]
    exit_code: int

    @property
    def id(self) -> str:
        return f"{self.case.name}/{self.name}"


def commands(root: Path) -> list[Command]:
    """Every command of every case folder under root, in a stable order."""
    found = []
    for case in case_folders(root):
        for line in (case / "commands.txt").read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            name, _, rest = line.partition(":")
            args, _, code = rest.partition("=>")
            found.append(Command(case, name.strip(), tuple(shlex.split(args)), int(code) if code.strip() else 0))
    if not found:
        raise RuntimeError(f"no commands found under {root}")
    return found


def intent_of(case: Path, tmp_path: Path) -> Path:
    """The case's intent: the sample city, with the case's overlay laid over it if it has one."""
    overlay = case / "overlay"
    return materialize_overlay(SAMPLE, overlay, tmp_path) if overlay.is_dir() else SAMPLE


def run(args: list[str]) -> tuple[int, str, str]:
    """Run netops in-process; (exit code, stdout, stderr)."""
    from netops.cli import app

    result = CliRunner().invoke(app, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr
