"""Apply a plan: write exactly its changes to NetBox, in dependency order, in chunked bulk requests.

Order of the writes (each a list of at most ``chunk_size`` objects in one request):

0. detach before attach, with or without ``prune``: the plan's first deletes (objects that hold what intent
   gives to another object, e.g. a cable on an interface or circuit termination another cable takes; a cable
   moved or swapped is deleted here and created again in step 1); then its first renames (a VLAN or site that
   lets go of its name for another: a temporary name now, intent's in step 1 if intent keeps it); then the
   primary/out-of-band IPs that point at addresses moving to another interface are unset;
1. type by type in dependency order: creates (wave by wave: parents before their children), then updates;
2. the late fields (primary and out-of-band IPs) of the objects created or changed, once every address exists;
3. with ``prune`` only: the other deletes, type by type in reverse dependency order (children before parents).

Every write carries the change-log message. Objects netops does not manage are never written: the plan
holds them as conflicts (apply refuses to start) or, for shared vocabulary, as used as they are.
An apply that stops half way leaves whole chunks behind, each object tagged as managed, so a re-run reads them
back by their natural keys and writes only what is still missing: it converges, with no duplicates. Stopped
after a detach, the re-run sees the object missing and creates it (the freed end is still free).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from netops.errors import NetopsError
from netops.netbox.client import CHUNK_SIZE, NetBoxClient, NetBoxError
from netops.netbox.mapping import MAPPER_BY_TYPE, MAPPERS
from netops.netbox.mapping.base import JsonValue, Key, Kind, Mapper, Record, Ref, Value, chunks
from netops.netbox.plan import Action, Change, Plan
from netops.netbox.snapshot import Snapshot
from netops.progress import ProgressSink as Progress
from netops.progress import Task, quiet

#: Write requests in flight at once. One: concurrent bulk writes into the same NetBox were slower here, not
#: faster (2 in flight: 0.75x, 3: 0.3x the objects per second; they contend for the same rows, e.g. a device's
#: interface counters), see docs/benchmarks.md. More may pay off against a NetBox with cores to spare.
WRITE_WORKERS = 1


class ConflictError(NetopsError):
    """The plan has conflicts: objects netops would write exist in NetBox without being managed by netops."""

    def __init__(self, conflicts: Sequence[Change]) -> None:
        self.conflicts = list(conflicts)
        held = sum(not change.adoptable for change in self.conflicts)
        same = len(self.conflicts) - held
        parts = ([f"{same} object(s) exist in NetBox but are not managed by netops (--adopt takes them over)"]
                 if same else [])
        parts += ([f"{held} object(s) would take what an object netops does not manage holds in NetBox (free it"
                   " there, or change intent)"] if held else [])
        super().__init__("; ".join(parts) + "; nothing was written")


class UnresolvedReferenceError(NetopsError):
    """A payload references an object NetBox does not have (it should have been created before)."""

    def __init__(self, record: Record, ref: Ref) -> None:
        self.record, self.ref = record, ref
        super().__init__(f"{record.type} {record.label} references {ref}, which NetBox does not have")


@dataclass
class ApplyOptions:
    """How to apply: the change-log message, whether to delete and adopt, the chunk size, a hook per chunk."""

    message: str
    prune: bool = False
    adopt: bool = False
    chunk_size: int = CHUNK_SIZE
    #: Requests in flight at once within a step (chunks of the same type and wave never reference each other).
    workers: int = WRITE_WORKERS
    #: Called after each written chunk with the number of chunks written so far (tests stop an apply here).
    after_chunk: Callable[[int], None] | None = None


@dataclass
class ApplyResult:
    """What apply wrote."""

    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    kept: int = 0  # managed objects not in intent, left in place without --prune
    #: With --prune: managed objects not deleted because something netops does not delete still depends on them.
    protected: list[str] = field(default_factory=list)
    chunks: int = 0
    requests: int = 0
    seconds: float = 0.0
    lines: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"created": self.created, "updated": self.updated, "deleted": self.deleted,
                "unchanged": self.unchanged, "kept": self.kept, "protected": self.protected, "chunks": self.chunks,
                "requests": self.requests, "seconds": round(self.seconds, 2)}


def payload(record: Record, snapshot: Snapshot, names: Sequence[str] | None = None) -> dict[str, Any]:
    """A record (or some of its fields) as a REST payload: references replaced by the ids NetBox has now."""
    mapper = MAPPER_BY_TYPE[record.type]
    data: dict[str, Any] = {}
    selected = set(record.fields) if names is None else set(names)
    for spec in mapper.all_fields():
        if spec.attr not in selected:
            continue
        value = record.fields.get(spec.attr)
        match spec.kind:
            case Kind.REF:
                data[spec.name] = _id(record, value, snapshot)
            case Kind.REFS:
                data[spec.name] = [_id(record, ref, snapshot) for ref in value or ()]
            case Kind.TAGS:
                data[spec.name] = [{"slug": slug} for slug in value or ()]
            case Kind.CUSTOM:
                data.setdefault("custom_fields", {})[spec.name] = _plain(value)
            case Kind.GENERIC:
                data[f"{spec.name}_type"] = value.type if isinstance(value, Ref) else None
                data[f"{spec.name}_id"] = _id(record, value, snapshot)
            case Kind.TERMINATIONS:
                data[spec.name] = [{"object_type": ref.type, "object_id": _id(record, ref, snapshot)}
                                   for ref in value or ()]
            case _:
                data[spec.name] = _plain(value)
    return data


def _plain(value: Value) -> Any:
    if isinstance(value, JsonValue):
        return value.data
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    return value


def _id(record: Record, value: Value, snapshot: Snapshot) -> int | None:
    if value is None:
        return None
    if not isinstance(value, Ref):
        raise TypeError(f"{record.type} {record.label}: not a reference: {value!r}")
    object_id = snapshot.id_of(value.type, value.key)
    if object_id is None:
        raise UnresolvedReferenceError(record, value)
    return object_id


def _late(mapper: Mapper) -> set[str]:
    return {spec.attr for spec in mapper.all_fields() if spec.late}


class _Writer:
    """Sends chunks, counts them, reports progress, and calls the per-chunk hook."""

    def __init__(self, client: NetBoxClient, options: ApplyOptions, progress: Progress, task: Task) -> None:
        self.client, self.options, self.progress, self.task = client, options, progress, task
        self.chunks = 0
        self.began = time.monotonic()

    def send[T, R](self, items: Sequence[T], write: Callable[[Sequence[T]], R]) -> Iterator[tuple[Sequence[T], R]]:
        """Each chunk of ``items`` written by ``write``, up to ``workers`` requests at once; yields each chunk and
        its result in order, so that progress, ids and the per-chunk hook stay in the caller's thread.

        Chunks are cut so that every worker gets one when there are fewer items than workers x chunk size. On an
        error the requests already in flight finish (whole chunks, which a re-run reads back) and it is raised.
        """
        size = max(1, min(self.options.chunk_size, -(-len(items) // max(1, self.options.workers))))
        batches = chunks(items, size)
        if self.options.workers <= 1 or len(batches) <= 1:
            for batch in batches:
                yield batch, write(batch)
            return
        with ThreadPoolExecutor(max_workers=self.options.workers) as pool:
            futures = [pool.submit(write, batch) for batch in batches]
            try:
                for batch, future in zip(batches, futures, strict=True):
                    yield batch, future.result()
            except BaseException:
                for future in futures:
                    future.cancel()
                raise

    def done_chunk(self, text: str, changes: int = 0) -> None:
        """A chunk was written: say so, and count the ``changes`` of the plan it completes (the late pass that
        sets primary IPs completes none: its objects were counted when created or updated)."""
        self.chunks += 1
        self.task.advance(changes)
        self.progress(f"{time.monotonic() - self.began:7.1f}s  {text}")
        if self.options.after_chunk is not None:
            self.options.after_chunk(self.chunks)


def apply_plan(client: NetBoxClient, plan: Plan, snapshot: Snapshot, options: ApplyOptions,
               progress: Progress = quiet) -> ApplyResult:
    """Write the plan's changes; ``snapshot`` (the one the plan was made from) learns the new objects' ids."""
    blocking = [change for change in plan.conflicts if not options.adopt or not change.adoptable]
    if blocking:
        raise ConflictError(blocking)
    with progress.task("writing NetBox", total=_counted(plan, options)) as task:
        return _write(client, plan, snapshot, options, _Writer(client, options, progress, task))


def _counted(plan: Plan, options: ApplyOptions) -> int:
    """The changes an apply of the plan goes through: each is counted once, written or kept."""
    deletes = [c for c in plan.of(Action.DELETE) if (c.first or options.prune) and c.actual is not None]
    creates = [c for c in plan.of(Action.CREATE) if c.desired is not None]
    updates = [c for c in plan.of(Action.UPDATE) if c.desired is not None and c.actual is not None]
    return len(deletes) + len(creates) + len(updates)


def _write(client: NetBoxClient, plan: Plan, snapshot: Snapshot, options: ApplyOptions,
           writer: _Writer) -> ApplyResult:
    began, requests_before = time.monotonic(), client.requests
    result = ApplyResult(unchanged=len(plan.of(Action.UNCHANGED)))
    by_type: dict[str, list[Change]] = {}
    for change in plan.changes:
        by_type.setdefault(change.type, []).append(change)

    # Detach before attach: free every end another object takes, before any create or update.
    doomed: dict[str, set[int]] = {}
    for change in plan.of(Action.DELETE):
        if (change.first or options.prune) and change.actual is not None and change.actual.id is not None:
            doomed.setdefault(MAPPER_BY_TYPE[change.type].endpoint, set()).add(change.actual.id)
    first = plan.first_deletes
    for mapper in reversed(MAPPERS):
        detach = [c for c in first if c.type == mapper.object_type and c.actual is not None]
        if detach:
            result.deleted += _delete(writer, mapper, detach, result, doomed, verb="detached")
    for mapper in MAPPERS:
        rename = [c for c in plan.of(Action.UPDATE) if c.first and c.type == mapper.object_type
                  and c.desired is not None and c.actual is not None]
        if rename:
            result.updated += _update(writer, mapper, rename, snapshot, _late(mapper), verb="renamed first")
    released = _release_moving_addresses(writer, plan, snapshot)
    for mapper in MAPPERS:
        changes = by_type.get(mapper.object_type, [])
        late = _late(mapper)
        creates = [c for c in changes if c.action is Action.CREATE and c.desired is not None]
        for wave in sorted({c.desired.wave for c in creates if c.desired is not None}):
            batch = [c.desired for c in creates if c.desired is not None and c.desired.wave == wave]
            result.created += _create(writer, mapper, batch, snapshot, late)
        updates = [c for c in changes if c.action is Action.UPDATE and not c.first and c.desired is not None
                   and c.actual is not None]
        result.updated += _update(writer, mapper, updates, snapshot, late)

    # Late fields: every object exists now, so primary IPs can point at their addresses.
    for mapper in MAPPERS:
        late = _late(mapper)
        if not late:
            continue
        pending: list[dict[str, Any]] = []
        for change in by_type.get(mapper.object_type, []):
            record = change.desired
            if record is None:
                continue
            if change.action is Action.CREATE or change.key in released.get(mapper.object_type, set()):
                names = [name for name in late if record.fields.get(name) is not None]
            elif change.action is Action.UPDATE:
                names = [d.field for d in change.diffs if d.field in late]
            else:
                continue
            object_id = snapshot.id_of(record.type, record.key)
            if names and object_id is not None:
                pending.append({"id": object_id, **payload(record, snapshot, names)})
        def set_late(batch: Sequence[dict[str, Any]], endpoint: str = mapper.endpoint) -> None:
            client.update(endpoint, batch, options.message)

        for chunk, _ in writer.send(pending, set_late):
            writer.done_chunk(f"{mapper.noun}: set {', '.join(sorted(late))} on {len(chunk)}")

    deletes = [change for change in plan.of(Action.DELETE) if not change.first]
    if options.prune:
        for mapper in reversed(MAPPERS):
            gone = [c for c in deletes if c.type == mapper.object_type and c.actual is not None]
            # Children of the same type first (wards before their district).
            for wave in sorted({c.actual.wave for c in gone if c.actual is not None}, reverse=True):
                in_wave = [c for c in gone if c.actual is not None and c.actual.wave == wave]
                result.deleted += _delete(writer, mapper, in_wave, result, doomed)
    else:
        result.kept = len(deletes)

    result.chunks = writer.chunks
    result.requests = client.requests - requests_before
    result.seconds = time.monotonic() - began
    return result


def _release_moving_addresses(writer: _Writer, plan: Plan, snapshot: Snapshot) -> dict[str, set[Key]]:
    """Unset the primary/out-of-band IPs that point at addresses moving to another interface; the objects (by
    type) whose late fields were unset, for the late pass to set again.

    NetBox refuses to reassign an address that is its device's primary or OOB IP. An apply interrupted after
    this step leaves those fields empty: the next plan sees them differ from intent and sets them.
    """
    moving = {change.key for change in plan.of(Action.UPDATE) if change.type == "ipam.ipaddress"
              and any(diff.field == "assigned_object" for diff in change.diffs)}
    released: dict[str, set[Key]] = {}
    if not moving:
        return released
    for mapper in MAPPERS:
        late = _late(mapper)
        if not late:
            continue
        pending = []
        for record in snapshot.records.of(mapper.object_type).values():
            names = [name for name in sorted(late) if isinstance(value := record.fields.get(name), Ref)
                     and value.type == "ipam.ipaddress" and value.key in moving]
            if names and record.managed and record.id is not None:
                pending.append({"id": record.id, **dict.fromkeys(names)})
                released.setdefault(mapper.object_type, set()).add(record.key)

        def unset(batch: Sequence[dict[str, Any]], endpoint: str = mapper.endpoint) -> None:
            writer.client.update(endpoint, batch, writer.options.message)

        for chunk, _ in writer.send(pending, unset):
            writer.done_chunk(f"{mapper.noun}: unset the primary IPs moving to another interface on {len(chunk)}")
    return released


def _create(writer: _Writer, mapper: Mapper, records: list[Record], snapshot: Snapshot, late: set[str]) -> int:
    names = [spec.attr for spec in mapper.all_fields() if spec.attr not in late]
    done = 0
    # Payloads are made here, before any request: they need only the ids of earlier waves and types.
    pairs = [(record, payload(record, snapshot, names)) for record in records]

    def write(batch: Sequence[tuple[Record, dict[str, Any]]]) -> list[int]:
        return writer.client.create(mapper.endpoint, [body for _, body in batch], writer.options.message)

    for batch, ids in writer.send(pairs, write):
        chunk = [record for record, _ in batch]
        for record, object_id in zip(chunk, ids, strict=True):
            snapshot.remember(record.type, record.key, object_id)
        done += len(chunk)
        writer.done_chunk(f"{mapper.noun}: created {done}/{len(records)}", len(chunk))
    return done


def _update(writer: _Writer, mapper: Mapper, changes: list[Change], snapshot: Snapshot, late: set[str],
            verb: str = "updated") -> int:
    payloads = []
    for change in changes:
        assert change.desired is not None and change.actual is not None
        names = [diff.field for diff in change.diffs if diff.field not in late]
        if names:
            payloads.append({"id": change.actual.id, **payload(change.desired, snapshot, names)})
    done = 0
    writer.task.advance(len(changes) - len(payloads))  # late fields only: written (not counted) in the late pass
    for chunk, _ in writer.send(payloads, lambda batch: writer.client.update(mapper.endpoint, batch,
                                                                             writer.options.message)):
        done += len(chunk)
        writer.done_chunk(f"{mapper.noun}: {verb} {done}/{len(payloads)}", len(chunk))
    # An update of late fields only is counted here and written in the late pass.
    return len(changes)


def _depended_on(client: NetBoxClient, mapper: Mapper, ids: list[int],
                 doomed: dict[str, set[int]]) -> dict[int, str]:
    """Which of these objects something that stays still depends on (the mapper's dependents), and what.

    Kept so that --prune never deletes or changes what netops does not own (or keeps).

    Dependents that this apply deletes later (``doomed``, by endpoint) do not count: a router's loopback address
    is its primary IP, but the router goes too.
    """
    found: dict[int, str] = {}
    for endpoint, parameter, extra in mapper.dependents:
        going = doomed.get(endpoint, set())
        for chunk in chunks([i for i in ids if i not in found], 50):
            if not chunk or not client.count(endpoint, {**extra, parameter: list(chunk)}):
                continue
            for object_id in chunk:
                staying = [row["id"] for row in client.rest_list(endpoint, {**extra, parameter: object_id,
                                                                            "fields": "id"})
                           if row["id"] not in going]
                if staying:
                    found[object_id] = f"{len(staying)} object(s) of {endpoint}"
    return found


def _delete(writer: _Writer, mapper: Mapper, changes: list[Change], result: ApplyResult,
            doomed: dict[str, set[int]], verb: str = "deleted") -> int:
    ids = [change.actual.id for change in changes if change.actual is not None and change.actual.id is not None]
    blocked = _depended_on(writer.client, mapper, ids, doomed)
    doomed[mapper.endpoint] = doomed.get(mapper.endpoint, set()) - set(blocked)  # kept: they stay
    for change in changes:
        if change.actual is not None and change.actual.id in blocked:
            result.protected.append(f"{mapper.noun} {change.label}: kept, {blocked[change.actual.id]} still"
                                    " depend on it")
            writer.progress(result.protected[-1])
    ids = [object_id for object_id in ids if object_id not in blocked]
    writer.task.advance(len(changes) - len(ids))  # kept: done with
    done = 0
    for chunk in chunks(ids, writer.options.chunk_size):
        try:
            writer.client.delete(mapper.endpoint, chunk, writer.options.message)
        except NetBoxError as error:
            if error.status != 404:
                raise
            # Some went with an object deleted before them (NetBox cascades): delete those still there.
            still = [int(row["id"]) for row in writer.client.rest_list(
                mapper.endpoint, {"id": list(chunk), "fields": "id"})]
            if still:
                writer.client.delete(mapper.endpoint, still, writer.options.message)
        done += len(chunk)
        writer.done_chunk(f"{mapper.noun}: {verb} {done}/{len(ids)}", len(chunk))
    return done
