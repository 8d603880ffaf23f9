"""provision.yml then verify.yml through ansible-playbook on a lab of one district of the sample city.

In order, on one lab (bootstrap routers, district 001, limited to the lab's devices):
- check mode changes nothing; a real run converges; a second run changes nothing; verify passes and writes its
  reports (only what the lab holds is expected: the cores' links and BGP sessions to other districts are not);
- failed links: verify names the single-homed site that lost reachability and the dual-homed site that lost its
  second path, with the reasons, and exits 1;
- faults during a push (provision_on_failure=continue): a router whose new config cuts its management address
  does not answer in time, its revert timer rolls it back by itself and it is reported failed; a router that
  cannot be reached is a clear connect error; the other routers of the batch are provisioned; a re-run with
  the good configs changes nothing (the failed router is back on its previous config).
The configs are rendered into a temporary folder; the lab is brought down in the fixture's finalizer.
"""

import json
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from netops.lab.state import LabHome
from tests.lab.helpers import (
    NETOPS,
    PLAYBOOK,
    REPO,
    lab_home,
    netops_env,
    play_recap,
    playbook_env,
    skip_unless_lab_can_run,
)

pytestmark = pytest.mark.lab

DISTRICT = "001"
# site, its router, its only upstream
SINGLE_HOMED = ("ubnd-phuong-truc-bach", "ubnd-phuong-truc-bach-r01", "ba-dinh-agg-01")
# site, its router, one of its two upstreams
DUAL_HOMED = ("ubnd-phuong-phuc-xa", "ubnd-phuong-phuc-xa-r01", "ba-dinh-agg-01")
# A router of another area: in the inventory, not in the lab, so nothing answers at its address.
NOT_IN_LAB = "ubnd-phuong-hang-trong-r01"


@dataclass
class Lab:
    home: LabHome
    work: Path
    devices: list[str]

    @property
    def configs(self) -> Path:
        return self.work / "configs"

    @property
    def limit(self) -> str:
        return ",".join(self.devices)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    skip_unless_lab_can_run()
    with lab_home() as home:
        subprocess.run([str(NETOPS), "lab", "up", "--district", DISTRICT], check=True, env=netops_env(home),
                       cwd=REPO, capture_output=True)
        status = subprocess.run([str(NETOPS), "lab", "status", "--json"], env=netops_env(home), cwd=REPO,
                                capture_output=True, text=True, check=True)
        devices = sorted(router["device"] for router in json.loads(status.stdout)["routers"])
        yield Lab(home, tmp_path_factory.mktemp("provision"), devices)


def _play(lab: Lab, playbook: str, *args: str, limit: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(PLAYBOOK), f"playbooks/{playbook}", "--limit", f"{limit or lab.limit},localhost",
                           "-e", f"provision_configs={lab.configs}", *args],
                          cwd=REPO, env=playbook_env(lab.home), capture_output=True, text=True, timeout=900)


def test_check_mode_changes_nothing_then_provision_converges(lab: Lab) -> None:
    """Check mode and a run with nothing to change open no commit: no pre-push backup is taken (it is taken
    right before a commit) and the routers' commit files are left as they were."""
    backups = lab.work / "pre-push"
    keep = ("-e", f"network_config_backup_dir={backups}")
    check = _play(lab, "provision.yml", "--check", "--diff", *keep)
    assert check.returncode == 0, check.stdout[-3000:]
    assert "router ospf" in check.stdout and "router bgp" in check.stdout  # the diffs are shown
    assert not backups.exists() and not _commit_files(lab)
    first = _play(lab, "provision.yml", *keep)
    assert first.returncode == 0, first.stdout[-3000:]
    routers = {h: c["changed"] for h, c in play_recap(first.stdout).items() if h != "localhost"}
    assert sorted(routers) == lab.devices
    assert all(n > 0 for n in routers.values()), routers  # check mode had applied nothing
    assert sorted(p.stem for p in backups.iterdir()) == lab.devices
    committed = _commit_files(lab)
    assert committed and not [p for p in committed if p.endswith("/pending")]  # every commit was confirmed
    stamps = {p: p.stat().st_mtime_ns for p in backups.iterdir()}
    second = _play(lab, "provision.yml", *keep)
    assert second.returncode == 0, second.stdout[-3000:]
    assert {c["changed"] for c in play_recap(second.stdout).values()} == {0}, second.stdout[-3000:]
    assert {p: p.stat().st_mtime_ns for p in backups.iterdir()} == stamps
    assert _commit_files(lab) == committed


def _commit_files(lab: Lab) -> dict[str, int]:
    """The files napalm_frr's commits leave in the routers' state folders (rollback.conf, pending, ...), with
    their modification times."""
    found: dict[str, int] = {}
    for router in lab.devices:
        state = lab.home.frr_dir(router) / "napalm-frr"  # /etc/frr/napalm-frr on the router
        for path in state.glob("*"):
            if path.name in ("rollback.conf", "pending", "timer.pid"):
                found[str(path)] = path.stat().st_mtime_ns
    return found


def test_verify_passes(lab: Lab) -> None:
    reports = lab.work / "reports"
    result = _play(lab, "verify.yml", "-e", f"verify_report_dir={reports}")
    assert result.returncode == 0, result.stdout[-4000:]
    assert {c["failed"] for c in play_recap(result.stdout).values()} == {0}
    data = json.loads((reports / "verify.json").read_text())
    assert data["ok"] and {s["site"] for s in data["sites"]} >= {SINGLE_HOMED[0], DUAL_HOMED[0], "dc-hanoi"}
    for suffix in ("txt", "xml", "md"):
        assert (reports / f"verify.{suffix}").is_file()


def test_failed_links_name_the_sites_that_lost_reachability_or_redundancy(lab: Lab) -> None:
    reports = lab.work / "failed-links"
    failed = [SINGLE_HOMED[1:], DUAL_HOMED[1:]]
    for router, upstream in failed:
        subprocess.run([str(NETOPS), "lab", "fail", "link", router, upstream], check=True,
                       env=netops_env(lab.home), cwd=REPO, capture_output=True)
    try:
        result = subprocess.run([str(NETOPS), "verify", "--limit", lab.limit, "--out", str(reports)],
                                cwd=REPO, env=playbook_env(lab.home), capture_output=True, text=True, timeout=300)
    finally:
        for router, upstream in failed:
            subprocess.run([str(NETOPS), "lab", "restore", "link", router, upstream], env=netops_env(lab.home),
                           cwd=REPO, capture_output=True)
    # The next test pushes these routers: a restored link is back in the router's namespace at once, but its
    # daemons take a while to take it up again (a push meanwhile saw FRR refuse to write its config). A site cut
    # off for longer than BGP's hold time (180 s) comes back through a reflector that may still hold its stale
    # session for up to that long, refusing the new one until then: the wait covers the hold time.
    settled = subprocess.run([str(NETOPS), "lab", "wait", "--timeout", "300"], env=netops_env(lab.home), cwd=REPO,
                             capture_output=True, text=True)
    assert settled.returncode == 0, settled.stdout + settled.stderr
    assert result.returncode == 1, result.stdout + result.stderr
    site, router, upstream = SINGLE_HOMED
    assert f"FAIL  {site}" in result.stdout
    assert f"not Full: eth1 to {upstream}" in result.stdout  # the reason names the lost adjacency
    assert f"lost reachability: {site}" in result.stdout
    site, router, upstream = DUAL_HOMED
    assert f"FAIL  {site}" in result.stdout
    assert f"lost redundancy: down {router} eth1 to {upstream}" in result.stdout
    assert f"lost redundancy: {site}" in result.stdout
    data = json.loads((reports / "verify.json").read_text())
    assert not data["ok"]
    assert data["lost_reachability"] == [SINGLE_HOMED[0]]
    assert data["lost_redundancy"] == [DUAL_HOMED[0]]
    junit = (reports / "verify.xml").read_text()
    assert "lost redundancy" in junit and "<failure" in junit


def _wait_for_ssh(address: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection((address, 22), timeout=1).close()
            return
        except OSError:
            assert time.monotonic() < deadline, f"{address}:22 never answered again"
            time.sleep(0.5)


def test_push_faults_roll_back_report_and_spare_the_others(lab: Lab) -> None:
    sites = [d for d in lab.devices if not d.startswith(("dc-", "ba-dinh-agg"))]
    # The plays run their hosts sorted; the first is the canary, alone in its batch, and a batch whose every
    # host fails stops the play. So neither the unreachable router nor the cut one is the canary.
    order = sorted([*sites, NOT_IN_LAB])
    limit = ",".join(order)
    canary, unreachable = order[0], NOT_IN_LAB
    assert canary != unreachable
    cut = next(h for h in reversed(order) if h not in (canary, unreachable))
    good = lab.configs / "frr" / f"{cut}.cfg"
    saved = lab.work / f"{cut}.cfg.good"
    shutil.copy(good, saved)
    # The new config takes the router's management address away: the push's session hangs, the
    # confirmation never comes, and the revert timer puts the previous config back.
    text = good.read_text()
    block = re.search(r"^interface mgmt0\n(?:.*\n)*?exit\n", text, re.M)
    assert block is not None
    good.write_text(text.replace(block.group(0), re.sub(r"^ ip address .*\n", "", block.group(0), flags=re.M)))
    try:
        result = _play(lab, "provision.yml", "-e", "provision_render=false", "-e", "provision_on_failure=continue",
                       "-e", "network_config_revert_in=15", "-e", '{"provision_serial": [1, "100%"]}', limit=limit)
    finally:
        shutil.copy(saved, good)
    recap = play_recap(result.stdout)
    assert result.returncode != 0
    assert recap[cut]["failed"] == 1, result.stdout[-4000:]
    flat = " ".join(result.stdout.split())  # the callback wraps long messages
    log = lab.work / "push-faults.log"
    log.write_text(result.stdout + result.stderr)
    assert re.search(rf"fatal: \[{cut}\]: FAILED! => changed: true msg: '[0-9.]+: the commit was not confirmed ",
                     flat), f"see {log}"
    assert "the device is back on its previous config (rolled back by its revert timer)" in flat
    assert recap[unreachable]["failed"] == 1, result.stdout[-4000:]
    assert re.search(rf"fatal: \[{unreachable}\]: FAILED! => changed: false msg: '[0-9.]+: connect failed: ", flat), \
        result.stdout[-4000:]
    spared = [h for h in order if h not in (cut, unreachable)]
    assert all(recap[h]["failed"] == 0 and recap[h]["ok"] > 0 for h in spared), recap
    # The cut router answers again on its previous config: the good config changes nothing anywhere.
    status = json.loads(subprocess.run([str(NETOPS), "lab", "status", "--json"], env=netops_env(lab.home),
                                       cwd=REPO, capture_output=True, text=True).stdout)
    _wait_for_ssh(next(r["management"] for r in status["routers"] if r["device"] == cut))
    again = _play(lab, "provision.yml", "-e", "provision_render=false", limit=",".join(sites))
    assert again.returncode == 0, again.stdout[-3000:]
    assert {c["changed"] for c in play_recap(again.stdout).values()} == {0}, again.stdout[-3000:]
