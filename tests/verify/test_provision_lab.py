"""provision.yml then verify.yml through ansible-playbook on a lab of one district of the sample city.

Check mode changes nothing; a real run converges; a second run changes nothing; verify passes; a failed link of
a single-homed site makes verify name that site with the reason and exit non-zero. The lab is brought down in
the fixture's finalizer whatever happens.
"""

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from netops.lab.state import LabHome
from tests.lab.helpers import NETOPS, REPO, lab_home, netops_env, skip_unless_lab_can_run

# Work in progress: never yet passed on a clean machine (docs/known-gaps.md); run with -m wip.
pytestmark = [pytest.mark.lab, pytest.mark.wip]

PLAYBOOK = REPO / ".venv" / "bin" / "ansible-playbook"
DISTRICT = "001"
# site, its router, its only upstream
SINGLE_HOMED = ("ubnd-phuong-truc-bach", "ubnd-phuong-truc-bach-r01", "ba-dinh-agg-01")


def _env(home: LabHome) -> dict[str, str]:
    env = netops_env(home)
    env["PATH"] = f"{REPO / '.venv' / 'bin'}:{env['PATH']}"
    for line in home.secrets_file.read_text().splitlines():
        key, _, value = line.partition("=")
        env[key] = value
    return env


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LabHome, Path]]:
    skip_unless_lab_can_run()
    with lab_home() as home:
        subprocess.run([str(NETOPS), "lab", "up", "--district", DISTRICT], check=True, env=netops_env(home),
                       cwd=REPO, capture_output=True)
        yield home, tmp_path_factory.mktemp("verify")


def _limit(home: LabHome) -> str:
    state = subprocess.run([str(NETOPS), "lab", "status", "--json"], env=netops_env(home), cwd=REPO,
                           capture_output=True, text=True)
    return ",".join(sorted(set(re.findall(r'"device": "([^"]+)"', state.stdout))))


def _play(home: LabHome, playbook: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(PLAYBOOK), f"playbooks/{playbook}", "--limit", f"{_limit(home)},localhost", *args],
                          cwd=REPO, env=_env(home), capture_output=True, text=True, timeout=900)


def _changed(output: str) -> dict[str, int]:
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\S+)\s+: ok=\d+\s+changed=(\d+)", output, re.M)}


def test_check_mode_changes_nothing_then_provision_converges(lab: tuple[LabHome, Path]) -> None:
    home, _ = lab
    check = _play(home, "provision.yml", "--check", "--diff")
    assert check.returncode == 0, check.stdout[-3000:]
    assert "Lines To Add" in check.stdout or "+" in check.stdout
    first = _play(home, "provision.yml")
    assert first.returncode == 0, first.stdout[-3000:]
    routers = {h: n for h, n in _changed(first.stdout).items() if h != "localhost"}
    assert routers and all(n > 0 for n in routers.values()), routers  # check mode had applied nothing
    second = _play(home, "provision.yml")
    assert second.returncode == 0, second.stdout[-3000:]
    assert set(_changed(second.stdout).values()) == {0}, second.stdout[-3000:]


def test_verify_passes(lab: tuple[LabHome, Path]) -> None:
    home, reports = lab
    result = _play(home, "verify.yml", "-e", f"verify_report_dir={reports}")
    assert result.returncode == 0, result.stdout[-4000:]
    for suffix in ("txt", "json", "xml", "md"):
        assert (reports / f"verify.{suffix}").is_file()


def test_failed_link_fails_the_single_homed_site(lab: tuple[LabHome, Path]) -> None:
    home, reports = lab
    site, router, upstream = SINGLE_HOMED
    subprocess.run([str(NETOPS), "lab", "fail", "link", router, upstream], check=True, env=netops_env(home),
                   cwd=REPO, capture_output=True)
    try:
        result = subprocess.run([str(NETOPS), "verify", "--report-dir", str(reports)], cwd=REPO, env=_env(home),
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 1, result.stdout
        assert f"FAIL  {site}" in result.stdout
        assert f"to {upstream}" in result.stdout  # the reason names the lost adjacency
    finally:
        subprocess.run([str(NETOPS), "lab", "restore", "link", router, upstream], env=netops_env(home), cwd=REPO,
                       capture_output=True)
