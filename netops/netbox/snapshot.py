"""What NetBox holds, as records of the same canonical form the mappers produce.

Read per object type: the objects netops manages (tag filter) or, for the small vocabulary tables, every object;
through GraphQL (paginated, 1,000 a page) or through REST with ``fields=`` (only the fields the mapping
compares), as chosen. When a desired object is not among them, a filtered REST lookup finds a same-key object
netops does not manage (a conflict, or shared vocabulary used as it is).

References come back as ids; they are turned into natural keys type by type, in the mappers' dependency order,
so that every key can be computed from keys already known.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from netops.netbox.client import PAGE_SIZE, NetBoxClient
from netops.netbox.mapping import MAPPER_BY_TYPE, MAPPERS
from netops.netbox.mapping.base import (
    JsonValue,
    Key,
    Kind,
    Mapper,
    Pending,
    Record,
    RecordSet,
    Ref,
    Value,
)
from netops.netbox.tags import MANAGED_TAG
from netops.netbox.vocabulary import CUSTOM_FIELDS
from netops.progress import ProgressSink as Progress
from netops.progress import quiet


class Backend(StrEnum):
    """How objects are read."""

    GRAPHQL = "graphql"
    REST = "rest"


#: The object type of each GraphQL type name (the ``__typename`` of a generic reference).
_OBJECT_TYPES: dict[str, str] = {mapper.graphql_type: mapper.object_type for mapper in MAPPERS}
_JSON_CUSTOM_FIELDS = {spec.name for spec in CUSTOM_FIELDS if spec.type == "json"}

#: Up to this many objects of a type netops does not manage are read whole rather than looked up by key.
UNMANAGED_READ_ALL = 2000


@dataclass
class Snapshot:
    """NetBox's objects of the mapped types, keyed, references resolved."""

    records: RecordSet = field(default_factory=RecordSet)
    #: Objects whose key another object of the same type already had (NetBox holds both).
    duplicates: list[Record] = field(default_factory=list)
    #: Per type: NetBox id -> natural key.
    keys: dict[str, dict[int, Key]] = field(default_factory=dict)
    #: Per type: natural key -> NetBox id (kept up to date by apply as it creates objects).
    ids: dict[str, dict[Key, int]] = field(default_factory=dict)
    backend: Backend = Backend.GRAPHQL
    seconds: float = 0.0
    requests: int = 0

    def id_of(self, object_type: str, key: Key) -> int | None:
        """The NetBox id of the object of this type and key, if NetBox has it."""
        return self.ids.get(object_type, {}).get(key)

    def remember(self, object_type: str, key: Key, object_id: int) -> None:
        """Record the id of an object (read, or just created)."""
        self.ids.setdefault(object_type, {})[key] = object_id
        self.keys.setdefault(object_type, {})[object_id] = key


# -- reading raw rows ----------------------------------------------------------------------------------------------


def rest_fields(mapper: Mapper) -> str:
    """The ``fields=`` parameter: only what the mapping compares (and what ownership is decided on)."""
    names = ["id"]
    for spec in mapper.all_fields():
        if spec.kind is Kind.CUSTOM:
            names.append("custom_fields")
        elif spec.kind is Kind.GENERIC:
            names += [f"{spec.name}_type", f"{spec.name}_id"]
        else:
            names.append(spec.name)
    return ",".join(dict.fromkeys(names))


def graphql_selection(mapper: Mapper) -> str:
    """The GraphQL selection of a type's managed fields.

    Tags are left out for the types read by the managed tag: NetBox's GraphQL resolves an object's tags with one
    query per object (13,500 interfaces: 7 s instead of 1.5 s). Those objects carry the managed tag by the
    filter; any other tag comes from one REST query of the tagged objects (see :meth:`NetBoxClient.tags_by_object`).
    """
    parts = ["id"]
    for spec in mapper.all_fields():
        name = spec.graphql_name or spec.name
        if spec.kind is Kind.CUSTOM:
            parts.append("custom_fields")
        elif spec.kind is Kind.TAGS:
            if not _managed_only(mapper):
                parts.append("tags { slug }")
        elif spec.kind in (Kind.REF, Kind.REFS):
            parts.append(f"{name} {{ id }}")
        elif spec.kind in (Kind.GENERIC, Kind.TERMINATIONS):
            fragments = " ".join(f"... on {MAPPER_BY_TYPE[target].graphql_type} {{ id }}" for target in spec.targets)
            parts.append(f"{name} {{ __typename {fragments} }}")
        else:
            parts.append(name)
    return " ".join(dict.fromkeys(parts))


def _managed_only(mapper: Mapper) -> bool:
    return mapper.taggable and not mapper.fetch_all


def fetch_rows(client: NetBoxClient, mapper: Mapper, backend: Backend,
               extra: Mapping[tuple[str, int], list[str]] | None = None, *, first_page: int = 0,
               pages: int | None = None) -> list[dict[str, Any]]:
    """The objects of a type netops reads: the managed ones, or all of a vocabulary table (raw rows).

    ``extra``: tags other than the managed one, by (object type, id), for GraphQL rows read without their tags.
    ``first_page`` and ``pages``: of the managed objects read through GraphQL, only those pages of 1,000 (None:
    up to the end).
    """
    if backend is Backend.GRAPHQL and mapper.graphql_list is not None:
        if _managed_only(mapper):
            rows = list(client.graphql_list(mapper.graphql_list, graphql_selection(mapper),
                                            f'{{tags: {{slug: {{exact: "{MANAGED_TAG}"}}}}}}',
                                            first_page=first_page, pages=pages))
            for row in rows:
                slugs = [MANAGED_TAG, *(extra or {}).get((mapper.object_type, int(row["id"])), [])]
                row["tags"] = [{"slug": slug} for slug in slugs]
            return [{"__graphql__": True, **row} for row in rows]
        filters = f'{{tags: {{slug: {{exact: "{MANAGED_TAG}"}}}}}}' if _managed_only(mapper) else None
        return [{"__graphql__": True, **row}
                for row in client.graphql_list(mapper.graphql_list, graphql_selection(mapper), filters)]
    params: dict[str, Any] = {"fields": rest_fields(mapper)}
    if _managed_only(mapper):
        params["tag"] = MANAGED_TAG
    return list(client.rest_list(mapper.endpoint, params))


# -- normalizing -------------------------------------------------------------------------------------------------


def _pending(object_type: str, value: Any) -> Pending | None:
    if value is None:
        return None
    return Pending(object_type, int(value["id"] if isinstance(value, dict) else value))


def _generic(row: Mapping[str, Any], name: str, graphql_name: str) -> Pending | None:
    if row.get("__graphql__"):
        value = row.get(graphql_name)
        if not value:
            return None
        object_type = _OBJECT_TYPES.get(value.get("__typename", ""), value.get("__typename", "?"))
        return Pending(object_type, int(value["id"])) if "id" in value else Pending(object_type, -1)
    object_type, object_id = row.get(f"{name}_type"), row.get(f"{name}_id")
    return None if object_type is None or object_id is None else Pending(str(object_type), int(object_id))


def _termination(row: Mapping[str, Any], value: Mapping[str, Any]) -> Pending:
    if row.get("__graphql__"):
        typename = str(value.get("__typename", "?"))
        return Pending(_OBJECT_TYPES.get(typename, typename), int(value.get("id", -1)))
    return Pending(str(value["object_type"]), int(value["object_id"]))


def _custom(name: str, value: Any) -> Value:
    if name in _JSON_CUSTOM_FIELDS:
        return None if value is None else JsonValue(value)
    if isinstance(value, dict) and "value" in value:  # a select's {"value", "label"}
        return value["value"]
    return value


def _list_item(value: Any) -> Value:
    return tuple(value) if isinstance(value, list) else value


def normalize(mapper: Mapper, row: Mapping[str, Any]) -> dict[str, Value]:
    """A raw REST or GraphQL row as canonical fields; references as :class:`Pending` (type, id)."""
    fields: dict[str, Value] = {}
    custom = row.get("custom_fields") or {}
    for spec in mapper.all_fields():
        name = (spec.graphql_name or spec.name) if row.get("__graphql__") else spec.name
        raw = row.get(name)
        value: Value
        match spec.kind:
            case Kind.SCALAR:
                value = raw
            case Kind.JSON:
                value = None if raw is None else JsonValue(raw)
            case Kind.INTEGER:
                value = None if raw is None else int(raw)
            case Kind.DECIMAL:
                value = None if raw is None else round(float(raw), 6)
            case Kind.CHOICE:
                value = raw.get("value") if isinstance(raw, dict) else raw
                value = value or None  # GraphQL writes an unset choice as ""
            case Kind.REF:
                value = _pending(spec.targets[0], raw)
            case Kind.REFS:
                value = tuple(_pending(spec.targets[0], item) for item in raw or ())
            case Kind.TAGS:
                value = tuple(sorted(str(tag["slug"]) for tag in raw or ()))
            case Kind.CUSTOM:
                value = _custom(spec.name, custom.get(spec.name))
            case Kind.GENERIC:
                value = _generic(row, spec.name, spec.graphql_name or spec.name)
            case Kind.TERMINATIONS:
                value = tuple(_termination(row, item) for item in raw or ())
            case Kind.LIST:
                value = tuple(_list_item(item) for item in raw or ())
            case Kind.SET:
                value = tuple(sorted(str(item) for item in raw or ()))
        fields[spec.attr] = value
    return fields


# -- resolving references ----------------------------------------------------------------------------------------


def _resolve(value: Value, snapshot: Snapshot, *, final: bool) -> Value:
    """Pending references whose target is known become Refs; with ``final``, unknown ones become ``#id``."""
    if isinstance(value, Pending):
        key = snapshot.keys.get(value.type, {}).get(value.id)
        if key is not None:
            return Ref(value.type, key)
        return Ref(value.type, (f"#{value.id}",)) if final else value
    if isinstance(value, tuple) and any(isinstance(item, Pending | Ref) for item in value):
        items = tuple(_resolve(item, snapshot, final=final) for item in value)
        if all(isinstance(item, Ref) for item in items):
            return tuple(sorted(items))
        return items
    return value


def _has_pending(value: Value) -> bool:
    return isinstance(value, Pending) or (isinstance(value, tuple) and any(isinstance(i, Pending) for i in value))


@dataclass
class _Row:
    id: int
    fields: dict[str, Value]
    raw: Mapping[str, Any]


def _index_type(mapper: Mapper, rows: list[_Row], snapshot: Snapshot) -> None:
    """Give every row of a type its key (same-type parents first) and add it to the snapshot."""
    key_refs = mapper.key_refs
    waiting = list(rows)
    while waiting:
        progressed, still = False, []
        for row in waiting:
            for name in key_refs:
                row.fields[name] = _resolve(row.fields[name], snapshot, final=False)
            if any(_has_pending(row.fields[name]) for name in key_refs):
                still.append(row)
                continue
            _add(mapper, row, snapshot)
            progressed = True
        if not progressed:  # references to objects netops did not read (a parent it does not manage)
            for row in still:
                for name in key_refs:
                    row.fields[name] = _resolve(row.fields[name], snapshot, final=True)
                _add(mapper, row, snapshot)
            still = []
        waiting = still


def _add(mapper: Mapper, row: _Row, snapshot: Snapshot) -> None:
    for name, value in row.fields.items():
        row.fields[name] = _resolve(value, snapshot, final=False)
    key = mapper.key(row.fields)
    record = Record(type=mapper.object_type, key=key, fields=row.fields, id=row.id,
                    managed=mapper.owned(row.raw, row.fields), wave=mapper.wave(row.fields))
    if snapshot.records.add(record) is not None:
        snapshot.duplicates.append(record)
        return
    snapshot.remember(mapper.object_type, key, row.id)


@dataclass(frozen=True)
class _Read:
    """One read of a type's rows: from ``first_page``, ``pages`` pages of 1,000 (None: up to the end)."""

    mapper: Mapper
    first_page: int = 0
    pages: int | None = None


def _reads(mapper: Mapper, backend: Backend, expected: int | None) -> list[_Read]:
    """The reads of a type: one, or for a long GraphQL list of managed objects one per page of the ``expected``
    rows (the last reads on to the end, should NetBox hold more)."""
    if expected is None or not _paged(mapper, backend):
        return [_Read(mapper)]
    pages = max(1, -(-expected // PAGE_SIZE))
    return [*(_Read(mapper, page, 1) for page in range(pages - 1)), _Read(mapper, pages - 1)]


def _paged(mapper: Mapper, backend: Backend) -> bool:
    """Whether the type's rows are read a page per request (GraphQL lists of managed objects)."""
    return backend is Backend.GRAPHQL and mapper.graphql_list is not None and _managed_only(mapper)


#: The desired records, or their making under way (the intent loading while NetBox is read).
Desired = RecordSet | Future[RecordSet]


def _expected_rows(client: NetBoxClient, pool: ThreadPoolExecutor, mappers: Sequence[Mapper], backend: Backend,
                   desired: Desired | None, managed_tag: bool) -> dict[str, int]:
    """How many rows of each paged type the read expects: as many as desired, or while the desired records are
    still in the making, as many managed objects as NetBox counts (a request per type, read together)."""
    if isinstance(desired, Future) and desired.done() and desired.exception() is None:
        desired = desired.result()
    if isinstance(desired, RecordSet):
        return {mapper.object_type: len(desired.of(mapper.object_type)) for mapper in mappers}
    if desired is None or not managed_tag:
        return {}
    paged = [mapper for mapper in mappers if _paged(mapper, backend)]
    counts = pool.map(lambda mapper: client.count(mapper.endpoint, {"tag": MANAGED_TAG}), paged)
    return {mapper.object_type: count for mapper, count in zip(paged, counts, strict=True)}


def read_snapshot(client: NetBoxClient, *, backend: Backend = Backend.GRAPHQL, desired: Desired | None = None,
                  mappers: Iterable[Mapper] = MAPPERS, progress: Progress = quiet, workers: int = 4) -> Snapshot:
    """Read what NetBox holds of every mapped type.

    With ``desired``, also look up (filtered REST) the desired objects not found among the managed ones: a
    same-key object netops does not own is a conflict, or shared vocabulary to use as it is. ``desired`` may be
    a Future (the intent still loading): NetBox is read meanwhile, and the look-ups wait for it; when it fails,
    the reads left are skipped and its exception is raised.
    """
    began, requests_before = time.monotonic(), client.requests
    mappers = list(mappers)
    snapshot = Snapshot(backend=backend)
    # Without the managed tag, NetBox holds nothing netops manages (and refuses to filter on an unknown tag).
    managed_tag = any(row.get("slug") == MANAGED_TAG for row in client.rest_list("extras/tags", {"fields": "slug"}))
    extra = client.tags_by_object(exclude=MANAGED_TAG) if managed_tag and backend is Backend.GRAPHQL else {}

    def fetch(task: _Read) -> list[dict[str, Any]]:
        if _managed_only(task.mapper) and not managed_tag:
            return []
        if isinstance(desired, Future) and desired.done() and desired.exception() is not None:
            return []  # the intent failed: its error ends the command, and nothing read here is used
        return fetch_rows(client, task.mapper, backend, extra, first_page=task.first_page, pages=task.pages)

    # Reading is independent per type, and per page of a long list: fetch in parallel (NetBox serves 2 workers x
    # 4 threads). Read one type after another, a few long lists kept NetBox waiting on one page at a time.
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        expected = _expected_rows(client, pool, mappers, backend, desired, managed_tag)
        tasks = [task for mapper in mappers for task in _reads(mapper, backend, expected.get(mapper.object_type))]
        fetched = list(pool.map(fetch, tasks))
    if isinstance(desired, Future):
        desired = desired.result()
    by_type: dict[str, list[dict[str, Any]]] = {}
    for task, part in zip(tasks, fetched, strict=True):
        by_type.setdefault(task.mapper.object_type, []).extend(part)
    for mapper in mappers:
        rows = [_Row(int(raw["id"]), normalize(mapper, raw), raw) for raw in by_type[mapper.object_type]]
        _index_type(mapper, rows, snapshot)
        if desired is not None and not mapper.fetch_all:
            _look_up_missing(client, mapper, desired, snapshot)
            _look_up_holders(client, mapper, desired, snapshot)
        snapshot.records.by_type.setdefault(mapper.object_type, {})
    # References to later types (primary IPs) and any left pending: resolve now every key is known.
    for records in snapshot.records.by_type.values():
        for record in records.values():
            for name, value in record.fields.items():
                record.fields[name] = _resolve(value, snapshot, final=True)
    for record in snapshot.duplicates:
        for name, value in record.fields.items():
            record.fields[name] = _resolve(value, snapshot, final=True)
    snapshot.seconds = time.monotonic() - began
    snapshot.requests = client.requests - requests_before
    progress(f"read {len(snapshot.records)} objects from NetBox ({backend.value}, {snapshot.requests} requests,"
             f" {snapshot.seconds:.1f} s)")
    return snapshot


def _look_up_missing(client: NetBoxClient, mapper: Mapper, desired: RecordSet, snapshot: Snapshot) -> None:
    """Find same-key objects netops does not manage for the desired objects not read."""
    have = snapshot.records.of(mapper.object_type)
    missing = [key for key in desired.of(mapper.object_type) if key not in have]
    if not missing:
        return
    wanted = set(missing)
    # No tag filter below: the managed tag may not exist yet (NetBox refuses to filter on an unknown tag), and the
    # managed objects found were read already (skipped by id).
    others = client.count(mapper.endpoint) - len(have)
    if others <= 0:
        return  # NetBox holds nothing else of the type (a first apply): nothing to look up
    if others <= UNMANAGED_READ_ALL or others <= len(missing):
        queries: list[dict[str, Any]] = [{}]  # fewer requests than looking the keys up
    else:
        queries = mapper.lookups(missing, snapshot.id_of)
    rows = []
    for params in queries:
        query = {**params, "fields": rest_fields(mapper)}
        rows += [_Row(int(raw["id"]), normalize(mapper, raw), raw) for raw in client.rest_list(mapper.endpoint, query)]
    found: list[_Row] = []
    for row in rows:
        if row.id in snapshot.keys.get(mapper.object_type, {}):
            continue
        for name, value in row.fields.items():
            row.fields[name] = _resolve(value, snapshot, final=True)
        if mapper.key(row.fields) in wanted:
            found.append(row)
    for row in found:
        _add(mapper, row, snapshot)


def _look_up_holders(client: NetBoxClient, mapper: Mapper, desired: RecordSet, snapshot: Snapshot) -> None:
    """Find the objects netops does not manage that hold what a desired object claims (a cable on a port a
    desired cable ends on), for the claims no object read holds: the plan makes the taker a conflict."""
    held = {claim for record in snapshot.records.of(mapper.object_type).values()
            for claim in mapper.claims({name: _resolve(value, snapshot, final=True)
                                        for name, value in record.fields.items()})}
    wanted = [claim for record in desired.of(mapper.object_type).values() for claim in mapper.claims(record.fields)
              if claim not in held]
    if not wanted:
        return
    known = snapshot.keys.get(mapper.object_type, {})
    queries = mapper.claim_lookups(wanted, snapshot.id_of)
    read = len(known) + sum(record.type == mapper.object_type for record in snapshot.duplicates)
    if not queries or client.count(mapper.endpoint) <= read:
        return  # NetBox holds no object of the type that was not read
    for params in queries:
        for raw in client.rest_list(mapper.endpoint, {**params, "fields": rest_fields(mapper)}):
            row = _Row(int(raw["id"]), normalize(mapper, raw), raw)
            if row.id in known or any(record.id == row.id for record in snapshot.duplicates):
                continue
            for name, value in row.fields.items():
                row.fields[name] = _resolve(value, snapshot, final=True)
            _add(mapper, row, snapshot)
