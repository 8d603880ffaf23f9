"""Every rendered FRR config passes FRR's own parser, and every nftables ruleset passes nft's.

`vtysh -C -f FILE` (FRR 8.4, Debian's `frr` package) parses a config without daemons and exits 2 with
`line N: % Unknown command` on error; `nft -c -f FILE` checks a ruleset without loading it. Both are
installed by scripts/install-system-packages. The configs are checked as the push step sends them:
with every $NETOPS_SECRET{...} token filled in.
"""

import shutil
import subprocess
from pathlib import Path

import pytest

from netops.render.secrets import SECRETS, substitute
from tests.render.helpers import RENDER

FRR_CONFIGS = sorted(RENDER.glob("cases/*/expected/frr/*.cfg"))
NFT_RULESETS = sorted(RENDER.glob("cases/*/expected/frr/*.nft"))
TEST_SECRETS = {name: f"t3st-{index}" for index, name in enumerate(SECRETS)}


def _tool(name: str) -> str:
    path = shutil.which(name) or (f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else None)
    if path is None:
        pytest.fail(f"{name} is not installed: run scripts/install-system-packages (as root)")
    return path


def _check(command: list[str], text: str, tmp_path: Path, name: str) -> None:
    candidate = tmp_path / name
    candidate.write_text(substitute(text, TEST_SECRETS), encoding="utf-8")
    result = subprocess.run([*command, str(candidate)], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, f"{name}: rc {result.returncode}\n{result.stdout}{result.stderr}"


def test_there_are_frr_goldens_to_check() -> None:
    assert len(FRR_CONFIGS) >= 35 and len(NFT_RULESETS) >= 35


@pytest.mark.parametrize("path", FRR_CONFIGS, ids=lambda p: f"{p.parents[2].name}/{p.name}")
def test_frr_config_parses(path: Path, tmp_path: Path) -> None:
    _check([_tool("vtysh"), "-C", "-f"], path.read_text(encoding="utf-8"), tmp_path, path.name)


@pytest.mark.parametrize("path", NFT_RULESETS, ids=lambda p: f"{p.parents[2].name}/{p.name}")
def test_nftables_ruleset_parses(path: Path, tmp_path: Path) -> None:
    _check([_tool("nft"), "-c", "-f"], path.read_text(encoding="utf-8"), tmp_path, path.name)


def test_the_parser_rejects_a_bad_line(tmp_path: Path) -> None:
    """The check above can fail: vtysh really parses (an unknown command is rc 2)."""
    text = FRR_CONFIGS[0].read_text(encoding="utf-8").replace("end\n", " ip ospf no-such-thing\nend\n")
    candidate = tmp_path / "bad.cfg"
    candidate.write_text(substitute(text, TEST_SECRETS), encoding="utf-8")
    result = subprocess.run([_tool("vtysh"), "-C", "-f", str(candidate)], capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 2 and "Unknown command" in result.stdout + result.stderr


def test_a_ruleset_loads_into_a_namespace_twice(tmp_path: Path) -> None:
    """Loading is atomic and idempotent (declare, delete, define): a second load replaces the first."""
    import os

    if os.geteuid() != 0:
        pytest.fail("loading nftables into a network namespace needs root (make test runs as root)")
    ruleset = next(p for p in NFT_RULESETS if p.name == "ubnd-phuong-phuc-xa-r01.nft")
    candidate = tmp_path / ruleset.name
    candidate.write_text(ruleset.read_text(encoding="utf-8"), encoding="utf-8")
    namespace = f"nft{os.getpid() % 100000}"
    subprocess.run(["ip", "netns", "add", namespace], check=True, timeout=30)
    try:
        for _ in range(2):
            subprocess.run(["ip", "netns", "exec", namespace, _tool("nft"), "-f", str(candidate)], check=True,
                           timeout=30, capture_output=True)
        listed = subprocess.run(["ip", "netns", "exec", namespace, _tool("nft"), "list", "table", "inet", "netops"],
                                check=True, timeout=30, capture_output=True, text=True).stdout
    finally:
        subprocess.run(["ip", "netns", "del", namespace], check=False, timeout=30)
    assert listed.count("chain lan_in_") == 4 and 'iifname "eth0.10" jump lan_in_staff' in listed
