"""Huawei VRP's NAPALM driver (napalm-huawei-vrp, city-netops' `vrp` extra), checked as far as it can be without a
VRP device: NAPALM loads it with the project's napalm, it reads a running config (backups, compliance against
the running config), and the two facts that keep VRP out of the push (netops.push.support.NOT_PUSHED) hold for the
installed release. When a release fixes them, test_why_vrp_is_not_pushed fails: take huawei_vrp out of
NOT_PUSHED then, and test the push against a device. docs/napalm.md, "Huawei VRP", says what is not verified."""

import inspect
import tomllib
from importlib import metadata
from typing import Any

import napalm
import pytest
from napalm.base import NetworkDriver
from packaging.requirements import Requirement

from netops.push import napalm as push
from netops.push.napalm import PushError, Target
from netops.push.support import NOT_PUSHED
from tests.conftest import REPO

#: What netops calls on a driver: the push transaction (netops.push.napalm) and the backup (netops.backup.fetch).
CALLED = ("open", "close", "get_config", "get_facts", "load_replace_candidate", "load_merge_candidate",
          "compare_config", "commit_config", "discard_config", "rollback")


def test_napalm_loads_the_declared_release() -> None:
    extras = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    (requirement,) = (Requirement(r) for r in extras["vrp"])
    assert requirement.name == "napalm-huawei-vrp" and requirement.marker is not None
    assert requirement.marker.evaluate(), "the vrp extra installs nothing on this Python (telnetlib is gone)"
    assert requirement.specifier.contains(metadata.version("napalm-huawei-vrp"))
    driver = napalm.get_network_driver("huawei_vrp")
    assert driver.__module__ == "napalm_huawei_vrp.huawei_vrp" and issubclass(driver, NetworkDriver)


def test_it_has_its_own_methods_for_what_netops_calls() -> None:
    driver = napalm.get_network_driver("huawei_vrp")
    inherited = [name for name in CALLED if getattr(driver, name) is getattr(NetworkDriver, name)]
    assert not inherited, f"NetworkDriver's NotImplementedError, not the driver's: {inherited}"


def _unopened() -> Any:
    """A VRPDriver that never connects (open() is not called)."""
    return napalm.get_network_driver("huawei_vrp")("127.0.0.1", "netops", "", optional_args={})


def test_why_vrp_is_not_pushed() -> None:
    """The reasons NOT_PUSHED gives: a replace loads nothing (its diff is empty, a push would report no change)
    and the commit takes no revert timer (no commit-confirm)."""
    assert "huawei_vrp" in NOT_PUSHED
    driver = napalm.get_network_driver("huawei_vrp")
    assert "revert_in" not in inspect.signature(driver.commit_config).parameters
    device = _unopened()
    device.load_replace_candidate(config="sysname r1\n")
    assert device.compare_config() == ""


class Session:
    """Stands in for the netmiko session the driver opens: answers `display current-configuration`."""

    def __init__(self) -> None:
        self.commands: list[str] = []

    def send_command(self, command: str, **_options: Any) -> str:
        self.commands.append(command)
        return "#\n sysname r1\n#\nreturn" if command == "display current-configuration" else ""


def test_it_reads_the_running_config_with_the_vrp_command() -> None:
    device = _unopened()
    device.device = Session()
    config = device.get_config(retrieve="running")
    assert config["running"] == "#\n sysname r1\n#\nreturn"
    assert device.device.commands == ["display current-configuration"]


def test_the_push_refuses_a_driver_that_is_not_pushed(monkeypatch: pytest.MonkeyPatch) -> None:
    """In check mode too, before any connection: its empty diff would say the device is up to date."""
    def connecting(name: str) -> None:
        raise AssertionError(f"the push loaded the driver {name}")

    monkeypatch.setattr(push, "get_network_driver", connecting)
    for check in (True, False):
        with pytest.raises(PushError, match="Huawei VRP is rendered but not pushed: ") as caught:
            push.push_config(Target("huawei_vrp", "127.0.0.1", "netops"), "sysname r1\n", check=check)
        assert caught.value.stage == "driver" and caught.value.host == "127.0.0.1"
