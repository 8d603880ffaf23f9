"""Address space: how full every pool is, its free blocks by size, and the prefixes cut from it.

Allocation is keyed by official codes (see models/citynet_models/addressing.py), so a pool runs out in two ways: by
volume (``utilization``: the share of its addresses in use) and by key (``high_water``: how far into the pool
the highest allocation reaches; a unit with a higher code lands beyond it). ``pressure`` is the larger of
the two, and ranks the pools closest to running out.
"""

from collections import Counter
from dataclasses import dataclass
from ipaddress import IPv4Network

from citynet_models.addressing import MANAGEMENT_RESERVED
from citynet_models.lans import lan_capacity
from citynet_models.network import Network


@dataclass(frozen=True)
class PoolUsage:
    """One pool of the address plan."""

    name: str
    prefix: IPv4Network
    unit: str  # what is allocated from it, e.g. "/31 link", "/25 site block"
    size: int  # addresses in the pool
    allocations: int
    used_addresses: int
    free_addresses: int
    utilization: float  # percent, two decimals
    high_water: float  # percent, two decimals
    pressure: float
    #: units still free, for pools cut into equal units (site blocks, /31 links, /32 loopbacks)
    free_units: int | None
    #: free space as CIDR blocks: prefix length -> number of blocks
    free_blocks: dict[int, int]
    largest_free: IPv4Network | None


@dataclass(frozen=True)
class BlockUsage:
    """A site's LAN block: how much of it its LANs take."""

    site: str
    district: str | None
    block: IPv4Network
    lans: int
    lan_addresses: int
    utilization: float


@dataclass(frozen=True)
class LanUsage:
    """A LAN: its expected hosts against what its prefix holds."""

    site: str
    district: str | None
    lan: str
    role: str
    prefix: IPv4Network
    hosts: int
    capacity: int
    utilization: float


@dataclass(frozen=True)
class AddressReport:
    """Every pool, the pools closest to running out, site blocks and LANs by fill."""

    pools: tuple[PoolUsage, ...]
    closest_to_exhaustion: tuple[str, ...]
    site_blocks: tuple[BlockUsage, ...]
    lans: tuple[LanUsage, ...]
    #: LANs at or above this host utilization are listed in ``fullest_lans``
    full_threshold: float
    fullest_lans: tuple[LanUsage, ...]


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 2) if whole else 0.0


def _free_ranges(pool: IPv4Network, used: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Free [start, end) ranges of a pool, given used [start, end) ranges inside it."""
    cursor, end = int(pool.network_address), int(pool.broadcast_address) + 1
    gaps = []
    for start, stop in sorted(used):
        if start > cursor:
            gaps.append((cursor, start))
        cursor = max(cursor, stop)
    if cursor < end:
        gaps.append((cursor, end))
    return gaps


def _cidr_blocks(start: int, end: int) -> list[tuple[int, int]]:
    """The fewest aligned CIDR blocks covering [start, end): (start, prefix length)."""
    blocks = []
    while start < end:
        size = start & -start if start else 1 << 32
        while size > end - start:
            size >>= 1
        blocks.append((start, 33 - size.bit_length()))
        start += size
    return blocks


def pool_usage(name: str, pool: IPv4Network, unit: str, used: list[tuple[int, int]],
               unit_size: int | None = None, reserved: tuple[tuple[int, int], ...] = ()) -> PoolUsage:
    """Usage of one pool from the [start, end) ranges allocated in it (ranges may repeat).

    ``reserved`` ranges are taken but are no allocation: they do not move the high-water mark.
    """
    high = max((stop for _, stop in used), default=int(pool.network_address)) - int(pool.network_address)
    allocations = len(set(used))
    distinct = sorted(set(used) | set(reserved))
    merged: list[tuple[int, int]] = []
    for start, stop in distinct:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], stop))
        else:
            merged.append((start, stop))
    used_addresses = sum(stop - start for start, stop in merged)
    histogram: Counter[int] = Counter()
    largest: tuple[int, int] | None = None
    for gap in _free_ranges(pool, merged):
        for start, length in _cidr_blocks(*gap):
            histogram[length] += 1
            if largest is None or length < largest[1]:
                largest = (start, length)
    utilization = _percent(used_addresses, pool.num_addresses)
    high_water = _percent(high, pool.num_addresses)
    free = pool.num_addresses - used_addresses
    return PoolUsage(
        name=name,
        prefix=pool,
        unit=unit,
        size=pool.num_addresses,
        allocations=allocations,
        used_addresses=used_addresses,
        free_addresses=free,
        utilization=utilization,
        high_water=high_water,
        pressure=max(utilization, high_water),
        free_units=free // unit_size if unit_size else None,
        free_blocks=dict(sorted(histogram.items())),
        largest_free=IPv4Network(largest) if largest else None,
    )


def _range(prefix: IPv4Network) -> tuple[int, int]:
    start = int(prefix.network_address)
    return start, start + prefix.num_addresses


def addresses(network: Network, full_threshold: float = 80.0) -> AddressReport:
    """Utilization of every pool of network.addressing and of the site blocks and LANs cut from them."""
    plan = network.addressing
    pools: list[PoolUsage] = []
    loopbacks = [(int(d.loopback), int(d.loopback) + 1) for d in network.devices if d.loopback is not None]
    pools.append(pool_usage("loopbacks", plan.loopbacks, "/32 loopback", loopbacks, unit_size=1))
    links = [_range(link.prefix) for link in network.links]
    pools.append(pool_usage("links", plan.links, "/31 link", links, unit_size=2))
    start, broadcast = int(plan.management.network_address), int(plan.management.broadcast_address)
    # The network address and the management hosts' own range at the start, the broadcast at the end.
    reserved = ((start, start + MANAGEMENT_RESERVED), (broadcast, broadcast + 1))
    management = [(int(d.management.ip), int(d.management.ip) + 1) for d in network.devices]
    pools.append(pool_usage("management", plan.management, "/32 device address", management, reserved=reserved))
    dc_lans = [_range(lan.prefix) for site in network.sites for lan in site.lans
               if lan.prefix.subnet_of(plan.datacenter)]
    pools.append(pool_usage("datacenter", plan.datacenter, "data-center LAN", dc_lans))

    blocks: list[BlockUsage] = []
    for site_plan in plan.site_blocks:
        used: list[tuple[int, int]] = []
        for site in network.sites:
            if site.level is not site_plan.level or site.kind == "data_center":
                continue
            by_block: dict[IPv4Network, list[IPv4Network]] = {}
            for lan in site.lans:
                if lan.prefix.subnet_of(site_plan.pool):
                    block = lan.prefix.supernet(new_prefix=site_plan.block_length) \
                        if lan.prefix.prefixlen > site_plan.block_length else lan.prefix
                    by_block.setdefault(block, []).append(lan.prefix)
            for block, prefixes in sorted(by_block.items()):
                used.append(_range(block))
                taken = sum(p.num_addresses for p in prefixes)
                blocks.append(BlockUsage(site=site.slug, district=site.area, block=block, lans=len(prefixes),
                                         lan_addresses=taken, utilization=_percent(taken, block.num_addresses)))
        pools.append(pool_usage(f"sites-{site_plan.level.value}", site_plan.pool,
                                f"/{site_plan.block_length} site block", used, unit_size=site_plan.block_size))

    # A VRRP member's own address on the LAN is not a host's.
    capacity = {(site.slug, lan.name): lan_capacity(lan.prefix, len(lan.gateway_devices) if lan.redundancy else 0)
                for site in network.sites for lan in site.lans}
    lans = [
        LanUsage(site=site.slug, district=site.area, lan=lan.name, role=lan.role.value, prefix=lan.prefix,
                 hosts=lan.hosts, capacity=capacity[(site.slug, lan.name)],
                 utilization=_percent(lan.hosts, capacity[(site.slug, lan.name)]))
        for site in network.sites for lan in site.lans
    ]
    fullest = sorted((u for u in lans if u.utilization >= full_threshold),
                     key=lambda u: (-u.utilization, u.site, u.lan))
    ranked = sorted(pools, key=lambda p: (-p.pressure, p.name))
    return AddressReport(
        pools=tuple(pools),
        closest_to_exhaustion=tuple(p.name for p in ranked),
        site_blocks=tuple(blocks),
        lans=tuple(lans),
        full_threshold=full_threshold,
        fullest_lans=tuple(fullest),
    )
