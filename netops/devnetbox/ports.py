"""Before anything starts: every port the server will listen on is free, or already ours."""

from __future__ import annotations

from collections.abc import Sequence

from netops.devnetbox.errors import SettingsError
from netops.devnetbox.postgres import adopt_postmaster
from netops.devnetbox.processes import live_record, port_busy
from netops.devnetbox.settings import HOST, PARTS, PartName, Settings


def check_ports_free(settings: Settings, parts: Sequence[PartName] = PARTS) -> None:
    """Before starting anything: the port of every part that is not running must be free."""
    ports = {
        "postgres": (settings.pg_port, "NETOPS_NETBOX_PG_PORT"),
        "redis": (settings.redis_port, "NETOPS_NETBOX_REDIS_PORT"),
        "netbox": (settings.http_port, "NETOPS_NETBOX_PORT"),
    }
    for part in parts:
        port, env_var = ports[part]
        if live_record(settings, part) is not None or (part == "postgres" and adopt_postmaster(settings)):
            continue  # ours: running, or a postmaster on our data directory that lost its record
        if port_busy(port):
            raise SettingsError(
                f"{part}: port {HOST}:{port} is already in use by a process netops did not start",
                hint=f"stop that process, or choose another port with {env_var}=<port>",
            )
