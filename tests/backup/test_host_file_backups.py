"""The FRR host files as a box returns them, through the backup store, then compliance on the backups.

The box's files are the rendered ones with the secrets filled in (as the push step leaves them): the store
masks them, the masked backups are compliant, and a hand change on the box is caught by its rule id: snmpd
letting the user in without privacy (`rouser ... auth`) fails FRR-SNMP-001, chrony without one of the city's
NTP servers fails FRR-NTP-001.
"""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from citynet_models.types import Platform
from netops.backup.store import write_backups
from netops.cli import app
from netops.hostfiles import HOST_FILES
from netops.render.secrets import TOKEN
from tests.compliance.helpers import CITY, WAIVERS, rendered

runner = CliRunner()
DEVICE = "ba-dinh-agg-01"
#: What the push step put on the box in place of each token.
FILLED = {"snmp_auth_key": "B0x-Auth-Key-1", "snmp_priv_key": "B0x-Priv-Key-2", "ospf_key": "0spfK3y",
          "bgp_key": "Bgp-K3y-on-box", "aaa_shared_key": "Rad1us-K3y", "local_admin_password": "L0cal-Pw"}


def _box_files(**edits: tuple[str, str]) -> dict[str, str]:
    """The device's parts as the box has them: secrets filled, then each edit (part=(old, new)) made by hand."""
    parts = {part: TOKEN.sub(lambda m: FILLED[m.group(1)], text)
             for part, text in rendered(None).configs[DEVICE].items()}
    for part, (old, new) in edits.items():
        assert old in parts[part], (part, old)
        parts[part] = parts[part].replace(old, new)
    return parts


def _compliance(folder: Path) -> tuple[int, dict[str, object]]:
    result = runner.invoke(app, ["compliance", "--intent", str(CITY), "--backups", str(folder), "--waivers",
                                 str(WAIVERS), "--today", "2026-11-27", "--workers", "1", "--device", DEVICE,
                                 "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)["devices"][0]


def _failing(device: dict[str, object]) -> set[tuple[str, str]]:
    findings = device["findings"]
    assert isinstance(findings, list)
    return {(f["rule"], f["part"]) for f in findings if f["status"] == "fail"}


def test_the_box_s_host_files_are_backed_up_masked_and_compliant(tmp_path: Path) -> None:
    parts = _box_files()
    assert {"snmpd", "chrony", "rsyslog", "sshd", "banner"} <= set(parts) <= {"cfg", "nft", "dhcrelay", *HOST_FILES}
    write_backups(tmp_path, {DEVICE: parts}, {DEVICE: Platform.FRR}, commit=False)
    written = {path.name: path.read_text(encoding="utf-8") for path in (tmp_path / "frr").iterdir()}
    assert not [name for name, text in written.items() for value in FILLED.values() if value in text]
    assert 'createUser netops-nms SHA "<secret>" AES "<secret>"' in written[f"{DEVICE}.snmpd"]
    code, device = _compliance(tmp_path)
    assert code == 0, device
    assert {"FRR-SNMP-001", "FRR-NTP-001", "FRR-SSH-001"} <= set(device["rules_checked"])  # type: ignore[arg-type]


@pytest.mark.parametrize(("part", "old", "new", "rule"), [
    pytest.param("snmpd", "rouser netops-nms priv", "rouser netops-nms auth", "FRR-SNMP-001", id="snmpd-auth"),
    pytest.param("chrony", "server 10.145.1.62 iburst\n", "", "FRR-NTP-001", id="chrony-server-removed"),
])
def test_a_changed_host_line_fails_its_rule(tmp_path: Path, part: str, old: str, new: str, rule: str) -> None:
    write_backups(tmp_path, {DEVICE: _box_files(**{part: (old, new)})}, {DEVICE: Platform.FRR}, commit=False)
    code, device = _compliance(tmp_path)
    assert code == 1
    assert _failing(device) == {(rule, part), ("DRIFT", part)}, device
