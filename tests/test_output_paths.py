"""Every command that writes files, pointed at a place it cannot or must not write: a clear error, exit 2.

Run as a user runs them (a subprocess), for every command with an output path and every kind of bad path:
the error names the path, there is no traceback, and nothing under the test's folder was created or changed.
"""

import contextlib
import itertools
import os
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.output_tree import netops, netops_in_process, tree


@dataclass(frozen=True)
class Command:
    """A command with an output path; `expects` is what the path must name: a file or a folder."""

    name: str
    args: tuple[str, ...]
    option: str
    expects: str


COMMANDS = (
    Command("export", ("export",), "--out", "file"),
    Command("export-json", ("export", "--format", "json"), "--out", "file"),
    Command("compliance", ("compliance",), "--out", "file"),
    Command("generate-city", ("generate-city", "--districts", "1", "--wards-per-district", "1"), "--out", "folder"),
    Command("render", ("render", "--device", "dc-core-01", "--workers", "1"), "--out", "folder"),
    Command("report", ("report",), "--out", "folder"),
    Command("reorganize", ("reorganize", "--to", "2025"), "--out", "folder"),
    Command("verify", ("verify",), "--out", "folder"),
    Command("monitoring-export", ("monitoring", "export"), "--out", "folder"),
)


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """Make a folder nobody can write into: immutable for root (permission bits do not stop root), 0555 else."""
    if os.geteuid() == 0:
        done = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, check=False)
        if done.returncode != 0:
            pytest.skip(f"cannot make {folder} immutable here: {done.stderr.decode().strip()}")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
    else:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)


def _file(sandbox: Path) -> Path:
    (sandbox / "notes.txt").write_text("a file of mine\n")
    return sandbox / "notes.txt"


def _folder(sandbox: Path) -> Path:
    (sandbox / "folder").mkdir()
    (sandbox / "folder" / "keep.txt").write_text("mine\n")
    return sandbox / "folder"


def _under_a_file(sandbox: Path) -> Path:
    return _file(sandbox) / "out"


def _deep_under_a_file(sandbox: Path) -> Path:
    return _file(sandbox) / "a" / "b" / "out"


def _dangling_link(sandbox: Path) -> Path:
    (sandbox / "link").symlink_to(sandbox / "missing" / "target")
    return sandbox / "link"


def _link_loop(sandbox: Path) -> Path:
    (sandbox / "loop").symlink_to(sandbox / "loop")
    return sandbox / "loop"


def _read_only_folder(sandbox: Path) -> Path:
    (sandbox / "locked").mkdir()
    return sandbox / "locked" / "out"


def _proc(sandbox: Path) -> Path:
    return Path("/proc/netops-out-test")


def _sys(sandbox: Path) -> Path:
    return Path("/sys/netops-out-test")


def _device(sandbox: Path) -> Path:
    return Path("/dev/null")


def _too_long(sandbox: Path) -> Path:
    return sandbox / ("x" * 300)


#: Bad path kinds: name -> (make it under the sandbox, the commands it is bad for: "file", "folder" or both).
KINDS: dict[str, tuple[Callable[[Path], Path], set[str]]] = {
    "existing-file": (_file, {"folder"}),
    "existing-folder": (_folder, {"file"}),
    "parent-is-a-file": (_under_a_file, {"file", "folder"}),
    "ancestor-is-a-file": (_deep_under_a_file, {"file", "folder"}),
    "dangling-symlink": (_dangling_link, {"file", "folder"}),
    "symlink-loop": (_link_loop, {"file", "folder"}),
    "read-only-folder": (_read_only_folder, {"file", "folder"}),
    "proc": (_proc, {"file", "folder"}),
    "sys": (_sys, {"file", "folder"}),
    "device": (_device, {"file", "folder"}),
    "name-too-long": (_too_long, {"file", "folder"}),
}

MATRIX = [pytest.param(command, kind, id=f"{command.name}-{kind}")
          for command in COMMANDS for kind, (_, applies) in KINDS.items() if command.expects in applies]


@pytest.mark.parametrize(("command", "kind"), MATRIX)
def test_bad_output_path_is_a_clear_error_and_writes_nothing(command: Command, kind: str, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    sandbox = tmp_path / "sandbox"
    sandbox.mkdir()
    make, _ = KINDS[kind]
    path = make(sandbox)
    with read_only(sandbox / "locked") if kind == "read-only-folder" else contextlib.nullcontext():
        before = tree(sandbox)
        monkeypatch.chdir(tmp_path)
        result = netops_in_process(capsys, *command.args, command.option, str(path))
        after = tree(sandbox)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert str(path) in result.stderr, result.stderr
    assert f"error: {command.option}:" in result.stderr
    assert "expected:" in result.stderr and "found:" in result.stderr and "hint:" in result.stderr
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sandbox"], "nothing created beside the sandbox"
    if not str(path).startswith(str(sandbox)):
        assert not path.exists() or path == Path("/dev/null")


def test_the_matrix_covers_every_command_with_an_output_path() -> None:
    """A command that gains an output option must join COMMANDS: every option naming where output goes."""
    from typing import Any

    import typer

    from netops.cli import app

    def walk(command: Any, prefix: str) -> Iterator[tuple[str, Any]]:  # typer's click objects
        commands = getattr(command, "commands", None)
        if commands:
            for name, sub in commands.items():
                yield from walk(sub, f"{prefix} {name}".strip())
        else:
            for parameter in command.params:
                yield prefix, parameter

    found = {(name, option) for name, parameter in walk(typer.main.get_command(app), "")
             for option in parameter.opts if option in ("--out", "--report-dir", "--output", "--dest")
             and not getattr(parameter, "hidden", False)}
    assert found == {(" ".join(itertools.takewhile(lambda arg: not arg.startswith("-"), c.args)), c.option)
                     for c in COMMANDS}


def test_compliance_out_replaces_only_its_own_reports(tmp_path: Path) -> None:
    from tests.compliance.helpers import CITY, WAIVERS

    backups = tmp_path / "backups"
    rendered = netops("render", "--intent", str(CITY), "--out", str(backups), "--device", "ba-dinh-agg-01",
                      "--workers", "1")
    assert rendered.returncode == 0, rendered.stderr
    common = ("compliance", "--intent", str(CITY), "--waivers", str(WAIVERS), "--today", "2026-11-27",
              "--backups", str(backups), "--device", "ba-dinh-agg-01", "--workers", "1")
    report = tmp_path / "compliance.report"
    report.write_text("my own notes\n")
    refused = netops(*common, "--out", str(report))
    assert refused.returncode == 2 and f"{report} exists and `netops compliance` did not write it" in refused.stderr
    assert "--force" in refused.stderr and report.read_text() == "my own notes\n"
    assert netops(*common, "--out", str(report), "--force").returncode == 0
    for output_format in ("json", "junit", "markdown", "html", "text"):
        replaced = netops(*common, "--format", output_format, "--out", str(report))
        assert replaced.returncode == 0, f"{output_format}: {replaced.stderr}"
        assert "devices compliant" in replaced.stderr


def test_verify_report_dir_replaces_only_its_own_reports(tmp_path: Path) -> None:
    """Refused before any work (no lab needed to see it); each of verify's formats is recognised as its own."""
    from netops.compliance.cli import _is_compliance_report
    from netops.verify.cli import _is_verify_report
    from netops.verify.engine import Verification
    from netops.verify.report import FORMATS

    for render in FORMATS.values():
        text = render(Verification(sites=[]))
        assert _is_verify_report(text) and not _is_compliance_report(text)
    assert not _is_verify_report("my notes\n") and not _is_verify_report('{"ok": true}\n')
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "verify.txt").write_text("my notes\n")
    before = tree(folder)
    for option in ("--out", "--report-dir"):  # --report-dir: the former name, which the verify playbook passes
        result = netops("verify", option, str(folder), cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        assert f"{folder / 'verify.txt'} exists and `netops verify` did not write it" in result.stderr
        assert "--force" in result.stderr and "Traceback" not in result.stderr and tree(folder) == before
