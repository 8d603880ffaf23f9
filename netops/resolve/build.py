"""The Network root, built from what the resolve phases made; its cross-object checks are the last gate.

A problem the checks find names objects by their path in the model; it is located in the intent through the
sources the phases recorded.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import ValidationError

from citynet_models.admin import City, District, Ward
from citynet_models.datacenter import DcHost, Service
from citynet_models.devices import Device, Interface, LanInterface, WanInterface
from citynet_models.links import Provider, WanLink
from citynet_models.network import Network
from citynet_models.problems import Location, ModelPath, NetworkInvalidError, Problem, item, render_path
from citynet_models.sites import Site
from netops.errors import InputError
from netops.intent.loader import LoadedIntent
from netops.resolve.collect import SourceMap


@dataclass(frozen=True)
class Resolution:
    """The resolved network and where in the intent each of its objects came from."""

    network: Network
    sources: SourceMap


@dataclass(frozen=True)
class Parts:
    """What the resolve phases made, each kind sorted by its key."""

    city: City
    districts: tuple[District, ...]
    wards: tuple[Ward, ...]
    providers: tuple[Provider, ...]
    services: tuple[Service, ...]
    sites: tuple[Site, ...]
    devices: tuple[Device, ...]
    links: tuple[WanLink, ...]
    hosts: tuple[DcHost, ...]


def build_network(intent: LoadedIntent, parts: Parts, sources: SourceMap) -> Resolution:
    """The validated Network; raise InputError with every problem its cross-object checks find, located."""
    try:
        network = Network(
            city=parts.city,
            addressing=intent.city.addressing,
            districts=parts.districts,
            wards=parts.wards,
            providers=parts.providers,
            services=parts.services,
            sites=parts.sites,
            devices=parts.devices,
            links=parts.links,
            hosts=parts.hosts,
            policy=intent.city.policy,
        )
    except ValidationError as error:
        keys = {"districts": [d.code for d in parts.districts], "wards": [w.code for w in parts.wards],
                "providers": [p.slug for p in parts.providers], "services": [s.name for s in parts.services],
                "sites": [s.slug for s in parts.sites], "devices": [d.name for d in parts.devices],
                "links": [link.id for link in parts.links], "hosts": [h.name for h in parts.hosts]}
        fallback = intent.city_document.location(())
        raise InputError(_network_problems(error, keys, sources, fallback)) from error
    return Resolution(network=network, sources=sources)


def _network_problems(error: ValidationError, keys: Mapping[str, list[str]], sources: SourceMap,
                      fallback: Location) -> list[Problem]:
    problems: list[Problem] = []
    for details in error.errors(include_url=False):
        cause = details.get("ctx", {}).get("error")
        if isinstance(cause, NetworkInvalidError):
            problems.extend(_locate(problem, sources, fallback) for problem in cause.problems)
        else:
            # pydantic counts list items (sites, 3, ...); the sources know objects by key (sites, [slug]).
            loc = [str(segment) for segment in details["loc"]]
            if len(loc) >= 2 and loc[0] in keys and loc[1].isdigit() and int(loc[1]) < len(keys[loc[0]]):
                loc[1] = item(keys[loc[0]][int(loc[1])])
            problems.append(_locate(Problem(path=tuple(loc), message=details["msg"]), sources, fallback))
    return problems


def _locate(problem: Problem, sources: SourceMap, fallback: Location) -> Problem:
    """Attach the intent location of the longest known prefix of the problem's path; a problem naming a
    related object (a duplicate's first occurrence) says where that one is, too."""
    location = _find_location(problem.path, sources, fallback)
    values = {**problem.__dict__, "location": location}
    if problem.related is not None:
        first, first_path = _find_location(problem.related, sources, fallback), problem.related
        if (first.file, first.line) > (location.file, location.line):
            # Report the clash at the later of the two in the files, naming the earlier one.
            values.update(path=problem.related, related=problem.path, location=first)
            location, first, first_path = first, location, problem.path
        values["found"] = f"{problem.found or 'a clash'} (first at {first}: {render_path(first_path)})"
    return Problem(**values)


def _find_location(path: ModelPath, sources: SourceMap, fallback: Location) -> Location:
    for length in range(len(path), 0, -1):
        location = sources.get(path[:length])
        if location is not None:
            return location
    # Every check names an object a phase recorded; this is the last resort, not the rule.
    return fallback


def interface_order(interface: Interface) -> tuple[int, str]:
    """How a device's WAN and LAN interfaces are ordered: WAN ports first, then LAN subinterfaces by VLAN; names
    with numbers sort naturally."""
    if isinstance(interface, WanInterface):
        digits = "".join(ch if ch.isdigit() else " " for ch in interface.name).split()
        return (0, ".".join(f"{int(d):05d}" for d in digits))
    if isinstance(interface, LanInterface):
        return (1, f"{interface.vlan:05d}")
    return (2, interface.name)
