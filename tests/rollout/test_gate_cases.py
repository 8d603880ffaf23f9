"""validate's lifecycle gate: each case (base-2025 with a status and a rollout folder laid over it) gives exactly
its expected errors, at the status line, with expected/found and the rollout hint."""

import shutil
from pathlib import Path

import pytest

from netops.errors import InputError, format_problems
from netops.pipeline import load_network
from tests.conftest import TESTS, case_folders, materialize_overlay

BASE = TESTS / "intent" / "cases" / "base-2025"
CASES = TESTS / "rollout" / "cases"


@pytest.mark.parametrize("case", case_folders(CASES), ids=lambda p: p.name)
def test_invalid_ledger(case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, golden) -> None:  # type: ignore[no-untyped-def]
    materialize_overlay(BASE, case, tmp_path)
    monkeypatch.chdir(tmp_path)  # error paths read intent/..., as a user at the repo root sees them
    with pytest.raises(InputError) as raised:
        load_network(Path("intent"))
    problems = raised.value.problems
    assert problems
    for problem in problems:
        assert problem.location is not None and problem.location.file.startswith("intent"), problem
    golden(case / "expected-errors.txt", format_problems(problems) + "\n")


def test_a_rollout_folder_is_not_taken_for_misplaced_intent(tmp_path: Path) -> None:
    intent = materialize_overlay(BASE, CASES / "status-ahead-of-ledger", tmp_path)
    (intent / "communes" / "00004-ba-dinh.yml").write_text(
        (BASE / "communes" / "00004-ba-dinh.yml").read_text().replace(
            "    kind: ward_committee\n", "    kind: ward_committee\n    status: staged\n", 1))
    sites = {site.slug: site.status.value for site in load_network(intent).network.sites}
    assert sites["ubnd-phuong-ba-dinh"] == "staged"


def test_a_released_sites_history_is_accepted(tmp_path: Path) -> None:
    """A rollout folder of no site whose ledger ends decommissioned is kept history, not an orphan."""
    intent = materialize_overlay(BASE, CASES / "orphan-ledger", tmp_path)
    shutil.rmtree(intent / "rollout" / "ubnd-phuong-da-xoa")
    assert (intent / "rollout" / "ubnd-phuong-da-giai-the" / "ledger.yml").is_file()
    load_network(intent)


def test_a_site_that_cannot_be_planned_does_not_make_its_folder_an_orphan(tmp_path: Path) -> None:
    intent = materialize_overlay(BASE, CASES / "status-ahead-of-ledger", tmp_path)
    commune = intent / "communes" / "00004-ba-dinh.yml"
    # A site number out of range leaves the site out of the plans (reported once, at the number).
    commune.write_text(commune.read_text().replace("    kind: ward_committee\n",
                                                   "    kind: ward_committee\n    number: 60\n", 1))
    with pytest.raises(InputError) as raised:
        load_network(intent)
    assert [p.message for p in raised.value.problems] == ["site number too large"]
