"""The NAPALM compliance_report spec of each device, generated from the model (style lesson 12).

What the model implies a router shows once provisioned, as data:
- `get_interfaces`: every loopback, WAN and LAN interface up;
- `get_interfaces_ip`: each of them with its model address and prefix length;
- `get_bgp_neighbors`: every iBGP session the design configures (route reflectors and their clients) up,
  in strict mode (an unexpected peer fails the report).
OSPF has no NAPALM getter: the adjacencies are checked by `netops.verify.control` with `ospf_neighbors`.
The spec comes from the render design (`CityDesign.context`), so it names what the pushed config makes.
"""

from typing import Any

from models.devices import Device
from models.network import Network
from netops.render.design import CityDesign, DeviceContext
from netops.render.settings import RenderSettings

Spec = list[dict[str, Any]]


def _context(network: Network, device: Device, design: CityDesign | None = None) -> DeviceContext:
    return (design or CityDesign(network, RenderSettings())).context(device)


def device_spec(context: DeviceContext) -> Spec:
    """The validation spec of one device (a list of {getter: expected}, NAPALM's validate format)."""
    ports = [p for p in ((context.loopback_port,) if context.loopback_port else ()) if p is not None]
    ports += list(context.ports)
    interfaces: dict[str, Any] = {p.name: {"is_up": True} for p in ports}
    addresses: dict[str, Any] = {
        p.name: {"ipv4": {str(p.address.ip): {"prefix_length": p.address.network.prefixlen}}} for p in ports}
    spec: Spec = [{"get_interfaces": interfaces}, {"get_interfaces_ip": addresses}]
    if context.bgp is not None:
        peers: dict[str, Any] = {"_mode": "strict"}
        for neighbor in sorted(context.bgp.neighbors, key=lambda n: n.address):
            peers[str(neighbor.address)] = {"is_up": True, "remote_as": context.bgp.asn}
        spec.append({"get_bgp_neighbors": {"global": {"router_id": str(context.bgp.router_id), "peers": peers}}})
    return spec


def ospf_neighbors(network: Network, device: Device) -> dict[str, str]:
    """The OSPF adjacencies the model implies: local WAN interface -> far-end device (routers only)."""
    if not device.is_router:
        return {}
    devices = {d.name: d for d in network.devices}
    wanted: dict[str, str] = {}
    for interface in device.interfaces:
        peer = getattr(interface, "peer_device", None)
        if interface.kind == "wan" and peer is not None and devices[peer].is_router:
            wanted[interface.name] = peer
    return dict(sorted(wanted.items()))


def network_specs(network: Network, devices: list[str] | None = None,
                  settings: RenderSettings | None = None) -> dict[str, Spec]:
    """The spec of every router (or of the named devices), by device name."""
    design = CityDesign(network, settings or RenderSettings())
    chosen = set(devices) if devices is not None else None
    return {d.name: device_spec(design.context(d)) for d in network.devices
            if d.is_router and (chosen is None or d.name in chosen)}


def main(argv: list[str] | None = None) -> int:
    """`python -m netops.verify.spec [--intent DIR] [DEVICE ...]`: the specs as JSON, by device (for Ansible)."""
    import argparse
    import json
    import sys
    from pathlib import Path

    from netops.errors import InputError
    from netops.pipeline import load_network

    parser = argparse.ArgumentParser(prog="python -m netops.verify.spec", description=main.__doc__)
    parser.add_argument("--intent", type=Path, default=Path("inventory/city"))
    parser.add_argument("devices", nargs="*")
    args = parser.parse_args(argv)
    try:
        network = load_network(args.intent).network
    except InputError as error:
        sys.stderr.write(f"{error}\n")
        return 2
    unknown = sorted(set(args.devices) - {d.name for d in network.devices})
    if unknown:
        sys.stderr.write(f"unknown devices: {', '.join(unknown)}\n")
        return 2
    sys.stdout.write(json.dumps(network_specs(network, args.devices or None), indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
