"""JSON output of `netops analyze ...` pinned by golden files, one test per (case folder, command)."""

from pathlib import Path

import pytest

from tests.analysis.commands import Command, commands, intent_of, run

CASES = Path(__file__).parent / "cases"


@pytest.mark.parametrize("command", commands(CASES), ids=lambda c: c.id)
def test_command_output(command: Command, tmp_path: Path, golden) -> None:  # type: ignore[no-untyped-def]
    code, stdout, stderr = run([*command.args, "--intent", str(intent_of(command.case, tmp_path))])
    assert code == command.exit_code, stderr
    golden(command.case / "expected" / f"{command.name}.json", stdout)
