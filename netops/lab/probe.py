"""Reachability probes from inside the lab's namespaces: all of them at once, without a process per probe.

Each probe's socket is opened inside its source namespace (setns from one thread, which comes back: a socket
stays in the namespace it was opened in); then one event loop (epoll) waits on every socket. A probe ends at its
answer or at its own timeout, so a run lasts about one timeout however many probes are filtered, instead of one
timeout per wave of threads.

A probe *reaches* its destination when the destination answers: a TCP connection is accepted (or
refused: a RST came back, so nothing filtered it), a UDP datagram is answered (or an ICMP port
unreachable came back), a ping is answered. Filtered traffic (nftables `drop`) times out.
"""

import contextlib
import errno
import itertools
import os
import resource
import selectors
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Address
from typing import Literal

from netops.lab.netns import inside

#: File descriptors left to the rest of the process (NAPALM sessions, logs) when the probes in flight are capped.
_SPARE_FDS = 256
_TIMED_OUT = "TimeoutError: timed out"  # a blocking socket's own words for its timeout


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


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total: int = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def _error(error: OSError) -> str:
    return f"{error.__class__.__name__}: {error}"


def _socket_error(code: int) -> str:
    """A connect error read from SO_ERROR, worded as a blocking connect() would have raised it."""
    return _error(OSError(code, os.strerror(code)))  # OSError(errno, ...) is the errno's own subclass


@dataclass
class _Flight:
    """One probe in flight: its socket, what it waits for next, until when."""

    index: int
    probe: Probe
    sock: socket.socket
    started: float
    deadline: float
    connected: bool = False  # tcp: the connection is accepted, the listener's line is awaited
    ident: int = 0  # icmp: the echo's identifier
    packed: bytes = field(default=b"")  # icmp: the destination, as the quoted header of an unreachable carries it


class _Run:
    """Every probe of one run_probes call, driven by one selector."""

    def __init__(self, probes: Sequence[Probe], timeout: float, in_flight: int) -> None:
        self.probes = probes
        self.timeout = timeout
        self.in_flight = in_flight
        self.results: list[ProbeResult | None] = [None] * len(probes)
        self.selector = selectors.DefaultSelector()
        self.flights: dict[int, _Flight] = {}  # by file descriptor
        self.idents = itertools.count(os.getpid() & 0xFFFF)

    def run(self) -> list[ProbeResult]:
        waiting = deque(enumerate(self.probes))
        try:
            while waiting or self.flights:
                self._start(waiting)
                now = time.monotonic()
                wait = min((f.deadline for f in self.flights.values()), default=now) - now
                for key, _ in self.selector.select(max(wait, 0.0)):
                    flight = self.flights.get(key.fd)
                    if flight is not None:
                        self._answer(flight)
                now = time.monotonic()
                for flight in [f for f in self.flights.values() if f.deadline <= now]:
                    self._timed_out(flight)
        finally:
            for flight in list(self.flights.values()):
                self._end(flight, False, "not run")
            self.selector.close()
        return [result for result in self.results if result is not None]

    def _start(self, waiting: deque[tuple[int, Probe]]) -> None:
        """Open the sockets of the next probes, entering each source namespace once for its consecutive probes."""
        room = self.in_flight - len(self.flights)
        batch = [waiting.popleft() for _ in range(min(room, len(waiting)))]
        for source, group in itertools.groupby(batch, key=lambda item: item[1].source):
            members = list(group)
            sockets: list[socket.socket] = []
            try:
                with inside(source):
                    for _, probe in members:
                        kind, proto = {"tcp": (socket.SOCK_STREAM, 0), "udp": (socket.SOCK_DGRAM, 0),
                                       "icmp": (socket.SOCK_RAW, socket.IPPROTO_ICMP)}[probe.protocol]
                        sockets.append(socket.socket(socket.AF_INET, kind | socket.SOCK_NONBLOCK, proto))
            except BaseException:
                for sock in sockets:
                    sock.close()
                raise
            for (index, probe), sock in zip(members, sockets, strict=True):
                self._send(index, probe, sock)

    def _send(self, index: int, probe: Probe, sock: socket.socket) -> None:
        now = time.monotonic()
        flight = _Flight(index, probe, sock, now, now + self.timeout)
        self.flights[sock.fileno()] = flight
        address = str(probe.destination)
        try:
            if probe.protocol == "tcp":
                assert probe.port is not None
                code = sock.connect_ex((address, probe.port))
                if code == errno.ECONNREFUSED:
                    self._end(flight, True, "refused (no listener)")
                elif code == 0:
                    self._accepted(flight)
                elif code != errno.EINPROGRESS:
                    self._end(flight, False, _socket_error(code))
                else:
                    self.selector.register(sock, selectors.EVENT_WRITE)
                return
            if probe.protocol == "udp":
                assert probe.port is not None
                sock.connect((address, probe.port))
                sock.send(b"netops-lab probe\n")
            else:
                flight.ident = next(self.idents) & 0xFFFF
                flight.packed = probe.destination.packed
                header = struct.pack("!BBHHH", 8, 0, 0, flight.ident, 1)
                payload = b"netops-lab"
                sock.sendto(struct.pack("!BBHHH", 8, 0, _checksum(header + payload), flight.ident, 1) + payload,
                            (address, 0))
            self.selector.register(sock, selectors.EVENT_READ)
        except ConnectionRefusedError:
            self._end(flight, True, "port unreachable (no listener)")
        except OSError as error:
            self._end(flight, False, _error(error))

    def _accepted(self, flight: _Flight) -> None:
        """A TCP connection is up: the listener's line is read, with a timeout of its own (as a blocking recv)."""
        flight.connected = True
        flight.deadline = time.monotonic() + self.timeout
        self.selector.register(flight.sock, selectors.EVENT_READ)

    def _answer(self, flight: _Flight) -> None:
        sock, protocol = flight.sock, flight.probe.protocol
        if protocol == "tcp" and not flight.connected:
            code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if code == 0:
                self.selector.unregister(sock)
                self._accepted(flight)
            elif code == errno.ECONNREFUSED:
                self._end(flight, True, "refused (no listener)")
            else:
                self._end(flight, False, _socket_error(code))
        elif protocol == "tcp":
            try:
                line = sock.recv(200).decode(errors="replace").strip()
            except OSError:
                line = ""
            self._end(flight, True, line or "connected")
        elif protocol == "udp":
            try:
                data = sock.recv(200)
            except ConnectionRefusedError:
                self._end(flight, True, "port unreachable (no listener)")
            except OSError as error:
                self._end(flight, False, _error(error))
            else:
                self._end(flight, True, data.decode(errors="replace").strip())
        else:
            self._icmp(flight)

    def _icmp(self, flight: _Flight) -> None:
        """Read what the raw socket holds: it sees every ICMP message of its namespace, its echo's answer among them."""
        address = str(flight.probe.destination)
        while True:
            try:
                data, (sender, _) = flight.sock.recvfrom(2048)
            except BlockingIOError:
                return
            except OSError as error:
                self._end(flight, False, _error(error))
                return
            offset = (data[0] & 0x0F) * 4
            if len(data) < offset + 8:
                continue
            kind, _, _, their_id, _ = struct.unpack("!BBHHH", data[offset:offset + 8])
            if kind == 0 and their_id == flight.ident and sender == address:
                self._end(flight, True, "echo reply")
                return
            if kind == 3 and len(data) >= offset + 8 + 28:  # destination unreachable: quoted packet
                inner = data[offset + 8:]
                inner_offset = (inner[0] & 0x0F) * 4
                quoted = inner[inner_offset + 4:inner_offset + 6]
                ours = len(quoted) == 2 and struct.unpack("!H", quoted)[0] == flight.ident
                if inner[16:20] == flight.packed and ours:
                    self._end(flight, False, f"unreachable from {sender}")
                    return

    def _timed_out(self, flight: _Flight) -> None:
        protocol = flight.probe.protocol
        if protocol == "tcp" and flight.connected:
            self._end(flight, True, "connected")  # accepted, and the listener said nothing
        else:
            self._end(flight, False, "timeout" if protocol == "icmp" else _TIMED_OUT)

    def _end(self, flight: _Flight, reached: bool, detail: str) -> None:
        fd = flight.sock.fileno()
        self.flights.pop(fd, None)
        # Not registered when it ended at its first system call.
        with contextlib.suppress(KeyError, ValueError):
            self.selector.unregister(flight.sock)
        flight.sock.close()
        self.results[flight.index] = ProbeResult(flight.probe, reached, detail, time.monotonic() - flight.started)


def _fd_budget() -> int:
    """How many probes may be in flight at once: one socket each, within the process's file descriptor limit."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return 1 << 20 if soft == resource.RLIM_INFINITY else max(16, soft - _SPARE_FDS)


def run_probes(probes: Sequence[Probe], timeout: float = 2.0, workers: int | None = None) -> list[ProbeResult]:
    """Run probes concurrently, all of them at once (at most `workers` in flight when given, and never more than
    the file descriptor limit allows); the results in the probes' order.

    The run happens in a thread of its own: entering namespaces never touches the caller's thread.
    """
    if not probes:
        return []
    in_flight = min(len(probes), _fd_budget(), workers or len(probes))
    outcome: list[list[ProbeResult]] = []
    failure: list[BaseException] = []

    def work() -> None:
        try:
            outcome.append(_Run(probes, timeout, in_flight).run())
        except BaseException as error:  # handed to the caller's thread, raised there
            failure.append(error)

    thread = threading.Thread(target=work, name="netops-probes")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return outcome[0]


def run_probe(probe: Probe, timeout: float) -> ProbeResult:
    """Run one probe."""
    return run_probes([probe], timeout)[0]
