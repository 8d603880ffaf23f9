"""Design choices the model does not carry: OSPF authentication, timers and access areas, account and AAA
names, the route reflectors' client limit.

They apply to the whole city; the defaults are the production design. A YAML file given with
`netops render --settings FILE` overrides them (the lab uses `ospf_timers: fast`).
"""

from ipaddress import IPv4Network
from pathlib import Path
from typing import Literal

from pydantic import Field

from citynet_models.base import NetopsModel
from citynet_models.types import Slug
from netops.intent.loader import load_model_file


class RenderSettings(NetopsModel):
    """City-wide render settings."""

    ospf_authentication: Literal["md5", "hmac-sha256"] = Field(
        default="md5", description="OSPF authentication on WAN links (the key is the secret `ospf_key`)"
    )
    ospf_key_id: int = Field(default=1, ge=1, le=255, description="OSPF authentication key id")
    ospf_timers: Literal["standard", "fast", "throttled"] = Field(
        default="standard",
        description="standard: platform defaults (hello 10 s, dead 40 s); fast: hello 1 s, dead 4 s, "
        "SPF/LSA throttling off (a small lab); throttled: standard hellos, SPF held 1 s to 30 s and LSAs 5 s "
        "between changes (a large lab, where hundreds of routers start at once)",
    )
    access_areas: Literal["totally_stubby", "standard"] = Field(
        default="totally_stubby",
        description="totally_stubby: every area but the backbone is totally stubby: its border routers give it a "
        "default route instead of the other areas' routes, and its routers take only the default from the route "
        "reflectors, so an access router holds its own area's routes and a default whatever the city's size; "
        "standard: every router holds every LAN of the city, in OSPF and again in BGP",
    )
    aaa_service: Slug = Field(
        default="radius",
        description="Data-center service whose hosts are the AAA (RADIUS) servers; when the city has no such "
        "service, devices authenticate against local accounts only",
    )
    local_admin_user: str = Field(default="netops-admin", pattern=r"^[a-z][a-z0-9-]{0,31}$",
                                  description="Local fallback account (password: secret `local_admin_password`)")
    snmp_user: str = Field(default="netops-nms", pattern=r"^[a-z][a-z0-9-]{0,31}$",
                           description="SNMPv3 user (auth/priv keys: secrets `snmp_auth_key`, `snmp_priv_key`)")
    extra_management_sources: tuple[IPv4Network, ...] = Field(
        default=(),
        description="More networks allowed to manage every device, e.g. the lab's out-of-band bridge when it is "
        "not the model's management pool",
    )
    domain_name: str = Field(default="wan.hanoi.gov.vn", pattern=r"^[a-z0-9.-]+$",
                             description="DNS domain of the devices (IOS-XE needs one for SSH keys)")
    bgp_listen_limit: int = Field(
        default=4000, ge=1, le=5000,
        description="Most route-reflector clients a core accepts (BGP dynamic neighbours from the loopback pool); "
        "a design value that does not follow the router count, so adding a site leaves the cores' configs as "
        "they are. A city with more client routers is refused (5000: IOS-XE's ceiling)",
    )


def load_settings(path: Path | None) -> RenderSettings:
    """The settings in a YAML file (or the defaults); raise InputError naming the file, line and key."""
    if path is None:
        return RenderSettings()
    return load_model_file(path, RenderSettings, "render settings")
