"""Administrative units (the city, its districts and its wards/communes) and the network's aggregation areas,
which are not administrative units."""

from pydantic import Field

from citynet_models.base import NetopsModel
from citynet_models.types import (
    AreaCode,
    Asn,
    CityCode,
    DisplayName,
    DistrictCode,
    DistrictKind,
    Slug,
    WardCode,
    WardKind,
)


class City(NetopsModel):
    """The province-level city the network belongs to."""

    code: CityCode = Field(description="Official code of the city (Hà Nội: 01)")
    name: DisplayName = Field(description="Official name, e.g. 'Thành phố Hà Nội'")
    slug: Slug = Field(description="ASCII slug derived from the name")
    asn: Asn = Field(description="Private AS number of the city WAN (one iBGP domain)")


class District(NetopsModel):
    """A district-level unit: quận, huyện or thị xã."""

    code: DistrictCode = Field(description="Official district code")
    name: DisplayName = Field(description="Official name, e.g. 'Quận Ba Đình'")
    slug: Slug = Field(description="ASCII slug derived from the name")
    kind: DistrictKind = Field(description="quan, huyen or thi_xa")


class Ward(NetopsModel):
    """A commune-level unit of the structure the intent declares: phường, xã or thị trấn (legacy), phường, xã or
    đặc khu (2025)."""

    code: WardCode = Field(description="Official ward/commune code")
    name: DisplayName = Field(description="Official name, e.g. 'Phường Phúc Xá'")
    slug: Slug = Field(description="ASCII slug derived from the name")
    kind: WardKind = Field(description="phuong, xa or thi_tran (dac_khu since 2025)")
    district: DistrictCode | None = Field(
        description="Code of the district the ward belongs to (None in the 2025 structure, which has no districts)")


class Area(NetopsModel):
    """A network aggregation area: the hub routers a group of sites attaches through.

    In the legacy structure each district is an area (its committee hosts the hub); in the 2025 structure areas are
    the network's own, named in areas/, and outlive the districts they were built for.
    """

    code: AreaCode = Field(description="Area number (OSPF area of its access links; addressing key of its hubs)")
    name: DisplayName = Field(description="Display name, e.g. 'Cụm Ba Đình'")
    slug: Slug = Field(description="ASCII slug derived from the name")
