"""playbooks/backup.yml against the lab (real FRR routers over SSH through napalm_frr), then compliance.

A configured lab of the sample city (marker lab, root): the playbook backs up two routers (masked, one
commit naming both), a second run commits nothing, compliance of the backups is clean, a change made by
hand on a router shows up after the next backup as drift with its remediation.
"""

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from netops.lab import sshd
from netops.lab.lab import Lab
from netops.lab.state import LabHome
from netops.lab.topology import plan_lab
from netops.pipeline import load_network
from tests.lab.helpers import CITY, lab_home, skip_unless_lab_can_run

# Work in progress: never yet passed on a clean machine (docs/known-gaps.md); run with -m wip.
pytestmark = [pytest.mark.lab, pytest.mark.wip]
REPO = Path(__file__).resolve().parents[2]
BIN = REPO / ".venv" / "bin"
DEVICES = ("ba-dinh-agg-01", "ubnd-phuong-phuc-xa-r01")


@pytest.fixture(scope="module")
def lab() -> Iterator[LabHome]:
    skip_unless_lab_can_run()
    network = load_network(CITY).network
    with lab_home() as home:
        Lab(home).up(network, plan_lab(network), configured=True)
        yield home


def _backup(home: LabHome, folder: Path) -> subprocess.CompletedProcess[str]:
    extra = {"netops_backup_folder": str(folder),
             "netops_napalm_optional_args": {"key_file": str(home.client_key), "ssh_strict": True,
                                             "known_hosts_file": str(home.known_hosts)}}
    env = {**os.environ, "NETOPS_DEVICE_USERNAME": sshd.login_user(), "NETOPS_DEVICE_PASSWORD": "",
           "ANSIBLE_CONFIG": str(REPO / "ansible.cfg")}
    return subprocess.run([str(BIN / "ansible-playbook"), "playbooks/backup.yml", "--limit", ",".join(DEVICES),
                           "-e", json.dumps(extra)], cwd=REPO, env=env, capture_output=True, text=True, check=False)


def _compliance(folder: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    settings = tmp_path / "lab-settings.yml"
    settings.write_text("ospf_timers: fast\n", encoding="utf-8")
    waivers = tmp_path / "waivers.yml"  # NAPALM returns frr.conf only: the host parts are not collected
    waivers.write_text(
        "waivers:\n"
        "  - {rule: MISSING, owner: lab tests, reason: the lab backup holds frr.conf only, expires: 2999-01-01}\n"
        "  - {rule: FRR-BGP-001, owner: lab tests, reason: the renderer has no BGP password yet, "
        "expires: 2999-01-01}\n", encoding="utf-8")
    args = ["compliance", "--intent", str(CITY), "--backups", str(folder), "--settings", str(settings),
            "--waivers", str(waivers)]
    for device in DEVICES:
        args += ["--device", device]
    return subprocess.run([str(BIN / "netops"), *args], cwd=REPO, capture_output=True, text=True, check=False)


def _git(folder: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True, check=True).stdout


def test_backup_playbook_then_compliance(lab: LabHome, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    first = _backup(lab, folder)
    assert first.returncode == 0, first.stdout + first.stderr
    assert _git(folder, "log", "--format=%s").splitlines() == ["backup: 2 new"]
    secrets = [line.split("=", 1)[1].strip("'\"") for line in lab.secrets_file.read_text().splitlines()
               if "=" in line]
    for device in DEVICES:
        text = (folder / "frr" / f"{device}.cfg").read_text(encoding="utf-8")
        assert f"hostname {device}" in text and "<secret>" in text
        assert not [s for s in secrets if s and s in text]

    again = _backup(lab, folder)
    assert again.returncode == 0, again.stdout + again.stderr
    assert len(_git(folder, "log", "--format=%H").splitlines()) == 1

    clean = _compliance(folder, tmp_path)
    assert clean.returncode == 0, clean.stdout + clean.stderr

    # a change by hand on the router
    changed = subprocess.run(["ssh", "-F", str(lab.ssh_config), DEVICES[1], "vtysh", "-c", "configure terminal",
                              "-c", "interface eth1", "-c", "ip ospf cost 7"], capture_output=True, text=True,
                             check=False)
    assert changed.returncode == 0, changed.stderr
    third = _backup(lab, folder)
    assert third.returncode == 0, third.stdout + third.stderr
    assert _git(folder, "log", "-1", "--format=%B").strip() == f"backup: 1 changed\n\nchanged: {DEVICES[1]}"
    drift = _compliance(folder, tmp_path)
    assert drift.returncode == 1, drift.stdout + drift.stderr
    assert "DRIFT (medium) cfg: cfg interface eth1" in drift.stdout
    assert "- ip ospf cost 7" in drift.stdout and "remediation:" in drift.stdout
