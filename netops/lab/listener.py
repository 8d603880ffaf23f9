"""A data-center host's services in the lab: answer on every TCP and UDP port the model says it serves.

Run inside the host's namespace (standard library only, started with `python -I`):

    python -I listener.py --home var/lab --name motcua-01 --tcp 443 --udp 123 [--user nobody]

A TCP client that connects reads one line, ``<host> tcp/<port> <services>``, and the connection is
closed; a UDP datagram gets the line ``<host> udp/<port> <services>`` back. So a TCP check to "the
one-stop-shop" on tcp/443 reaches a process of the host the model says runs it. The sockets are bound
first, then the process drops to an unprivileged user.
"""

import argparse
import asyncio
import os
import pwd
import signal
import socket
from collections.abc import Awaitable, Callable


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, reply: bytes) -> None:
        self.reply = reply
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.DatagramTransport)
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if self.transport is not None:
            self.transport.sendto(self.reply, addr)


def _tcp_handler(reply: bytes) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            writer.write(reply)
            await writer.drain()
        except OSError:
            pass
        finally:
            writer.close()

    return handle


def _udp_factory(reply: bytes) -> Callable[[], _Udp]:
    return lambda: _Udp(reply)


def _bind(kind: int, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, kind)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("0.0.0.0", port))
    if kind == socket.SOCK_STREAM:
        sock.listen(128)
    sock.setblocking(False)
    return sock


def _drop_privileges(user: str) -> None:
    entry = pwd.getpwnam(user)
    os.setgroups([])
    os.setgid(entry.pw_gid)
    os.setuid(entry.pw_uid)


async def _serve(name: str, tcp: list[int], udp: list[int], services: str, user: str | None) -> None:
    loop = asyncio.get_running_loop()
    tcp_socks = [(port, _bind(socket.SOCK_STREAM, port)) for port in tcp]
    udp_socks = [(port, _bind(socket.SOCK_DGRAM, port)) for port in udp]
    if user:
        _drop_privileges(user)
    for port, sock in tcp_socks:
        await asyncio.start_server(_tcp_handler(f"{name} tcp/{port} {services}\n".encode()), sock=sock)
    for port, sock in udp_socks:
        await loop.create_datagram_endpoint(_udp_factory(f"{name} udp/{port} {services}\n".encode()), sock=sock)
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()


def main(argv: list[str] | None = None) -> None:
    """Parse the ports and serve until SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--name", required=True)
    parser.add_argument("--tcp", type=int, action="append", default=[])
    parser.add_argument("--udp", type=int, action="append", default=[])
    parser.add_argument("--services", default="")
    parser.add_argument("--user", default=None)
    parser.add_argument("--home", default=None, help="The lab home (marks the process as that lab's)")
    args = parser.parse_args(argv)
    asyncio.run(_serve(args.name, args.tcp, args.udp, args.services, args.user))


if __name__ == "__main__":
    main()
