"""Sites by kind: the data center, agencies, People's Committees, party and mass organizations."""

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from citynet_models.base import NetopsModel
from citynet_models.lans import Lan
from citynet_models.types import (
    AdminLevel,
    AreaCode,
    DisplayName,
    DistrictCode,
    Latitude,
    LifecycleStatus,
    Longitude,
    MassOrganizationType,
    Redundancy,
    SiteNumber,
    Slug,
    WardCode,
)
from citynet_models.variables import SiteVariables


class Coordinates(NetopsModel):
    """A point on the map (WGS 84)."""

    latitude: Latitude
    longitude: Longitude

    @model_validator(mode="before")
    @classmethod
    def _not_swapped(cls, data: Any) -> Any:
        # A latitude beyond ±90 that would be a valid longitude, with a longitude that would be a
        # valid latitude, is nearly always the two written the wrong way round (Hà Nội: 21, 105).
        if isinstance(data, dict):
            latitude, longitude = data.get("latitude"), data.get("longitude")
            if (isinstance(latitude, int | float) and isinstance(longitude, int | float)
                    and not isinstance(latitude, bool) and not isinstance(longitude, bool)
                    and 90 < abs(latitude) <= 180 and abs(longitude) <= 90):
                raise ValueError(
                    f"latitude and longitude look swapped: latitude {latitude} is beyond ±90 and "
                    f"longitude {longitude} would be a latitude; write "
                    f"{{latitude: {longitude}, longitude: {latitude}}}"
                )
        return data


class _SiteBase(NetopsModel):
    """What every site has, whatever its kind."""

    slug: Slug = Field(description="Unique ASCII identifier, derived from the name unless given")
    name: DisplayName = Field(description="Display name, e.g. 'UBND phường Phúc Xá'")
    level: AdminLevel = Field(description="Administrative level the site belongs to")
    number: SiteNumber = Field(description="Number of the site within its administrative unit")
    status: LifecycleStatus = Field(description="Where the site is in its rollout")
    address: str | None = Field(description="Street address")
    coordinates: Coordinates | None = Field(description="Location on the map")
    lans: tuple[Lan, ...] = Field(description="LANs of the site")
    redundancy: Redundancy | None = Field(
        description="How the site is attached to the WAN (None for the data center, which is the hub)"
    )
    district: DistrictCode | None = Field(description="District the site is in (legacy structure)")
    ward: WardCode | None = Field(description="Ward/commune the site is in (a unit of the declared structure)")
    area: AreaCode | None = Field(
        default=None,
        description="Aggregation area the site attaches through (None: homed to the data center directly)")
    vars: SiteVariables


class DataCenterSite(_SiteBase):
    """The State Data Center: core routers, firewalls and the shared e-government services."""

    kind: Literal["data_center"] = Field(description="Discriminator")


class CityAgencySite(_SiteBase):
    """A department or agency of the city People's Committee."""

    kind: Literal["city_agency"] = Field(description="Discriminator")


class DistrictCommitteeSite(_SiteBase):
    """A district People's Committee (UBND quận/huyện/thị xã); hosts the district's aggregation."""

    kind: Literal["district_committee"] = Field(description="Discriminator")
    district: DistrictCode = Field(description="District the committee governs")


class WardCommitteeSite(_SiteBase):
    """A ward/commune People's Committee (UBND phường/xã/thị trấn)."""

    kind: Literal["ward_committee"] = Field(description="Discriminator")
    ward: WardCode = Field(description="Ward the committee governs")


class PublicServicePointSite(_SiteBase):
    """A public-service point (điểm phục vụ hành chính công) of a unit: since 2025, often the former committee
    building of a ward merged into the unit."""

    kind: Literal["public_service_point"] = Field(description="Discriminator")
    ward: WardCode = Field(description="Unit the point serves")


class HubSite(_SiteBase):
    """The building of an aggregation area's routers: a network site, belonging to no administrative unit."""

    kind: Literal["hub"] = Field(description="Discriminator")
    area: AreaCode = Field(description="Area whose hub it is")


class PartyAgencySite(_SiteBase):
    """A Communist Party committee or agency at city, district or ward level."""

    kind: Literal["party_agency"] = Field(description="Discriminator")


class MassOrganizationSite(_SiteBase):
    """An office of a socio-political (mass) organization."""

    kind: Literal["mass_organization"] = Field(description="Discriminator")
    organization: MassOrganizationType = Field(description="Which mass organization")


Site = Annotated[
    DataCenterSite
    | CityAgencySite
    | DistrictCommitteeSite
    | WardCommitteeSite
    | PartyAgencySite
    | MassOrganizationSite
    | PublicServicePointSite
    | HubSite,
    Field(discriminator="kind"),
]
