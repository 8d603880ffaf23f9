"""Data-center hosts: physical servers and virtual machines on a LAN of their data center."""

from collections.abc import Mapping, Sequence
from ipaddress import IPv4Address, IPv4Network
from typing import Any

from citynet_models.datacenter import DcHost, PhysicalServer, VirtualMachine
from citynet_models.intent import DataCenterSiteIntent, PhysicalServerIntent
from citynet_models.lans import Lan
from citynet_models.problems import ModelPath, item
from netops.resolve.collect import Findings, Phase
from netops.resolve.sites import SitePlan

#: First host number allocated on a data-center LAN: .1 is the gateway, .2-.9 are kept for
#: redundant gateways and appliances.
_FIRST_HOST = 10


def resolve_hosts(sites: Sequence[SitePlan], lans: Mapping[str, Sequence[Lan]],
                  refused: Mapping[str, frozenset[str]]) -> Phase[tuple[DcHost, ...]]:
    """Every host of every data center, sorted by name, addressed (given, or by its position in the list); a host
    on a LAN the LAN phase refused (``refused``, by site) is left out, its LAN's problem already reported."""
    found = Findings()
    hosts: list[DcHost] = []
    for plan in sites:
        if not isinstance(plan.intent, DataCenterSiteIntent):
            continue
        site_lans = {lan.name: lan for lan in lans.get(plan.slug, [])}
        for index, intent in enumerate(plan.intent.hosts):
            data_path = (*plan.data_path, "hosts", index)
            path: ModelPath = ("hosts", item(intent.name))
            location = found.claim(path, plan.document, data_path, "host name", "give each host its own `name:`")
            if location is None:
                continue
            lan = site_lans.get(intent.lan)
            if lan is None and intent.lan in refused.get(plan.slug, ()):
                continue
            if lan is None:
                found.problem((*path, "lan"), location, "unknown LAN",
                              f"one of: {', '.join(site_lans) or 'no LANs'}", repr(intent.lan),
                              "hosts name a LAN of the data center by its `name:` (default: its role)")
                continue
            address = intent.address or _host_address(lan.prefix, index)
            common: dict[str, Any] = {"name": intent.name, "site": plan.slug, "lan": lan.name,
                                      "address": address, "services": tuple(intent.services),
                                      "kind": intent.kind}
            host: DcHost | None
            if isinstance(intent, PhysicalServerIntent):
                host = found.build(PhysicalServer, path, location, rack=intent.rack, serial=intent.serial, **common)
            else:
                host = found.build(VirtualMachine, path, location, cluster=intent.cluster,
                                   vcpus=intent.vcpus, memory_mb=intent.memory_mb, **common)
            if host is not None:
                hosts.append(host)
    return found.done(tuple(sorted(hosts, key=lambda h: h.name)))


def _host_address(prefix: IPv4Network, index: int) -> IPv4Address:
    return prefix.network_address + _FIRST_HOST + index
