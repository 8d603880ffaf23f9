"""A feature a platform cannot render, or a design the settings cannot carry (more route-reflector clients than
bgp_listen_limit), is a domain error: exit 2, the expected text, nothing written.

Each folder of tests/render/capability-cases holds intent/ (or a symlink), an optional settings.yml,
optional `args` (more `netops render` arguments, e.g. --as-platform) and expected-errors.txt (rewritten
by --update-goldens).
"""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, case_folders
from tests.render.helpers import RENDER

CASES = case_folders(RENDER / "capability-cases")


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_capability_gap_exits_2_and_writes_nothing(case: Path, tmp_path: Path, golden) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "configs"
    command = [sys.executable, "-m", "netops", "render", "--intent", str(case.relative_to(REPO) / "intent"),
               "--out", str(out)]
    if (case / "settings.yml").is_file():
        command += ["--settings", str(case.relative_to(REPO) / "settings.yml")]
    if (case / "args").is_file():
        command += (case / "args").read_text(encoding="utf-8").split()
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2, result.stdout + result.stderr
    assert not out.exists(), "a capability gap must leave nothing written"
    golden(case / "expected-errors.txt", result.stderr)
