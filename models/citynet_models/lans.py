"""Site LANs: one VLAN, one prefix, one gateway each."""

from ipaddress import IPv4Address, IPv4Network
from typing import Self

from pydantic import Field, model_validator

from citynet_models.base import NetopsModel
from citynet_models.types import Hostname, InterfaceName, LanRole, VlanId

#: Addresses of a LAN that hosts cannot use: network, broadcast and the gateway.
RESERVED_ADDRESSES_PER_LAN = 3


def lan_capacity(prefix: IPv4Network) -> int:
    """How many hosts fit in a LAN prefix once network, broadcast and gateway are set aside."""
    return max(prefix.num_addresses - RESERVED_ADDRESSES_PER_LAN, 0)


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

    @model_validator(mode="after")
    def _gateway_inside_and_hosts_fit(self) -> Self:
        if self.gateway not in self.prefix or self.gateway in (
            self.prefix.network_address,
            self.prefix.broadcast_address,
        ):
            raise ValueError(
                f"gateway {self.gateway} must be a host address of prefix {self.prefix}"
            )
        if self.hosts > lan_capacity(self.prefix):
            raise ValueError(
                f"LAN {self.name} (VLAN {self.vlan}) expects {self.hosts} hosts but {self.prefix} "
                f"holds {lan_capacity(self.prefix)}"
            )
        return self
