"""Tables of the network for people and machines: sites, devices, links, LANs, prefixes, services."""

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from citynet_models.network import Network
from citynet_models.problems import Problem
from citynet_models.sites import Site
from citynet_models.types import DeviceRole, LanRole, LifecycleStatus, LinkRole, Platform, SiteKind
from netops.errors import InputError
from netops.selectors import check_choice, scope


class Table(StrEnum):
    """What `netops show` can list."""

    SITES = "sites"
    DEVICES = "devices"
    LINKS = "links"
    LANS = "lans"
    PREFIXES = "prefixes"
    SERVICES = "services"


@dataclass(frozen=True)
class Filters:
    """Row filters; None means no filter. Area and district match code, slug or name (netops.selectors)."""

    district: str | None = None
    area: str | None = None
    kind: str | None = None
    #: --unit and --site values (netops.selectors.scope), each repeatable.
    unit: tuple[str, ...] = ()
    site: tuple[str, ...] = ()
    status: str | None = None
    role: str | None = None
    platform: str | None = None


Row = dict[str, Any]


def rows(network: Network, table: Table, filters: Filters) -> list[Row]:
    """The rows of a table, filtered, in a stable order.

    A filter value the model does not know, or a filter the table has no column for, is bad input
    (InputError); known values that select nothing give no rows.
    """
    check_filters(network, table, filters)
    return _BUILDERS[table](network, filters)


#: Prefix kinds of `show prefixes`.
PREFIX_KINDS = ("pool", "lan", "link", "loopback")

#: For each table, the values each filter takes there (the district filter takes the city's districts).
_CHOICES: dict[Table, dict[str, tuple[tuple[str, ...], str]]] = {
    Table.SITES: {"kind": (tuple(SiteKind), "a site kind"), "status": (tuple(LifecycleStatus), "a lifecycle status")},
    Table.DEVICES: {"kind": (tuple(SiteKind), "a site kind"), "status": (tuple(LifecycleStatus), "a lifecycle status"),
                    "role": (tuple(DeviceRole), "a device role"), "platform": (tuple(Platform), "a platform")},
    Table.LINKS: {"kind": (tuple(SiteKind), "a site kind (of the downstream site)"),
                  "status": (tuple(LifecycleStatus), "a lifecycle status (of the downstream site)"),
                  "role": (tuple(LinkRole), "a link role")},
    Table.LANS: {"kind": (tuple(SiteKind), "a site kind"), "status": (tuple(LifecycleStatus), "a lifecycle status"),
                 "role": (tuple(LanRole), "a LAN role")},
    Table.PREFIXES: {"kind": (PREFIX_KINDS, "a prefix kind"),
                     "status": (tuple(LifecycleStatus), "a lifecycle status (of the prefix's site)")},
    Table.SERVICES: {},
}


def check_filters(network: Network, table: Table, filters: Filters) -> None:
    """Every filter value is one the model knows and every filter applies to the table; else InputError."""
    problems: list[Problem] = []
    choices = _CHOICES[table]
    for name in ("kind", "status", "role", "platform"):
        value = getattr(filters, name)
        if value is None:
            continue
        if name not in choices:
            applies = [f"--{n}" for n in choices] + (["--area", "--district", "--unit", "--site"]
                                                     if table is not Table.SERVICES else [])
            problems.append(Problem(path=(f"--{name}",), message=f"`show {table.value}` has no {name} to filter on",
                                    expected=f"one of the filters of `show {table.value}`: "
                                             f"{', '.join(applies) or 'none'}",
                                    found=f"--{name} {value}", hint=f"leave out --{name}"))
            continue
        known, what = choices[name]
        problem = check_choice(f"--{name}", value, [str(k) for k in known], what)
        if problem is not None:
            problems.append(problem)
    groups = {"area": filters.area, "district": filters.district, "unit": ", ".join(filters.unit) or None,
              "site": ", ".join(filters.site) or None}
    if table is Table.SERVICES:
        problems.extend(Problem(path=(f"--{name}",), message=f"`show services` has no {name} to filter on",
                                expected="no filter: services live in the data center",
                                found=f"--{name} {value}", hint=f"leave out --{name}")
                        for name, value in groups.items() if value is not None)
    else:
        try:
            _group_codes(network, filters)
        except InputError as error:
            problems.extend(error.problems)
    if problems:
        raise InputError(problems)


def _group_codes(network: Network, filters: Filters) -> frozenset[str] | None:
    """The slugs of the sites --area, --district, --unit and --site select together (None: every site)."""
    return scope(network, areas=() if filters.area is None else (filters.area,),
                 districts=() if filters.district is None else (filters.district,), units=filters.unit,
                 sites=filters.site).sites


def _site_selected(site: Site, codes: frozenset[str] | None, filters: Filters) -> bool:
    return (
        (codes is None or site.slug in codes)
        and (filters.kind is None or site.kind == filters.kind)
        and (filters.status is None or site.status.value == filters.status)
    )


def _sites(network: Network, filters: Filters) -> list[Row]:
    codes = _group_codes(network, filters)
    uplinks = network.uplinks_by_site
    return [
        {
            "slug": site.slug,
            "name": site.name,
            "kind": site.kind,
            "level": site.level.value,
            network.grouped_by: site.area,
            network.placed_in: site.ward,
            "status": site.status.value,
            "redundancy": site.redundancy.value if site.redundancy else None,
            "devices": len(network.devices_by_site.get(site.slug, [])),
            "uplinks": len([link for link in uplinks.get(site.slug, []) if link.circuit is not None]),
            "lans": len(site.lans),
        }
        for site in network.sites
        if _site_selected(site, codes, filters)
    ]


def _devices(network: Network, filters: Filters) -> list[Row]:
    codes = _group_codes(network, filters)
    sites = network.site_by_slug
    return [
        {
            "name": device.name,
            "site": device.site,
            network.grouped_by: sites[device.site].area,
            "role": device.role.value,
            "platform": device.platform.value,
            "loopback": str(device.loopback) if device.loopback else None,
            "management": str(device.management.ip),
            "interfaces": len(device.interfaces),
            "status": sites[device.site].status.value,
        }
        for device in network.devices
        if _site_selected(sites[device.site], codes, filters)
        and (filters.role is None or device.role.value == filters.role)
        and (filters.platform is None or device.platform.value == filters.platform)
    ]


def _links(network: Network, filters: Filters) -> list[Row]:
    codes = _group_codes(network, filters)
    devices = network.device_by_name
    sites = network.site_by_slug
    result = []
    for link in network.links:
        site = sites[devices[link.downstream.device].site]
        if not _site_selected(site, codes, filters) or (filters.role is not None and link.role.value != filters.role):
            continue
        result.append({
            "id": link.id,
            "role": link.role.value,
            "upstream": f"{link.upstream.device}:{link.upstream.interface}",
            "downstream": f"{link.downstream.device}:{link.downstream.interface}",
            "prefix": str(link.prefix),
            "ospf_area": link.ospf_area,
            "provider": link.circuit.provider if link.circuit else None,
            "circuit_id": link.circuit.circuit_id if link.circuit else None,
            "bandwidth_mbps": link.circuit.bandwidth_mbps if link.circuit else None,
            "media": link.circuit.media.value if link.circuit else None,
        })
    return result


def _lans(network: Network, filters: Filters) -> list[Row]:
    codes = _group_codes(network, filters)
    return [
        {
            "site": site.slug,
            network.grouped_by: site.area,
            "name": lan.name,
            "role": lan.role.value,
            "vlan": lan.vlan,
            "prefix": str(lan.prefix),
            "gateway": str(lan.gateway),
            "gateway_device": lan.gateway_device,
            "hosts": lan.hosts,
            "capacity": lan.prefix.num_addresses - 3,
        }
        for site in network.sites
        if _site_selected(site, codes, filters)
        for lan in site.lans
        if filters.role is None or lan.role.value == filters.role
    ]


def _prefixes(network: Network, filters: Filters) -> list[Row]:
    codes = _group_codes(network, filters)
    kind = filters.kind
    # --kind is the prefix's kind here, not its site's: the sites are selected by area, district and status only.
    filters = Filters(district=filters.district, area=filters.area, status=filters.status, unit=filters.unit,
                      site=filters.site)
    result: list[Row] = []
    if codes is None:
        plan = network.addressing
        pools = [("loopbacks", plan.loopbacks), ("links", plan.links), ("management", plan.management),
                 ("datacenter", plan.datacenter), *((f"sites-{p.level.value}", p.pool) for p in plan.site_blocks)]
        result.extend({"prefix": str(prefix), "kind": "pool", "owner": name, network.grouped_by: None}
                      for name, prefix in pools)
    devices = network.device_by_name
    sites = network.site_by_slug
    for site in network.sites:
        if _site_selected(site, codes, filters):
            result.extend({"prefix": str(lan.prefix), "kind": "lan", "owner": f"{site.slug}/{lan.name}",
                           network.grouped_by: site.area} for lan in site.lans)
    for link in network.links:
        site = sites[devices[link.downstream.device].site]
        if _site_selected(site, codes, filters):
            result.append({"prefix": str(link.prefix), "kind": "link", "owner": link.id, network.grouped_by: site.area})
    for device in network.devices:
        site = sites[device.site]
        if device.loopback is not None and _site_selected(site, codes, filters):
            result.append({"prefix": f"{device.loopback}/32", "kind": "loopback", "owner": device.name,
                           network.grouped_by: site.area})
    # A pool belongs to no site: a status, area or district filter leaves the pools out.
    return [row for row in result if (kind is None or row["kind"] == kind)
            and not (row["kind"] == "pool" and filters.status is not None)]


def _services(network: Network, filters: Filters) -> list[Row]:
    del filters  # services live in the data center; no filter applies
    return [
        {
            "name": service.name,
            "display_name": service.display_name,
            "ports": ", ".join(str(port) for port in service.ports),
            "hosts": ", ".join(h.name for h in network.hosts if service.name in h.services),
            "addresses": ", ".join(str(h.address) for h in network.hosts if service.name in h.services),
        }
        for service in network.services
    ]


_BUILDERS: dict[Table, Callable[[Network, Filters], list[Row]]] = {
    Table.SITES: _sites,
    Table.DEVICES: _devices,
    Table.LINKS: _links,
    Table.LANS: _lans,
    Table.PREFIXES: _prefixes,
    Table.SERVICES: _services,
}
