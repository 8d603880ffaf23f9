"""module_utils/netops_task.py: a module run by itself exits with its work's result, fails with the work's message
and result keys, and names city-netops when the netops package cannot be imported (the work is replaced)."""

import json

import pytest
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args
from ansible_collections.citynet.netops.plugins.module_utils import netops_task


class ModuleExitError(Exception):
    """exit_json or fail_json was called; `result` is what they were given."""

    def __init__(self, result):
        super().__init__(result)
        self.result = result


@pytest.fixture(autouse=True)
def _exits(monkeypatch):
    def exit_json(module, **result):
        raise ModuleExitError({**result, "failed": False})

    def fail_json(module, **result):
        raise ModuleExitError({**result, "failed": True})

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)


class TaskError(Exception):
    def __init__(self, msg, **result):
        super().__init__(msg)
        self.msg = msg
        self.result = result


DEVICE = {"hostname": "192.0.2.1", "username": "netops", "getters": ["get_facts"]}


def _run(monkeypatch, work, arguments=None):
    arguments = DEVICE if arguments is None else arguments
    monkeypatch.setattr(netops_task, "netops_work", lambda: (work, TaskError, None))
    with patch_module_args(arguments), pytest.raises(ModuleExitError) as exited:
        netops_task.run_module("netops_getters")
    return exited.value.result


def test_the_work_gets_the_validated_arguments_and_its_result_is_returned(monkeypatch):
    seen = {}

    def getters(params, check_mode, diff):
        seen.update(params, check_mode=check_mode)
        return {"changed": False, "results": {"facts": {"vendor": "FRRouting"}}}

    result = _run(monkeypatch, {"netops_getters": getters})
    assert result == {"changed": False, "results": {"facts": {"vendor": "FRRouting"}}, "failed": False}
    assert seen["driver"] == "frr" and seen["timeout"] == 60 and seen["password"] == ""
    assert seen["check_mode"] is False


def test_a_failing_work_fails_with_its_message_and_result_keys(monkeypatch):
    def getters(params, check_mode, diff):
        raise TaskError("192.0.2.1: connect failed: timed out", unreachable_for=5)

    result = _run(monkeypatch, {"netops_getters": getters})
    assert result["failed"] is True
    assert result["msg"] == "192.0.2.1: connect failed: timed out" and result["unreachable_for"] == 5


def test_a_missing_netops_package_is_named_with_its_distribution(monkeypatch):
    monkeypatch.setattr(netops_task, "netops_work", lambda: (None, None, "Traceback: No module named 'netops'"))
    with patch_module_args(DEVICE), pytest.raises(ModuleExitError) as exited:
        netops_task.run_module("netops_getters")
    assert exited.value.result["failed"] is True
    assert "city-netops" in exited.value.result["msg"]
    assert "No module named 'netops'" in exited.value.result["exception"]


def test_an_unknown_argument_is_refused_before_the_work_runs(monkeypatch):
    def getters(params, check_mode, diff):
        raise AssertionError("the work ran")

    result = _run(monkeypatch, {"netops_getters": getters}, {**DEVICE, "getter": ["get_facts"]})
    assert result["failed"] is True and "Unsupported parameters" in result["msg"] and "getter" in result["msg"]


def test_the_specs_are_json_and_name_every_module():
    assert set(netops_task.SPECS) == {"netops_config", "netops_getters", "netops_validate", "netops_backup"}
    json.dumps({name: spec.argument_spec for name, spec in netops_task.SPECS.items()})
