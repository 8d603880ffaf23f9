"""WAN links between device interfaces, with their circuits."""

from ipaddress import IPv4Network
from typing import Self

from pydantic import Field, model_validator

from citynet_models.base import NetopsModel
from citynet_models.types import BandwidthMbps, DisplayName, Hostname, InterfaceName, LinkRole, Media, Slug


class Provider(NetopsModel):
    """A telecom carrier selling circuits (VNPT, Viettel, FPT, ...)."""

    slug: Slug = Field(description="ASCII identifier")
    name: DisplayName = Field(description="Display name")


class Circuit(NetopsModel):
    """The carrier circuit a WAN link rides on."""

    provider: Slug = Field(description="Slug of the provider")
    circuit_id: str = Field(min_length=1, max_length=100, description="Provider's circuit id")
    bandwidth_mbps: BandwidthMbps = Field(description="Committed bandwidth")
    media: Media = Field(description="Physical medium")


class LinkEndpoint(NetopsModel):
    """One end of a link."""

    device: Hostname = Field(description="Device name")
    interface: InterfaceName = Field(description="Interface name on that device")


class WanLink(NetopsModel):
    """A routed point-to-point WAN link (/31)."""

    id: str = Field(description="Stable id: '<upstream>--<downstream>' plus an index when parallel")
    role: LinkRole = Field(description="Where the link sits in the design")
    upstream: LinkEndpoint = Field(description="End towards the data center")
    downstream: LinkEndpoint = Field(description="End towards the site")
    prefix: IPv4Network = Field(description="The /31 of the link")
    ospf_area: int = Field(ge=0, description="OSPF area of the link (0 is the backbone)")
    ospf_cost: int = Field(ge=1, le=65535, description="OSPF cost (from bandwidth, or given)")
    circuit: Circuit | None = Field(description="Carrier circuit, None for in-building links")

    @model_validator(mode="after")
    def _point_to_point(self) -> Self:
        if self.prefix.prefixlen != 31:
            raise ValueError(f"a WAN link is a /31, found {self.prefix}")
        return self
