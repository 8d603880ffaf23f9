"""playbooks/backup.yml against the lab (real FRR routers over SSH through napalm_frr), then compliance.

A configured lab of the sample city (marker lab, root): the playbook backs up two routers (frr.conf through
NAPALM, the loaded nftables read in the router's namespace; masked; one commit naming both), a second run
commits nothing, compliance of the backups is clean with the lab's waivers (which cover only what the lab
does not run: no DHCP relay), the host baseline checked for real on the host daemons' files read back from
the routers (snmpd, chrony, rsyslog, sshd, banner: nothing UNVERIFIABLE), a change made by hand on a router
shows up after the next backup as drift with its remediation (and nothing else fails), and a changed snmpd
line (rouser at auth) and a changed chrony line (a server removed) fail their rules by id.

The host files need a lab whose routers run the host daemons on the applied files (docs/lab.md: each router's
`<lab home>/routers/<device>/host/`, bind-mounted over /etc in its sshd's mount namespace).
"""

import json
import os
import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from netops.compliance.sources import render_intended
from netops.design import build_design
from netops.lab import sshd
from netops.lab.lab import Lab
from netops.lab.state import LabHome
from netops.lab.topology import plan_lab
from netops.pipeline import load_network
from netops.render.settings import load_settings
from tests.lab.helpers import CITY, lab_home, skip_unless_lab_can_run

pytestmark = [pytest.mark.lab]
REPO = Path(__file__).resolve().parents[2]
BIN = REPO / ".venv" / "bin"
#: A route reflector (its clients are dynamic neighbours, not in its config), an aggregation and an access router.
DEVICES = ("dc-core-01", "ba-dinh-agg-01", "ubnd-phuong-phuc-xa-r01")
#: The host files every lab router has (the sample city has no RADIUS server: no pam_radius_auth.conf).
HOST_PARTS = ("snmpd", "chrony", "rsyslog", "sshd", "banner")


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


def _compliance(folder: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    args = ["compliance", *extra, "--intent", str(CITY), "--backups", str(folder),
            "--settings", str(REPO / "playbooks" / "files" / "lab-render-settings.yml"),
            "--waivers", str(REPO / "inventory" / "compliance" / "lab-waivers.yml")]
    for device in DEVICES:
        args += ["--device", device]
    return subprocess.run([str(BIN / "netops"), *args], cwd=REPO, capture_output=True, text=True, check=False)


def _intended_cost(device: str, interface: str) -> str:
    """The OSPF cost the model gives the interface (the remediation must bring it back)."""
    network = load_network(CITY).network
    design = build_design(network, load_settings(REPO / "playbooks" / "files" / "lab-render-settings.yml"))
    text = render_intended(design, [device], 1).configs[device]["cfg"]
    section = text.split(f"interface {interface}\n", 1)[1].split("exit", 1)[0]
    return next(line.strip() for line in section.splitlines() if "ip ospf cost" in line)


def _ssh(home: LabHome, device: str, command: str) -> subprocess.CompletedProcess[str]:
    """One remote command line, quoted once for the remote shell (ssh joins its arguments with spaces)."""
    return subprocess.run(["ssh", "-F", str(home.ssh_config), device, command], capture_output=True, text=True,
                          check=False)


def _git(folder: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True, check=True).stdout


def test_backup_playbook_then_compliance(lab: LabHome, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    first = _backup(lab, folder)
    assert first.returncode == 0, first.stdout + first.stderr
    assert _git(folder, "log", "--format=%s").splitlines() == [f"backup: {len(DEVICES)} new"]
    secrets = [line.split("=", 1)[1].strip("'\"") for line in lab.secrets_file.read_text().splitlines()
               if "=" in line]
    for device in DEVICES:
        text = (folder / "frr" / f"{device}.cfg").read_text(encoding="utf-8")
        assert f"hostname {device}" in text and "<secret>" in text
        assert not [s for s in secrets if s and s in text]
        nft = (folder / "frr" / f"{device}.nft").read_text(encoding="utf-8")
        assert "chain input" in nft and "@management_sources" in nft
        for part in HOST_PARTS:  # read back from the box, secrets masked like frr.conf's
            host = (folder / "frr" / f"{device}.{part}").read_text(encoding="utf-8")
            assert not [s for s in secrets if s and s in host], part
        snmpd = (folder / "frr" / f"{device}.snmpd").read_text(encoding="utf-8")
        assert f"sysName {device}\n" in snmpd and 'SHA "<secret>" AES "<secret>"' in snmpd

    # The reflector's running config names the other reflector only: its clients are dynamic neighbours.
    core = (folder / "frr" / "dc-core-01.cfg").read_text(encoding="utf-8")
    assert " bgp listen range 10.252.0.0/14 peer-group RR-CLIENTS\n" in core
    assert [line for line in core.splitlines() if line.startswith(" neighbor 10.")] == [
        " neighbor 10.252.0.1 peer-group RR-PEERS", " neighbor 10.252.0.1 description dc-core-02"]

    again = _backup(lab, folder)
    assert again.returncode == 0, again.stdout + again.stderr
    assert len(_git(folder, "log", "--format=%H").splitlines()) == 1

    clean = _compliance(folder, "--format", "json")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    for result in json.loads(clean.stdout)["devices"]:
        assert result["compliant"] and set(result["parts"]) >= {"cfg", "nft", *HOST_PARTS}
        waived = {(f["rule"], f["part"]) for f in result["findings"] if f["status"] == "waived"}
        assert waived <= {("MISSING", "dhcrelay")}, result  # the host baseline is checked, not waived
        # The iBGP password read back from the router (masked) satisfies the baseline: no waiver needed.
        assert "FRR-BGP-001" in result["rules_checked"], result
        assert {"FRR-SSH-001", "FRR-SSH-002", "FRR-PASSWORD-002", "FRR-NTP-001", "FRR-SYSLOG-001",
                "FRR-SNMP-001", "FRR-SNMP-002", "FRR-BANNER-001", "FRR-MGMTACL-001"} <= set(result["rules_checked"])

    # a change by hand on the router
    changed = _ssh(lab, DEVICES[-1], shlex.join(["vtysh", "-c", "configure terminal", "-c", "interface eth1",
                                                "-c", "ip ospf cost 7"]))
    assert changed.returncode == 0, changed.stdout + changed.stderr
    third = _backup(lab, folder)
    assert third.returncode == 0, third.stdout + third.stderr
    assert _git(folder, "log", "-1", "--format=%B").strip() == f"backup: 1 changed\n\nchanged: {DEVICES[-1]}"
    drift = _compliance(folder)
    assert drift.returncode == 1, drift.stdout + drift.stderr
    intended = _intended_cost(DEVICES[-1], "eth1")
    assert (f"[fail] DRIFT (medium) cfg: cfg interface eth1: differs from the intended config\n"
            f"      - ip ospf cost 7\n      + {intended}\n"
            f"      remediation:\n        interface eth1\n          {intended}\n") in drift.stdout
    assert drift.stdout.count("[fail]") == 1, drift.stdout


def _failing_findings(result: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f["rule"], f["part"]) for f in result["findings"] if f["status"] == "fail"}


def test_changed_host_files_fail_their_rules(lab: LabHome, tmp_path: Path) -> None:
    """snmpd lets the user in without privacy, chrony loses a server: the next backup fails both by rule id."""
    device = DEVICES[1]  # not the router the test above changed by hand (its frr.conf still drifts)
    host = lab.router_dir(device) / "host"
    snmpd, chrony = host / "snmp" / "snmpd.conf", host / "chrony" / "chrony.conf"
    originals = {path: path.read_text(encoding="utf-8") for path in (snmpd, chrony)}
    removed = next(line for line in originals[chrony].splitlines() if line.startswith("server "))
    folder = tmp_path / "backups"
    try:
        snmpd.write_text(originals[snmpd].replace(" priv\n", " auth\n"), encoding="utf-8")
        chrony.write_text(originals[chrony].replace(removed + "\n", ""), encoding="utf-8")
        assert snmpd.read_text(encoding="utf-8") != originals[snmpd]
        done = _backup(lab, folder)
        assert done.returncode == 0, done.stdout + done.stderr
        report = _compliance(folder, "--format", "json")
        assert report.returncode == 1, report.stdout + report.stderr
        results = {r["device"]: r for r in json.loads(report.stdout)["devices"]}
        failing = _failing_findings(results[device])
        assert {("FRR-SNMP-001", "snmpd"), ("FRR-NTP-001", "chrony")} <= failing, failing
        assert failing <= {("FRR-SNMP-001", "snmpd"), ("FRR-NTP-001", "chrony"), ("DRIFT", "snmpd"),
                           ("DRIFT", "chrony")}, failing
        for other in set(DEVICES) - {device}:  # the other routers' host files are untouched
            assert not {part for _, part in _failing_findings(results[other])} & set(HOST_PARTS), results[other]
    finally:
        for path, text in originals.items():
            path.write_text(text, encoding="utf-8")
