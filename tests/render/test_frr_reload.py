"""Pushing a rendered FRR config with frr-reload.py is idempotent: after --reload, --test finds nothing to change.

A real FRR 8.4 instance (zebra, ospfd, bgpd, staticd) runs in its own network namespace and pathspace, as
the lab runs its routers (notes: lab-frr-namespaces); it needs root and Debian's frr + frr-pythontools.
"""

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from netops.render.secrets import SECRETS, substitute
from tests.render.helpers import RENDER

FRRINIT = Path("/usr/lib/frr/frrinit.sh")
RELOAD = Path("/usr/lib/frr/frr-reload.py")
CONFIGS = [RENDER / "cases" / "hanoi-sample" / "expected" / "frr" / name
           for name in ("ubnd-phuong-phuc-xa-r01.cfg", "ba-dinh-agg-01.cfg", "dc-core-01.cfg")]
TEST_SECRETS = {name: f"k3y-{index}" for index, name in enumerate(SECRETS)}


def _run(*command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=check)


@pytest.fixture
def frr_instance(request: pytest.FixtureRequest) -> Iterator[tuple[str, Path]]:
    """A fresh FRR instance in its own netns, with the device's hostname; stopped and removed afterwards.

    The hostname is set both in the instance's UTS namespace and in vtysh.conf, or daemons started with -N
    take the machine's hostname (FRR #7583) and the running config never matches.
    """
    hostname = request.node.callspec.params["config"].stem
    if os.geteuid() != 0:
        pytest.fail("this test starts FRR in a network namespace: run the suite as root (make test does)")
    if not (FRRINIT.exists() and RELOAD.exists()):
        pytest.fail("frr/frr-pythontools are missing: run scripts/install-system-packages")
    name = f"nrt{os.getpid() % 100000}{request.node.callspec.indices['config']}"
    config_dir = Path("/etc/frr") / name
    daemons = Path("/etc/frr/daemons").read_text(encoding="utf-8")
    for daemon in ("bgpd", "ospfd"):
        daemons = daemons.replace(f"{daemon}=no", f"{daemon}=yes")
    lines = []
    for line in daemons.splitlines():
        if line.split("=", 1)[0].endswith("_options") and not line.startswith("#") and "watchfrr" not in line:
            line = line.rstrip('"') + ' -P 0"'  # no TCP vty
        lines.append(line)
    lines.append('watchfrr_options="--netns"')
    _run("ip", "netns", "add", name)
    try:
        config_dir.mkdir()
        (config_dir / "daemons").write_text("\n".join(lines) + "\n", encoding="utf-8")
        (config_dir / "vtysh.conf").write_text(f"service integrated-vtysh-config\nhostname {hostname}\n",
                                               encoding="utf-8")
        (config_dir / "frr.conf").write_text("frr defaults traditional\n", encoding="utf-8")
        shutil.chown(config_dir, "frr", "frr")
        for path in config_dir.iterdir():
            shutil.chown(path, "frr", "frr")
        _run("unshare", "--uts", "--", "sh", "-c", f"hostname {hostname} && exec {FRRINIT} start {name}")
        yield name, config_dir
    finally:
        _run(str(FRRINIT), "stop", name, check=False)
        _run("ip", "netns", "del", name, check=False)
        shutil.rmtree(config_dir, ignore_errors=True)
        shutil.rmtree(Path("/var/run/frr") / name, ignore_errors=True)


@pytest.mark.parametrize("config", CONFIGS, ids=lambda p: p.stem)
def test_reload_then_test_changes_nothing(config: Path, frr_instance: tuple[str, Path]) -> None:
    name, config_dir = frr_instance
    candidate = config_dir / "candidate.conf"
    candidate.write_text(substitute(config.read_text(encoding="utf-8"), TEST_SECRETS), encoding="utf-8")
    shutil.chown(candidate, "frr", "frr")
    deadline = time.monotonic() + 20
    while _run("vtysh", "-N", name, "-c", "show version", check=False).returncode != 0:
        assert time.monotonic() < deadline, "FRR did not start"
        time.sleep(0.2)
    reload = _run("python3", str(RELOAD), "-N", name, "--reload", "--stdout", str(candidate), check=False)
    assert reload.returncode == 0, reload.stdout + reload.stderr
    running = _run("vtysh", "-N", name, "-c", "show running-config").stdout
    assert f"hostname {config.stem}" in running and "router ospf" in running and "router bgp 65010" in running
    second = _run("python3", str(RELOAD), "-N", name, "--test", "--stdout", str(candidate), check=False)
    assert second.returncode == 0, second.stdout + second.stderr
    changes = [line for line in second.stdout.splitlines() if line and " INFO: " not in line]
    assert not changes, "frr-reload.py would change the running config again:\n" + "\n".join(changes)
