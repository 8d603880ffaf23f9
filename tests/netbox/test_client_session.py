"""The session the client gives pynetbox: its connection pool, and GraphQL's retries next to REST's.

Against the misbehaving local server of test_client_faults (no NetBox needed).
"""

from __future__ import annotations

import pytest

from netops.netbox.client import READ_POOL, Credentials, NetBoxClient, NetBoxError
from tests.netbox.test_client_faults import OK, TOKEN, Script, _Server, client_for, server  # noqa: F401


@pytest.mark.parametrize(("workers", "pool"), [(1, READ_POOL), (READ_POOL, READ_POOL), (16, 16)])
def test_the_connection_pool_holds_a_connection_per_write_in_flight(workers: int, pool: int) -> None:
    client = NetBoxClient(Credentials("http://127.0.0.1:8080", TOKEN), workers=workers)
    for url in ("http://127.0.0.1:8080/api/dcim/sites/", "https://netbox.example/api/", client.url + "/graphql/"):
        assert client.session.get_adapter(url)._pool_maxsize == pool  # type: ignore[attr-defined]


def test_a_graphql_query_is_a_post_sent_again_a_rest_post_is_not(server: _Server) -> None:  # noqa: F811
    pauses: list[float] = []
    client = client_for(server, pauses)
    server.script = Script([(503, {}, {}), (200, {}, {"data": {"site_list": []}})])
    assert client.graphql("{ site_list { id } }") == {"site_list": []}
    assert [m for m, _ in server.script.seen] == ["POST", "POST"] and pauses == [0.5]

    server.script = Script([(503, {}, {}), (201, {}, [{"id": 1}])])
    with pytest.raises(NetBoxError, match=r"NetBox refused a write \(HTTP 503\)"):
        client.post_list(f"{client.url}/api/ipam/prefixes/1/available-prefixes/", [{"prefix_length": 24}], "test")
    assert [m for m, _ in server.script.seen] == ["POST"] and pauses == [0.5]


def test_every_request_sent_is_counted_repeats_included(server: _Server) -> None:  # noqa: F811
    client = client_for(server, [])
    server.script = Script([(502, {}, {}), OK])
    client.status()
    server.script = Script([(200, {}, {"count": 1, "next": None, "previous": None, "results": [{"id": 7}]})])
    assert list(client.rest_list("dcim/sites", {"fields": "id"})) == [{"id": 7}]
    assert client.requests == 3
    assert server.script.seen == [("GET", "/api/dcim/sites/?fields=id&limit=1000")]
