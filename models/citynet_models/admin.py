"""Administrative units: the city, its districts and its wards/communes."""

from pydantic import Field

from citynet_models.base import NetopsModel
from citynet_models.types import Asn, CityCode, DisplayName, DistrictCode, DistrictKind, Slug, WardCode, WardKind


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
    """A commune-level unit: phường, xã or thị trấn."""

    code: WardCode = Field(description="Official ward/commune code")
    name: DisplayName = Field(description="Official name, e.g. 'Phường Phúc Xá'")
    slug: Slug = Field(description="ASCII slug derived from the name")
    kind: WardKind = Field(description="phuong, xa or thi_tran")
    district: DistrictCode = Field(description="Code of the district the ward belongs to")
