"""Data-center hosts and the shared services they run."""

from collections.abc import Sequence
from ipaddress import IPv4Address
from typing import Annotated, Literal, Self

from pydantic import Field, field_validator, model_validator

from citynet_models.base import NetopsModel
from citynet_models.types import DisplayName, Hostname, PortNumber, Protocol, Slug, rule_error


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


def no_icmp[Ports: Sequence[ServicePort]](ports: Ports) -> Ports:
    """The ports of a service, refused when one is icmp."""
    # NetBox, the inventory of record, keeps services with tcp, udp and sctp ports only; the policy allows ping
    # on its own, so a service never needs icmp.
    if any(port.protocol is Protocol.ICMP for port in ports):
        raise rule_error("NetBox services have no ICMP", "tcp or udp ports (NetBox keeps tcp, udp and sctp)",
                         ", ".join(str(port) for port in ports),
                         "leave icmp out of the service; the policy allows ping separately")
    return ports


class Service(NetopsModel):
    """A shared e-government or infrastructure service hosted in the data center."""

    name: Slug = Field(description="Service identifier used by the policy, e.g. 'one-stop-shop'")
    display_name: DisplayName = Field(description="Human name, e.g. 'Hệ thống một cửa điện tử'")
    ports: tuple[ServicePort, ...] = Field(min_length=1, description="Ports the service listens on (tcp, udp)")

    @field_validator("ports")
    @classmethod
    def _no_icmp(cls, ports: tuple[ServicePort, ...]) -> tuple[ServicePort, ...]:
        return no_icmp(ports)


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

