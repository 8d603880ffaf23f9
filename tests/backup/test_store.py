"""Backups in git: masked, one file per device, one commit per run naming the changed devices, idempotent."""

import json
import os
import subprocess
from pathlib import Path

from citynet_models.types import Platform
from netops.backup.store import commit_pending, write_backups
from tests.conftest import REPO

FRR_CONFIG = """frr version 8.4.4
frr defaults traditional
hostname {name}
password zebra
!
interface eth1
 ip ospf message-digest-key 1 md5 S3cr3t-Key
exit
!
end
"""
IOS_CONFIG = """hostname {name}
username admin privilege 15 secret 9 $9$abcdefgh$ijklmnopqrstuvwxyz0123456789
snmp-server community N0tPublic RO
end
"""


def _git(folder: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True, text=True).stdout


def _configs(**changes: str) -> dict[str, dict[str, str]]:
    configs = {"r1": {"cfg": FRR_CONFIG.format(name="r1")}, "sw1": {"cfg": IOS_CONFIG.format(name="sw1")}}
    for name, text in changes.items():
        configs[name] = {"cfg": text}
    return configs


PLATFORMS = {"r1": Platform.FRR, "sw1": Platform.CISCO_IOSXE}


def test_first_run_writes_masked_files_and_commits_once(tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    result = write_backups(folder, _configs(), PLATFORMS)
    assert result.new == ["r1", "sw1"] and result.commit is not None
    written = (folder / "frr" / "r1.cfg").read_text() + (folder / "cisco_iosxe" / "sw1.cfg").read_text()
    for secret in ("zebra", "S3cr3t-Key", "$9$abcdefgh", "N0tPublic"):
        assert secret not in written
    assert "password <secret:default>" in written and "md5 <secret>" in written
    assert _git(folder, "log", "--format=%s").splitlines() == ["backup: 2 new"]
    assert "new: r1\nnew: sw1" in _git(folder, "log", "-1", "--format=%b")


def test_no_change_no_commit(tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    write_backups(folder, _configs(), PLATFORMS)
    head = _git(folder, "rev-parse", "HEAD")
    again = write_backups(folder, _configs(), PLATFORMS)
    assert not again.touched and again.commit is None
    assert again.unchanged == ["r1", "sw1"]
    assert _git(folder, "rev-parse", "HEAD") == head


def test_changed_device_is_named_in_the_commit(tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    write_backups(folder, _configs(), PLATFORMS)
    changed = FRR_CONFIG.format(name="r1").replace("exit\n!\nend", " ip ospf cost 10\nexit\n!\nend")
    result = write_backups(folder, _configs(r1=changed), PLATFORMS)
    assert result.changed == ["r1"] and result.unchanged == ["sw1"]
    assert _git(folder, "log", "-1", "--format=%B").strip() == "backup: 1 changed\n\nchanged: r1"
    # only a secret rotated on the device: the masked backup does not change
    rotated = changed.replace("S3cr3t-Key", "An0ther-Key")
    assert not write_backups(folder, _configs(r1=rotated), PLATFORMS).touched


def test_commit_pending_commits_a_run_of_uncommitted_writes(tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    write_backups(folder, _configs(), PLATFORMS)
    write_backups(folder, {"r2": {"cfg": FRR_CONFIG.format(name="r2")}}, {"r2": Platform.FRR}, commit=False)
    result = commit_pending(folder)
    assert result.new == ["r2"] and result.commit is not None
    assert commit_pending(folder).commit is None


def test_ansible_module_commit_action(tmp_path: Path) -> None:
    """The module through ansible-core itself (no device: the commit action)."""
    folder = tmp_path / "backups"
    write_backups(folder, _configs(), PLATFORMS)
    write_backups(folder, {"r3": {"cfg": FRR_CONFIG.format(name="r3")}}, {"r3": Platform.FRR}, commit=False)
    env = {**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_CALLBACK_RESULT_FORMAT": "json",
           "ANSIBLE_INVENTORY_ENABLED": "host_list"}
    python = REPO / ".venv" / "bin" / "python"
    done = subprocess.run([str(REPO / ".venv" / "bin" / "ansible"), "localhost", "-c", "local", "-i", "localhost,",
                           "-e", f"ansible_python_interpreter={python}", "-m", "citynet.netops.netops_backup",
                           "-a", f"action=commit folder={folder}"], cwd=REPO, env=env, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("localhost | CHANGED => "), done.stdout
    task = json.loads(done.stdout.split("=>", 1)[1])
    assert task["changed"] is True and task["changed_devices"] == ["r3"]
    assert "new: r3" in _git(folder, "log", "-1", "--format=%B")


def test_parts_the_device_no_longer_returns_are_removed(tmp_path: Path) -> None:
    """A stale part would be compared as if the device still ran it: a pruning write removes it, and says so."""
    folder = tmp_path / "backups"
    parts = {"cfg": FRR_CONFIG.format(name="r1"), "nft": "table inet netops {\n}\n", "dhcrelay": 'SERVERS="a"\n'}
    write_backups(folder, {"r1": parts}, {"r1": Platform.FRR})
    del parts["dhcrelay"]
    result = write_backups(folder, {"r1": parts}, {"r1": Platform.FRR}, prune=True)
    assert result.changed == ["r1"] and result.commit is not None
    assert not (folder / "frr" / "r1.dhcrelay").exists() and (folder / "frr" / "r1.nft").exists()
    assert _git(folder, "show", "--name-status", "--format=", "HEAD").split() == ["D", "frr/r1.dhcrelay"]
    again = write_backups(folder, {"r1": parts}, {"r1": Platform.FRR}, prune=True)
    assert not again.touched and again.commit is None
