"""A plan (or drift) narrowed to some sites: ``netops plan|apply|drift --unit/--area/--district/--site``.

The whole intent is mapped and compared with NetBox as without a scope; the computed changes are then filtered:

- an object belongs to the sites its references lead to (a device to its site, an interface to its device's, an
  address to its interface's, a cable to the sites of both ends, a circuit to its terminations'); an object
  whose references lead to no site is city-wide (tags, custom fields, regions, tenants, roles, device types...);
- a change is kept when its object belongs to a selected site, and a city-wide change when a kept change uses
  the object (by reference, by tag, by custom field, the config context by devices), so that a scoped apply onto
  an empty NetBox has everything the selected sites need;
- a create or update that needs an object of an unselected site which NetBox does not hold yet (a cable to a
  site outside the scope) is held back: it cannot be written until that site is applied;
- deletes (``--prune``) are kept only for managed objects that belong to a selected site: an object of another
  site is never taken for one that left intent because its site was not selected, and city-wide objects are
  left to an unscoped prune.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from netops.netbox.mapping import MAPPER_BY_TYPE
from netops.netbox.mapping.base import Key, Kind, Record, RecordSet, Ref, Value
from netops.netbox.plan import Action, Change, Plan
from netops.netbox.snapshot import Snapshot

SITE = "dcim.site"
#: Types whose objects belong to the sites of the objects that refer to them by a field (a circuit to the sites
#: of its terminations, an FHRP group to its members' interfaces, a virtual chassis to its devices), and that
#: field, which is then not followed from the referring side.
_OWNED_THROUGH = {"circuits.circuit": ("circuits.circuittermination", "circuit"),
                  "ipam.fhrpgroup": ("ipam.fhrpgroupassignment", "group"),
                  "dcim.virtualchassis": ("dcim.device", "virtual_chassis")}
#: Types whose objects every device uses without referring to them by a field (the city's config context).
_USED_BY_DEVICES = ("extras.configcontext",)


@dataclass
class ScopedPlan:
    """The changes of the selected sites and what they need, and the ones held back."""

    plan: Plan
    sites: tuple[str, ...]
    held_back: list[Change] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {"sites": list(self.sites),
                "held_back": [{**change.to_json(), "why": "needs objects of sites outside the scope"}
                              for change in self.held_back]}


def _refs(value: Value) -> Iterator[Ref]:
    if isinstance(value, Ref):
        yield value
    elif isinstance(value, (tuple, list, frozenset, set)):
        for item in value:
            yield from _refs(item)


class Ownership:
    """Which sites each object belongs to, through the references of intent's and NetBox's records."""

    def __init__(self, desired: RecordSet, snapshot: Snapshot) -> None:
        self._desired = desired
        self._actual = snapshot.records
        self._sites: dict[tuple[str, Key], frozenset[str]] = {}
        self._late = {object_type: {f.attr for f in mapper.all_fields() if f.late}
                      for object_type, mapper in MAPPER_BY_TYPE.items()}
        self._owners: dict[tuple[str, Key], list[Record]] = {}
        for owned, (owner, name) in _OWNED_THROUGH.items():
            self._late.setdefault(owner, set()).add(name)
            for records in (self._actual.of(owner).values(), desired.of(owner).values()):
                for record in records:
                    for ref in _refs(record.fields.get(name)):
                        if ref.type == owned:
                            self._owners.setdefault((ref.type, ref.key), []).append(record)

    def record(self, ref: Ref) -> Record | None:
        return self._desired.get(ref.type, ref.key) or self._actual.get(ref.type, ref.key)

    def uses(self, record: Record, *, late: bool = True) -> Iterator[Ref]:
        """The objects a record uses: its references, its tags, its custom fields."""
        skip = set() if late else self._late.get(record.type, set())
        mapper = MAPPER_BY_TYPE.get(record.type)
        kinds = {f.attr: f.kind for f in mapper.all_fields()} if mapper is not None else {}
        for name, value in record.fields.items():
            if name in skip:
                continue
            if kinds.get(name) is Kind.TAGS:
                yield from (Ref("extras.tag", (str(slug),)) for slug in value or ())
                continue
            if name.startswith("custom_fields."):
                yield Ref("extras.customfield", (name.removeprefix("custom_fields."),))
            yield from _refs(value)
        if record.type == "dcim.device":
            for object_type in _USED_BY_DEVICES:
                yield from (Ref(object_type, key) for key in self._desired.of(object_type))

    def sites(self, record: Record) -> frozenset[str]:
        """The site slugs a record belongs to (empty: city-wide). Late references (a device's primary address)
        are not followed: they point back into the same site; nor a termination's circuit, which belongs to
        its terminations' sites."""
        if record.type == SITE:
            return frozenset({record.key[0]})
        memo = (record.type, record.key)
        if memo in self._sites:
            return self._sites[memo]
        self._sites[memo] = frozenset()  # a cycle leads to no further site
        found: set[str] = set()
        for owner in self._owners.get(memo, ()):
            found |= self.sites(owner)
        for ref in self.uses(record, late=False):
            if ref.type == SITE:
                found.add(ref.key[0])
            elif ref.type not in ("extras.tag", "extras.customfield", *_USED_BY_DEVICES):
                target = self.record(ref)
                if target is not None:
                    found |= self.sites(target)
        self._sites[memo] = frozenset(found)
        return self._sites[memo]


def scope_plan(plan: Plan, desired: RecordSet, snapshot: Snapshot, sites: frozenset[str]) -> ScopedPlan:
    """The plan narrowed to the objects of ``sites`` and the city-wide objects they use (module docstring)."""
    owner = Ownership(desired, snapshot)
    by_ref: dict[tuple[str, Key], Change] = {}
    for change in plan.changes:
        by_ref.setdefault((change.type, change.key), change)
    kept: set[int] = set()
    held: list[Change] = []
    for change in plan.changes:
        record = change.desired or change.actual
        if record is None or not owner.sites(record) & sites:
            continue
        if change.action is Action.DELETE:
            kept.add(id(change))
            continue
        needed, blocked = _needs(change, owner, by_ref, sites)
        if blocked:
            held.append(change)
            continue
        kept.add(id(change))
        kept |= needed
    narrowed = Plan(changes=[change for change in plan.changes if id(change) in kept], prune=plan.prune)
    return ScopedPlan(narrowed, tuple(sorted(sites)), held)


def _needs(change: Change, owner: Ownership, by_ref: dict[tuple[str, Key], Change],
           sites: frozenset[str]) -> tuple[set[int], bool]:
    """The city-wide changes a change needs (ids of Change objects), and whether it needs an object of an
    unselected site that NetBox does not hold yet."""
    needed: set[int] = set()
    seen: set[tuple[str, Key]] = set()
    stack = [change.desired] if change.desired is not None else []
    while stack:
        record = stack.pop()
        for ref in owner.uses(record):
            if (ref.type, ref.key) in seen:
                continue
            seen.add((ref.type, ref.key))
            target = owner.record(ref)
            if target is None:
                continue
            other = by_ref.get((ref.type, ref.key))
            belongs = owner.sites(target)
            if belongs and not belongs & sites:
                if other is not None and other.action is Action.CREATE:
                    return needed, True
                continue  # another site's object NetBox holds: used as it is
            if not belongs and other is not None and other.action in (Action.CREATE, Action.UPDATE,
                                                                       Action.CONFLICT):
                needed.add(id(other))
            stack.append(target)
    return needed, False
