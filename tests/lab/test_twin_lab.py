"""`make twin` end to end on one area of the whole real city of today (scripts/twin, NETOPS_TWIN_AREAS): the same
code path as the whole city, at a size one test can run.

Area 008 (Cụm Hoàng Mai) gives the data center and the area: 54 devices, 39 of them FRR routers; the units of
two of the wave's candidates are in it, so the wave adds sites of different kinds. In order, the script must:
bring the twin up from the intent it generates, provision it, verify it (every site's reachability by policy,
denials included), add the wave's sites to a copy of the intent and bring them into the running lab, provision
them and their hub, verify the whole lab again with them in it, and bring the lab down, leaving nothing but the
twin's intent, which is kept for the next run.
"""

import json
import subprocess
from pathlib import Path

import pytest

from tests.lab.helpers import REPO, lab_home, leftovers, machine_lock_fd, netops_env, skip_unless_lab_can_run

pytestmark = pytest.mark.lab

AREA = "008"
STEPS = ("== 1. ", "== 2. ", "== 3. ", "== 4. ", "== 5. ", "== 6. ", "== 7. ", "== summary", "== 8. down")


def _report(folder: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((folder / "verify.json").read_text())
    return data


def test_twin_of_one_area_end_to_end() -> None:
    skip_unless_lab_can_run()
    with lab_home() as home:
        out = home.path.parent / "out"
        fd = machine_lock_fd()
        env = {**netops_env(home), "NETOPS_TWIN_AREAS": AREA, "NETOPS_TWIN_OUT": str(out),
               "NETOPS_LAB_LOCK_FD": str(fd)}
        result = subprocess.run([str(REPO / "scripts" / "twin")], env=env, pass_fds=(fd,), capture_output=True,
                                text=True, check=False)
        log = result.stdout + result.stderr
        assert result.returncode == 0, log[-6000:]
        positions = [result.stdout.find(step) for step in STEPS]
        assert -1 not in positions and positions == sorted(positions), positions
        twin = home.path / "twin" / "intent"
        assert f"the twin's intent: {twin}" in result.stdout
        first, again = _report(out / "verify"), _report(out / "verify-again")
        assert first["ok"] and again["ok"]
        wave = next(line for line in result.stdout.splitlines() if line.startswith("wave:")).split()[1:]
        assert len(wave) >= 2, result.stdout[-3000:]
        before = {site["site"] for site in first["sites"]}  # type: ignore[attr-defined]
        after = {site["site"] for site in again["sites"]}  # type: ignore[attr-defined]
        assert set(wave) <= after - before
        kinds = {json.loads(subprocess.run(
            [str(REPO / ".venv" / "bin" / "netops"), "site", "show", slug, "--intent", str(out / "city"), "--json"],
            env=env, capture_output=True, text=True, check=True).stdout)["kind"] for slug in wave}
        assert len(kinds) >= 2
        assert "lab down in" in result.stdout
        # Down: nothing of the lab is left, but the twin's intent, kept for the next run.
        assert leftovers(home) == [f"home {home.path}: ['twin']"]
        assert (twin / "city.yml").is_file()
