"""Rendering a case folder: intent/ (often a symlink), optional settings.yml and case.yml (platforms)."""

from dataclasses import dataclass
from pathlib import Path

import yaml

from citynet_models.types import Platform
from netops.design import build_design
from netops.pipeline import load_network
from netops.render.engine import Job, RenderedDevice, render_devices
from netops.render.settings import load_settings

RENDER = Path(__file__).parent


@dataclass(frozen=True)
class Case:
    """A render case folder."""

    folder: Path

    @property
    def platforms(self) -> list[Platform]:
        """The platforms the case renders every device as (case.yml `platforms:`, default all)."""
        path = self.folder / "case.yml"
        data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}
        return [Platform(p) for p in data.get("platforms", [p.value for p in Platform])]

    @property
    def settings_file(self) -> Path | None:
        """The case's render settings, if any."""
        path = self.folder / "settings.yml"
        return path if path.is_file() else None

    def render(self, platform: Platform, workers: int = 1) -> list[RenderedDevice]:
        """Every device of the case's city in service (decommissioned sites left out), as `platform`; capability
        gaps and failures fail the test."""
        network = load_network(self.folder / "intent").running
        job = Job(build_design(network, load_settings(self.settings_file)), (), platform)
        outcome = render_devices(job, [d.name for d in network.devices], workers=workers)
        assert not outcome.gaps, outcome.gaps
        assert not outcome.failures, outcome.failures
        return outcome.rendered
