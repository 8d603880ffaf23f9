"""Drift from NetBox's side, without a server: edited, missing and extra objects, and who changed them (the change
log read through a stand-in client)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from netops.netbox.drift import detect_drift, render_lines
from netops.netbox.mapping.base import Record
from tests.netbox.support import SMALL_CITY, desired_of, snapshot_holding


class ChangeLog:
    """Answers the change-log query the way NetBox 4.7 does (newest first)."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows, self.asked = rows, []

    def rest_list(self, endpoint: str, params: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        assert endpoint == "core/object-changes"
        self.asked.append(dict(params or {}))
        ids = set((params or {})["changed_object_id"])
        return iter(row for row in self.rows if row["changed_object_id"] in ids)


def test_drift_reports_edits_missing_and_extra_objects_with_who_changed_them() -> None:
    desired = desired_of(SMALL_CITY)
    snapshot = snapshot_holding(desired)
    site = snapshot.records.get("dcim.site", ("dc",))
    assert site is not None and site.id is not None
    site.fields["status"] = "retired"
    del snapshot.records.by_type["dcim.interface"][("dc-core-01", "lo")]
    snapshot.records.add(Record("ipam.prefix", ("10.99.0.0/24",), {"prefix": "10.99.0.0/24"}, id=777))
    log = ChangeLog([
        {"changed_object_id": site.id, "user_name": "lan", "time": "2026-11-27T20:16:59.1+07:00",
         "action": {"value": "update"}, "message": "ticket 42"},
        {"changed_object_id": site.id, "user_name": "netops", "time": "2026-11-01T08:00:00+07:00",
         "action": {"value": "create"}, "message": "netops apply"},
    ])

    drift = detect_drift(log, desired, snapshot=snapshot)  # type: ignore[arg-type]

    assert drift.drifted
    assert drift.counts() == {"edited": 1, "missing": 1, "extra": 1, "conflict": 0}
    assert list(render_lines(drift)) == [
        "~ site dc: edited in NetBox; last update by lan at 2026-11-27 20:16:59 (ticket 42)",
        '      status: NetBox "retired", intent "planned"',
        "+ interface dc-core-01/lo: missing from NetBox",
        "- prefix 10.99.0.0/24: in NetBox (managed), not in intent",
    ]
    assert drift.to_json()["items"][0]["last_change"] == {"user": "lan", "time": "2026-11-27T20:16:59.1+07:00",
                                                          "action": "update", "message": "ticket 42"}


def test_no_drift_asks_nothing_of_the_change_log() -> None:
    desired = desired_of(SMALL_CITY)
    log = ChangeLog([])

    drift = detect_drift(log, desired, snapshot=snapshot_holding(desired))  # type: ignore[arg-type]

    assert not drift.drifted and drift.counts() == {"edited": 0, "missing": 0, "extra": 0, "conflict": 0}
    assert log.asked == []
