"""The one filter registry of the template environment: address formatting for every platform, and secrets.

Each filter is a plain function registered with `@_filter`; `FILTERS` is what the environment
installs. Filters take the model's `ipaddress` objects (or None meaning "any") and return text.
"""

import json
from collections.abc import Callable, Iterable
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import Any

from netops.render.secrets import token

FILTERS: dict[str, Callable[..., Any]] = {}

Addressish = IPv4Interface | IPv4Network


def _filter[F: Callable[..., Any]](function: F) -> F:
    FILTERS[function.__name__] = function
    return function


@_filter
def ip(value: IPv4Interface | IPv4Address) -> str:
    """The address without its prefix length: 10.0.0.1."""
    return str(value.ip if isinstance(value, IPv4Interface) else value)


@_filter
def netmask(value: Addressish) -> str:
    """The dotted netmask: 255.255.255.0."""
    return str(value.netmask)


@_filter
def wildcard(value: Addressish) -> str:
    """The wildcard (inverse) mask: 0.0.0.255."""
    return str(value.hostmask)


@_filter
def network(value: IPv4Interface) -> IPv4Network:
    """The network an interface address is in."""
    return value.network


@_filter
def network_address(value: IPv4Network) -> str:
    """The first address of a network: 10.0.0.0 (IOS-XE and VRP `network` statements)."""
    return str(value.network_address)


@_filter
def secret(name: str) -> str:
    """The placeholder of a named secret, filled in at push time: 'ospf_key' | secret (netops.render.secrets)."""
    return token(name)


@_filter
def cidr(value: Addressish | IPv4Address) -> str:
    """Address or network with its prefix length: 10.0.0.0/24."""
    if isinstance(value, IPv4Interface | IPv4Network):  # IPv4Interface is also an IPv4Address: test it first
        return value.with_prefixlen
    return f"{value}/32"


@_filter
def dotted_area(area: int) -> str:
    """An OSPF area as a dotted quad: 17 -> 0.0.0.17."""
    return str(IPv4Address(area))


@_filter
def cisco_match(value: IPv4Network | None) -> str:
    """An IOS-XE ACL address: any, host A.B.C.D, or A.B.C.D WILDCARD."""
    if value is None:
        return "any"
    if value.prefixlen == 32:
        return f"host {value.network_address}"
    return f"{value.network_address} {value.hostmask}"


#: IP protocols IOS-XE and VRP ACLs know by number only.
_ACL_PROTOCOL_NUMBERS = {"vrrp": "112"}


@_filter
def acl_protocol(protocol: str) -> str:
    """An ACL entry's protocol as IOS-XE and VRP write it: a keyword they know (ip, tcp, udp, icmp), else its
    number (vrrp: 112)."""
    return _ACL_PROTOCOL_NUMBERS.get(protocol, protocol)


@_filter
def vrp_match(value: IPv4Network | None, keyword: str) -> str:
    """A VRP ACL address clause: '' for any, else `source|destination A.B.C.D WILDCARD` (0 for a host)."""
    if value is None:
        return ""
    wildcard_text = "0" if value.prefixlen == 32 else str(value.hostmask)
    return f" {keyword} {value.network_address} {wildcard_text}"


@_filter
def nft_set(values: Iterable[object]) -> str:
    """An nftables anonymous set: { a, b } (a single value stays bare)."""
    items = [str(value) for value in values]
    return items[0] if len(items) == 1 else "{ " + ", ".join(items) + " }"


@_filter
def quoted(value: object) -> str:
    """A double-quoted string, valid in YAML, nftables comments and VRP/IOS-XE descriptions alike."""
    return json.dumps(str(value), ensure_ascii=False)


@_filter
def nft_match(entry: Any) -> str:
    """An ACL entry (netops.render.policy.AclEntry) as an nftables rule: matches, then the verdict."""
    words = []
    if entry.source is not None:
        words.append(f"ip saddr {cidr(entry.source)}")
    if entry.destination is not None:
        words.append(f"ip daddr {cidr(entry.destination)}")
    if entry.protocol in ("tcp", "udp"):
        if entry.source_port:
            words.append(f"{entry.protocol} sport {entry.source_port}")
        if entry.destination_port:
            words.append(f"{entry.protocol} dport {entry.destination_port}")
        if not entry.source_port and not entry.destination_port:
            words.append(f"ip protocol {entry.protocol}")
    elif entry.protocol in ("icmp", "vrrp"):
        words.append(f"ip protocol {entry.protocol}")
    if entry.established:
        words.append("ct state established")
    words.append("counter drop" if entry.action == "deny" else "accept")
    return " ".join(words)
