"""The NAPALM validation spec generated from the model: golden files per case folder, and its shape."""

import json
from functools import cache
from pathlib import Path

import pytest
import yaml

from citynet_models.network import Network
from netops.design import RenderSettings, build_design
from netops.pipeline import load_network
from netops.verify.spec import device_spec, main, network_specs, ospf_neighbors, wan_peers
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


def test_a_core_expects_every_client_in_scope_up_and_none_out_of_scope() -> None:
    """The cores' clients are dynamic neighbours: the spec names those the model implies (the config does not),
    expects them up when their router is present, and does not expect an absent one at all; the other core, a
    configured neighbour, is still expected configured when absent."""
    network = _network("inventory/city")
    design = build_design(network, RenderSettings())
    routers = {d.name for d in network.devices if d.is_router}
    loopback = {d.name: str(d.loopback) for d in network.devices if d.loopback is not None}

    def peers(scope: set[str] | None) -> dict[str, dict[str, object]]:
        spec = network_specs(design, ["dc-core-01"], scope=scope)["dc-core-01"]
        return next(item["get_bgp_neighbors"] for item in spec if "get_bgp_neighbors" in item)["global"]["peers"]

    everyone = peers(None)
    assert set(everyone) - {"_mode"} == {loopback[name] for name in routers - {"dc-core-01"}}
    assert all(peer["is_up"] for address, peer in everyone.items() if address != "_mode")
    present = {"dc-core-01", "ba-dinh-agg-01", "ubnd-phuong-phuc-xa-r01"}
    some = peers(present)
    assert some["_mode"] == "strict"
    assert some[loopback["ba-dinh-agg-01"]]["is_up"] and some[loopback["ubnd-phuong-phuc-xa-r01"]]["is_up"]
    assert some[loopback["dc-core-02"]] == {"remote_as": network.city.asn}  # configured, absent: not up
    assert set(some) - {"_mode"} == {loopback[name] for name in ("ba-dinh-agg-01", "ubnd-phuong-phuc-xa-r01",
                                                                  "dc-core-02")}


def test_a_core_verified_in_part_of_a_larger_lab_checks_its_clients_without_strict_mode() -> None:
    """Clients that run in the lab but are not verified may be connected or not (a dynamic neighbour exists only
    while it is): the core still expects every verified client up, and neither requires nor refuses the others."""
    network = _network("inventory/city")
    design = build_design(network, RenderSettings())
    core = network.device_by_name["dc-core-01"]
    verified = {"dc-core-01", "dc-core-02", "ubnd-phuong-phuc-xa-r01"}
    lab = verified | {"ba-dinh-agg-01"}

    def peers(running: set[str]) -> dict[str, object]:
        spec = device_spec(design.context(core), verified, wan_peers(core), running=running)
        return next(item["get_bgp_neighbors"] for item in spec if "get_bgp_neighbors" in item)["global"]["peers"]

    assert peers(verified)["_mode"] == "strict"
    partial = peers(lab)
    assert "_mode" not in partial
    assert set(partial) == {str(network.device_by_name[name].loopback) for name in verified - {"dc-core-01"}}
    assert all(peer == {"is_up": True, "remote_as": network.city.asn} for peer in partial.values())
