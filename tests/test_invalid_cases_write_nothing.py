"""No invalid intent writes or deletes anything: `netops export --out`, `netops render --out` and `netops monitoring
export --out` on every case.

The commands run through the console script's entry point inside the test process: the same code path and
exit codes, without an interpreter start per case (the earlier output is made by real processes).
Parametrized by the case folders of tests/intent/cases/invalid, so cases added there are covered here too.
The output folder already holds an earlier export and render of the valid base intent (so an overwrite or a
stale removal would show), and the intent tree and the output tree are compared byte for byte.
"""

from pathlib import Path

import pytest

from tests.conftest import TESTS, case_folders, materialize_overlay
from tests.output_tree import netops, netops_in_process, tree

BASE = TESTS / "intent" / "cases" / "base"
INVALID = TESTS / "intent" / "cases" / "invalid"


@pytest.fixture(scope="module")
def earlier_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An output folder as a user has it: the base intent exported and rendered into it."""
    out = tmp_path_factory.mktemp("earlier") / "out"
    assert netops("export", "--intent", str(BASE), "--out", str(out / "network.yml")).returncode == 0
    rendered = netops("render", "--intent", str(BASE), "--out", str(out / "configs"), "--workers", "1")
    assert rendered.returncode == 0, rendered.stderr
    monitoring = netops("monitoring", "export", "--intent", str(BASE), "--out", str(out / "monitoring"))
    assert monitoring.returncode == 0, monitoring.stderr
    return out


@pytest.mark.parametrize("case", case_folders(INVALID), ids=lambda p: p.name)
def test_invalid_intent_writes_nothing(case: Path, tmp_path: Path, earlier_output: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    intent = materialize_overlay(BASE, case, tmp_path)
    out = tmp_path / "out"
    shutil.copytree(earlier_output, out, symlinks=True)
    intent_before, out_before = tree(intent), tree(out)
    assert any(name.startswith("configs/frr/") for name in out_before)
    assert "monitoring/targets/snmp.json" in out_before
    # export into a new sub-folder (nothing may be created), render and the monitoring export over their earlier
    # output (nothing replaced or removed as stale).
    for args in (("export", "--out", str(out / "new" / "network.yml")),
                 ("render", "--out", str(out / "configs"), "--workers", "1"),
                 ("monitoring", "export", "--out", str(out / "monitoring"))):
        result = netops_in_process(capsys, *args, "--intent", str(intent))
        assert result.returncode == 2, f"netops {' '.join(args)}: {result.stdout}{result.stderr}"
        assert "Traceback" not in result.stderr + result.stdout
        assert "error:" in result.stderr
        assert tree(out) == out_before, f"netops {' '.join(args)} changed the output folder"
        assert tree(intent) == intent_before, f"netops {' '.join(args)} changed the intent"
