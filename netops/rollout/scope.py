"""What rolling one site out touches, computed from the model alone: the routers whose config changes when the
site comes in, and the sites whose verification must still pass afterwards.

A router's rendered config names, besides its own site, only (a) the far ends of its WAN links (interface
descriptions, OSPF on the /31) and, (b) on a route reflector, the other reflectors (its RR-PEERS neighbours,
netops.render.design.CityDesign.bgp). The reflectors accept their clients as BGP dynamic neighbours from the
loopback pool without naming them, so a new client router changes no reflector. A site's rollout therefore
touches its own routers and the routers at the other end of its links (its aggregation neighbours), plus the
other reflectors only when the site brings a reflector itself; every other router renders the same config with
or without the site. The sites to re-verify are the neighbours' sites and the other sites attached to the
neighbours: they share the routers and links that change.
"""

from dataclasses import dataclass

from citynet_models.network import Network
from citynet_models.types import DeviceRole


@dataclass(frozen=True)
class RolloutScope:
    """The routers and sites one site's rollout touches (names and slugs sorted)."""

    site: str
    #: The site's own routers.
    routers: tuple[str, ...]
    #: Routers of other sites at the far end of a link of the site's routers (its hubs, or its downstream sites).
    neighbours: tuple[str, ...]
    #: The other route reflectors, which name every reflector as a static RR-PEERS neighbour: touched only when
    #: the site brings a reflector (a core) of its own; empty for a site of client routers, whom the reflectors
    #: accept from the loopback pool without naming them.
    reflectors: tuple[str, ...]
    #: Sites of the neighbours (the hubs).
    neighbour_sites: tuple[str, ...]
    #: Other sites with a router linked to a neighbour: they share the routers that change.
    sibling_sites: tuple[str, ...]

    @property
    def touched(self) -> tuple[str, ...]:
        """Every router whose config may change: the site's, its neighbours' and (for a site with a core) the
        other route reflectors."""
        return tuple(sorted({*self.routers, *self.neighbours, *self.reflectors}))

    @property
    def verified_sites(self) -> tuple[str, ...]:
        """The site, then the sites that must not regress (neighbours' sites and their other sites)."""
        return (self.site, *sorted({*self.neighbour_sites, *self.sibling_sites} - {self.site}))


def site_routers(network: Network, slug: str) -> tuple[str, ...]:
    """The routers of a site (switches have no routing config of their own to push)."""
    return tuple(sorted(d.name for d in network.devices_by_site.get(slug, []) if d.is_router))


def link_neighbours(network: Network, devices: set[str]) -> set[str]:
    """Devices at the far end of a WAN link of `devices`, outside `devices`."""
    found: set[str] = set()
    for link in network.links:
        ends = {link.upstream.device, link.downstream.device}
        if ends & devices:
            found |= ends - devices
    return found


def route_reflectors(network: Network) -> tuple[str, ...]:
    """The route reflectors: every core router with a loopback (netops.render.design.CityDesign.cores)."""
    return tuple(sorted(d.name for d in network.devices if d.role is DeviceRole.CORE and d.loopback is not None))


def rollout_scope(network: Network, slug: str) -> RolloutScope:
    """The routers and sites rolling out site `slug` touches (the slug must be a site of the network)."""
    site_of = {d.name: d.site for d in network.devices}
    own = site_routers(network, slug)
    neighbours = {name for name in link_neighbours(network, set(own)) if network.device_by_name[name].is_router}
    # Reflectors name each other only: they change when the site brings a reflector, never for a client.
    brings_reflector = any(name in route_reflectors(network) for name in own)
    reflectors = tuple(r for r in route_reflectors(network) if brings_reflector and r not in own)
    siblings = {site_of[name] for name in link_neighbours(network, neighbours)} - {slug}
    return RolloutScope(
        site=slug,
        routers=own,
        neighbours=tuple(sorted(neighbours)),
        reflectors=reflectors,
        neighbour_sites=tuple(sorted({site_of[name] for name in neighbours} - {slug})),
        sibling_sites=tuple(sorted(siblings - {site_of[name] for name in neighbours})),
    )


def verified_devices(network: Network, scope: RolloutScope) -> tuple[str, ...]:
    """The routers verification looks at: those of the verified sites and every touched router."""
    sites = set(scope.verified_sites)
    return tuple(sorted({d.name for d in network.devices if d.site in sites and d.is_router} | set(scope.touched)))
