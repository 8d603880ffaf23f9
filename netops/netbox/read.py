"""Build the city's ``Network`` from what NetBox holds (``--source netbox``), through the same validation as intent.

The inverse of the mapping, assembled by the mappers themselves: each reads the managed objects of its type
(:meth:`netops.netbox.mapping.base.Mapper.read`), in reverse dependency order, as a part of the model is made of the
NetBox objects that reference it (a site's LANs of its prefixes and VLANs, a device's interfaces of their
addresses and cables). Only objects netops manages are read. The result goes through the model's validation
(every cross-object check); what fails is reported like intent errors, each located at the NetBox object it came
from, and nothing is built.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError

from citynet_models.network import Network
from citynet_models.problems import Location, ModelPath, item
from netops.errors import InputError
from netops.located import locate, network_problems
from netops.netbox.client import NetBoxClient
from netops.netbox.mapping import MAPPER_BY_TYPE, MAPPERS
from netops.netbox.mapping.base import Record
from netops.netbox.mapping.organization import RegionMapper
from netops.netbox.snapshot import Backend, Snapshot, read_snapshot
from netops.progress import ProgressSink as Progress
from netops.progress import quiet
from netops.resolve.build import Resolution


def model_data(snapshot: Snapshot, url_of: Callable[[Record], str]) -> tuple[dict[str, Any], dict[ModelPath, Location]]:
    """The model's data the snapshot's managed objects hold, and where each part comes from; InputError with every
    problem found on the way."""
    reader = RegionMapper.reader_for(snapshot.records, url_of)
    for mapper in reversed(MAPPERS):
        mapper.read(reader)
    if reader.problems:
        raise InputError([locate(p, reader.sources) for p in reader.problems])
    reader.data["hosts"] = sorted(reader.hosts, key=lambda h: str(h["name"]))
    return reader.data, reader.sources


def _key_of(element: Any) -> str | None:
    if isinstance(element, Mapping):
        for name in ("slug", "name", "id", "code"):
            if name in element:
                return str(element[name])
    return None


def _model_path(loc: tuple[int | str, ...], data: Any) -> ModelPath:
    """A pydantic error location in the dict the model was built from, as the model's path syntax."""
    path: list[str] = []
    node = data
    for segment in loc:
        if isinstance(segment, int) and isinstance(node, list) and 0 <= segment < len(node):
            node = node[segment]
            key = _key_of(node)
            path.append(item(key if key is not None else segment))
        elif isinstance(node, Mapping) and segment in node:
            node = node[segment]
            path.append(str(segment))
        elif isinstance(node, Mapping) and node.get("kind") == segment:
            continue  # the discriminator pydantic adds to a union member's location
        else:
            path.append(str(segment))
    return tuple(path)


def network_from_snapshot(snapshot: Snapshot, url_of: Callable[[Record], str] | None = None) -> Resolution:
    """The validated Network NetBox's managed objects describe; InputError with every problem otherwise."""
    data, sources = model_data(snapshot, url_of or (lambda record: f"netbox:{record.type}/{record.label}"))
    try:
        network = Network.model_validate(data)
    except ValidationError as error:
        raise InputError(network_problems(error, sources, lambda loc: _model_path(loc, data))) from error
    return Resolution(network=network, sources=sources)


def load_network_from_netbox(client: NetBoxClient | None = None, *, backend: Backend = Backend.GRAPHQL,
                             progress: Progress = quiet) -> Resolution:
    """Read the city from NetBox (the objects netops manages) and validate it like intent.

    Raises :class:`netops.errors.InputError` when NetBox's objects do not make a valid network (each problem
    located at the NetBox object's page), :class:`netops.netbox.client.NetBoxError` when NetBox cannot be read.
    """
    client = client or NetBoxClient.from_env()
    snapshot = read_snapshot(client, backend=backend, progress=progress)

    def url_of(record: Record) -> str:
        mapper = MAPPER_BY_TYPE.get(record.type)
        if record.id is None or mapper is None:
            return f"{client.url} {record.type} {record.label}"
        return client.object_url(mapper.endpoint, record.id)

    return network_from_snapshot(snapshot, url_of)
