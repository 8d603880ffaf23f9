"""`netops validate --strict-design` and the text of `netops analyze design`, on the sample city and on the case
that leaves out its accepted risk (tests/analysis/cases/design-unaccepted)."""

import json
from pathlib import Path

from tests.analysis.commands import SAMPLE, intent_of, run

CASES = Path(__file__).parent / "cases"
BROKEN = ["router ba-dinh-agg-01: cuts 2 sites (at most 1) from every service",
          "router ba-dinh-agg-02: cuts 2 sites (at most 1) from every service",
          "router dong-anh-agg-02: cuts 3 sites (at most 1) from every service",
          "router hoan-kiem-agg-01: cuts 2 sites (at most 1) from every service"]


def test_strict_design_passes_on_the_sample() -> None:
    code, stdout, stderr = run(["validate", "--strict-design", "--intent", str(SAMPLE)])
    assert code == 0, stderr
    assert stdout.startswith("valid: ")


def test_strict_design_reports_each_unaccepted_break_at_its_rule(tmp_path: Path) -> None:
    intent = intent_of(CASES / "design-unaccepted", tmp_path)
    # Without the option the intent is valid: the rules are the planner's, not the schema's.
    assert run(["validate", "--intent", str(intent)])[0] == 0
    code, stdout, stderr = run(["validate", "--strict-design", "--json", "--intent", str(intent)])
    assert code == 1, stderr
    errors = json.loads(stdout)["errors"]
    lines = (intent / "city.yml").read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if text.strip() == "- name: no-single-failure-cuts-sites")
    assert {(Path(e["file"]).name, e["line"], e["path"]) for e in errors} == {
        ("city.yml", line, "design.rules[no-single-failure-cuts-sites]")}
    assert sorted(e["found"] for e in errors) == BROKEN
    assert all(e["expected"] == "no single device or link failure cuts any service from more than 1 site"
               for e in errors)


def test_strict_design_text_names_file_and_line(tmp_path: Path) -> None:
    intent = intent_of(CASES / "design-unaccepted", tmp_path)
    code, _, stderr = run(["validate", "--strict-design", "--intent", str(intent)])
    assert code == 1
    assert f"{intent / 'city.yml'}:" in stderr
    assert "4 errors in 1 file" in stderr


def test_analyze_design_text(tmp_path: Path) -> None:
    code, stdout, stderr = run(["analyze", "design", "--intent", str(SAMPLE)])
    assert code == 0, stderr
    assert "every rule holds" in stdout
    code, stdout, _ = run(["analyze", "design", "--intent", str(intent_of(CASES / "design-unaccepted", tmp_path))])
    assert code == 1
    assert "4 breaks not accepted" in stdout
