"""The NAPALM compliance_report spec of each device, generated from the model.

What the model implies a router shows once provisioned, as data:
- `get_interfaces`: every loopback, WAN and LAN interface up;
- `get_interfaces_ip`: each of them with its model address and prefix length;
- `get_bgp_neighbors`: every iBGP session the design makes up, in strict mode (an unexpected peer fails the
  report): the configured neighbours, and on a route reflector its clients, which it accepts as dynamic
  neighbours from the loopback pool (the model says which routers they are; the config does not name them).
OSPF has no NAPALM getter: the adjacencies are checked by `netops.verify.engine` with `ospf_neighbors`.
The spec comes from the run's design (`netops.design`, built with the render settings provisioning used), so it
names what the pushed config makes.

A *scope* (the devices present: a lab of some districts, an Ansible limit) narrows what is expected: a WAN
interface towards a device out of scope is not expected up (its link is not there), a configured BGP neighbour
out of scope is expected configured (strict mode still holds) but not up, and a reflector's client out of scope
is not expected at all (a dynamic neighbour exists only while its router is connected).
"""

from collections.abc import Collection
from typing import Any

from citynet_models.devices import Device
from citynet_models.network import Network
from netops.design import Design
from netops.render.design import DeviceContext

Spec = list[dict[str, Any]]


def device_spec(context: DeviceContext, scope: Collection[str] | None = None,
                peers_of: dict[str, str] | None = None, running: Collection[str] | None = None) -> Spec:
    """The validation spec of one device (a list of {getter: expected}, NAPALM's validate format).

    `scope`: the devices verified (None: all); `peers_of`: the device's WAN interfaces -> far-end device
    (`wan_peers(device)`), needed with a scope; `running`: the devices that exist, when more than the scope (a
    lab whose verification is narrowed to some of its routers). A reflector's client that runs but is out of
    scope may or may not be connected, and a dynamic neighbour exists only while it is: the reflector's peers are
    then checked without strict mode (every expected session still up, the others neither required nor refused).
    """
    absent = set() if scope is None else {i for i, peer in (peers_of or {}).items() if peer not in scope}
    ports = [p for p in ((context.loopback_port,) if context.loopback_port else ()) if p is not None]
    ports += [p for p in context.ports if p.name not in absent]
    interfaces: dict[str, Any] = {p.name: {"is_up": True} for p in ports}
    addresses: dict[str, Any] = {
        p.name: {"ipv4": {str(p.address.ip): {"prefix_length": p.address.network.prefixlen}}} for p in ports}
    spec: Spec = [{"get_interfaces": interfaces}, {"get_interfaces_ip": addresses}]
    if context.bgp is not None:
        dynamic = set(context.bgp.clients)
        unsure = scope is not None and running is not None and any(
            c.name in running and c.name not in scope for c in dynamic)
        peers: dict[str, Any] = {} if unsure else {"_mode": "strict"}
        for neighbor in sorted(context.bgp.sessions, key=lambda n: n.address):
            present = scope is None or neighbor.name in scope
            if not present and neighbor in dynamic:
                continue  # a dynamic peer exists only once its router connects: absent, it is not there at all
            peers[str(neighbor.address)] = ({"is_up": True, "remote_as": context.bgp.asn} if present
                                            else {"remote_as": context.bgp.asn})
        spec.append({"get_bgp_neighbors": {"global": {"router_id": str(context.bgp.router_id), "peers": peers}}})
    return spec


def wan_peers(device: Device) -> dict[str, str]:
    """The device's WAN interfaces -> far-end device."""
    peers: dict[str, str] = {}
    for interface in device.interfaces:
        peer = getattr(interface, "peer_device", None)
        if interface.kind == "wan" and peer is not None:
            peers[interface.name] = peer
    return peers


def ospf_neighbors(network: Network, device: Device, scope: Collection[str] | None = None) -> dict[str, str]:
    """The OSPF adjacencies the model implies: local WAN interface -> far-end device (routers only; within the
    scope when one is given)."""
    if not device.is_router:
        return {}
    devices = {d.name: d for d in network.devices}
    wanted = {name: peer for name, peer in wan_peers(device).items()
              if devices[peer].is_router and (scope is None or peer in scope)}
    return dict(sorted(wanted.items()))


def network_specs(design: Design, devices: list[str] | None = None,
                  scope: Collection[str] | None = None) -> dict[str, Spec]:
    """The spec of every router (or of the named devices) under the run's design, by device name; `scope`: the
    devices present."""
    chosen = set(devices) if devices is not None else None
    return {d.name: device_spec(design.context(d), scope, wan_peers(d)) for d in design.network.devices
            if d.is_router and (chosen is None or d.name in chosen)}


def main(argv: list[str] | None = None) -> int:
    """`python -m netops.verify.spec [--intent DIR] [--settings FILE] [--scope A,B,...] [DEVICE ...]`: the specs as
    JSON, by device (for Ansible; the settings are those provisioning rendered with; the scope is the devices
    present, e.g. the play's hosts)."""
    import argparse
    import json
    import os
    import sys
    from pathlib import Path

    from netops.design import build_design, settings_in_force
    from netops.errors import InputError
    from netops.sources import SourceUnavailableError, source_of

    parser = argparse.ArgumentParser(prog="python -m netops.verify.spec", description=main.__doc__)
    parser.add_argument("--intent", type=Path, default=Path("inventory/city"))
    parser.add_argument("--source", choices=["intent", "netbox"], default=os.environ.get("NETOPS_SOURCE", "intent"),
                        help="where the model comes from (default: $NETOPS_SOURCE, else intent)")
    parser.add_argument("--settings", type=Path, default=None,
                        help="render settings YAML provisioning rendered with (default: the production defaults)")
    parser.add_argument("--scope", default=None, help="comma-separated devices present (default: every device)")
    parser.add_argument("devices", nargs="*")
    args = parser.parse_args(argv)
    scope = None if args.scope is None else {name for name in args.scope.split(",") if name}
    try:
        settings = settings_in_force(args.settings)
        resolution = source_of(args.source, args.intent).load()
    except InputError as error:
        sys.stderr.write(f"{error}\n")
        return 2
    except SourceUnavailableError as error:  # 3 when NetBox could not be reached, 2 when it is not configured
        sys.stderr.write(f"{error}\n")
        return error.exit_code
    unknown = sorted((set(args.devices) | (scope or set())) - {d.name for d in resolution.network.devices})
    if unknown:
        sys.stderr.write(f"unknown devices: {', '.join(unknown)}\n")
        return 2
    # A decommissioned site's routers are out of the running network: no spec (the play skips them).
    network = resolution.running
    in_service = {d.name for d in network.devices}
    devices = [name for name in args.devices if name in in_service]
    if args.devices and not devices:
        sys.stdout.write("{}\n")
        return 0
    specs = network_specs(build_design(network, settings), devices or None,
                          scope=None if scope is None else scope & in_service)
    sys.stdout.write(json.dumps(specs, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
