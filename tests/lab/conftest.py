"""Fixtures of the lab's tests that need no lab."""

from pathlib import Path

import pytest


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A lab home of the test's own (NETOPS_LAB_HOME), not made yet: a command that refuses leaves it absent."""
    path = tmp_path / "lab"
    monkeypatch.setenv("NETOPS_LAB_HOME", str(path))
    return path
