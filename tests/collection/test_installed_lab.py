"""The installed collection (installed.py: fresh venv, tarball, project folder outside the checkout) provisions,
verifies and backs up a lab of one district of the sample city: provision converges and a second run changes
nothing, verify passes, backup commits every router's masked config into the project's backups/. Nothing that
ran names a path of the checkout."""

import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from netops.lab.state import LabHome
from tests.collection.installed import REPO, Installation
from tests.lab.helpers import NETOPS, lab_home, netops_env, play_recap, skip_unless_lab_can_run

pytestmark = pytest.mark.lab

DISTRICT = "001"


@dataclass(frozen=True)
class Lab:
    home: LabHome
    devices: list[str]


@pytest.fixture(scope="module")
def lab(installation: Installation) -> Iterator[Lab]:
    skip_unless_lab_can_run()
    with lab_home() as home:
        subprocess.run([str(NETOPS), "lab", "up", "--district", DISTRICT], check=True, env=netops_env(home),
                       cwd=REPO, capture_output=True)
        status = subprocess.run([str(NETOPS), "lab", "status", "--json"], env=netops_env(home), cwd=REPO,
                                capture_output=True, text=True, check=True)
        devices = sorted(router["device"] for router in json.loads(status.stdout)["routers"])
        # The project's own settings for the lab, as a user of the collection writes them beside the inventory.
        shutil.copy(REPO / "playbooks" / "files" / "lab-render-settings.yml",
                    installation.project / "lab-render-settings.yml")
        group_vars = installation.project / "inventory" / "group_vars"
        group_vars.mkdir(exist_ok=True)
        (group_vars / "all.yml").write_text(
            "---\n"
            "netops_lab: true\n"
            f"netops_lab_home: {home.path}\n"
            "netops_render_settings: lab-render-settings.yml\n"
            "netops_napalm_optional_args:\n"
            f"  key_file: {home.client_key}\n"
            f"  known_hosts_file: {home.known_hosts}\n"
            "  ssh_strict: true\n")
        yield Lab(home, devices)


def _play(installation: Installation, lab: Lab, playbook: str, *args: str) -> subprocess.CompletedProcess[str]:
    secrets = dict(line.split("=", 1) for line in lab.home.secrets_file.read_text().splitlines() if "=" in line)
    done = installation.run("ansible-playbook", f"citynet.netops.{playbook}", "--limit",
                            ",".join([*lab.devices, "localhost"]), "-v", *args, NETOPS_LAB_HOME=str(lab.home.path),
                            **secrets)
    assert str(REPO) not in done.stdout + done.stderr
    return done


def test_provision_converges_then_changes_nothing(installation: Installation, lab: Lab) -> None:
    first = _play(installation, lab, "provision")
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-2000:]
    recap = play_recap(first.stdout)
    assert all(recap[device]["changed"] > 0 for device in lab.devices), recap
    second = _play(installation, lab, "provision")
    assert second.returncode == 0, second.stdout[-4000:]
    assert all(play_recap(second.stdout)[device]["changed"] == 0 for device in lab.devices)


def test_verify_passes(installation: Installation, lab: Lab) -> None:
    done = _play(installation, lab, "verify")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert (installation.project / "out" / "verify").is_dir()


def test_backup_commits_every_router(installation: Installation, lab: Lab) -> None:
    done = _play(installation, lab, "backup")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    backups = installation.project / "backups"
    for device in lab.devices:
        assert (backups / "frr" / f"{device}.cfg").is_file(), device
    log = subprocess.run(["git", "-C", str(backups), "log", "--format=%s"], capture_output=True, text=True,
                         check=True)
    assert log.stdout.splitlines() == [f"backup: {len(lab.devices)} new"], log.stdout
