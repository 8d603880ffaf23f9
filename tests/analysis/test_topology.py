"""The reachability engine: OSPF's area rules by hand, and the linear-time sweep against per-failure BFS."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netops.analysis.topology import (
    Topology,
    build_topology,
    fast_path_applies,
    group_single_failure_cuts,
    naive_group_single_failure_cuts,
    naive_single_failure_cuts,
    reachable,
    reachable_from_any,
    single_failure_cuts,
)
from netops.generate import CitySize, generate_city
from netops.pipeline import load_network
from tests.conftest import REPO


def topology(n: int, edges: list[tuple[int, int, int]]) -> Topology:
    """A topology of routers r0..r(n-1) and (a, b, area) links."""
    adjacency: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    areas: list[set[int]] = [set() for _ in range(n)]
    for eid, (a, b, area) in enumerate(edges):
        adjacency[a].append((b, eid))
        adjacency[b].append((a, eid))
        areas[a].add(area)
        areas[b].add(area)
    return Topology(
        routers=tuple(f"r{i}" for i in range(n)), index={f"r{i}": i for i in range(n)},
        links=tuple(f"l{i}" for i in range(len(edges))), link_index={f"l{i}": i for i in range(len(edges))},
        link_ends=tuple((a, b) for a, b, _ in edges), link_area=tuple(area for _, _, area in edges),
        adjacency=tuple(tuple(x) for x in adjacency), areas=tuple(frozenset(x) for x in areas),
    )


def test_an_abr_cut_off_from_the_destinations_backbone_ignores_its_own_area() -> None:
    # r0 (destination) -0- r1 -1- r2 -1- r3 -0- r4: r3 reaches r0 through area 1 as a bare graph, but it is an
    # ABR whose part of the backbone (r3, r4) lacks the destination, so OSPF gives it no route (RFC 2328 16.2).
    t = topology(5, [(0, 1, 0), (1, 2, 1), (2, 3, 1), (3, 4, 0)])
    assert reachable(t, 0) == {0, 1, 2}
    # Once its backbone link fails, r3 is an internal router of area 1 and reaches r0 through r1.
    assert reachable(t, 0, failed_links=[3]) == {0, 1, 2, 3}
    # And the fast sweep agrees: failing link l3 "cuts" nothing, it rescues r3.
    assert single_failure_cuts(t, 0).by_link == naive_single_failure_cuts(t, 0).by_link


def test_non_backbone_areas_do_not_carry_traffic_between_each_other() -> None:
    # r2 sits in area 2 only and reaches area 1 through r1, which has no backbone link: no inter-area route.
    t = topology(4, [(0, 3, 0), (3, 1, 1), (1, 2, 2)])
    assert reachable(t, 0) == {0, 3, 1}


def test_parallel_links_are_not_bridges() -> None:
    t = topology(3, [(0, 1, 0), (0, 1, 0), (1, 2, 0)])
    cuts = single_failure_cuts(t, 0)
    assert cuts.by_link == {2: frozenset({2})}
    assert cuts.by_router == {0: frozenset({0, 1, 2}), 1: frozenset({1, 2}), 2: frozenset({2})}


@st.composite
def topologies(draw: st.DrawFn) -> Topology:
    n = draw(st.integers(min_value=2, max_value=9))
    edges = draw(st.lists(
        st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.sampled_from([0, 0, 1, 2]))
        .filter(lambda e: e[0] != e[1]), min_size=1, max_size=14))
    return topology(n, edges)


@settings(max_examples=400, deadline=None)
@given(topologies())
def test_fast_sweep_equals_one_bfs_per_failure(t: Topology) -> None:
    cuts = single_failure_cuts(t, 0)
    naive = naive_single_failure_cuts(t, 0)
    assert (cuts.by_router, cuts.by_link, cuts.unreachable) == (naive.by_router, naive.by_link, naive.unreachable)


@pytest.mark.parametrize("districts", [0, 4], ids=["sample", "generated-4-districts"])
def test_fast_sweep_equals_one_bfs_per_failure_on_a_city(districts: int, tmp_path: Path) -> None:
    if districts:
        for relative, text in generate_city(CitySize(districts=districts, wards_per_district=6, seed=3)).items():
            (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / relative).write_text(text, encoding="utf-8")
        network = load_network(tmp_path).network
    else:
        network = load_network(REPO / "inventory" / "city").network
    t = build_topology(network)
    destination = t.index["dc-core-01"]
    assert fast_path_applies(t, destination)
    cuts, naive = single_failure_cuts(t, destination), naive_single_failure_cuts(t, destination)
    assert cuts.by_router == naive.by_router and cuts.by_link == naive.by_link
    assert cuts.by_link, "the city has single-homed sites, so some link must cut something"


@st.composite
def topologies_and_groups(draw: st.DrawFn) -> tuple[Topology, tuple[int, ...]]:
    t = draw(topologies())
    group = draw(st.lists(st.integers(0, t.size - 1), min_size=1, max_size=3, unique=True))
    return t, tuple(sorted(group))


@settings(max_examples=300, deadline=None)
@given(topologies_and_groups())
def test_group_sweep_equals_one_bfs_per_failure(case: tuple[Topology, tuple[int, ...]]) -> None:
    # A destination of several routers (a VRRP group, an HA pair) is reached while any of them is.
    t, group = case
    cuts, naive = group_single_failure_cuts(t, group), naive_group_single_failure_cuts(t, group)
    assert (cuts.by_router, cuts.by_link, cuts.unreachable) == (naive.by_router, naive.by_link, naive.unreachable)


def test_a_group_is_cut_only_when_every_member_is() -> None:
    # r0 and r1 (a pair) both hang off r2, which r3 hangs off: failing r0 or r1 alone cuts nothing but the
    # failed router itself, failing r2 cuts r3 from both (and r3 cuts itself).
    t = topology(4, [(0, 2, 0), (1, 2, 0), (2, 3, 0)])
    cuts = group_single_failure_cuts(t, (0, 1))
    assert cuts.by_router == {0: frozenset({0}), 1: frozenset({1}), 2: frozenset({2, 3}), 3: frozenset({3})}
    assert cuts.by_link == {2: frozenset({3})}
    assert reachable_from_any(t, (0, 1), failed_routers=[0]) == {1, 2, 3}


def test_a_failure_that_demotes_an_abr_can_give_it_a_route_to_another_member() -> None:
    # Backbone halves {r0, r3} and {r1, r2}, joined by area 1 between the ABRs r0 and r2; the group is r1 and
    # r3. r0 reaches only r3 (its part of the backbone). Failing r3 takes r0's last backbone link: r0 is then an
    # internal router of area 1 and reaches r1 through r2, so it is not cut from the group.
    t = topology(4, [(0, 2, 1), (0, 3, 0), (1, 2, 0)])
    assert reachable(t, 1) == {1, 2}
    assert group_single_failure_cuts(t, (1, 3)).by_router[3] == frozenset({3})
    assert naive_group_single_failure_cuts(t, (1, 3)).by_router[3] == frozenset({3})
