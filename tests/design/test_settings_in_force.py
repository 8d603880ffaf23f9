"""The design every sink decides with is the one provisioning rendered with (issue 14, point 2).

Provisioning renders with the lab's settings file (playbooks/provision.yml, `netops lab up --configured`);
verification and compliance must judge the routers against that same design, not against one of their own
built with the default settings.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from netops.cli import app
from netops.lab.state import LabHome, LabState
from netops.lab.topology import plan_lab
from netops.pipeline import load_network
from netops.render.design import CityDesign, DeviceContext
from netops.render.secrets import SECRETS
from netops.render.settings import RenderSettings, load_settings
from tests.conftest import REPO

runner = CliRunner()
CITY = REPO / "inventory" / "city"
LAB_SETTINGS_FILE = REPO / "playbooks" / "files" / "lab-render-settings.yml"


class _FakeDriver:
    def compliance_report(self, validation_source: Any) -> dict[str, Any]:
        return {"complies": True}

    def cli(self, commands: list[str]) -> dict[str, str]:
        return dict.fromkeys(commands, "{}")


@contextmanager
def _fake_connect(target: Any) -> Iterator[_FakeDriver]:
    yield _FakeDriver()


@pytest.fixture
def seen_settings(monkeypatch: pytest.MonkeyPatch) -> list[RenderSettings]:
    """The settings of every design a device context was asked from."""
    seen: list[RenderSettings] = []
    context = CityDesign.context

    def spy(self: CityDesign, device: Any) -> DeviceContext:
        seen.append(self.settings)
        return context(self, device)

    monkeypatch.setattr(CityDesign, "context", spy)
    return seen


def _recorded_lab(home: Path, configured: bool, **recorded: Any) -> None:
    """A lab as `netops lab up` leaves it on disk (no namespace made: verify only reads the record)."""
    network = load_network(CITY).network
    plan = plan_lab(network, ["ba-dinh"])
    lab_home = LabHome(home)
    lab_home.path.mkdir(parents=True, exist_ok=True)
    lab_home.plan_file.write_text(plan.to_json())
    lab_home.save(LabState(digest=plan.digest(), configured=configured, intent=str(CITY),
                           districts=list(plan.districts), complete=True, **recorded))


def _verify(monkeypatch: pytest.MonkeyPatch, home: Path, *args: str) -> None:
    monkeypatch.setenv("NETOPS_LAB_HOME", str(home))
    monkeypatch.setattr("netops.verify.engine.connect", _fake_connect)
    result = runner.invoke(app, ["verify", "--intent", str(CITY), "--phase", "control", "--workers", "1", *args])
    # The fake routers have no OSPF neighbor: adjacency checks fail (exit 1); only the design matters here.
    assert result.exit_code in (0, 1), result.output


def test_verify_judges_a_configured_lab_with_the_settings_it_was_rendered_with(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, seen_settings: list[RenderSettings]) -> None:
    # `netops lab up --configured` without --settings renders with the lab's settings file.
    _recorded_lab(tmp_path / "lab", configured=True)
    _verify(monkeypatch, tmp_path / "lab")
    assert seen_settings, "verify asked no design for a device context"
    assert set(seen_settings) == {load_settings(LAB_SETTINGS_FILE)}


def test_verify_takes_the_settings_provisioning_used(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, seen_settings: list[RenderSettings]) -> None:
    # A bootstrap lab provisioned by playbooks/provision.yml with other settings: verify is told them.
    other = tmp_path / "settings.yml"
    other.write_text("ospf_timers: fast\nospf_authentication: hmac-sha256\n")
    _recorded_lab(tmp_path / "lab", configured=False)
    _verify(monkeypatch, tmp_path / "lab", "--settings", str(other))
    assert set(seen_settings) == {load_settings(other)}


def _netops_commands(data: Any) -> Iterator[list[str]]:
    """Every argv list of the playbooks and roles that runs a netops command deciding from the design."""
    if isinstance(data, dict):
        for value in data.values():
            yield from _netops_commands(value)
    elif isinstance(data, list):
        if data and all(isinstance(item, str) for item in data) and any(
                word in item for item in data for word in ("render", "compliance", "verify")) and any(
                "netops" in item for item in data):
            yield data
        for value in data:
            yield from _netops_commands(value)
    elif isinstance(data, str) and (("netops" in data and any(f"'{word}'" in data for word in
                                                               ("render", "compliance", "verify")))
                                    or "__network_verify_generator" in data):
        yield [data]  # an argv written as a Jinja2 expression


GROUP_VARS = yaml.safe_load((REPO / "inventory" / "group_vars" / "all" / "main.yml").read_text(encoding="utf-8"))
#: The roles' defaults, which the group_vars override (the checkout's lab settings).
ROLE_DEFAULTS = {k: v for path in sorted((REPO / "roles").glob("network_*/defaults/main.yml"))
                 for k, v in yaml.safe_load(path.read_text(encoding="utf-8")).items()}


def _settings_argument(argv: list[str]) -> str | None:
    """The expression given to --settings, a variable of the shared group_vars replaced by its value."""
    if len(argv) == 1:  # an argv written as a Jinja2 expression: the expression after '--settings'
        if "'--settings'," not in argv[0]:
            return None
        value = argv[0].split("'--settings',", 1)[1].split("]", 1)[0].strip()
    elif "--settings" in argv:
        value = argv[argv.index("--settings") + 1]
    else:
        return None
    known = {**ROLE_DEFAULTS, **GROUP_VARS}
    # A variable (with or without a `| default(...)` of its own) is replaced by what the group_vars or the
    # roles' defaults give it.
    while (name := value.removeprefix("{{").removesuffix("}}").split("|")[0].strip()) in known:
        value = str(known[name])
    return value


def test_provision_verify_and_compliance_playbooks_use_the_same_render_settings() -> None:
    playbooks = REPO / "collections" / "ansible_collections" / "citynet" / "netops" / "playbooks"
    files = [playbooks / name for name in ("provision.yml", "verify.yml", "compliance.yml")]
    files += sorted((REPO / "roles").glob("network_*/tasks/*.yml"))
    found: dict[str, str | None] = {}
    for path in files:
        for argv in _netops_commands(yaml.safe_load(path.read_text(encoding="utf-8"))):
            if any(word in " ".join(argv) for word in ("render", "compliance", "'verify'", "verify.spec",
                                                        "__network_verify_generator")):
                found[f"{path.relative_to(REPO)}: {' '.join(argv)[:60]}"] = _settings_argument(argv)
    assert len(found) >= 3, found
    assert len(set(found.values())) == 1 and None not in found.values(), found


def test_the_lab_settings_are_those_of_the_playbooks_settings_file() -> None:
    from netops.design import LAB_SETTINGS

    assert load_settings(LAB_SETTINGS_FILE) == LAB_SETTINGS


def test_a_large_lab_has_standard_timers_as_its_playbooks_settings_file_says() -> None:
    from netops.design import FAST_TIMERS_MAX_ROUTERS, LAB_SETTINGS, LARGE_LAB_SETTINGS, lab_settings

    large = load_settings(REPO / "playbooks" / "files" / "lab-render-settings-large.yml")
    assert large == LARGE_LAB_SETTINGS and large.ospf_timers == "throttled"
    assert lab_settings(FAST_TIMERS_MAX_ROUTERS) == LAB_SETTINGS
    assert lab_settings(FAST_TIMERS_MAX_ROUTERS + 1) == LARGE_LAB_SETTINGS


def test_verify_takes_the_settings_a_configured_lab_recorded(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, seen_settings: list[RenderSettings]) -> None:
    # `netops lab up --configured --settings FILE` records what it rendered with; verify needs no --settings then.
    recorded = RenderSettings(ospf_timers="fast", extra_management_sources=("192.0.2.0/24",))  # type: ignore[arg-type]
    _recorded_lab(tmp_path / "lab", configured=True, settings=recorded.model_dump(mode="json"))
    _verify(monkeypatch, tmp_path / "lab")
    assert set(seen_settings) == {recorded}


def test_the_lab_renders_from_the_design_it_is_given(seen_settings: list[RenderSettings]) -> None:
    from netops.design import build_design
    from netops.lab.configs import render_configs

    network = load_network(CITY).network
    design = build_design(network, RenderSettings(ospf_timers="fast", ospf_key_id=7))
    rendered = render_configs(design, plan_lab(network, ["ba-dinh"]), dict.fromkeys(SECRETS, "lab"))
    assert rendered and set(seen_settings) == {design.settings}
    assert all(" ip ospf hello-interval 1\n" in r.frr_conf for r in rendered.values())


def test_compliance_judges_provisioned_configs_by_the_settings_they_were_rendered_with(tmp_path: Path) -> None:
    # provision.yml renders with the lab's settings file; compliance.yml now checks the backups with the same.
    rendered = runner.invoke(app, ["render", "--intent", str(CITY), "--out", str(tmp_path), "--settings",
                                   str(LAB_SETTINGS_FILE), "--device", "ba-dinh-agg-01", "--workers", "1"])
    assert rendered.exit_code == 0, rendered.output
    check = ["compliance", "--intent", str(CITY), "--backups", str(tmp_path), "--device", "ba-dinh-agg-01",
             "--today", "2026-11-27", "--workers", "1", "--format", "json"]
    same = runner.invoke(app, [*check, "--settings", str(LAB_SETTINGS_FILE)])
    assert same.exit_code == 0, same.output
    # Judged by another design (the defaults: standard OSPF timers), the same configs are findings.
    other = runner.invoke(app, check)
    assert other.exit_code == 1, other.output
    assert "hello-interval" in other.output
