"""Drift: what differs between intent and NetBox, seen from NetBox's side.

The same comparison as the plan (with every managed object intent lacks counted, as with ``--prune``), worded
for people auditing NetBox: a field edited in the UI on a managed object, a managed object deleted from NetBox,
an object added with the managed tag that intent does not have, a same-named object netops does not manage.
For objects NetBox holds, the last entry of NetBox's change log says who changed it, when and why (one request
per type and 50 objects, and only for the first objects that drifted).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from netops.netbox.client import NetBoxClient, NetBoxError
from netops.netbox.mapping import desired_records
from netops.netbox.mapping.base import RecordSet, chunks
from netops.netbox.plan import Action, Change, Plan, make_plan, show_value
from netops.netbox.scope import scope_plan
from netops.netbox.snapshot import Backend, Snapshot, read_snapshot
from netops.progress import ProgressSink as Progress
from netops.progress import quiet

if TYPE_CHECKING:
    from citynet_models.network import Network

#: At most this many drifted objects get their change-log entry looked up.
CHANGELOG_LOOKUPS = 200


@dataclass(frozen=True)
class LastChange:
    """The newest change-log entry of an object."""

    user: str
    time: str
    action: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"user": self.user, "time": self.time, "action": self.action, "message": self.message}


@dataclass
class DriftItem:
    """One object that differs, and the last change NetBox recorded on it."""

    change: Change
    last_change: LastChange | None = None

    def to_json(self) -> dict[str, Any]:
        data = self.change.to_json()
        data["drift"] = _KIND[self.change.action]
        if self.last_change is not None:
            data["last_change"] = self.last_change.to_json()
        return data


_KIND = {Action.UPDATE: "edited in NetBox", Action.CREATE: "missing from NetBox",
         Action.DELETE: "in NetBox (managed), not in intent", Action.CONFLICT: "in NetBox, not managed by netops",
         Action.UNCHANGED: "same"}


@dataclass
class Drift:
    """Every object that differs between intent and NetBox."""

    items: list[DriftItem] = field(default_factory=list)
    plan: Plan = field(default_factory=Plan)

    @property
    def drifted(self) -> bool:
        return bool(self.items)

    def counts(self) -> dict[str, int]:
        counts = {"edited": 0, "missing": 0, "extra": 0, "conflict": 0}
        names = {Action.UPDATE: "edited", Action.CREATE: "missing", Action.DELETE: "extra", Action.CONFLICT: "conflict"}
        for item in self.items:
            counts[names[item.change.action]] += 1
        return counts

    def to_json(self) -> dict[str, Any]:
        return {"drift": self.drifted, "counts": self.counts(), "items": [item.to_json() for item in self.items]}


def detect_drift(client: NetBoxClient, desired: RecordSet, *, backend: Backend = Backend.GRAPHQL,
                 progress: Progress = quiet, snapshot: Snapshot | None = None,
                 sites: frozenset[str] | None = None) -> Drift:
    """Compare intent's records with NetBox's; look up who last changed the objects that differ. ``sites``: only
    the objects of those sites and the city-wide ones they use (netops.netbox.scope)."""
    snapshot = snapshot or read_snapshot(client, backend=backend, desired=desired, progress=progress)
    plan = make_plan(desired, snapshot, prune=True, free_first=False)  # differences, not the writes that fix them
    if sites is not None:
        scoped = scope_plan(plan, desired, snapshot, sites)
        plan = Plan(changes=[*scoped.plan.changes, *scoped.held_back], prune=True)
    items = [DriftItem(change) for change in plan.changes if change.action is not Action.UNCHANGED]
    _attach_last_changes(client, items[:CHANGELOG_LOOKUPS])
    return Drift(items=items, plan=plan)


def drift_of_network(client: NetBoxClient, network: Network, *, backend: Backend = Backend.GRAPHQL,
                     progress: Progress = quiet) -> Drift:
    """Drift between a validated Network (intent) and NetBox."""
    return detect_drift(client, desired_records(network), backend=backend, progress=progress)


def _attach_last_changes(client: NetBoxClient, items: list[DriftItem]) -> None:
    wanted: dict[str, dict[int, DriftItem]] = defaultdict(dict)
    for item in items:
        if item.change.id is not None:
            wanted[item.change.type][item.change.id] = item
    for object_type, by_id in wanted.items():
        for chunk in chunks(sorted(by_id), 50):
            try:
                rows = client.rest_list("core/object-changes", {
                    "changed_object_type": object_type, "changed_object_id": list(chunk), "ordering": "-time",
                    "fields": "changed_object_id,user_name,time,action,message"})
                for row in rows:
                    found = by_id.get(int(row["changed_object_id"]))
                    if found is not None and found.last_change is None:
                        action = row.get("action")
                        found.last_change = LastChange(
                            user=str(row.get("user_name") or ""), time=str(row.get("time") or ""),
                            action=str(action.get("value") if isinstance(action, dict) else action or ""),
                            message=str(row.get("message") or ""))
            except NetBoxError:
                return  # the change log is a courtesy: without it the drift itself still stands


_SIGNS = {Action.UPDATE: "~", Action.CREATE: "+", Action.DELETE: "-", Action.CONFLICT: "!"}


def render_lines(drift: Drift) -> Iterator[str]:
    """Drift as text: one line per object, its fields as NetBox has them against intent, and who changed it."""
    for item in drift.items:
        change = item.change
        sign = _SIGNS.get(change.action, " ")
        who = ""
        if item.last_change is not None:
            last = item.last_change
            who = f"; last {last.action} by {last.user or '?'} at {last.time[:19].replace('T', ' ')}"
            if last.message:
                who += f" ({last.message})"
        yield f"{sign} {change.noun} {change.label}: {_KIND[change.action]}{who}"
        for diff in change.diffs:
            yield f"      {diff.field}: NetBox {show_value(diff.before)}, intent {show_value(diff.after)}"
