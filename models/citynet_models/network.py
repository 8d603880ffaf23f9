"""The Network root: the whole city WAN, validated across objects."""

from functools import cached_property
from typing import Any, Self

from pydantic import Field, model_validator

from citynet_models.addressing import AddressPlan
from citynet_models.admin import Area, City, District, Ward
from citynet_models.base import NetopsModel
from citynet_models.datacenter import DcHost, Service
from citynet_models.design_rules import DesignPolicy
from citynet_models.devices import Device
from citynet_models.gateways import HaPair
from citynet_models.links import Provider, WanLink
from citynet_models.policy import ReachabilityPolicy
from citynet_models.problems import NetworkInvalidError
from citynet_models.sites import Site
from citynet_models.units import Structure


class Network(NetopsModel):
    """The validated model every capability is a function of.

    Building one runs every cross-object check (see ``citynet_models.checks``); an invalid network
    cannot exist, so later phases never re-check what is guaranteed here.
    """

    city: City = Field(description="The city")
    structure: Structure = Field(
        default=Structure.LEGACY,
        description="Administrative structure the sites are described in: legacy (city, districts, wards) or 2025 "
                    "(the city over its communes and wards)")
    addressing: AddressPlan = Field(description="Address pools and the site LAN layout")
    districts: tuple[District, ...] = Field(description="District-level units, by code")
    wards: tuple[Ward, ...] = Field(description="Ward/commune-level units, by code")
    areas: tuple[Area, ...] = Field(default=(), description="Network aggregation areas, by code")
    providers: tuple[Provider, ...] = Field(description="Carriers of the WAN circuits")
    services: tuple[Service, ...] = Field(description="Shared services hosted in the data center")
    sites: tuple[Site, ...] = Field(description="Every site, by slug")
    devices: tuple[Device, ...] = Field(description="Every network device, by name")
    links: tuple[WanLink, ...] = Field(description="Every WAN link, by id")
    hosts: tuple[DcHost, ...] = Field(description="Data-center hosts, by name")
    policy: ReachabilityPolicy = Field(description="Reachability policy")
    ha_pairs: tuple[HaPair, ...] = Field(default=(), description="Active/standby device pairs, by name")
    design: DesignPolicy = Field(default_factory=DesignPolicy, description="Design rules and accepted risks")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        # Imported here because the checks read the model's indexes defined below.
        from citynet_models.checks import network_problems

        problems = network_problems(self)
        if problems:
            raise NetworkInvalidError(problems)
        return self

    @cached_property
    def site_by_slug(self) -> dict[str, Site]:
        """Sites indexed by slug."""
        return {site.slug: site for site in self.sites}

    @cached_property
    def device_by_name(self) -> dict[str, Device]:
        """Devices indexed by name."""
        return {device.name: device for device in self.devices}

    @cached_property
    def district_by_code(self) -> dict[str, District]:
        """Districts indexed by code."""
        return {district.code: district for district in self.districts}

    @cached_property
    def ward_by_code(self) -> dict[str, Ward]:
        """Wards indexed by code."""
        return {ward.code: ward for ward in self.wards}

    @cached_property
    def area_by_code(self) -> dict[str, Area]:
        """Aggregation areas indexed by code."""
        return {area.code: area for area in self.areas}

    @cached_property
    def groups(self) -> dict[str, District | Area]:
        """What sites are grouped under, by area code: the district of that code in the legacy structure (each
        district is its own area), the area itself in the 2025 one, which has no districts."""
        if self.structure is Structure.LEGACY:
            return dict(self.district_by_code)
        return dict(self.area_by_code)

    def replaced(self, **parts: Any) -> "Network":
        """A copy with some fields replaced (sites, devices, links, ...), built without validation: the caller
        keeps it valid. Unlike model_copy it holds none of this network's cached indexes."""
        fields = {name: getattr(self, name) for name in Network.model_fields}
        fields.update(parts)
        return Network.model_construct(**fields)

    @property
    def grouped_by(self) -> str:
        """What ``groups`` holds, as a column heading: ``district`` in the legacy structure, ``area`` in the 2025
        one."""
        return "district" if self.structure is Structure.LEGACY else "area"

    @property
    def placed_in(self) -> str:
        """What a site's administrative unit is called, as a column heading: ``ward`` in the legacy structure,
        ``unit`` (a commune-level unit) in the 2025 one."""
        return "ward" if self.structure is Structure.LEGACY else "unit"

    def place_counts(self) -> dict[str, int]:
        """How many groups and units the network has, keyed in the words of its structure: districts and wards of
        the legacy structure; in the 2025 one, areas and the units its sites are in (the official list has every
        unit of the city, most of them without a site of this intent)."""
        if self.structure is Structure.LEGACY:
            return {"districts": len(self.districts), "wards": len(self.wards)}
        return {"areas": len(self.areas), "units": len({site.ward for site in self.sites if site.ward})}

    @cached_property
    def ha_pair_of(self) -> dict[str, HaPair]:
        """The HA pair of each paired device, by device name."""
        return {device: pair for pair in self.ha_pairs for device in pair.members}

    @cached_property
    def service_by_name(self) -> dict[str, Service]:
        """Services indexed by name."""
        return {service.name: service for service in self.services}

    @cached_property
    def devices_by_site(self) -> dict[str, list[Device]]:
        """Devices of each site, in the model's order."""
        index: dict[str, list[Device]] = {}
        for device in self.devices:
            index.setdefault(device.site, []).append(device)
        return index

    @cached_property
    def uplinks_by_site(self) -> dict[str, list[WanLink]]:
        """Links whose downstream end is a device of the site: how the site reaches the WAN."""
        device_site = {device.name: device.site for device in self.devices}
        index: dict[str, list[WanLink]] = {}
        for link in self.links:
            site = device_site.get(link.downstream.device)
            if site is not None:
                index.setdefault(site, []).append(link)
        return index
