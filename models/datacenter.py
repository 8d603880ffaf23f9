"""Data-center hosts and the shared services they run."""

from ipaddress import IPv4Address
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from models.base import NetopsModel
from models.types import DisplayName, Hostname, PortNumber, Protocol, Slug


class ServicePort(NetopsModel):
    """A port a service listens on (no port for ICMP)."""

    protocol: Protocol = Field(description="tcp, udp or icmp")
    port: PortNumber | None = Field(default=None, description="Port number (None for icmp)")

    @model_validator(mode="after")
    def _port_matches_protocol(self) -> Self:
        if self.protocol is Protocol.ICMP and self.port is not None:
            raise ValueError("an icmp service port takes no port number")
        if self.protocol is not Protocol.ICMP and self.port is None:
            raise ValueError(f"a {self.protocol.value} service port needs a port number")
        return self

    def __str__(self) -> str:
        return self.protocol.value if self.port is None else f"{self.protocol.value}/{self.port}"


class Service(NetopsModel):
    """A shared e-government or infrastructure service hosted in the data center."""

    name: Slug = Field(description="Service identifier used by the policy, e.g. 'one-stop-shop'")
    display_name: DisplayName = Field(description="Human name, e.g. 'Hệ thống một cửa điện tử'")
    ports: tuple[ServicePort, ...] = Field(min_length=1, description="Ports the service listens on")


class _HostBase(NetopsModel):
    name: Hostname = Field(description="Host name, unique in the city")
    site: Slug = Field(description="Site of the host (the data center)")
    lan: str = Field(description="Name of the site LAN the host is on")
    address: IPv4Address = Field(description="IPv4 address on that LAN")
    services: tuple[Slug, ...] = Field(description="Names of the services the host runs")


class PhysicalServer(_HostBase):
    """A physical server in a data-center rack."""

    kind: Literal["physical"] = Field(description="Discriminator")
    rack: str | None = Field(default=None, description="Rack name")
    serial: str | None = Field(default=None, description="Serial number")


class VirtualMachine(_HostBase):
    """A virtual machine on a data-center cluster."""

    kind: Literal["virtual"] = Field(description="Discriminator")
    cluster: str = Field(min_length=1, description="Virtualization cluster")
    vcpus: int = Field(ge=1, le=512, description="Virtual CPUs")
    memory_mb: int = Field(ge=128, description="Memory in MiB")


DcHost = Annotated[PhysicalServer | VirtualMachine, Field(discriminator="kind")]

