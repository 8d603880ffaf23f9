"""Case folders of the `netops site` commands: a copy of an intent with the case's files laid over it, run in
process. A case folder holds `args` (the command line after `netops`; `--intent intent` is added), optionally
`base` (another intent to start from, relative to tests/), `city-append.yml` (text appended to city.yml) and files
under `intent/` laid over the copy."""

import shlex
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO, TESTS
from tests.output_tree import netops_in_process

SAMPLE = REPO / "inventory" / "city"


def files_of(root: Path) -> dict[str, str]:
    """Every file under ``root`` by its relative path, with its text."""
    return {str(path.relative_to(root)): path.read_text(encoding="utf-8")
            for path in sorted(root.rglob("*")) if path.is_file()}


def intent_of(case: Path, tmp_path: Path) -> Path:
    """The case's intent, made in ``tmp_path/intent``."""
    base = TESTS / (case / "base").read_text().strip() if (case / "base").is_file() else SAMPLE
    intent = tmp_path / "intent"
    shutil.copytree(base, intent)
    if (case / "intent").is_dir():
        shutil.copytree(case / "intent", intent, dirs_exist_ok=True)
    if (case / "city-append.yml").is_file():
        city = intent / "city.yml"
        city.write_text(city.read_text(encoding="utf-8") + (case / "city-append.yml").read_text(encoding="utf-8"),
                        encoding="utf-8")
    return intent


def run_case(capsys: pytest.CaptureFixture[str], case: Path) -> tuple[int, str, str]:
    """The case's command on ``intent`` (the working directory holds it): exit code, stdout, stderr."""
    args = shlex.split((case / "args").read_text(encoding="utf-8"))
    done = netops_in_process(capsys, *args, "--intent", "intent")
    return done.returncode, done.stdout, done.stderr


@dataclass(frozen=True)
class CaseRun:
    """A case's command run on its intent: the intent, its files before the run, and what the command said."""

    intent: Path
    before: dict[str, str]
    code: int
    stdout: str
    stderr: str


def run_in_copy(case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                capsys: pytest.CaptureFixture[str]) -> CaseRun:
    """The case's intent made in ``tmp_path`` and its command run there (never a traceback)."""
    intent = intent_of(case, tmp_path)
    monkeypatch.chdir(tmp_path)
    before = files_of(intent)
    code, stdout, stderr = run_case(capsys, case)
    assert "Traceback" not in stderr
    return CaseRun(intent, before, code, stdout, stderr)


def assert_refused(run: CaseRun, case: Path, golden: Callable[[Path, str], None]) -> None:
    """Bad input: exit 2, the case's expected errors, and nothing written."""
    assert run.code == 2, run.stdout + run.stderr
    golden(case / "expected-errors.txt", run.stderr)
    assert files_of(run.intent) == run.before, "a refused command wrote something"
