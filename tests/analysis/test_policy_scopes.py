"""The scopes of deny_between_sites rules, in the 2025 structure's terms, and the legacy spellings they read."""

import pytest
from pydantic import ValidationError

from citynet_models.network import Network
from citynet_models.policy import DenyBetweenSites
from netops.analysis.policy import scope_differs
from netops.pipeline import load_network
from tests.conftest import TESTS

RULE = {"id": "isolation", "kind": "deny_between_sites", "description": "d", "sources": {}, "destinations": {}}


@pytest.fixture(scope="module")
def network() -> Network:
    return load_network(TESTS / "intent" / "cases" / "base-2025").network


@pytest.mark.parametrize(("written", "read"), [("other_site", "other_site"), ("other_unit", "other_unit"),
                                               ("other_area", "other_area"), ("other_ward", "other_unit"),
                                               ("other_district", "other_area")])
def test_scope_spellings(written: str, read: str) -> None:
    assert DenyBetweenSites.model_validate({**RULE, "scope": written}).scope == read


def test_an_unknown_scope_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"other_site.*other_unit.*other_area"):
        DenyBetweenSites.model_validate({**RULE, "scope": "other_commune"})


@pytest.mark.parametrize(("source", "destination", "scope", "differs"), [
    # two sites of Phường Ba Đình, one of Phường Ngọc Hà, all attached through the Ba Đình hub
    ("ubnd-phuong-ba-dinh", "dang-uy-phuong-ba-dinh", "other_site", True),
    ("ubnd-phuong-ba-dinh", "dang-uy-phuong-ba-dinh", "other_unit", False),
    ("ubnd-phuong-ba-dinh", "ubnd-phuong-ngoc-ha", "other_unit", True),
    ("ubnd-phuong-ba-dinh", "ubnd-phuong-ngoc-ha", "other_area", False),
    # the hub is in the area but in no unit; the data center in neither
    ("ubnd-phuong-ba-dinh", "tram-tap-trung-ba-dinh", "other_unit", True),
    ("ubnd-phuong-ba-dinh", "tram-tap-trung-ba-dinh", "other_area", False),
    ("ubnd-phuong-ba-dinh", "dc", "other_area", True),
])
def test_scopes_in_the_2025_structure(network: Network, source: str, destination: str, scope: str,
                                      differs: bool) -> None:
    sites = network.site_by_slug
    assert scope_differs(scope, sites[source], sites[destination]) is differs
