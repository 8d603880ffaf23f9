"""Cross-object checks of a Network: every problem is collected, none stops the others.

Per-object rules live in the models' own validators; what needs more than one object is here:
unique names, references that must resolve, overlapping prefixes, duplicate addresses,
addresses outside their pools, VLAN conflicts within a site, sites with no uplink, VRRP groups and HA pairs made
of the site's own routers, and design rules naming what exists.
"""

import fnmatch
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from ipaddress import IPv4Address, IPv4Network
from typing import TYPE_CHECKING

from citynet_models.devices import LanInterface, WanInterface
from citynet_models.problems import ModelPath, Problem, item
from citynet_models.types import AdminLevel, LifecycleStatus, Redundancy
from citynet_models.units import Structure

if TYPE_CHECKING:
    from citynet_models.lans import Lan
    from citynet_models.network import Network
    from citynet_models.sites import Site


def network_problems(net: "Network") -> list[Problem]:
    """Every cross-object problem of the network, in a stable order."""
    problems: list[Problem] = []
    for check in _CHECKS:
        problems.extend(check(net))
    return problems


def _duplicates[T, K](items: Iterable[T], key: Callable[[T], K]) -> dict[K, int]:
    counts: dict[K, int] = defaultdict(int)
    for element in items:
        counts[key(element)] += 1
    return {value: count for value, count in counts.items() if count > 1}


def _repeats[K](entries: Iterable[tuple[K, ModelPath]]) -> Iterable[tuple[K, ModelPath, ModelPath]]:
    """Each occurrence of a key after its first: (key, this occurrence's path, the first one's path)."""
    first: dict[K, ModelPath] = {}
    for key, path in entries:
        if key in first:
            yield key, path, first[key]
        else:
            first[key] = path


def name_key(name: str) -> str:
    """The form two names are compared in: composed diacritics (NFC), case folded, spaces collapsed.

    NetBox itself compares names exactly; names equal in this form look the same to a person (and to
    NetBox's case-insensitive search), so the model refuses them as duplicates.
    """
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def _unique_names(net: "Network") -> Iterable[Problem]:
    same_name = "names equal but for case or diacritic encoding count as the same"
    tables: list[tuple[str, Sequence[tuple[object, ModelPath]], str]] = [
        ("district code", [(d.code, ("districts", item(d.code))) for d in net.districts], ""),
        ("district slug", [(d.slug, ("districts", item(d.code))) for d in net.districts], ""),
        ("district name", [(name_key(d.name), ("districts", item(d.code), "name")) for d in net.districts],
         f"NetBox keeps region names unique in their parent region; {same_name}"),
        ("ward code", [(w.code, ("wards", item(w.code))) for w in net.wards], ""),
        ("ward slug within a district", [((w.district, w.slug), ("wards", item(w.code))) for w in net.wards], ""),
        ("ward name within a district",
         [((w.district, name_key(w.name)), ("wards", item(w.code), "name")) for w in net.wards],
         f"NetBox keeps region names unique in their parent region; {same_name}"),
        ("site slug", [(s.slug, ("sites", item(s.slug))) for s in net.sites], ""),
        ("site name", [(name_key(s.name), ("sites", item(s.slug), "name")) for s in net.sites],
         f"NetBox keeps site names unique; {same_name}"),
        ("device name",
         [(d.name, ("devices", item(d.name))) for d in net.devices]
         + [(h.name, ("hosts", item(h.name))) for h in net.hosts if h.kind == "physical"],
         "physical servers are NetBox devices too, in the data center's site"),
        ("link id", [(link.id, ("links", item(link.id))) for link in net.links], ""),
        ("service name", [(s.name, ("services", item(s.name))) for s in net.services], ""),
        ("host name", [(h.name, ("hosts", item(h.name))) for h in net.hosts], ""),
        ("provider slug", [(p.slug, ("providers", item(p.slug))) for p in net.providers], ""),
        ("provider name", [(name_key(p.name), ("providers", item(p.slug), "name")) for p in net.providers],
         f"NetBox keeps provider names unique; {same_name}"),
        ("policy rule id", [(r.id, ("policy", item(r.id))) for r in net.policy.rules], ""),
        ("circuit id of a provider",
         [((link.circuit.provider, link.circuit.circuit_id), ("links", item(link.id), "circuit"))
          for link in net.links if link.circuit is not None],
         "each uplink rides its own circuit; NetBox keeps circuit ids unique per provider"),
    ]
    for what, entries, why in tables:
        for value, path, first in _repeats(entries):
            shown = value[-1] if isinstance(value, tuple) else value
            hint = "give each one a distinct value (or an explicit slug/name where it is derived)"
            yield Problem(
                path=path,
                message=f"duplicate {what}",
                expected=f"each {what} once" + (f" ({why})" if why else ""),
                found=f"{shown!r} again",
                hint=hint,
                related=first,
            )


def _admin_references(net: "Network") -> Iterable[Problem]:
    districts = net.district_by_code
    wards = net.ward_by_code
    for ward in net.wards:
        if (ward.district is None) is (net.structure is Structure.LEGACY):
            yield Problem(
                path=("wards", item(ward.code), "district"),
                message="ward without its district" if ward.district is None else "district in the 2025 structure",
                expected="the code of the ward's district" if ward.district is None else
                "no district: since 1 July 2025 the city governs its units directly",
                found="none" if ward.district is None else repr(ward.district),
            )
        elif ward.district is not None and ward.district not in districts:
            yield Problem(
                path=("wards", item(ward.code), "district"),
                message="unknown district",
                expected="the code of a district of the city",
                found=repr(ward.district),
            )
    for site in net.sites:
        path: ModelPath = ("sites", item(site.slug))
        if site.district is not None and site.district not in districts:
            yield Problem(
                path=(*path, "district"),
                message="unknown district",
                expected="the code of a district of the city",
                found=repr(site.district),
            )
        if site.ward is not None:
            site_ward = wards.get(site.ward)
            if site_ward is None:
                yield Problem(
                    path=(*path, "ward"),
                    message="unknown ward",
                    expected="the code of a ward listed in the district file",
                    found=repr(site.ward),
                    hint="add the ward to the district's `wards:` list, or fix the code",
                )
            elif site.district is not None and site_ward.district != site.district:
                yield Problem(
                    path=(*path, "ward"),
                    message="ward of another district",
                    expected=f"a ward of district {site.district}",
                    found=f"{site_ward.code} ({site_ward.name}) of district {site_ward.district}",
                )
        if site.level is AdminLevel.WARD and site.ward is None:
            yield Problem(
                path=(*path, "ward"),
                message="a ward-level site needs its ward",
                expected="a ward code",
                found="none",
            )
        if site.area is not None and site.area not in net.area_by_code:
            yield Problem(
                path=(*path, "area"),
                message="unknown aggregation area",
                expected="the code of an area of the city",
                found=repr(site.area),
            )
        if site.level is AdminLevel.DISTRICT and site.district is None and site.kind != "hub":
            yield Problem(
                path=(*path, "district"),
                message="a district-level site needs its district",
                expected="a district code",
                found="none",
            )
    keys = [((s.level, _unit_of(s), s.number),
             ("sites", item(s.slug), "number")) for s in net.sites if s.kind != "data_center"]
    for (level, unit, number), path, first in _repeats(keys):
        yield Problem(
            path=path,
            message="two sites share an addressing key",
            expected=f"distinct site numbers within {level.value} {unit or 'city'}",
            found=f"number {number} again",
            hint="give one of the sites an explicit `number:` (0-3 per unit)",
            related=first,
        )


def _unit_of(site: "Site") -> str | None:
    """The unit (or, for a hub, the area) a site's number counts within."""
    if site.level is AdminLevel.DISTRICT:
        return site.district if site.kind != "hub" else site.area
    return site.ward


def _device_references(net: "Network") -> Iterable[Problem]:
    sites = net.site_by_slug
    for device in net.devices:
        path: ModelPath = ("devices", item(device.name))
        if device.site not in sites:
            yield Problem(
                path=(*path, "site"), message="unknown site", expected="a site slug", found=repr(device.site)
            )
        # LAN subinterface names derive from the VLAN: their clashes are the site's VLAN conflicts,
        # reported once by the LAN check.
        named = (i for i in device.interfaces if i.kind != "lan")
        for name, count in _duplicates(named, lambda i: i.name).items():
            yield Problem(
                path=(*path, "interfaces", item(name)),
                message="duplicate interface name",
                expected="each interface name once per device",
                found=f"{name!r} {count} times",
            )
    devices = net.device_by_name
    for link in net.links:
        for end_name, end in (("upstream", link.upstream), ("downstream", link.downstream)):
            path = ("links", item(link.id), end_name)
            end_device = devices.get(end.device)
            if end_device is None:
                yield Problem(
                    path=(*path, "device"),
                    message="unknown device",
                    expected="the name of a device of the city",
                    found=repr(end.device),
                    hint="uplinks name the upstream router by its hostname (see `netops show devices`)",
                )
                continue
            interface = next((i for i in end_device.interfaces if i.name == end.interface), None)
            if not isinstance(interface, WanInterface) or interface.link != link.id:
                yield Problem(
                    path=(*path, "interface"),
                    message="link end is not a WAN interface of its device",
                    expected=f"a WAN interface of {end.device} terminating link {link.id}",
                    found=repr(end.interface),
                )
        if link.circuit is not None and link.circuit.provider not in {p.slug for p in net.providers}:
            yield Problem(
                path=("links", item(link.id), "circuit", "provider"),
                message="unknown provider",
                expected="one of " + ", ".join(sorted(p.slug for p in net.providers)),
                found=repr(link.circuit.provider),
                hint="add the provider to `providers:` in the city file",
            )


def _site_lans(net: "Network") -> Iterable[Problem]:
    devices = net.device_by_name
    for site in net.sites:
        path: ModelPath = ("sites", item(site.slug), "lans")
        for vlan, lan_path, first in _repeats((lan.vlan, (*path, item(lan.name))) for lan in site.lans):
            yield Problem(
                path=(*lan_path, "vlan"),
                message="VLAN conflict within the site",
                expected="each VLAN id once per site (NetBox keeps VLAN ids unique in the site's VLAN group)",
                found=f"VLAN {vlan} again",
                hint="give each LAN its own `vlan:`",
                related=first,
            )
        for name, lan_path, first in _repeats((name_key(lan.name), (*path, item(lan.name))) for lan in site.lans):
            yield Problem(
                path=lan_path,
                message="duplicate LAN name within the site",
                expected="each LAN name once per site (NetBox keeps VLAN names unique in the site's VLAN group)",
                found=f"{name!r} again",
                hint="two LANs of one role need distinct `name:`s",
                related=first,
            )
        for lan in site.lans:
            device = devices.get(lan.gateway_device)
            if device is None or device.site != site.slug:
                yield Problem(
                    path=(*path, item(lan.name), "gateway_device"),
                    message="LAN gateway is not a device of the site",
                    expected="the name of a router of " + site.slug,
                    found=repr(lan.gateway_device),
                )
                continue
            if not any(isinstance(i, LanInterface) and i.vlan == lan.vlan for i in device.interfaces):
                yield Problem(
                    path=(*path, item(lan.name), "gateway_interface"),
                    message="gateway device has no interface on the LAN",
                    expected=f"a LAN interface for VLAN {lan.vlan} on {device.name}",
                    found="none",
                )


def _hosts_and_policy(net: "Network") -> Iterable[Problem]:
    sites = net.site_by_slug
    services = net.service_by_name
    for host in net.hosts:
        path: ModelPath = ("hosts", item(host.name))
        site = sites.get(host.site)
        lan = next((lan for lan in site.lans if lan.name == host.lan), None) if site else None
        if lan is None:
            yield Problem(
                path=(*path, "lan"),
                message="unknown LAN",
                expected=f"the name of a LAN of site {host.site}",
                found=repr(host.lan),
            )
        elif host.address not in lan.prefix or host.address in (
            lan.prefix.network_address,
            lan.prefix.broadcast_address,
            lan.gateway,
        ):
            yield Problem(
                path=(*path, "address"),
                message="host address outside its LAN",
                expected=f"a free host address of {lan.prefix} (gateway {lan.gateway})",
                found=str(host.address),
            )
        for service in host.services:
            if service not in services:
                yield Problem(
                    path=(*path, "services"),
                    message="unknown service",
                    expected="one of " + ", ".join(sorted(services)),
                    found=repr(service),
                    hint="declare the service under `services:` in the city file",
                )
    served = {name for host in net.hosts for name in host.services}
    for declared in net.services:
        if declared.name not in served:
            yield Problem(
                path=("services", item(declared.name)),
                message="service runs on no host",
                expected="at least one data-center host listing it under `services:`",
                found="none",
            )
    for rule in net.policy.rules:
        for service in getattr(rule, "services", ()):
            if service not in services:
                yield Problem(
                    path=("policy", item(rule.id), "services"),
                    message="unknown service",
                    expected="one of " + ", ".join(sorted(services)),
                    found=repr(service),
                )
    for service in net.policy.management_services:
        if service not in services:
            yield Problem(
                path=("policy", "management_services"),
                message="unknown service",
                expected="one of " + ", ".join(sorted(services)),
                found=repr(service),
            )


def _prefixes_and_addresses(net: "Network") -> Iterable[Problem]:
    plan = net.addressing
    owned: list[tuple[IPv4Network, ModelPath]] = []
    for site in net.sites:
        site_pool = plan.datacenter if site.kind == "data_center" else None
        level_plan = plan.site_plan(site.level)
        pools = [p for p in (site_pool, level_plan.pool if level_plan else None) if p is not None]
        for lan in site.lans:
            path: ModelPath = ("sites", item(site.slug), "lans", item(lan.name), "prefix")
            owned.append((lan.prefix, path))
            if not any(lan.prefix.subnet_of(pool) for pool in pools):
                yield Problem(
                    path=path,
                    message="LAN prefix outside its pool",
                    expected="a prefix inside " + " or ".join(str(p) for p in pools),
                    found=str(lan.prefix),
                    hint="leave `prefix:` out to have it allocated, or pick one from the pool",
                )
    for link in net.links:
        path = ("links", item(link.id), "prefix")
        owned.append((link.prefix, path))
        if not link.prefix.subnet_of(plan.links):
            yield Problem(
                path=path,
                message="link prefix outside its pool",
                expected=f"a /31 inside {plan.links}",
                found=str(link.prefix),
            )
    for device in net.devices:
        path = ("devices", item(device.name))
        if device.loopback is not None:
            owned.append((IPv4Network(device.loopback), (*path, "loopback")))
            if device.loopback not in plan.loopbacks:
                yield Problem(
                    path=(*path, "loopback"),
                    message="loopback outside its pool",
                    expected=f"an address inside {plan.loopbacks}",
                    found=str(device.loopback),
                )
        if device.management.network != plan.management:
            yield Problem(
                path=(*path, "management"),
                message="management address outside the management network",
                expected=f"an address of {plan.management}",
                found=str(device.management),
            )
        elif device.management.ip in (plan.management.network_address, plan.management.broadcast_address):
            # NetBox refuses to assign a network ID or broadcast address to an interface.
            yield Problem(
                path=(*path, "management"),
                message="management address is the network's own address",
                expected=f"a host address of {plan.management} (not its network or broadcast address)",
                found=str(device.management.ip),
                hint="leave `management:` out to have one allocated",
            )
    pool_names = {plan.loopbacks: "loopbacks", plan.links: "links", plan.management: "management",
                  plan.datacenter: "datacenter"}
    pool_names.update({block.pool: f"site_blocks[{block.level.value}]" for block in plan.site_blocks})
    for prefix, path in owned:
        if prefix in pool_names:
            # NetBox keeps each prefix once: the pool is written as a container prefix of its own.
            yield Problem(
                path=path,
                message="prefix is a whole address pool",
                expected=f"a prefix smaller than the pool addressing.{pool_names[prefix]}",
                found=str(prefix),
                hint="give the LAN a smaller `prefix:`, or widen the pool",
            )
    yield from _overlaps(owned)
    yield from _duplicate_addresses(net)


def _overlaps(owned: list[tuple[IPv4Network, ModelPath]]) -> Iterable[Problem]:
    # Sorted by start then widest first, a sweep finds every prefix that starts inside an
    # earlier one in O(n log n).
    owned.sort(key=lambda entry: (int(entry[0].network_address), entry[0].prefixlen))
    widest_end = -1
    widest: tuple[IPv4Network, ModelPath] | None = None
    for prefix, path in owned:
        start, end = int(prefix.network_address), int(prefix.broadcast_address)
        if widest is not None and start <= widest_end:
            yield Problem(
                path=path,
                message="overlapping prefixes",
                expected="a prefix no other object uses",
                found=f"{prefix} overlaps {widest[0]} of {_render(widest[1])}",
                hint="leave addresses out of intent to have them allocated without overlap",
            )
        if end > widest_end:
            widest_end, widest = end, (prefix, path)


def _duplicate_addresses(net: "Network") -> Iterable[Problem]:
    owners: dict[IPv4Address, list[ModelPath]] = defaultdict(list)
    for device in net.devices:
        owners[device.management.ip].append(("devices", item(device.name), "management"))
        for interface in device.interfaces:
            if interface.kind in ("wan", "lan"):
                owners[interface.address.ip].append(
                    ("devices", item(device.name), "interfaces", item(interface.name), "address")
                )
    for host in net.hosts:
        owners[host.address].append(("hosts", item(host.name), "address"))
    for address, paths in owners.items():
        for path in paths[1:]:
            yield Problem(
                path=path,
                message="duplicate address",
                expected="an address used once",
                found=f"{address} again",
                related=paths[0],
            )


def _uplinks(net: "Network") -> Iterable[Problem]:
    uplinks = net.uplinks_by_site
    devices = net.device_by_name
    for site in net.sites:
        if site.kind == "data_center" or site.status is LifecycleStatus.DECOMMISSIONED:
            continue
        links = [link for link in uplinks.get(site.slug, []) if devices.get(link.upstream.device) is not None
                 and devices[link.upstream.device].site != site.slug]
        path: ModelPath = ("sites", item(site.slug))
        if not links:
            yield Problem(
                path=path,
                message="site has no uplink",
                expected="at least one uplink from a device of the site to an upstream router",
                found="none",
                hint="add `uplinks:` to the site's router, e.g. `- to: <aggregation router>`",
            )
            continue
        upstreams = {link.upstream.device for link in links}
        actual = Redundancy.DUAL_HOMED if len(upstreams) >= 2 else Redundancy.SINGLE_HOMED
        if site.redundancy is not None and site.redundancy is not actual:
            yield Problem(
                path=(*path, "redundancy"),
                message="redundancy does not match the uplinks",
                expected=f"{site.redundancy.value}",
                found=f"{actual.value}: uplinks to {', '.join(sorted(upstreams))}",
                hint="a dual-homed site needs uplinks to two different upstream routers",
            )


def _uplink_graph(net: "Network") -> Iterable[Problem]:
    """Uplinks point up, from a site towards the data center: ``to:`` names a router nearer the core.

    Following uplinks from site to site must therefore end at the data center. A cycle (aggregation ->
    site router -> aggregation, or any longer loop) has no way up and makes the OSPF/BGP design
    meaningless; it is reported once, at the uplink that closes it. Links between devices of one site
    (the data center's core pair, a district's two aggregation routers in one building) are not steps
    between sites and cannot form such a cycle. A site in service may not hang off a decommissioned one.
    """
    device_site = {device.name: device.site for device in net.devices}
    sites = net.site_by_slug
    upward: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for link in net.links:
        down, up = device_site.get(link.downstream.device), device_site.get(link.upstream.device)
        if down is None or up is None or down == up:
            continue
        if all(upper != up for upper, _ in upward[down]):  # parallel uplinks are one step up
            upward[down].append((up, link.id))
        down_site, up_site = sites.get(down), sites.get(up)
        if (down_site is not None and up_site is not None and up_site.status is LifecycleStatus.DECOMMISSIONED
                and down_site.status is not LifecycleStatus.DECOMMISSIONED):
            yield Problem(
                path=("links", item(link.id), "upstream"),
                message="uplink to a decommissioned site",
                expected="an upstream router of a site in service",
                found=f"{link.upstream.device} of site {up} ({LifecycleStatus.DECOMMISSIONED.value})",
                hint=f"move the uplink of {down} to a router that stays, or decommission {down} too",
            )
    # How many steps each site is below the data center, following uplinks backwards: in a cycle, the step
    # that does not lead to a site nearer the data center is the uplink written the wrong way round.
    below: dict[str, list[str]] = defaultdict(list)
    for down, steps in upward.items():
        for up, _ in steps:
            below[up].append(down)
    depth = {site.slug: 0 for site in net.sites if site.kind == "data_center"}
    queue = list(depth)
    for site in queue:
        for down in below.get(site, []):
            if down not in depth:
                depth[down] = depth[site] + 1
                queue.append(down)
    # Iterative depth-first search; a step to a site still on the current path closes a cycle.
    state: dict[str, int] = {}  # 1 on the path, 2 done
    for root in sorted(upward):
        if root in state:
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        state[root] = 1
        while stack:
            site, index = stack[-1]
            steps = upward.get(site, [])
            if index >= len(steps):
                stack.pop()
                state[site] = 2
                continue
            stack[-1] = (site, index + 1)
            upper, link_id = steps[index]
            if state.get(upper) == 1:
                start = next(i for i, (on_path, _) in enumerate(stack) if on_path == upper)
                edges = [(on_path, *upward[on_path][taken - 1]) for on_path, taken in stack[start:-1]]
                edges.append((site, upper, link_id))
                unknown = len(depth) + 1
                wrong = max(edges, key=lambda e: depth.get(e[1], unknown) - depth.get(e[0], unknown))
                loop = [on_path for on_path, _ in stack[start:]] + [upper]
                yield Problem(
                    path=("links", item(wrong[2])),
                    message="uplink cycle",
                    expected="uplinks that lead from every site up to the data center",
                    found=f"uplinks go round: {' -> '.join(loop)}; the uplink from {wrong[0]} to {wrong[1]} leads "
                          "away from the data center",
                    hint="an uplink's `to:` names a router nearer the data center; remove the uplink that "
                         "points back down (a site needs no uplink to the sites below it)",
                )
            elif upper not in state:
                state[upper] = 1
                stack.append((upper, 0))


#: NetBox's limit on an FHRP group's name, which netops writes as '<site slug> VLAN <vlan>'.
NETBOX_NAME_MAX = 100


def _vrrp_members(net: "Network") -> Iterable[Problem]:
    """Each VRRP member is a router of the LAN's site with its own address on the LAN's interface, tracking
    uplinks it has; a group synchronised with an HA pair is made of that pair."""
    devices = net.device_by_name
    pairs = {pair.name: pair for pair in net.ha_pairs}
    for site in net.sites:
        for lan in site.lans:
            if lan.redundancy is None:
                continue
            path: ModelPath = ("sites", item(site.slug), "lans", item(lan.name), "redundancy")
            group_name = f"{site.slug} VLAN {lan.vlan}"
            if len(group_name) > NETBOX_NAME_MAX:
                yield Problem(
                    path=path,
                    message="site slug too long for the LAN's VRRP group in NetBox",
                    expected=f"'<site slug> VLAN <vlan>' of at most {NETBOX_NAME_MAX} characters (NetBox's FHRP "
                             f"group name)",
                    found=f"{len(group_name)} characters: {group_name!r}",
                    hint="give the site a shorter `slug:`",
                )
            for member in lan.redundancy.members:
                yield from _vrrp_member(net, site.slug, lan, member.device, path)
                device = devices.get(member.device)
                if device is None or device.site != site.slug:
                    continue
                wan = {i.name for i in device.interfaces if isinstance(i, WanInterface)}
                for tracked in member.track:
                    if tracked.interface not in wan:
                        yield Problem(
                            path=(*path, "members", item(member.device), "track"),
                            message="VRRP member tracks an interface it does not have",
                            expected=f"a WAN interface of {member.device}: {', '.join(sorted(wan)) or 'none'}",
                            found=repr(tracked.interface),
                        )
            sync = lan.redundancy.sync_group
            if sync is None:
                continue
            pair = pairs.get(sync)
            members = {member.device for member in lan.redundancy.members}
            if pair is None or members != set(pair.members):
                yield Problem(
                    path=(*path, "sync_group"),
                    message="VRRP group synchronised with another pair",
                    expected=f"an HA pair of exactly the members {', '.join(sorted(members))}",
                    found=repr(sync) + ("" if pair is not None else ", no HA pair of that name"),
                )


def _vrrp_member(net: "Network", site: str, lan: "Lan", name: str, path: ModelPath) -> Iterable[Problem]:
    """One member: a router of the site, with an interface on the LAN holding the member's own address."""
    device = net.device_by_name.get(name)
    member_path = (*path, "members", item(name))
    if device is None or device.site != site or not device.is_router:
        yield Problem(
            path=member_path,
            message="VRRP member is not a router of the LAN's site",
            expected=f"a router of {site}",
            found=repr(name) + (f" of site {device.site}" if device is not None and device.site != site else ""),
        )
        return
    assert lan.redundancy is not None  # only called for a LAN with a VRRP group
    member = next(m for m in lan.redundancy.members if m.device == name)
    on_lan = [i for i in device.interfaces if isinstance(i, LanInterface) and i.vlan == lan.vlan]
    if not any(i.name == member.interface and i.address.ip == member.address
               and i.address.network == lan.prefix for i in on_lan):
        yield Problem(
            path=member_path,
            message="VRRP member has no interface on the LAN with its own address",
            expected=f"{member.interface} with {member.address}/{lan.prefix.prefixlen} on {name}",
            found=", ".join(f"{i.name} {i.address}" for i in on_lan) or "no interface on the LAN",
        )


def _ha_pairs(net: "Network") -> Iterable[Problem]:
    """Each HA pair is two devices of its site joined by its sync link, and each device is in one pair."""
    devices = net.device_by_name
    links = {link.id: link for link in net.links}
    for name, pair_path, first in _repeats((pair.name, ("ha_pairs", item(pair.name))) for pair in net.ha_pairs):
        yield Problem(path=pair_path, message="duplicate HA pair name", expected="each pair name once in the city",
                      found=f"{name!r} again", related=first)
    for device_name, pair_path, first in _repeats((device, ("ha_pairs", item(pair.name), "members"))
                                                  for pair in net.ha_pairs for device in pair.members):
        yield Problem(path=pair_path, message="device in two HA pairs", expected="each device in one pair at most",
                      found=repr(device_name), related=first)
    for pair in net.ha_pairs:
        path: ModelPath = ("ha_pairs", item(pair.name))
        if pair.site not in net.site_by_slug:
            yield Problem(path=(*path, "site"), message="HA pair of an unknown site", expected="a site slug",
                          found=repr(pair.site))
        for position, name in enumerate(pair.members):
            device = devices.get(name)
            if device is None or device.site != pair.site:
                yield Problem(
                    path=(*path, "members", item(position)),
                    message="HA pair member is not a device of the site",
                    expected=f"a device of site {pair.site}",
                    found=repr(name) + (f": a device of site {device.site}" if device is not None else ""),
                )
        link = links.get(pair.sync_link)
        if link is None or {link.upstream.device, link.downstream.device} != set(pair.members):
            yield Problem(
                path=(*path, "sync_link"),
                message="HA pair without a sync link",
                expected=f"a link between {pair.members[0]} and {pair.members[1]}",
                found=repr(pair.sync_link) + ("" if link is None
                                              else f" joins {link.upstream.device} and {link.downstream.device}"),
            )


def _design_rules(net: "Network") -> Iterable[Problem]:
    """Design rules name services and site kinds the city has; accepted risks name rules and match sites."""
    services = net.service_by_name
    kinds = {site.kind for site in net.sites}
    rules = net.design.rules
    for name, rule_path, first in _repeats((rule.name, ("design", "rules", item(rule.name))) for rule in rules):
        yield Problem(path=rule_path, message="duplicate design rule name", expected="each rule name once",
                      found=f"{name!r} again", related=first, hint="give each rule its own `name:`")
    for rule in rules:
        path: ModelPath = ("design", "rules", item(rule.name))
        for service in getattr(rule, "services", ()):
            if service not in services:
                yield Problem(path=(*path, "services"), message="design rule names an unknown service",
                              expected="one of " + ", ".join(sorted(services)), found=repr(service),
                              hint="leave `services:` out to mean every service")
        for kind in getattr(rule, "site_kinds", ()):
            if kind not in kinds:
                yield Problem(path=(*path, "site_kinds"), message="design rule names a site kind the city has not",
                              expected="a kind of some site: " + ", ".join(sorted(kinds)), found=repr(kind.value),
                              hint="drop the kind from the rule, or add the rule once such a site exists")
    names = {rule.name for rule in rules}
    for index, risk in enumerate(net.design.accepted_risks):
        path = ("design", "accepted_risks", item(index))
        for rule_name in risk.rules:
            if rule_name not in names:
                yield Problem(path=(*path, "rules"), message="accepted risk names an unknown rule",
                              expected="the name of a design rule: " + (", ".join(sorted(names)) or "none"),
                              found=repr(rule_name))
        candidates = [site.slug for site in net.sites
                      if (not risk.site_kinds or site.kind in risk.site_kinds)
                      and (not risk.levels or site.level in risk.levels)]
        for pattern in risk.sites:
            if not fnmatch.filter(candidates, pattern):
                of_kinds = f" of kinds {', '.join(k.value for k in risk.site_kinds)}" if risk.site_kinds else ""
                of_levels = f" at levels {', '.join(v.value for v in risk.levels)}" if risk.levels else ""
                yield Problem(path=(*path, "sites"), message="accepted risk matches no site",
                              expected=f"a slug or glob matching a site{of_kinds}{of_levels}", found=repr(pattern),
                              hint="an acceptance covering nothing is a typo or out of date: fix or remove it")


def _render(path: ModelPath) -> str:
    from citynet_models.problems import render_path

    return render_path(path)


_CHECKS: tuple[Callable[["Network"], Iterable[Problem]], ...] = (
    _unique_names,
    _admin_references,
    _device_references,
    _site_lans,
    _hosts_and_policy,
    _prefixes_and_addresses,
    _uplinks,
    _uplink_graph,
    _vrrp_members,
    _ha_pairs,
    _design_rules,
)
