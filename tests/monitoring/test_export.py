"""`netops monitoring export`: golden exports checked by Prometheus' and the exporters' own tools, the output folder
rules (idempotent, never over a file netops did not write), and invalid input (exit 2, nothing written).

A case of cases/ holds `args` (the command line after `netops monitoring export`, paths relative to the repository;
`--out` is added) and `expected/`, the exported folder (`pytest --update-goldens` rewrites it). A case of invalid/
holds `args` and `expected-errors.txt`, what the command says on stderr (`{out}` stands for the --out folder).
"""

import json
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, case_folders
from tests.output_tree import netops_in_process, tree

HERE = Path(__file__).parent
CASES = case_folders(HERE / "cases")
INVALID = case_folders(HERE / "invalid")
#: Debian's packages (scripts/install-system-packages): the tests check the export with the real tools.
PROMTOOL = Path("/usr/bin/promtool")
SNMP_EXPORTER = Path("/usr/bin/prometheus-snmp-exporter")
BLACKBOX_EXPORTER = Path("/usr/bin/prometheus-blackbox-exporter")


def export(capsys: pytest.CaptureFixture[str], case: Path, out: Path, *more: str) -> subprocess.CompletedProcess[str]:
    args = shlex.split((case / "args").read_text(encoding="utf-8"))
    return netops_in_process(capsys, "monitoring", "export", *args, "--out", str(out), *more)


def files_under(root: Path) -> dict[str, str]:
    return {path.relative_to(root).as_posix(): path.read_text(encoding="utf-8")
            for path in sorted(root.rglob("*")) if path.is_file() and path.name != ".netops-manifest.json"}


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_export_matches_golden(case: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], golden,  # type: ignore[no-untyped-def]
                               request: pytest.FixtureRequest, in_repo: None) -> None:
    done = export(capsys, case, tmp_path / "out")
    assert done.returncode == 0, done.stderr
    exported = files_under(tmp_path / "out")
    expected = case / "expected"
    if request.config.getoption("--update-goldens"):
        shutil.rmtree(expected, ignore_errors=True)
    for relative, text in exported.items():
        golden(expected / relative, text)
    assert sorted(files_under(expected)) == sorted(exported), "the export has other files than the golden"


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_prometheus_and_the_exporters_accept_the_export(case: Path, tmp_path: Path) -> None:
    """promtool checks prometheus.yml (with its rule and target files) and the rules; the exporters check their
    configs, the SNMP keys filled in as at install time."""
    expected = case / "expected"
    checked = subprocess.run([str(PROMTOOL), "check", "config", str(expected / "prometheus.yml")],
                             capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 2 rule files found" in checked.stdout
    rules = subprocess.run([str(PROMTOOL), "check", "rules", *sorted(map(str, (expected / "rules").glob("*.yml")))],
                           capture_output=True, text=True, check=False)
    assert rules.returncode == 0, rules.stdout + rules.stderr
    blackbox = subprocess.run([str(BLACKBOX_EXPORTER), "--config.check", f"--config.file={expected / 'blackbox.yml'}"],
                              capture_output=True, text=True, check=False)
    assert blackbox.returncode == 0 and "Config file is ok" in blackbox.stderr, blackbox.stderr
    from netops.render.secrets import substitute

    installed = tmp_path / "snmp.yml"
    installed.write_text(substitute((expected / "snmp.yml").read_text(encoding="utf-8"),
                                    {"snmp_auth_key": "auth-key-0123", "snmp_priv_key": "priv-key-0123"}),
                         encoding="utf-8")
    snmp = subprocess.run([str(SNMP_EXPORTER), "--dry-run", f"--config.file={installed}"], capture_output=True,
                          text=True, check=False)
    # snmp_exporter 0.21 exits 0 even on a bad file: its log says which.
    assert "Configuration parsed successfully" in snmp.stderr and "level=error" not in snmp.stderr, snmp.stderr


def test_promtool_finds_a_broken_config(tmp_path: Path) -> None:
    """The tool the checks rely on refuses what is wrong (a check that cannot fail proves nothing)."""
    shutil.copytree(CASES[0] / "expected", tmp_path / "export")
    alerts = tmp_path / "export" / "rules" / "alerts.yml"
    alerts.write_text(alerts.read_text(encoding="utf-8").replace("== 0", "=== 0", 1), encoding="utf-8")
    assert subprocess.run([str(PROMTOOL), "check", "config", str(tmp_path / "export" / "prometheus.yml")],
                          capture_output=True, check=False).returncode != 0


def test_export_is_idempotent_and_keeps_foreign_files(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      in_repo: None) -> None:
    out = tmp_path / "out"
    case = HERE / "cases" / "hanoi-sample"
    assert export(capsys, case, out).returncode == 0
    first = tree(out)
    again = export(capsys, case, out, "--json")
    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    assert report["written"] == [] and report["removed"] == [] and len(report["unchanged"]) == 8
    assert tree(out) == first
    # A narrower scope removes what it no longer produces only where the file is still as netops wrote it.
    mine = out / "notes.txt"
    mine.write_text("the operator's own notes\n", encoding="utf-8")
    narrower = export(capsys, case, out, "--area", "001", "--json")
    assert narrower.returncode == 0, narrower.stderr
    assert mine.read_text(encoding="utf-8") == "the operator's own notes\n"
    snmp = json.loads((out / "targets" / "snmp.json").read_text(encoding="utf-8"))
    assert {group["labels"].get("area") for group in snmp} == {"001"}


def test_export_refuses_a_folder_it_did_not_write(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  in_repo: None) -> None:
    out = tmp_path / "out"
    (out / "rules").mkdir(parents=True)
    (out / "rules" / "alerts.yml").write_text("groups: []\n", encoding="utf-8")
    before = tree(out)
    done = export(capsys, HERE / "cases" / "hanoi-sample", out)
    assert done.returncode == 2
    assert "did not write it" in done.stderr and "rules/alerts.yml" in done.stderr
    assert tree(out) == before
    forced = export(capsys, HERE / "cases" / "hanoi-sample", out, "--force")
    assert forced.returncode == 0, forced.stderr
    assert yaml.safe_load((out / "rules" / "alerts.yml").read_text(encoding="utf-8"))["groups"][0]["rules"]


@pytest.mark.parametrize("case", INVALID, ids=lambda p: p.name)
def test_invalid_input_is_refused(case: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], golden,  # type: ignore[no-untyped-def]
                                  in_repo: None) -> None:
    out = tmp_path / "out"
    out.mkdir()
    before = tree(tmp_path)
    args = shlex.split((case / "args").read_text(encoding="utf-8").replace("{out}", str(out)))
    done = netops_in_process(capsys, "monitoring", "export", *args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    golden(case / "expected-errors.txt", done.stderr.replace(str(out), "{out}"))
    assert tree(tmp_path) == before, "a refused export wrote something"


@pytest.mark.parametrize(("case", "interval"), [("hanoi-sample", 30), ("lab-area-001", 5)])
def test_alerts_wait_a_number_of_scrape_intervals(case: str, interval: int) -> None:
    from netops.monitoring.rules import ALERTS

    expected = HERE / "cases" / case / "expected"
    config = yaml.safe_load((expected / "prometheus.yml").read_text(encoding="utf-8"))
    assert config["global"]["scrape_interval"] == config["global"]["evaluation_interval"] == f"{interval}s"
    rules = yaml.safe_load((expected / "rules" / "alerts.yml").read_text(encoding="utf-8"))["groups"][0]["rules"]
    assert {rule["alert"]: rule["for"] for rule in rules} == {
        alert.name: f"{alert.intervals * interval}s" for alert in ALERTS}
