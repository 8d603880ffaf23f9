"""Planner queries over the model: sites, devices and circuits filtered, with counts and totals.

Every row belongs to a site (a device's site; a circuit's downstream site, the one it serves), and the site
filters (area, district, ward, kind, status, redundancy) apply through it. The device filters (role, platform)
and the circuit filters (provider, bandwidth range) apply to the row itself when it is of that type, and
otherwise to what it is related to, with "some related object matches all of them" semantics:

- a site matches ``--role access_router --platform frr`` when one of its devices is an FRR access router,
  and ``--provider vnpt --max-bandwidth 50`` when one of its uplink circuits is a VNPT circuit of 50 Mbit/s
  or less (one circuit satisfying both, not one VNPT circuit and another slow one);
- a device matches the circuit filters when one of the circuits it terminates does;
- a circuit matches the device filters when either of its ends does.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from citynet_models.devices import Device
from citynet_models.links import WanLink
from citynet_models.network import Network
from citynet_models.problems import Problem
from citynet_models.sites import Site
from citynet_models.types import DeviceRole, LifecycleStatus, Platform, Redundancy, SiteKind
from citynet_models.units import Structure
from netops.errors import InputError, unknown_value
from netops.selectors import match_areas, match_districts, match_wards


class Entity(StrEnum):
    """What `netops query` lists."""

    SITES = "sites"
    DEVICES = "devices"
    CIRCUITS = "circuits"


class GroupBy(StrEnum):
    """Dimensions `netops query totals --by` groups on."""

    AREA = "area"
    UNIT = "unit"
    DISTRICT = "district"
    WARD = "ward"
    KIND = "kind"
    STATUS = "status"
    REDUNDANCY = "redundancy"
    ROLE = "role"
    PLATFORM = "platform"
    PROVIDER = "provider"
    MEDIA = "media"


class FilterError(ValueError):
    """A filter value that matches nothing the model knows (bad input: exit 2)."""

    def __init__(self, option: str, value: str, known: list[str], what: str = "a value the model knows", *,
                 problem: Problem | None = None) -> None:
        self.option, self.value, self.known, self.what = option, value, known, what
        self._problem = problem
        super().__init__(f"{option} {value!r} matches nothing")

    def problem(self) -> Problem:
        """The error as a Problem: what was given, did-you-mean and the known values."""
        return self._problem or unknown_value(self.option, self.value, self.known, what=self.what)


@dataclass(frozen=True)
class QueryFilters:
    """Filters of a query; None (or empty) means no filter. Several values of one filter are alternatives."""

    districts: tuple[str, ...] = ()  # code, slug, slug without its 'quan-'/'huyen-' prefix, or name
    areas: tuple[str, ...] = ()  # code, slug, slug without its 'cum-' prefix, or name
    wards: tuple[str, ...] = ()  # code, slug or name
    kinds: tuple[SiteKind, ...] = ()
    statuses: tuple[LifecycleStatus, ...] = ()
    roles: tuple[DeviceRole, ...] = ()
    platforms: tuple[Platform, ...] = ()
    providers: tuple[str, ...] = ()  # provider slugs or names
    min_bandwidth: int | None = None
    max_bandwidth: int | None = None
    redundancy: Redundancy | None = None

    def as_dict(self) -> dict[str, Any]:
        """The filters given, for JSON output."""
        values = {
            "area": list(self.areas), "district": list(self.districts), "ward": list(self.wards),
            "kind": [k.value for k in self.kinds], "status": [s.value for s in self.statuses],
            "role": [r.value for r in self.roles], "platform": [p.value for p in self.platforms],
            "provider": list(self.providers), "min_bandwidth": self.min_bandwidth,
            "max_bandwidth": self.max_bandwidth,
            "redundancy": self.redundancy.value if self.redundancy is not None else None,
        }
        return {k: v for k, v in values.items() if v not in (None, [])}


Row = dict[str, Any]


@dataclass(frozen=True)
class Totals:
    """Counts and totals of the selection: sites, devices, circuits and bandwidth, per provider."""

    sites: int
    devices: int
    circuits: int
    bandwidth_mbps: int
    by_provider: tuple[Row, ...]
    groups: tuple[Row, ...] = field(default=())
    group_by: str | None = None


@dataclass(frozen=True)
class QueryResult:
    """Rows of one entity, in a stable order, and the totals of the whole selection."""

    entity: str
    filters: dict[str, Any]
    count: int
    rows: tuple[Row, ...]
    totals: Totals


class _Index:
    """Relations the filters walk: site -> devices, site -> uplink circuits, device -> circuits."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.site_of_device = {d.name: d.site for d in network.devices}
        self.circuits = [link for link in network.links if link.circuit is not None]
        self.circuits_by_site: dict[str, list[WanLink]] = {}
        self.circuits_by_device: dict[str, list[WanLink]] = {}
        for link in self.circuits:
            self.circuits_by_site.setdefault(self.site_of_device[link.downstream.device], []).append(link)
            self.circuits_by_device.setdefault(link.downstream.device, []).append(link)
            self.circuits_by_device.setdefault(link.upstream.device, []).append(link)


def _resolve(match: Callable[[Network, list[str]], set[str] | None], network: Network, wanted: Iterable[str],
             option: str, known: list[str]) -> set[str] | None:
    """The codes the values of a filter name (one way to match in every command: netops.selectors); FilterError
    for the first value that names nothing."""
    values = list(wanted)
    if not values:
        return None
    codes: set[str] = set()
    for value in values:
        try:
            codes |= match(network, [value]) or set()
        except InputError as error:
            raise FilterError(option, value, known, problem=error.problems[0]) from error
    return codes


def resolve_areas(network: Network, wanted: Iterable[str]) -> set[str] | None:
    """The codes of the aggregation areas ``--area`` names."""
    return _resolve(match_areas, network, wanted, "--area", [a.slug for a in network.areas])


def resolve_districts(network: Network, wanted: Iterable[str]) -> set[str] | None:
    """The codes ``--district`` names: districts in a legacy intent, areas in a 2025 one (netops.selectors)."""
    units = network.districts if network.structure is Structure.LEGACY else network.areas
    return _resolve(match_districts, network, wanted, "--district", [u.slug for u in units])


def resolve_wards(network: Network, wanted: Iterable[str]) -> set[str] | None:
    """The codes of the wards ``--ward`` names."""
    return _resolve(match_wards, network, wanted, "--ward", [w.slug for w in network.wards])


def resolve_providers(network: Network, wanted: Iterable[str]) -> set[str] | None:
    wanted = list(wanted)
    if not wanted:
        return None
    slugs: set[str] = set()
    for value in wanted:
        needle = value.casefold()
        matches = {p.slug for p in network.providers if needle in (p.slug, p.name.casefold())}
        if not matches:
            raise FilterError("--provider", value, [p.slug for p in network.providers], "a provider slug or name")
        slugs |= matches
    return slugs


class _Predicates:
    """The filters, resolved against the model, as predicates on sites, devices and circuits."""

    def __init__(self, network: Network, filters: QueryFilters) -> None:
        self.filters = filters
        areas = resolve_areas(network, filters.areas)
        districts = resolve_districts(network, filters.districts)
        # --area and --district name groups of sites alike (netops.selectors.match_groups): their union.
        self.groups = None if areas is None and districts is None else (areas or set()) | (districts or set())
        self.wards = resolve_wards(network, filters.wards)
        self.providers = resolve_providers(network, filters.providers)
        self.device_filtered = bool(filters.roles or filters.platforms)
        self.circuit_filtered = bool(self.providers is not None or filters.min_bandwidth is not None
                                     or filters.max_bandwidth is not None)

    def site(self, site: Site) -> bool:
        f = self.filters
        return ((self.groups is None or site.area in self.groups)
                and (self.wards is None or site.ward in self.wards)
                and (not f.kinds or site.kind in f.kinds)
                and (not f.statuses or site.status in f.statuses)
                and (f.redundancy is None or site.redundancy is f.redundancy))

    def device(self, device: Device) -> bool:
        f = self.filters
        return (not f.roles or device.role in f.roles) and (not f.platforms or device.platform in f.platforms)

    def circuit(self, link: WanLink) -> bool:
        f, circuit = self.filters, link.circuit
        if circuit is None:
            return False
        return ((self.providers is None or circuit.provider in self.providers)
                and (f.min_bandwidth is None or circuit.bandwidth_mbps >= f.min_bandwidth)
                and (f.max_bandwidth is None or circuit.bandwidth_mbps <= f.max_bandwidth))


def _select(network: Network, filters: QueryFilters) -> tuple[list[Site], list[Device], list[WanLink], _Index]:
    """The sites, devices and circuits the filters select, each by the rules in the module docstring."""
    index = _Index(network)
    match = _Predicates(network, filters)
    sites_ok = {s.slug for s in network.sites if match.site(s)}
    devices_by_site = network.devices_by_site

    def device_ok(device: Device) -> bool:
        return (device.site in sites_ok and match.device(device)
                and (not match.circuit_filtered
                     or any(match.circuit(c) for c in index.circuits_by_device.get(device.name, []))))

    def circuit_ok(link: WanLink) -> bool:
        return (index.site_of_device[link.downstream.device] in sites_ok and match.circuit(link)
                and (not match.device_filtered
                     or any(match.device(network.device_by_name[end.device])
                            for end in (link.upstream, link.downstream))))

    def site_ok(site: Site) -> bool:
        if site.slug not in sites_ok:
            return False
        if match.device_filtered and not any(match.device(d) for d in devices_by_site.get(site.slug, [])):
            return False
        return not match.circuit_filtered or any(match.circuit(c) for c in index.circuits_by_site.get(site.slug, []))

    sites = [s for s in network.sites if site_ok(s)]
    devices = [d for d in network.devices if device_ok(d)]
    circuits = [c for c in index.circuits if circuit_ok(c)]
    return sites, devices, circuits, index


def _place(network: Network, site: Site) -> Row:
    """Where a site sits, in the words of its intent: district and ward before 2025, area and unit after."""
    if network.structure is Structure.LEGACY:
        return {"district": site.area, "ward": site.ward}
    return {"area": site.area, "unit": site.ward}


def _dimension(network: Network, group_by: GroupBy) -> GroupBy:
    """`--by` in the words of the intent: district/ward name the area/unit of a 2025 intent, and the reverse."""
    legacy = network.structure is Structure.LEGACY
    if legacy and group_by in (GroupBy.AREA, GroupBy.UNIT):
        return GroupBy.DISTRICT if group_by is GroupBy.AREA else GroupBy.WARD
    if not legacy and group_by in (GroupBy.DISTRICT, GroupBy.WARD):
        return GroupBy.AREA if group_by is GroupBy.DISTRICT else GroupBy.UNIT
    return group_by


def _site_row(network: Network, index: _Index, site: Site) -> Row:
    circuits = index.circuits_by_site.get(site.slug, [])
    return {
        "slug": site.slug, "name": site.name, "kind": site.kind, **_place(network, site),
        "status": site.status.value, "redundancy": site.redundancy.value if site.redundancy else None,
        "devices": len(network.devices_by_site.get(site.slug, [])), "circuits": len(circuits),
        "providers": ",".join(sorted({c.circuit.provider for c in circuits if c.circuit})),
        "bandwidth_mbps": sum(c.circuit.bandwidth_mbps for c in circuits if c.circuit),
        "lans": len(site.lans),
    }


def _device_row(network: Network, index: _Index, device: Device) -> Row:
    site = network.site_by_slug[device.site]
    circuits = index.circuits_by_device.get(device.name, [])
    return {
        "name": device.name, "site": device.site, **_place(network, site),
        "status": site.status.value, "role": device.role.value, "platform": device.platform.value,
        "loopback": str(device.loopback) if device.loopback else None, "management": str(device.management.ip),
        "circuits": len(circuits), "bandwidth_mbps": sum(c.circuit.bandwidth_mbps for c in circuits if c.circuit),
    }


def _circuit_row(network: Network, index: _Index, link: WanLink) -> Row:
    assert link.circuit is not None
    site = network.site_by_slug[index.site_of_device[link.downstream.device]]
    return {
        "circuit_id": link.circuit.circuit_id, "provider": link.circuit.provider,
        "bandwidth_mbps": link.circuit.bandwidth_mbps, "media": link.circuit.media.value, "link": link.id,
        "role": link.role.value, "upstream": link.upstream.device, "downstream": link.downstream.device,
        "site": site.slug, **_place(network, site), "status": site.status.value,
    }


_ROWS: dict[Entity, Callable[..., Row]] = {
    Entity.SITES: _site_row, Entity.DEVICES: _device_row, Entity.CIRCUITS: _circuit_row,
}


def _facets(network: Network, index: _Index, group_by: GroupBy, obj: Site | Device | WanLink) -> set[str]:
    """The values of a dimension an object has (a site has every provider of its circuits)."""
    if isinstance(obj, WanLink):
        site = network.site_by_slug[index.site_of_device[obj.downstream.device]]
        devices = [network.device_by_name[obj.upstream.device], network.device_by_name[obj.downstream.device]]
        circuits = [obj]
    elif isinstance(obj, Device):
        site = network.site_by_slug[obj.site]
        devices = [obj]
        circuits = index.circuits_by_device.get(obj.name, [])
    else:
        site = obj
        devices = network.devices_by_site.get(obj.slug, [])
        circuits = index.circuits_by_site.get(obj.slug, [])
    match group_by:
        case GroupBy.DISTRICT | GroupBy.AREA:
            return {site.area or "city"}
        case GroupBy.WARD | GroupBy.UNIT:
            return {site.ward or "-"}
        case GroupBy.KIND:
            return {site.kind}
        case GroupBy.STATUS:
            return {site.status.value}
        case GroupBy.REDUNDANCY:
            return {site.redundancy.value if site.redundancy else "-"}
        case GroupBy.ROLE:
            return {d.role.value for d in devices}
        case GroupBy.PLATFORM:
            return {d.platform.value for d in devices}
        case GroupBy.PROVIDER:
            return {c.circuit.provider for c in circuits if c.circuit}
        case GroupBy.MEDIA:
            return {c.circuit.media.value for c in circuits if c.circuit}


def _totals(network: Network, sites: list[Site], devices: list[Device], circuits: list[WanLink], index: _Index,
            group_by: GroupBy | None) -> Totals:
    providers: dict[str, list[int]] = {}
    for link in circuits:
        assert link.circuit is not None
        providers.setdefault(link.circuit.provider, []).append(link.circuit.bandwidth_mbps)
    by_provider = tuple({"provider": p, "circuits": len(bw), "bandwidth_mbps": sum(bw)}
                        for p, bw in sorted(providers.items()))
    groups: list[Row] = []
    group_by = _dimension(network, group_by) if group_by is not None else None
    if group_by is not None:
        table: dict[str, Row] = {}

        def bucket(key: str) -> Row:
            return table.setdefault(key, {group_by.value: key, "sites": 0, "devices": 0, "circuits": 0,
                                          "bandwidth_mbps": 0})

        for site in sites:
            for key in _facets(network, index, group_by, site):
                bucket(key)["sites"] += 1
        for device in devices:
            for key in _facets(network, index, group_by, device):
                bucket(key)["devices"] += 1
        for link in circuits:
            assert link.circuit is not None
            for key in _facets(network, index, group_by, link):
                bucket(key)["circuits"] += 1
                bucket(key)["bandwidth_mbps"] += link.circuit.bandwidth_mbps
        groups = [table[k] for k in sorted(table)]
    return Totals(
        sites=len(sites), devices=len(devices), circuits=len(circuits),
        bandwidth_mbps=sum(c.circuit.bandwidth_mbps for c in circuits if c.circuit),
        by_provider=by_provider, groups=tuple(groups), group_by=group_by.value if group_by else None,
    )


def query(network: Network, entity: Entity, filters: QueryFilters, group_by: GroupBy | None = None) -> QueryResult:
    """The rows of ``entity`` the filters select, and the totals of the whole selection."""
    sites, devices, circuits, index = _select(network, filters)
    selected: list[Any] = sites if entity is Entity.SITES else devices if entity is Entity.DEVICES else circuits
    rows = tuple(_ROWS[entity](network, index, obj) for obj in selected)
    return QueryResult(entity=entity.value, filters=filters.as_dict(), count=len(rows), rows=rows,
                       totals=_totals(network, sites, devices, circuits, index, group_by))


def totals(network: Network, filters: QueryFilters, group_by: GroupBy | None = None) -> Totals:
    """Counts and totals of the selection, optionally grouped (an object counts in every group it has)."""
    sites, devices, circuits, index = _select(network, filters)
    return _totals(network, sites, devices, circuits, index, group_by)
