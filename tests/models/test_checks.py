"""Cross-object checks that need more than one object: names as NetBox compares them, the uplink graph,
coordinates and the city's bounds."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from citynet_models.checks import _uplink_graph, name_key, network_problems
from citynet_models.intent import HANOI_BOUNDS, VIETNAM_BOUNDS, CityBounds, CityInfo
from citynet_models.links import LinkEndpoint, WanLink
from citynet_models.network import Network
from citynet_models.sites import Coordinates
from citynet_models.types import DisplayName, LifecycleStatus, LinkRole
from netops.pipeline import load_network
from tests.conftest import TESTS

BASE = TESTS / "intent" / "cases" / "base"


@pytest.fixture(scope="module")
def base() -> Network:
    return load_network(Path(BASE)).network


def _replace(net: Network, **update: object) -> Network:
    # Built without validation (the check under test is called on its own), and without model_copy, which
    # would carry over the indexes cached from the original.
    values = {name: getattr(net, name) for name in Network.model_fields}
    return Network.model_construct(**{**values, **update})


def _with_links(net: Network, *extra: WanLink) -> Network:
    return _replace(net, links=(*net.links, *extra))


def _link(upstream: str, downstream: str, number: int) -> WanLink:
    return WanLink(id=f"{upstream}--{downstream}", role=LinkRole.ACCESS,
                   upstream=LinkEndpoint(device=upstream, interface=f"eth{10 + number}"),
                   downstream=LinkEndpoint(device=downstream, interface=f"eth{20 + number}"),
                   prefix=f"10.192.255.{2 * number}/31", ospf_area=1, ospf_cost=10, circuit=None)


def test_base_has_no_uplink_problem(base: Network) -> None:
    # The data center's core pair uplinks within its own site: not a cycle.
    assert any(link.id == "dc-core-01--dc-core-02" for link in base.links)
    assert list(_uplink_graph(base)) == []


def test_a_loop_between_two_sites_is_reported_once(base: Network) -> None:
    net = _with_links(base, _link("ubnd-phuong-phuc-xa-r01", "ba-dinh-agg-01", 1))
    problems = list(_uplink_graph(net))
    assert [p.message for p in problems] == ["uplink cycle"]
    assert problems[0].path == ("links", "[ubnd-phuong-phuc-xa-r01--ba-dinh-agg-01]")
    assert problems[0].found is not None
    assert problems[0].found.startswith(
        "uplinks go round: ubnd-phuong-phuc-xa -> ubnd-quan-ba-dinh -> ubnd-phuong-phuc-xa")


def test_a_loop_through_three_sites_is_found(base: Network) -> None:
    net = _with_links(base, _link("ubnd-phuong-phuc-xa-r01", "ubnd-phuong-truc-bach-r01", 1),
                      _link("ubnd-phuong-truc-bach-r01", "dc-core-02", 2))
    problems = [p for p in _uplink_graph(net) if p.message == "uplink cycle"]
    assert len(problems) == 1
    assert problems[0].found is not None
    # The data center now hangs below a ward: dc -> ubnd-phuong-truc-bach -> ... -> dc. Every loop through
    # that uplink is broken by removing it, so one report is enough.
    loop = problems[0].found.removeprefix("uplinks go round: ").split(";")[0].split(" -> ")
    assert loop[0] == loop[-1] == "dc"
    assert loop[1] == "ubnd-phuong-truc-bach"
    assert problems[0].path == ("links", "[ubnd-phuong-truc-bach-r01--dc-core-02]")


def test_uplink_to_a_decommissioned_site(base: Network) -> None:
    sites = tuple(site.model_copy(update={"status": LifecycleStatus.DECOMMISSIONED})
                  if site.slug == "ubnd-quan-ba-dinh" else site for site in base.sites)
    net = _replace(base, sites=sites)
    problems = list(_uplink_graph(net))
    assert {p.path for p in problems} == {
        ("links", "[ba-dinh-agg-01--ubnd-phuong-phuc-xa-r01]", "upstream"),
        ("links", "[ba-dinh-agg-01--ubnd-phuong-truc-bach-r01]", "upstream"),
    }
    # The decommissioned site's own uplinks to the data center are no problem.
    assert all(p.message == "uplink to a decommissioned site" for p in problems)


def test_duplicates_name_the_first_object(base: Network) -> None:
    sites = list(base.sites)
    index = next(i for i, site in enumerate(sites) if site.slug == "ubnd-phuong-truc-bach")
    sites[index] = sites[index].model_copy(update={"name": "UBND PHƯỜNG PHÚC XÁ"})
    problems = [p for p in network_problems(_replace(base, sites=tuple(sites)))
                if p.message == "duplicate site name"]
    assert len(problems) == 1
    assert problems[0].path == ("sites", "[ubnd-phuong-truc-bach]", "name")
    assert problems[0].related == ("sites", "[ubnd-phuong-phuc-xa]", "name")


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("Phường Phúc Xá", "Phu\u031bo\u031b\u0300ng Phu\u0301c Xa\u0301", True),  # NFC and NFD
        ("UBND phường Phúc Xá", "UBND Phường  Phúc Xá", True),  # case and spacing
        ("Phường Phúc Xá", "Phường Phúc Xa", False),  # a diacritic is a different name
    ],
)
def test_name_key(first: str, second: str, same: bool) -> None:
    assert (name_key(first) == name_key(second)) is same


def test_display_names_are_stored_composed() -> None:
    from pydantic import TypeAdapter

    decomposed = "Phu\u031bo\u031b\u0300ng Phu\u0301c Xa\u0301"
    assert TypeAdapter(DisplayName).validate_python(decomposed) == "Phường Phúc Xá"


def test_swapped_coordinates_beyond_90_degrees() -> None:
    with pytest.raises(ValidationError, match="latitude and longitude look swapped"):
        Coordinates.model_validate({"latitude": 105.84, "longitude": 21.03})
    assert Coordinates.model_validate({"latitude": 21.03, "longitude": 105.84}).latitude == 21.03


def test_default_bounds_follow_the_city_code() -> None:
    assert CityInfo(code="01", name="Thành phố Hà Nội").effective_bounds() == HANOI_BOUNDS
    assert CityInfo(code="79", name="Thành phố Hồ Chí Minh").effective_bounds() == VIETNAM_BOUNDS
    assert HANOI_BOUNDS.contains(21.0285, 105.8542)  # Hoàn Kiếm lake
    assert not HANOI_BOUNDS.contains(10.7769, 106.7009)  # Sài Gòn
    assert VIETNAM_BOUNDS.contains(10.7769, 106.7009)
    assert VIETNAM_BOUNDS.contains(8.6447, 111.9203)  # Trường Sa
    given = CityBounds(south=10, west=106, north=11, east=107)
    assert CityInfo(code="79", name="Thành phố Hồ Chí Minh", bounds=given).effective_bounds() == given
    assert not CityBounds(south=11, west=106, north=10, east=107).ordered


def test_cross_district_uplink_is_accepted_when_stated(tmp_path: Path) -> None:
    from tests.conftest import materialize_overlay

    case = TESTS / "intent" / "cases" / "invalid" / "uplink-to-another-districts-aggregation"
    intent = materialize_overlay(BASE, case, tmp_path)
    district = intent / "districts" / "001-ba-dinh.yml"
    text = district.read_text()
    stated = text.replace("{to: hoan-kiem-agg-01, provider: vnpt, circuit_id: C-4, bandwidth_mbps: 100}",
                          "{to: hoan-kiem-agg-01, provider: vnpt, circuit_id: C-4, bandwidth_mbps: 100, "
                          "cross_district: true}")
    assert stated != text
    district.write_text(stated)
    network = load_network(intent).network
    link = next(link for link in network.links if link.downstream.device == "ubnd-phuong-truc-bach-r01")
    assert link.upstream.device == "hoan-kiem-agg-01"
