"""The reachability policy as inbound filters on each LAN gateway.

For a LAN, in order (first match wins on every platform):
0. on a LAN with first-hop redundancy, the VRRP advertisements of its routers (from the LAN's prefix to
   224.0.0.18): an inbound filter on IOS-XE or VRP would otherwise drop them, and each router would think
   itself the only one left (two masters);
1. DHCP towards the relay and the DHCP servers, when the gateway relays (before any deny, or
   clients behind an isolated LAN could not renew);
2. the deny rules that select the LAN: `deny_management` (the management plane: management and
   loopback pools) and `deny_between_sites` (the address pools of the destination levels);
3. the data-center services the allow rules grant the LAN: one entry per host, protocol and port;
4. for LANs of the management roles: the management plane (SSH, NETCONF, SNMP, ping);
5. for hosts on the LAN: the management plane from management-service hosts; from hosts of the
   monitoring service also what `netops monitoring export` has them probe (ping to every LAN gateway, so to
   the LAN pools; TCP connect to every data-center service port); and the return traffic of the services
   they run;
6. deny everything else ("everything not allowed by a rule is denied").
The LAN's own prefix is the source of every entry it originates (anti-spoofing).
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cached_property
from ipaddress import IPv4Network, collapse_addresses
from typing import Literal

from citynet_models.datacenter import DcHost
from citynet_models.lans import Lan
from citynet_models.network import Network
from citynet_models.policy import AllowServices, DenyBetweenSites, DenyManagement
from citynet_models.sites import Site
from citynet_models.types import AdminLevel, Protocol, SiteKind

#: Management-plane protocols: SSH, NETCONF over SSH, SNMP.
MANAGEMENT_PORTS: tuple[tuple[Literal["tcp", "udp"], int], ...] = (("tcp", 22), ("tcp", 830), ("udp", 161))
_DHCP_SERVER, _DHCP_CLIENT = 67, 68
#: Where VRRP advertisements go (RFC 5798 5.1.1.2).
VRRP_GROUP = IPv4Network("224.0.0.18/32")
#: The service whose hosts probe the network: the blackbox probes of `netops monitoring export` run there.
MONITORING_SERVICE = "monitoring"
#: Stands for "the LAN's own prefix" in a compiled shape (compared by identity, never rendered).
_OWN_PREFIX = IPv4Network("255.255.255.255/32")


@dataclass(frozen=True, slots=True)
class AclEntry:
    """One filter entry; None as an address means any, as a port means every port."""

    action: Literal["permit", "deny"]
    protocol: Literal["ip", "tcp", "udp", "icmp", "vrrp"]
    source: IPv4Network | None
    destination: IPv4Network | None
    source_port: int | None = None
    destination_port: int | None = None
    #: TCP return traffic only (IOS-XE `established`, VRP `tcp-flag established`, nft `ct state`).
    established: bool = False
    #: Why the entry is there, written as a remark before it when it starts a new reason.
    remark: str | None = None


@dataclass(frozen=True, slots=True)
class Acl:
    """The inbound filter of one LAN gateway."""

    name: str
    lan: str
    rules: tuple[str, ...]
    entries: tuple[AclEntry, ...]


class PolicyCompiler:
    """Compiles the city's policy into per-LAN filters; built once per network and reused."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.policy = network.policy

    @cached_property
    def hosts_by_service(self) -> dict[str, list[DcHost]]:
        """Data-center hosts of each service."""
        index: dict[str, list[DcHost]] = {}
        for host in self.network.hosts:
            for service in host.services:
                index.setdefault(service, []).append(host)
        return index

    @cached_property
    def management_plane(self) -> tuple[IPv4Network, ...]:
        """Where devices listen for management: the management and loopback pools."""
        plan = self.network.addressing
        return tuple(collapse_addresses([plan.management, plan.loopbacks]))

    @cached_property
    def management_hosts(self) -> tuple[IPv4Network, ...]:
        """Hosts of the management services, as /32s."""
        return tuple(sorted({IPv4Network(host.address) for name in self.policy.management_services
                             for host in self.hosts_by_service.get(name, [])}))

    def level_pools(self, levels: Iterable[AdminLevel]) -> tuple[IPv4Network, ...]:
        """The LAN address pools of these levels (all levels, and the data center, when empty)."""
        wanted = set(levels)
        pools = [block.pool for block in self.network.addressing.site_blocks
                 if not wanted or block.level in wanted]
        if not wanted or AdminLevel.CITY in wanted:
            pools.append(self.network.addressing.datacenter)
        return tuple(collapse_addresses(pools))

    def acl_name(self, lan: Lan) -> str:
        """IOS-XE/VRP name of the LAN's inbound filter: LAN-IN-<NAME>."""
        return "LAN-IN-" + "".join(ch if ch.isalnum() else "-" for ch in lan.name.upper())

    @cached_property
    def _shapes(self) -> dict[tuple[object, ...], Acl]:
        return {}

    @cached_property
    def _lans_with_hosts(self) -> set[tuple[str, str]]:
        return {(host.site, host.lan) for host in self.network.hosts}

    def lan_acl(self, site: Site, lan: Lan) -> Acl:
        """The inbound filter of one LAN.

        LANs alike (same site kind, level, role, relay and name, no hosts on them) share one compiled
        shape whose own-prefix entries are filled in per LAN: the policy is compiled once per shape,
        not once per LAN of a 3,000-LAN city.
        """
        if (site.slug, lan.name) in self._lans_with_hosts:
            return self._compile(site, lan, lan.prefix)
        key = (site.kind, site.level, lan.role, lan.dhcp_relay, lan.redundancy is not None, lan.name)
        shape = self._shapes.get(key)
        if shape is None:
            shape = self._shapes[key] = self._compile(site, lan, _OWN_PREFIX)
        entries = tuple(replace(entry, source=lan.prefix) if entry.source is _OWN_PREFIX else entry
                        for entry in shape.entries)
        return Acl(name=shape.name, lan=shape.lan, rules=shape.rules, entries=entries)

    def _compile(self, site: Site, lan: Lan, source: IPv4Network) -> Acl:
        entries: list[AclEntry] = []
        rules: list[str] = []

        if lan.redundancy is not None:
            entries.append(AclEntry("permit", "vrrp", source, VRRP_GROUP,
                                    remark="VRRP: the LAN's gateway routers advertise to each other"))
        if lan.dhcp_relay:
            servers = [IPv4Network(h.address) for h in self.hosts_by_service.get("dhcp", [])]
            entries.append(AclEntry("permit", "udp", None, None, _DHCP_CLIENT, _DHCP_SERVER,
                                    remark="DHCP relay: clients to the gateway"))
            entries.extend(AclEntry("permit", "udp", source, server, _DHCP_CLIENT, _DHCP_SERVER)
                           for server in servers)

        kind = SiteKind(site.kind)
        selected = [rule for rule in self.policy.rules if rule.sources.selects(kind, site.level, lan.role)]
        for rule in selected:
            if isinstance(rule, DenyManagement):
                rules.append(rule.id)
                entries.extend(_first_remark(
                    [AclEntry("deny", "ip", source, plane) for plane in self.management_plane],
                    f"{rule.id}: {rule.description}"))
            elif isinstance(rule, DenyBetweenSites):
                rules.append(rule.id)
                pools = self.level_pools(rule.destinations.levels)
                entries.extend(_first_remark(
                    [AclEntry("deny", "ip", source, pool) for pool in pools], f"{rule.id}: {rule.description}"))

        granted: set[tuple[str, IPv4Network, int | None]] = set()
        for rule in selected:
            if not isinstance(rule, AllowServices):
                continue
            rules.append(rule.id)
            batch: list[AclEntry] = []
            for service_name in rule.services:
                service = self.network.service_by_name[service_name]
                for host in self.hosts_by_service.get(service_name, []):
                    destination = IPv4Network(host.address)
                    for port in service.ports:
                        key = (port.protocol.value, destination, port.port)
                        if key in granted:
                            continue
                        granted.add(key)
                        batch.append(AclEntry("permit", _protocol(port.protocol), source, destination,
                                              destination_port=port.port))
            entries.extend(_first_remark(batch, f"{rule.id}: {rule.description}"))

        if lan.role in self.policy.management_lan_roles:
            batch = [AclEntry("permit", protocol, source, plane, destination_port=port)
                     for plane in self.management_plane for protocol, port in MANAGEMENT_PORTS]
            batch.extend(AclEntry("permit", "icmp", source, plane) for plane in self.management_plane)
            entries.extend(_first_remark(batch, "management LAN: the management plane"))

        on_lan = [host for host in self.network.hosts if host.site == site.slug and host.lan == lan.name]
        managers = [IPv4Network(h.address) for h in on_lan if IPv4Network(h.address) in self.management_hosts]
        batch = [AclEntry("permit", protocol, manager, plane, destination_port=port)
                 for manager in managers for plane in self.management_plane for protocol, port in MANAGEMENT_PORTS]
        batch.extend(AclEntry("permit", "icmp", manager, plane) for manager in managers
                     for plane in self.management_plane)
        entries.extend(_first_remark(batch, "management services: poll and manage the devices"))
        probers = [IPv4Network(h.address) for h in on_lan if MONITORING_SERVICE in h.services]
        batch = [AclEntry("permit", "icmp", prober, pool) for prober in probers for pool in self.level_pools(())]
        batch.extend(AclEntry("permit", "tcp", prober, IPv4Network(host.address), destination_port=port.port)
                     for prober in probers for name, hosts in sorted(self.hosts_by_service.items())
                     for host in hosts for port in self.network.service_by_name[name].ports
                     if port.protocol is Protocol.TCP and IPv4Network(host.address) != prober)
        entries.extend(_first_remark(_unique(batch), "monitoring: ping the LAN gateways, connect to the "
                                                     "data-center services"))
        batch = []
        for host in on_lan:
            address = IPv4Network(host.address)
            for service_name in host.services:
                for port in self.network.service_by_name[service_name].ports:
                    protocol = _protocol(port.protocol)
                    batch.append(AclEntry("permit", protocol, address, None, source_port=port.port,
                                          established=protocol == "tcp"))
        entries.extend(_first_remark(_unique(batch), "services hosted here: their replies"))

        entries.append(AclEntry("deny", "ip", None, None, remark="everything not allowed is denied"))
        return Acl(name=self.acl_name(lan), lan=lan.name, rules=tuple(rules), entries=tuple(entries))


def _protocol(protocol: Protocol) -> Literal["tcp", "udp", "icmp"]:
    return "tcp" if protocol is Protocol.TCP else "udp" if protocol is Protocol.UDP else "icmp"


def _first_remark(entries: list[AclEntry], remark: str) -> list[AclEntry]:
    if not entries:
        return entries
    first = entries[0]
    return [AclEntry(first.action, first.protocol, first.source, first.destination, first.source_port,
                     first.destination_port, first.established, remark), *entries[1:]]


def _unique(entries: list[AclEntry]) -> list[AclEntry]:
    return list(dict.fromkeys(entries))
