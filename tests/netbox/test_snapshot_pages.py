"""Reading long lists: the pages of a type's GraphQL list are separate reads, so they can be fetched together."""

from __future__ import annotations

import re
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest

from netops.netbox.client import PAGE_SIZE, Credentials, NetBoxClient
from netops.netbox.mapping import MAPPER_BY_TYPE, MAPPERS
from netops.netbox.mapping.base import Record, RecordSet
from netops.netbox.snapshot import Backend, _expected_rows, _Read, _reads

INTERFACES = MAPPER_BY_TYPE["dcim.interface"]


def desired_interfaces(count: int) -> RecordSet:
    records = RecordSet()
    for number in range(count):
        records.add(Record("dcim.interface", ("router", f"eth{number}"), {}))
    return records


def test_a_long_list_of_managed_objects_is_read_page_by_page_and_the_last_read_goes_on() -> None:
    assert _reads(INTERFACES, Backend.GRAPHQL, 2 * PAGE_SIZE + 500) == [
        _Read(INTERFACES, 0, 1), _Read(INTERFACES, 1, 1), _Read(INTERFACES, 2, None)]
    assert _reads(INTERFACES, Backend.GRAPHQL, PAGE_SIZE) == [_Read(INTERFACES, 0, None)]
    assert _reads(INTERFACES, Backend.GRAPHQL, 0) == [_Read(INTERFACES, 0, None)]


@pytest.mark.parametrize("backend", list(Backend))
def test_one_read_without_a_desired_count_through_rest_or_for_a_vocabulary(backend: Backend) -> None:
    assert _reads(INTERFACES, backend, None) == [_Read(INTERFACES)]
    assert _reads(INTERFACES, Backend.REST, 5000) == [_Read(INTERFACES)]
    vocabulary = next(mapper for mapper in MAPPER_BY_TYPE.values() if mapper.fetch_all)
    assert _reads(vocabulary, backend, 5000) == [_Read(vocabulary)]


class _Counting:
    """A client that counts each type's managed objects as 2,500."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, dict[str, Any]]] = []

    def count(self, endpoint: str, params: dict[str, Any]) -> int:
        self.asked.append((endpoint, params))
        return 2500


def test_pages_follow_the_desired_records_or_while_they_are_in_the_making_netboxs_counts() -> None:
    client, pending, failed = _Counting(), Future[RecordSet](), Future[RecordSet]()
    failed.set_exception(ValueError("the intent is invalid"))
    with ThreadPoolExecutor(2) as pool:
        by_desired = _expected_rows(client, pool, MAPPERS, Backend.GRAPHQL, desired_interfaces(3), True)  # type: ignore[arg-type]
        assert by_desired["dcim.interface"] == 3 and not client.asked
        counted = _expected_rows(client, pool, MAPPERS, Backend.GRAPHQL, pending, True)  # type: ignore[arg-type]
        assert counted["dcim.interface"] == 2500 and ("dcim/interfaces", {"tag": "netops-managed"}) in client.asked
        assert all(MAPPER_BY_TYPE[object_type].graphql_list is not None for object_type in counted)
        assert _expected_rows(client, pool, MAPPERS, Backend.REST, pending, True) == {}  # type: ignore[arg-type]
        assert _expected_rows(client, pool, MAPPERS, Backend.GRAPHQL, pending, False) == {}  # type: ignore[arg-type]
        assert _expected_rows(client, pool, MAPPERS, Backend.GRAPHQL, failed, True) == counted  # type: ignore[arg-type]
    pending.set_result(desired_interfaces(1))
    with ThreadPoolExecutor(2) as pool:
        assert _expected_rows(client, pool, MAPPERS, Backend.GRAPHQL, pending, True)["dcim.interface"] == 1  # type: ignore[arg-type]


@pytest.mark.parametrize(("first_page", "pages", "expected"), [
    (0, None, range(2500)), (0, 1, range(1000)), (1, 1, range(1000, 2000)), (2, None, range(2000, 2500)),
    (1, 5, range(1000, 2500)), (3, 1, range(0)),
])
def test_graphql_list_reads_the_pages_asked_for(monkeypatch: pytest.MonkeyPatch, first_page: int,
                                                pages: int | None, expected: range) -> None:
    client = NetBoxClient(Credentials("http://127.0.0.1:8080", "0123456789abcdef0123456789abcdef01234567"))
    asked = []

    def graphql(query: str, variables: Any = None) -> dict[str, Any]:
        offset, limit = (int(n) for n in re.search(r"offset: (\d+), limit: (\d+)", query).groups())  # type: ignore[union-attr]
        asked.append(offset)
        return {"interface_list": [{"id": n} for n in range(offset, min(offset + limit, 2500))]}

    monkeypatch.setattr(client, "graphql", graphql)
    rows = list(client.graphql_list("interface_list", "id", first_page=first_page, pages=pages))
    assert [row["id"] for row in rows] == list(expected)
    assert asked == [PAGE_SIZE * page for page in range(first_page, first_page + len(asked))]
