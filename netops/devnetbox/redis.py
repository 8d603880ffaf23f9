"""Redis: NetBox's task queue and cache, with no persistence, on 127.0.0.1 behind a password."""

from __future__ import annotations

import socket
from pathlib import Path

from netops.devnetbox.credentials import Secrets
from netops.devnetbox.processes import drop_stale_record, live_record, spawn, wait_until_ready, write_record
from netops.devnetbox.settings import HOST, Settings
from netops.devnetbox.statefiles import write_private
from netops.devnetbox.templates import render
from netops.progress import ProgressSink as Progress


def redis_command(settings: Settings, secrets_: Secrets, command: str) -> bytes | None:
    """Send AUTH then ``command`` (inline protocol); the raw reply, or None when Redis does not answer."""
    try:
        with socket.create_connection((HOST, settings.redis_port), timeout=2.0) as sock:
            sock.sendall(f"AUTH {secrets_.redis_password}\r\n{command}\r\n".encode())
            reply = b""
            while reply.count(b"\r\n") < 2:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                reply += chunk
            return reply
    except OSError:
        return None


def redis_ok(settings: Settings, secrets_: Secrets) -> bool:
    """True when Redis accepts our password and answers PING."""
    return redis_command(settings, secrets_, "PING") == b"+OK\r\n+PONG\r\n"


def render_redis_conf(settings: Settings, secrets_: Secrets) -> str:
    """The text of ``run/redis.conf``."""
    return render("redis.conf.j2", settings=settings, secrets=secrets_, host=HOST)


def write_redis_conf(settings: Settings, secrets_: Secrets) -> Path:
    """``run/redis.conf`` (mode 600). A config file rather than arguments: the password must not show in `ps`."""
    conf = settings.run_dir / "redis.conf"
    write_private(conf, render_redis_conf(settings, secrets_))
    return conf


def start_redis(settings: Settings, secrets_: Secrets, progress: Progress) -> bool:
    """Start Redis unless it runs; True when started now."""
    record = live_record(settings, "redis")
    started = record is None
    if record is None:
        drop_stale_record(settings, "redis", progress)
        settings.redis_dir.mkdir(parents=True, exist_ok=True)
        conf = write_redis_conf(settings, secrets_)
        progress(f"redis: starting on {HOST}:{settings.redis_port}")
        record = spawn([settings.redis_server, conf], log=settings.log_dir / "redis.log", cwd=settings.redis_dir)
        write_record(settings, "redis", record)
    wait_until_ready(settings, "redis", record, lambda: redis_ok(settings, secrets_), timeout=30,
                     log=settings.log_dir / "redis.log", waiting_for="answer PING", pause=0.1)
    return started
