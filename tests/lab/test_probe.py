"""netops.lab.probe's event loop on loopback: every kind of answer, the timeouts, how many probes fly at once.

The lab's namespaces are replaced by the test's own (entering a namespace is a no-op here): the sockets, the
answers and the timeouts are real. The same probes run in the lab's namespaces in tests/lab/test_lab_city.py
(every PC's policy probes) and through `netops verify` in tests/verify/test_provision_lab.py.
"""

import contextlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from ipaddress import IPv4Address
from pathlib import Path

import pytest

from netops.lab import probe as probing
from netops.lab.probe import Probe, run_probe, run_probes

LOCAL = IPv4Address("127.0.0.1")
TIMEOUT = 0.3


@pytest.fixture(autouse=True)
def no_namespace(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The probes open their sockets where the test runs; the namespaces they would enter are recorded."""
    entered: list[str] = []

    @contextlib.contextmanager
    def inside(netns: str) -> Iterator[None]:
        entered.append(netns)
        yield

    monkeypatch.setattr(probing, "inside", inside)
    return entered


def _bound(kind: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, kind)
    sock.bind((str(LOCAL), 0))
    return sock


def _port(sock: socket.socket) -> int:
    port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def tcp_speaker() -> Iterator[int]:
    """A TCP listener that writes one line to each connection, as the lab's listeners do."""
    server = _bound(socket.SOCK_STREAM)
    server.listen(16)

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                conn.sendall(b"motcua-01 tcp/443 motcua\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield _port(server)
    server.shutdown(socket.SHUT_RDWR)
    server.close()
    thread.join()


@pytest.fixture
def udp_echo() -> Iterator[int]:
    """A UDP socket that answers every datagram with a line."""
    server = _bound(socket.SOCK_DGRAM)
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.05)
        while not stop.is_set():
            try:
                _, peer = server.recvfrom(200)
            except TimeoutError:
                continue
            server.sendto(b"ntp-01 udp/123 ntp\n", peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield _port(server)
    stop.set()
    thread.join()
    server.close()


def _probe(protocol: str, port: int | None, expect: bool = True, source: str = "pc-a") -> Probe:
    return Probe(source, LOCAL, protocol, port, expect, "test")  # type: ignore[arg-type]


def test_tcp_reaches_a_listener_and_reads_its_line(tcp_speaker: int) -> None:
    result = run_probe(_probe("tcp", tcp_speaker), TIMEOUT)
    assert (result.reached, result.detail, result.ok) == (True, "motcua-01 tcp/443 motcua", True)


def test_tcp_refused_is_reached_and_a_silent_listener_is_connected() -> None:
    closed = _bound(socket.SOCK_STREAM)
    refused_port = _port(closed)
    closed.close()
    silent = _bound(socket.SOCK_STREAM)
    silent.listen(4)  # the kernel accepts; nobody writes
    with silent:
        refused, quiet = run_probes([_probe("tcp", refused_port, expect=False), _probe("tcp", _port(silent))],
                                    TIMEOUT)
    assert (refused.reached, refused.detail, refused.ok) == (True, "refused (no listener)", False)
    assert (quiet.reached, quiet.detail) == (True, "connected")
    assert quiet.seconds >= TIMEOUT  # the line was waited for, its whole timeout


def test_udp_answered_unreachable_port_and_silence(udp_echo: int) -> None:
    closed = _bound(socket.SOCK_DGRAM)
    closed_port = _port(closed)
    closed.close()
    silent = _bound(socket.SOCK_DGRAM)
    with silent:
        answered, unreachable, dropped = run_probes(
            [_probe("udp", udp_echo), _probe("udp", closed_port), _probe("udp", _port(silent), expect=False)],
            TIMEOUT)
    assert (answered.reached, answered.detail) == (True, "ntp-01 udp/123 ntp")
    assert (unreachable.reached, unreachable.detail) == (True, "port unreachable (no listener)")
    # The words a blocking socket's timeout had: reports and their tests keep them.
    assert (dropped.reached, dropped.detail, dropped.ok) == (False, "TimeoutError: timed out", True)
    assert dropped.seconds >= TIMEOUT


@pytest.mark.skipif(os.geteuid() != 0, reason="an ICMP echo needs a raw socket (root)")
def test_icmp_echo_replies_are_told_apart() -> None:
    """Raw sockets of one namespace each see every ICMP message: each probe takes only its own echo's reply."""
    results = run_probes([_probe("icmp", None) for _ in range(20)], TIMEOUT)
    assert [(r.reached, r.detail) for r in results] == [(True, "echo reply")] * 20


def test_results_keep_the_probes_order_and_each_namespace_is_entered_once(no_namespace: list[str],
                                                                         tcp_speaker: int) -> None:
    probes = [_probe("tcp", tcp_speaker, source=source) for source in ("pc-a", "pc-a", "pc-b", "pc-b", "pc-a")]
    results = run_probes(probes, TIMEOUT)
    assert [r.probe for r in results] == probes
    assert all(r.detail == "motcua-01 tcp/443 motcua" for r in results)
    assert no_namespace == ["pc-a", "pc-b", "pc-a"]  # consecutive probes of a namespace share one entry


def _peak_in_flight(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    peaks = [0]
    start = probing._Run._start

    def counting(run: probing._Run, waiting: object) -> None:
        start(run, waiting)  # type: ignore[arg-type]
        peaks[0] = max(peaks[0], len(run.flights))

    monkeypatch.setattr(probing._Run, "_start", counting)
    return peaks


def test_every_probe_flies_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Filtered probes all wait their timeout together, not in waves."""
    silent = _bound(socket.SOCK_DGRAM)
    peaks = _peak_in_flight(monkeypatch)
    with silent:
        results = run_probes([_probe("udp", _port(silent), expect=False) for _ in range(50)], TIMEOUT)
    assert peaks == [50]
    assert all(r.ok and r.detail == "TimeoutError: timed out" for r in results)


def test_workers_and_the_file_descriptor_limit_cap_the_probes_in_flight(monkeypatch: pytest.MonkeyPatch) -> None:
    silent = _bound(socket.SOCK_DGRAM)
    peaks = _peak_in_flight(monkeypatch)
    with silent:
        results = run_probes([_probe("udp", _port(silent), expect=False) for _ in range(7)], TIMEOUT, workers=3)
        assert peaks == [3] and len(results) == 7 and all(r.ok for r in results)
        peaks[0] = 0
        monkeypatch.setattr(probing, "_fd_budget", lambda: 2)
        results = run_probes([_probe("udp", _port(silent), expect=False) for _ in range(5)], TIMEOUT)
        assert peaks == [2] and len(results) == 5 and all(r.ok for r in results)


def test_a_missing_namespace_is_raised_in_the_callers_thread_and_leaks_no_socket(monkeypatch: pytest.MonkeyPatch,
                                                                                  tcp_speaker: int) -> None:
    @contextlib.contextmanager
    def missing(netns: str) -> Iterator[None]:
        if netns == "gone":
            raise FileNotFoundError(f"/run/netns/{netns}")
        yield

    monkeypatch.setattr(probing, "inside", missing)
    before = _open_fds()
    with pytest.raises(FileNotFoundError, match="gone"):
        run_probes([_probe("tcp", tcp_speaker), _probe("tcp", tcp_speaker, source="gone")], TIMEOUT)
    assert _fds_back_to(before), f"{_open_fds() - before} file descriptors left open"


def _open_fds() -> int:
    return sum(1 for _ in Path("/proc/self/fd").iterdir())


def _fds_back_to(count: int, seconds: float = 5.0) -> bool:
    """Whether the process's open descriptors come back to `count`: the speaker's thread accepts and closes its
    side of a connection on its own time, after run_probes has closed the probe's."""
    deadline = time.monotonic() + seconds
    while _open_fds() != count:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_no_probe_no_run() -> None:
    assert run_probes([], TIMEOUT) == []
