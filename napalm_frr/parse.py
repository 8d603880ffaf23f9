"""FRR and Linux outputs -> NAPALM's getter shapes (napalm.base.models). Pure functions, no I/O.

Inputs are what FRR 8.4's `vtysh -c '... json'` and iproute2's `ip -j` print (recorded examples live in
tests/napalm_frr/mocked_data). Values NAPALM asks for that FRR does not know are -1 / -1.0 (NAPALM's
"not supported") or empty strings, never invented.
"""

import ipaddress
import re
from typing import Any

from napalm.base import models
from napalm.base.helpers import mac as napalm_mac

#: FRR's address-family keys -> NAPALM's.
AFI = {"ipv4Unicast": "ipv4", "ipv6Unicast": "ipv6", "ipv4Multicast": "ipv4_multicast",
       "ipv6Multicast": "ipv6_multicast", "l2VpnEvpn": "l2vpn_evpn"}
_RUNNING_START = re.compile(r"^frr version ", re.MULTILINE)
#: Config lines that carry secrets, and the part to mask (group 1 is kept).
_SECRET_LINES = [
    re.compile(r"^(\s*ip ospf message-digest-key \d+ md5 )\S+", re.MULTILINE),
    re.compile(r"^(\s*ip ospf authentication-key )\S+", re.MULTILINE),
    re.compile(r"^(\s*neighbor \S+ password )\S+", re.MULTILINE),
    re.compile(r"^(\s*(?:enable )?password )\S+", re.MULTILINE),
    re.compile(r"^(\s*key-string )\S+", re.MULTILINE),
]


def strip_running(text: str) -> str:
    """`show running-config` without its `Building configuration...` preamble (from `frr version` on)."""
    match = _RUNNING_START.search(text)
    return text[match.start():] if match else text


def sanitize(text: str) -> str:
    """The config with every secret replaced by `<removed>`."""
    for pattern in _SECRET_LINES:
        text = pattern.sub(r"\1<removed>", text)
    return text


def mac(value: str) -> str:
    """A MAC address as NAPALM spells it (upper case, colons); empty stays empty."""
    return str(napalm_mac(value)) if value else ""


def parse_uptime(text: str) -> int:
    """Seconds from FRR's uptime strings: `00:01:02`, `1d02h03m`, `01w2d03h`."""
    if ":" in text:
        hours, minutes, seconds = (int(part) for part in text.split(":"))
        return hours * 3600 + minutes * 60 + seconds
    units = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
    return sum(int(number) * units[unit] for number, unit in re.findall(r"(\d+)([wdhms])", text))


def facts(version: str, uptime: str, interfaces: dict[str, Any]) -> models.FactsDict:
    """get_facts from `show version`, /proc/uptime and `show interface json`."""
    match = re.search(r"FRRouting (\S+) \(([^)]*)\)", version)
    hostname = match.group(2) if match else ""
    kernel = re.search(r"on Linux\(([^)]*)\)", version)
    return {
        "hostname": hostname,
        "fqdn": hostname,
        "vendor": "FRRouting",
        "model": f"FRR on Linux {kernel.group(1)}" if kernel else "FRR on Linux",
        "os_version": match.group(1) if match else "",
        "serial_number": "",
        "uptime": float(uptime.split()[0]) if uptime.strip() else -1.0,
        "interface_list": sorted(interfaces),
    }


def interfaces(data: dict[str, Any]) -> dict[str, models.InterfaceDict]:
    """get_interfaces from `show interface json` (speed in Mbit/s as FRR reports it)."""
    result: dict[str, models.InterfaceDict] = {}
    for name, entry in sorted(data.items()):
        result[name] = {
            "is_up": entry.get("operationalStatus") == "up",
            "is_enabled": entry.get("administrativeStatus") == "up",
            "description": str(entry.get("description", "")),
            "last_flapped": -1.0,
            "mtu": int(entry.get("mtu", 0)),
            "speed": float(entry.get("speed", -1)),
            "mac_address": mac(str(entry.get("hardwareAddress", ""))),
        }
    return result


def interfaces_ip(data: dict[str, Any]) -> dict[str, models.InterfacesIPDict]:
    """get_interfaces_ip from `show interface json` (interfaces with no address are left out)."""
    result: dict[str, models.InterfacesIPDict] = {}
    for name, entry in sorted(data.items()):
        families: dict[str, dict[str, models.InterfacesIPDictEntry]] = {}
        for address in entry.get("ipAddresses", []):
            interface = ipaddress.ip_interface(address["address"])
            family = "ipv4" if interface.version == 4 else "ipv6"
            families.setdefault(family, {})[str(interface.ip)] = {"prefix_length": interface.network.prefixlen}
        if families:
            result[name] = families
    return result


def interfaces_counters(data: list[dict[str, Any]]) -> dict[str, models.InterfaceCounterDict]:
    """get_interfaces_counters from `ip -j -s link` (the kernel counts multicast received only)."""
    result: dict[str, models.InterfaceCounterDict] = {}
    for link in data:
        stats = link.get("stats64") or link.get("stats") or {}
        rx, tx = stats.get("rx", {}), stats.get("tx", {})
        rx_multicast = int(rx.get("multicast", 0))
        result[str(link["ifname"])] = {
            "rx_octets": int(rx.get("bytes", 0)),
            "tx_octets": int(tx.get("bytes", 0)),
            "rx_errors": int(rx.get("errors", 0)),
            "tx_errors": int(tx.get("errors", 0)),
            "rx_discards": int(rx.get("dropped", 0)),
            "tx_discards": int(tx.get("dropped", 0)),
            "rx_unicast_packets": int(rx.get("packets", 0)) - rx_multicast,
            "tx_unicast_packets": int(tx.get("packets", 0)),
            "rx_multicast_packets": rx_multicast,
            "tx_multicast_packets": -1,
            "rx_broadcast_packets": -1,
            "tx_broadcast_packets": -1,
        }
    return dict(sorted(result.items()))


def _vrf_key(vrf: str) -> str:
    return "global" if vrf == "default" else vrf


def _peers(vrf_data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {key: value for key, value in vrf_data.items() if isinstance(value, dict)}


def _router_id(summary: dict[str, Any], vrf: str, peers: dict[str, dict[str, Any]]) -> str:
    for family in summary.get(vrf, {}).values():
        if isinstance(family, dict) and family.get("routerId"):
            return str(family["routerId"])
    for peer in peers.values():
        if peer.get("localRouterId"):
            return str(peer["localRouterId"])
    return ""


def bgp_neighbors(neighbors: dict[str, Any], summary: dict[str, Any]) -> dict[str, models.BGPStateNeighborsPerVRFDict]:
    """get_bgp_neighbors from `show bgp vrf all neighbors json` and `show bgp vrf all summary json`.

    FRR counts prefixes accepted after inbound policy; without soft-reconfiguration inbound it does not keep
    what was received before policy, so received_prefixes is the accepted count.
    """
    result: dict[str, models.BGPStateNeighborsPerVRFDict] = {}
    for vrf, vrf_data in sorted(neighbors.items()):
        peers = _peers(vrf_data)
        state: dict[str, models.BGPStateNeighborDict] = {}
        for address, peer in sorted(peers.items()):
            established = peer.get("bgpState") == "Established"
            families: dict[str, models.BGPStateAddressFamilyDict] = {}
            for frr_afi, info in peer.get("addressFamilyInfo", {}).items():
                accepted = int(info.get("acceptedPrefixCounter", 0))
                families[AFI.get(frr_afi, frr_afi)] = {"received_prefixes": accepted, "accepted_prefixes": accepted,
                                                      "sent_prefixes": int(info.get("sentPrefixCounter", 0))}
            state[address] = {
                "local_as": int(peer.get("localAs", 0)),
                "remote_as": int(peer.get("remoteAs", 0)),
                "remote_id": str(peer.get("remoteRouterId", "0.0.0.0")),
                "is_up": established,
                "is_enabled": not peer.get("adminShutDown", False),
                "description": str(peer.get("nbrDesc", "")),
                "uptime": int(peer.get("bgpTimerUpMsec", 0)) // 1000 if established else -1,
                "address_family": families,
            }
        result[_vrf_key(vrf)] = {"router_id": _router_id(summary, vrf, peers), "peers": state}
    return result


def bgp_neighbors_detail(neighbors: dict[str, Any],
                         neighbor_address: str = "") -> dict[str, dict[int, list[models.PeerDetailsDict]]]:
    """get_bgp_neighbors_detail from `show bgp vrf all neighbors json`: {vrf: {remote_as: [details]}}."""
    result: dict[str, dict[int, list[models.PeerDetailsDict]]] = {}
    for vrf, vrf_data in sorted(neighbors.items()):
        for address, peer in sorted(_peers(vrf_data).items()):
            if neighbor_address and address != neighbor_address:
                continue
            families = peer.get("addressFamilyInfo", {})
            first: dict[str, Any] = next(iter(families.values()), {})
            stats = peer.get("messageStats", {})
            accepted = sum(int(f.get("acceptedPrefixCounter", 0)) for f in families.values())
            detail: models.PeerDetailsDict = {
                "up": peer.get("bgpState") == "Established",
                "local_as": int(peer.get("localAs", 0)),
                "remote_as": int(peer.get("remoteAs", 0)),
                "router_id": str(peer.get("remoteRouterId", "")),
                "local_address": str(peer.get("hostLocal", "")),
                "routing_table": str(vrf_data.get("vrfName", vrf)),
                "local_address_configured": "updateSource" in peer,
                "local_port": int(peer.get("portLocal", 0)),
                "remote_address": str(peer.get("hostForeign", address)),
                "remote_port": int(peer.get("portForeign", 0)),
                "multihop": int(peer.get("externalBgpNbrMaxHopsAway", 1)) > 1,
                "multipath": False,
                "remove_private_as": any("privateAsNumsRemovedInUpdatesToNbr" in f for f in families.values()),
                "import_policy": str(first.get("routeMapForIncomingAdvertisements", "")),
                "export_policy": str(first.get("routeMapForOutgoingAdvertisements", "")),
                "input_messages": int(stats.get("totalRecv", 0)),
                "output_messages": int(stats.get("totalSent", 0)),
                "input_updates": int(stats.get("updatesRecv", 0)),
                "output_updates": int(stats.get("updatesSent", 0)),
                "messages_queued_out": int(stats.get("depthOutq", 0)),
                "connection_state": str(peer.get("bgpState", "")),
                "previous_connection_state": "",
                "last_event": str(peer.get("lastResetDueTo", "")),
                "suppress_4byte_as": False,
                "local_as_prepend": False,
                "holdtime": int(peer.get("bgpTimerHoldTimeMsecs", 0)) // 1000,
                "configured_holdtime": int(peer.get("bgpTimerConfiguredHoldTimeMsecs", 0)) // 1000,
                "keepalive": int(peer.get("bgpTimerKeepAliveIntervalMsecs", 0)) // 1000,
                "configured_keepalive": int(peer.get("bgpTimerConfiguredKeepAliveIntervalMsecs", 0)) // 1000,
                "active_prefix_count": accepted,
                "received_prefix_count": accepted,
                "accepted_prefix_count": accepted,
                "suppressed_prefix_count": 0,
                "advertised_prefix_count": sum(int(f.get("sentPrefixCounter", 0)) for f in families.values()),
                "flap_count": int(peer.get("connectionsDropped", 0)),
            }
            result.setdefault(_vrf_key(vrf), {}).setdefault(detail["remote_as"], []).append(detail)
    return result


def route_to(data: dict[str, Any], protocol: str = "") -> dict[str, list[models.RouteDict]]:
    """get_route_to from `show ip route ... json`: one entry per route and next hop."""
    result: dict[str, list[models.RouteDict]] = {}
    for prefix, routes in sorted(data.items()):
        for route in routes:
            if protocol and route.get("protocol", "").lower() != protocol.lower():
                continue
            selected = bool(route.get("selected", False))
            attributes = {"metric": int(route.get("metric", 0)), "table": int(route.get("table", 0))}
            for hop in route.get("nexthops", []) or [{}]:
                result.setdefault(prefix, []).append({
                    "protocol": str(route.get("protocol", "")),
                    "current_active": selected,
                    "last_active": selected,
                    "age": parse_uptime(str(route.get("uptime", "0:0:0"))),
                    "next_hop": str(hop.get("ip", "")),
                    "outgoing_interface": str(hop.get("interfaceName", "")),
                    "selected_next_hop": selected and bool(hop.get("fib", False)),
                    "preference": int(route.get("distance", 0)),
                    "inactive_reason": "" if selected else "not selected",
                    "routing_table": str(route.get("vrfName", "default")),
                    "protocol_attributes": attributes,
                })
    return result


def arp_table(data: list[dict[str, Any]]) -> list[models.ARPTableDict]:
    """get_arp_table from `ip -4 -j neigh show` (entries without a MAC, e.g. FAILED, are left out)."""
    return [{"interface": str(entry.get("dev", "")), "mac": mac(str(entry["lladdr"])), "ip": str(entry["dst"]),
             "age": -1.0}
            for entry in data if entry.get("lladdr") and ":" not in str(entry.get("dst", ":"))]


def lldp_neighbors(data: dict[str, Any]) -> dict[str, list[models.LLDPNeighborDict]]:
    """get_lldp_neighbors from lldpd's `lldpcli -f json show neighbors`."""
    interfaces_data = data.get("lldp", {}).get("interface", [])
    if isinstance(interfaces_data, dict):
        interfaces_data = [{name: value} for name, value in interfaces_data.items()]
    result: dict[str, list[models.LLDPNeighborDict]] = {}
    for item in interfaces_data:
        for name, neighbour in item.items():
            chassis = neighbour.get("chassis", {})
            system = next(iter(chassis)) if chassis and "id" not in chassis else ""
            port = neighbour.get("port", {}).get("id", {})
            result.setdefault(name, []).append({"hostname": str(system),
                                                "port": str(port.get("value", "") if isinstance(port, dict) else port)})
    return result


def ping(output: str, destination: str) -> models.PingResultDict:
    """ping's result from iputils `ping -n` output."""
    summary = re.search(r"(\d+) packets transmitted, (\d+) received", output)
    if not summary:
        return {"error": output.strip().splitlines()[-1] if output.strip() else "ping gave no output"}
    sent, received = int(summary.group(1)), int(summary.group(2))
    rtt = re.search(r"= ([\d.]+)/([\d.]+)/([\d.]+)/([\d.]+) ms", output)
    low, avg, high, dev = (float(v) for v in rtt.groups()) if rtt else (0.0, 0.0, 0.0, 0.0)
    results: list[models.PingResultDictEntry] = [
        {"ip_address": match.group(1), "rtt": float(match.group(2))}
        for match in re.finditer(r"bytes from ([^:\s]+):.* time=([\d.]+) ms", output)]
    return {"success": {"probes_sent": sent, "packet_loss": sent - received, "rtt_min": low, "rtt_max": high,
                        "rtt_avg": avg, "rtt_stddev": dev, "results": results}}


def traceroute(output: str) -> models.TracerouteResultDict:
    """traceroute's result from `traceroute -n` output: {"success": {ttl: {"probes": {n: hop}}}}."""
    hops: dict[int, models.TracerouteResultDictEntry] = {}
    for line in output.splitlines():
        match = re.match(r"^\s*(\d+)\s+(.*)$", line)
        if not match:
            continue
        probes: dict[int, models.TracerouteDict] = {}
        address = "*"
        for token in re.findall(r"\*|[\d.]+ ms|[0-9a-fA-F.:]+", match.group(2)):
            if token == "*":
                probes[len(probes) + 1] = {"rtt": 0.0, "ip_address": "*", "host_name": "*"}
            elif token.endswith(" ms"):
                probes[len(probes) + 1] = {"rtt": float(token[:-3]), "ip_address": address, "host_name": address}
            else:
                address = token
        hops[int(match.group(1))] = {"probes": probes}
    if not hops:
        return {"error": output.strip() or "traceroute gave no output"}
    return {"success": hops}
