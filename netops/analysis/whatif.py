"""What-if failure analysis, offline: which sites lose their path to which data-center services.

A LAN reaches a service while any of its gateway devices (the members of its VRRP group, or its one gateway
router) is up and reaches any gateway device of a data-center LAN holding a host of the service (the firewall
pair's VRRP members for the server LAN), over the WAN links and under OSPF's area rules (see
:mod:`netops.analysis.topology`). VRRP's tracking of the WAN uplinks is what makes a member that lost them hand
the virtual address over; the analysis takes the failover as done. A site *loses* a service when, after the
failure, some LAN of the site no longer reaches it (per LAN is what the policy speaks of; a site counts as cut
as soon as one of its LANs is). Switches do not route and are not failed here.

- :func:`single_failures` fails every router and every link alone and ranks the single points of failure;
- :func:`scenario` fails several elements at once (``netops analyze what-if --fail X,Y``).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from citynet_models.network import Network
from netops.analysis.topology import (
    GroupFailureCuts,
    Topology,
    build_topology,
    fast_path_applies,
    group_single_failure_cuts,
    naive_group_single_failure_cuts,
    reachable_from_any,
    single_failure_cuts,
)
from netops.gc_policy import no_cyclic_gc


@dataclass(frozen=True)
class ServicePath:
    """Where a service runs: its hosts and the routers that gateway their LANs."""

    service: str
    hosts: tuple[str, ...]
    gateways: tuple[str, ...]


@dataclass(frozen=True)
class SiteLoss:
    """A site and the services it loses."""

    site: str
    district: str | None
    services: tuple[str, ...]
    #: the site's LANs that lose them (none listed for a site without LANs, which stands for its routers)
    lans: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Source:
    """A LAN of a site and the routers that can route it (a site without LANs: one of its routers)."""

    site: str
    lan: str | None
    routers: tuple[int, ...]


@dataclass(frozen=True)
class Impact:
    """What failing one element (or a set of elements) cuts."""

    element: str  # a router name, a link id, or several joined by ","
    kind: str  # "router", "link" or "scenario"
    district: str | None  # the element's district (a link's: its downstream site's), if any
    sites_cut: int
    service_paths_cut: int  # (site, service) pairs lost
    #: the failure cuts only the site the element belongs to (its own router or uplink)
    own_site_only: bool
    losses: tuple[SiteLoss, ...]


@dataclass(frozen=True)
class WhatIfReport:
    """Single points of failure of the city, ranked; or one multi-failure scenario."""

    failed: tuple[str, ...]  # empty for the sweep of every single failure
    algorithm: str
    routers: int
    links: int
    services: tuple[ServicePath, ...]
    services_without_hosts: tuple[str, ...]
    #: sites that miss services with nothing failed (a disconnected design)
    baseline_losses: tuple[SiteLoss, ...]
    #: sweep: every failure that cuts at least one site, worst first; scenario: the one scenario
    impacts: tuple[Impact, ...]
    routers_cutting: int
    links_cutting: int
    #: routers and links whose failure cuts a site other than their own
    spof_routers: int
    spof_links: int


class UnknownElementError(ValueError):
    """A --fail name that is neither a router nor a link id."""

    def __init__(self, name: str, suggestions: list[str]) -> None:
        self.name, self.suggestions = name, suggestions
        super().__init__(name)


class _Context:
    """The model's routers, sites and services as indexes over the topology.

    A LAN is routed by its gateway devices (`Lan.gateway_devices`: the VRRP members, or the one gateway), and
    it reaches a service while any of them is up and reaches any gateway device of a LAN holding a host of the
    service. A site loses a service when any of its LANs does (the LAN is what the policy speaks of; a site
    counts as cut as soon as one of its LANs is).
    """

    def __init__(self, network: Network) -> None:
        self.network = network
        self.topology: Topology = build_topology(network)
        index = self.topology.index
        device_site = {d.name: d.site for d in network.devices}
        self.device_site = device_site
        lan_gateways = {(site.slug, lan.name): lan.gateway_devices for site in network.sites for lan in site.lans}
        services, missing = [], []
        self.service_gateways: dict[str, tuple[int, ...]] = {}
        for service in network.services:
            hosts = [h for h in network.hosts if service.name in h.services]
            gateways = sorted({g for h in hosts for g in lan_gateways.get((h.site, h.lan), ())} & set(index))
            if not gateways:
                missing.append(service.name)
                continue
            services.append(ServicePath(service=service.name, hosts=tuple(h.name for h in hosts),
                                        gateways=tuple(gateways)))
            self.service_gateways[service.name] = tuple(sorted(index[g] for g in gateways))
        self.services = tuple(services)
        self.missing = tuple(missing)
        self.destinations = sorted({g for gws in self.service_gateways.values() for g in gws})
        # Each site's sources: its LANs, each with the routers that can route it; a site with no LAN stands
        # for its routers, each on its own.
        self.site_sources: dict[str, tuple[_Source, ...]] = {}
        self.router_sources: dict[int, list[_Source]] = {}
        for site in network.sites:
            sources = [_Source(site.slug, lan.name, tuple(sorted({index[d] for d in lan.gateway_devices
                                                                   if d in index})))
                       for lan in site.lans]
            sources = [source for source in sources if source.routers]
            if not sources:
                sources = [_Source(site.slug, None, (index[d.name],))
                           for d in network.devices_by_site.get(site.slug, []) if d.name in index]
            self.site_sources[site.slug] = tuple(sources)
            for source in sources:
                for r in source.routers:
                    self.router_sources.setdefault(r, []).append(source)
        self.site_district = {site.slug: site.area for site in network.sites}
        # Services grouped by their set of gateways: they are lost together.
        groups: dict[tuple[int, ...], list[str]] = {}
        for name, gws in self.service_gateways.items():
            groups.setdefault(gws, []).append(name)
        self.service_groups = groups

    def losses(self, lost_by_group: Mapping[tuple[int, ...], frozenset[int] | set[int]],
               unreachable: Mapping[tuple[int, ...], frozenset[int]]) -> list[SiteLoss]:
        """Sites and the services they lose, given the routers each service group lost (beyond the baseline):
        a LAN loses a group's services when it reached them before and none of its gateways still does."""
        candidates: set[int] = set()
        for lost in lost_by_group.values():
            candidates |= lost
        affected = {source for r in candidates for source in self.router_sources.get(r, ())}
        by_site: dict[str, set[str]] = {}
        lans_by_site: dict[str, set[str]] = {}
        for source in affected:
            for gws, names in self.service_groups.items():
                lost, never = lost_by_group.get(gws, frozenset()), unreachable[gws]
                if (any(r not in never for r in source.routers)
                        and all(r in never or r in lost for r in source.routers)):
                    by_site.setdefault(source.site, set()).update(names)
                    if source.lan is not None:
                        lans_by_site.setdefault(source.site, set()).add(source.lan)
        order = {s.service: i for i, s in enumerate(self.services)}
        return [SiteLoss(site=site, district=self.site_district[site],
                         services=tuple(sorted(names, key=order.__getitem__)),
                         lans=tuple(sorted(lans_by_site.get(site, ()))))
                for site, names in sorted(by_site.items())]

    def element_district(self, kind: str, element: str) -> str | None:
        if kind == "router":
            return self.site_district.get(self.device_site[element])
        link = self.topology.link_ends[self.topology.link_index[element]]
        return self.site_district.get(self.device_site[self.topology.routers[link[1]]])

    def element_site(self, kind: str, element: str) -> str:
        if kind == "router":
            return self.device_site[element]
        link = self.topology.link_ends[self.topology.link_index[element]]
        return self.device_site[self.topology.routers[link[1]]]

    def impact(self, kind: str, element: str, losses: list[SiteLoss]) -> Impact:
        own = self.element_site(kind, element) if kind != "scenario" else None
        return Impact(
            element=element,
            kind=kind,
            district=self.element_district(kind, element) if kind != "scenario" else None,
            sites_cut=len(losses),
            service_paths_cut=sum(len(loss.services) for loss in losses),
            own_site_only=own is not None and all(loss.site == own for loss in losses),
            losses=tuple(losses),
        )

    def baseline(self, unreachable: Mapping[tuple[int, ...], frozenset[int]]) -> list[SiteLoss]:
        """Sites that miss services with nothing failed: a LAN none of whose gateways reaches them."""
        order = {s.service: i for i, s in enumerate(self.services)}
        result = []
        for site, sources in self.site_sources.items():
            names: set[str] = set()
            lans: set[str] = set()
            for source in sources:
                for gws, group in self.service_groups.items():
                    if all(r in unreachable[gws] for r in source.routers):
                        names.update(group)
                        if source.lan is not None:
                            lans.add(source.lan)
            if names:
                result.append(SiteLoss(site=site, district=self.site_district[site],
                                       services=tuple(sorted(names, key=order.__getitem__)),
                                       lans=tuple(sorted(lans))))
        return sorted(result, key=lambda loss: loss.site)


def _rank(impacts: Iterable[Impact]) -> tuple[Impact, ...]:
    return tuple(sorted(impacts, key=lambda i: (-i.sites_cut, -i.service_paths_cut, i.kind, i.element)))


def single_failures(network: Network, naive: bool = False) -> WhatIfReport:
    """Fail every router and every link alone; rank the failures by the sites they cut.

    ``naive`` computes the same by one reachability run per failure (the benchmark's and tests' peer).
    """
    with no_cyclic_gc():
        return _single_failures(network, naive)


def _single_failures(network: Network, naive: bool) -> WhatIfReport:
    context = _Context(network)
    topology = context.topology
    cuts: dict[tuple[int, ...], GroupFailureCuts]
    if naive:
        cuts = {gws: naive_group_single_failure_cuts(topology, gws) for gws in context.service_groups}
    else:
        # One sweep per gateway router, shared by the service groups it belongs to.
        sweeps = {g: single_failure_cuts(topology, g) for g in context.destinations}
        cuts = {gws: group_single_failure_cuts(topology, gws, sweeps) for gws in context.service_groups}
    unreachable = {gws: c.unreachable for gws, c in cuts.items()}
    impacts: list[Impact] = []
    for kind, names, table in (("router", topology.routers, "by_router"), ("link", topology.links, "by_link")):
        elements = sorted({x for c in cuts.values() for x in getattr(c, table)})
        for x in elements:
            lost = {gws: getattr(c, table).get(x, frozenset()) for gws, c in cuts.items()}
            losses = context.losses(lost, unreachable)
            if losses:
                impacts.append(context.impact(kind, names[x], losses))
    fast = not naive and all(fast_path_applies(topology, g) for g in context.destinations)
    return _report(context, (), impacts, unreachable,
                   "articulation points and bridges per OSPF area (Tarjan), linear time" if fast
                   else "one reachability run per failure")


def resolve_elements(network: Network, names: Sequence[str]) -> tuple[list[int], list[int]]:
    """Router and link indexes of --fail names; raises UnknownElementError with close matches."""
    import difflib

    topology = build_topology(network)
    routers, links = [], []
    for name in names:
        if name in topology.index:
            routers.append(topology.index[name])
        elif name in topology.link_index:
            links.append(topology.link_index[name])
        else:
            known = list(topology.routers) + list(topology.links)
            raise UnknownElementError(name, difflib.get_close_matches(name, known, n=3, cutoff=0.6))
    return routers, links


def scenario(network: Network, failed: Sequence[str]) -> WhatIfReport:
    """Fail the named routers and links together; which sites lose which services."""
    context = _Context(network)
    topology = context.topology
    routers, links = resolve_elements(network, failed)
    base = {gws: reachable_from_any(topology, gws) for gws in context.service_groups}
    unreachable = {gws: frozenset(set(range(topology.size)) - base[gws]) for gws in context.service_groups}
    lost = {gws: base[gws] - reachable_from_any(topology, gws, routers, links) for gws in context.service_groups}
    losses = context.losses(lost, unreachable)
    name = ",".join(failed)
    impact = Impact(element=name, kind="scenario", district=None, sites_cut=len(losses),
                    service_paths_cut=sum(len(loss.services) for loss in losses), own_site_only=False,
                    losses=tuple(losses))
    return _report(context, tuple(failed), [impact], unreachable, "one reachability run for the scenario")


def _report(context: _Context, failed: tuple[str, ...], impacts: list[Impact],
            unreachable: Mapping[tuple[int, ...], frozenset[int]], algorithm: str) -> WhatIfReport:
    topology = context.topology
    sweep = not failed
    return WhatIfReport(
        failed=failed,
        algorithm=algorithm,
        routers=topology.size,
        links=len(topology.links),
        services=context.services,
        services_without_hosts=context.missing,
        baseline_losses=tuple(context.baseline(unreachable)),
        impacts=_rank(impacts) if sweep else tuple(impacts),
        routers_cutting=sum(1 for i in impacts if i.kind == "router"),
        links_cutting=sum(1 for i in impacts if i.kind == "link"),
        spof_routers=sum(1 for i in impacts if i.kind == "router" and not i.own_site_only),
        spof_links=sum(1 for i in impacts if i.kind == "link" and not i.own_site_only),
    )
