"""What each PC of the lab must reach and must not reach, read from the model's policy (pure).

Independent of the renderer's policy compiler on purpose: the lab checks the rendered nftables against
the model, so the expectation must not come from the same code. For every site LAN's PC:

- must reach: every port of every host of every service an `allow_services` rule grants its LAN, and
  its own gateway (ping);
- must not reach: the ports of hosts of the services no rule grants it (unless another granted service
  answers on the same host and port), another ward's PC, the management network (the root namespace's
  address and another device's management address, ping and ssh), and its own router's ssh unless its
  LAN is a management LAN (then it must reach it, on the router's loopback). A LAN with several gateway
  routers (a shared segment) has each of them as its own router; a failed router (`netops lab fail node`)
  is nobody's: nothing is expected of a router without power.

Everything not allowed is denied by the design, so the denials listed are samples, not the whole set.
"""

from collections.abc import Collection, Iterable
from ipaddress import IPv4Address

from citynet_models.network import Network
from citynet_models.policy import AllowServices
from citynet_models.types import AdminLevel, LanRole, SiteKind
from netops.lab.probe import Probe
from netops.lab.topology import HostPlan, LabPlan


def allowed_services(network: Network, site_slug: str, lan_role: str) -> set[str]:
    """Services the allow_services rules grant a LAN of this role at this site."""
    site = network.site_by_slug[site_slug]
    role = LanRole(lan_role)
    return {service for rule in network.policy.rules if isinstance(rule, AllowServices)
            and rule.sources.selects(SiteKind(site.kind), AdminLevel(site.level), role)
            for service in rule.services}


def _endpoints(plan: LabPlan, services: Iterable[str]) -> dict[tuple[IPv4Address, str, int], str]:
    """(address, protocol, port) -> "host service" of the data-center hosts serving `services`."""
    wanted = set(services)
    found: dict[tuple[IPv4Address, str, int], str] = {}
    for host in plan.hosts:
        if host.kind != "server":
            continue
        for listen in host.listens:
            served = wanted.intersection(listen.services)
            if served:
                found[(host.address.ip, listen.protocol, listen.port)] = f"{host.name} {'/'.join(sorted(served))}"
    return found


def expectations(network: Network, plan: LabPlan, pcs: Iterable[HostPlan] | None = None,
                 denied: str = "sample", failed: Collection[str] = ()) -> list[Probe]:
    """The probes of the PCs (every PC of the plan by default).

    `denied`: "sample" probes one endpoint of each service a LAN is not granted; "all" probes every one.
    `failed`: the lab's failed routers (no probe of their own ssh).
    """
    every_service = {s.name for s in network.services}
    pc_list = [h for h in plan.hosts if h.kind == "pc"] if pcs is None else list(pcs)
    all_pcs = [h for h in plan.hosts if h.kind == "pc"]
    probes: list[Probe] = []
    for pc in pc_list:
        granted = allowed_services(network, pc.site, pc.lan_role)
        reach = _endpoints(plan, granted)
        for (address, protocol, port), what in sorted(reach.items(), key=lambda item: (item[0][0], item[0][1:])):
            probes.append(Probe(pc.netns, address, "tcp" if protocol == "tcp" else "udp", port, True, what))
        probes.append(Probe(pc.netns, pc.gateway, "icmp", None, True, "its gateway"))
        seen: set[str] = set()
        refused = _endpoints(plan, every_service - granted)
        for (address, protocol, port), what in sorted(refused.items(), key=lambda item: (item[0][0], item[0][1:])):
            if (address, protocol, port) in reach:
                continue
            service = what.split(" ", 1)[1]
            if denied == "sample" and service in seen:
                continue
            seen.add(service)
            probes.append(Probe(pc.netns, address, "tcp" if protocol == "tcp" else "udp", port, False,
                                f"{what}: not granted"))
        probes.extend(_isolation(network, plan, pc, all_pcs, set(failed)))
    return probes


def own_routers(plan: LabPlan, pc: HostPlan, failed: Collection[str] = ()) -> list[str]:
    """The routers of the PC's LAN that have power: every member of a shared segment (the model's master first),
    else the LAN's one router."""
    segment = next((s for s in plan.segments if s.netns == pc.segment), None) if pc.segment else None
    members = [m.device for m in segment.members] if segment is not None else [pc.router]
    return [device for device in members if device not in failed]


def _isolation(network: Network, plan: LabPlan, pc: HostPlan, all_pcs: list[HostPlan],
               failed: set[str]) -> list[Probe]:
    site = network.site_by_slug[pc.site]
    probes: list[Probe] = []
    other = next((h for h in all_pcs if network.site_by_slug[h.site].ward not in (None, site.ward)
                  and h.site != pc.site), None)
    if other is not None:
        probes.append(Probe(pc.netns, other.address.ip, "icmp", None, False, f"another ward's PC {other.name}"))
    root = plan.management.root_address.ip
    probes.append(Probe(pc.netns, root, "icmp", None, False, "the management network (root namespace)"))
    probes.append(Probe(pc.netns, root, "tcp", 22, False, "the management network (root namespace)"))
    own_devices = own_routers(plan, pc, failed)
    other_router = next((r for r in plan.routers if r.device != pc.router and r.device not in own_devices), None)
    if other_router is not None:
        probes.append(Probe(pc.netns, other_router.management.ip, "tcp", 22, False,
                            f"management address of {other_router.device}"))
    manages = pc.lan_role in {role.value for role in network.policy.management_lan_roles}
    for device in own_devices:
        own = plan.router_by_device[device]
        if own.loopback is None:
            continue
        whose = "its router's ssh" if device == pc.router else f"its router {device}'s ssh"
        probes.append(Probe(pc.netns, own.loopback, "tcp", 22, manages,
                            f"{whose} (management LAN)" if manages else whose))
    return probes
