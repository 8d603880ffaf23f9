"""napalm_frr through NAPALM's own BaseTestGetters (the generic getter tests community drivers run), on the
outputs recorded from real FRR routers in mocked_data/<test>/<case>/ (`python -m tests.napalm_frr.record`).

NAPALM's mock mode (NAPALM_TEST_MOCK, on by default) runs every case folder of each test through the driver and
compares the result with the case's expected_result.json. The driver replays the recorded commands of the test
and case NAPALM is running (a BaseTestDouble transport: NAPALM sets its current test and case).

Every BaseTestGetters test runs here and passes, except those in NOT_APPLICABLE (each with its reason); a test
the driver answers with NotImplementedError would be skipped by NAPALM, so `test_nothing_is_left_to_skip` makes
sure no other test is.
"""

from pathlib import Path
from typing import Any

import pytest
from napalm.base.test import conftest as napalm_conftest
from napalm.base.test.double import BaseTestDouble
from napalm.base.test.getters import BaseTestGetters

from napalm_frr import FRRDriver
from napalm_frr.transport import ReplayTransport, Result

MOCKED = Path(__file__).resolve().parent / "mocked_data"

#: BaseTestGetters' tests of what FRR on Linux does not have, or this machine cannot record: left out, not skipped.
NOT_APPLICABLE = {
    "test_get_bgp_config": "not implemented: FRR's BGP configuration is read as text (get_config) by netops",
    "test_get_mac_address_table": "a router has no switching table (the lab's routers bridge nothing)",
    "test_get_vlans": "a router has no VLAN table (no VLAN-aware bridge)",
    "test_get_optics": "no optical transceivers (veth and virtio interfaces)",
    "test_get_probes_config": "FRR has no RPM/IP SLA probes",
    "test_get_probes_results": "FRR has no RPM/IP SLA probes",
    "test_get_firewall_policies": "the routers' nftables ruleset is not a zone firewall policy",
    "test_get_arp_table_with_vrf": "this machine's kernel has no VRF device type: a VRF TEST cannot be recorded",
}


class ReplayDouble(BaseTestDouble):  # type: ignore[misc]  # napalm's test helpers are untyped
    """The driver's transport in NAPALM's mock mode: replays mocked_data/<current test>/<current case>/."""

    def run(self, command: str, stdin: str | None = None, timeout: float = 60) -> Result:
        """The recorded output of the command in the current test's case."""
        return ReplayTransport(MOCKED / self.current_test / self.current_test_case).run(command, stdin, timeout)

    def close(self) -> None:
        """Nothing to close."""

    def is_alive(self) -> bool:
        """Always alive."""
        return True


class PatchedFRRDriver(FRRDriver):
    """FRRDriver on the replaying transport (NAPALM's `patched_driver`)."""

    def __init__(self, hostname: str, username: str, password: str, timeout: int = 60,
                 optional_args: dict[str, Any] | None = None) -> None:
        super().__init__(hostname, username, password, timeout, {"transport": ReplayDouble()})
        self.patched_attrs = ["_given_transport"]


@pytest.fixture(scope="class")
def set_device_parameters(request: pytest.FixtureRequest) -> None:
    """NAPALM's device set-up for BaseTestGetters."""
    request.cls.driver = FRRDriver
    request.cls.patched_driver = PatchedFRRDriver
    request.cls.vendor = "frr"
    napalm_conftest.set_device_parameters(request)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One test per recorded case folder (NAPALM's own parametrisation)."""
    napalm_conftest.pytest_generate_tests(metafunc, __file__)


@pytest.mark.usefixtures("set_device_parameters")
class TestGetters(BaseTestGetters):  # type: ignore[misc]
    """BaseTestGetters on the recorded outputs."""


for _name in NOT_APPLICABLE:
    setattr(TestGetters, _name, None)  # pytest collects no test from a None attribute


def _napalm_tests() -> list[str]:
    return sorted(name for name in dir(BaseTestGetters) if name.startswith("test_"))


def test_every_napalm_test_runs_or_is_not_applicable() -> None:
    """No BaseTestGetters test is left out silently, none is left out that has recordings."""
    ran = {name for name in _napalm_tests() if getattr(TestGetters, name) is not None}
    assert ran | set(NOT_APPLICABLE) == set(_napalm_tests())
    assert set(NOT_APPLICABLE) <= set(_napalm_tests())
    for name in ran - {"test_method_signatures"}:
        assert any((MOCKED / name).glob("*/expected_result.json")), f"{name}: no recorded case in mocked_data"
    for name in NOT_APPLICABLE:
        assert not (MOCKED / name).exists(), f"{name} has recordings: run it"


def test_nothing_is_left_to_skip() -> None:
    """Every getter a BaseTestGetters test that runs here calls is the driver's own, not NetworkDriver's
    NotImplementedError (which NAPALM would report as a skip)."""
    from napalm.base import NetworkDriver

    for name in _napalm_tests():
        if getattr(TestGetters, name) is None or name in ("test_method_signatures", "test_is_alive"):
            continue
        method = name.removeprefix("test_").removesuffix("_longer").removesuffix("_filtered") \
            .removesuffix("_sanitized")
        assert getattr(FRRDriver, method) is not getattr(NetworkDriver, method), f"{name}: {method} not implemented"
