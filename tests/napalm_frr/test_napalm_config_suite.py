"""NAPALM's own config tests (napalm.base.test.base.TestConfigNetworkDriver) on a private FRR router.

The suite replaces, merges, diffs, rolls back and loads a template with the files of napalm_config/frr/
(NAPALM's layout: initial.conf, new_good.conf/.diff, new_typo.conf, merge_good.conf/.diff, merge_typo.conf);
the diffs are compared with NAPALM's expectation that compare_config carries no trailing newline.
Root only (tests/napalm_frr/routers.py).
"""

import contextlib
import unittest
from pathlib import Path

import pytest
from napalm.base.test import base as napalm_suite

from napalm_frr import FRRDriver
from tests.napalm_frr.routers import Router, bootstrap_config, private_routers, why_not

pytestmark = pytest.mark.device
VENDOR = Path(__file__).resolve().parent / "napalm_config" / "frr"


def test_initial_conf_is_the_bootstrap_config() -> None:
    """initial.conf is what the first private router boots with (frr-r0 of two), so the suite starts clean."""
    assert (VENDOR / "initial.conf").read_text() == bootstrap_config(0, 2, Router("x", "frr-r0", "", "", ""))


class TestFRRConfigDriver(unittest.TestCase, napalm_suite.TestConfigNetworkDriver):  # type: ignore[misc]
    """NAPALM's TestConfigNetworkDriver, unchanged, with the device on a private router."""

    vendor = str(VENDOR)
    stack: contextlib.ExitStack

    @classmethod
    def setUpClass(cls) -> None:
        reason = why_not()
        if reason:
            raise unittest.SkipTest(f"real FRR over SSH: {reason}")
        cls.stack = contextlib.ExitStack()
        routers = cls.stack.enter_context(private_routers(2))
        cls.device = FRRDriver(routers.routers[0].address, routers.user, "", timeout=30,
                               optional_args=routers.optional_args())
        cls.device.open()

    @classmethod
    def tearDownClass(cls) -> None:
        try:
            super().tearDownClass()
        finally:
            cls.stack.close()
