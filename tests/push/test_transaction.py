"""netops.push.napalm's transaction logic against a recording fake driver (the real FRR is in
tests/napalm_frr and tests/verify/test_provision_lab.py): what is opened, committed, confirmed or rolled back."""

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from netops.push import napalm as push
from netops.push.napalm import ConfirmError, PushError, Target


class FakeDevice:
    """A NAPALM driver that records its calls; `world` says what the device does."""

    world: ClassVar[dict[str, Any]] = {}
    calls: ClassVar[list[str]] = []

    def __init__(self, hostname: str, username: str, password: str, timeout: int = 60,
                 optional_args: dict[str, Any] | None = None) -> None:
        self.hostname = hostname

    def _call(self, name: str) -> None:
        self.calls.append(name)
        failure = self.world.get(f"fail_{name}")
        if failure:
            raise RuntimeError(failure)

    def open(self) -> None:
        self._call("open")

    def close(self) -> None:
        self.calls.append("close")

    def load_replace_candidate(self, config: str) -> None:
        self._call("load")

    def compare_config(self) -> str:
        self._call("compare")
        return str(self.world.get("diff", "+hostname new"))

    def discard_config(self) -> None:
        self.calls.append("discard")

    def get_config(self, retrieve: str) -> dict[str, str]:
        self._call("get_config")
        return {"running": "hostname old\n"}

    def commit_config(self, revert_in: int | None = None) -> None:
        self._call(f"commit({revert_in})")

    def get_facts(self) -> dict[str, str]:
        self._call("get_facts")
        return {"hostname": "r1"}

    def has_pending_commit(self) -> bool:
        self._call("has_pending_commit")
        return bool(self.world.get("pending", True))

    def confirm_commit(self) -> None:
        self._call("confirm")

    def rollback(self) -> None:
        self._call("rollback")


@pytest.fixture
def listening() -> Iterator[int]:
    """A port on 127.0.0.1 that accepts connections (the device's management port)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield server.getsockname()[1]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(autouse=True)
def fake_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeDevice.world = {}
    FakeDevice.calls = []
    monkeypatch.setattr(push, "get_network_driver", lambda name: FakeDevice)


def target(port: int) -> Target:
    return Target("fake", "127.0.0.1", "netops", optional_args={"port": port})


def test_check_mode_opens_no_commit(tmp_path: Path) -> None:
    result = push.push_config(target(22), "hostname new\n", check=True, revert_in=60, confirm=True,
                              backup_path=tmp_path / "r1.cfg")
    assert result.changed and not result.committed
    assert not any(c.startswith(("commit", "get_config")) for c in FakeDevice.calls)
    assert "discard" in FakeDevice.calls and not (tmp_path / "r1.cfg").exists()


def test_nothing_to_change_opens_no_commit(tmp_path: Path) -> None:
    FakeDevice.world["diff"] = ""
    result = push.push_config(target(22), "hostname old\n", check=False, revert_in=60, confirm=True,
                              backup_path=tmp_path / "r1.cfg")
    assert not result.changed and not result.committed
    assert FakeDevice.calls == ["open", "load", "compare", "discard", "close"]


def test_commit_is_confirmed_after_the_port_answers_and_a_fresh_login_reads_the_facts(listening: int,
                                                                                        tmp_path: Path) -> None:
    result = push.push_config(target(listening), "hostname new\n", check=False, revert_in=60, confirm=True,
                              backup_path=tmp_path / "r1.cfg")
    assert result.committed and not result.pending
    assert FakeDevice.calls == ["open", "load", "compare", "get_config", "commit(60)", "close",
                                "open", "get_facts", "has_pending_commit", "confirm", "close"]
    assert (tmp_path / "r1.cfg").read_text() == "hostname old\n"
    assert (tmp_path / "r1.cfg").stat().st_mode & 0o777 == 0o600


def test_a_management_port_that_stays_shut_is_rolled_back() -> None:
    with pytest.raises(ConfirmError) as raised:
        push.push_config(target(closed_port()), "hostname new\n", check=False, revert_in=60, confirm=True,
                         answer_within=0.5)
    assert FakeDevice.calls[-3:] == ["open", "rollback", "close"]
    assert "confirm" not in FakeDevice.calls
    assert not raised.value.by_timer
    assert str(raised.value).startswith("127.0.0.1: the commit was not confirmed (port ")
    assert str(raised.value).endswith("the device is back on its previous config (rolled back)")


def test_a_login_that_fails_after_the_commit_is_rolled_back(listening: int) -> None:
    FakeDevice.world["fail_get_facts"] = "session closed"
    with pytest.raises(ConfirmError) as raised:
        push.push_config(target(listening), "hostname new\n", check=False, revert_in=60, confirm=True)
    assert "confirm" not in FakeDevice.calls and FakeDevice.calls.count("rollback") == 1
    assert "get_facts failed: RuntimeError: session closed" in str(raised.value)


def test_a_revert_timer_that_fired_first_is_reported_and_not_rolled_back_again(listening: int) -> None:
    FakeDevice.world["pending"] = False
    with pytest.raises(ConfirmError) as raised:
        push.push_config(target(listening), "hostname new\n", check=False, revert_in=15, confirm=True)
    assert raised.value.by_timer and "rollback" not in FakeDevice.calls
    assert str(raised.value).endswith("(rolled back by its revert timer)")


def test_a_failed_rollback_leaves_it_to_the_timer_and_says_so() -> None:
    FakeDevice.world["fail_rollback"] = "no route to host"
    with pytest.raises(ConfirmError) as raised:
        push.push_config(target(closed_port()), "hostname new\n", check=False, revert_in=60, confirm=True,
                         answer_within=0.2)
    assert raised.value.rollback_error == "RuntimeError: no route to host"
    assert "so its revert timer rolls it back" in str(raised.value)


def test_a_failed_commit_is_discarded_and_names_the_stage(listening: int) -> None:
    FakeDevice.world["fail_commit(60)"] = "frr-reload failed"
    with pytest.raises(PushError) as raised:
        push.push_config(target(listening), "hostname new\n", check=False, revert_in=60, confirm=True)
    assert not isinstance(raised.value, ConfirmError)
    assert raised.value.stage == "commit" and "discard" in FakeDevice.calls
    assert "get_facts" not in FakeDevice.calls


def test_without_confirm_the_commit_stays_pending(listening: int) -> None:
    result = push.push_config(target(listening), "hostname new\n", check=False, revert_in=60, confirm=False)
    assert result.pending and "get_facts" not in FakeDevice.calls
