"""`molecule test` of roles/network_config on the lab (default driver): create (a lab of the data center and
district 017 with bootstrap routers), converge (render, push), idempotence, verify (a check-mode push finds
nothing to change), destroy. The lab home is a temporary one; the lab is brought down whatever happens."""

import os
import re
import subprocess

import pytest

from tests.lab.helpers import REPO, lab_home, skip_unless_lab_can_run

pytestmark = pytest.mark.lab

MOLECULE = REPO / ".venv" / "bin" / "molecule"


def test_network_config_molecule_default_scenario() -> None:
    skip_unless_lab_can_run()
    with lab_home() as home:
        # molecule shells out to ansible-config and ansible-playbook: the venv's bin comes first on PATH.
        env = {**os.environ, "NETOPS_LAB_HOME": str(home.path),
               "PATH": f"{REPO / '.venv' / 'bin'}:{os.environ['PATH']}", "ANSIBLE_FORCE_COLOR": "0",
               "PY_COLORS": "0", "NO_COLOR": "1"}
        result = subprocess.run([str(MOLECULE), "test", "--scenario-name", "default"], cwd=REPO / "roles" /
                                "network_config", env=env, capture_output=True, text=True, timeout=1200)
        output = result.stdout + result.stderr
        assert result.returncode == 0, output[-5000:]
        for action in ("create", "converge", "idempotence", "verify", "destroy"):
            assert re.search(rf"default.*{action}.*(Completed|Executed: Successful)", output, re.I), (action,
                                                                                                   output[-3000:])
        # Converge pushed to every router of the lab (the data center's and district 017's), idempotence found
        # nothing to change. The plays' recaps come in order: create, converge, idempotence, verify, destroy.
        recaps = [dict(re.findall(r"^(\S+)\s+: ok=\d+\s+changed=(\d+)", recap, re.M))
                  for recap in result.stdout.split("PLAY RECAP")[1:]]
        converge, idempotence = [r for r in recaps if "dc-core-01" in r][:2]
        routers = {host: int(changed) for host, changed in converge.items() if host != "localhost"}
        assert {"dc-core-01", "dong-anh-agg-01", "ubnd-thi-tran-dong-anh-r01"} <= set(routers), output[-3000:]
        assert all(changed > 0 for changed in routers.values()), routers
        assert set(idempotence) == set(converge) and set(idempotence.values()) == {"0"}, idempotence
        assert "All assertions passed" in result.stdout
