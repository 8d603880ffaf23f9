"""Site LANs: one VLAN, one prefix, one gateway each."""

from ipaddress import IPv4Address, IPv4Network
from typing import Self

from pydantic import Field, model_validator

from citynet_models.base import NetopsModel
from citynet_models.gateways import FirstHopRedundancy
from citynet_models.types import Hostname, InterfaceName, LanRole, VlanId

#: Addresses of a LAN that hosts cannot use: network, broadcast and the gateway.
RESERVED_ADDRESSES_PER_LAN = 3


def lan_capacity(prefix: IPv4Network, gateway_members: int = 0) -> int:
    """How many hosts fit in a LAN prefix once network, broadcast and gateway are set aside, and the own
    address of each router of a redundant gateway (`gateway_members` of them)."""
    return max(prefix.num_addresses - RESERVED_ADDRESSES_PER_LAN - gateway_members, 0)


class Lan(NetopsModel):
    """A LAN of a site, routed by one of the site's devices."""

    name: str = Field(description="Name of the LAN, unique within its site (default: the role)")
    role: LanRole = Field(description="What the LAN is for; policy is written in these terms")
    vlan: VlanId = Field(description="VLAN id, unique within the site")
    prefix: IPv4Network = Field(description="IPv4 prefix of the LAN")
    gateway: IPv4Address = Field(description="Address of the routed gateway interface")
    gateway_device: Hostname = Field(description="Device that routes the LAN")
    gateway_interface: InterfaceName = Field(description="Interface of the gateway device on this LAN")
    hosts: int = Field(ge=0, description="Expected number of hosts (excluding the gateway)")
    dhcp_relay: bool = Field(description="Whether the gateway relays DHCP to the data center")
    redundancy: FirstHopRedundancy | None = Field(
        default=None, description="The LAN's virtual gateway shared by several routers (None: one router)")

    @property
    def gateway_devices(self) -> tuple[str, ...]:
        """Every router that can route the LAN: the VRRP members, master first, or the one gateway device."""
        if self.redundancy is None:
            return (self.gateway_device,)
        return tuple(member.device for member in self.redundancy.members)

    @model_validator(mode="after")
    def _gateway_inside_and_hosts_fit(self) -> Self:
        if self.gateway not in self.prefix or self.gateway in (
            self.prefix.network_address,
            self.prefix.broadcast_address,
        ):
            raise ValueError(
                f"gateway {self.gateway} must be a host address of prefix {self.prefix}"
            )
        members = len(self.redundancy.members) if self.redundancy is not None else 0
        if self.hosts > lan_capacity(self.prefix, members):
            raise ValueError(
                f"LAN {self.name} (VLAN {self.vlan}) expects {self.hosts} hosts but {self.prefix} "
                f"holds {lan_capacity(self.prefix, members)}"
            )
        if self.redundancy is not None:
            vrrp = self.redundancy
            if vrrp.virtual_address != self.gateway:
                raise ValueError(f"the VRRP virtual address {vrrp.virtual_address} must be the LAN's gateway "
                                 f"{self.gateway}")
            if vrrp.master.device != self.gateway_device or vrrp.master.interface != self.gateway_interface:
                raise ValueError(f"the LAN's gateway device must be its VRRP master {vrrp.master.device}")
            for member in vrrp.members:
                if member.address not in self.prefix or member.address in (
                        self.prefix.network_address, self.prefix.broadcast_address):
                    raise ValueError(f"VRRP member {member.device}'s address {member.address} must be a host "
                                     f"address of {self.prefix}")
        return self
