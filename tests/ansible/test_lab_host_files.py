"""netops_config's lab hook applies a router's rendered host files on the real lab (marker lab, root).

A configured lab of district 001: the router's config is pushed with host parts beside it (`<device>.snmpd`,
`.chrony`, ... in tests/ansible/host-files, written by hand after the host-files contract of issue 18); check
mode changes nothing, the push applies them (secrets filled) and restarts only the daemons whose file changed, a
re-run changes nothing, the monitoring host reads sysName over SNMPv3 with the model's user, chronyc in the
router shows the model's NTP servers, the sshd hardening is in force and the controller still logs in, and a
drop-in sshd refuses is not applied.
"""

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from citynet_models.types import Platform
from netops.ansible.tasks import CONFIG, TaskError
from netops.compliance.sources import render_intended
from netops.design import LAB_SETTINGS, build_design
from netops.lab import hostd, sshd
from netops.lab.lab import Lab
from netops.lab.state import LabHome
from netops.lab.topology import LabPlan, plan_lab
from netops.pipeline import load_network
from netops.render.secrets import TOKEN
from tests.lab.helpers import CITY, lab_home, skip_unless_lab_can_run

pytestmark = [pytest.mark.lab]
FIXTURES = Path(__file__).with_name("host-files")
DEVICE = "ubnd-phuong-phuc-xa-r01"
#: The monitoring host of the data center (the model's SNMP manager), and the router's loopback.
MONITORING = "nls-nms-01"


@pytest.fixture(scope="module")
def lab() -> Iterator[tuple[LabHome, LabPlan]]:
    skip_unless_lab_can_run()
    network = load_network(CITY).network
    plan = plan_lab(network, ["001"])
    with lab_home() as home:
        Lab(home).up(network, plan, configured=True)
        assert Lab(home).wait(timeout=300).converged
        yield home, plan


def _configs(folder: Path, parts: dict[str, str] | None = None) -> Path:
    """The device's rendered config and nftables, and host parts beside them (the fixtures unless given)."""
    network = load_network(CITY).network
    rendered = render_intended(build_design(network, LAB_SETTINGS), [DEVICE], 1, Platform.FRR).configs[DEVICE]
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / f"{DEVICE}.cfg"
    config.write_text(rendered["cfg"], encoding="utf-8")
    (folder / f"{DEVICE}.nft").write_text(rendered["nft"], encoding="utf-8")
    for host_file in hostd.HOST_FILES:
        (folder / f"{DEVICE}.{host_file.part}").unlink(missing_ok=True)
    if parts is None:
        for fixture in FIXTURES.glob(f"{DEVICE}.*"):
            shutil.copy(fixture, folder / fixture.name)
    else:
        for part, text in parts.items():
            (folder / f"{DEVICE}.{part}").write_text(text, encoding="utf-8")
    return config


def _secrets(home: LabHome) -> dict[str, str]:
    return dict(line.split("=", 1) for line in home.secrets_file.read_text().splitlines() if "=" in line)


def _push(home: LabHome, plan: LabPlan, config: Path, check: bool = False) -> dict[str, Any]:
    router = plan.router_by_device[DEVICE]
    params: dict[str, Any] = {
        "hostname": str(router.management.ip), "driver": "frr", "username": sshd.login_user(), "password": "",
        "optional_args": {"key_file": str(home.client_key), "known_hosts_file": str(home.known_hosts),
                          "ssh_strict": True},
        "timeout": 60, "config_file": str(config), "replace": True, "revert_in": None, "confirm": True,
        "answer_within": 20.0, "backup_path": None, "secrets": _secrets(home), "state": "pushed",
        "lab_netns": router.netns, "lab_nftables": None, "lab_home": str(home.path)}
    return CONFIG.run(params, check, False)


def _pids(home: LabHome, netns: str) -> dict[str, int]:
    state = home.load()
    assert state is not None
    return {p.kind: p.pid for p in state.processes if p.owner == netns}


def _ssh(home: LabHome, command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ssh", "-F", str(home.ssh_config), DEVICE, command], capture_output=True, text=True,
                          check=False)


def _snmp_sysname(home: LabHome, address: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    secrets = _secrets(home)
    # the client keeps its own persistent files, and loads no MIB (numeric OIDs)
    env = {**os.environ, "SNMP_PERSISTENT_DIR": str(tmp_path / "snmp"), "MIBS": ""}
    return subprocess.run(["ip", "netns", "exec", MONITORING, "snmpget", "-v3", "-l", "authPriv", "-u", "netops-nms",
                           "-a", "SHA", "-A", secrets["NETOPS_SECRET_SNMP_AUTH_KEY"], "-x", "AES",
                           "-X", secrets["NETOPS_SECRET_SNMP_PRIV_KEY"], "-r", "3", "-t", "2", address,
                           "1.3.6.1.2.1.1.5.0"], capture_output=True, text=True, env=env, check=False)


def test_provisioning_applies_the_host_files_and_restarts_only_what_changed(
        lab: tuple[LabHome, LabPlan], tmp_path: Path) -> None:
    home, plan = lab
    router = plan.router_by_device[DEVICE]
    root = hostd.host_dir(home, DEVICE)
    bootstrap = {f.part: (root / f.relative).read_text() for f in hostd.HOST_FILES}
    assert bootstrap == {f.part: f.bootstrap for f in hostd.HOST_FILES}
    config = _configs(tmp_path / "frr")
    before = _pids(home, router.netns)

    checked = _push(home, plan, config, check=True)
    assert checked["lab_host_changed"] == sorted(f.part for f in hostd.HOST_FILES)
    assert {f.part: (root / f.relative).read_text() for f in hostd.HOST_FILES} == bootstrap
    assert _pids(home, router.netns) == before

    pushed = _push(home, plan, config)
    assert pushed["changed"] and pushed["lab_host_changed"] == sorted(f.part for f in hostd.HOST_FILES)
    assert pushed["lab_host_restarted"] == ["snmpd", "chronyd", "rsyslogd", "sshd"]
    secrets = _secrets(home)
    for host_file in hostd.HOST_FILES:
        path = root / host_file.relative
        text = path.read_text()
        assert not TOKEN.search(text) and text.splitlines()[-1] in (FIXTURES / f"{DEVICE}.{host_file.part}").read_text()
        assert (path.stat().st_uid, path.stat().st_mode & 0o777) == (0, 0o640)
    assert f'SHA "{secrets["NETOPS_SECRET_SNMP_AUTH_KEY"]}" AES' in (root / "snmp/snmpd.conf").read_text()
    after = _pids(home, router.netns)
    assert {k for k in after if after[k] != before[k]} == {"snmpd", "chronyd", "rsyslogd"}  # sshd: same pid
    assert Lab(home).status().healthy

    again = _push(home, plan, config)
    assert not again["changed"] and again["lab_host_changed"] == [] and again["lab_host_restarted"] == []
    assert _pids(home, router.netns) == after

    # The controller still logs in, and the router reads like the Debian box the files were made for.
    shown = _ssh(home, "cat /etc/issue.net; chronyc -n sources")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith((FIXTURES / f"{DEVICE}.banner").read_text())
    assert "10.145.1.61" in shown.stdout and "10.145.1.62" in shown.stdout
    banner = subprocess.run(["ssh", "-F", str(home.ssh_config), "-o", "LogLevel=INFO", DEVICE, "true"],
                            capture_output=True, text=True, check=False)
    assert "Hà Nội" in banner.stderr  # sshd's Banner, from the drop-in
    effective = subprocess.run(["nsenter", "-t", str(after["sshd"]), "-m", "-n", str(sshd.SSHD), "-T", "-f",
                                str(home.ssh_dir(DEVICE) / "sshd_config")], capture_output=True, text=True,
                               check=False)
    assert effective.returncode == 0, effective.stderr
    for line in ("permitrootlogin no", "passwordauthentication no", "x11forwarding no", "banner /etc/issue.net",
                 "allowusers *@10.0.2.112/28", "allowusers *@10.248.0.0/14"):
        assert line in effective.stdout.splitlines(), line

    # The monitoring side reads the router's sysName over SNMPv3 with the model's user, through the WAN.
    loopback = next(line.split()[2].split("/")[0] for line in config.read_text().split("interface lo\n", 1)[1]
                    .splitlines() if line.strip().startswith("ip address"))
    answer = _snmp_sysname(home, loopback, tmp_path)
    assert answer.returncode == 0 and f'STRING: "{DEVICE}"' in answer.stdout, answer.stdout + answer.stderr

    # One part changed: only its daemon restarts.
    chrony = (FIXTURES / f"{DEVICE}.chrony").read_text().replace("10.145.1.62", "10.145.1.63")
    parts = {p.name.split(".")[-1]: p.read_text() for p in FIXTURES.glob(f"{DEVICE}.*")}
    one = _push(home, plan, _configs(tmp_path / "frr", {**parts, "chrony": chrony}))
    assert one["lab_host_changed"] == ["chrony"] and one["lab_host_restarted"] == ["chronyd"]
    latest = _pids(home, router.netns)
    assert {k for k in latest if latest[k] != after[k]} == {"chronyd"}

    # A drop-in sshd refuses is not applied: the previous one stays, the controller keeps its way in.
    with pytest.raises(TaskError, match="sshd refuses the new drop-in"):
        _push(home, plan, _configs(tmp_path / "frr", {**parts, "chrony": chrony, "sshd": "NoSuchKeyword yes\n"}))
    assert (root / "ssh/sshd_config.d/60-netops.conf").read_text() == parts["sshd"]
    assert _ssh(home, "true").returncode == 0
