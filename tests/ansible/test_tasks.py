"""The project's Ansible tasks through ansible-core itself (action plugins, in the worker), without a device:
bad arguments, a missing rendered config, an unreachable device, and the same task run as a plain module."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from netops.ansible.tasks import WORK, TaskError, config, lab_nftables

REPO = Path(__file__).resolve().parents[2]
ANSIBLE = REPO / ".venv" / "bin" / "ansible"
COLLECTION = REPO / "collections" / "ansible_collections" / "citynet" / "netops"


def _ad_hoc(module: str, arguments: dict[str, object], *extra: str) -> tuple[int, str, dict[str, object]]:
    env = {**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_INVENTORY_ENABLED": "host_list",
           "ANSIBLE_CALLBACK_RESULT_FORMAT": "json"}
    done = subprocess.run([str(ANSIBLE), "localhost", "-c", "local", "-i", "localhost,",
                           "-e", "ansible_python_interpreter={{ ansible_playbook_python }}", "-m", module,
                           "-a", json.dumps(arguments), *extra], cwd=REPO, env=env, capture_output=True, text=True,
                          check=False, timeout=120)
    head, _, body = done.stdout.partition("=> ")
    return done.returncode, head, json.loads(body) if body.strip().startswith("{") else {}


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


DEVICE = {"hostname": "127.0.0.1", "username": "netops", "timeout": 5}


def test_an_unknown_argument_is_refused_before_anything_runs(tmp_path: Path) -> None:
    code, head, result = _ad_hoc("citynet.netops.netops_config", {**DEVICE, "config_file": str(tmp_path / "r1.cfg"),
                                                   "revert": 60})
    assert code == 2 and "FAILED" in head
    assert "netops_config) module: revert" in str(result["msg"])


def test_a_missing_rendered_config_names_the_file_and_the_fix(tmp_path: Path) -> None:
    code, _, result = _ad_hoc("citynet.netops.netops_config", {**DEVICE, "config_file": str(tmp_path / "r1.cfg")})
    assert code == 2
    assert result["msg"] == f"{tmp_path / 'r1.cfg'} is missing: run netops render first"
    assert result["changed"] is False


def test_an_unreachable_device_is_a_connect_error_in_check_mode_too(tmp_path: Path) -> None:
    rendered = tmp_path / "r1.cfg"
    rendered.write_text("hostname r1\n")
    port = _closed_port()
    code, _, result = _ad_hoc("citynet.netops.netops_config", {**DEVICE, "config_file": str(rendered),
                                                "optional_args": {"port": port}}, "--check")
    assert code == 2
    assert str(result["msg"]).startswith("127.0.0.1: connect failed: ")


def test_the_plain_module_runs_the_same_task(tmp_path: Path) -> None:
    """Run as a module by itself (as Ansible runs a module without its action plugin), the same task runs."""
    arguments = tmp_path / "args.json"
    arguments.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {**DEVICE, "config_file": str(tmp_path / "r1.cfg")}}))
    done = subprocess.run([str(REPO / ".venv" / "bin" / "python"),
                           str(COLLECTION / "plugins/modules/netops_config.py"), str(arguments)],
                          capture_output=True, text=True, check=False, timeout=60,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(
                              [str(REPO / "collections"), os.environ.get("PYTHONPATH", "")])})
    result = json.loads(done.stdout)
    assert done.returncode == 1 and result["failed"] is True
    assert result["msg"] == f"{tmp_path / 'r1.cfg'} is missing: run netops render first"


def test_every_module_has_its_task_and_its_action_plugin() -> None:
    modules = {p.stem for p in (COLLECTION / "plugins/modules").glob("netops_*.py")}
    actions = {p.stem for p in (COLLECTION / "plugins/action").glob("netops_*.py")}
    assert modules == set(WORK) == actions == set(_collection_specs())


def _collection_specs() -> dict[str, object]:
    sys.path.insert(0, str(REPO / "collections"))
    try:
        from ansible_collections.citynet.netops.plugins.module_utils.netops_task import SPECS
    finally:
        sys.path.remove(str(REPO / "collections"))
    return dict(SPECS)


def test_task_functions_fail_with_their_message(tmp_path: Path) -> None:
    params = {**DEVICE, "driver": "frr", "password": "", "optional_args": {}, "config_file": str(tmp_path / "x.cfg"),
              "state": "pushed"}
    with pytest.raises(TaskError, match=r"x\.cfg is missing: run netops render first"):
        config(params, False, False)
    with pytest.raises(TaskError, match=r"x\.nft is missing: run netops render first"):
        lab_nftables({"netns": "nl-none", "file": str(tmp_path / "x.nft")}, True, False)
