"""Which of the NetBox plan's changes staging one site writes: the site's objects, the neighbours' changed
interfaces, and what those need to exist first.

A change belongs to the site when its object is the site, or is of or points at (through a reference in its key
or its fields) the site or one of the site's devices: its devices, interfaces, addresses, VLANs, prefixes,
cables, circuit terminations; or is the prefix or the circuit of one of the site's WAN links (which point at no
site; a circuit's status follows the site's). It belongs to a neighbour's changed interfaces when it creates or
updates an interface of a neighbour router, or an object that points at such an interface (its address). Then
every create or update those changes reference, directly or through others (the site's region and tenant, its
circuits and provider, a new device type), is taken along, since apply writes references by id; so are the
missing tags and custom fields, which every managed object carries by name (a NetBox that never held the city
lacks them). Deletes are never taken: staging adds a site, and decommissioning one only changes statuses; neither
prunes the city.
"""

from collections.abc import Iterator
from typing import Any

from citynet_models.network import Network
from netops.netbox.mapping.base import Key, Ref
from netops.netbox.plan import Action, Change, Plan
from netops.rollout.scope import RolloutScope

#: Object types whose natural key starts with a site's slug or a device's name.
_SITE_TYPES = frozenset({"dcim.site"})
_DEVICE_TYPES = frozenset({"dcim.device", "dcim.interface"})
_WRITES = (Action.CREATE, Action.UPDATE)
#: What every managed object carries by name rather than by reference: created when missing.
_CARRIED_BY_NAME = frozenset({"extras.tag", "extras.customfieldchoiceset", "extras.customfield"})


def _refs(value: Any) -> Iterator[Ref]:
    """Every reference in a field value, however nested (terminations, generic keys, lists of refs)."""
    if isinstance(value, Ref):
        yield value
    elif isinstance(value, (tuple, list, set, frozenset)):
        for item in value:
            yield from _refs(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _refs(item)


def _change_refs(change: Change) -> list[Ref]:
    record = change.desired or change.actual
    if record is None:
        return []
    return [Ref(change.type, change.key), *_refs(record.fields)]


def _of_site(ref: Ref, slug: str, devices: set[str]) -> bool:
    if not ref.key:
        return False
    if ref.type in _DEVICE_TYPES:
        return ref.key[0] in devices
    # A site, and the objects keyed by the site (its VLAN group and VLANs).
    return ref.key[0] == slug and (ref.type in _SITE_TYPES or ref.type.startswith("ipam.vlan"))


def staged_changes(plan: Plan, network: Network, scope: RolloutScope) -> Plan:
    """The part of `plan` staging site `scope.site` of `network` writes, in the plan's order (see the module
    docstring)."""
    site_devices = {device.name for device in network.devices_by_site.get(scope.site, [])}
    site_links = [link for link in network.links if {link.upstream.device, link.downstream.device} & site_devices]
    # A WAN link's prefix and circuit point at no site: they are the site's through its links (the circuit's
    # status follows the site's).
    link_objects = {Ref("ipam.prefix", (str(link.prefix),)) for link in site_links} | {
        Ref("circuits.circuit", (link.circuit.provider, link.circuit.circuit_id))
        for link in site_links if link.circuit is not None}
    writes = [change for change in plan.changes if change.action in _WRITES or change.action is Action.CONFLICT]
    neighbours = set(scope.neighbours)
    changed_interfaces = {change.key for change in writes
                          if change.type == "dcim.interface" and change.key and change.key[0] in neighbours}
    chosen: set[tuple[str, Key]] = set()
    for change in writes:
        refs = _change_refs(change)
        carried = change.type in _CARRIED_BY_NAME and change.action is Action.CREATE
        of_site = any(_of_site(ref, scope.site, site_devices) or ref in link_objects for ref in refs)
        on_changed_interface = any(ref.type == "dcim.interface" and ref.key in changed_interfaces for ref in refs)
        if carried or of_site or on_changed_interface:
            chosen.add((change.type, change.key))
    by_id = {(change.type, change.key): change for change in writes}
    # What the chosen changes reference and the plan creates or updates must be written too (closure).
    todo = list(chosen)
    while todo:
        change = by_id[todo.pop()]
        for ref in _change_refs(change)[1:]:
            wanted = (ref.type, ref.key)
            if wanted in by_id and wanted not in chosen:
                chosen.add(wanted)
                todo.append(wanted)
    return Plan(changes=[change for change in plan.changes if (change.type, change.key) in chosen
                         and change.action is not Action.DELETE], prune=False)
