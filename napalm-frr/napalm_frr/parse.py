"""FRR and Linux outputs -> NAPALM's getter shapes (napalm.base.models). Pure functions, no I/O.

Inputs are what FRR 8.4's `vtysh -c '... json'` and iproute2's `ip -j` print (recorded examples live in
tests/napalm_frr/mocked_data). Values NAPALM asks for that FRR does not know are -1 / -1.0 (NAPALM's
"not supported") or empty strings, never invented.
"""

import datetime
import ipaddress
import re
from collections.abc import Iterator
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
    """get_facts from `show version`, zebra's process age (`process_uptime`'s input) and `show interface json`.

    The uptime is FRR's (zebra's start), not the host's: a restart of FRR is what a router's uptime tells."""
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
        "uptime": process_uptime(uptime),
        "interface_list": sorted(interfaces),
    }


def interfaces(data: dict[str, Any], clock_text: str = "") -> dict[str, models.InterfaceDict]:
    """get_interfaces from `show interface json` (speed in Mbit/s as FRR reports it).

    last_flapped: seconds since zebra last saw the link go up or down (its lastLinkUp / lastLinkDown, the router's
    local time, against the router's clock `clock_text` from `date '+%s.%N %z'`); -1.0 when zebra saw no change
    since it started (its linkUps and linkDowns are 0)."""
    now, offset = clock(clock_text) if clock_text.strip() else (0.0, 0)
    result: dict[str, models.InterfaceDict] = {}
    for name, entry in sorted(data.items()):
        result[name] = {
            "is_up": entry.get("operationalStatus") == "up",
            "is_enabled": entry.get("administrativeStatus") == "up",
            "description": str(entry.get("description", "")),
            "last_flapped": flapped(entry, now, offset) if clock_text.strip() else -1.0,
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


def ipv6_neighbors(data: list[dict[str, Any]]) -> list[models.IPV6NeighborDict]:
    """get_ipv6_neighbors_table from `ip -6 -j neigh show` (entries without a MAC, e.g. FAILED, are left out)."""
    return [{"interface": str(entry.get("dev", "")), "mac": mac(str(entry["lladdr"])), "ip": str(entry["dst"]),
             "age": -1.0, "state": str((entry.get("state") or [""])[0])}
            for entry in data if entry.get("lladdr")]


def _lldp_neighbours(data: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], str, dict[str, Any]]]:
    """(local interface, neighbour, its system name, its chassis) from lldpcli's JSON, which gives one interface as
    a dict and several as a list, and a chassis by its system name when the neighbour sends one."""
    interfaces_data = data.get("lldp", {}).get("interface", [])
    if isinstance(interfaces_data, dict):
        interfaces_data = [{name: value} for name, value in interfaces_data.items()]
    for item in interfaces_data:
        for name, neighbour in item.items():
            chassis = neighbour.get("chassis", {})
            system, details = next(iter(chassis.items())) if chassis and "id" not in chassis else ("", chassis)
            yield name, neighbour, str(system), details


def lldp_neighbors(data: dict[str, Any]) -> dict[str, list[models.LLDPNeighborDict]]:
    """get_lldp_neighbors from lldpd's `lldpcli -f json show neighbors`."""
    result: dict[str, list[models.LLDPNeighborDict]] = {}
    for name, neighbour, system, _ in _lldp_neighbours(data):
        result.setdefault(name, []).append({"hostname": system, "port": _port_name(neighbour.get("port", {}))})
    return result


def _port_name(port: dict[str, Any]) -> str:
    """The neighbour's port: its LLDP port id, or, when that is a MAC address (lldpd's default on Linux), the port
    description lldpd sends with it: the interface's name."""
    port_id = port.get("id", {})
    if not isinstance(port_id, dict):
        return str(port_id)
    if port_id.get("type") == "mac" and port.get("descr"):
        return str(port["descr"])
    return str(port_id.get("value", ""))


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


def _since(stamp: str, now: float, offset: int) -> float:
    """Seconds from a zebra timestamp (`2026/12/06 19:55:12.34`, the router's local time) to `now` (epoch)."""
    match = re.match(r"(\d{4})/(\d\d)/(\d\d) (\d\d):(\d\d):(\d\d)(\.\d+)?$", stamp.strip())
    if not match:
        return -1.0
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    moment = datetime.datetime(year, month, day, hour, minute, second, tzinfo=datetime.UTC).timestamp()
    moment += float(match.group(7) or 0) - offset
    return round(max(now - moment, 0.0), 2)


def clock(text: str) -> tuple[float, int]:
    """The router's clock from `date '+%s.%N %z'`: (epoch seconds, UTC offset in seconds)."""
    epoch, zone = text.split()
    sign = -1 if zone.startswith("-") else 1
    return float(epoch), sign * (int(zone[1:3]) * 3600 + int(zone[3:5]) * 60)


def flapped(entry: dict[str, Any], now: float, offset: int) -> float:
    """Seconds since zebra last saw the interface's link go up or down (-1.0: not since zebra started)."""
    ages = [_since(str(entry[key]), now, offset) for key in ("lastLinkUp", "lastLinkDown") if entry.get(key)]
    ages = [age for age in ages if age >= 0]
    return min(ages) if ages else -1.0


def has_flapped(data: dict[str, Any]) -> bool:
    """Whether zebra recorded a link change on any interface (then last_flapped needs the router's clock)."""
    return any(entry.get("lastLinkUp") or entry.get("lastLinkDown") for entry in data.values())


def process_uptime(text: str) -> float:
    """Seconds a process has run, from `cat /proc/uptime /proc/<pid>/stat; getconf CLK_TCK` (-1.0: unknown)."""
    lines = text.strip().splitlines()
    if len(lines) != 3:
        return -1.0
    try:
        host = float(lines[0].split()[0])
        # Field 22 (starttime, clock ticks after boot); the name in parentheses may hold spaces.
        started = int(lines[1].rsplit(")", 1)[1].split()[19]) / int(lines[2])
    except (ValueError, IndexError, ZeroDivisionError):
        return -1.0
    return round(host - started, 2)


def _options(words: list[str]) -> dict[str, str]:
    """chrony directive options: flags map to "", options with a value to the value."""
    valued = {"key", "port", "version", "minpoll", "maxpoll", "polltarget", "maxdelay", "maxdelayratio",
              "maxdelaydevratio", "mindelay", "asymmetry", "offset", "minsamples", "maxsamples", "filter",
              "maxsources", "certset", "extfield"}
    result: dict[str, str] = {}
    index = 0
    while index < len(words):
        word = words[index]
        if word in valued and index + 1 < len(words):
            result[word] = words[index + 1]
            index += 2
        else:
            result[word] = ""
            index += 1
    return result


def _chrony_directives(config: str) -> list[tuple[str, str, dict[str, str]]]:
    """(directive, address, options) of the time sources in chrony.conf text (server, pool, peer)."""
    found = []
    for line in config.splitlines():
        words = line.split("#", 1)[0].split("!", 1)[0].split()
        if len(words) >= 2 and words[0] in ("server", "pool", "peer"):
            found.append((words[0], words[1], _options(words[2:])))
    return found


def ntp_servers(config: str) -> dict[str, models.NTPServerDict]:
    """get_ntp_servers from chrony's configuration (chrony.conf, conf.d, sources.d): `server` and `pool` sources."""
    result: dict[str, models.NTPServerDict] = {}
    for directive, address, options in _chrony_directives(config):
        if directive == "peer":
            continue
        server: models.NTPServerDict = {
            "address": address, "port": int(options.get("port", 123)), "version": int(options.get("version", 4)),
            "association_type": directive.upper(), "iburst": "iburst" in options, "prefer": "prefer" in options,
        }
        if "key" in options:
            server["key_id"] = int(options["key"])
        result[address] = server
    return result


def ntp_peers(config: str) -> dict[str, models.NTPPeerDict]:
    """get_ntp_peers from chrony's configuration: its `peer` (symmetric) associations."""
    return {address: {} for directive, address, _ in _chrony_directives(config) if directive == "peer"}


#: chronyc's source modes -> ntpq's association types (unicast, symmetric peer, local reference clock).
_NTP_TYPES = {"^": "u", "=": "s", "#": "l"}
#: chronyc's last-sample age when the source never answered.
_NEVER = 4294967295


def ntp_stats(sources: str, sourcestats: str) -> list[models.NTPStats]:
    """get_ntp_stats from `chronyc -n -c sources` and `chronyc -n -c sourcestats` (offsets and jitter in ms).

    chronyc tells an unprivileged user neither a source's reference id nor its delay (`ntpdata` needs chronyd's
    Unix socket): those are "" and -1.0."""
    jitter = {}
    for line in sourcestats.splitlines():
        fields = line.split(",")
        if len(fields) >= 8:
            jitter[fields[0]] = float(fields[7]) * 1000
    result: list[models.NTPStats] = []
    for line in sources.splitlines():
        fields = line.split(",")
        if len(fields) < 10:
            continue
        mode, state, address, stratum, poll, reach, last = fields[:7]
        result.append({
            "remote": address,
            "referenceid": "",
            "synchronized": state == "*",
            "stratum": int(stratum),
            "type": _NTP_TYPES.get(mode, mode),
            "when": "-" if int(last) == _NEVER else last,
            "hostpoll": int(2 ** int(poll)),
            "reachability": int(reach),
            "delay": -1.0,
            "offset": round(float(fields[7]) * 1000, 6),
            "jitter": round(jitter.get(address, -1.0), 6),
        })
    return result


def _snmp_value(words: list[str]) -> str:
    return " ".join(words).strip().strip('"')


def snmp_information(config: str) -> models.SNMPDict:
    """get_snmp_information from net-snmp's snmpd.conf: sysName (also the chassis id, as other drivers give the
    SNMP system name), sysLocation, sysContact and the v1/v2c communities (none for SNMPv3 only)."""
    values = {"sysname": "", "syslocation": "", "syscontact": ""}
    communities: dict[str, models.SNMPCommunityDict] = {}
    for line in config.splitlines():
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        keyword = words[0].lower()
        if keyword in values:
            values[keyword] = _snmp_value(words[1:])
        elif keyword in ("rocommunity", "rwcommunity", "rocommunity6", "rwcommunity6") and len(words) >= 2:
            source = words[2] if len(words) > 2 and not words[2].startswith("-") else "default"
            communities[words[1]] = {"acl": source, "mode": keyword[:2]}
        elif keyword == "com2sec" and len(words) >= 4:
            communities[words[3]] = {"acl": words[2], "mode": "ro"}
    return {"chassis_id": values["sysname"], "community": communities, "contact": values["syscontact"],
            "location": values["syslocation"]}


#: Groups whose members administer the router: FRR's vtysh users and sudoers (NAPALM's privilege level 15).
ADMIN_GROUPS = ("frrvty", "sudo")


def users(text: str) -> dict[str, models.UsersDict]:
    """get_users from the driver's account listing (passwd, /etc/shells, the admin groups, authorized keys).

    Accounts whose shell is a login shell (listed in /etc/shells) are users; uid 0 and members of frrvty or
    sudo are level 15, the others 1. The password hash is root's to read, so it is "" (key logins are the
    norm on these boxes)."""
    sections: dict[str, list[str]] = {"passwd": []}
    current = "passwd"
    keys: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.startswith("!netops-"):
            current = line[len("!netops-"):].strip()
            if current.startswith("keys "):
                keys.setdefault(current.split(" ", 1)[1], [])
            sections.setdefault(current, [])
            continue
        if current.startswith("keys "):
            stripped = line.strip()
            if stripped and not stripped.startswith("#"):
                keys[current.split(" ", 1)[1]].append(stripped)
        else:
            sections[current].append(line)
    shells = {line.strip() for line in sections.get("shells", []) if line.strip() and not line.startswith("#")}
    admins: set[str] = set()
    admin_gids: set[str] = set()
    for line in sections.get("groups", []):
        fields = line.split(":")
        if len(fields) >= 4 and fields[0] in ADMIN_GROUPS:
            admin_gids.add(fields[2])
            admins.update(member for member in fields[3].split(",") if member)
    result: dict[str, models.UsersDict] = {}
    for line in sections["passwd"]:
        fields = line.split(":")
        if len(fields) < 7 or fields[6] not in shells:
            continue
        name, uid, gid = fields[0], fields[2], fields[3]
        level = 15 if uid == "0" or name in admins or gid in admin_gids else 1
        result[name] = {"level": level, "password": "", "sshkeys": keys.get(name, [])}
    return dict(sorted(result.items()))


def environment(text: str) -> models.EnvironmentDict:
    """get_environment from two samples of /proc/stat, /proc/meminfo and sysfs (`grep -H` lines).

    CPU: each core's busy share between the two samples. Memory in bytes: available_ram is the total (as the
    IOS and EOS drivers give it), used_ram what the kernel cannot make available. Temperatures from thermal
    zones (alert at a passive or hot trip point, critical at the critical one), fans from hwmon, power supplies
    from power_supply; a virtual machine has none of them."""
    samples: list[dict[int, list[int]]] = [{}, {}]
    meminfo: dict[str, int] = {}
    sysfs: dict[str, str] = {}
    section = ""
    for line in text.splitlines():
        if line.startswith("!netops-"):
            section = line[len("!netops-"):].strip()
            continue
        if section in ("stat1", "stat2"):
            match = re.match(r"^cpu(\d+)\s+(.*)$", line)
            if match:
                samples[section == "stat2"][int(match.group(1))] = [int(v) for v in match.group(2).split()]
        elif section == "meminfo":
            match = re.match(r"^(\w+):\s+(\d+)", line)
            if match:
                meminfo[match.group(1)] = int(match.group(2))
        elif section == "sysfs" and ":" in line:
            path, value = line.split(":", 1)
            sysfs[path] = value.strip()
    cpu: dict[int, models.CPUDict] = {}
    for core, after in sorted(samples[1].items()):
        before = samples[0].get(core, [0] * len(after))
        total = sum(after[:8]) - sum(before[:8])
        idle = sum(after[3:5]) - sum(before[3:5])  # idle + iowait
        cpu[core] = {"%usage": round(100.0 * (total - idle) / total, 2) if total > 0 else 0.0}
    total_kb = meminfo.get("MemTotal", 0)
    available_kb = meminfo.get("MemAvailable", meminfo.get("MemFree", 0))
    return {"fans": _fans(sysfs), "temperature": _temperatures(sysfs), "power": _power(sysfs), "cpu": cpu,
            "memory": {"used_ram": (total_kb - available_kb) * 1024, "available_ram": total_kb * 1024}}


def _by_device(sysfs: dict[str, str], prefix: str) -> dict[str, dict[str, str]]:
    grouped: dict[str, dict[str, str]] = {}
    for path, value in sysfs.items():
        if path.startswith(prefix):
            device, _, name = path[len(prefix):].partition("/")
            grouped.setdefault(device, {})[name] = value
    return grouped


def _temperatures(sysfs: dict[str, str]) -> dict[str, models.TemperatureDict]:
    result: dict[str, models.TemperatureDict] = {}
    for zone, files in sorted(_by_device(sysfs, "/sys/class/thermal/").items()):
        if "temp" not in files:
            continue
        celsius = int(files["temp"]) / 1000
        trips = {files[name]: int(files[name.replace("_type", "_temp")]) / 1000 for name in files
                 if re.fullmatch(r"trip_point_\d+_type", name) and name.replace("_type", "_temp") in files}
        alert = min((t for kind, t in trips.items() if kind in ("passive", "hot", "critical")), default=None)
        critical = trips.get("critical")
        result[f"{files.get('type', zone)} ({zone})"] = {
            "temperature": celsius, "is_alert": alert is not None and celsius >= alert,
            "is_critical": critical is not None and celsius >= critical}
    return result


def _fans(sysfs: dict[str, str]) -> dict[str, models.FanDict]:
    result: dict[str, models.FanDict] = {}
    for device, files in sorted(_by_device(sysfs, "/sys/class/hwmon/").items()):
        for name, value in sorted(files.items()):
            if re.fullmatch(r"fan\d+_input", name):
                result[f"{device} {name.removesuffix('_input')}"] = {"status": int(value) > 0}
    return result


def _power(sysfs: dict[str, str]) -> dict[str, models.PowerDict]:
    result: dict[str, models.PowerDict] = {}
    for supply, files in sorted(_by_device(sysfs, "/sys/class/power_supply/").items()):
        if files.get("type") == "Mains":
            result[supply] = {"status": files.get("online") == "1", "output": -1.0, "capacity": -1.0}
    return result


def lldp_neighbors_detail(data: dict[str, Any], interface: str = "") -> dict[str, list[models.LLDPNeighborDetailDict]]:
    """get_lldp_neighbors_detail from lldpd's `lldpcli -f json show neighbors details`."""
    result: dict[str, list[models.LLDPNeighborDetailDict]] = {}
    for name, neighbour, system, details in _lldp_neighbours(data):
        if interface and name != interface:
            continue
        capabilities = details.get("capability", [])
        if isinstance(capabilities, dict):
            capabilities = [capabilities]
        port = neighbour.get("port", {})
        result.setdefault(name, []).append({
            "parent_interface": "",
            "remote_port": _port_name(port),
            "remote_chassis_id": str(details.get("id", {}).get("value", "")),
            "remote_port_description": str(port.get("descr", "")),
            "remote_system_name": system,
            "remote_system_description": str(details.get("descr", "")),
            "remote_system_capab": sorted(str(c["type"]).lower() for c in capabilities),
            "remote_system_enable_capab": sorted(str(c["type"]).lower() for c in capabilities if c.get("enabled")),
        })
    return result


def network_instances(links: list[dict[str, Any]], name: str = "") -> dict[str, models.NetworkInstanceDict]:
    """get_network_instances from `ip -j -d link show`: the default instance with every interface outside a VRF,
    and each VRF (L3VRF) with its enslaved interfaces."""
    vrfs = {str(link["ifname"]) for link in links if link.get("linkinfo", {}).get("info_kind") == "vrf"}
    members: dict[str, dict[str, dict[str, Any]]] = {vrf: {} for vrf in ["default", *sorted(vrfs)]}
    for link in links:
        ifname = str(link["ifname"])
        if ifname in vrfs:
            continue
        master = str(link.get("master", ""))
        members[master if master in vrfs else "default"][ifname] = {}
    result: dict[str, models.NetworkInstanceDict] = {}
    for instance, interfaces_in in members.items():
        if name and instance != name:
            continue
        result[instance] = {"name": instance, "type": "DEFAULT_INSTANCE" if instance == "default" else "L3VRF",
                            "state": {"route_distinguisher": ""},
                            "interfaces": {"interface": dict(sorted(interfaces_in.items()))}}
    return result
