"""`netops rollout` refuses bad input before any work (exit 2, nothing written): an unknown site, a status that
is not the ledger's, a state behind the site or outside the rollout, acceptance without a name."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.lab.helpers import REPO
from tests.rollout.sites import NEW_SITE, add_new_site, sample_copy


@pytest.fixture
def intent(tmp_path: Path) -> Path:
    return add_new_site(sample_copy(tmp_path / "city"))


def _rollout(intent: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "netops", "rollout", *args, "--intent", str(intent)], cwd=REPO,
                          capture_output=True, text=True, timeout=300, check=False)


def _untouched(intent: Path) -> None:
    assert not (intent / "rollout").exists()


def test_an_unknown_site_is_refused(intent: Path) -> None:
    result = _rollout(intent, "diem-phuc-vu-xa-vinh")
    assert result.returncode == 2
    assert "not a site of the intent" in result.stderr and f"did you mean {NEW_SITE}" in result.stderr
    _untouched(intent)


def test_a_status_the_ledger_does_not_hold_is_refused_at_its_line(intent: Path) -> None:
    # ubnd-xa-kim-chung is made to say staged by hand, with no ledger: it never went through the rollout.
    commune = intent / "communes" / "00493-thien-loc.yml"
    lines = commune.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[6] == "    status: planned\n"
    commune.write_text("".join(lines[:6]) + "    status: staged\n" + "".join(lines[7:]), encoding="utf-8")
    result = _rollout(intent, "ubnd-xa-kim-chung")
    assert result.returncode == 2
    assert "communes/00493-thien-loc.yml:7: sites[ubnd-xa-kim-chung].status: status claimed without evidence" \
        in result.stderr, result.stderr
    assert "found:    staged" in result.stderr and "netops rollout ubnd-xa-kim-chung" in result.stderr
    _untouched(intent)


@pytest.mark.parametrize(("to", "message"), [
    ("planned", "not a rollout state"),
    ("decommissioned", "netops site decommission"),
    ("verifed", "did you mean verified"),
])
def test_a_state_outside_the_rollout_is_refused(intent: Path, to: str, message: str) -> None:
    result = _rollout(intent, NEW_SITE, "--to", to)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    _untouched(intent)


def test_acceptance_needs_a_name(intent: Path) -> None:
    result = _rollout(intent, NEW_SITE, "--to", "accepted")
    assert result.returncode == 2 and "accepted needs a named sign-off" in result.stderr
    _untouched(intent)
