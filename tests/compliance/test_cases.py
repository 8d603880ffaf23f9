"""Each baseline rule has a case folder that violates it; a hand-changed device shows its diff and remediation.

cases/<case>/case.yml: `device` (default ba-dinh-agg-01), `platform` (render the city as this platform), `intent`
(another city than inventory/city, relative to the repository), `edits`
(to the rendered parts: replace/with, delete, append, remove_part) and `rules`: the rule ids that must fail.
cases/<case>/expected.txt: the failing findings as the text report shows them (pytest --update-goldens).
"""

from pathlib import Path

import pytest

from netops.compliance.baseline import load_baselines
from tests.compliance.helpers import failing_text, run_case
from tests.conftest import case_folders

CASES = Path(__file__).parent / "cases"


@pytest.mark.parametrize("folder", case_folders(CASES), ids=lambda p: p.name)
def test_case(folder: Path, golden) -> None:  # type: ignore[no-untyped-def]
    case, result = run_case(folder)
    failing = {f.rule for f in result.findings if f.failing}
    assert set(case["rules"]) <= failing, f"expected {case['rules']} to fail, failing: {sorted(failing)}"
    assert not result.compliant
    golden(folder / "expected.txt", failing_text(result))


def test_every_rule_has_a_violating_case() -> None:
    covered = set()
    for folder in case_folders(CASES):
        import yaml

        covered.update(yaml.safe_load((folder / "case.yml").read_text(encoding="utf-8"))["rules"])
    rules = {rule.id for baseline in load_baselines().values() for rule in baseline.rules}
    assert rules - covered == set(), f"rules without a violating case: {sorted(rules - covered)}"
