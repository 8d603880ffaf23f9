"""`netops compliance` end to end, offline: rendered configs as backups, hand edits, planted secrets, bad input."""

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netops.cli import app
from tests.compliance.helpers import CITY, WAIVERS
from tests.conftest import case_folders

runner = CliRunner()
BAD = Path(__file__).parent / "bad-input"
FORMATS = ("text", "json", "junit", "markdown", "html")


def _compliance(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["compliance", "--intent", str(CITY), "--waivers", str(WAIVERS),
                                 "--today", "2026-11-27", "--workers", "1", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("rendered")
    result = runner.invoke(app, ["render", "--intent", str(CITY), "--out", str(folder), "--workers", "1"])
    assert result.exit_code == 0, result.output
    return folder


@pytest.fixture
def backups(rendered: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "backups"
    shutil.copytree(rendered, folder)
    return folder


def test_sample_city_rendered_configs_are_compliant(rendered: Path) -> None:
    code, stdout, stderr = _compliance("--backups", str(rendered), "--format", "json")
    assert code == 0, stdout + stderr
    report = json.loads(stdout)
    assert report["compliant"] and report["summary"]["devices"] == 31
    assert report["summary"]["failing_findings"] == 0
    assert all(d["rules_checked"] for d in report["devices"])


_BGP_PASSWORD = " neighbor RR password $NETOPS_SECRET{bgp_key}\n"


def _without_bgp_password(backups: Path, device: str) -> None:
    path = backups / "frr" / f"{device}.cfg"
    text = path.read_text(encoding="utf-8")
    assert _BGP_PASSWORD in text  # the templates protect every iBGP peer group
    path.write_text(text.replace(_BGP_PASSWORD, ""), encoding="utf-8")


def test_city_waivers_waive_nothing_and_a_missing_bgp_password_fails(backups: Path) -> None:
    _without_bgp_password(backups, "ba-dinh-agg-01")
    result = runner.invoke(app, ["compliance", "--intent", str(CITY), "--backups", str(backups),
                                 "--waivers", str(CITY.parent / "compliance" / "waivers.yml"), "--workers", "1",
                                 "--device", "ba-dinh-agg-01"])
    assert result.exit_code == 1
    assert "[fail] FRR-BGP-001" in result.stdout


def test_expired_waiver_fails_again(backups: Path) -> None:
    _without_bgp_password(backups, "ba-dinh-agg-01")
    code, stdout, _ = _compliance("--backups", str(backups), "--device", "ba-dinh-agg-01", "--format", "json")
    findings = json.loads(stdout)["devices"][0]["findings"]
    assert [f["status"] for f in findings if f["rule"] == "FRR-BGP-001"] == ["waived"]
    code, stdout, _ = _compliance("--backups", str(backups), "--today", "2027-03-31", "--device", "ba-dinh-agg-01")
    assert code == 1
    assert "[waiver-expired] FRR-BGP-001" in stdout


def test_hand_changed_device_shows_diff_and_remediation(backups: Path, golden) -> None:  # type: ignore[no-untyped-def]
    path = backups / "frr" / "ubnd-phuong-phuc-xa-r01.cfg"
    text = path.read_text(encoding="utf-8")
    assert " ip ospf cost 1000\n" in text
    path.write_text(text.replace(" ip ospf cost 1000\n", " ip ospf cost 1\n", 1)
                    .replace("router ospf\n", "ip route 192.0.2.0/24 blackhole\n!\nrouter ospf\n"), encoding="utf-8")
    code, stdout, _ = _compliance("--backups", str(backups), "--device", "ubnd-phuong-*", "--format", "markdown")
    assert code == 1
    golden(Path(__file__).parent / "expected" / "hand-changed.md", stdout)


def test_reordered_sections_are_not_drift(backups: Path) -> None:
    """frr.conf sections and interface lines in another order: FRR does not care, neither does compliance."""
    path = backups / "frr" / "ba-dinh-agg-01.cfg"
    blocks = path.read_text(encoding="utf-8").split("!\n")
    interfaces = [b for b in blocks if b.startswith("interface ")]
    others = [b for b in blocks if not b.startswith("interface ")]
    flipped = [b.split("\n")[0] + "\n" + "\n".join(reversed(b.split("\n")[1:-2])) + "\nexit\n"
               for b in reversed(interfaces)]
    reordered = [others[0], *flipped, *others[1:]]
    assert reordered != blocks
    path.write_text("!\n".join(reordered), encoding="utf-8")
    code, stdout, stderr = _compliance("--backups", str(backups), "--device", "ba-dinh-agg-01")
    assert code == 0, stdout + stderr


def test_secret_values_differ_but_are_not_drift(backups: Path) -> None:
    path = backups / "frr" / "ba-dinh-agg-01.cfg"
    path.write_text(path.read_text(encoding="utf-8").replace("$NETOPS_SECRET{ospf_key}", "Kx7-real-key"),
                    encoding="utf-8")
    code, stdout, stderr = _compliance("--backups", str(backups), "--device", "ba-dinh-agg-01")
    assert code == 0, stdout + stderr


@pytest.mark.parametrize("output_format", FORMATS)
def test_no_secret_in_any_report(backups: Path, tmp_path: Path, output_format: str) -> None:
    planted = {"cfg": ("interface eth1\n ip ospf message-digest-key 1 md5 $NETOPS_SECRET{ospf_key}\n",
                       "interface eth1\n ip ospf message-digest-key 1 md5 Pl4nted-0spf!\n"),
               "snmpd": ("$NETOPS_SECRET{snmp_auth_key}", "Pl4nted-Auth"),
               "snmpd ": ("$NETOPS_SECRET{snmp_priv_key}", "Pl4nted-Priv")}
    cfg = backups / "frr" / "ba-dinh-agg-01.cfg"
    text = cfg.read_text(encoding="utf-8").replace(*planted["cfg"])
    cfg.write_text(text + "password Pl4nted-vty\nenable password zebra\n", encoding="utf-8")
    snmpd = backups / "frr" / "ba-dinh-agg-01.snmpd"
    text = snmpd.read_text(encoding="utf-8").replace(*planted["snmpd"]).replace(*planted["snmpd "])
    assert text.count("Pl4nted-Auth") == 2 and text.count("Pl4nted-Priv") == 2  # createUser and trapsess
    snmpd.write_text(text + "rocommunity s3cret-c0mmunity\n", encoding="utf-8")
    report = tmp_path / f"report.{output_format}"
    code, stdout, stderr = _compliance("--backups", str(backups), "--device", "ba-dinh-agg-01",
                                       "--format", output_format, "--out", str(report))
    assert code == 1, stdout + stderr  # the plaintext vty password is a finding...
    written = report.read_text(encoding="utf-8")
    assert "FRR-PASSWORD-001" in written and "FRR-SNMP-001" in written
    for secret in ("Pl4nted-0spf!", "Pl4nted-Auth", "Pl4nted-Priv", "s3cret-c0mmunity", "Pl4nted-vty",
                   "zebra"):  # ...whose value is never shown
        assert secret not in written + stdout + stderr


@pytest.mark.parametrize("folder", case_folders(BAD), ids=lambda p: p.name)
def test_bad_input(folder: Path, backups: Path, tmp_path: Path, golden) -> None:  # type: ignore[no-untyped-def]
    """A case folder holds files that replace backups (backups/...), a baseline folder or a waiver file."""
    args = ["--backups", str(backups)]
    for source in sorted((folder / "backups").rglob("*")) if (folder / "backups").is_dir() else []:
        if source.is_file():
            shutil.copyfile(source, backups / source.relative_to(folder / "backups"))
    if (folder / "baseline").is_dir():
        baseline = tmp_path / "baseline"
        shutil.copytree(Path("netops/compliance/baseline").resolve(), baseline)
        for source in (folder / "baseline").iterdir():
            shutil.copyfile(source, baseline / source.name)
        args += ["--baseline", str(baseline)]
    result = runner.invoke(app, ["compliance", "--intent", str(CITY), "--today", "2026-11-27", "--workers", "1",
                                 "--waivers", str(folder / "waivers.yml") if (folder / "waivers.yml").is_file()
                                 else str(WAIVERS), *args])
    assert result.exit_code == 2, result.output
    errors = result.stderr.replace(str(backups), "<backups>").replace(str(tmp_path), "<tmp>")
    errors = errors.replace(str(folder), "<case>").replace(str(folder.relative_to(Path.cwd())), "<case>")
    golden(folder / "expected-errors.txt", errors)
