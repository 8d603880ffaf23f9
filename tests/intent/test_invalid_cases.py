"""Every invalid-input case gives exactly its expected errors (file:line, path, expected, found, hint)."""

from pathlib import Path

import pytest

from netops.errors import InputError, format_problems
from netops.pipeline import load_network
from tests.conftest import TESTS, case_folders, materialize_overlay

BASE = TESTS / "intent" / "cases" / "base"
INVALID = TESTS / "intent" / "cases" / "invalid"


@pytest.mark.parametrize("case", case_folders(INVALID), ids=lambda p: p.name)
def test_invalid_case(case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, golden) -> None:  # type: ignore[no-untyped-def]
    intent = materialize_overlay(BASE, case, tmp_path)
    monkeypatch.chdir(tmp_path)  # error paths read intent/..., as a user at the repo root sees them
    with pytest.raises(InputError) as raised:
        load_network(Path("intent"))
    problems = raised.value.problems
    assert problems, "an InputError must carry at least one problem"
    for problem in problems:
        assert problem.location is not None, f"problem without a location: {problem}"
        assert problem.location.file.startswith("intent"), problem.location
        assert problem.message
    golden(case / "expected-errors.txt", format_problems(problems) + "\n")
    assert intent.is_dir()


def test_base_case_is_valid() -> None:
    network = load_network(BASE).network
    assert len(network.sites) == 4


def test_base_case_of_the_2025_structure_is_valid() -> None:
    network = load_network(TESTS / "intent" / "cases" / "base-2025").network
    assert network.structure.value == "2025"
    assert not network.districts
    assert {site.kind for site in network.sites} >= {"hub", "public_service_point", "ward_committee"}
