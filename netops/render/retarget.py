"""Render a device as another platform: the same design, interface names as that platform spells them.

Golden files render every device of a city for every platform, and `netops render --as-platform`
previews a migration. Only the device's own interface names change; descriptions keep naming the
far end as it really is.
"""

import re

from citynet_models.devices import Device, Interface, LanInterface, LoopbackInterface, ManagementInterface, WanInterface
from citynet_models.types import Platform
from netops.resolve import naming

_PORT_NUMBER = re.compile(r"(\d+)$")


def retarget(device: Device, platform: Platform) -> Device:
    """The device as if it ran `platform` (itself when it already does)."""
    if device.platform is platform:
        return device
    interfaces = tuple(_rename(interface, platform) for interface in device.interfaces)
    return device.model_copy(update={"platform": platform, "interfaces": interfaces})


def _rename(interface: Interface, platform: Platform) -> Interface:
    if isinstance(interface, LoopbackInterface):
        name = naming.loopback_interface(platform)
    elif isinstance(interface, ManagementInterface):
        name = naming.management_interface(platform)
    elif isinstance(interface, LanInterface):
        name = naming.lan_interface(platform, interface.vlan)
    else:
        assert isinstance(interface, WanInterface)
        match = _PORT_NUMBER.search(interface.name)
        # A hand-given name with no trailing port number keeps its name (it is kept on every platform).
        name = naming.wan_port(platform, int(match.group(1))) if match else interface.name
    return interface.model_copy(update={"name": name})
