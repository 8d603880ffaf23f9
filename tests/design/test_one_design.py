"""One design per run: every sink of a command gets the same design value, computed once (issue 14, point 2)."""

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from netops.cli import app
from netops.render.design import CityDesign
from tests.conftest import REPO
from tests.design.test_settings_in_force import _fake_connect, _recorded_lab

runner = CliRunner()
CITY = REPO / "inventory" / "city"


@pytest.fixture
def designs(monkeypatch: pytest.MonkeyPatch) -> list[CityDesign]:
    """Every design built during the test."""
    built: list[CityDesign] = []
    init = CityDesign.__init__

    def spy(self: CityDesign, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        built.append(self)

    monkeypatch.setattr(CityDesign, "__init__", spy)
    return built


def test_render_builds_the_design_once(tmp_path: Path, designs: list[CityDesign]) -> None:
    result = runner.invoke(app, ["render", "--intent", str(CITY), "--out", str(tmp_path), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert len(designs) == 1


def test_compliance_checks_and_renders_with_one_design(tmp_path: Path, designs: list[CityDesign]) -> None:
    settings = tmp_path / "settings.yml"
    settings.write_text("ospf_timers: fast\n")
    rendered = runner.invoke(app, ["render", "--intent", str(CITY), "--out", str(tmp_path / "backups"),
                                   "--settings", str(settings), "--workers", "1"])
    assert rendered.exit_code == 0, rendered.output
    designs.clear()
    result = runner.invoke(app, ["compliance", "--intent", str(CITY), "--backups", str(tmp_path / "backups"),
                                 "--settings", str(settings), "--device", "ba-dinh-*", "--device", "dc-*",
                                 "--today", "2026-11-27", "--workers", "1", "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    # the baseline's placeholders and the intended configs come from the same design
    assert len(designs) == 1


def test_verify_builds_the_design_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                       designs: list[CityDesign]) -> None:
    _recorded_lab(tmp_path / "lab", configured=True)
    designs.clear()
    monkeypatch.setenv("NETOPS_LAB_HOME", str(tmp_path / "lab"))
    monkeypatch.setattr("netops.verify.engine.connect", _fake_connect)
    result = runner.invoke(app, ["verify", "--intent", str(CITY), "--phase", "control", "--workers", "1"])
    assert result.exit_code in (0, 1), result.output
    assert len(designs) == 1
