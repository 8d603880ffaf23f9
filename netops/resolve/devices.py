"""Devices: named and numbered within their site, then built with their loopback, management and interfaces."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from citynet_models.addressing import DEVICES_PER_SITE, AddressPlan
from citynet_models.devices import Device, Interface, LoopbackInterface, ManagementInterface
from citynet_models.intent import DeviceIntent
from citynet_models.problems import ModelPath, item
from citynet_models.types import DeviceRole, Platform
from netops.intent.yamlsource import DataPath
from netops.resolve import allocate, naming
from netops.resolve.build import interface_order
from netops.resolve.collect import Findings, Phase
from netops.resolve.sites import SitePlan

#: A hostname is one DNS label.
_HOSTNAME_MAX = 63


@dataclass(frozen=True)
class DevicePlan:
    """A device whose name, number and platform are settled."""

    intent: DeviceIntent
    site: SitePlan
    name: str
    number: int
    platform: Platform
    data_path: DataPath


@dataclass(frozen=True)
class DevicePlans:
    """Every device accepted, by name in file order, and the sites one of whose devices was refused."""

    devices: Mapping[str, DevicePlan]
    #: Their LANs are not checked against a device list known to be short, so one mistake is reported once.
    incomplete_sites: frozenset[str]


def plan_devices(sites: Sequence[SitePlan]) -> Phase[DevicePlans]:
    """Name (given, or ``<site>-<role><nn>``) and number every device of every site."""
    found = Findings()
    devices: dict[str, DevicePlan] = {}
    incomplete_sites: set[str] = set()
    for site in sites:
        for index, intent in enumerate(site.intent.devices):
            number = intent.number if intent.number is not None else index
            name = intent.name or naming.default_device_name(site.slug, intent.role, number)
            data_path = (*site.data_path, "devices", index)
            path: ModelPath = ("devices", item(name))
            location = found.source(path, site.document, data_path)
            if intent.name is None and len(name) > _HOSTNAME_MAX:
                found.problem(path, location, "derived device name too long for a hostname",
                              f"at most {_HOSTNAME_MAX} characters (one DNS label: the limit of FRR, IOS-XE and "
                              f"VRP hostnames; NetBox keeps 64)",
                              f"{len(name)} characters: {name!r} (site slug + role + number)",
                              "give the device an explicit `name:`, or the site a shorter `slug:`")
                incomplete_sites.add(site.slug)
                continue
            if name in devices:
                first = devices[name].site.document.location(devices[name].data_path)
                found.problem(path, location, "duplicate device name", "each device name once in the city",
                              f"{name!r} again (first at {first})",
                              "give one of them another `name:`")
                incomplete_sites.add(site.slug)
                continue
            if number >= DEVICES_PER_SITE:
                found.problem((*path, "number"), location, "too many devices in one site",
                              f"device numbers 0-{DEVICES_PER_SITE - 1}", str(number),
                              "split the site, or give switches explicit numbers")
                incomplete_sites.add(site.slug)
                continue
            devices[name] = DevicePlan(intent=intent, site=site, name=name, number=number,
                                       platform=intent.platform or site.platform, data_path=data_path)
    return found.done(DevicePlans(devices=devices, incomplete_sites=frozenset(incomplete_sites)))


def build_devices(plan: AddressPlan, planned: Phase[DevicePlans],
                  *interfaces: Mapping[str, Sequence[Interface]]) -> Phase[tuple[Device, ...]]:
    """The device models, sorted by name: loopback (routers) and management address, given or allocated, then the
    ``interfaces`` the other phases made for each device (LAN gateways, WAN ports), by name, in order."""
    found = Findings()
    devices: list[Device] = []
    for device in planned.value.devices.values():
        path: ModelPath = ("devices", item(device.name))
        # The location recorded last for the name: a duplicate's, when the name was given twice.
        location = planned.sources[path]
        intent = device.intent
        try:
            loopback = None
            if intent.role is not DeviceRole.SWITCH:
                loopback = intent.loopback or allocate.loopback_address(plan, device.site.key, device.number)
            management = (allocate.interface(intent.management, plan.management.prefixlen)
                          if intent.management is not None
                          else allocate.management_address(plan, device.site.key, device.number))
        except allocate.AllocationError as error:
            found.problem(path, location, error.message, error.expected, error.found, error.hint)
            continue
        built: list[Interface] = []
        if loopback is not None:
            built.append(LoopbackInterface(kind="loopback", name=naming.loopback_interface(device.platform),
                                           address=allocate.interface(loopback, 32),
                                           description="router id, BGP source"))
        built.append(ManagementInterface(kind="management", name=naming.management_interface(device.platform),
                                         address=management, description="out-of-band management"))
        made = [interface for by_device in interfaces for interface in by_device.get(device.name, ())]
        built.extend(sorted(made, key=interface_order))
        model = found.build(Device, path, location, name=device.name, site=device.site.slug, role=intent.role,
                            platform=device.platform, number=device.number, loopback=loopback,
                            management=management, interfaces=tuple(built), tags=tuple(intent.tags))
        if model is not None:
            devices.append(model)
    return found.done(tuple(sorted(devices, key=lambda d: d.name)))
