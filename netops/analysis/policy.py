"""The reachability policy checked offline against the designed topology (the counterpart of live verify).

For every site LAN and every data-center service, the verdict is:

- ``allowed``: an allow_services rule selects the LAN, a host runs the service, and the LAN's gateway
  reaches that host's LAN gateway over the designed WAN (OSPF areas included);
- ``unreachable``: allowed, but no host runs the service, or no host of it is reachable from the LAN;
- ``denied``: no rule allows it (everything not allowed is denied).

The policy itself is checked for contradictions: a rule naming a service no host runs, a rule selecting no
LAN, a LAN both allowed a service and denied the LAN its hosts sit on (deny_between_sites in scope), a LAN
allowed to manage the devices and denied management, a host serving two services on one port while a LAN
is allowed only one of them (the port lets it reach the other), and a service host inside the devices'
management network reached by a LAN denied management.

Scopes of deny_between_sites: a destination LAN is in scope when its site (other_site), administrative unit
(other_unit: the ward or commune) or aggregation area (other_area: the hub it attaches through) differs from the
source's; a LAN outside any unit or area is in a different one from every LAN.
"""

from collections.abc import Callable
from dataclasses import dataclass

from citynet_models.network import Network
from citynet_models.policy import AllowServices, DenyBetweenSites, DenyManagement, LanSelector
from citynet_models.sites import Site
from citynet_models.types import AdminLevel, LanRole, SiteKind
from netops.analysis.topology import build_topology, reachable


@dataclass(frozen=True)
class AllowedService:
    """A service a LAN may reach, and the rules allowing it."""

    service: str
    rules: tuple[str, ...]


@dataclass(frozen=True)
class UnreachableService:
    """A service a LAN is allowed but cannot reach in the design, and why."""

    service: str
    rules: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class LanVerdict:
    """What one site LAN may and can reach."""

    site: str
    district: str | None
    ward: str | None
    lan: str
    role: str
    prefix: str
    allowed: tuple[AllowedService, ...]
    unreachable: tuple[UnreachableService, ...]
    denied: tuple[str, ...]
    #: deny rules (between sites, management) that select this LAN as a source
    deny_rules: tuple[str, ...]
    #: "allowed" (a management LAN role), "denied" (a deny_management rule) or "not allowed"
    management: str
    contradictions: int


@dataclass(frozen=True)
class Contradiction:
    """A policy that contradicts itself or the design."""

    kind: str
    rules: tuple[str, ...]
    detail: str
    lans: int
    examples: tuple[str, ...]  # up to five "site/lan"


@dataclass(frozen=True)
class RuleUse:
    """How many LANs a rule selects."""

    rule: str
    kind: str
    lans: int


@dataclass(frozen=True)
class PolicyReport:
    """Verdicts for every site LAN and the contradictions found."""

    lans: tuple[LanVerdict, ...]
    rules: tuple[RuleUse, ...]
    contradictions: tuple[Contradiction, ...]
    allowed_pairs: int
    unreachable_pairs: int
    denied_pairs: int
    #: every allowed service is reachable and the policy has no contradiction
    ok: bool

    def restricted(self, keep: Callable[[LanVerdict], bool]) -> "PolicyReport":
        """The same report for the LANs ``keep`` selects (rules and contradictions stay city-wide)."""
        lans = tuple(v for v in self.lans if keep(v))
        unreachable = sum(len(v.unreachable) for v in lans)
        return PolicyReport(lans=lans, rules=self.rules, contradictions=self.contradictions,
                            allowed_pairs=sum(len(v.allowed) for v in lans), unreachable_pairs=unreachable,
                            denied_pairs=sum(len(v.denied) for v in lans),
                            ok=not unreachable and not self.contradictions)


_EXAMPLES = 5


def scope_differs(scope: str, source: Site, destination: Site) -> bool:
    """Whether a destination site is in a deny_between_sites scope of a source site: another site, or a site of
    another unit or area (a site outside any unit or area is in another one than every site)."""
    if scope == "other_site":
        return source.slug != destination.slug
    attribute = "ward" if scope == "other_unit" else "area"
    mine, theirs = getattr(source, attribute), getattr(destination, attribute)
    return mine is None or theirs is None or mine != theirs


def _selects(selector: LanSelector, site: Site, role: LanRole) -> bool:
    return selector.selects(SiteKind(site.kind), AdminLevel(site.level), role)


def check_policy(network: Network) -> PolicyReport:
    """Every site LAN against the policy and the designed topology; contradictions of the policy."""
    policy = network.policy
    topology = build_topology(network)
    services = [s.name for s in network.services]
    hosts_by_service = {name: [h for h in network.hosts if name in h.services] for name in services}
    lan_of = {(site.slug, lan.name): (site, lan) for site in network.sites for lan in site.lans}
    gateways_of_service = {
        name: sorted({lan_of[(h.site, h.lan)][1].gateway_device for h in hosts if (h.site, h.lan) in lan_of})
        for name, hosts in hosts_by_service.items()
    }
    reach_cache: dict[str, set[int]] = {}

    def reaches(source_router: str, destination_router: str) -> bool:
        if source_router not in topology.index or destination_router not in topology.index:
            return source_router == destination_router
        if destination_router not in reach_cache:
            reach_cache[destination_router] = reachable(topology, topology.index[destination_router])
        return topology.index[source_router] in reach_cache[destination_router]

    allows = [r for r in policy.rules if isinstance(r, AllowServices)]
    denies_between = [r for r in policy.rules if isinstance(r, DenyBetweenSites)]
    denies_management = [r for r in policy.rules if isinstance(r, DenyManagement)]
    rule_lans = {r.id: 0 for r in policy.rules}
    contradictions: dict[tuple[str, tuple[str, ...], str], list[str]] = {}

    def contradiction(kind: str, rules: tuple[str, ...], detail: str, where: str | None) -> None:
        examples = contradictions.setdefault((kind, rules, detail), [])
        if where is not None:
            examples.append(where)

    # The policy against the hosts: services no host runs.
    for rule in allows:
        for name in rule.services:
            if not hosts_by_service.get(name):
                contradiction("service-without-host", (rule.id,), f"rule allows '{name}', which no host runs", None)
    for name in policy.management_services:
        if not hosts_by_service.get(name):
            contradiction("service-without-host", (), f"management service '{name}' runs on no host", None)
    # Hosts serving several services on one port: allowing one opens the others.
    shared_ports: list[tuple[str, str, str, str]] = []  # host, service, other service, port
    service_ports = {s.name: {str(p) for p in s.ports} for s in network.services}
    for host in network.hosts:
        for a in host.services:
            for b in host.services:
                if a != b:
                    shared_ports.extend((host.name, a, b, port)
                                        for port in sorted(service_ports.get(a, set()) & service_ports.get(b, set())))
    # Service hosts inside the devices' management network.
    in_management = {name for name, hosts in hosts_by_service.items()
                     if any(h.address in network.addressing.management for h in hosts)}

    verdicts: list[LanVerdict] = []
    totals = {"allowed": 0, "unreachable": 0, "denied": 0}
    for site in network.sites:
        if site.kind == "data_center":
            continue  # the data center's LANs are where the services are, not policy sources
        for lan in site.lans:
            where = f"{site.slug}/{lan.name}"
            found_before = sum(len(v) for v in contradictions.values())
            allowing: dict[str, list[str]] = {}
            for rule in allows:
                if _selects(rule.sources, site, lan.role):
                    rule_lans[rule.id] += 1
                    for name in rule.services:
                        allowing.setdefault(name, []).append(rule.id)
            deny_ids = []
            for deny in denies_between:
                if _selects(deny.sources, site, lan.role):
                    rule_lans[deny.id] += 1
                    deny_ids.append(deny.id)
            management_denied = []
            for deny_m in denies_management:
                if _selects(deny_m.sources, site, lan.role):
                    rule_lans[deny_m.id] += 1
                    deny_ids.append(deny_m.id)
                    management_denied.append(deny_m.id)
            may_manage = lan.role in policy.management_lan_roles
            if may_manage and management_denied:
                contradiction("management-allowed-and-denied", tuple(management_denied),
                              f"{lan.role.value} LANs may manage the devices (management_lan_roles) but a "
                              "deny_management rule selects them", where)
            allowed, unreachable = [], []
            for name in services:
                if name not in allowing:
                    continue
                rules = tuple(allowing[name])
                hosts = hosts_by_service.get(name, [])
                if not hosts:
                    unreachable.append(UnreachableService(service=name, rules=rules, reason="no host runs it"))
                    continue
                # Denied destinations: the LANs this service's hosts sit on, in a deny rule's scope.
                for deny in denies_between:
                    if deny.id not in deny_ids:
                        continue
                    for host in hosts:
                        host_site, host_lan = lan_of.get((host.site, host.lan), (None, None))
                        if host_site is None or host_lan is None:
                            continue
                        if _selects(deny.destinations, host_site, host_lan.role) and \
                                scope_differs(deny.scope, site, host_site):
                            contradiction("allowed-and-denied", (*rules, deny.id),
                                          f"'{name}' is allowed, but its host {host.name} is on {host_site.slug}/"
                                          f"{host_lan.name}, which {deny.id} denies", where)
                if management_denied and name in in_management:
                    contradiction("service-in-management-network", (*rules, *management_denied),
                                  f"'{name}' runs inside the management network "
                                  f"{network.addressing.management}, which the LAN must not reach", where)
                for host_name, a, b, port in shared_ports:
                    if a == name and b not in allowing:
                        contradiction("shared-port", rules,
                                      f"host {host_name} serves '{a}' and '{b}' on {port}: allowing '{a}' "
                                      f"opens '{b}'", where)
                gateways = gateways_of_service[name]
                if any(reaches(lan.gateway_device, g) for g in gateways):
                    allowed.append(AllowedService(service=name, rules=rules))
                else:
                    unreachable.append(UnreachableService(
                        service=name, rules=rules,
                        reason=f"{lan.gateway_device} has no path to {', '.join(gateways)}"))
            denied = tuple(name for name in services if name not in allowing)
            totals["allowed"] += len(allowed)
            totals["unreachable"] += len(unreachable)
            totals["denied"] += len(denied)
            verdicts.append(LanVerdict(
                site=site.slug, district=site.district, ward=site.ward, lan=lan.name, role=lan.role.value,
                prefix=str(lan.prefix), allowed=tuple(allowed), unreachable=tuple(unreachable), denied=denied,
                deny_rules=tuple(deny_ids),
                management="denied" if management_denied else "allowed" if may_manage else "not allowed",
                contradictions=sum(len(v) for v in contradictions.values()) - found_before,
            ))
    for any_rule in policy.rules:
        if rule_lans[any_rule.id] == 0:
            contradiction("rule-selects-nothing", (any_rule.id,), f"rule {any_rule.id} selects no site LAN", None)
    found = [
        Contradiction(kind=kind, rules=rules, detail=detail, lans=len(set(examples)),
                      examples=tuple(sorted(set(examples))[:_EXAMPLES]))
        for (kind, rules, detail), examples in contradictions.items()
    ]
    return PolicyReport(
        lans=tuple(verdicts),
        rules=tuple(RuleUse(rule=r.id, kind=r.kind, lans=rule_lans[r.id]) for r in policy.rules),
        contradictions=tuple(sorted(found, key=lambda c: (c.kind, c.rules, c.detail))),
        allowed_pairs=totals["allowed"],
        unreachable_pairs=totals["unreachable"],
        denied_pairs=totals["denied"],
        ok=not totals["unreachable"] and not found,
    )
