"""The inventory plugin through the real `ansible-inventory`, run as a user runs it from the project root."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from netops.ansible.inventory import build_inventory, group_name
from netops.pipeline import load_network
from tests.conftest import REPO

ANSIBLE_INVENTORY = Path(sys.executable).parent / "ansible-inventory"


def ansible_inventory(*args: str, cwd: Path = REPO,
                      env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    if not ANSIBLE_INVENTORY.exists():
        pytest.fail("ansible-inventory is missing: install the project (pip install -e .) into this venv")
    return subprocess.run([str(ANSIBLE_INVENTORY), *args], cwd=cwd, capture_output=True, text=True, timeout=120,
                          check=False, env=env)


def plain(value: Any) -> Any:
    """Values of plugin-provided variables, with ansible-core's untrusted-string marker removed."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


@pytest.fixture(scope="module")
def listed() -> dict[str, Any]:
    result = ansible_inventory("--list")
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = plain(json.loads(result.stdout))
    return document


def test_groups_by_district_kind_role_platform_status(listed: dict[str, Any]) -> None:
    # the 2025 sample's district groups are its aggregation areas (areas/001-ba-dinh.yml: Cụm Ba Đình)
    ba_dinh = set(listed["district_001_cum_ba_dinh"]["hosts"])
    assert {"ba-dinh-agg-01", "ubnd-phuong-phuc-xa-r01"} <= ba_dinh and "dc-core-01" not in ba_dinh
    assert set(listed["role_core"]["hosts"]) == {"dc-core-01", "dc-core-02"}
    assert len(listed["role_aggregation"]["hosts"]) == 6
    assert "ubnd-phuong-phuc-xa-r01" in listed["kind_ward_committee"]["hosts"]
    assert len(listed["platform_frr"]["hosts"]) == 31
    assert "dc-core-01" in listed["status_planned"]["hosts"] and "dc-core-01" in listed["city_level"]["hosts"]
    assert "district_017_cum_dong_anh" in listed["districts"]["children"]
    assert {"districts", "kinds", "roles", "platforms", "statuses"} <= set(listed["all"]["children"])


def test_host_variables(listed: dict[str, Any]) -> None:
    host = listed["_meta"]["hostvars"]["ubnd-phuong-phuc-xa-r01"]
    assert host["ansible_host"] == "10.248.66.160"
    assert host["netops_napalm_driver"] == "frr" and host["netops_platform"] == "frr"
    assert host["netops_site"] == "ubnd-phuong-phuc-xa" and host["netops_district"] == "001"
    assert host["netops_loopback"] == "10.252.66.144" and host["netops_role"] == "access_router"
    assert host["netops_config"] == str(REPO / "out" / "configs" / "frr" / "ubnd-phuong-phuc-xa-r01.cfg")
    assert host["netops_site_coordinates"] == {"latitude": 21.0466, "longitude": 105.8476}
    assert host["netops_site_status"] == "planned" and host["netops_site_redundancy"] == "dual_homed"


def test_site_variables_reach_the_site_devices_only(listed: dict[str, Any]) -> None:
    hostvars = listed["_meta"]["hostvars"]
    ward = hostvars["ubnd-phuong-phuc-xa-r01"]
    assert ward["maintenance_window"] == "Sat 22:00-02:00"
    assert ward["site_contact"] == {"name": "Văn phòng UBND phường Phúc Xá", "phone": "024 3829 0000"}
    assert ward["opening_hours"] == "Mon-Fri 07:30-17:00, Sat 07:30-11:30"
    for core in ("dc-core-01", "dc-core-02"):
        assert hostvars[core]["maintenance_window"] == "Sun 00:00-04:00"
        assert hostvars[core]["change_approval"] == "required" and "site_contact" not in hostvars[core]
    neighbour = hostvars["dang-uy-phuong-phuc-xa-r01"]  # same ward, another site
    assert not {"maintenance_window", "site_contact", "opening_hours", "change_approval"} & set(neighbour)


def test_site_variables_in_a_playbook(tmp_path: Path) -> None:
    """A playbook reads a site variable like any host variable (templated, through the real ansible-playbook)."""
    playbook = tmp_path / "site-vars.yml"
    playbook.write_text(
        "- name: Site variables\n  hosts: ubnd-phuong-phuc-xa-r01\n  gather_facts: false\n  tasks:\n"
        "    - name: Show the window\n      ansible.builtin.debug:\n"
        "        msg: \"window={{ maintenance_window }} contact={{ site_contact.phone }}\"\n")
    result = subprocess.run([str(ANSIBLE_INVENTORY.parent / "ansible-playbook"), str(playbook)], cwd=REPO,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "window=Sat 22:00-02:00 contact=024 3829 0000" in result.stdout


def test_graph(listed: dict[str, Any]) -> None:
    result = ansible_inventory("--graph")
    assert result.returncode == 0, result.stderr
    assert "@district_001_cum_ba_dinh:" in result.stdout and "|--ba-dinh-agg-01" in result.stdout
    assert "@platform_frr:" in result.stdout


def test_source_netbox_fails_clearly(tmp_path: Path) -> None:
    inventory = tmp_path / "inventory" / "netops.yml"
    inventory.parent.mkdir()
    inventory.write_text("plugin: citynet.netops.netops\nsource: netbox\n")
    # Nothing listens on port 9 of the loopback: the NetBox read fails at once.
    env = {**os.environ, "NETBOX_URL": "http://127.0.0.1:9", "NETBOX_TOKEN": "nbt_unused.unused"}
    result = ansible_inventory("-i", str(inventory), "--list", env=env)
    assert result.returncode != 0
    assert "--source netbox is not available" in result.stderr


def test_invalid_intent_fails_the_run(tmp_path: Path) -> None:
    inventory = tmp_path / "inventory" / "netops.yml"
    inventory.parent.mkdir()
    inventory.write_text("plugin: citynet.netops.netops\nsource: intent\nintent: nowhere\n")
    result = ansible_inventory("-i", str(inventory), "--list")
    assert result.returncode != 0 and "netops" in result.stderr


def test_netops_intent_names_another_intent(listed: dict[str, Any]) -> None:
    # As every --intent: the legacy sample the reorganization starts from, with the retired district sites.
    legacy = REPO / "tests" / "reorganize" / "cases" / "hanoi-sample" / "legacy"
    result = ansible_inventory("--list", env={**os.environ, "NETOPS_INTENT": str(legacy)})
    assert result.returncode == 0, result.stderr
    hosts = set(plain(json.loads(result.stdout))["_meta"]["hostvars"])
    assert hosts == {d.name for d in load_network(legacy).network.devices}
    assert "quan-uy-ba-dinh-r01" in hosts and "quan-uy-ba-dinh-r01" not in listed["_meta"]["hostvars"]


def test_drivers_per_platform_and_group_names() -> None:
    network = load_network(REPO / "tests" / "resolve" / "cases" / "platforms" / "intent").network
    inventory = build_inventory(network, Path("/configs"))
    assert inventory.hostvars["hoan-kiem-agg-01"]["netops_napalm_driver"] == "ios"
    assert inventory.hostvars["hoan-kiem-agg-02"]["netops_napalm_driver"] == "huawei_vrp"
    assert inventory.hostvars["hoan-kiem-agg-01"]["netops_config"] == "/configs/cisco_iosxe/hoan-kiem-agg-01.cfg"
    assert group_name("district", "001", "quan-ba-dinh") == "district_001_quan_ba_dinh"
