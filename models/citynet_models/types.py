"""Constrained types and vocabularies shared by every model."""

import difflib
import re
import socket
import unicodedata
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

from citynet_models.variables import RULE_ERROR

Slug = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", min_length=1, max_length=100),
    Field(description="ASCII identifier: lower-case letters, digits and single hyphens"),
]
Hostname = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"),
    Field(description="Device hostname: lower-case letters, digits and hyphens, at most 63 characters"),
]
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def one_line(text: str) -> str:
    """Refuse control characters: names and ids end up in device config lines, where a line break would
    start a command of its own."""
    found = _CONTROL.search(text)
    if found:
        raise ValueError(f"no control characters (line breaks, tabs) allowed here; found {found.group()!r} "
                         f"at position {found.start() + 1}")
    return text


#: The check that text is a single line, as descriptions, circuit ids and rack names must be; it goes after the
#: length constraints: ``Annotated[str, StringConstraints(max_length=100), OneLine]``.
OneLine = AfterValidator(one_line)

DisplayName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=100),
    AfterValidator(one_line),
    # One spelling per name: composed (NFC) and decomposed (NFD) diacritics look alike but are
    # different strings to NetBox, to uniqueness checks and to search.
    AfterValidator(lambda text: unicodedata.normalize("NFC", text)),
    Field(description="Human name, Vietnamese with diacritics where it has them (at most 100 characters, "
                      "NetBox's limit for names)"),
]
CityCode = Annotated[
    str,
    StringConstraints(pattern=r"^\d{2}$"),
    Field(description="Official two-digit province/city code (Hà Nội is 01)"),
]
DistrictCode = Annotated[
    str,
    StringConstraints(pattern=r"^\d{3}$"),
    Field(description="Official three-digit district-level code (Ba Đình is 001)"),
]
AreaCode = Annotated[
    str,
    StringConstraints(pattern=r"^\d{3}$"),
    Field(description="Three-digit number of a network aggregation area (by convention its old district's code)"),
]
WardCode = Annotated[
    str,
    StringConstraints(pattern=r"^\d{5}$"),
    Field(description="Official five-digit ward/commune code (Phúc Xá is 00001)"),
]
InterfaceName = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9/.:-]{0,63}$"),
    Field(description="Interface name as the platform spells it (eth1, GigabitEthernet0/0/1, ...)"),
]
VlanId = Annotated[int, Field(ge=1, le=4094, description="IEEE 802.1Q VLAN id")]
Asn = Annotated[int, Field(ge=1, le=4_294_967_295, description="Autonomous system number")]
PortNumber = Annotated[int, Field(ge=1, le=65535, description="TCP/UDP port")]
BandwidthMbps = Annotated[int, Field(ge=1, le=400_000, description="Bandwidth in Mbit/s")]
SiteNumber = Annotated[
    int,
    Field(ge=0, le=255, description="Number of a site within its administrative unit (addressing key)"),
]
#: Decimal places a coordinate may have: NetBox keeps six (about 11 cm), and refuses more.
COORDINATE_PLACES = 6


def _coordinate_places(value: float) -> float:
    if round(value, COORDINATE_PLACES) != value:
        raise rule_error("more decimal places than NetBox keeps",
                         f"at most {COORDINATE_PLACES} decimal places (about 11 cm)", repr(value),
                         f"write {round(value, COORDINATE_PLACES)}")
    return value


Latitude = Annotated[float, Field(ge=-90, le=90, description="Latitude in decimal degrees (WGS 84), at most 6 places"),
                     AfterValidator(_coordinate_places)]
Longitude = Annotated[float, Field(ge=-180, le=180, description="Longitude in decimal degrees (WGS 84), at most 6 "
                                   "places"), AfterValidator(_coordinate_places)]


class DistrictKind(StrEnum):
    """Kinds of district-level administrative units."""

    URBAN_DISTRICT = "quan"  # quận
    RURAL_DISTRICT = "huyen"  # huyện
    DISTRICT_TOWN = "thi_xa"  # thị xã


class WardKind(StrEnum):
    """Kinds of commune-level administrative units."""

    WARD = "phuong"  # phường
    COMMUNE = "xa"  # xã
    TOWNSHIP = "thi_tran"  # thị trấn
    SPECIAL_ZONE = "dac_khu"  # đặc khu (island units, 2025 structure)


class LegacyWardKind(StrEnum):
    """Kinds of commune-level units of the legacy structure (district files)."""

    WARD = "phuong"  # phường
    COMMUNE = "xa"  # xã
    TOWNSHIP = "thi_tran"  # thị trấn


class SiteKind(StrEnum):
    """What a site is, which decides its addressing level and its policy."""

    DATA_CENTER = "data_center"
    CITY_AGENCY = "city_agency"
    DISTRICT_COMMITTEE = "district_committee"
    WARD_COMMITTEE = "ward_committee"
    PARTY_AGENCY = "party_agency"
    MASS_ORGANIZATION = "mass_organization"
    PUBLIC_SERVICE_POINT = "public_service_point"  # điểm phục vụ hành chính công (2025 structure)
    HUB = "hub"  # the building of an aggregation area's routers (2025 structure): a network site, no unit


class AdminLevel(StrEnum):
    """The administrative level a site belongs to."""

    CITY = "city"
    DISTRICT = "district"
    WARD = "ward"


class LifecycleStatus(StrEnum):
    """Rollout lifecycle of a site, in order."""

    PLANNED = "planned"
    STAGED = "staged"
    PROVISIONED = "provisioned"
    VERIFIED = "verified"
    ACCEPTED = "accepted"
    DECOMMISSIONED = "decommissioned"


class DeviceRole(StrEnum):
    """Role of a device in the WAN."""

    CORE = "core"
    AGGREGATION = "aggregation"
    ACCESS_ROUTER = "access_router"
    FIREWALL = "firewall"
    SWITCH = "switch"


class Platform(StrEnum):
    """Network operating system of a device."""

    FRR = "frr"
    CISCO_IOSXE = "cisco_iosxe"
    HUAWEI_VRP = "huawei_vrp"


class LanRole(StrEnum):
    """What a LAN is for; policy is written in these terms."""

    STAFF = "staff"
    ONE_STOP_SHOP = "one_stop_shop"
    CAMERA = "camera"
    MANAGEMENT = "management"
    SERVERS = "servers"
    GUEST = "guest"


class Media(StrEnum):
    """Physical medium of a WAN circuit."""

    FIBER = "fiber"
    COPPER = "copper"
    MICROWAVE = "microwave"
    LTE = "lte"


class LinkRole(StrEnum):
    """Where a WAN link sits in the design, derived from the roles of its ends."""

    CORE = "core"  # core <-> core, core <-> firewall inside the data center
    BACKBONE = "backbone"  # core <-> aggregation
    DISTRICT = "district"  # aggregation <-> aggregation of one district
    ACCESS = "access"  # aggregation (or core) <-> a site's router


class Redundancy(StrEnum):
    """How a site is attached to the WAN."""

    SINGLE_HOMED = "single_homed"
    DUAL_HOMED = "dual_homed"


class Protocol(StrEnum):
    """Transport protocol of a service port."""

    TCP = "tcp"
    UDP = "udp"
    ICMP = "icmp"


class MassOrganizationType(StrEnum):
    """The socio-political organizations of the Vietnamese Fatherland Front system."""

    FATHERLAND_FRONT = "fatherland_front"  # Mặt trận Tổ quốc
    WOMEN_UNION = "women_union"  # Hội Liên hiệp Phụ nữ
    YOUTH_UNION = "youth_union"  # Đoàn Thanh niên
    FARMERS_UNION = "farmers_union"  # Hội Nông dân
    VETERANS_ASSOCIATION = "veterans_association"  # Hội Cựu chiến binh
    TRADE_UNION = "trade_union"  # Liên đoàn Lao động


#: How a service port is written in intent: 'tcp/443', 'udp/123', or 'icmp'.
_PORT_TEXT = re.compile(r"^(?P<protocol>[^/\s]*)(?:/(?P<port>.*))?$")
_PORT_FORM = "'<protocol>/<port number>' with protocol tcp or udp and a port 1-65535 (e.g. 'tcp/443'), or 'icmp'"


def parse_service_port(value: Any) -> Any:
    """A port written 'tcp/443' as the mapping the ServicePort model validates; anything else passes through.

    A string that is not of that form is refused here with what was written, so the error shows 'udp/ntp'
    and not a mapping the user never wrote.
    """
    if isinstance(value, bool) or not isinstance(value, str | int):
        return value
    if isinstance(value, int):
        _port_error(repr(value), "a port number without its protocol", f"write it with its protocol: 'tcp/{value}'"
                    f" or 'udp/{value}'")
    text = str(value).strip()
    match = _PORT_TEXT.match(text)
    protocol = (match["protocol"] if match else text).lower()
    port = match["port"] if match else None
    protocols = [p.value for p in Protocol]
    if protocol not in protocols:
        close = difflib.get_close_matches(protocol, protocols, n=1)
        _port_error(repr(text), f"unknown protocol {protocol!r}",
                    f"did you mean '{close[0]}{'/' + port if port else ''}'?" if close else
                    "the protocol is tcp, udp or icmp")
    if protocol == Protocol.ICMP.value:
        if port is not None:
            _port_error(repr(text), "icmp takes no port number", "write 'icmp'")
        return {"protocol": protocol}
    if port is None or port == "":
        _port_error(repr(text), f"a {protocol} port without its number", f"write e.g. '{protocol}/443'")
    assert port is not None
    if port.isdigit():
        number = int(port)
        if not 1 <= number <= 65535:
            _port_error(repr(text), f"port {number} out of range", "ports are numbered 1 to 65535")
        return {"protocol": protocol, "port": number}
    bounds = re.fullmatch(r"(\d+)\s*-\s*(\d+)", port)
    if bounds:
        first, last = int(bounds[1]), int(bounds[2])
        listed = ", ".join(f"'{protocol}/{n}'" for n in range(first, last + 1)) if 0 < last - first < 8 else ""
        _port_error(repr(text), "a port range", f"one port per entry: write {listed}" if listed else
                    "one port per entry: list each port the service listens on")
    known = _well_known_port(port, protocol)
    _port_error(repr(text), f"port {port!r} is not a number",
                f"write the number: '{protocol}/{known}'" if known else
                f"write the port number, e.g. '{protocol}/443'")
    return value  # pragma: no cover - _port_error always raises


def _well_known_port(name: str, protocol: str) -> int | None:
    try:
        return socket.getservbyname(name.lower(), protocol)
    except OSError:
        return None


def _port_error(found: str, problem: str, hint: str) -> None:
    raise rule_error(f"invalid service port: {problem}", _PORT_FORM, found, hint)


def rule_error(message: str, expected: str, found: str, hint: str) -> PydanticCustomError:
    """A validation error of a model rule that says what was expected, what was found and what to do."""
    return PydanticCustomError(RULE_ERROR, "{message}",
                               {"message": message, "expected": expected, "found": found, "hint": hint})
