"""Deterministic address allocation keyed by administrative codes, and the upstream ports a record keeps.

Every address is a pure function of (level, official code, site number, device number, uplink
number) and the pools: no counter, no order of files or sites matters, so adding a site never
renumbers an existing one and reordering intent changes nothing.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Interface, IPv4Network

from citynet_models.addressing import (
    DEVICES_PER_SITE,
    MANAGEMENT_RESERVED,
    SITES_PER_UNIT,
    UPLINKS_PER_DEVICE,
    AddressPlan,
    SiteBlockPlan,
)
from citynet_models.types import AdminLevel, LanRole

#: Sites of each level take consecutive ranges of device/link slots; district and ward codes
#: have three and five digits, and a unit has SITES_PER_UNIT site numbers.
CITY_SLOTS = 256
DISTRICT_SLOTS = 1000 * SITES_PER_UNIT
_LEVEL_SLOT_OFFSET = {
    AdminLevel.CITY: 0,
    AdminLevel.DISTRICT: CITY_SLOTS,
    AdminLevel.WARD: CITY_SLOTS + DISTRICT_SLOTS,
}


class AllocationError(Exception):
    """An address that cannot be allocated from its pool."""

    def __init__(self, message: str, expected: str, found: str, hint: str) -> None:
        self.message, self.expected, self.found, self.hint = message, expected, found, hint
        super().__init__(message)


@dataclass(frozen=True, order=True)
class SiteKey:
    """What a site's addresses are keyed by."""

    level: AdminLevel
    unit: int  # 0 at city level, else the district or ward code as a number
    number: int

    @property
    def block_index(self) -> int:
        """Index of the site's LAN block within its level's pool."""
        return self.number if self.level is AdminLevel.CITY else self.unit * SITES_PER_UNIT + self.number

    @property
    def slot(self) -> int:
        """City-wide index of the site for device and link pools."""
        return _LEVEL_SLOT_OFFSET[self.level] + self.block_index

    def __str__(self) -> str:
        width = 3 if self.level is AdminLevel.DISTRICT else 5
        unit = "" if self.level is AdminLevel.CITY else f" {self.unit:0{width}d}"
        return f"{self.level.value}{unit} site number {self.number}"


def site_block(plan: SiteBlockPlan, key: SiteKey) -> IPv4Network:
    """The LAN block of a site."""
    if key.block_index >= plan.capacity:
        raise AllocationError(
            message="site block outside its pool",
            expected=f"a block index below {plan.capacity} ({plan.pool} in /{plan.block_length} blocks)",
            found=f"index {key.block_index} for {key}",
            hint=f"widen addressing.site_blocks[{plan.level.value}].pool or shrink block_length",
        )
    start = int(plan.pool.network_address) + key.block_index * plan.block_size
    return IPv4Network((start, plan.block_length))


def lan_prefix(plan: SiteBlockPlan, block: IPv4Network, role: LanRole) -> tuple[IPv4Network, int] | None:
    """The prefix and VLAN the layout gives a LAN role inside a site block, if it has a slot."""
    slot = plan.slot(role)
    if slot is None:
        return None
    return IPv4Network((int(block.network_address) + slot.offset, slot.prefix_length)), slot.vlan


def _pool_index(pool: IPv4Network, index: int, what: str, key: SiteKey, unit_size: int = 1) -> int:
    if (index + 1) * unit_size > pool.num_addresses:
        raise AllocationError(
            message=f"{what} outside its pool",
            expected=f"room in {pool}",
            found=f"{what} number {index} needed for {key}",
            hint=f"widen the {what} pool in addressing",
        )
    return int(pool.network_address) + index * unit_size


def loopback_address(plan: AddressPlan, key: SiteKey, device_number: int) -> IPv4Address:
    """The loopback of device ``device_number`` of a site."""
    return IPv4Address(_pool_index(plan.loopbacks, key.slot * DEVICES_PER_SITE + device_number, "loopback", key))


def management_address(plan: AddressPlan, key: SiteKey, device_number: int) -> IPv4Interface:
    """The management address of device ``device_number`` of a site, with the network's length."""
    index = MANAGEMENT_RESERVED + key.slot * DEVICES_PER_SITE + device_number
    # The last address is the broadcast of the management network.
    address = _pool_index(plan.management, index + 1, "management address", key) - 1
    return interface(address, plan.management.prefixlen)


def interface(address: IPv4Address | int, prefixlen: int) -> IPv4Interface:
    """``address``/``prefixlen``. Built from the address's number: ipaddress builds an interface of an
    IPv4Address by parsing its text, a tenth of loading a city."""
    return IPv4Interface((int(address), prefixlen))


def link_prefix(plan: AddressPlan, key: SiteKey, device_number: int, uplink_number: int) -> IPv4Network:
    """The /31 of uplink ``uplink_number`` of device ``device_number`` of a site."""
    index = (key.slot * DEVICES_PER_SITE + device_number) * UPLINKS_PER_DEVICE + uplink_number
    return IPv4Network((_pool_index(plan.links, index, "link", key, unit_size=2), 31))


#: An uplink of a site: (site slug, device number, uplink index).
Uplink = tuple[str, int, int]


@dataclass(frozen=True)
class PortBook:
    """The upstream ports the allocation record (allocations.yml, netops/resolve/record.py) holds: by uplink, and
    by upstream device with their holder. Ports are allocated in order (links.name_ports), not as a function of
    codes, so once given they are kept here."""

    #: (site slug, device number, uplink index) -> (upstream device, port).
    by_uplink: Mapping[Uplink, tuple[str, str]] = field(default_factory=dict)
    #: upstream device -> port -> the uplink holding it.
    held: Mapping[str, Mapping[str, Uplink]] = field(default_factory=dict)

    def port_of(self, uplink: Uplink, upstream: str) -> str | None:
        """The port recorded for the uplink, when it still lands on the same upstream device."""
        recorded = self.by_uplink.get(uplink)
        return recorded[1] if recorded is not None and recorded[0] == upstream else None

    def held_on(self, device: str) -> frozenset[str]:
        """Every port of ``device`` the record holds (for sites in intent or removed ones)."""
        return frozenset(self.held.get(device, {}))


NO_PORTS = PortBook()
