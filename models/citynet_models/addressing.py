"""The city's address plan: pools, site blocks and the LAN layout inside a site block."""

import itertools
from ipaddress import IPv4Network
from typing import Self

from pydantic import Field, model_validator

from citynet_models.base import NetopsModel
from citynet_models.types import AdminLevel, LanRole, VlanId

#: Site numbers per ward or district (0: committee, 1: party, 2-3: mass organizations by default).
SITES_PER_UNIT = 4
#: Device numbers per site: loopback and management addresses are keyed by (site, device number).
DEVICES_PER_SITE = 4
#: Uplinks per device: link /31s are keyed by (site, device number, uplink number).
UPLINKS_PER_DEVICE = 4
#: Addresses at the start of the management network kept for the management hosts themselves.
MANAGEMENT_RESERVED = 16


class LanSlot(NetopsModel):
    """Where a LAN of one role sits inside a site block, and its VLAN."""

    role: LanRole = Field(description="LAN role")
    vlan: VlanId = Field(description="VLAN id the role uses at every site of the level")
    offset: int = Field(ge=0, description="Offset of the LAN prefix from the start of the site block")
    prefix_length: int = Field(ge=16, le=30, description="Prefix length of the LAN")

    @model_validator(mode="after")
    def _aligned(self) -> Self:
        size = 2 ** (32 - self.prefix_length)
        if self.offset % size:
            raise ValueError(
                f"offset {self.offset} of the {self.role.value} slot is not aligned to its"
                f" /{self.prefix_length} (a multiple of {size})"
            )
        return self


class SiteBlockPlan(NetopsModel):
    """How sites of one administrative level get their LAN blocks.

    A site's block index is a pure function of official codes and the site's number:
    ward level ``ward_code * SITES_PER_UNIT + number``, district level
    ``district_code * SITES_PER_UNIT + number``, city level ``number``. Adding a site therefore
    never moves another site's block.
    """

    level: AdminLevel = Field(description="Administrative level this plan serves")
    pool: IPv4Network = Field(description="Pool the site blocks are cut from")
    block_length: int = Field(ge=16, le=30, description="Prefix length of one site block")
    lans: tuple[LanSlot, ...] = Field(description="LAN layout inside every site block")

    @property
    def block_size(self) -> int:
        """Addresses in one site block."""
        return int(2 ** (32 - self.block_length))

    @property
    def capacity(self) -> int:
        """How many site blocks the pool holds."""
        return int(self.pool.num_addresses // self.block_size)

    @model_validator(mode="after")
    def _layout_fits(self) -> Self:
        if self.block_length < self.pool.prefixlen:
            raise ValueError(f"site block /{self.block_length} is larger than pool {self.pool}")
        roles = [slot.role for slot in self.lans]
        vlans = [slot.vlan for slot in self.lans]
        if len(set(roles)) != len(roles):
            raise ValueError(f"the {self.level.value} layout lists a LAN role twice")
        if len(set(vlans)) != len(vlans):
            raise ValueError(f"the {self.level.value} layout uses a VLAN id twice")
        spans = sorted(
            ((slot.offset, slot.offset + 2 ** (32 - slot.prefix_length), slot) for slot in self.lans),
            key=lambda span: span[0],
        )
        for start, end, slot in spans:
            if end > self.block_size:
                raise ValueError(
                    f"the {slot.role.value} slot (offset {start}, /{slot.prefix_length}) runs past the end"
                    f" of a /{self.block_length} site block"
                )
        for (_, end_a, slot_a), (start_b, _, slot_b) in itertools.pairwise(spans):
            if start_b < end_a:
                raise ValueError(f"the {slot_a.role.value} and {slot_b.role.value} slots overlap")
        return self

    def slot(self, role: LanRole) -> LanSlot | None:
        """The layout slot of a LAN role, if the layout has one."""
        return next((slot for slot in self.lans if slot.role is role), None)


class AddressPlan(NetopsModel):
    """All address pools of the city WAN; they must not overlap."""

    loopbacks: IPv4Network = Field(description="Router loopbacks (/32 each)")
    links: IPv4Network = Field(description="Point-to-point WAN links (/31 each)")
    management: IPv4Network = Field(description="Out-of-band management network of the devices")
    datacenter: IPv4Network = Field(description="Data-center LANs (server, management)")
    site_blocks: tuple[SiteBlockPlan, ...] = Field(description="One plan per administrative level")

    @model_validator(mode="after")
    def _pools_disjoint(self) -> Self:
        pools = [
            ("loopbacks", self.loopbacks),
            ("links", self.links),
            ("management", self.management),
            ("datacenter", self.datacenter),
            *((f"site_blocks[{plan.level.value}]", plan.pool) for plan in self.site_blocks),
        ]
        for i, (name_a, pool_a) in enumerate(pools):
            for name_b, pool_b in pools[i + 1 :]:
                if pool_a.overlaps(pool_b):
                    raise ValueError(f"pools {name_a} ({pool_a}) and {name_b} ({pool_b}) overlap")
        levels = [plan.level for plan in self.site_blocks]
        if sorted(levels) != sorted(set(levels)):
            raise ValueError("site_blocks lists an administrative level twice")
        return self

    def site_plan(self, level: AdminLevel) -> SiteBlockPlan | None:
        """The site-block plan of a level."""
        return next((plan for plan in self.site_blocks if plan.level is level), None)
