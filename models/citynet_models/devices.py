"""Devices and their interfaces."""

from ipaddress import IPv4Address, IPv4Interface
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from citynet_models.base import NetopsModel
from citynet_models.types import DeviceRole, Hostname, InterfaceName, Platform, Slug, VlanId


class _InterfaceBase(NetopsModel):
    name: InterfaceName = Field(description="Interface name on the device's platform")
    description: str = Field(max_length=200, description="Interface description, naming the far end (NetBox: 200)")
    address: IPv4Interface = Field(description="IPv4 address with prefix length")


class LoopbackInterface(_InterfaceBase):
    """The router's /32 loopback: router id and BGP source."""

    kind: Literal["loopback"] = Field(description="Discriminator")

    @model_validator(mode="after")
    def _host_route(self) -> Self:
        if self.address.network.prefixlen != 32:
            raise ValueError(f"loopback address must be a /32, found {self.address}")
        return self


class WanInterface(_InterfaceBase):
    """One end of a WAN link."""

    kind: Literal["wan"] = Field(description="Discriminator")
    link: str = Field(description="Id of the WAN link this interface terminates")
    peer_device: Hostname = Field(description="Device at the far end")
    peer_interface: InterfaceName = Field(description="Interface at the far end")


class LanInterface(_InterfaceBase):
    """A routed gateway interface of a site LAN (VLAN subinterface or SVI)."""

    kind: Literal["lan"] = Field(description="Discriminator")
    vlan: VlanId = Field(description="VLAN id of the LAN")
    lan: str = Field(description="Name of the LAN within the device's site")


class ManagementInterface(_InterfaceBase):
    """Out-of-band management interface."""

    kind: Literal["management"] = Field(description="Discriminator")


Interface = Annotated[
    LoopbackInterface | WanInterface | LanInterface | ManagementInterface,
    Field(discriminator="kind"),
]


class Device(NetopsModel):
    """A network device of the WAN."""

    name: Hostname = Field(description="Hostname, unique in the city")
    site: Slug = Field(description="Slug of the site the device stands in")
    role: DeviceRole = Field(description="Role in the WAN")
    platform: Platform = Field(description="Network operating system")
    number: int = Field(ge=0, le=3, description="Index of the device within its site (addressing key)")
    loopback: IPv4Address | None = Field(description="Router id / loopback address (None for switches)")
    management: IPv4Interface = Field(description="Management address with the management prefix length")
    interfaces: tuple[Interface, ...] = Field(description="Every interface the design gives the device")
    tags: tuple[Slug, ...] = Field(default=(), description="Free tags from intent")

    @property
    def is_router(self) -> bool:
        """Whether the device routes (takes part in OSPF/BGP)."""
        return self.role in (DeviceRole.CORE, DeviceRole.AGGREGATION, DeviceRole.ACCESS_ROUTER,
                             DeviceRole.FIREWALL)
