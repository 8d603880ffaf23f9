"""The Network root, built from what the resolve phases made; its cross-object checks are the last gate.

A problem the checks find names objects by their path in the model; it is located in the intent through the
sources the phases recorded.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import ValidationError

from citynet_models.admin import Area, City, District, Ward
from citynet_models.allocations import AllocationRecord
from citynet_models.datacenter import DcHost, Service
from citynet_models.design_rules import DesignPolicy
from citynet_models.devices import Device, Interface, LanInterface, WanInterface
from citynet_models.gateways import HaPair
from citynet_models.links import Provider, WanLink
from citynet_models.network import Network
from citynet_models.problems import ModelPath, item
from citynet_models.sites import Site
from citynet_models.units import Structure
from netops.errors import InputError
from netops.intent.loader import LoadedIntent
from netops.located import network_problems
from netops.resolve.collect import SourceMap


@dataclass(frozen=True)
class Resolution:
    """The resolved network and where in the intent each of its objects came from."""

    network: Network
    sources: SourceMap
    #: The allocation record brought up to date with this network (intent only; `netops allocations update`).
    allocations: AllocationRecord | None = None

    @property
    def running(self) -> Network:
        """The network in service, without its decommissioned sites (netops.pipeline.in_service): what render,
        the lab, verify and the what-if and redundancy analyses work on."""
        from netops.pipeline import in_service  # the pipeline builds Resolutions: imported on use

        return in_service(self.network)


@dataclass(frozen=True)
class Parts:
    """What the resolve phases made, each kind sorted by its key."""

    city: City
    structure: Structure
    districts: tuple[District, ...]
    wards: tuple[Ward, ...]
    areas: tuple[Area, ...]
    providers: tuple[Provider, ...]
    services: tuple[Service, ...]
    sites: tuple[Site, ...]
    devices: tuple[Device, ...]
    links: tuple[WanLink, ...]
    hosts: tuple[DcHost, ...]
    ha_pairs: tuple[HaPair, ...]
    design: DesignPolicy
    allocations: AllocationRecord


def build_network(intent: LoadedIntent, parts: Parts, sources: SourceMap) -> Resolution:
    """The validated Network; raise InputError with every problem its cross-object checks find, located."""
    try:
        network = Network(
            city=parts.city,
            structure=parts.structure,
            addressing=intent.city.addressing,
            districts=parts.districts,
            wards=parts.wards,
            areas=parts.areas,
            providers=parts.providers,
            services=parts.services,
            sites=parts.sites,
            devices=parts.devices,
            links=parts.links,
            hosts=parts.hosts,
            policy=intent.city.policy,
            ha_pairs=parts.ha_pairs,
            design=parts.design,
        )
    except ValidationError as error:
        keys = {"districts": [d.code for d in parts.districts], "wards": [w.code for w in parts.wards],
                "areas": [a.code for a in parts.areas],
                "providers": [p.slug for p in parts.providers], "services": [s.name for s in parts.services],
                "sites": [s.slug for s in parts.sites], "devices": [d.name for d in parts.devices],
                "links": [link.id for link in parts.links], "hosts": [h.name for h in parts.hosts],
                "ha_pairs": [p.name for p in parts.ha_pairs]}
        raise InputError(network_problems(error, sources, lambda loc: _model_path(loc, keys),
                                          intent.city_document.location(()))) from error
    return Resolution(network=network, sources=sources, allocations=parts.allocations)


def _model_path(loc: tuple[int | str, ...], keys: Mapping[str, list[str]]) -> ModelPath:
    """pydantic counts list items (sites, 3, ...); the sources know objects by key (sites, [slug])."""
    path = [str(segment) for segment in loc]
    if len(path) >= 2 and path[0] in keys and path[1].isdigit() and int(path[1]) < len(keys[path[0]]):
        path[1] = item(keys[path[0]][int(path[1])])
    return tuple(path)


def interface_order(interface: Interface) -> tuple[int, str]:
    """How a device's WAN and LAN interfaces are ordered: WAN ports first, then LAN subinterfaces by VLAN; names
    with numbers sort naturally."""
    if isinstance(interface, WanInterface):
        digits = "".join(ch if ch.isdigit() else " " for ch in interface.name).split()
        return (0, ".".join(f"{int(d):05d}" for d in digits))
    if isinstance(interface, LanInterface):
        return (1, f"{interface.vlan:05d}")
    return (2, interface.name)
