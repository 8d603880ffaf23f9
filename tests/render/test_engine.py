"""The render engine: parallel equals serial, the platform contract, template lookup errors, secrets."""

from pathlib import Path

import pytest

from citynet_models.types import Platform
from netops.design import build_design
from netops.pipeline import load_network
from netops.render.capabilities import FEATURES, capability_table
from netops.render.design import CityDesign
from netops.render.engine import Job, PlatformRenderer, TemplateRenderer, render_devices, renderers
from netops.render.environment import TEMPLATES, TemplateMissingError, get_template, make_environment
from netops.render.secrets import SECRETS, SecretError, secret_names, substitute, token
from netops.render.settings import RenderSettings
from tests.conftest import REPO

SAMPLE = load_network(REPO / "inventory" / "city").network


def test_parallel_render_equals_serial() -> None:
    job = Job(build_design(SAMPLE, RenderSettings()), (), None)
    names = [d.name for d in SAMPLE.devices]
    serial = render_devices(job, names, workers=1)
    parallel = render_devices(job, names, workers=2)
    assert [r.device for r in parallel.rendered] == sorted(names)
    assert parallel.rendered == serial.rendered


def test_spawned_workers_receive_the_pickled_network() -> None:
    """Where fork is missing (macOS, Windows, Python 3.14's default) the Job is pickled to each worker."""
    job = Job(build_design(SAMPLE, RenderSettings()), (), None)
    names = ["dc-core-01", "ba-dinh-agg-01", "ubnd-phuong-phuc-xa-r01"]
    spawned = render_devices(job, names, workers=2, start_method="spawn")
    assert spawned.rendered == render_devices(job, names, workers=1).rendered


@pytest.mark.parametrize("platform", list(Platform), ids=lambda p: p.value)
def test_every_platform_keeps_the_renderer_contract(platform: Platform) -> None:
    row = capability_table()[platform]
    assert set(row.supports) | set(row.lacks) == set(FEATURES), "every feature supported or lacked, with a hint"
    assert not set(row.supports) & set(row.lacks)
    for suffix, where in row.supports.items():
        assert where == "config" or where in row.outputs, (suffix, where)
    assert row.outputs["cfg"] == f"{platform.value}/device.j2"
    for template in row.outputs.values():
        assert (TEMPLATES / template).is_file()
    renderer: PlatformRenderer = renderers(make_environment())[platform]
    design = CityDesign(SAMPLE, RenderSettings())
    files = renderer.render(design.context(SAMPLE.device_by_name["ubnd-phuong-phuc-xa-r01"]))
    assert set(files) <= set(row.outputs) and "cfg" in files
    assert all(isinstance(text, str) and text.endswith("\n") for text in files.values())


def test_missing_template_names_it_and_the_search_path(tmp_path: Path) -> None:
    environment = make_environment([tmp_path])
    with pytest.raises(TemplateMissingError) as raised:
        get_template(environment, "frr/no-such-feature.j2")
    message = str(raised.value)
    assert "'frr/no-such-feature.j2' not found in search path" in message
    assert str(tmp_path) in message and str(TEMPLATES) in message


def test_an_include_of_a_missing_template_is_reported_per_device(tmp_path: Path) -> None:
    (tmp_path / "frr").mkdir()
    (tmp_path / "frr" / "device.j2").write_text("{% include 'frr/vanished.j2' %}\n")
    outcome = render_devices(Job(build_design(SAMPLE, RenderSettings()), (tmp_path,), None), ["dc-core-01"], workers=1)
    assert not outcome.rendered
    assert outcome.failures[0].template == "frr/vanished.j2"
    assert "search path" in outcome.failures[0].message and str(tmp_path) in outcome.failures[0].message


def test_a_template_bug_is_a_failure_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "frr").mkdir()
    (tmp_path / "frr" / "device.j2").write_text("hostname {{ device.no_such_attribute }}\n")
    renderer = TemplateRenderer(Platform.FRR, make_environment([tmp_path]))
    outcome = render_devices(Job(build_design(SAMPLE, RenderSettings()), (tmp_path,), None), ["dc-core-01"], workers=1)
    assert renderer.outputs["cfg"] == "frr/device.j2"
    assert "no_such_attribute" in outcome.failures[0].message


def test_secret_tokens() -> None:
    assert token("ospf_key") == "$NETOPS_SECRET{ospf_key}"
    with pytest.raises(SecretError):
        token("ospf_password")
    text = f"key {token('ospf_key')} and {token('snmp_auth_key')}"
    assert secret_names(text) == {"ospf_key", "snmp_auth_key"}
    assert substitute(text, {"ospf_key": "a", "snmp_auth_key": "b"}) == "key a and b"
    with pytest.raises(SecretError, match="NETOPS_SECRET_SNMP_AUTH_KEY"):
        substitute(text, {"ospf_key": "a"})
    assert set(SECRETS) >= {"ospf_key", "local_admin_password", "snmp_auth_key", "snmp_priv_key"}
