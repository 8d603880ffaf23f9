"""The plan: what NetBox must change to hold what intent wants, per object and per field.

Each desired object is compared with the object of the same type and natural key in the snapshot:

- absent: **create**;
- present and managed by netops: **update** the fields that differ, or **unchanged**;
- present but not managed by netops: shared vocabulary (a manufacturer, a role) is used as it is
  (**unchanged**, never changed); anything else is a **conflict**, unless ``adopt`` (then **update**, which
  also puts the managed tag on it) or it was reserved by ``netops allocate`` (tag ``netops-allocated``: taken
  over the same way without ``--adopt``);

and each managed object intent does not want is a **delete** (written only with ``--prune``).

Detach before attach: an object may hold something no other object of its type may hold at the same time (a
cable holds the interfaces and circuit terminations it ends on, see :meth:`Mapper.claims`). When a create or
update takes what another managed object holds now, and that holder leaves intent or lets go of it, the holder
is freed first: a holder that left intent is a **delete** written before every create and update, with or
without ``--prune`` (netops owns it and intent now gives what it holds to another object); a holder intent
keeps with other ends (a cable moved, two cables swapped) is replaced in two steps, a **delete** written first
and a **create** in the usual order. Types that can let go in place (a VLAN's name, unique in its group, see
:meth:`Mapper.release`) get an **update** to temporary values written first instead, then, if intent keeps
the holder, the update to intent's values in the usual order. A holder netops does not manage makes the taker a
**conflict**. The plan lists what is written first at its top, in the order apply writes it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from netops.netbox.mapping import MAPPER_BY_TYPE, MAPPERS
from netops.netbox.mapping.base import Key, Mapper, Record, RecordSet, Ref, Value, value_to_json
from netops.netbox.snapshot import Snapshot
from netops.netbox.tags import ALLOCATED_TAG


class Action(StrEnum):
    """What happens to one object."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    UNCHANGED = "unchanged"
    CONFLICT = "conflict"


#: Past tense for apply's messages: "device core-01 created".
DONE = {Action.CREATE: "created", Action.UPDATE: "updated", Action.DELETE: "deleted",
        Action.UNCHANGED: "already exists", Action.CONFLICT: "left alone (conflict)"}
_SIGN = {Action.CREATE: "+", Action.UPDATE: "~", Action.DELETE: "-", Action.UNCHANGED: "=", Action.CONFLICT: "!"}


@dataclass(frozen=True)
class FieldDiff:
    """One field that differs: NetBox's value (before) and intent's (after)."""

    field: str
    before: Value
    after: Value

    def to_json(self) -> dict[str, Any]:
        return {"field": self.field, "before": value_to_json(self.before), "after": value_to_json(self.after)}


@dataclass
class Change:
    """What the plan does with one object."""

    action: Action
    type: str
    key: Key
    desired: Record | None = None
    actual: Record | None = None
    diffs: tuple[FieldDiff, ...] = ()
    note: str = ""
    #: Written before every create and update, with or without --prune: a delete or a rename that frees what
    #: another object takes (detach before attach).
    first: bool = False
    #: For a conflict: whether --adopt resolves it (a same-key object netops does not manage), or not (what
    #: the object would take is held by an object netops does not manage).
    adoptable: bool = True

    @property
    def id(self) -> int | None:
        return self.actual.id if self.actual is not None else None

    @property
    def noun(self) -> str:
        mapper = MAPPER_BY_TYPE.get(self.type)
        return mapper.noun if mapper is not None else self.type

    @property
    def label(self) -> str:
        text = "/".join(self.key)
        if self.action is Action.DELETE and self.actual is not None and self.note == "duplicate":
            text += f" (#{self.actual.id})"
        return text

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"action": self.action.value, "type": self.type, "key": list(self.key),
                                "id": self.id}
        if self.diffs:
            data["fields"] = [diff.to_json() for diff in self.diffs]
        elif self.action is Action.CREATE and self.desired is not None:
            data["fields"] = [{"field": name, "before": None, "after": value_to_json(value)}
                              for name, value in self.desired.fields.items()]
        if self.note:
            data["note"] = self.note
        if self.first:
            data["first"] = True
        return data


@dataclass
class Plan:
    """Every change, creates and updates in dependency order, then deletes in reverse dependency order."""

    changes: list[Change] = field(default_factory=list)
    prune: bool = False

    @property
    def counts(self) -> dict[str, int]:
        counter = Counter(change.action for change in self.changes)
        return {action.value: counter.get(action, 0) for action in Action}

    def of(self, *actions: Action) -> list[Change]:
        return [change for change in self.changes if change.action in actions]

    @property
    def conflicts(self) -> list[Change]:
        return self.of(Action.CONFLICT)

    @property
    def writes(self) -> int:
        """Objects apply writes (deletes only with prune, except the first ones)."""
        counts = self.counts
        deletes = counts["delete"] if self.prune else len(self.first_deletes)
        return counts["create"] + counts["update"] + deletes

    @property
    def first_deletes(self) -> list[Change]:
        """The deletes written before every create and update (they free what intent gives to another object)."""
        return [change for change in self.changes if change.action is Action.DELETE and change.first]

    def by_type(self) -> dict[str, dict[str, int]]:
        table: dict[str, Counter[str]] = {}
        for change in self.changes:
            table.setdefault(change.type, Counter())[change.action.value] += 1
        return {name: dict(counter) for name, counter in table.items()}

    def to_json(self, *, include_unchanged: bool = False) -> dict[str, Any]:
        return {
            "counts": self.counts,
            "by_type": self.by_type(),
            "changes": [change.to_json() for change in self.changes
                        if include_unchanged or change.action is not Action.UNCHANGED],
        }


def _equal(before: Value, after: Value) -> bool:
    if isinstance(before, float) or isinstance(after, float):
        try:
            return before is not None and after is not None and round(float(before), 6) == round(float(after), 6)
        except (TypeError, ValueError):
            return False
    return bool(before == after)


def compare(desired: Record, actual: Record) -> tuple[FieldDiff, ...]:
    """The fields of ``desired`` whose value NetBox holds differently."""
    if desired.fields == actual.fields:
        return ()  # equal values are equal to _equal too: most objects of a plan are unchanged
    return tuple(FieldDiff(name, actual.fields.get(name), value) for name, value in desired.fields.items()
                 if not _equal(actual.fields.get(name), value))


def _reserved(record: Record) -> bool:
    """Reserved by `netops allocate` for intent to take over."""
    return ALLOCATED_TAG in (record.fields.get("tags") or ())


def make_plan(desired: RecordSet, snapshot: Snapshot, *, adopt: bool = False, prune: bool = False,
              free_first: bool = True) -> Plan:
    """Compare intent's records with NetBox's, type by type in dependency order; with ``free_first`` (what apply
    writes), also free first what a create or update takes from another object (drift, which reports
    differences rather than writes, leaves it out)."""
    plan = Plan(prune=prune)
    deletes: list[list[Change]] = []
    for mapper in MAPPERS:
        want, have = desired.of(mapper.object_type), snapshot.records.of(mapper.object_type)
        for key, record in want.items():
            actual = have.get(key)
            if actual is None:
                plan.changes.append(Change(Action.CREATE, record.type, key, desired=record))
            elif actual.managed:
                diffs = compare(record, actual)
                plan.changes.append(Change(Action.UPDATE if diffs else Action.UNCHANGED, record.type, key,
                                           desired=record, actual=actual, diffs=diffs))
            elif mapper.shared:
                plan.changes.append(Change(Action.UNCHANGED, record.type, key, desired=record, actual=actual,
                                           note="not managed by netops: used as it is"))
            elif adopt or _reserved(actual):
                note = ("adopted: reserved by netops allocate until now" if _reserved(actual)
                        else "adopted: not managed by netops until now")
                plan.changes.append(Change(Action.UPDATE, record.type, key, desired=record, actual=actual,
                                           diffs=compare(record, actual), note=note))
            else:
                plan.changes.append(Change(Action.CONFLICT, record.type, key, desired=record, actual=actual,
                                           note="exists in NetBox, not managed by netops (--adopt takes it over)"))
        gone = [Change(Action.DELETE, mapper.object_type, key, actual=actual, note="managed, not in intent")
                for key, actual in have.items() if key not in want and actual.managed and mapper.prunable]
        gone += [Change(Action.DELETE, mapper.object_type, record.key, actual=record, note="duplicate")
                 for record in snapshot.duplicates if record.type == mapper.object_type and record.managed
                 and mapper.prunable]
        deletes.append(gone)
    for gone in reversed(deletes):
        plan.changes.extend(gone)
    if free_first:
        _free_before_taking(plan, snapshot)
    return plan


def _claimed(record: Record | None) -> set[Value]:
    if record is None:
        return set()
    return set(MAPPER_BY_TYPE[record.type].claims(record.fields)) if record.type in MAPPER_BY_TYPE else set()


def _show_claim(value: Value) -> str:
    if isinstance(value, Ref):
        mapper = MAPPER_BY_TYPE.get(value.type)
        return f"{mapper.noun if mapper is not None else value.type} {'/'.join(value.key)}"
    return str(value)


def _free_before_taking(plan: Plan, snapshot: Snapshot) -> None:
    """Detach before attach: every claim a create or update takes is freed first by its current holder.

    A holder that left intent (a delete) is marked ``first``; a holder intent keeps with other claims (an
    update) is split into a first delete and a create; a holder netops does not manage turns the taker into a
    conflict. First deletes move to the front of the plan, in the order apply writes them.
    """
    by_id: dict[tuple[str, int], Change] = {}
    for change in plan.changes:
        if change.actual is not None and change.actual.id is not None:
            by_id[(change.type, change.actual.id)] = change
    holders: dict[tuple[str, Value], Record] = {}
    for mapper in MAPPERS:
        if type(mapper).claims is Mapper.claims:
            continue
        for record in (*snapshot.records.of(mapper.object_type).values(),
                       *(r for r in snapshot.duplicates if r.type == mapper.object_type)):
            for claim in mapper.claims(record.fields):
                holders.setdefault((record.type, claim), record)
    if not holders:
        return
    replaced: dict[int, Change] = {}  # id() of an update split in two -> the create that attaches again
    for listed in list(plan.changes):
        if listed.action not in (Action.CREATE, Action.UPDATE) or listed.desired is None:
            continue
        taker = replaced.get(id(listed), listed)
        taken = _claimed(taker.desired) - _claimed(taker.actual)
        for claim in sorted(taken, key=str):
            holder = holders.get((taker.type, claim))
            if holder is None or holder.id is None or (taker.actual is not None and holder.id == taker.actual.id):
                continue
            holding = by_id.get((holder.type, holder.id))
            # The holder's key may name objects netops did not read (#id): its id then says it all.
            known = "" if any(part.startswith(("#", "?")) for part in holder.key) else f", {holder.label}"
            what = f"{_show_claim(claim)} (held by {taker.noun} #{holder.id}{known})"
            if holding is None or not holder.managed or holding.action is Action.CONFLICT:
                position = next(i for i, other in enumerate(plan.changes) if other is taker)
                plan.changes[position] = Change(
                    Action.CONFLICT, taker.type, taker.key, desired=taker.desired, actual=taker.actual,
                    note=f"would take {what}, which netops does not manage: free it in NetBox, or change intent",
                    adoptable=False)
                break
            if id(holding) in replaced:
                continue  # already freed first
            why = f"frees {_show_claim(claim)} for {taker.noun} {taker.label}"
            if holding.action is Action.DELETE or claim not in _claimed(holding.desired):
                temporary = MAPPER_BY_TYPE[holder.type].release(holder.fields)
                if temporary is not None:
                    replaced[id(holding)] = _rename_first(plan, holding, holder, temporary, why)
                elif holding.action is Action.DELETE:
                    holding.first = True
                    holding.note = f"{holding.note}; {why}: deleted first, with or without --prune"
                elif holding.action in (Action.UPDATE, Action.UNCHANGED):
                    replaced[id(holding)] = _replace(plan, holding, why)
    if any(change.first for change in plan.changes):
        plan.changes.sort(key=lambda change: not change.first)  # stable: the rest keeps its order


def _rename_first(plan: Plan, change: Change, holder: Record, temporary: dict[str, Value], why: str) -> Change:
    """Free a claim in place: an update to temporary values written first; the change itself stays (an update
    then writes the final values; a delete stays a delete, written with --prune)."""
    renamed = Record(holder.type, holder.key, {**holder.fields, **temporary}, id=holder.id, wave=holder.wave)
    diffs = tuple(FieldDiff(name, holder.fields.get(name), value) for name, value in temporary.items())
    step = ("renamed first, with or without --prune (it left intent)" if change.action is Action.DELETE
            else "step 1 of 2: renamed first, then updated to intent's values")
    plan.changes.insert(0, Change(Action.UPDATE, holder.type, holder.key, desired=renamed, actual=holder,
                                  diffs=diffs, first=True, note=f"{why}: {step}"))
    if change.action is Action.UPDATE:
        change.note = "step 2 of 2: updated to intent's values once renamed"
        change.diffs = tuple(FieldDiff(d.field, temporary.get(d.field, d.before), d.after) for d in change.diffs)
    return change


def _replace(plan: Plan, change: Change, why: str) -> Change:
    """Split an update into a delete written first (detach) and a create in the usual order (attach again)."""
    position = next(i for i, other in enumerate(plan.changes) if other is change)
    detach = Change(Action.DELETE, change.type, change.key, actual=change.actual, first=True,
                    note=f"replaced in two steps: detached first ({why}), then created again")
    attach = Change(Action.CREATE, change.type, change.key, desired=change.desired,
                    note="replaced in two steps: created again once detached")
    plan.changes[position:position + 1] = [attach]
    plan.changes.insert(0, detach)
    return attach


def show_value(value: Value) -> str:
    data = value_to_json(value)
    if isinstance(data, dict) and "ref" in data:
        return "/".join(data["key"])
    text = json.dumps(data, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "..."


def render_lines(plan: Plan, *, include_unchanged: bool = False, verbose: bool = False) -> Iterator[str]:
    """The plan as text: one line per object, one indented line per changed field."""
    for change in plan.changes:
        if change.action is Action.UNCHANGED and not include_unchanged:
            continue
        note = f" ({change.note})" if change.note else ""
        if change.action is Action.DELETE and not plan.prune and not change.first:
            note = f" ({change.note}; deleted with --prune)"
        yield f"{_SIGN[change.action]} {change.action.value:<9} {change.noun} {change.label}{note}"
        for diff in change.diffs:
            yield f"      {diff.field}: {show_value(diff.before)} -> {show_value(diff.after)}"
        if verbose and change.action is Action.CREATE and change.desired is not None:
            for name, value in change.desired.fields.items():
                yield f"      {name}: {show_value(value)}"


def summary(plan: Plan) -> str:
    """One line: how many objects of each action."""
    counts = plan.counts
    first = len(plan.first_deletes)
    if plan.prune or counts["delete"] == first:
        deletes = f"{counts['delete']} to delete"
    else:
        deletes = (f"{counts['delete']} to delete ({first} first, to free what intent moves; the rest with --prune)"
                   if first else f"{counts['delete']} to delete (with --prune)")
    return (f"{counts['create']} to create, {counts['update']} to update, {deletes}, {counts['conflict']} conflicts,"
            f" {counts['unchanged']} unchanged")
