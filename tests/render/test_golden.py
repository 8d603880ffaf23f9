"""Golden configs: every device of every case, rendered as every platform the case covers.

`pytest --update-goldens` rewrites tests/render/cases/<case>/expected/<platform>/<device>.<suffix>
(and removes expected files nothing renders any more); review the git diff.
"""

from pathlib import Path

import pytest

from citynet_models.types import Platform
from netops.pipeline import load_network
from tests.conftest import case_folders
from tests.render.helpers import RENDER, Case

CASES = [Case(folder) for folder in case_folders(RENDER / "cases")]
PARAMS = [pytest.param(case, platform, id=f"{case.folder.name}-{platform.value}")
          for case in CASES for platform in case.platforms]


@pytest.mark.parametrize(("case", "platform"), PARAMS)
def test_rendered_files_match_goldens(case: Case, platform: Platform, golden, request) -> None:  # type: ignore[no-untyped-def]
    expected_dir = case.folder / "expected" / platform.value
    rendered = case.render(platform)
    assert rendered, "the case renders no device"
    produced: set[Path] = set()
    for device in rendered:
        for suffix, text in device.files.items():
            path = expected_dir / f"{device.device}.{suffix}"
            produced.add(path)
            golden(path, text)
    stale = sorted(set(expected_dir.glob("*")) - produced) if expected_dir.is_dir() else []
    if request.config.getoption("--update-goldens"):
        for path in stale:
            path.unlink()
    else:
        assert not stale, f"expected files nothing renders any more (run --update-goldens): {stale}"


def test_every_device_of_the_sample_city_has_a_golden_per_platform() -> None:
    sample = RENDER / "cases" / "hanoi-sample"
    devices = {device.name for device in load_network(sample / "intent").network.devices}
    # the data center's 4 (two cores, the firewall pair), the city-level sites' 4, the hubs' 6 aggregation routers,
    # 17 at the unit sites
    assert len(devices) == 31
    for platform in Platform:
        configs = {path.stem for path in (sample / "expected" / platform.value).glob("*.cfg")}
        assert configs == devices, platform
