"""The server as a whole: ``up``, ``down``, ``status`` and ``reset``, each under the state directory's lock.

``up`` runs the phases in order; each one is a no-op when its result is already there, so ``up`` is
idempotent and a second run costs a health check.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from netops.devnetbox.application import write_configuration
from netops.devnetbox.credentials import load_secrets, write_env_file
from netops.devnetbox.database import ensure_database, recreate_database
from netops.devnetbox.errors import NetboxServerError
from netops.devnetbox.gunicorn import api_status, start_netbox, wait_healthy
from netops.devnetbox.install import check_prerequisites, collect_static, ensure_venv
from netops.devnetbox.ports import check_ports_free
from netops.devnetbox.postgres import pg_ready, start_postgres
from netops.devnetbox.processes import children, live_record, read_record, stop_part
from netops.devnetbox.redis import redis_command, redis_ok, start_redis
from netops.devnetbox.settings import DB_NAME, HOST, PARTS, TEMPLATE_DB, PartName, Settings
from netops.devnetbox.statefiles import server_lock
from netops.progress import ProgressSink as Progress
from netops.progress import quiet


@dataclass(frozen=True)
class UpResult:
    """What ``up`` did: the phases it ran with their seconds, and where clients find the server."""

    url: str
    env_file: Path
    phases: tuple[tuple[str, float], ...]
    seconds: float

    @property
    def already_up(self) -> bool:
        return not self.phases


def _up_locked(settings: Settings, progress: Progress) -> UpResult:
    begun = time.monotonic()
    secrets_ = load_secrets(settings)
    # Phase 0: everything already healthy is the common case, and must cost only a health check.
    live = [part for part in PARTS if live_record(settings, part) is not None]
    code, body = api_status(settings, secrets_.token) if "netbox" in live else (None, {})
    running_version = str(body.get("netbox-version", ""))
    if code == 200 and running_version.startswith(settings.netbox_version):
        if len(live) == len(PARTS):
            write_env_file(settings, secrets_)
            return UpResult(settings.url, settings.env_file, (), time.monotonic() - begun)
    elif code == 200:
        # NETBOX_VERSION changed under a running server: stop it, the phases below upgrade and restart it.
        progress(f"netbox: running NetBox {running_version}, wanted {settings.netbox_version}: restarting it")
        stop_part(settings, "netbox", progress)

    phases: list[tuple[str, float]] = []

    def phase(name: str, action: Callable[[], bool]) -> None:
        t0 = time.monotonic()
        if action():  # each phase returns False when there was nothing to do
            phases.append((name, time.monotonic() - t0))

    # Before anything is started: a missing package or a taken port is exit 2, not a half-up server.
    check_prerequisites(settings)
    check_ports_free(settings)
    phase("venv", lambda: ensure_venv(settings, progress))  # needs gcc + libpq-dev the first time only
    write_configuration(settings, secrets_)  # NetBox reads it in migrate, the admin snippet and gunicorn
    phase("postgres", lambda: start_postgres(settings, secrets_, progress))
    phase("redis", lambda: start_redis(settings, secrets_, progress))  # NetBox's cache, used from migrate on
    phase("database", lambda: ensure_database(settings, secrets_, progress))  # restore/migrate need postgres
    phase("static", lambda: collect_static(settings, progress))
    phase("netbox", lambda: start_netbox(settings, secrets_, progress))  # last: it needs all of the above
    write_env_file(settings, secrets_)
    return UpResult(settings.url, settings.env_file, tuple(phases), time.monotonic() - begun)


def up(settings: Settings, progress: Progress = quiet) -> UpResult:
    """Bring the embedded NetBox up (idempotent: a fast no-op when everything is already healthy)."""
    with server_lock(settings):
        return _up_locked(settings, progress)


def down(settings: Settings, progress: Progress = quiet) -> list[PartName]:
    """Stop what ``up`` started (NetBox first, PostgreSQL last), by recorded pid; return the parts stopped."""
    with server_lock(settings):
        return [part for part in reversed(PARTS) if stop_part(settings, part, progress)]


@dataclass(frozen=True)
class PartStatus:
    """One part of the embedded server as ``status`` sees it."""

    name: PartName
    pid: int | None
    running: bool
    healthy: bool
    address: str
    detail: str
    children: tuple[int, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "pid": self.pid,
            "running": self.running,
            "healthy": self.healthy,
            "address": self.address,
            "detail": self.detail,
            "children": list(self.children),
        }


@dataclass(frozen=True)
class ServerStatus:
    url: str
    env_file: Path
    parts: tuple[PartStatus, ...]

    @property
    def healthy(self) -> bool:
        return all(p.healthy for p in self.parts)

    @property
    def running(self) -> bool:
        return any(p.running for p in self.parts)

    def as_dict(self) -> dict[str, object]:
        return {
            "url": self.url,
            "env_file": str(self.env_file),
            "healthy": self.healthy,
            "parts": [p.as_dict() for p in self.parts],
        }


def status(settings: Settings) -> ServerStatus:
    """Each part with its pid and health: postgres accepts connections, redis answers PING, the API answers."""
    secrets_ = load_secrets(settings) if settings.secrets_file.exists() else None
    parts: list[PartStatus] = []
    for part in PARTS:
        record = live_record(settings, part)
        stale = record is None and read_record(settings, part) is not None
        kids: tuple[int, ...] = ()
        healthy = False
        if part == "postgres":
            address = f"{HOST}:{settings.pg_port}"
            healthy = record is not None and pg_ready(settings)
            detail = "accepting connections" if healthy else "not accepting connections"
        elif part == "redis":
            address = f"{HOST}:{settings.redis_port}"
            healthy = record is not None and secrets_ is not None and redis_ok(settings, secrets_)
            detail = "answers PING" if healthy else "no answer to PING"
        else:
            address = settings.url
            detail = "no answer"
            if record is not None:
                kids = tuple(sorted(children(record.pid)))
                code, body = api_status(settings, secrets_.token if secrets_ else None)
                healthy = code == 200
                if code == 200:
                    detail = f"API 200, NetBox {body.get('netbox-version', '?')}, {len(kids)} workers"
                elif code is not None:
                    detail = f"API answered HTTP {code}"
        if record is None:
            detail = "stale pid record from a crashed run (dropped by the next up or down)" if stale else ""
        parts.append(
            PartStatus(part, record.pid if record else None, record is not None, healthy, address, detail, kids)
        )
    return ServerStatus(settings.url, settings.env_file, tuple(parts))


def reset(settings: Settings, progress: Progress = quiet) -> float:
    """Empty NetBox back to the freshly restored schema with admin and token; bring it up first if needed.

    Drops the ``netbox`` database (ending the server's connections: they reconnect on their next request),
    re-creates it from ``netbox_template`` and flushes Redis (NetBox's cache and queues). Returns seconds.
    """
    with server_lock(settings):
        _up_locked(settings, progress)
        begun = time.monotonic()
        secrets_ = load_secrets(settings)
        progress(f"reset: re-creating {DB_NAME} from {TEMPLATE_DB}")
        recreate_database(settings, secrets_)
        if redis_command(settings, secrets_, "FLUSHALL") != b"+OK\r\n+OK\r\n":
            raise NetboxServerError("reset: redis FLUSHALL failed", log=settings.log_dir / "redis.log")
        record = live_record(settings, "netbox")
        if record is None:
            raise NetboxServerError("reset: netbox is not running", log=settings.log_dir / "gunicorn.log")
        wait_healthy(settings, secrets_, record, progress, settings.log_dir / "gunicorn.log")
        return time.monotonic() - begun
