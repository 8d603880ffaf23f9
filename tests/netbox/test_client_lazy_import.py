"""pynetbox (about 80 ms to import) is loaded only by commands that talk to NetBox.

Each command runs in a fresh interpreter that reports at exit whether pynetbox was imported. No NetBox is needed:
the commands that do not talk to it read the sample city, and the one that does is pointed at a closed port.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CITY = str(REPO / "inventory" / "city")
# Runs `netops ARGS...` as `python -m netops` does and prints, last on stderr, whether pynetbox was imported.
PROBE = ("import atexit, runpy, sys; "
         "atexit.register(lambda: print('pynetbox imported:', 'pynetbox' in sys.modules, file=sys.stderr)); "
         "sys.argv = ['netops', *sys.argv[1:]]; runpy.run_module('netops', run_name='__main__')")


def imports_pynetbox(*args: str, env: dict[str, str] | None = None) -> bool:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'models'}", **(env or {})},
                          check=False, timeout=300)
    last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""
    assert last.startswith("pynetbox imported:"), done.stdout + done.stderr
    return last.endswith("True")


@pytest.mark.parametrize("args", [
    ("--help",),
    ("validate", "--intent", CITY),
    ("show", "sites", "--intent", CITY),
    ("render", "--intent", CITY, "--district", "001"),
], ids=lambda args: " ".join(a for a in args if a != CITY))
def test_a_command_that_does_not_talk_to_netbox_does_not_import_pynetbox(args: tuple[str, ...],
                                                                        tmp_path: Path) -> None:
    out = ("--out", str(tmp_path / "configs")) if args[0] == "render" else ()
    assert not imports_pynetbox(*args, *out)


def test_a_command_that_talks_to_netbox_imports_it() -> None:
    """The probe can fail: a command reading NetBox does import pynetbox (here before finding nothing listening)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert imports_pynetbox("validate", "--source", "netbox",
                            env={"NETBOX_URL": f"http://127.0.0.1:{port}", "NETBOX_TOKEN": "nbt_key.secret",
                                 "NETOPS_NETBOX_CONNECT_TIMEOUT": "1"})
