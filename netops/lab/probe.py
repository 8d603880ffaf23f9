"""Reachability probes from inside the lab's namespaces, without starting a process per probe.

A thread enters the source namespace (setns), opens its socket there and comes back: the socket stays
in the namespace it was opened in. Hundreds of probes run in parallel threads of one process.

A probe *reaches* its destination when the destination answers: a TCP connection is accepted (or
refused: a RST came back, so nothing filtered it), a UDP datagram is answered (or an ICMP port
unreachable came back), a ping is answered. Filtered traffic (nftables `drop`) times out.
"""

import os
import select
import socket
import struct
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from ipaddress import IPv4Address
from typing import Literal

from netops.lab.netns import inside


@dataclass(frozen=True)
class Probe:
    """One check: from a namespace to an address (and port), and whether it should get through."""

    source: str
    destination: IPv4Address
    protocol: Literal["tcp", "udp", "icmp"]
    port: int | None
    expect: bool
    why: str

    def __str__(self) -> str:
        port = f"/{self.port}" if self.port is not None else ""
        verdict = "reaches" if self.expect else "must not reach"
        return f"{self.source} {verdict} {self.destination} {self.protocol}{port} ({self.why})"


@dataclass(frozen=True)
class ProbeResult:
    """What a probe found."""

    probe: Probe
    reached: bool
    detail: str
    seconds: float

    @property
    def ok(self) -> bool:
        """Whether the network did what the probe expected."""
        return self.reached == self.probe.expect


def _socket(netns: str, family: int, kind: int, proto: int = 0) -> socket.socket:
    with inside(netns):
        return socket.socket(family, kind, proto)


def tcp(netns: str, address: IPv4Address, port: int, timeout: float) -> tuple[bool, str]:
    """Connect from inside `netns`; read the listener's line if there is one."""
    sock = _socket(netns, socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect((str(address), port))
    except ConnectionRefusedError:
        return True, "refused (no listener)"
    except (TimeoutError, OSError) as error:
        return False, f"{error.__class__.__name__}: {error}"
    try:
        line = sock.recv(200).decode(errors="replace").strip()
    except OSError:
        line = ""
    finally:
        sock.close()
    return True, line or "connected"


def udp(netns: str, address: IPv4Address, port: int, timeout: float) -> tuple[bool, str]:
    """Send a datagram from inside `netns` and wait for the answer."""
    sock = _socket(netns, socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(timeout)
    try:
        sock.connect((str(address), port))
        sock.send(b"netops-lab probe\n")
        data = sock.recv(200)
    except ConnectionRefusedError:
        return True, "port unreachable (no listener)"
    except (TimeoutError, OSError) as error:
        return False, f"{error.__class__.__name__}: {error}"
    finally:
        sock.close()
    return True, data.decode(errors="replace").strip()


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total: int = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def icmp(netns: str, address: IPv4Address, timeout: float) -> tuple[bool, str]:
    """One ICMP echo from inside `netns` (a raw socket: root only)."""
    sock = _socket(netns, socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    ident = (os.getpid() ^ id(sock)) & 0xFFFF
    header = struct.pack("!BBHHH", 8, 0, 0, ident, 1)
    payload = b"netops-lab"
    packet = struct.pack("!BBHHH", 8, 0, _checksum(header + payload), ident, 1) + payload
    deadline = time.monotonic() + timeout
    try:
        sock.sendto(packet, (str(address), 0))
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([sock], [], [], left)
            if not ready:
                break
            data, (sender, _) = sock.recvfrom(2048)
            offset = (data[0] & 0x0F) * 4
            kind, _, _, their_id, _ = struct.unpack("!BBHHH", data[offset:offset + 8])
            if kind == 0 and their_id == ident and sender == str(address):
                return True, "echo reply"
            if kind == 3 and len(data) >= offset + 8 + 28:  # destination unreachable: quoted packet
                inner = data[offset + 8:]
                inner_offset = (inner[0] & 0x0F) * 4
                if inner[16:20] == address.packed and struct.unpack("!H", inner[inner_offset + 4:
                                                                                 inner_offset + 6])[0] == ident:
                    return False, f"unreachable from {sender}"
    except OSError as error:
        return False, f"{error.__class__.__name__}: {error}"
    finally:
        sock.close()
    return False, "timeout"


def run_probe(probe: Probe, timeout: float) -> ProbeResult:
    """Run one probe."""
    started = time.monotonic()
    if probe.protocol == "tcp":
        assert probe.port is not None
        reached, detail = tcp(probe.source, probe.destination, probe.port, timeout)
    elif probe.protocol == "udp":
        assert probe.port is not None
        reached, detail = udp(probe.source, probe.destination, probe.port, timeout)
    else:
        reached, detail = icmp(probe.source, probe.destination, timeout)
    return ProbeResult(probe, reached, detail, time.monotonic() - started)


def run_probes(probes: Sequence[Probe], timeout: float = 2.0, workers: int = 64) -> list[ProbeResult]:
    """Run probes in parallel threads (each enters its source namespace for itself)."""
    if not probes:
        return []
    with ThreadPoolExecutor(max_workers=min(workers, len(probes))) as pool:
        return list(pool.map(lambda p: run_probe(p, timeout), probes))
