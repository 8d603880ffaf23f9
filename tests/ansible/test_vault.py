"""Secrets and the device login from Ansible Vault, through ansible-playbook and a real vault.

Without a device: a variable file encrypted with `ansible-vault encrypt` is read by the roles (a misspelt
`vault_netops_secret_<name>` is refused by name before any connection); a wrong or missing vault password is
Ansible's clear error and the run writes nothing.
With the lab (marker lab, root): provision.yml pushes one router with the BGP key and the device login from an
encrypted group_vars file, the OSPF key from a `!vault` inline value and the SNMP auth key given explicitly over
its vaulted value; the router's running config (NAPALM get_config) and snmpd file hold those values, and no file
the run wrote, nor its output, holds any of them.
"""

import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from netops.lab import sshd
from netops.lab.state import LabHome
from tests.lab.helpers import NETOPS, PLAYBOOK, REPO, lab_home, netops_env, playbook_env, skip_unless_lab_can_run

VAULT = REPO / ".venv" / "bin" / "ansible-vault"
PASSWORD = "correct horse battery staple"


def _encrypt(plain: Path, password_file: Path) -> None:
    """The file encrypted in place by ansible-vault itself, as a user makes it."""
    subprocess.run([str(VAULT), "encrypt", "--vault-password-file", str(password_file), str(plain)], check=True,
                   capture_output=True, text=True)
    assert plain.read_text().startswith("$ANSIBLE_VAULT;1.1;AES256")


def _encrypt_string(value: str, name: str, password_file: Path) -> str:
    """A `name: !vault |` YAML entry, made by ansible-vault encrypt_string."""
    done = subprocess.run([str(VAULT), "encrypt_string", "--vault-password-file", str(password_file),
                           "--name", name, value], check=True, capture_output=True, text=True)
    assert "!vault |" in done.stdout
    return done.stdout


def _password_file(folder: Path, password: str = PASSWORD, name: str = "vault-pass") -> Path:
    path = folder / name
    path.write_text(password + "\n")
    path.chmod(0o600)
    return path


def _vaulted_group_vars(inventory: Path, values: dict[str, str], password_file: Path) -> Path:
    """inventory/group_vars/all/vault.yml with the values, encrypted."""
    folder = inventory / "group_vars" / "all"
    folder.mkdir(parents=True, exist_ok=True)
    vault = folder / "vault.yml"
    vault.write_text(yaml.safe_dump(values))
    _encrypt(vault, password_file)
    return vault


# --- without a device -------------------------------------------------------------------------------------------

PLAY = """\
- name: Push with the network_config role
  hosts: routers
  gather_facts: false
  connection: local
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  roles:
    - role: network_config
"""


def _local_setup(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A playbook using the role, an inventory of one router at a closed port, and its rendered config."""
    rendered = tmp_path / "r1.cfg"
    rendered.write_text("hostname r1\n")
    inventory = tmp_path / "inventory"
    inventory.mkdir()
    hosts = {"routers": {"hosts": {"r1": {"ansible_host": "127.0.0.1", "netops_config": str(rendered),
                                          "netops_napalm_driver": "frr", "network_config_optional_args":
                                          {"port": 9}, "network_config_lab_nftables": False,
                                          "network_config_backup_dir": str(tmp_path / "pre-push")}}}}
    (inventory / "hosts.yml").write_text(yaml.safe_dump(hosts))
    playbook = tmp_path / "push.yml"
    playbook.write_text(PLAY)
    return playbook, inventory, rendered


def _local_play(playbook: Path, inventory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_HOME": str(playbook.parent / ".ah")}
    return subprocess.run([str(PLAYBOOK), "-i", str(inventory / "hosts.yml"), str(playbook), *args], cwd=REPO,
                          env=env, capture_output=True, text=True, check=False, timeout=300)


def test_a_misspelt_vault_secret_is_refused_by_name_before_any_connection(tmp_path: Path) -> None:
    playbook, inventory, _ = _local_setup(tmp_path)
    password = _password_file(tmp_path)
    _vaulted_group_vars(inventory, {"vault_netops_secret_bgpkey": "s3cret-typo"}, password)
    result = _local_play(playbook, inventory, "--vault-password-file", str(password))
    output = " ".join((result.stdout + result.stderr).split())  # Ansible wraps long messages
    assert result.returncode == 2, output
    assert "unknown secret 'bgpkey' (from vault_netops_secret_<name> or the secrets argument)" in output
    assert "known secrets are aaa_shared_key, bgp_key," in output  # the hint lists the known names
    assert "connect failed" not in output
    assert "s3cret-typo" not in output
    assert not (tmp_path / "pre-push").exists()


def test_a_wrong_or_missing_vault_password_is_a_clear_error_and_writes_nothing(tmp_path: Path) -> None:
    playbook, inventory, _ = _local_setup(tmp_path)
    _vaulted_group_vars(inventory, {"vault_netops_secret_bgp_key": "s3cret"}, _password_file(tmp_path))
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if ".ah" not in p.parts)
    wrong = _local_play(playbook, inventory, "--vault-password-file",
                        str(_password_file(tmp_path, "not it", "wrong-pass")))
    assert wrong.returncode != 0
    assert "Decryption failed (no vault secrets were found that could decrypt)" in wrong.stderr, wrong.stderr
    missing = _local_play(playbook, inventory)
    assert missing.returncode != 0
    assert "no vault secrets" in missing.stderr.lower(), missing.stderr
    for result in (wrong, missing):
        assert "Traceback" not in result.stdout + result.stderr
        assert "s3cret" not in result.stdout + result.stderr
    after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if ".ah" not in p.parts)
    assert after == sorted([*before, Path("wrong-pass")])


# --- with the lab -----------------------------------------------------------------------------------------------

DISTRICT = "001"
ROUTER = "dc-core-01"
BGP_KEY = "vaulted-bgp-Kq7x"
OSPF_KEY = "vOspf9Zt"  # MD5: at most 16 characters
SNMP_VAULTED = "vaulted-snmp-auth-1"
SNMP_GIVEN = "given-snmp-auth-22"


@dataclass
class VaultLab:
    home: LabHome
    work: Path
    management: str
    run: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def vault_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VaultLab]:
    skip_unless_lab_can_run()
    work = tmp_path_factory.mktemp("vault")
    password = _password_file(work)
    inventory = work / "inventory"
    # The vaulted group_vars sit next to an inventory source of their own, given with a second -i.
    inventory.mkdir()
    (inventory / "hosts.yml").write_text("all: {}\n")
    _vaulted_group_vars(inventory, {"vault_netops_device_username": sshd.login_user(),
                                    "vault_netops_device_password": "",
                                    "vault_netops_secret_bgp_key": BGP_KEY,
                                    "vault_netops_secret_snmp_auth_key": SNMP_VAULTED}, password)
    (inventory / "group_vars" / "all" / "inline.yml").write_text(
        "---\n" + _encrypt_string(OSPF_KEY, "vault_netops_secret_ospf_key", password))
    with lab_home() as home:
        subprocess.run([str(NETOPS), "lab", "up", "--district", DISTRICT], check=True, env=netops_env(home),
                       cwd=REPO, capture_output=True)
        status = subprocess.run([str(NETOPS), "lab", "status", "--json"], env=netops_env(home), cwd=REPO,
                                capture_output=True, text=True, check=True)
        management = next(r["management"] for r in json.loads(status.stdout)["routers"] if r["device"] == ROUTER)
        env = playbook_env(home)
        # The login and the OSPF key come from the vault alone; the environment's BGP key loses to the vault's.
        env["NETOPS_DEVICE_USERNAME"] = "nobody-logs-in-as-this"
        env.pop("NETOPS_SECRET_OSPF_KEY", None)
        env["ANSIBLE_HOME"] = str(work / "ansible-home")
        env["ANSIBLE_LOCAL_TEMP"] = str(work / "ansible-tmp")
        given = {"network_config_secrets": {"NETOPS_SECRET_SNMP_AUTH_KEY": SNMP_GIVEN},
                 "provision_configs": str(work / "configs"), "network_config_backup_dir": str(work / "pre-push")}
        run = subprocess.run([str(PLAYBOOK), "-i", str(REPO / "inventory" / "netops.yml"), "-i",
                              str(inventory / "hosts.yml"), "playbooks/provision.yml", "-v",
                              "--vault-password-file", str(password), "--limit", f"{ROUTER},localhost",
                              "-e", json.dumps(given)],
                             cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
        yield VaultLab(home, work, management, run)


def _running_config(lab: VaultLab) -> str:
    from napalm import get_network_driver

    device = get_network_driver("frr")(lab.management, sshd.login_user(), "", optional_args={
        "key_file": str(lab.home.client_key), "known_hosts_file": str(lab.home.known_hosts), "ssh_strict": True})
    device.open()
    try:
        return str(device.get_config(retrieve="running")["running"])
    finally:
        device.close()


@pytest.mark.lab
def test_the_vaulted_secrets_and_login_reach_the_device(vault_lab: VaultLab) -> None:
    assert vault_lab.run.returncode == 0, vault_lab.run.stdout[-4000:] + vault_lab.run.stderr[-2000:]
    running = _running_config(vault_lab)
    assert f"password {BGP_KEY}" in running  # the vault's, not the environment's
    assert f"md5 {OSPF_KEY}" in running  # the !vault inline value
    snmpd = (vault_lab.home.path / "routers" / ROUTER / "host" / "snmp" / "snmpd.conf").read_text()
    assert SNMP_GIVEN in snmpd and SNMP_VAULTED not in snmpd  # the explicit argument wins by name


@pytest.mark.lab
def test_no_file_the_run_wrote_nor_its_output_holds_a_secret(vault_lab: VaultLab) -> None:
    assert vault_lab.run.returncode == 0, vault_lab.run.stdout[-4000:]
    secrets = (BGP_KEY, OSPF_KEY, SNMP_VAULTED, SNMP_GIVEN)
    written = [p for p in vault_lab.work.rglob("*") if p.is_file() and "group_vars" not in p.parts]
    assert any(p.suffix == ".cfg" for p in written)  # the rendered configs are among them
    holding = [str(p) for p in written for s in secrets if s.encode() in p.read_bytes()]
    assert holding == []
    assert not [s for s in secrets if s in vault_lab.run.stdout + vault_lab.run.stderr]
    # The group_vars hold them only encrypted.
    for path in (vault_lab.work / "inventory" / "group_vars" / "all").iterdir():
        assert not [s for s in secrets if s in path.read_text()]
