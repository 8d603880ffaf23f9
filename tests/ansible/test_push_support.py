"""Devices whose platform's NAPALM driver cannot do the push transaction (netops.push.support.NOT_PUSHED: Huawei
VRP) are in the inventory as rendered but not pushed, and the provisioning and verification roles leave them with
a message saying why, through the real ansible-playbook and the project's inventory plugin."""

import os
import subprocess
import sys
from pathlib import Path

from netops.ansible.inventory import NAPALM_DRIVERS, build_inventory
from netops.pipeline import load_network
from netops.push.support import NOT_PUSHED
from tests.conftest import REPO

PLATFORMS = REPO / "tests" / "resolve" / "cases" / "platforms" / "intent"  # IOS-XE and VRP routers, FRR core
ANSIBLE_PLAYBOOK = Path(sys.executable).parent / "ansible-playbook"


def test_the_inventory_says_which_devices_are_not_pushed_and_why() -> None:
    network = load_network(PLATFORMS).network
    inventory = build_inventory(network, Path("/configs"))
    vrp = {d.name for d in network.devices if NAPALM_DRIVERS[d.platform] in NOT_PUSHED}
    others = {d.name for d in network.devices} - vrp
    assert vrp and others and {d.platform.value for d in network.devices if d.name in vrp} == {"huawei_vrp"}
    assert set(inventory.groups["push_disabled"]) == vrp and set(inventory.groups["push_enabled"]) == others
    assert inventory.children["pushes"] == ["push_disabled", "push_enabled"]
    for name in vrp:
        assert inventory.hostvars[name]["netops_push"] is False
        assert inventory.hostvars[name]["netops_push_note"].startswith("Huawei VRP is rendered but not pushed: ")
    for name in others:
        assert inventory.hostvars[name]["netops_push"] is True and "netops_push_note" not in inventory.hostvars[name]


def test_the_roles_leave_a_device_that_is_not_pushed_with_the_reason(tmp_path: Path) -> None:
    """network_config and network_verify end a VRP host before any connection or command, in a real run (not
    check mode): the play succeeds, says why, and nothing else of the roles ran for it."""
    playbook = tmp_path / "not-pushed.yml"
    playbook.write_text(
        "- name: Provision and verify the devices that are not pushed\n"
        "  hosts: push_disabled\n  gather_facts: false\n  tasks:\n"
        "    - name: Provision\n      ansible.builtin.include_role:\n        name: network_config\n"
        "    - name: Verify\n      ansible.builtin.include_role:\n        name: network_verify\n"
        "    - name: Not reached for a host that was ended\n      ansible.builtin.debug:\n"
        "        msg: still running\n")
    env = {**os.environ, "NETOPS_INTENT": str(PLATFORMS), "ANSIBLE_NOCOLOR": "1",
           "ANSIBLE_CALLBACK_RESULT_FORMAT": "json"}  # one line per message
    result = subprocess.run([str(ANSIBLE_PLAYBOOK), str(playbook)], cwd=REPO, capture_output=True, text=True,
                            check=False, env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    vrp = {d.name for d in load_network(PLATFORMS).network.devices if NAPALM_DRIVERS[d.platform] in NOT_PUSHED}
    recap = result.stdout[result.stdout.index("PLAY RECAP"):]
    assert {line.split()[0] for line in recap.splitlines()[1:] if ":" in line} == vrp
    assert all(" failed=0 " in line and " unreachable=0 " in line for line in recap.splitlines()[1:] if ":" in line)
    for name in vrp:  # network_config's message; network_verify's is never reached: the host has ended
        assert result.stdout.count(f'"msg": "{name} is not pushed: Huawei VRP is rendered but not pushed: ') == 1
    assert " is not verified" not in result.stdout and "still running" not in result.stdout
    assert "TASK [network_config : Push the rendered config with commit-confirm" not in result.stdout
    assert "TASK [network_verify : Generate the validation specs" not in result.stdout
