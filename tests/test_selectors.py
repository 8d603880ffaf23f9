"""--district selects the same districts in every command, and an unknown one is the same error everywhere."""

import pytest

from citynet_models.network import Network
from netops.errors import InputError
from netops.lab.topology import select_districts
from netops.pipeline import load_network
from netops.query.engine import FilterError, resolve_districts, resolve_wards
from netops.selectors import match_districts, match_wards, short_slug
from netops.show import Filters, Table, rows
from tests.conftest import REPO


@pytest.fixture(scope="module")
def network() -> Network:
    return load_network(REPO / "inventory" / "city").network


# Every way a person names Quận Ba Đình (code 001), and values that name nothing.
BA_DINH = ["001", "quan-ba-dinh", "ba-dinh", "Quận Ba Đình", "quận ba đình", "Ba Đình", "ba dinh", "BA-DINH",
           " 001 "]
NOTHING = ["dinh", "ba", "01", "quan", "hai-phong", "", "quan-ba-dinh-x"]


def show_codes(network: Network, value: str) -> set[str]:
    return {row["district"] for row in rows(network, Table.SITES, Filters(district=value))}


@pytest.mark.parametrize("value", BA_DINH)
def test_every_command_selects_the_same_district(network: Network, value: str) -> None:
    assert match_districts(network, [value]) == {"001"}
    assert resolve_districts(network, [value]) == {"001"}
    assert select_districts(network, [value]) == ("001",)
    assert show_codes(network, value) == {"001"}


@pytest.mark.parametrize("value", NOTHING)
def test_a_value_naming_no_district_is_the_same_error_everywhere(network: Network, value: str) -> None:
    with pytest.raises(InputError) as raised:
        match_districts(network, [value])
    problem = raised.value.problems[0]
    assert problem.message == "unknown district" and problem.found == repr(value)
    assert "quan-ba-dinh" in (problem.hint or "")
    with pytest.raises(FilterError) as query_error:
        resolve_districts(network, [value])
    assert query_error.value.problem() == problem
    with pytest.raises(InputError) as lab_error:
        select_districts(network, [value])
    assert lab_error.value.problems == [problem]
    with pytest.raises(InputError) as show_error:
        rows(network, Table.SITES, Filters(district=value))
    assert show_error.value.problems == [problem]


def test_a_misspelled_district_gets_a_did_you_mean(network: Network) -> None:
    with pytest.raises(InputError) as raised:
        match_districts(network, ["dong anhh", "hoan-kiem", "Hoàn Kiêm"])
    assert [p.found for p in raised.value.problems] == ["'dong anhh'"]
    assert (raised.value.problems[0].hint or "").startswith("did you mean huyen-dong-anh?")


def test_every_unknown_value_is_reported_at_once(network: Network) -> None:
    with pytest.raises(InputError) as raised:
        match_districts(network, ["nosuch", "001", "nowhere"])
    assert [p.found for p in raised.value.problems] == ["'nosuch'", "'nowhere'"]


def test_wards_match_the_same_way(network: Network) -> None:
    assert match_wards(network, ["00001", "phuong-phuc-xa", "phuc-xa", "Phường Phúc Xá", "phuc xa"]) == {"00001"}
    assert resolve_wards(network, ["phuc xa"]) == {"00001"}
    with pytest.raises(InputError) as raised:
        match_wards(network, ["phuc"])
    assert raised.value.problems[0].message == "unknown ward"


def test_short_slug_drops_only_the_kind() -> None:
    assert [short_slug(s) for s in ("quan-ba-dinh", "huyen-dong-anh", "thi-xa-son-tay", "phuong-phuc-xa",
                                    "xa-hai-boi", "thi-tran-dong-anh", "quan", "ba-dinh")] == [
        "ba-dinh", "dong-anh", "son-tay", "phuc-xa", "hai-boi", "dong-anh", "quan", "ba-dinh"]


def test_show_filters_known_values_matching_nothing_are_no_rows_not_an_error(network: Network) -> None:
    assert rows(network, Table.SITES, Filters(status="decommissioned")) == []
    assert rows(network, Table.DEVICES, Filters(district="001", platform="huawei_vrp")) == []


@pytest.mark.parametrize(("table", "filters", "message"), [
    (Table.SITES, Filters(status="acepted"), "matches nothing in the model"),
    (Table.SITES, Filters(kind="lan"), "matches nothing in the model"),
    (Table.PREFIXES, Filters(kind="ward_committee"), "matches nothing in the model"),
    (Table.DEVICES, Filters(role="camera"), "matches nothing in the model"),
    (Table.LANS, Filters(role="core"), "matches nothing in the model"),
    (Table.LINKS, Filters(platform="frr"), "`show links` has no platform to filter on"),
    (Table.SERVICES, Filters(district="001"), "`show services` has no district to filter on"),
])
def test_show_rejects_values_and_filters_the_table_does_not_know(network: Network, table: Table, filters: Filters,
                                                                  message: str) -> None:
    with pytest.raises(InputError) as raised:
        rows(network, table, filters)
    assert [p.message for p in raised.value.problems] == [message]


def test_show_prefixes_kind_is_the_prefix_kind(network: Network) -> None:
    lans = rows(network, Table.PREFIXES, Filters(kind="lan", district="001"))
    assert lans and {row["kind"] for row in lans} == {"lan"} and {row["district"] for row in lans} == {"001"}
    assert not rows(network, Table.PREFIXES, Filters(kind="pool", status="accepted"))
