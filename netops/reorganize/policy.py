"""The reorganization policy: the choices `netops reorganize` makes where the official mapping leaves one open.

Every field has a default rule (docs/reorganize.md); a policy file names only the exceptions.
"""

from enum import StrEnum

from pydantic import Field

from citynet_models.base import NetopsModel
from citynet_models.types import Slug, WardCode


class MergedFate(StrEnum):
    """What a merged ward's committee site becomes when another site is its unit's committee."""

    PUBLIC_SERVICE_POINT = "public_service_point"  # điểm phục vụ hành chính công, in service
    DECOMMISSION = "decommission"  # kept in intent with status decommissioned until it is taken out


class DistrictFate(StrEnum):
    """What a district-level site no other site attaches through becomes (districts are dissolved)."""

    RETIRE = "retire"  # left out of the intent; its allocations stay recorded until released
    HUB = "hub"  # kept as a network site of its area, like the hubs


class ReorganizePolicy(NetopsModel):
    """policy.yml of `netops reorganize --policy`: the exceptions to the default rules."""

    units: dict[WardCode, WardCode] = Field(
        default_factory=dict,
        description="Legacy ward -> the 2025 unit its sites go to, for a ward split between several units "
                    "(default: the dataset's default unit, the first of its successions)")
    headquarters: dict[WardCode, list[Slug]] = Field(
        default_factory=dict,
        description="2025 unit -> slugs of the sites that become its People's Committee, party committee and mass "
                    "organization offices (default: the sites of the legacy ward whose code the unit took, else of "
                    "the lowest legacy code)")
    merged_committees: MergedFate = Field(
        default=MergedFate.PUBLIC_SERVICE_POINT,
        description="What the other merged wards' committee sites become")
    district_sites: DistrictFate = Field(
        default=DistrictFate.RETIRE,
        description="What district-level sites that no other site attaches through become")
