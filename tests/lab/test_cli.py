"""`netops lab` errors that need no root: exit 2 with a message that says what to do, nothing made."""

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netops.cli import app
from netops.lab import frr
from tests.lab.helpers import CITY, LEGACY_CITY

runner = CliRunner()


#: Every test on a lab home of its own (tests/lab/conftest.py).
pytestmark = pytest.mark.usefixtures("home")


def test_not_root(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    result = runner.invoke(app, ["lab", "up", "--intent", str(CITY), "--district", "001"])
    assert result.exit_code == 2
    assert "the lab needs root" in result.stderr and "sudo" in result.stderr
    assert not home.exists()
    assert runner.invoke(app, ["lab", "down"]).exit_code == 2


def test_frr_missing_names_the_debian_package(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr(frr, "REQUIRED", {Path("/nonexistent/usr/lib/frr/frrinit.sh"): "frr",
                                          Path("/nonexistent/frr-reload.py"): "frr-pythontools"})
    result = runner.invoke(app, ["lab", "up", "--intent", str(CITY), "--json"])
    assert result.exit_code == 2
    assert "missing: /nonexistent/frr-reload.py, /nonexistent/usr/lib/frr/frrinit.sh" in result.stdout
    assert "install the Debian packages frr frr-pythontools" in result.stdout
    assert not home.exists()


@pytest.mark.parametrize(("intent", "option", "error"), [
    (CITY, "--district", "--district: unknown area"),
    (CITY, "--area", "--area: unknown area"),
    (LEGACY_CITY, "--district", "--district: unknown district"),
    (LEGACY_CITY, "--area", "--area: unknown area"),
])
def test_unknown_district_or_area(intent: Path, option: str, error: str) -> None:
    result = runner.invoke(app, ["lab", "up", "--intent", str(intent), option, "ba-dinhh"])
    assert result.exit_code == 2
    slug = "quan-ba-dinh" if error.endswith("district") else "cum-ba-dinh"
    assert error in result.stderr and f"did you mean {slug}?" in result.stderr


def test_no_lab_is_up() -> None:
    status = runner.invoke(app, ["lab", "status"])
    assert status.exit_code == 0 and "no lab is up" in status.stdout
    for args in (["fail", "link", "a", "b"], ["restore", "node", "a"], ["wait"], ["check", "--intent", str(CITY)]):
        result = runner.invoke(app, ["lab", *args])
        assert result.exit_code == 2, args
        assert "no lab is up" in result.stderr + result.stdout
