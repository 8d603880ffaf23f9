"""What differs between two lists of the same structure's units (intent against the dataset, or two imports)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from citynet_models.units import AdminStructure, District, Unit


class Change(StrEnum):
    """How one unit differs."""

    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True)
class UnitDifference:
    """One unit (or district, or succession) that differs, with its fields before and after."""

    what: str  # district, unit or succession
    code: str
    change: Change
    fields: tuple[tuple[str, str, str], ...] = ()  # (field, before, after) for a change

    def line(self) -> str:
        """One line for the terminal."""
        head = f"{self.change.value:8} {self.what} {self.code}"
        return head + "".join(f"\n           {name}: {before} -> {after}" for name, before, after in self.fields)


def _text(value: object) -> str:
    return "-" if value is None else str(value)


def _fields(before: District | Unit, after: District | Unit) -> tuple[tuple[str, str, str], ...]:
    old, new = before.model_dump(mode="json"), after.model_dump(mode="json")
    return tuple((name, _text(old[name]), _text(new[name])) for name in old if old[name] != new[name])


def diff_structures(before: AdminStructure, after: AdminStructure) -> list[UnitDifference]:
    """Every district, unit and succession added, removed or changed from `before` to `after`, by code."""
    differences: list[UnitDifference] = []
    tables: tuple[tuple[str, dict[str, District | Unit], dict[str, District | Unit]], ...] = (
        ("district", {d.code: d for d in before.districts}, {d.code: d for d in after.districts}),
        ("unit", {u.code: u for u in before.units}, {u.code: u for u in after.units}),
    )
    for what, old, new in tables:
        for code in sorted(old.keys() | new.keys()):
            if code not in new:
                differences.append(UnitDifference(what, code, Change.REMOVED))
            elif code not in old:
                differences.append(UnitDifference(what, code, Change.ADDED))
            elif old[code] != new[code]:
                differences.append(UnitDifference(what, code, Change.CHANGED, _fields(old[code], new[code])))
    old_successions = {s.legacy: s.units for s in before.successions}
    new_successions = {s.legacy: s.units for s in after.successions}
    for code in sorted(old_successions.keys() | new_successions.keys()):
        was, now = old_successions.get(code), new_successions.get(code)
        if was == now:
            continue
        change = Change.ADDED if was is None else Change.REMOVED if now is None else Change.CHANGED
        fields = ((("units", ", ".join(was), ", ".join(now)),) if was is not None and now is not None else ())
        differences.append(UnitDifference("succession", code, change, fields))
    return differences
