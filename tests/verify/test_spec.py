"""The NAPALM validation spec generated from the model: golden files per case folder, and its shape."""

import json
from functools import cache
from pathlib import Path

import pytest
import yaml

from citynet_models.network import Network
from netops.design import RenderSettings, build_design
from netops.pipeline import load_network
from netops.verify.spec import main, network_specs, ospf_neighbors
from tests.conftest import REPO, case_folders

CASES = case_folders(Path(__file__).parent / "cases")


@cache
def _network(intent: str) -> Network:
    return load_network(REPO / intent).network


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_spec_golden(case: Path, golden) -> None:  # type: ignore[no-untyped-def]
    spec = yaml.safe_load((case / "case.yml").read_text())
    network = _network(spec["intent"])
    generated = {
        "specs": network_specs(build_design(network, RenderSettings()), spec["devices"]),
        "ospf_neighbors": {name: ospf_neighbors(network, next(d for d in network.devices if d.name == name))
                           for name in spec["devices"]},
    }
    golden(case / "expected_spec.yml", yaml.safe_dump(generated, sort_keys=False, allow_unicode=True))


def test_every_router_has_a_spec_with_strict_bgp_peers() -> None:
    network = _network("inventory/city")
    specs = network_specs(build_design(network, RenderSettings()))
    assert set(specs) == {d.name for d in network.devices if d.is_router}
    for name, spec in specs.items():
        bgp = next(item["get_bgp_neighbors"] for item in spec if "get_bgp_neighbors" in item)
        assert bgp["global"]["peers"]["_mode"] == "strict", name
        assert len(bgp["global"]["peers"]) > 1, name


def test_cli_refuses_unknown_device(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--intent", str(REPO / "inventory/city"), "no-such-r01"]) == 2
    assert "unknown devices: no-such-r01" in capsys.readouterr().err


def test_a_decommissioned_sites_router_gets_no_spec_and_is_not_unknown(capsys: pytest.CaptureFixture[str]) -> None:
    # The Ansible play's hosts may name it (the inventory keeps every device): its role run skips it.
    intent = REPO / "tests" / "render" / "cases" / "decommissioned-site" / "intent"
    assert main(["--intent", str(intent), "ubnd-phuong-phuc-xa-r01"]) == 0
    assert json.loads(capsys.readouterr().out) == {}
    assert main(["--intent", str(intent), "ubnd-phuong-phuc-xa-r01", "ba-dinh-agg-01"]) == 0
    assert set(json.loads(capsys.readouterr().out)) == {"ba-dinh-agg-01"}
