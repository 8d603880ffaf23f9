"""The alert rules under `promtool test rules`: each case of rules/ is a folder whose tests.yml holds promtool's
unit tests (input series, the alerts expected at given times: firing and not firing), run against the rules the
sample city exports (the golden export of cases/hanoi-sample, default 30 s interval), its model facts included.
The harness adds `rule_files` and `evaluation_interval`; a case holds only series and expectations.
"""

import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import case_folders
from tests.monitoring.test_export import PROMTOOL

HERE = Path(__file__).parent
RULES = HERE / "cases" / "hanoi-sample" / "expected" / "rules"
CASES = case_folders(HERE / "rules")


def promtool_test(tests: list[object], folder: Path) -> subprocess.CompletedProcess[str]:
    """promtool's verdict on these unit tests, against the sample city's exported rules."""
    document = {"rule_files": sorted(str(path) for path in RULES.glob("*.yml")), "evaluation_interval": "30s",
                "tests": tests}
    path = folder / "tests.yml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return subprocess.run([str(PROMTOOL), "test", "rules", str(path)], capture_output=True, text=True, check=False)


def case_tests(case: Path) -> list[object]:
    tests = yaml.safe_load((case / "tests.yml").read_text(encoding="utf-8"))["tests"]
    assert isinstance(tests, list) and tests
    return tests


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_alert_rules(case: Path, tmp_path: Path) -> None:
    tests = case_tests(case)
    alerts = {check["alertname"] for test in tests for check in test["alert_rule_test"]}
    assert any(check["exp_alerts"] for test in tests for check in test["alert_rule_test"]), "no firing expectation"
    assert any(not check["exp_alerts"] for test in tests for check in test["alert_rule_test"]), \
        "no expectation that the alert stays silent"
    assert alerts, "the case checks no alert"
    done = promtool_test(tests, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_alert_has_a_case() -> None:
    exported = yaml.safe_load((RULES / "alerts.yml").read_text(encoding="utf-8"))
    names = {rule["alert"] for group in exported["groups"] for rule in group["rules"]}
    tested = {check["alertname"] for case in CASES for test in case_tests(case) for check in test["alert_rule_test"]}
    assert names <= tested, f"alerts without a rule test: {sorted(names - tested)}"


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_a_wrong_expectation_fails(case: Path, tmp_path: Path) -> None:
    """The harness can fail: a case's firing expectations dropped, promtool reports the alerts it did not expect."""
    tests = case_tests(case)
    for test in tests:
        for check in test["alert_rule_test"]:
            check["exp_alerts"] = []
    done = promtool_test(tests, tmp_path)
    assert done.returncode != 0 and "FAILED" in done.stdout + done.stderr, done.stdout + done.stderr
