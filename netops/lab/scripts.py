"""The bootstrap script run inside each namespace: sysctls, addresses, links up (but the failed ones), routes,
nftables. Pure text from the plan; `up` writes each to <home>/netns/<netns>.sh and runs it there."""

from collections.abc import Iterable
from ipaddress import IPv4Interface
from pathlib import Path

from netops.lab.topology import HostPlan, RouterPlan, SegmentPlan

#: The lab's own nftables table in every router: the management port is never forwarded to or from,
#: as a management VRF would keep it (the lab kernel has no VRF module). The rendered policy is a table of
#: its own (inet netops) and never touches this one.
OOB_TABLE = """table inet netops_lab
delete table inet netops_lab
table inet netops_lab {
\tchain forward {
\t\ttype filter hook forward priority -10; policy accept;
\t\tiifname "mgmt0" drop
\t\toifname "mgmt0" drop
\t}
}
"""


def router_script(router: RouterPlan, down: set[str], nftables: Path | None) -> str:
    """Inside a router: forwarding on, IPv6 off, room for a multicast membership per OSPF interface, links
    up (but the failed ones), management address, the OOB table, and the rendered nftables when configured.
    WAN and LAN addresses are FRR's (from frr.conf); a switch has no FRR, so its addresses are set here."""
    # igmp_max_memberships: ospfd joins AllSPFRouters on every OSPF interface with one socket, and the
    # kernel's default of 20 memberships per socket leaves the 21st interface deaf (no adjacency, ever).
    lines = ["set -e",
             "sysctl -q -w net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv6.conf.all.disable_ipv6=1"
             " net.ipv6.conf.default.disable_ipv6=1 net.ipv4.igmp_max_memberships=1024",
             "ip -batch - <<'EOF'", "link set lo up", f"address replace {router.management} dev mgmt0",
             "link set mgmt0 up"]
    for port in router.wan:
        if not router.runs_frr:
            lines.append(f"address replace {port.address} dev {port.name}")
        if port.name not in down:
            lines.append(f"link set {port.name} up")
    for lan in router.lans:
        if lan.bridged:
            lines.append(f"link set {lan.name} type bridge stp_state 0 forward_delay 0")
        if not router.runs_frr:
            lines.append(f"address replace {lan.gateway} dev {lan.name}")
        if lan.name not in down:
            lines.append(f"link set {lan.name} up")
    lines.append("EOF")
    lines += ["nft -f - <<'EOF'", OOB_TABLE.rstrip("\n"), "EOF"]
    if nftables is not None:
        lines.append(f"nft -f {nftables}")
    return "\n".join(lines) + "\n"


def bridge_ports_script(router: RouterPlan, hosts: Iterable[HostPlan], down: set[str]) -> list[str]:
    """`ip -batch` lines enslaving the data-center hosts' ports to their LAN's bridge."""
    lines = []
    for host in hosts:
        if (host.router == router.device and host.segment is None
                and host.router_interface != host.lan_interface):
            lines.append(f"link set {host.router_interface} master {host.lan_interface}")
            if host.lan_interface not in down:
                lines.append(f"link set {host.router_interface} up")
    return lines


def host_script(host: HostPlan, management: IPv4Interface | None = None) -> str:
    """Inside a host: its address on eth0 and the default route via its gateway; the monitoring host also its
    address on mgmt0 (the management network only: nothing is routed that way)."""
    leg = [f"address replace {management} dev mgmt0", "link set mgmt0 up"] if management is not None else []
    return "\n".join([
        "set -e",
        "sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1",
        "ip -batch - <<'EOF'",
        "link set lo up",
        f"address replace {host.address} dev eth0",
        "link set eth0 up",
        *leg,
        f"route replace default via {host.gateway} dev eth0 onlink",
        "EOF",
    ]) + "\n"


def segment_script(segment: SegmentPlan, hosts: Iterable[HostPlan]) -> str:
    """Inside a shared LAN's namespace: its bridge (no STP: a LAN of routers and hosts, no loop) and every port,
    the member routers' and the hosts', in it and up. A failed router's port stays up here: its own end is down,
    so the port has no carrier, as a switch port facing a router without power."""
    ports = [member.port for member in segment.members]
    ports += [host.router_interface for host in hosts if host.segment == segment.netns]
    lines = ["set -e",
             "sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1",
             "ip -batch - <<'EOF'", "link set lo up",
             f"link set {segment.bridge} type bridge stp_state 0 forward_delay 0", f"link set {segment.bridge} up"]
    for port in ports:
        lines += [f"link set {port} master {segment.bridge}", f"link set {port} up"]
    lines.append("EOF")
    return "\n".join(lines) + "\n"
