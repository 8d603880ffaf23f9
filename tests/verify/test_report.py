"""The per-site verification report in its four formats, and the scope of the generated spec (no lab needed)."""

import json
from functools import cache
from xml.etree import ElementTree

from citynet_models.network import Network
from netops.design import RenderSettings, build_design
from netops.pipeline import load_network
from netops.verify.engine import Check, SiteResult, Verification
from netops.verify.report import FORMATS, to_json, to_junit, to_markdown, to_text
from netops.verify.spec import network_specs, ospf_neighbors
from tests.conftest import REPO


def _result() -> Verification:
    ward = SiteResult("ubnd-phuong-truc-bach", "UBND phường Trúc Bạch", [
        Check("ubnd-phuong-truc-bach", "control", "r01 OSPF adjacencies (1)", False, "not Full: eth1 to agg-01"),
        Check("ubnd-phuong-truc-bach", "reachability", "pc reaches mail tcp/443", False, "TimeoutError: timed out"),
    ])
    dual = SiteResult("ubnd-phuong-phuc-xa", "UBND phường Phúc Xá", [
        Check("ubnd-phuong-phuc-xa", "redundancy", "second path (1/2 uplinks up)", False,
              "lost redundancy: down r01 eth1 to agg-01"),
        Check("ubnd-phuong-phuc-xa", "reachability", "pc reaches mail tcp/443", True),
    ])
    fine = SiteResult("dc-hanoi", "Trung tâm Dữ liệu", [Check("dc-hanoi", "control", "core compliance", True)])
    return Verification([ward, dual, fine], {"control": 1.234})


def test_text_names_failing_sites_with_reasons_and_what_they_lost() -> None:
    text = to_text(_result())
    assert "FAIL  ubnd-phuong-truc-bach  (2 checks, 2 failed)" in text
    assert "      control: r01 OSPF adjacencies (1): not Full: eth1 to agg-01" in text
    assert "PASS  dc-hanoi  (1 checks, 0 failed)" in text
    assert "lost reachability: ubnd-phuong-truc-bach\n" in text
    assert "lost redundancy: ubnd-phuong-phuc-xa\n" in text
    assert text.endswith("1/3 sites pass, 2 fail\n")


def test_json_junit_markdown_carry_the_same_verdicts() -> None:
    result = _result()
    data = json.loads(to_json(result))
    assert data["ok"] is False and data["seconds"] == {"control": 1.23}
    assert [(s["site"], s["ok"], len(s["failures"])) for s in data["sites"]] == [
        ("ubnd-phuong-truc-bach", False, 2), ("ubnd-phuong-phuc-xa", False, 1), ("dc-hanoi", True, 0)]
    assert data["lost_reachability"] == ["ubnd-phuong-truc-bach"] and data["lost_redundancy"] == ["ubnd-phuong-phuc-xa"]
    suites = ElementTree.fromstring(to_junit(result).split("\n", 1)[1])
    counts = {s.get("name"): (s.get("tests"), s.get("failures")) for s in suites.iter("testsuite")}
    assert counts == {"ubnd-phuong-truc-bach": ("2", "2"), "ubnd-phuong-phuc-xa": ("2", "1"), "dc-hanoi": ("1", "0")}
    failures = [f.get("message") for f in suites.iter("failure")]
    assert "lost redundancy: down r01 eth1 to agg-01" in failures
    markdown = to_markdown(result)
    assert "**FAIL**" in markdown and "| ubnd-phuong-phuc-xa | UBND phường Phúc Xá | **fail** | 2 | 1 |" in markdown
    assert "- lost redundancy: ubnd-phuong-phuc-xa" in markdown
    assert set(FORMATS) == {"txt", "json", "xml", "md"}


def test_a_passing_run_says_so_everywhere() -> None:
    result = Verification([SiteResult("dc-hanoi", "DC", [Check("dc-hanoi", "control", "x", True)])])
    assert result.ok and to_text(result) == "PASS  dc-hanoi  (1 checks, 0 failed)\n1/1 sites pass\n"
    assert json.loads(to_json(result))["ok"] is True
    assert "<failure" not in to_junit(result) and "**PASS**" in to_markdown(result)


@cache
def _network() -> Network:
    return load_network(REPO / "inventory" / "city").network


def test_scope_drops_what_is_out_of_the_lab_and_keeps_bgp_strict() -> None:
    network = _network()
    core = next(d for d in network.devices if d.name == "dc-core-01")
    scope = {d.name for d in network.devices if d.site == "dc-hanoi" or d.name.startswith("ba-dinh-agg")}
    full = network_specs(build_design(network, RenderSettings()), ["dc-core-01"])["dc-core-01"]
    scoped = network_specs(build_design(network, RenderSettings()), ["dc-core-01"], scope=scope)["dc-core-01"]

    def getter(spec: list[dict[str, object]], name: str) -> dict[str, object]:
        value = next(item[name] for item in spec if name in item)
        assert isinstance(value, dict)
        return value

    in_scope = set(ospf_neighbors(network, core, scope))
    assert in_scope and in_scope < set(ospf_neighbors(network, core))
    wan_kept = {name for name in getter(scoped, "get_interfaces") if name.startswith("eth")}
    assert wan_kept >= in_scope
    assert set(getter(scoped, "get_interfaces")) < set(getter(full, "get_interfaces"))
    peers = getter(scoped, "get_bgp_neighbors")["global"]["peers"]  # type: ignore[index]
    full_peers = getter(full, "get_bgp_neighbors")["global"]["peers"]  # type: ignore[index]
    assert peers["_mode"] == "strict"
    # Every session with a router in scope is expected up; the reflector's clients out of scope are dynamic
    # neighbours that are not there at all, so they are not expected (strict mode would fail on one otherwise).
    up = {address for address, peer in peers.items() if address != "_mode" and "is_up" in peer}
    loopbacks = {str(d.loopback) for d in network.devices if d.name in scope and d.name != "dc-core-01"}
    assert up == loopbacks == set(peers) - {"_mode"} and loopbacks < set(full_peers)
