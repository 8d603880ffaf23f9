"""Allocation through NetBox: prefixes and addresses NetBox hands out, for what intent leaves to it.

``netops allocate prefix|ip`` asks NetBox for the next free blocks of a parent prefix (NetBox's
``available-prefixes`` / ``available-ips``), all of one request in one list POST: NetBox serializes allocations
from the same parent (a database advisory lock), so runs in parallel never get the same block.

Every allocation is *for* something (``--for``, e.g. a site slug and what the block is for): it is recorded
as the object's description with the ``netops-allocated`` tag and status ``reserved``. Asking again for the same
thing returns what was allocated for it (a re-run after an interruption allocates nothing twice); asking for
more allocates only the missing ones. When the block is then written into intent, ``netops apply`` takes the
reserved object over (the plan shows it as adopted) instead of reporting a conflict.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any, Literal

from netops.errors import NetopsError
from netops.netbox.client import NetBoxClient, NetBoxError
from netops.netbox.tags import ALLOCATED_TAG

ALLOCATED_TAG_COLOR = "ff9800"
#: NetBox's limit on a description.
MAX_FOR = 200

Kind = Literal["prefix", "ip"]


class AllocationError(NetopsError):
    """An allocation NetBox cannot make (no such parent, not enough room) or a request that makes no sense."""

    def __init__(self, message: str, *, hint: str | None = None, bad_input: bool = False) -> None:
        self.hint = hint
        self.bad_input = bad_input
        super().__init__(message + (f"\n  hint: {hint}" if hint else ""))


@dataclass(frozen=True)
class Allocation:
    """One block or address NetBox holds for a purpose."""

    kind: Kind
    value: str  # 10.0.4.0/24, or 10.255.0.17/24 (an address with its prefix's length)
    id: int
    url: str
    parent: str
    purpose: str
    new: bool  # allocated by this run (False: found, allocated earlier for the same purpose)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "value": self.value, "id": self.id, "url": self.url, "parent": self.parent,
                "for": self.purpose, "new": self.new}


def _check_purpose(purpose: str) -> str:
    purpose = purpose.strip()
    if not purpose:
        raise AllocationError("--for is empty", hint="say what the allocation is for, e.g. --for 'ubnd-xa-moi lan'",
                              bad_input=True)
    if len(purpose) > MAX_FOR:
        raise AllocationError(f"--for is {len(purpose)} characters long; NetBox keeps at most {MAX_FOR}",
                              bad_input=True)
    return purpose


def parse_network(text: str, option: str) -> str:
    """A prefix as NetBox writes it (``10.0.0.0/16``); a clear error for anything else."""
    try:
        return str(ipaddress.ip_network(text.strip(), strict=True))
    except ValueError as error:
        raise AllocationError(f"{option} {text!r} is not a network prefix ({error})",
                              hint="give the network address with its length, e.g. 10.20.0.0/16",
                              bad_input=True) from error


def ensure_tag(client: NetBoxClient, message: str) -> None:
    """Create the allocation tag when NetBox does not have it (tags are shared: never changed afterwards)."""
    if any(row["slug"] == ALLOCATED_TAG for row in client.rest_list("extras/tags", {"slug": ALLOCATED_TAG,
                                                                                     "fields": "slug"})):
        return
    try:
        client.create("extras/tags", [{"name": ALLOCATED_TAG, "slug": ALLOCATED_TAG, "color": ALLOCATED_TAG_COLOR,
                                       "description": "Reserved through netops allocate"}], message)
    except NetBoxError as error:
        # Another run created it between the read and the write.
        if not any(row["slug"] == ALLOCATED_TAG for row in client.rest_list("extras/tags", {"slug": ALLOCATED_TAG,
                                                                                           "fields": "slug"})):
            raise error


def parent_prefix(client: NetBoxClient, prefix: str) -> dict[str, Any]:
    """The NetBox prefix with exactly this network (the global table first), or a clear error."""
    rows = list(client.rest_list("ipam/prefixes", {"prefix": prefix, "fields": "id,prefix,vrf,status"}))
    if not rows:
        raise AllocationError(f"NetBox holds no prefix {prefix} to allocate from",
                              hint="apply the intent first (`netops apply` writes the address plan's pools), or"
                                   " name a prefix NetBox has", bad_input=True)
    rows.sort(key=lambda row: row.get("vrf") is not None)
    return rows[0]


def _existing(client: NetBoxClient, kind: Kind, parent: str, purpose: str) -> list[dict[str, Any]]:
    endpoint, within = ("ipam/prefixes", "within") if kind == "prefix" else ("ipam/ip-addresses", "parent")
    field = "prefix" if kind == "prefix" else "address"
    rows = client.rest_list(endpoint, {"tag": ALLOCATED_TAG, within: parent, "description": purpose,
                                       "fields": f"id,{field},description"})
    # NetBox's description filter is exact but case-insensitive: compare exactly.
    found = [row for row in rows if row.get("description") == purpose]
    found.sort(key=lambda row: ipaddress.ip_interface(row[field]))
    return found


def allocate(client: NetBoxClient, kind: Kind, parent: str, *, purpose: str, count: int = 1,
             length: int | None = None, dns_name: str | None = None, message: str) -> list[Allocation]:
    """``count`` blocks (``length``) or addresses of ``parent`` for ``purpose``: those NetBox already holds for
    it, and new ones for the rest, all new ones in one list POST."""
    purpose = _check_purpose(purpose)
    parent = parse_network(parent, "--within" if kind == "prefix" else "--prefix")
    if count < 1:
        raise AllocationError(f"--count {count}: at least 1", bad_input=True)
    network = ipaddress.ip_network(parent)
    if kind == "prefix" and (length is None or not network.prefixlen < length <= network.max_prefixlen):
        raise AllocationError(f"--length {length} does not fit in {parent}",
                              hint=f"a length from {network.prefixlen + 1} to {network.max_prefixlen}",
                              bad_input=True)
    row = parent_prefix(client, parent)
    ensure_tag(client, message)
    field = "prefix" if kind == "prefix" else "address"
    endpoint = "ipam/prefixes" if kind == "prefix" else "ipam/ip-addresses"
    found = _existing(client, kind, parent, purpose)
    if kind == "prefix":
        found = [r for r in found if ipaddress.ip_network(r[field]).prefixlen == length]
    done = [Allocation(kind, r[field], int(r["id"]), client.object_url(endpoint, r["id"]),
                       parent, purpose, new=False) for r in found[:count]]
    wanted = count - len(done)
    if wanted <= 0:
        return done
    base: dict[str, Any] = {"status": "reserved", "description": purpose, "tags": [{"slug": ALLOCATED_TAG}]}
    if kind == "prefix":
        base["prefix_length"] = length
    elif dns_name:
        base["dns_name"] = dns_name
    url = f"{client.url}/api/ipam/prefixes/{row['id']}/available-{'prefixes' if kind == 'prefix' else 'ips'}/"
    try:
        created = client.post_list(url, [dict(base) for _ in range(wanted)], message)
    except NetBoxError as error:
        if error.status in (204, 409):
            what = f"{wanted} more /{length}" if kind == "prefix" else f"{wanted} more address(es)"
            raise AllocationError(f"{parent} has no room for {what} (NetBox: {error.detail or 'no space'})",
                                  hint="allocate from a larger or another prefix, or free reserved ones") from error
        raise
    done += [Allocation(kind, r[field], int(r["id"]), client.object_url(endpoint, r["id"]), parent, purpose,
                        new=True) for r in created]
    return done
