"""Destructive steps ask first: on a terminal (a pty here) they list what they would remove and "n" leaves
everything as it was; not on a terminal they refuse without --yes (exit 2) instead of waiting for an answer.

The lab's state file is a made-up one (namespaces that do not exist): declining must leave it untouched, and
nothing runs that would need root or a real lab. `apply --prune` asks through the same function
(netops.cli_support.confirm_or_exit); its prompt is run against a real NetBox in tests/netbox/test_sync.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from netops.lab.state import LabState
from tests.cli.terminal import on_pty
from tests.conftest import REPO

NAMESPACES = ["nl-ba-dinh-agg-01", "nl-dc-core-01", "nl-dc-core-02"]


def _env(tmp_path: Path) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith(("NETOPS_", "NETBOX_"))}
    return env | {"PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'models'}", "NETOPS_LAB_HOME": str(tmp_path / "lab"),
                  "NETOPS_NETBOX_HOME": str(tmp_path / "netbox"), "NO_COLOR": "1", "TERM": "dumb",
                  "COLUMNS": "200"}


def _fake_lab(tmp_path: Path) -> Path:
    home = tmp_path / "lab"
    home.mkdir()
    state = LabState(namespaces=NAMESPACES, root_links=["nl-mgmt"], made_user="netops-lab")
    (home / "state.json").write_text(state.to_json(), encoding="utf-8")
    return home / "state.json"


def test_lab_down_lists_what_it_removes_and_no_keeps_the_lab(tmp_path: Path) -> None:
    state_file = _fake_lab(tmp_path)
    before = state_file.read_bytes()
    code, screen = on_pty(["lab", "down"], _env(tmp_path), b"n\n")
    assert code == 130, screen
    assert "delete 3 network namespaces: " + ", ".join(NAMESPACES) in screen
    assert "remove the user netops-lab" in screen
    assert "Take down the lab of" in screen and "declined: nothing was changed" in screen
    assert state_file.read_bytes() == before
    assert sorted(path.name for path in state_file.parent.iterdir()) == ["state.json"]


def test_lab_down_off_a_terminal_refuses_without_yes(tmp_path: Path) -> None:
    state_file = _fake_lab(tmp_path)
    before = state_file.read_bytes()
    done = subprocess.run([sys.executable, "-m", "netops", "lab", "down"], cwd=REPO, env=_env(tmp_path),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False)
    assert done.returncode == 2, done.stderr
    assert "standard input is not a terminal" in done.stderr and "pass --yes (-y)" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert state_file.read_bytes() == before


def test_lab_down_with_json_off_a_terminal_refuses_in_json(tmp_path: Path) -> None:
    _fake_lab(tmp_path)
    done = subprocess.run([sys.executable, "-m", "netops", "lab", "down", "--json"], cwd=REPO, env=_env(tmp_path),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "--yes" in json.dumps(json.loads(done.stdout))


def test_lab_down_asks_nothing_when_no_lab_is_up(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "netops", "lab", "down"], cwd=REPO, env=_env(tmp_path),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "no lab was up" in done.stdout


def test_netbox_reset_says_what_it_deletes_and_no_leaves_it(tmp_path: Path) -> None:
    code, screen = on_pty(["netbox", "reset"], _env(tmp_path), b"n\n")
    assert code == 130, screen
    assert "every site, device, prefix and change-log entry is deleted" in screen
    assert "Delete every object of the NetBox at http://127.0.0.1:" in screen
    assert not (tmp_path / "netbox").exists()  # declined before anything was installed, started or reset
