"""The allocation record in resolve: recorded sites keep their addressing key and their upstream ports.

A site listed in `<intent>/allocations.yml` keeps the key recorded for it, even when its ward or district code
has changed since (re-parenting); a site not listed gets the key its intent computes, unless another slug of the
record holds that key (a removed site holds its allocations until `netops allocations release`). Recorded upstream
ports are honoured and count as taken, so a new link takes the lowest free port instead of renumbering the others.
Without a record every key and port is computed as before (netops/resolve/allocate.py, links.name_ports).
"""

from collections.abc import Mapping, Sequence
from dataclasses import replace

from citynet_models.allocations import AllocationRecord, SiteAllocation
from citynet_models.problems import Location, ModelPath, item
from citynet_models.types import AdminLevel
from netops.intent.allocations import LoadedAllocations
from netops.resolve import naming
from netops.resolve.allocate import NO_PORTS, PortBook, SiteKey, Uplink
from netops.resolve.collect import Findings, Phase
from netops.resolve.devices import DevicePlan
from netops.resolve.links import LinkPlan
from netops.resolve.sites import SitePlan

#: How a problem tells engineers to repair a record they edited: only netops writes it.
_RESTORE = "restore allocations.yml from git: only `netops allocations` writes it"


def key_text(key: SiteKey) -> str:
    """The key as the record spells it: ``ward/00001/0``, ``district/001/0``, ``city/0/3``."""
    if key.level is AdminLevel.CITY:
        return f"city/0/{key.number}"
    width = 3 if key.level is AdminLevel.DISTRICT else 5
    return f"{key.level.value}/{key.unit:0{width}d}/{key.number}"


def parse_key(text: str) -> SiteKey:
    """The key a record entry spells (already checked against the record's pattern)."""
    level, unit, number = text.split("/")
    return SiteKey(AdminLevel(level), int(unit), int(number))


def uplink_ref(device_number: int, uplink_number: int) -> str:
    """How the record names an uplink of a site: ``<device number>.<uplink index>``."""
    return f"{device_number}.{uplink_number}"


def _parse_ref(ref: str) -> tuple[int, int]:
    device, uplink = ref.split(".")
    return int(device), int(uplink)


def _where(allocations: LoadedAllocations, slug: str, *rest: str) -> Location:
    return allocations.document.location(("sites", slug, *rest))


def settle_keys(plans: Sequence[SitePlan], allocations: LoadedAllocations | None) -> Phase[tuple[SitePlan, ...]]:
    """The sites with their recorded keys; a site not recorded whose computed key another slug of the record
    holds is reported, naming the holder."""
    found = Findings()
    if allocations is None:
        return found.done(tuple(plans))
    present = {plan.slug: plan for plan in plans}
    data_centers = {plan.slug for plan in plans if plan.intent.kind == "data_center"}
    keys: dict[str, SiteKey] = {}
    holders: dict[SiteKey, str] = {}
    for slug, entry in allocations.record.sites.items():
        key = parse_key(entry.key)
        other = holders.get(key)
        if other is not None and not {slug, other} <= data_centers:
            found.problem(("allocations", item(slug), "key"), _where(allocations, slug, "key"),
                          "two sites hold one addressing key in the allocation record",
                          "each key held by one site", f"{entry.key} again (first at "
                          f"{_where(allocations, other)}: allocations[{other}])", _RESTORE)
            continue
        holders.setdefault(key, slug)
        keys[slug] = key
    settled: list[SitePlan] = []
    for plan in plans:
        recorded = keys.get(plan.slug)
        if recorded is not None:
            if recorded.level is not plan.level:  # reported; the site stays, so its devices' links are checked
                found.problem(("sites", item(plan.slug)), plan.location,
                              "site of another level than its allocation",
                              f"a {recorded.level.value}-level site, as allocations.yml records it "
                              f"({_where(allocations, plan.slug, 'key')})", f"a {plan.level.value}-level site",
                              "a site that changes level is a new site: give it a new `slug:`; the old slug's "
                              "allocation stays until `netops allocations release`")
            settled.append(replace(plan, key=recorded) if recorded.level is plan.level else plan)
            continue
        holder = holders.get(plan.key)
        if holder is not None and plan.slug not in data_centers:
            found.problem(("sites", item(plan.slug), "number"), plan.location, "addressing key held by another site",
                          "a key no other site of the allocation record holds",
                          f"{plan.key}, held by {holder} ({_where(allocations, holder, 'key')})",
                          f"{holder} keeps the key it was given in its former unit; give this site another `number:`"
                          if holder in present else
                          f"`netops allocations release {holder}` frees it ({holder} is no longer in the intent), "
                          f"or give this site another `number:`")
        settled.append(plan)  # a site reported stays, so that its devices' links are still checked
    return found.done(tuple(settled))


def recorded_ports(allocations: LoadedAllocations | None, devices: Mapping[str, DevicePlan],
                   links: Sequence[LinkPlan], sources: Mapping[ModelPath, Location]) -> Phase[PortBook]:
    """The ports the record holds on devices of the city. A recorded port that is not a WAN port of its
    upstream device, two uplinks recorded on one port, and a port given in intent that another uplink holds
    are problems."""
    found = Findings()
    if allocations is None:
        return found.done(NO_PORTS)
    by_uplink: dict[Uplink, tuple[str, str]] = {}
    held: dict[str, dict[str, Uplink]] = {}
    for slug, entry in allocations.record.sites.items():
        for ref, text in entry.ports.items():
            upstream, port = text.split(":", 1)
            device = devices.get(upstream)
            if device is None:
                continue  # the upstream router is gone: nothing left to hold
            path: ModelPath = ("allocations", item(slug), "ports", item(ref))
            where = _where(allocations, slug, "ports", ref)
            if not naming.is_wan_port(device.platform, port):
                found.problem(path, where, "recorded port unknown on its upstream device",
                              f"a WAN port of {upstream} ({device.platform.value}: "
                              f"{naming.wan_port(device.platform, 1)}, {naming.wan_port(device.platform, 2)}, ...)",
                              repr(port), _RESTORE)
                continue
            uplink = (slug, *_parse_ref(ref))
            first = held.setdefault(upstream, {}).setdefault(port, uplink)
            if first != uplink:
                found.problem(path, where, "two uplinks hold one port in the allocation record",
                              f"each port of {upstream} held once",
                              f"{text} again (first at {_where(allocations, first[0], 'ports')}: "
                              f"allocations[{first[0]}].ports[{uplink_ref(first[1], first[2])}])", _RESTORE)
                continue
            by_uplink[uplink] = (upstream, port)
    for link in links:
        given = link.uplink.remote_interface
        holder = held.get(link.upstream.name, {}).get(given or "")
        this = (link.downstream.site.slug, link.downstream.number, link.uplink_number)
        if given is None or holder is None or holder == this:
            continue
        by_uplink.pop(holder, None)  # one claim of the port left, so the clash is reported here only
        found.problem(("links", item(link.id), "remote_interface"), sources[("links", item(link.id))],
                      "port held by another uplink's allocation", f"a port of {link.upstream.name} no allocation "
                      f"holds", f"{given!r}, held by allocations[{holder[0]}].ports[{uplink_ref(*holder[1:])}] "
                      f"({_where(allocations, holder[0], 'ports', uplink_ref(*holder[1:]))})",
                      f"leave `remote_interface:` out to have a free port chosen; if {holder[0]} is gone, "
                      f"`netops allocations release {holder[0]}` frees its ports")
    return found.done(PortBook(by_uplink=by_uplink, held=held))


def record_of(allocations: LoadedAllocations | None, plans: Sequence[SitePlan],
              links: Sequence[LinkPlan]) -> AllocationRecord:
    """The record after this resolution: every recorded site kept (removed ones until released), every site of
    the intent with its key and the upstream port of each of its links (a re-pointed uplink with its new one)."""
    sites: dict[str, SiteAllocation] = dict(allocations.record.sites) if allocations else {}
    ports: dict[str, dict[str, str]] = {plan.slug: {} for plan in plans}
    for link in links:
        ref = uplink_ref(link.downstream.number, link.uplink_number)
        ports[link.downstream.site.slug][ref] = f"{link.upstream.name}:{link.upstream_interface}"
    for plan in plans:
        sites[plan.slug] = SiteAllocation(key=key_text(plan.key), ports=dict(sorted(ports[plan.slug].items(),
                                                                                    key=lambda p: _parse_ref(p[0]))))
    return AllocationRecord(version=1, sites=dict(sorted(sites.items())))
