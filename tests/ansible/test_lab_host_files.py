"""Provisioning applies the routers' rendered host files on the real lab (marker lab, root).

A bootstrap lab of district 001 (its routers on bootstrap host files) provisioned by playbooks/provision.yml: every
router's host files become the rendered ones (secrets filled), its snmpd, chronyd and rsyslogd are restarted and
its sshd reloaded; a second run changes nothing; the monitoring host reads a router's sysName over SNMPv3 with the
model's user through the WAN, chronyc in the router shows the model's NTP servers, the rendered sshd hardening is
in force and the controller still logs in. Then netops_config's lab hook alone: check mode writes nothing, one
changed part restarts only its daemon, and a drop-in sshd refuses is not applied.
"""

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from netops.ansible.tasks import TaskError, lab_host_files
from netops.lab import hostd, sshd
from netops.lab.failover import until_held
from netops.lab.lab import Lab
from netops.lab.state import LabHome
from netops.lab.topology import LabPlan, plan_lab
from netops.pipeline import load_network
from netops.render.secrets import TOKEN, substitute
from tests.lab.helpers import CITY, PLAYBOOK, REPO, lab_home, play_recap, playbook_env, skip_unless_lab_can_run

pytestmark = [pytest.mark.lab]
DEVICE = "ubnd-phuong-phuc-xa-r01"
#: The data center's monitoring host (the model's SNMP manager).
MONITORING = "nls-nms-01"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LabHome, LabPlan, Path]]:
    skip_unless_lab_can_run()
    network = load_network(CITY).network
    plan = plan_lab(network, ["001"])
    work = tmp_path_factory.mktemp("provision")
    with lab_home() as home:
        Lab(home).up(network, plan)
        yield home, plan, work


def _provision(home: LabHome, plan: LabPlan, work: Path) -> subprocess.CompletedProcess[str]:
    routers = [r.device for r in plan.frr_routers()]
    return subprocess.run([str(PLAYBOOK), "playbooks/provision.yml", "--limit", ",".join([*routers, "localhost"]),
                           "-e", f"provision_configs={work / 'configs'}",
                           "-e", f"network_config_backup_dir={work / 'pre-push'}"],
                          cwd=REPO, env=playbook_env(home), capture_output=True, text=True, check=False)


def _secrets(home: LabHome) -> dict[str, str]:
    values = dict(line.split("=", 1) for line in home.secrets_file.read_text().splitlines() if "=" in line)
    return {key.removeprefix("NETOPS_SECRET_").lower(): value for key, value in values.items()}


def _pids(home: LabHome, netns: str) -> dict[str, int]:
    state = home.load()
    assert state is not None
    return {p.kind: p.pid for p in state.processes if p.owner == netns}


def _ssh(home: LabHome, command: str, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ssh", "-F", str(home.ssh_config), *options, DEVICE, command], capture_output=True,
                          text=True, check=False)


def _snmp_sysname(home: LabHome, address: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    secrets = _secrets(home)
    # the client keeps its own persistent files, and loads no MIB (a numeric OID)
    env = {**os.environ, "SNMP_PERSISTENT_DIR": str(tmp_path / "snmp"), "MIBS": ""}
    return subprocess.run(["ip", "netns", "exec", MONITORING, "snmpget", "-v3", "-l", "authPriv", "-u", "netops-nms",
                           "-a", "SHA", "-A", secrets["snmp_auth_key"], "-x", "AES", "-X", secrets["snmp_priv_key"],
                           "-r", "3", "-t", "2", address, "1.3.6.1.2.1.1.5.0"],
                          capture_output=True, text=True, env=env, check=False)


def _assert_healthy(home: LabHome) -> None:
    """Every router's daemons run; else each one that does not, with the end of its output."""
    status = Lab(home).status()
    down = [(r.device, name) for r in status.routers for name, up in r.host_daemons.items() if not up]
    logs = {f"{device} {name}": sorted((home.router_dir(device) / "daemons").glob(f"{name}.*"))
            for device, name in down}
    assert status.healthy and not down, {key: [p.read_text()[-600:] for p in paths] for key, paths in logs.items()}


def _hook(home: LabHome, plan: LabPlan, config: Path, check: bool = False) -> dict[str, Any]:
    return lab_host_files(plan.router_by_device[DEVICE].netns, config, _secrets(home), str(home.path), check)


def test_provisioning_applies_the_host_files_and_restarts_only_what_changed(
        lab: tuple[LabHome, LabPlan, Path], tmp_path: Path) -> None:
    home, plan, work = lab
    routers = plan.frr_routers()
    before = {r.device: _pids(home, r.netns) for r in routers}
    for host_file in hostd.HOST_FILES:
        assert (hostd.host_dir(home, DEVICE) / host_file.relative).read_text() == host_file.bootstrap

    first = _provision(home, plan, work)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    secrets = _secrets(home)
    rendered_parts = set()
    for router in routers:
        root = hostd.host_dir(home, router.device)
        for host_file in hostd.HOST_FILES:
            part = work / "configs" / "frr" / f"{router.device}.{host_file.part}"
            if not part.exists():  # the sample city has no RADIUS server: no radius part, the file stays
                assert (root / host_file.relative).read_text() == host_file.bootstrap
                continue
            rendered_parts.add(host_file.part)
            path = root / host_file.relative
            assert path.read_text() == substitute(part.read_text(), secrets), (router.device, host_file.part)
            assert not TOKEN.search(path.read_text())
            assert (path.stat().st_uid, path.stat().st_mode & 0o777) == (0, 0o640)
        after = _pids(home, router.netns)
        assert {k for k in after if after[k] != before[router.device][k]} == {"snmpd", "chronyd", "rsyslogd"}
    # keepalived: on the routers that share a LAN gateway (reloaded in place, its pid kept, as checked above)
    assert rendered_parts == {"snmpd", "chrony", "rsyslog", "sshd", "banner", "keepalived"}
    _assert_healthy(home)
    # the pushed keepalived files bring every shared gateway up, on the model's master
    held = until_held(plan, {s.netns: s.members[0].device for s in plan.segments}, timeout=30)
    assert plan.segments and held == {s.netns: (s.members[0].device,) for s in plan.segments}

    again = _provision(home, plan, work)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    recap = play_recap(again.stdout)
    assert {device: recap[device]["changed"] for device in (r.device for r in routers)} == {
        r.device: 0 for r in routers}, again.stdout[-3000:]
    assert Lab(home).wait(timeout=300).converged

    # The controller still logs in, and the router reads like the Debian box the files were rendered for.
    rendered = work / "configs" / "frr"
    servers = [line.split()[1] for line in (rendered / f"{DEVICE}.chrony").read_text().splitlines()
               if line.startswith("server ")]
    shown = _ssh(home, "cat /etc/issue.net; chronyc -n sources")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith((rendered / f"{DEVICE}.banner").read_text())
    assert servers and all(server in shown.stdout for server in servers), shown.stdout
    banner = _ssh(home, "true", "-o", "LogLevel=INFO")
    assert (rendered / f"{DEVICE}.banner").read_text().splitlines()[0] in banner.stderr  # sshd's Banner
    sshd_pid = _pids(home, plan.router_by_device[DEVICE].netns)["sshd"]
    effective = subprocess.run(["nsenter", "-t", str(sshd_pid), "-m", "-n", str(sshd.SSHD), "-T", "-f",
                                str(home.ssh_dir(DEVICE) / "sshd_config")], capture_output=True, text=True,
                               check=False)
    assert effective.returncode == 0, effective.stderr
    for line in ("permitrootlogin no", "passwordauthentication no", "x11forwarding no", "banner /etc/issue.net",
                 "allowusers *@10.248.0.0/14"):
        assert line in effective.stdout.splitlines(), line

    # The monitoring side reads the router's sysName over SNMPv3 with the model's user, through the WAN.
    config = rendered / f"{DEVICE}.cfg"
    loopback = next(line.split()[2].split("/")[0] for line in config.read_text().split("interface lo\n", 1)[1]
                    .splitlines() if line.strip().startswith("ip address"))
    answer = _snmp_sysname(home, loopback, tmp_path)
    assert answer.returncode == 0 and f'STRING: "{DEVICE}"' in answer.stdout, answer.stdout + answer.stderr

    # The hook alone, on a copy of the rendered files with one chrony line changed.
    copy = tmp_path / "frr"
    shutil.copytree(rendered, copy)
    chrony = copy / f"{DEVICE}.chrony"
    chrony.write_text(chrony.read_text().replace(f"server {servers[-1]} iburst", "server 10.145.1.99 iburst"))
    netns = plan.router_by_device[DEVICE].netns
    settled = _pids(home, netns)
    applied_file = hostd.host_dir(home, DEVICE) / "chrony" / "chrony.conf"
    kept = applied_file.read_text()
    checked = _hook(home, plan, copy / f"{DEVICE}.cfg", check=True)
    assert checked == {"lab_host_changed": ["chrony"], "lab_host_restarted": []}
    assert applied_file.read_text() == kept and _pids(home, netns) == settled
    one = _hook(home, plan, copy / f"{DEVICE}.cfg")
    assert one == {"lab_host_changed": ["chrony"], "lab_host_restarted": ["chronyd"]}
    latest = _pids(home, netns)
    assert {k for k in latest if latest[k] != settled[k]} == {"chronyd"}
    assert "10.145.1.99" in _ssh(home, "chronyc -n sources").stdout

    # A run interrupted after writing a file and before restarting its daemon: the next run restarts it.
    chrony.write_text(chrony.read_text().replace("10.145.1.99", "10.145.1.98"))
    hostd.write_host_file(applied_file, chrony.read_text(), applied_file.stat().st_gid)
    resumed = _hook(home, plan, copy / f"{DEVICE}.cfg")
    assert resumed == {"lab_host_changed": [], "lab_host_restarted": ["chronyd"]}
    assert "10.145.1.98" in _ssh(home, "chronyc -n sources").stdout
    assert _hook(home, plan, copy / f"{DEVICE}.cfg") == {"lab_host_changed": [], "lab_host_restarted": []}

    # A drop-in sshd refuses is not applied: the previous one stays, the controller keeps its way in.
    drop_in = hostd.host_dir(home, DEVICE) / "ssh" / "sshd_config.d" / "60-netops.conf"
    good = drop_in.read_text()
    (copy / f"{DEVICE}.sshd").write_text("NoSuchKeyword yes\n")
    with pytest.raises(TaskError, match="sshd refuses the new drop-in"):
        _hook(home, plan, copy / f"{DEVICE}.cfg")
    assert drop_in.read_text() == good
    assert _ssh(home, "true").returncode == 0
