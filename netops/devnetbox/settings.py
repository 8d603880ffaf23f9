"""Where the embedded NetBox keeps its state and which ports it listens on: the NETOPS_NETBOX_* settings.

Kept free of heavy imports: the NetBox client reads ``Settings`` to find ``netbox.env`` on every command.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from netops.devnetbox.errors import SettingsError

NETBOX_VERSION: Final = "4.7.3"
HOST: Final = "127.0.0.1"
DEFAULT_HTTP_PORT: Final = 8801
DEFAULT_PG_PORT: Final = 54329
DEFAULT_REDIS_PORT: Final = 63799
DEFAULT_PG_BINDIR: Final = "/usr/lib/postgresql/15/bin"
DEFAULT_START_TIMEOUT: Final = 300.0

DB_USER: Final = "netbox"
DB_NAME: Final = "netbox"
TEMPLATE_DB: Final = "netbox_template"
ADMIN_USER: Final = "admin"

PartName = Literal["postgres", "redis", "netbox"]
PARTS: Final[tuple[PartName, ...]] = ("postgres", "redis", "netbox")


def project_root() -> Path | None:
    """The source checkout this package runs from, if it runs from one (editable install or plain checkout)."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() and (root / "netops").is_dir() else None


def _env_port(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise SettingsError(f"{name} must be a TCP port number (1-65535), found {raw!r}")
    return int(raw)


@dataclass(frozen=True)
class Settings:
    """Where the embedded NetBox keeps its state, and the ports it listens on (all on 127.0.0.1)."""

    home: Path
    venv: Path
    http_port: int = DEFAULT_HTTP_PORT
    pg_port: int = DEFAULT_PG_PORT
    redis_port: int = DEFAULT_REDIS_PORT
    pg_bindir: Path = Path(DEFAULT_PG_BINDIR)
    redis_server: str = "redis-server"
    pg_os_user: str = "postgres"
    netbox_version: str = NETBOX_VERSION
    python: str | None = None
    start_timeout: float = DEFAULT_START_TIMEOUT

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from NETOPS_NETBOX_* environment variables, with the project's defaults.

        NETOPS_NETBOX_HOME (state directory, default <checkout>/var/netbox), NETOPS_NETBOX_VENV (default
        <home>/venv), NETOPS_NETBOX_PORT, NETOPS_NETBOX_PG_PORT, NETOPS_NETBOX_REDIS_PORT, NETOPS_PG_BINDIR,
        NETOPS_REDIS_SERVER, NETOPS_PG_OS_USER, NETOPS_NETBOX_VERSION, NETOPS_NETBOX_PYTHON (the interpreter
        that builds the venv), NETOPS_NETBOX_START_TIMEOUT (seconds).
        """
        env = os.environ if environ is None else environ
        root = project_root() or Path.cwd()
        home = Path(env.get("NETOPS_NETBOX_HOME") or root / "var" / "netbox").resolve()
        venv = Path(env.get("NETOPS_NETBOX_VENV") or home / "venv").resolve()
        raw_timeout = env.get("NETOPS_NETBOX_START_TIMEOUT", "").strip()
        try:
            timeout = float(raw_timeout) if raw_timeout else DEFAULT_START_TIMEOUT
        except ValueError:
            raise SettingsError(
                f"NETOPS_NETBOX_START_TIMEOUT must be a number of seconds, found {raw_timeout!r}"
            ) from None
        settings = cls(
            home=home,
            venv=venv,
            http_port=_env_port(env, "NETOPS_NETBOX_PORT", DEFAULT_HTTP_PORT),
            pg_port=_env_port(env, "NETOPS_NETBOX_PG_PORT", DEFAULT_PG_PORT),
            redis_port=_env_port(env, "NETOPS_NETBOX_REDIS_PORT", DEFAULT_REDIS_PORT),
            pg_bindir=Path(env.get("NETOPS_PG_BINDIR") or DEFAULT_PG_BINDIR),
            redis_server=env.get("NETOPS_REDIS_SERVER") or "redis-server",
            pg_os_user=env.get("NETOPS_PG_OS_USER") or "postgres",
            netbox_version=env.get("NETOPS_NETBOX_VERSION") or NETBOX_VERSION,
            python=env.get("NETOPS_NETBOX_PYTHON") or None,
            start_timeout=timeout,
        )
        ports = [settings.http_port, settings.pg_port, settings.redis_port]
        if len(set(ports)) != len(ports):
            raise SettingsError(f"the NetBox, PostgreSQL and Redis ports must differ, found {ports}")
        return settings

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.http_port}"

    @property
    def netbox_root(self) -> Path:
        """NETBOX_ROOT for the wheel install: holds conf/configuration.py, media/, reports/, scripts/."""
        return self.home / "root"

    @property
    def config_file(self) -> Path:
        return self.netbox_root / "conf" / "configuration.py"

    @property
    def pg_dir(self) -> Path:
        """Owned by the postgres OS user: the cluster (data/) and nothing else."""
        return self.home / "pg"

    @property
    def pgdata(self) -> Path:
        return self.pg_dir / "data"

    @property
    def redis_dir(self) -> Path:
        """Redis's working directory (it persists nothing there)."""
        return self.home / "redis"

    @property
    def run_dir(self) -> Path:
        return self.home / "run"

    @property
    def log_dir(self) -> Path:
        return self.home / "log"

    @property
    def secrets_file(self) -> Path:
        return self.home / "secrets.json"

    @property
    def state_file(self) -> Path:
        return self.home / "state.json"

    @property
    def env_file(self) -> Path:
        return self.home / "netbox.env"

    def pg_bin(self, name: str) -> Path:
        return self.pg_bindir / name

    @property
    def venv_marker(self) -> Path:
        """Written after a complete install; holds the NetBox version installed."""
        return self.venv / ".netops-netbox-version"
