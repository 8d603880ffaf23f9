"""The allocation record kept beside the intent (`<intent>/allocations.yml`): what each site was given.

netops writes it (`netops allocations update`) and reads it when resolving: a site it lists keeps its addressing
key and its ports on upstream routers whatever happens to its unit or to the sites around it. It is reviewed in
git like code and never edited by hand.
"""

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from citynet_models.base import NetopsModel
from citynet_models.types import Slug

#: ``level/unit/number``: ``city/0/<n>``, ``district/<3-digit code>/<n>`` or ``ward/<5-digit code>/<n>``.
KEY_PATTERN = r"^(city/0|district/\d{3}|ward/\d{5})/\d{1,3}$"
#: ``<device number>.<uplink index>`` of the site.
UPLINK_PATTERN = r"^\d{1,3}\.\d{1,2}$"
#: ``<upstream device>:<port>``.
PORT_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?:\S+$"

SiteKeyText = Annotated[str, StringConstraints(pattern=KEY_PATTERN), Field(
    description="The site's addressing key, level/unit/number (e.g. ward/00001/0): every address follows from it")]
UplinkRef = Annotated[str, StringConstraints(pattern=UPLINK_PATTERN), Field(
    description="Device number and uplink index within the site, e.g. 0.1 (device 0, second uplink)")]
UpstreamPort = Annotated[str, StringConstraints(pattern=PORT_PATTERN), Field(
    description="The upstream device and the port the uplink lands on, e.g. ba-dinh-agg-01:eth3")]


class SiteAllocation(NetopsModel):
    """What one site holds: its addressing key and the upstream ports of its uplinks."""

    key: SiteKeyText
    ports: dict[UplinkRef, UpstreamPort] = Field(
        default_factory=dict, description="By device number and uplink index, the upstream port the link lands on")


class AllocationRecord(NetopsModel):
    """Every site's allocations, by site slug; removed sites stay until released."""

    version: Literal[1] = Field(description="The record's format version")
    sites: dict[Slug, SiteAllocation] = Field(default_factory=dict, description="Allocations by site slug")
