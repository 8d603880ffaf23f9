"""The routed WAN as a graph, and which routers reach a destination router under OSPF's area rules.

Nodes are the routers (core, aggregation, access routers, firewalls; switches do not route), edges the WAN
links, each in its OSPF area. Reachability follows OSPF, not bare graph connectivity:

- a router reaches the destination inside an area when both are connected by links of that area;
- otherwise traffic goes source area -> backbone (area 0) -> destination area, entering and leaving the
  backbone at area border routers (ABRs). A router that still has a backbone link but lost the part of the
  backbone holding the destination cannot fall back on a non-backbone area (RFC 2328 16.2: an ABR only
  examines backbone summaries), so it is cut even if a detour through its own area exists.

Two ways to answer "what does each single failure cut":
- :func:`single_failure_cuts` (fast): a Tarjan DFS on the backbone and, per non-backbone area, on the area
  plus a virtual root joined to its backbone-connected ABRs; articulation points and bridges give the cut
  sets of every failure in one linear pass, and only a failure inside the backbone that cuts ABRs re-runs a
  BFS, on the areas of those ABRs alone;
- :func:`reachable` per failure (exact, simple): the peer the fast path is tested and benchmarked against,
  and what ``--fail X,Y`` uses for several failures at once.

A destination may be several routers at once: the members of a VRRP group or an HA pair that gateway a
data-center LAN. A router reaches such a group while it reaches *any* member
(:func:`reachable_from_any`); :func:`group_single_failure_cuts` combines the per-member sweeps, and
:func:`naive_group_single_failure_cuts` is its exact peer, one :func:`reachable_from_any` per failure.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from citynet_models.network import Network

BACKBONE = 0


@dataclass(frozen=True)
class Topology:
    """Routers and links as integer-indexed adjacency, with each link's OSPF area."""

    routers: tuple[str, ...]
    index: dict[str, int]
    links: tuple[str, ...]
    link_index: dict[str, int]
    link_ends: tuple[tuple[int, int], ...]
    link_area: tuple[int, ...]
    #: adjacency[v] = ((neighbour, link), ...)
    adjacency: tuple[tuple[tuple[int, int], ...], ...]
    #: areas of each router, from its links
    areas: tuple[frozenset[int], ...] = field(repr=False)

    @property
    def size(self) -> int:
        """Number of routers."""
        return len(self.routers)

    def in_backbone(self, node: int) -> bool:
        """Whether a router has a backbone link."""
        return BACKBONE in self.areas[node]


def build_topology(network: Network) -> Topology:
    """The routed graph of a network: every router and every link between two routers."""
    routers = tuple(device.name for device in network.devices if device.is_router)
    index = {name: i for i, name in enumerate(routers)}
    links: list[str] = []
    ends: list[tuple[int, int]] = []
    areas: list[int] = []
    adjacency: list[list[tuple[int, int]]] = [[] for _ in routers]
    router_areas: list[set[int]] = [set() for _ in routers]
    for link in network.links:
        up, down = index.get(link.upstream.device), index.get(link.downstream.device)
        if up is None or down is None:
            continue  # a link to a non-routing device carries no routes
        eid = len(links)
        links.append(link.id)
        ends.append((up, down))
        areas.append(link.ospf_area)
        adjacency[up].append((down, eid))
        adjacency[down].append((up, eid))
        router_areas[up].add(link.ospf_area)
        router_areas[down].add(link.ospf_area)
    return Topology(
        routers=routers,
        index=index,
        links=tuple(links),
        link_index={name: i for i, name in enumerate(links)},
        link_ends=tuple(ends),
        link_area=tuple(areas),
        adjacency=tuple(tuple(neighbours) for neighbours in adjacency),
        areas=tuple(frozenset(a) for a in router_areas),
    )


def reachable(topology: Topology, destination: int, failed_routers: Iterable[int] = (),
              failed_links: Iterable[int] = ()) -> set[int]:
    """The routers that reach ``destination`` under OSPF's area rules once the given elements failed.

    The destination itself counts as reached unless it failed.
    """
    down_nodes = set(failed_routers)
    down_links = set(failed_links)
    if destination in down_nodes:
        return set()
    adjacency, link_area = topology.adjacency, topology.link_area

    def has_backbone_link(node: int) -> bool:
        return any(link_area[e] == BACKBONE and e not in down_links and u not in down_nodes
                   for u, e in adjacency[node])

    def flood(seeds: Iterable[int], area: int) -> set[int]:
        seen = set(seeds)
        stack = list(seen)
        while stack:
            v = stack.pop()
            for u, e in adjacency[v]:
                if link_area[e] == area and u not in seen and e not in down_links and u not in down_nodes:
                    seen.add(u)
                    stack.append(u)
        return seen

    destination_areas = topology.areas[destination]
    intra = {area: flood([destination], area) for area in destination_areas}
    reached = {destination}
    for members in intra.values():
        reached |= members
    # The backbone holds the destination's routes: from itself, or from the ABRs of its own areas.
    backbone_seeds = {v for members in intra.values() for v in members
                      if (v == destination and BACKBONE in destination_areas) or has_backbone_link(v)}
    backbone = flood(backbone_seeds, BACKBONE) if backbone_seeds else set()
    reached |= backbone
    other_areas = {topology.link_area[e] for e in range(len(topology.links))} - {BACKBONE}
    seeds_by_area: dict[int, set[int]] = {area: set() for area in other_areas}
    for v in backbone:
        for area in topology.areas[v]:
            if area != BACKBONE:
                seeds_by_area[area].add(v)
    for area, seeds in seeds_by_area.items():
        if area in intra:
            seeds = seeds | intra[area]
        if not seeds:
            continue
        for v in flood(seeds, area):
            # An ABR cut off from the destination's part of the backbone ignores the area's summaries.
            if v not in reached and not has_backbone_link(v):
                reached.add(v)
    return reached


@dataclass(frozen=True)
class SingleFailureCuts:
    """For one destination: the routers each single router or link failure cuts from it.

    Only failures that cut something are listed; the routers that cannot reach the destination even with
    nothing failed are in ``unreachable`` and never in a cut.
    """

    destination: int
    unreachable: frozenset[int]
    by_router: dict[int, frozenset[int]]
    by_link: dict[int, frozenset[int]]


def fast_path_applies(topology: Topology, destination: int) -> bool:
    """Whether the linear-time sweep models OSPF exactly for this destination.

    It does when the destination sits in the backbone only and no router joins two non-backbone areas
    without the backbone (the city's design: districts hang off the backbone through their ABRs).
    """
    if topology.areas[destination] != frozenset({BACKBONE}):
        return False
    return all(len(areas - {BACKBONE}) <= 1 or BACKBONE in areas for areas in topology.areas)


def single_failure_cuts(topology: Topology, destination: int) -> SingleFailureCuts:
    """Every single router and link failure, and the routers it cuts from ``destination``."""
    if not fast_path_applies(topology, destination):
        return naive_single_failure_cuts(topology, destination)
    base = reachable(topology, destination)
    unreachable = frozenset(set(range(topology.size)) - base)
    by_router: dict[int, set[int]] = {destination: set(base)}
    by_link: dict[int, set[int]] = {}

    # 1. The backbone, rooted at the destination.
    backbone_dfs = _Dfs(topology, BACKBONE, root=destination)
    backbone_cut_router, backbone_cut_link = backbone_dfs.cuts()

    # 2. Each non-backbone area, rooted at a virtual node joined to its ABRs that reach the destination.
    areas = sorted({a for a in topology.link_area if a != BACKBONE})
    area_members: dict[int, list[int]] = {a: [] for a in areas}
    for v, router_areas in enumerate(topology.areas):
        for a in router_areas:
            if a != BACKBONE:
                area_members[a].append(v)
    abrs = {a: [v for v in area_members[a] if v in base and topology.in_backbone(v)] for a in areas}
    base_in_area = {a: {v for v in area_members[a] if v in base and not topology.in_backbone(v)} for a in areas}
    for area in areas:
        dfs = _Dfs(topology, area, roots=abrs[area])
        cut_router, cut_link = dfs.cuts()
        for v, cut in cut_router.items():
            # A failed ABR that reached the destination also changes the backbone: handled below.
            if not topology.in_backbone(v) or v not in base:
                lost = cut & base_in_area[area]
                if v in base:
                    lost.add(v)
                if lost:
                    by_router.setdefault(v, set()).update(lost)
        for e, cut in cut_link.items():
            lost = cut & base_in_area[area]
            if lost:
                by_link[e] = lost
    # Non-ABR routers of an area whose failure cuts nothing else still cut themselves.
    for v in base:
        if v != destination and not topology.in_backbone(v):
            by_router.setdefault(v, set()).add(v)

    # 3. Failures in the backbone: what they cut there, then the areas whose ABRs they cut.
    abr_areas: dict[int, list[int]] = {}
    for area in areas:
        for v in abrs[area]:
            abr_areas.setdefault(v, []).append(area)
    for v in range(topology.size):
        if v == destination or not topology.in_backbone(v) or v not in base:
            continue
        lost0 = set(backbone_cut_router.get(v, ())) | {v}
        by_router[v] = _after_backbone_failure(topology, abrs, base_in_area, lost0, abr_areas, v, None)
    for e, cut in backbone_cut_link.items():
        by_link[e] = _after_backbone_failure(topology, abrs, base_in_area, set(cut), abr_areas, None, e)
    return SingleFailureCuts(
        destination=destination,
        unreachable=unreachable,
        by_router={v: frozenset(s) for v, s in by_router.items() if s},
        by_link={e: frozenset(s) for e, s in by_link.items() if s},
    )


def _after_backbone_failure(topology: Topology, abrs: dict[int, list[int]], base_in_area: dict[int, set[int]],
                            lost_backbone: set[int], abr_areas: dict[int, list[int]], failed_router: int | None,
                            failed_link: int | None) -> set[int]:
    """Everything a backbone failure cuts: the backbone routers it separates from the destination, and the
    routers of the areas whose ABRs it cut, re-flooded from the ABRs left.

    A separated router that lost every backbone link is no ABR any more: it is cut only if its own area
    does not reach it either.
    """
    adjacency, link_area = topology.adjacency, topology.link_area

    def keeps_backbone(x: int) -> bool:
        return any(link_area[e] == BACKBONE and e != failed_link and u != failed_router for u, e in adjacency[x])

    demoted = {x for x in lost_backbone if x != failed_router and not keeps_backbone(x)}
    affected = {a for v in lost_backbone for a in abr_areas.get(v, ())}
    if failed_router is not None:
        affected |= topology.areas[failed_router] - {BACKBONE}
    affected |= {a for x in demoted for a in topology.areas[x] if a != BACKBONE}
    lost = set(lost_backbone)
    rescued: set[int] = set()
    for area in affected:
        seeds = [v for v in abrs[area] if v not in lost_backbone]
        seen = set(seeds)
        stack = list(seeds)
        while stack:
            v = stack.pop()
            for u, e in adjacency[v]:
                if link_area[e] == area and u not in seen and u != failed_router:
                    seen.add(u)
                    stack.append(u)
        lost |= base_in_area[area] - seen
        rescued |= demoted & seen
    return lost - rescued


class _Dfs:
    """Iterative Tarjan DFS over the links of one area; parallel links are not bridges.

    With ``roots`` instead of a root, the DFS starts at a virtual node joined to every root, so a root is
    never cut and a failure cuts what it separates from all of them.
    """

    def __init__(self, topology: Topology, area: int, root: int | None = None, roots: Sequence[int] = ()) -> None:
        self.topology = topology
        self.area = area
        n = topology.size
        self.disc = [-1] * n
        self.low = [0] * n
        self.order: list[int] = []  # nodes in discovery order
        self.size = [1] * n
        self.children: list[list[tuple[int, int]]] = [[] for _ in range(n)]  # (child, link) tree edges
        self.root = root
        starts = [root] if root is not None else list(dict.fromkeys(roots))
        self.is_root: set[int] = set() if root is not None else set(starts)
        for start in starts:
            if self.disc[start] == -1:
                self._run(start)

    def _run(self, start: int) -> None:
        topology, area = self.topology, self.area
        link_area = topology.link_area
        disc, low, order, size, children = self.disc, self.low, self.order, self.size, self.children
        is_root = self.is_root
        disc[start] = len(order)
        low[start] = -1 if start in is_root else disc[start]
        order.append(start)
        # frames: (node, link it was entered by, iterator position)
        stack: list[tuple[int, int, int]] = [(start, -1, 0)]
        adjacency = topology.adjacency
        while stack:
            v, via, position = stack[-1]
            neighbours = adjacency[v]
            if position < len(neighbours):
                stack[-1] = (v, via, position + 1)
                u, e = neighbours[position]
                if e == via or link_area[e] != area:
                    continue
                if disc[u] == -1:
                    disc[u] = low[u] = len(order)
                    if u in is_root:
                        low[u] = -1  # a link to the virtual node: nothing below it is cut above it
                    order.append(u)
                    children[v].append((u, e))
                    stack.append((u, e, 0))
                elif disc[u] < low[v]:
                    low[v] = disc[u]
                continue
            stack.pop()
            if stack:
                parent = stack[-1][0]
                size[parent] += size[v]
                if low[v] < low[parent]:
                    low[parent] = low[v]

    def _subtree(self, node: int) -> set[int]:
        start = self.disc[node]
        return set(self.order[start:start + self.size[node]])

    def cuts(self) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
        """Routers and links whose failure separates nodes from the root(s), and those nodes."""
        by_router: dict[int, set[int]] = {}
        by_link: dict[int, set[int]] = {}
        virtual_roots = self.root is None
        for v in self.order:
            for child, link in self.children[v]:
                if self.low[child] > self.disc[v]:
                    by_link[link] = self._subtree(child)
                if self.low[child] >= self.disc[v] and (virtual_roots or v != self.root):
                    by_router.setdefault(v, set()).update(self._subtree(child))
        return by_router, by_link


def naive_single_failure_cuts(topology: Topology, destination: int) -> SingleFailureCuts:
    """The same answer as :func:`single_failure_cuts`, by one full reachability run per failure."""
    unreachable, by_router, by_link = _one_run_per_failure(
        topology, lambda routers, links: reachable(topology, destination, routers, links))
    return SingleFailureCuts(destination=destination, unreachable=unreachable, by_router=by_router, by_link=by_link)


def _one_run_per_failure(topology: Topology, reach: Callable[[list[int], list[int]], set[int]]
                         ) -> tuple[frozenset[int], dict[int, frozenset[int]], dict[int, frozenset[int]]]:
    """What ``reach(failed_routers, failed_links)`` loses for each single router and link failure: the routers
    never reached, and the losses by router and by link."""
    base = reach([], [])
    by_router: dict[int, frozenset[int]] = {}
    by_link: dict[int, frozenset[int]] = {}
    for v in range(topology.size):
        lost = base - reach([v], [])
        if lost:
            by_router[v] = frozenset(lost)
    for e in range(len(topology.links)):
        lost = base - reach([], [e])
        if lost:
            by_link[e] = frozenset(lost)
    return frozenset(set(range(topology.size)) - base), by_router, by_link

@dataclass(frozen=True)
class GroupFailureCuts:
    """For a group of destination routers (reached while any member is): the routers each single router or
    link failure cuts from every member at once. ``unreachable``: the routers no member reaches with nothing
    failed."""

    destinations: tuple[int, ...]
    unreachable: frozenset[int]
    by_router: dict[int, frozenset[int]]
    by_link: dict[int, frozenset[int]]


def reachable_from_any(topology: Topology, destinations: Iterable[int], failed_routers: Iterable[int] = (),
                       failed_links: Iterable[int] = ()) -> set[int]:
    """The routers that reach at least one of ``destinations`` once the given elements failed."""
    failed_routers, failed_links = tuple(failed_routers), tuple(failed_links)
    reached: set[int] = set()
    for destination in destinations:
        reached |= reachable(topology, destination, failed_routers, failed_links)
    return reached


def group_single_failure_cuts(topology: Topology, destinations: Sequence[int],
                              per_destination: dict[int, SingleFailureCuts] | None = None) -> GroupFailureCuts:
    """Every single failure and the routers it cuts from all of ``destinations``, from one sweep per member.

    A router is cut from the group when, for each member, it either never reached it or the failure cut it
    from it. ``per_destination`` reuses sweeps already made (destinations shared by several groups).
    """
    sweeps = per_destination if per_destination is not None else {}
    cuts = [sweeps[d] if d in sweeps else single_failure_cuts(topology, d) for d in destinations]
    everyone = frozenset(range(topology.size))
    reached = [everyone - c.unreachable for c in cuts]
    base = frozenset().union(*reached) if reached else frozenset()

    def combine(table: str) -> dict[int, frozenset[int]]:
        result: dict[int, frozenset[int]] = {}
        tables: list[dict[int, frozenset[int]]] = [getattr(c, table) for c in cuts]
        for x in set().union(*tables):
            # A router some member lost is cut only when no member still reaches it.
            candidates: set[int] = set()
            for table_of, members in zip(tables, reached, strict=True):
                candidates |= table_of.get(x, frozenset()) & members
            lost = {r for r in candidates
                    if all(r not in members or r in table_of.get(x, frozenset())
                           for table_of, members in zip(tables, reached, strict=True))}
            # A failure can also give a router a route it lacked: an ABR cut off from a member's part of the
            # backbone that loses its last backbone link becomes an internal router of its area (RFC 2328 16.2).
            # The sweeps list losses only, so a router lost here that some member never reached is checked
            # exactly against those members; in a connected design there is none.
            doubtful = {r for r in lost if any(r not in members for members in reached)}
            if doubtful:
                failed_routers, failed_links = ([x], []) if table == "by_router" else ([], [x])
                for d, members in zip(destinations, reached, strict=True):
                    if doubtful & (everyone - members):
                        rescued = doubtful & reachable(topology, d, failed_routers, failed_links)
                        lost -= rescued
                        doubtful -= rescued
            if lost:
                result[x] = frozenset(lost)
        return result

    return GroupFailureCuts(destinations=tuple(destinations), unreachable=everyone - base,
                            by_router=combine("by_router"), by_link=combine("by_link"))


def naive_group_single_failure_cuts(topology: Topology, destinations: Sequence[int]) -> GroupFailureCuts:
    """The same answer as :func:`group_single_failure_cuts`, by one :func:`reachable_from_any` per failure."""
    unreachable, by_router, by_link = _one_run_per_failure(
        topology, lambda routers, links: reachable_from_any(topology, destinations, routers, links))
    return GroupFailureCuts(destinations=tuple(destinations), unreachable=unreachable, by_router=by_router,
                            by_link=by_link)
