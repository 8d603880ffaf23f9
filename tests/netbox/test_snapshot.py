"""Reading NetBox: REST rows (fields=) and GraphQL rows normalize to the same canonical fields, captured from a
real NetBox 4.7 holding the sample city (tests/netbox/data/normalize.json)."""

from __future__ import annotations

from typing import Any

import pytest

from netops.netbox.mapping import MAPPER_BY_TYPE
from netops.netbox.mapping.base import Pending, value_to_json
from netops.netbox.snapshot import normalize
from tests.netbox import tables


def _json(fields: dict[str, Any]) -> dict[str, Any]:
    def one(value: Any) -> Any:
        if isinstance(value, Pending):
            return {"pending": value.type, "id": value.id}
        if isinstance(value, tuple):
            return [one(item) for item in value]
        return value_to_json(value)

    return {name: one(value) for name, value in fields.items()}


@pytest.mark.parametrize(("table", "case_id"), tables.cases(["normalize"]))
def test_rest_and_graphql_rows_normalize_alike(request: pytest.FixtureRequest, table: str, case_id: str) -> None:
    case = next(case for case in tables.load(table)["cases"] if case["id"] == case_id)
    mapper = MAPPER_BY_TYPE[case["type"]]

    rest = normalize(mapper, case["rest"])
    graphql = normalize(mapper, {"__graphql__": True, **case["graphql"]})

    assert rest == graphql
    tables.check(request, table, case_id, _json(rest))
