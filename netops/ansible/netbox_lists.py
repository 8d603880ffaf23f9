"""The eight NetBox lists the inventory's hosts come from, read at once in the background.

This module imports only the HTTP client: the Ansible plugin starts the reads before it loads the rest of
netops (pydantic, the models), so NetBox answers while Python imports. `netops.ansible.netbox_hosts` turns the
lists into host rows.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from netops.netbox.client import NetBoxClient, NetBoxError
from netops.netbox.tags import MANAGED_TAG

_MANAGED = f'{{tags: {{slug: {{exact: "{MANAGED_TAG}"}}}}}}'
# Related objects by id only, and no tags: NetBox's GraphQL resolves a nested object's fields, and an object's
# tags, with a query per object; ids come from the row itself. The other tags come from one REST list.
_DEVICES = ("id name role { id } platform { id } tenant { id } site { id } primary_ip4 { address } "
            "oob_ip { address }")
_SITES = "id slug name latitude longitude custom_fields region { id } group { id }"
_REGIONS = "id slug name custom_fields parent { id }"
_SITE_GROUPS = "id slug name custom_fields"
_NAMED = "id slug"


class HostLists:
    """Managed devices, sites, regions and site groups, all roles, platforms and tenants, and the devices' other
    tags, being read."""

    def __init__(self, client: NetBoxClient) -> None:
        pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="netbox-hosts")
        # The devices first: the largest list sets the time, the others are served meanwhile.
        self._devices = pool.submit(self._list, client, "device_list", _DEVICES, _MANAGED)
        self._sites = pool.submit(self._list, client, "site_list", _SITES, _MANAGED)
        self._regions = pool.submit(self._list, client, "region_list", _REGIONS, _MANAGED)
        self._site_groups = pool.submit(self._list, client, "site_group_list", _SITE_GROUPS, _MANAGED)
        self._roles = pool.submit(self._list, client, "device_role_list", _NAMED, None)
        self._platforms = pool.submit(self._list, client, "platform_list", _NAMED, None)
        self._tenants = pool.submit(self._list, client, "tenant_list", _NAMED, None)
        self._tags: Future[dict[tuple[str, int], list[str]]] = pool.submit(client.tags_by_object, MANAGED_TAG)
        pool.shutdown(wait=False)

    @staticmethod
    def _list(client: NetBoxClient, name: str, selection: str, filters: str | None) -> list[dict[str, Any]]:
        return list(client.graphql_list(name, selection, filters))

    @classmethod
    def start(cls) -> HostLists:
        """Start reading the NetBox of NETBOX_URL/NETBOX_TOKEN (or the embedded server's netbox.env).

        Raises NetBoxError when no NetBox is configured; failures of the reads come out of the properties.
        """
        return cls(NetBoxClient.from_env())

    @classmethod
    def early(cls, source: str, read: str) -> HostLists | None:
        """The reads started now when the inventory will need them (source netbox, read hosts), else None.

        Never raises: when NetBox is not configured, `load_inventory` meets the same error and reports it.
        """
        if (source, read) != ("netbox", "hosts"):
            return None
        try:
            return cls.start()
        except NetBoxError:
            return None

    def result(self) -> ReadLists:
        """The lists, once NetBox has answered them all; raises the first read's NetBoxError."""
        return ReadLists(devices=self._devices.result(), sites=self._sites.result(), regions=self._regions.result(),
                         site_groups=self._site_groups.result(), roles=self._roles.result(),
                         platforms=self._platforms.result(), tenants=self._tenants.result(),
                         tags=self._tags.result())


@dataclass(frozen=True)
class ReadLists:
    """What NetBox answered: rows of GraphQL lists, and (object type, id) -> the object's other tags."""

    devices: list[dict[str, Any]]
    sites: list[dict[str, Any]]
    regions: list[dict[str, Any]]
    site_groups: list[dict[str, Any]]
    roles: list[dict[str, Any]]
    platforms: list[dict[str, Any]]
    tenants: list[dict[str, Any]]
    tags: dict[tuple[str, int], list[str]]
