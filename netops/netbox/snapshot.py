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
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from netops.netbox.client import PAGE_SIZE, NetBoxClient
from netops.netbox.mapping import MAPPER_BY_TYPE, MAPPERS
from netops.netbox.mapping.base import (
    Field,
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
            others = extra or {}
            for row in rows:
                row["__graphql__"] = True  # the rows are the client's own, fresh from the JSON: marked in place
                slugs = [MANAGED_TAG, *others.get((mapper.object_type, int(row["id"])), ())]
                row["tags"] = [{"slug": slug} for slug in slugs]
            return rows
        rows = list(client.graphql_list(mapper.graphql_list, graphql_selection(mapper), None))
        for row in rows:
            row["__graphql__"] = True
        return rows
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


#: How one field of a row becomes its canonical value: from the row and the row's custom fields.
_Convert = Callable[[Mapping[str, Any], Mapping[str, Any]], Value]


def _converter(spec: Field, graphql: bool) -> _Convert:
    """The conversion of one field of a REST (``graphql`` False) or GraphQL row."""
    name = (spec.graphql_name or spec.name) if graphql else spec.name
    match spec.kind:
        case Kind.SCALAR:
            return lambda row, _: row.get(name)
        case Kind.JSON:
            return lambda row, _: None if (raw := row.get(name)) is None else JsonValue(raw)
        case Kind.INTEGER:
            return lambda row, _: None if (raw := row.get(name)) is None else int(raw)
        case Kind.DECIMAL:
            return lambda row, _: None if (raw := row.get(name)) is None else round(float(raw), 6)
        case Kind.CHOICE:
            # GraphQL writes an unset choice as ""
            return lambda row, _: (raw.get("value") if isinstance(raw := row.get(name), dict) else raw) or None
        case Kind.REF:
            target = spec.targets[0]
            return lambda row, _: _pending(target, row.get(name))
        case Kind.REFS:
            target = spec.targets[0]
            return lambda row, _: tuple(_pending(target, item) for item in row.get(name) or ())
        case Kind.TAGS:
            return lambda row, _: tuple(sorted(str(tag["slug"]) for tag in row.get(name) or ()))
        case Kind.CUSTOM:
            custom_name = spec.name
            return lambda _, custom: _custom(custom_name, custom.get(custom_name))
        case Kind.GENERIC:
            rest_name, graphql_name = spec.name, spec.graphql_name or spec.name
            return lambda row, _: _generic(row, rest_name, graphql_name)
        case Kind.TERMINATIONS:
            return lambda row, _: tuple(_termination(row, item) for item in row.get(name) or ())
        case Kind.LIST:
            return lambda row, _: tuple(_list_item(item) for item in row.get(name) or ())
        case Kind.SET:
            return lambda row, _: tuple(sorted(str(item) for item in row.get(name) or ()))
    raise AssertionError(f"no conversion for {spec.kind}")  # pragma: no cover (every Kind is matched above)


#: The conversions of each type's fields, by (mapper class, GraphQL row or not): made once, used on every row.
_CONVERSIONS: dict[tuple[type[Mapper], bool], tuple[tuple[str, _Convert], ...]] = {}


def _conversions(mapper: Mapper, graphql: bool) -> tuple[tuple[str, _Convert], ...]:
    made = _CONVERSIONS.get((type(mapper), graphql))
    if made is None:
        made = tuple((spec.attr, _converter(spec, graphql)) for spec in mapper.all_fields())
        _CONVERSIONS[(type(mapper), graphql)] = made
    return made


def normalize(mapper: Mapper, row: Mapping[str, Any]) -> dict[str, Value]:
    """A raw REST or GraphQL row as canonical fields; references as :class:`Pending` (type, id)."""
    custom = row.get("custom_fields") or {}
    return {attr: convert(row, custom) for attr, convert in _conversions(mapper, bool(row.get("__graphql__")))}


# -- resolving references ----------------------------------------------------------------------------------------


def _resolve(value: Value, snapshot: Snapshot, *, final: bool) -> Value:
    """Pending references whose target is known become Refs; with ``final``, unknown ones become ``#id``."""
    if isinstance(value, Pending):
        key = snapshot.keys.get(value.type, {}).get(value.id)
        if key is not None:
            return Ref(value.type, key)
        return Ref(value.type, (f"#{value.id}",)) if final else value
    if isinstance(value, tuple) and any(isinstance(item, (Pending, Ref)) for item in value):
        items = tuple(_resolve(item, snapshot, final=final) for item in value)
        if all(isinstance(item, Ref) for item in items):
            return tuple(sorted(items))
        return items
    return value


#: The kinds of field that hold references (read as Pending): the only fields resolving changes.
_REFERENCE_KINDS = frozenset({Kind.REF, Kind.REFS, Kind.GENERIC, Kind.TERMINATIONS})


def _reference_fields(mapper: Mapper) -> tuple[str, ...]:
    """The fields of a type's records that hold references."""
    return tuple(spec.attr for spec in mapper.all_fields() if spec.kind in _REFERENCE_KINDS)


def _has_pending(value: Value) -> bool:
    return isinstance(value, Pending) or (isinstance(value, tuple) and any(isinstance(i, Pending) for i in value))


@dataclass
class _Row:
    id: int
    fields: dict[str, Value]
    raw: Mapping[str, Any]


def _index_type(mapper: Mapper, rows: list[_Row], snapshot: Snapshot) -> None:
    """Give every row of a type its key (same-type parents first) and add it to the snapshot."""
    key_refs, references = mapper.key_refs, _reference_fields(mapper)
    waiting = list(rows)
    while waiting:
        progressed, still = False, []
        for row in waiting:
            for name in key_refs:
                row.fields[name] = _resolve(row.fields[name], snapshot, final=False)
            if any(_has_pending(row.fields[name]) for name in key_refs):
                still.append(row)
                continue
            _add(mapper, row, snapshot, references)
            progressed = True
        if not progressed:  # references to objects netops did not read (a parent it does not manage)
            for row in still:
                for name in key_refs:
                    row.fields[name] = _resolve(row.fields[name], snapshot, final=True)
                _add(mapper, row, snapshot, references)
            still = []
        waiting = still


def _add(mapper: Mapper, row: _Row, snapshot: Snapshot, references: tuple[str, ...] | None = None) -> None:
    """Key a row, its references resolved as far as they can be now (``references``: the type's reference
    fields, when the caller has them), and add it to the snapshot (or to its duplicates)."""
    fields = row.fields
    for name in _reference_fields(mapper) if references is None else references:
        fields[name] = _resolve(fields[name], snapshot, final=False)
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

    def fetch(task: _Read) -> list[_Row]:
        if _managed_only(task.mapper) and not managed_tag:
            return []
        if isinstance(desired, Future) and desired.done() and desired.exception() is not None:
            return []  # the intent failed: its error ends the command, and nothing read here is used
        return [_Row(int(raw["id"]), normalize(task.mapper, raw), raw)
                for raw in fetch_rows(client, task.mapper, backend, extra, first_page=task.first_page,
                                      pages=task.pages)]

    # Reading is independent per type, and per page of a long list: fetch in parallel (NetBox serves 2 workers x
    # 4 threads). Read one type after another, a few long lists kept NetBox waiting on one page at a time. Each
    # page is normalized as it arrives, and each type keyed as soon as its pages are in, while NetBox still
    # serves the later ones: the client's work overlaps NetBox's instead of following it.
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        expected = _expected_rows(client, pool, mappers, backend, desired, managed_tag)
        planned = {mapper.object_type: _reads(mapper, backend, expected.get(mapper.object_type)) for mapper in mappers}
        # Counted as each read (a type, or a page of a long one) comes back, whichever thread fetched it.
        with progress.task("reading NetBox", total=sum(len(tasks) for tasks in planned.values())) as counted:
            reads: dict[str, list[Future[list[_Row]]]] = {}
            for mapper in mappers:
                for task in planned[mapper.object_type]:
                    read = pool.submit(fetch, task)
                    read.add_done_callback(lambda _read: counted.advance())
                    reads.setdefault(mapper.object_type, []).append(read)
            try:
                for mapper in mappers:
                    rows = [row for read in reads[mapper.object_type] for row in read.result()]
                    _index_type(mapper, rows, snapshot)
                    if desired is not None and not mapper.fetch_all:
                        if isinstance(desired, Future):
                            desired = desired.result()
                        _look_up_missing(client, mapper, desired, snapshot)
                        _look_up_holders(client, mapper, desired, snapshot)
                    snapshot.records.by_type.setdefault(mapper.object_type, {})
            except BaseException:
                for waiting in reads.values():
                    for read in waiting:
                        read.cancel()  # a read failed, or the intent did: the reads not started are not needed
                raise
    # References to later types (primary IPs) and any left pending: resolve now every key is known.
    for mapper in mappers:
        references = _reference_fields(mapper)
        for record in snapshot.records.of(mapper.object_type).values():
            fields = record.fields
            for name in references:
                fields[name] = _resolve(fields[name], snapshot, final=True)
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
    if type(mapper).claims is Mapper.claims:
        return  # the type's objects claim nothing besides their keys
    claimed = [claim for record in desired.of(mapper.object_type).values() for claim in mapper.claims(record.fields)]
    if not claimed:
        return
    references, held = _reference_fields(mapper), set[Value]()
    for record in snapshot.records.of(mapper.object_type).values():
        fields = record.fields
        if any(_has_pending(fields[name]) for name in references):  # else resolving changes nothing
            fields = {name: _resolve(value, snapshot, final=True) for name, value in fields.items()}
        held.update(mapper.claims(fields))
    wanted = [claim for claim in claimed if claim not in held]
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
