"""The vocabulary of city-netops: pure pydantic models, no I/O."""

from models.addressing import AddressPlan, LanSlot, SiteBlockPlan
from models.admin import City, District, Ward
from models.datacenter import DcHost, PhysicalServer, Service, ServicePort, VirtualMachine
from models.devices import (
    Device,
    Interface,
    LanInterface,
    LoopbackInterface,
    ManagementInterface,
    WanInterface,
)
from models.lans import Lan, lan_capacity
from models.links import Circuit, LinkEndpoint, Provider, WanLink
from models.network import Network
from models.policy import (
    AllowServices,
    DenyBetweenSites,
    DenyManagement,
    LanSelector,
    PolicyRule,
    ReachabilityPolicy,
)
from models.problems import Location, ModelPath, NetworkInvalidError, Problem
from models.sites import (
    CityAgencySite,
    Coordinates,
    DataCenterSite,
    DistrictCommitteeSite,
    MassOrganizationSite,
    PartyAgencySite,
    Site,
    WardCommitteeSite,
)
from models.slug import slugify

__all__ = [
    "AddressPlan",
    "AllowServices",
    "Circuit",
    "City",
    "CityAgencySite",
    "Coordinates",
    "DataCenterSite",
    "DcHost",
    "DenyBetweenSites",
    "DenyManagement",
    "Device",
    "District",
    "DistrictCommitteeSite",
    "Interface",
    "Lan",
    "LanInterface",
    "LanSelector",
    "LanSlot",
    "LinkEndpoint",
    "Location",
    "LoopbackInterface",
    "ManagementInterface",
    "MassOrganizationSite",
    "ModelPath",
    "Network",
    "NetworkInvalidError",
    "PartyAgencySite",
    "PhysicalServer",
    "PolicyRule",
    "Problem",
    "Provider",
    "ReachabilityPolicy",
    "Service",
    "ServicePort",
    "Site",
    "SiteBlockPlan",
    "VirtualMachine",
    "WanInterface",
    "WanLink",
    "Ward",
    "WardCommitteeSite",
    "lan_capacity",
    "slugify",
]
