"""--area and --district select the same sites in every command, and an unknown value is the same error everywhere;
so do --unit, --site and --device (netops.selectors.scope).

Both structures: the sample city (2025: aggregation areas, no districts) and the legacy sample the reorganization
starts from (districts, each the area of its code). --area names areas in both; --district names districts in a
legacy intent and, a 2025 intent having none, areas (its errors say so).
"""

from dataclasses import dataclass

import pytest

from citynet_models.network import Network
from netops.errors import InputError
from netops.lab.topology import select_districts
from netops.pipeline import load_network
from netops.query.engine import FilterError, resolve_areas, resolve_districts, resolve_wards
from netops.selectors import match_areas, match_districts, match_groups, match_wards, scope, short_slug
from netops.show import Filters, Table, rows
from tests.conftest import REPO

LEGACY_SAMPLE = REPO / "tests" / "reorganize" / "cases" / "hanoi-sample" / "legacy"


@dataclass(frozen=True)
class Sample:
    """A sample city, and how its units and areas are named."""

    network: Network
    district_noun: str  # what --district is matched against
    district_slug: str  # the slug --district names Ba Đình by
    district_names: tuple[str, ...]  # Ba Đình's full name, as written and lower-cased
    dong_anh: str  # the slug --district names Đông Anh by
    ward: tuple[str, str, str, str, str]  # a ward's code, slug, short slug, name, name unaccented
    not_a_ward: str


@pytest.fixture(scope="module", params=["2025", "legacy"])
def sample(request: pytest.FixtureRequest) -> Sample:
    if request.param == "legacy":
        return Sample(load_network(LEGACY_SAMPLE).network, "district", "quan-ba-dinh",
                      ("Quận Ba Đình", "quận ba đình"), "huyen-dong-anh",
                      ("00001", "phuong-phuc-xa", "phuc-xa", "Phường Phúc Xá", "phuc xa"), "phuc")
    return Sample(load_network(REPO / "inventory" / "city").network, "area", "cum-ba-dinh",
                  ("Cụm Ba Đình", "cụm ba đình"), "cum-dong-anh",
                  ("00004", "phuong-ba-dinh", "ba-dinh", "Phường Ba Đình", "ba dinh"), "ba")


# Every way a person names Ba Đình (code 001) apart from its full name, and values that name nothing.
BA_DINH = ["001", "ba-dinh", "Ba Đình", "ba dinh", "BA-DINH", " 001 "]
NOTHING = ["dinh", "ba", "01", "quan", "cum", "hai-phong", "", "quan-ba-dinh-x", "cum-ba-dinh-x"]
AREA_NAMES = ["cum-ba-dinh", "Cụm Ba Đình", "cụm ba đình"]


def show_codes(network: Network, filters: Filters) -> set[str]:
    return {row[network.grouped_by] for row in rows(network, Table.SITES, filters)}


def ba_dinh(sample: Sample) -> list[str]:
    return [*BA_DINH, sample.district_slug, *sample.district_names]


def test_every_command_selects_the_same_district(sample: Sample) -> None:
    network = sample.network
    for value in ba_dinh(sample):
        assert match_districts(network, [value]) == {"001"}, value
        assert resolve_districts(network, [value]) == {"001"}, value
        assert select_districts(network, [value]) == ("001",), value
        assert show_codes(network, Filters(district=value)) == {"001"}, value


def test_every_command_selects_the_same_area_in_both_structures(sample: Sample) -> None:
    network = sample.network
    for value in [*BA_DINH, *AREA_NAMES]:
        assert match_areas(network, [value]) == {"001"}, value
        assert resolve_areas(network, [value]) == {"001"}, value
        assert select_districts(network, [], [value]) == ("001",), value
        assert show_codes(network, Filters(area=value)) == {"001"}, value


def test_area_and_district_select_their_union(sample: Sample) -> None:
    network = sample.network
    assert match_groups(network, ["cum-hoan-kiem"], [sample.dong_anh]) == {"002", "017"}
    assert select_districts(network, ["017"], ["002"]) == ("002", "017")
    assert match_groups(network) is None


@pytest.mark.parametrize("value", NOTHING)
@pytest.mark.parametrize("option", ["--district", "--area"])
def test_a_value_naming_nothing_is_the_same_error_everywhere(sample: Sample, option: str, value: str) -> None:
    network = sample.network
    by_area = option == "--area"
    noun = "area" if by_area else sample.district_noun
    with pytest.raises(InputError) as raised:
        (match_areas if by_area else match_districts)(network, [value])
    problem = raised.value.problems[0]
    assert problem.path == (option,) and problem.message == f"unknown {noun}" and problem.found == repr(value)
    assert problem.expected == f"a{'n' if noun == 'area' else ''} {noun} code, slug or name"
    assert ("cum-ba-dinh" if by_area else sample.district_slug) in (problem.hint or "")
    with pytest.raises(FilterError) as query_error:
        (resolve_areas if by_area else resolve_districts)(network, [value])
    assert query_error.value.problem() == problem
    with pytest.raises(InputError) as lab_error:
        select_districts(network, [], [value]) if by_area else select_districts(network, [value])
    assert lab_error.value.problems == [problem]
    with pytest.raises(InputError) as show_error:
        rows(network, Table.SITES, Filters(area=value) if by_area else Filters(district=value))
    assert show_error.value.problems == [problem]


def test_a_legacy_district_name_is_not_an_area(sample: Sample) -> None:
    # The area was built for the district, but is not named after it: Quận Ba Đình is no area.
    with pytest.raises(InputError) as raised:
        match_areas(sample.network, ["quan-ba-dinh", "Quận Ba Đình"])
    assert [p.message for p in raised.value.problems] == ["unknown area"] * 2


def test_a_misspelled_district_or_area_gets_a_did_you_mean(sample: Sample) -> None:
    with pytest.raises(InputError) as raised:
        match_districts(sample.network, ["dong anhh", "hoan-kiem", "Hoàn Kiêm"])
    assert [p.found for p in raised.value.problems] == ["'dong anhh'"]
    assert (raised.value.problems[0].hint or "").startswith(f"did you mean {sample.dong_anh}?")
    with pytest.raises(InputError) as raised:
        match_areas(sample.network, ["cum dong anhh", "hoan-kiem"])
    assert [p.found for p in raised.value.problems] == ["'cum dong anhh'"]
    assert (raised.value.problems[0].hint or "").startswith("did you mean cum-dong-anh?")


def test_every_unknown_value_is_reported_at_once(sample: Sample) -> None:
    with pytest.raises(InputError) as raised:
        match_districts(sample.network, ["nosuch", "001", "nowhere"])
    assert [p.found for p in raised.value.problems] == ["'nosuch'", "'nowhere'"]
    with pytest.raises(InputError) as both:
        match_groups(sample.network, ["nosuch", "001"], ["nowhere"])
    assert [(p.path, p.found) for p in both.value.problems] == [(("--area",), "'nosuch'"),
                                                                (("--district",), "'nowhere'")]


def test_wards_match_the_same_way(sample: Sample) -> None:
    code, *names = sample.ward
    assert match_wards(sample.network, [code, *names]) == {code}
    assert resolve_wards(sample.network, [names[-1]]) == {code}
    with pytest.raises(InputError) as raised:
        match_wards(sample.network, [sample.not_a_ward])
    assert raised.value.problems[0].message == "unknown ward"
    with pytest.raises(FilterError) as query_error:
        resolve_wards(sample.network, [sample.not_a_ward])
    assert query_error.value.problem() == raised.value.problems[0]


def test_short_slug_drops_only_the_kind() -> None:
    assert [short_slug(s) for s in ("quan-ba-dinh", "huyen-dong-anh", "thi-xa-son-tay", "phuong-phuc-xa",
                                    "xa-hai-boi", "thi-tran-dong-anh", "cum-ba-dinh", "quan", "ba-dinh")] == [
        "ba-dinh", "dong-anh", "son-tay", "phuc-xa", "hai-boi", "dong-anh", "ba-dinh", "quan", "ba-dinh"]


def test_show_groups_rows_as_the_model_does(sample: Sample) -> None:
    network = sample.network
    assert network.grouped_by == sample.district_noun
    for table in (Table.SITES, Table.DEVICES, Table.LANS, Table.PREFIXES):
        got = rows(network, table, Filters())
        assert got and all(network.grouped_by in row for row in got), table
        other = "district" if network.grouped_by == "area" else "area"
        assert not any(other in row for row in got), table
        assert {row[network.grouped_by] for row in got} - {None} <= set(network.groups), table


def test_show_filters_known_values_matching_nothing_are_no_rows_not_an_error(sample: Sample) -> None:
    assert rows(sample.network, Table.SITES, Filters(status="decommissioned")) == []
    assert rows(sample.network, Table.DEVICES, Filters(district="001", platform="huawei_vrp")) == []
    assert rows(sample.network, Table.DEVICES, Filters(area="001", platform="huawei_vrp")) == []


@pytest.mark.parametrize(("table", "filters", "messages"), [
    (Table.SITES, Filters(status="acepted"), ["matches nothing in the model"]),
    (Table.SITES, Filters(kind="lan"), ["matches nothing in the model"]),
    (Table.PREFIXES, Filters(kind="ward_committee"), ["matches nothing in the model"]),
    (Table.DEVICES, Filters(role="camera"), ["matches nothing in the model"]),
    (Table.LANS, Filters(role="core"), ["matches nothing in the model"]),
    (Table.LINKS, Filters(platform="frr"), ["`show links` has no platform to filter on"]),
    (Table.SERVICES, Filters(district="001"), ["`show services` has no district to filter on"]),
    (Table.SERVICES, Filters(area="001", district="001"), ["`show services` has no area to filter on",
                                                           "`show services` has no district to filter on"]),
])
def test_show_rejects_values_and_filters_the_table_does_not_know(sample: Sample, table: Table, filters: Filters,
                                                                  messages: list[str]) -> None:
    with pytest.raises(InputError) as raised:
        rows(sample.network, table, filters)
    assert [p.message for p in raised.value.problems] == messages


def test_show_prefixes_kind_is_the_prefix_kind(sample: Sample) -> None:
    network = sample.network
    for filters in (Filters(kind="lan", district="001"), Filters(kind="lan", area="cum-ba-dinh")):
        lans = rows(network, Table.PREFIXES, filters)
        assert lans and {row["kind"] for row in lans} == {"lan"}
        assert {row[network.grouped_by] for row in lans} == {"001"}
    assert not rows(network, Table.PREFIXES, Filters(kind="pool", status="accepted"))


# --- scope: --unit, --site and --device with --area and --district, as render, compliance, verify and monitoring
# export take them (netops.selectors.scope).


def test_scope_without_options_selects_everything(sample: Sample) -> None:
    chosen = scope(sample.network)
    assert chosen.sites is None and chosen.devices is None
    assert chosen.device_names(sample.network) == [d.name for d in sample.network.devices]


@pytest.mark.parametrize("form", range(5))
def test_scope_unit_selects_the_sites_in_the_unit(sample: Sample, form: int) -> None:
    network = sample.network
    code = sample.ward[0]
    chosen = scope(network, units=[sample.ward[form]])
    expected = {site.slug for site in network.sites if site.ward == code}
    assert expected and chosen.sites == expected
    assert chosen.devices == {d.name for d in network.devices if d.site in expected}


def test_scope_unit_is_the_option_query_has(sample: Sample) -> None:
    """`query --unit` and every other command's --unit select the same sites."""
    ward = sample.ward[1]
    assert resolve_wards(sample.network, [ward]) == {sample.ward[0]}
    assert scope(sample.network, units=[ward]).sites == {
        s.slug for s in sample.network.sites if s.ward == sample.ward[0]}


def test_scope_options_add_up_and_globs_match(sample: Sample) -> None:
    network = sample.network
    first, *_ = network.devices
    site = network.sites[-1]
    chosen = scope(network, sites=[site.slug], devices=[first.name[:-1] + "*"])
    globbed = {d.name for d in network.devices if d.name.startswith(first.name[:-1])}
    assert chosen.devices == globbed | {d.name for d in network.devices if d.site == site.slug}
    assert site.slug in (chosen.sites or set())
    by_glob = scope(network, sites=["ubnd-*"])
    assert by_glob.sites == {s.slug for s in network.sites if s.slug.startswith("ubnd-")}


def test_scope_unknown_values_are_one_error_each_with_did_you_mean(sample: Sample) -> None:
    network = sample.network
    device = network.devices[0].name
    with pytest.raises(InputError) as raised:
        scope(network, units=[sample.not_a_ward + "-x"], sites=["nosuch-*"], devices=[device + "x", "zz*"],
              areas=["nowhere"])
    problems = {(p.dotted_path, p.message): p for p in raised.value.problems}
    unit_noun = "ward" if network.structure.value == "legacy" else "unit"
    assert set(problems) == {("--unit", f"unknown {unit_noun}"), ("--site", "no site matches"),
                             ("--device", "unknown device"), ("--device", "no device matches"),
                             ("--area", "unknown area")}
    assert f"did you mean {device}" in (problems[("--device", "unknown device")].hint or "")


def test_scope_known_values_that_select_nothing_are_no_error(sample: Sample) -> None:
    network = sample.network
    sited = {s.ward for s in network.sites}
    empty = next(w for w in network.wards if w.code not in sited)
    chosen = scope(network, units=[empty.code])
    assert chosen.sites == frozenset() and chosen.device_names(network) == []
