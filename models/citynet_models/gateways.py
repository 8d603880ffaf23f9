"""High availability: first-hop redundancy on LANs (VRRP) and active/standby device pairs (firewalls).

A LAN with first-hop redundancy keeps its gateway address (`Lan.gateway`, the VRRP virtual address hosts use),
and each member router has an address of its own on the LAN, keyed by the member's device number so it never
moves. The member with the highest priority is the master; `Lan.gateway_device` names it.
"""

from ipaddress import IPv4Address
from typing import Literal, Self

from pydantic import Field, model_validator

from citynet_models.base import NetopsModel
from citynet_models.types import Hostname, InterfaceName, Slug

#: VRRP priorities a configured router may take (RFC 5798 5.2.4: 255 is the address owner, 0 means leaving).
VRRP_PRIORITY_MIN = 1
VRRP_PRIORITY_MAX = 254


class TrackedUplink(NetopsModel):
    """A WAN interface whose loss lowers a member's VRRP priority."""

    interface: InterfaceName = Field(description="WAN interface of the member router")
    decrement: int = Field(ge=1, le=253, description="How much the priority drops while the interface is down")


class GatewayMember(NetopsModel):
    """One router of a VRRP group: its own address on the LAN and its priority."""

    device: Hostname = Field(description="Member router")
    interface: InterfaceName = Field(description="The router's interface on the LAN")
    address: IPv4Address = Field(description="The router's own address on the LAN (keyed by its device number)")
    priority: int = Field(ge=VRRP_PRIORITY_MIN, le=VRRP_PRIORITY_MAX, description="VRRP priority")
    track: tuple[TrackedUplink, ...] = Field(
        default=(), description="Uplinks tracked: losing all of them drops the priority below every other member's")


class FirstHopRedundancy(NetopsModel):
    """A LAN's virtual gateway shared by two or more routers of its site."""

    protocol: Literal["vrrp"] = Field(default="vrrp", description="VRRPv3 (RFC 5798) for IPv4")
    group: int = Field(ge=1, le=255, description="Virtual router id (VRID), unique on the LAN")
    virtual_address: IPv4Address = Field(description="The virtual gateway address: the LAN's gateway")
    members: tuple[GatewayMember, ...] = Field(
        min_length=2, description="Member routers, highest priority (the master) first")
    preempt: bool = Field(default=True, description="A higher-priority member takes mastership back")
    preempt_delay_s: int = Field(default=0, ge=0, le=3600, description="Seconds a member waits before preempting")
    advertisement_interval_ms: int = Field(
        default=1000, ge=10, le=40950, multiple_of=10, description="VRRPv3 advertisement interval")
    sync_group: Slug | None = Field(
        default=None, description="HA pair whose LANs fail over together (None: this LAN on its own)")

    @model_validator(mode="after")
    def _members_distinct_and_ordered(self) -> Self:
        devices = [member.device for member in self.members]
        if len(set(devices)) != len(devices):
            raise ValueError(f"a VRRP group names each member once, found {', '.join(devices)}")
        addresses = [member.address for member in self.members]
        if len(set(addresses)) != len(addresses) or self.virtual_address in addresses:
            raise ValueError("VRRP members need addresses of their own, distinct from the virtual address")
        priorities = [member.priority for member in self.members]
        if priorities != sorted(priorities, reverse=True) or len(set(priorities)) != len(priorities):
            raise ValueError(f"VRRP members are listed by strictly decreasing priority, found {priorities}")
        return self

    @property
    def master(self) -> GatewayMember:
        """The member that holds the virtual address while every member is up."""
        return self.members[0]


class HaPair(NetopsModel):
    """Two devices of one site acting as one: the active one forwards, the standby takes over on failure."""

    name: Slug = Field(max_length=64, description="Name of the pair, e.g. 'dc-fw'; the sync group of its LANs (NetBox "
                                                  "keeps it as a virtual chassis: at most 64 characters)")
    site: Slug = Field(description="Site of both devices")
    members: tuple[Hostname, Hostname] = Field(description="Active (primary) device, then the standby")
    mode: Literal["active_standby"] = Field(default="active_standby", description="Failover behaviour")
    sync_link: str = Field(description="Id of the link between the two devices carrying heartbeat and state sync")
    heartbeat_interval_ms: int = Field(default=1000, ge=100, le=10000, description="Heartbeat interval")
    dead_interval_ms: int = Field(default=3000, ge=300, le=60000,
                                  description="Silence after which the standby takes over")
    preempt: bool = Field(default=False, description="The primary takes the active role back when it returns")

    @model_validator(mode="after")
    def _two_devices_and_timers(self) -> Self:
        if self.members[0] == self.members[1]:
            raise ValueError(f"an HA pair needs two devices, found {self.members[0]} twice")
        if self.dead_interval_ms < 3 * self.heartbeat_interval_ms:
            raise ValueError(f"dead interval {self.dead_interval_ms} ms is under three heartbeats "
                             f"({self.heartbeat_interval_ms} ms each)")
        return self


__all__ = ["FirstHopRedundancy", "GatewayMember", "HaPair", "TrackedUplink"]
