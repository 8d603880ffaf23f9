"""The embedded NetBox server: a real NetBox 4.7 from PyPI, started and stopped by the project.

Three processes, all bound to 127.0.0.1 and all under one state directory (default ``var/netbox``):

- PostgreSQL 15 (Debian's binaries) on a private cluster in ``pg/data``, run as the ``postgres`` OS user
  when we are root (the server refuses to run as root);
- Redis (Debian's ``redis-server``) with no persistence, for NetBox's task queue and cache;
- gunicorn from NetBox's own venv (``venv``, Python >= 3.12) serving ``netbox.wsgi``.

``up`` runs these phases in order; each one is a no-op when its result is already there, so ``up`` is
idempotent and a second run costs a health check:

1. prerequisites: the Debian binaries exist (else :class:`PrerequisiteError`, exit 2, naming the package);
2. venv: ``pip install netbox==<version>`` into its own venv (about 2 min the first time);
3. secrets + configuration: generated once per state directory, ``configuration.py`` rewritten from them;
4. postgres, then redis: started, waited for;
5. database: the template database ``netbox_template`` is restored from the committed ``pg_dump -Fc`` of the
   migrated empty schema (seconds, where migrating takes 6-14 min), migrated (a no-op when nothing is
   pending) and given the admin user and API token; ``netbox`` is created from it with
   ``CREATE DATABASE ... TEMPLATE``. ``reset`` repeats that last step, which is what makes it fast;
6. gunicorn: started, then waited for until ``GET /api/status/`` answers 200 with the token;
7. ``netbox.env``: NETBOX_URL and NETBOX_TOKEN for the clients (mode 600).

Every process we start is recorded as (pid, start time, boot id) in ``run/<part>.json``: ``down`` signals
exactly those processes (and the workers gunicorn forked), never anything found by name, and a record whose
process is gone or was replaced (a crash, a reboot) is recognised as stale and dropped.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from netops.progress import ProgressSink as Progress
from netops.progress import quiet

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

SCHEMA_DIR: Final = Path(__file__).resolve().parent / "schema"

PartName = Literal["postgres", "redis", "netbox"]
PARTS: Final[tuple[PartName, ...]] = ("postgres", "redis", "netbox")



# --------------------------------------------------------------------------------------------------------------
# Errors


class NetboxServerError(Exception):
    """Something went wrong starting, stopping or resetting the server (exit 3: a service failed).

    ``log`` names the log file to read; its last lines are appended to the message.
    """

    exit_code: int = 3  # netops.errors.EXIT_UNREACHABLE (not imported: this module runs on its own too)

    def __init__(self, message: str, *, log: Path | None = None, hint: str | None = None) -> None:
        self.log = log
        self.hint = hint
        text = message
        if log is not None:
            text += f"\n--- last lines of {log} ---\n{_tail(log)}"
        if hint:
            text += f"\nhint: {hint}"
        super().__init__(text)


class PrerequisiteError(NetboxServerError):
    """A program or OS user the server needs is missing (exit 2); names the Debian package to install."""

    exit_code = 2

    def __init__(self, what: str, *, package: str | None = None, hint: str | None = None) -> None:
        self.what = what
        self.package = package
        message = f"missing prerequisite: {what}"
        if package:
            message += f"; install the Debian package '{package}' (e.g. with scripts/install-system-packages)"
        super().__init__(message, hint=hint)


class SettingsError(NetboxServerError):
    """Bad settings: an environment variable with a bad value, a port taken by someone else (exit 2)."""

    exit_code = 2


# --------------------------------------------------------------------------------------------------------------
# Settings


def _project_root() -> Path | None:
    """The source checkout this module runs from, if it runs from one (editable install or plain checkout)."""
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
        root = _project_root() or Path.cwd()
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


def schema_dump_path(version: str = NETBOX_VERSION) -> Path:
    """The committed dump of the migrated, empty NetBox schema for ``version``."""
    return SCHEMA_DIR / f"netbox-{version}.pgdump"


# --------------------------------------------------------------------------------------------------------------
# Small file and process helpers


def _tail(path: Path, lines: int = 25) -> str:
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - 16384))
            text = handle.read().decode("utf-8", "replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def _write_private(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` with mode 600, atomically; return False when it already held exactly that."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        if path.read_text(encoding="utf-8") == text:
            path.chmod(0o600)
            return False
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    tmp.replace(path)
    return True


def _open_log(path: Path, title: str) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.write(fd, f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} {title}\n".encode())
    return fd


@contextlib.contextmanager
def _flock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path``, so two netops commands never start or stop the same server at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass(frozen=True)
class ProcRecord:
    """A process we started: its pid plus what tells it apart from a later process reusing that pid."""

    pid: int
    starttime: int
    boot_id: str


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _proc_stat(pid: int) -> tuple[str, int, int] | None:
    """(state, ppid, starttime) of ``pid`` from /proc, or None when there is no such process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # the command name may contain spaces and parentheses
    return fields[0], int(fields[1]), int(fields[19])


def _record_for(pid: int) -> ProcRecord | None:
    stat = _proc_stat(pid)
    return None if stat is None else ProcRecord(pid=pid, starttime=stat[2], boot_id=_boot_id())


def _is_alive(record: ProcRecord) -> bool:
    """True when the recorded process still runs (not a zombie, not a stranger that reuses its pid)."""
    stat = _proc_stat(record.pid)
    if stat is None or stat[2] != record.starttime or record.boot_id != _boot_id():
        return False
    if stat[0] in ("Z", "X"):
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(record.pid, os.WNOHANG)  # reap it if it is our own child
        return False
    return True


def _children(pid: int) -> list[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _proc_stat(int(entry.name))
            if stat is not None and stat[1] == pid:
                kids.append(int(entry.name))
    return kids


def _wait_gone(records: Sequence[ProcRecord], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while any(_is_alive(r) for r in records):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _signal(record: ProcRecord, sig: signal.Signals) -> None:
    if _is_alive(record):
        with contextlib.suppress(ProcessLookupError):
            os.kill(record.pid, sig)


def _record_path(settings: Settings, part: PartName) -> Path:
    return settings.run_dir / f"{part}.json"


def _read_record(settings: Settings, part: PartName) -> ProcRecord | None:
    try:
        data = json.loads(_record_path(settings, part).read_text())
        return ProcRecord(pid=int(data["pid"]), starttime=int(data["starttime"]), boot_id=str(data["boot_id"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _live_record(settings: Settings, part: PartName) -> ProcRecord | None:
    record = _read_record(settings, part)
    return record if record is not None and _is_alive(record) else None


def _write_record(settings: Settings, part: PartName, record: ProcRecord) -> None:
    settings.run_dir.mkdir(parents=True, exist_ok=True)
    _record_path(settings, part).write_text(
        json.dumps({"pid": record.pid, "starttime": record.starttime, "boot_id": record.boot_id}) + "\n"
    )


def _drop_record(settings: Settings, part: PartName) -> None:
    _record_path(settings, part).unlink(missing_ok=True)


def _port_busy(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((HOST, port)) == 0


def _check_ports_free(settings: Settings, parts: Sequence[PartName] = PARTS) -> None:
    """Before starting anything: the port of every part that is not running must be free."""
    ports = {
        "postgres": (settings.pg_port, "NETOPS_NETBOX_PG_PORT"),
        "redis": (settings.redis_port, "NETOPS_NETBOX_REDIS_PORT"),
        "netbox": (settings.http_port, "NETOPS_NETBOX_PORT"),
    }
    for part in parts:
        port, env_var = ports[part]
        if _live_record(settings, part) is not None or (part == "postgres" and _adopt_postmaster(settings)):
            continue  # ours: running, or a postmaster on our data directory that lost its record
        if _port_busy(port):
            raise SettingsError(
                f"{part}: port {HOST}:{port} is already in use by a process netops did not start",
                hint=f"stop that process, or choose another port with {env_var}=<port>",
            )


# Popen objects of the servers we spawn, kept so that Python does not warn about (or lose) a running child
# when this process lives on after starting them (tests, the dump script).
_SPAWNED: list[subprocess.Popen[bytes]] = []


@dataclass(frozen=True)
class _OsUser:
    name: str
    uid: int
    gid: int


def _pg_os_user(settings: Settings) -> _OsUser | None:
    """The OS user PostgreSQL runs as: ``postgres`` when we are root (it refuses root), else ourselves."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(settings.pg_os_user)
    except KeyError:
        raise PrerequisiteError(
            f"the OS user '{settings.pg_os_user}' that runs PostgreSQL (we are root, and PostgreSQL refuses root)",
            package="postgresql",
            hint="the package creates the 'postgres' user; or name another one with NETOPS_PG_OS_USER",
        ) from None
    return _OsUser(entry.pw_name, entry.pw_uid, entry.pw_gid)


def _user_kwargs(user: _OsUser | None) -> dict[str, Any]:
    if user is None:
        return {}
    return {"user": user.uid, "group": user.gid, "extra_groups": []}


def _spawn(
    cmd: Sequence[str | Path],
    *,
    log: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    user: _OsUser | None = None,
) -> ProcRecord:
    """Start a long-running server in its own session, output to ``log``; return its record."""
    fd = _open_log(log, " ".join(str(c) for c in cmd))
    try:
        proc = subprocess.Popen(
            [str(c) for c in cmd],
            stdin=subprocess.DEVNULL,
            stdout=fd,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,  # a Ctrl-C in the terminal that ran `up` must not reach the servers
            **_user_kwargs(user),
        )
    finally:
        os.close(fd)
    _SPAWNED.append(proc)
    record = _record_for(proc.pid)
    if record is None:
        raise NetboxServerError(f"{cmd[0]} exited at once", log=log)
    return record


def _run(
    cmd: Sequence[str | Path],
    *,
    log: Path,
    label: str,
    progress: Progress = quiet,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    user: _OsUser | None = None,
    stdin: bytes | None = None,
    heartbeat: float = 15.0,
) -> None:
    """Run a command to completion with its output in ``log``; report progress every ``heartbeat`` seconds."""
    fd = _open_log(log, " ".join(str(c) for c in cmd))
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            [str(c) for c in cmd],
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=fd,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            **_user_kwargs(user),
        )
    finally:
        os.close(fd)
    if stdin is not None and proc.stdin is not None:
        proc.stdin.write(stdin)
        proc.stdin.close()
    while True:
        try:
            rc = proc.wait(timeout=heartbeat)
            break
        except subprocess.TimeoutExpired:
            progress(f"{label}: still running ({time.monotonic() - started:.0f} s)")
    if rc != 0:
        raise NetboxServerError(f"{label} failed (exit status {rc})", log=log)


# --------------------------------------------------------------------------------------------------------------
# Secrets and configuration


@dataclass(frozen=True)
class Secrets:
    """Generated once per state directory (secrets.json, mode 600); never committed, never printed."""

    secret_key: str
    pepper: str
    db_password: str
    redis_password: str
    admin_password: str
    token_key: str
    token_secret: str

    @property
    def token(self) -> str:
        """The full v2 API token, as clients send it: ``Authorization: Bearer <token>``."""
        return f"nbt_{self.token_key}.{self.token_secret}"


_ALNUM: Final = string.ascii_letters + string.digits


def _random(length: int, alphabet: str = _ALNUM) -> str:
    while True:
        value = "".join(secrets.choice(alphabet) for _ in range(length))
        # NetBox's password validators want letters and digits; tokens are fine with this too.
        if alphabet != _ALNUM or (any(c.isdigit() for c in value) and any(c.isalpha() for c in value)):
            return value


def load_secrets(settings: Settings) -> Secrets:
    """Read the state directory's secrets, generating them the first time."""
    path = settings.secrets_file
    if path.exists():
        try:
            return Secrets(**json.loads(path.read_text()))
        except (ValueError, TypeError) as exc:
            raise NetboxServerError(f"{path} is damaged ({exc})", hint=f"remove {settings.home} and run up") from exc
    key_alphabet = _ALNUM + "!@#$%^&*(-_=+)"
    generated = Secrets(
        secret_key=_random(64, key_alphabet),
        pepper=_random(64, key_alphabet),
        db_password=_random(32),
        redis_password=_random(32),
        admin_password=_random(20),
        token_key=_random(12),
        token_secret=_random(40),
    )
    _write_private(path, json.dumps(generated.__dict__, indent=2) + "\n")
    return generated


def render_configuration(settings: Settings, secrets_: Secrets) -> str:
    """NetBox's configuration.py for this state directory.

    The database name comes from NETOPS_NETBOX_DB_NAME when set, so that the same configuration can migrate
    and seed the template database.
    """
    redis = {
        "HOST": HOST,
        "PORT": settings.redis_port,
        "USERNAME": "",
        "PASSWORD": secrets_.redis_password,
        "SSL": False,
    }
    return f'''\
# Generated by netops (netops/netbox/server.py) for the embedded NetBox; rewritten by `netops netbox up`.
# Holds secrets: mode 600, never committed.
import os

ALLOWED_HOSTS = ["{HOST}", "localhost"]
DATABASES = {{
    "default": {{
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("NETOPS_NETBOX_DB_NAME", "{DB_NAME}"),
        "USER": "{DB_USER}",
        "PASSWORD": {secrets_.db_password!r},
        "HOST": "{HOST}",
        "PORT": "{settings.pg_port}",
        "CONN_MAX_AGE": 300,
        # `reset` drops and re-creates the database under a running server: check a kept connection before
        # reusing it, so the first request after a reset reconnects instead of failing.
        "CONN_HEALTH_CHECKS": True,
    }}
}}
REDIS = {{
    "tasks": {{**{redis!r}, "DATABASE": 0}},
    "caching": {{**{redis!r}, "DATABASE": 1}},
}}
SECRET_KEY = {secrets_.secret_key!r}
API_TOKEN_PEPPERS = {{1: {secrets_.pepper!r}}}

# A local, private server: no calls to the outside world, nothing readable without logging in.
ISOLATED_DEPLOYMENT = True
CENSUS_REPORTING_ENABLED = False
RELEASE_CHECK_URL = None
DEBUG = False
# Nothing is readable without logging in: LOGIN_REQUIRED is True by default in NetBox 4.7, and setting it
# explicitly only earns a deprecation warning, so it is deliberately absent here.
TIME_ZONE = "Asia/Ho_Chi_Minh"
MAX_PAGE_SIZE = 1000
'''


def _write_configuration(settings: Settings, secrets_: Secrets) -> None:
    for sub in ("conf", "media", "reports", "scripts"):
        (settings.netbox_root / sub).mkdir(parents=True, exist_ok=True)
    _write_private(settings.config_file, render_configuration(settings, secrets_))


def write_env_file(settings: Settings, secrets_: Secrets) -> Path:
    """``netbox.env`` (mode 600): what a client needs, in a form both ``source`` and dotenv readers accept."""
    _write_private(
        settings.env_file,
        "# Embedded NetBox (netops netbox up). Secrets: mode 600, never commit.\n"
        f"NETBOX_URL={settings.url}\n"
        f"NETBOX_TOKEN={secrets_.token}\n"
        f"NETBOX_ADMIN_USER={ADMIN_USER}\n"
        f"NETBOX_ADMIN_PASSWORD={secrets_.admin_password}\n",
    )
    return settings.env_file


def _read_state(settings: Settings) -> dict[str, str]:
    try:
        data = json.loads(settings.state_file.read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _write_state(settings: Settings, **changes: str) -> None:
    state = _read_state(settings) | changes
    settings.state_file.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n")


# --------------------------------------------------------------------------------------------------------------
# Prerequisites and the venv


_PG_PROGRAMS: Final = ("postgres", "initdb", "pg_restore", "pg_dump", "psql", "pg_isready")


def check_prerequisites(settings: Settings) -> None:
    """Raise :class:`PrerequisiteError` (exit 2) for the first missing Debian program or OS user."""
    for name in _PG_PROGRAMS:
        if not os.access(settings.pg_bin(name), os.X_OK):
            raise PrerequisiteError(
                f"PostgreSQL 15 program {settings.pg_bin(name)}",
                package="postgresql",
                hint="or point NETOPS_PG_BINDIR at another PostgreSQL 15+ bin directory",
            )
    if shutil.which(settings.redis_server) is None:
        raise PrerequisiteError(f"the Redis server program '{settings.redis_server}'", package="redis-server")
    _pg_os_user(settings)


def find_python(settings: Settings) -> str:
    """The Python >= 3.12 that builds NetBox's venv: NETOPS_NETBOX_PYTHON, else scripts/find-python."""
    if settings.python:
        return settings.python
    root = _project_root()
    finder = root / "scripts" / "find-python" if root is not None else None
    if finder is not None and finder.is_file():
        done = subprocess.run([str(finder)], capture_output=True, text=True, check=False)
        if done.returncode == 0 and done.stdout.strip():
            return done.stdout.strip()
        raise PrerequisiteError(
            "a Python >= 3.12 interpreter for NetBox's venv",
            hint=(done.stderr.strip() or "install python3.12") + " (or set NETOPS_NETBOX_PYTHON)",
        )
    return sys.executable  # the project itself requires Python >= 3.12


def installed_netbox_version(settings: Settings) -> str | None:
    """The NetBox version completely installed in the venv, or None when there is no complete install."""
    try:
        version = settings.venv_marker.read_text().strip()
    except OSError:
        return None
    ok = all((settings.venv / "bin" / exe).exists() for exe in ("python", "netbox", "gunicorn"))
    return version if ok else None


def ensure_venv(settings: Settings, progress: Progress = quiet) -> bool:
    """Install NetBox from PyPI into its own venv unless the wanted version is there; True when installed now."""
    with _flock(settings.venv.with_name(settings.venv.name + ".lock")):
        if installed_netbox_version(settings) == settings.netbox_version:
            return _ensure_static_server(settings, progress)
        for program, package in (("gcc", "gcc"), ("pg_config", "libpq-dev")):
            if shutil.which(program) is None:
                raise PrerequisiteError(
                    f"'{program}' (pip compiles psycopg's C extension for NetBox)", package=package
                )
        python = find_python(settings)
        log = settings.log_dir / "pip.log"
        started = time.monotonic()
        if not (settings.venv / "bin" / "python").exists():
            progress(f"venv: creating {settings.venv} with {python}")
            _run([python, "-m", "venv", settings.venv], log=log, label="python -m venv")
        progress(f"venv: pip install netbox=={settings.netbox_version} (about 2 min the first time)")
        _run(
            [
                settings.venv / "bin" / "python", "-m", "pip", "install",
                "--disable-pip-version-check", "--no-input", f"netbox=={settings.netbox_version}",
            ],
            log=log,
            label="pip install netbox",
            progress=progress,
        )
        _ensure_static_server(settings, progress)
        settings.venv_marker.write_text(settings.netbox_version + "\n")
        progress(f"venv: NetBox {settings.netbox_version} installed in {time.monotonic() - started:.0f} s")
        return True


#: Serves NetBox's static files (CSS, JS, icons) from gunicorn itself: NetBox does not, and a reverse proxy is
#: one more server to run for what is a local, single-user NetBox.
WHITENOISE: Final = "whitenoise>=6.6,<7"


def _ensure_static_server(settings: Settings, progress: Progress) -> bool:
    """pip install whitenoise into NetBox's venv unless it is there; True when installed now."""
    if any(settings.venv.glob("lib/python3*/site-packages/whitenoise/__init__.py")):
        return False
    progress(f"venv: pip install {WHITENOISE} (serves the web UI's static files)")
    _run([settings.venv / "bin" / "python", "-m", "pip", "install", "--disable-pip-version-check", "--no-input",
          WHITENOISE], log=settings.log_dir / "pip.log", label="pip install whitenoise", progress=progress)
    return True


def collect_static(settings: Settings, progress: Progress = quiet) -> bool:
    """``netbox collectstatic`` into <NETBOX_ROOT>/static, once per NetBox version; True when collected now."""
    stamp = settings.netbox_root / "static" / f".collected-{settings.netbox_version}"
    if stamp.exists():
        return False
    progress("netbox: collecting the web UI's static files")
    _run([settings.venv / "bin" / "netbox", "collectstatic", "--no-input", "--clear", "--verbosity", "0"],
         log=settings.log_dir / "collectstatic.log", label="netbox collectstatic", progress=progress,
         env=_netbox_env(settings), cwd=settings.netbox_root)
    stamp.write_text(settings.netbox_version + "\n")
    return True


# --------------------------------------------------------------------------------------------------------------
# PostgreSQL


def _check_reachable(path: Path, user: _OsUser) -> None:
    """PostgreSQL runs as ``user``: every directory above its data must let that user through."""
    for parent in path.parents:
        info = parent.stat()
        if info.st_uid == user.uid:
            bit = 0o100
        elif info.st_gid == user.gid:
            bit = 0o010
        else:
            bit = 0o001
        if not info.st_mode & bit:
            raise SettingsError(
                f"PostgreSQL runs as the OS user '{user.name}', which cannot enter {parent}",
                hint="put the state directory somewhere it can reach, e.g. NETOPS_NETBOX_HOME=/var/tmp/netops-netbox",
            )


def _pg_env(settings: Settings, secrets_: Secrets) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update(
        PGHOST=HOST,
        PGPORT=str(settings.pg_port),
        PGUSER=DB_USER,
        PGPASSWORD=secrets_.db_password,
        PGCONNECT_TIMEOUT="5",
    )
    return env


def _ensure_cluster(settings: Settings, secrets_: Secrets, progress: Progress) -> None:
    if (settings.pgdata / "PG_VERSION").exists():
        return
    user = _pg_os_user(settings)
    progress(f"postgres: creating a private cluster in {settings.pgdata}")
    settings.pg_dir.mkdir(parents=True, exist_ok=True)
    settings.pg_dir.chmod(0o700)
    if user is not None:
        os.chown(settings.pg_dir, user.uid, user.gid)
        _check_reachable(settings.pg_dir, user)
    pwfile = settings.pg_dir / "initdb.pw"
    _write_private(pwfile, secrets_.db_password + "\n")
    if user is not None:
        os.chown(pwfile, user.uid, user.gid)
    try:
        _run(
            [
                settings.pg_bin("initdb"), "-D", settings.pgdata, "-U", DB_USER, f"--pwfile={pwfile}",
                "--auth=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions",
            ],
            log=settings.log_dir / "initdb.log",
            label="initdb",
            cwd=settings.pg_dir,
            user=user,
        )
    finally:
        pwfile.unlink(missing_ok=True)


def _pg_ready(settings: Settings) -> bool:
    done = subprocess.run(
        [str(settings.pg_bin("pg_isready")), "-q", "-h", HOST, "-p", str(settings.pg_port), "-t", "2"],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


def _adopt_postmaster(settings: Settings) -> ProcRecord | None:
    """A postmaster still running on OUR data directory whose record was lost: it is ours, take it back."""
    try:
        pid = int((settings.pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError):
        return None
    return _record_for(pid) if str(settings.pgdata).encode() in cmdline else None


def _start_postgres(settings: Settings, secrets_: Secrets, progress: Progress) -> bool:
    """Start PostgreSQL unless it runs; True when started now."""
    if _live_record(settings, "postgres") is None:
        adopted = _adopt_postmaster(settings)
        if adopted is not None:
            progress(f"postgres: found our server still running (pid {adopted.pid}) without a record; adopted it")
            _write_record(settings, "postgres", adopted)
    record = _live_record(settings, "postgres")
    started = record is None
    if record is None:
        if _read_record(settings, "postgres") is not None:
            progress("postgres: previous run left a stale pid record (crash?); starting afresh")
            _drop_record(settings, "postgres")
        _ensure_cluster(settings, secrets_, progress)
        progress(f"postgres: starting on {HOST}:{settings.pg_port}")
        record = _spawn(
            [
                settings.pg_bin("postgres"), "-D", settings.pgdata, "-p", str(settings.pg_port),
                "-c", f"listen_addresses={HOST}",
                "-c", "unix_socket_directories=",  # TCP on 127.0.0.1 only, no socket in /var/run
                # A disposable development server: trade crash safety for speed.
                "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
            ],
            log=settings.log_dir / "postgres.log",
            cwd=settings.pg_dir,
            user=_pg_os_user(settings),
        )
        _write_record(settings, "postgres", record)
    deadline = time.monotonic() + 60
    while not _pg_ready(settings):
        if not _is_alive(record):
            _drop_record(settings, "postgres")
            raise NetboxServerError("postgres exited while starting", log=settings.log_dir / "postgres.log")
        if time.monotonic() > deadline:
            raise NetboxServerError("postgres did not accept connections within 60 s",
                                    log=settings.log_dir / "postgres.log")
        time.sleep(0.2)
    return started


def _psql(settings: Settings, secrets_: Secrets, sql: str, db: str = "postgres") -> str:
    done = subprocess.run(
        [str(settings.pg_bin("psql")), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql],
        env=_pg_env(settings, secrets_),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise NetboxServerError(f"psql failed on {sql!r}: {done.stderr.strip()}")
    return done.stdout.strip()


def _db_exists(settings: Settings, secrets_: Secrets, name: str) -> bool:
    return _psql(settings, secrets_, f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1"


# --------------------------------------------------------------------------------------------------------------
# Redis


def _redis_command(settings: Settings, secrets_: Secrets, command: str) -> bytes | None:
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


def _redis_ok(settings: Settings, secrets_: Secrets) -> bool:
    return _redis_command(settings, secrets_, "PING") == b"+OK\r\n+PONG\r\n"


def _start_redis(settings: Settings, secrets_: Secrets, progress: Progress) -> bool:
    record = _live_record(settings, "redis")
    started = record is None
    if record is None:
        if _read_record(settings, "redis") is not None:
            progress("redis: previous run left a stale pid record (crash?); starting afresh")
            _drop_record(settings, "redis")
        data = settings.home / "redis"
        data.mkdir(parents=True, exist_ok=True)
        conf = settings.run_dir / "redis.conf"
        # A config file rather than arguments: the password must not show in `ps`.
        _write_private(
            conf,
            f"bind {HOST}\nport {settings.redis_port}\nprotected-mode yes\ndaemonize no\n"
            f'save ""\nappendonly no\ndir {data}\nlogfile ""\n'
            f"requirepass {secrets_.redis_password}\n",
        )
        progress(f"redis: starting on {HOST}:{settings.redis_port}")
        record = _spawn([settings.redis_server, conf], log=settings.log_dir / "redis.log", cwd=data)
        _write_record(settings, "redis", record)
    deadline = time.monotonic() + 30
    while not _redis_ok(settings, secrets_):
        if not _is_alive(record):
            _drop_record(settings, "redis")
            raise NetboxServerError("redis exited while starting", log=settings.log_dir / "redis.log")
        if time.monotonic() > deadline:
            raise NetboxServerError("redis did not answer PING within 30 s", log=settings.log_dir / "redis.log")
        time.sleep(0.1)
    return started


# --------------------------------------------------------------------------------------------------------------
# NetBox: database, admin, server


def _netbox_env(settings: Settings, db: str = DB_NAME) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NETBOX_CONFIGURATION", "DJANGO_SETTINGS_MODULE")}
    env.update(
        NETBOX_ROOT=str(settings.netbox_root),
        DJANGO_SETTINGS_MODULE="netbox.settings",
        NETOPS_NETBOX_DB_NAME=db,
        PYTHONUNBUFFERED="1",
    )
    return env


def _migrate(settings: Settings, db: str, progress: Progress, *, checks: bool = True) -> None:
    """``netbox migrate`` on ``db``. Django's system checks cost ~6 s (half of a no-op migrate): skippable
    when the schema comes from our own dump, since gunicorn runs them again when it starts."""
    _run(
        [settings.venv / "bin" / "netbox", "migrate", "--no-input", *([] if checks else ["--skip-checks"])],
        log=settings.log_dir / "migrate.log",
        label=f"netbox migrate ({db})",
        progress=progress,
        env=_netbox_env(settings, db),
        cwd=settings.netbox_root,
    )


# Run with NetBox's venv python: creates (or repairs) the admin user and the known v2 API token.
_ADMIN_SNIPPET: Final = """\
import json, sys
import django
django.setup()
from users.models import Token, User
data = json.load(sys.stdin)
user, _ = User.objects.get_or_create(username=data["username"])
user.is_superuser = True
user.is_active = True
user.set_password(data["password"])
user.save()
Token.objects.filter(key=data["key"]).delete()
Token(user=user, version=2, key=data["key"], token=data["secret"], write_enabled=True,
      description="netops netbox: embedded server token").save()
"""


def _create_admin(settings: Settings, secrets_: Secrets, db: str) -> None:
    payload = {
        "username": ADMIN_USER,
        "password": secrets_.admin_password,
        "key": secrets_.token_key,
        "secret": secrets_.token_secret,
    }
    _run(
        [settings.venv / "bin" / "python", "-c", _ADMIN_SNIPPET],
        log=settings.log_dir / "admin.log",
        label=f"create admin user and token ({db})",
        env=_netbox_env(settings, db),
        cwd=settings.netbox_root,
        stdin=json.dumps(payload).encode(),
    )


def _build_template(settings: Settings, secrets_: Secrets, progress: Progress) -> None:
    """Build ``netbox_template``: the migrated empty schema plus admin and token, the source of every reset.

    Built under another name and renamed at the end, so an interrupted build leaves nothing half-made.
    """
    building = TEMPLATE_DB + "_build"
    _psql(settings, secrets_, f"DROP DATABASE IF EXISTS {building} WITH (FORCE)")
    _psql(settings, secrets_, f"CREATE DATABASE {building}")
    dump = schema_dump_path(settings.netbox_version)
    if dump.exists():
        progress(f"database: restoring the empty NetBox {settings.netbox_version} schema from {dump.name}")
        _run(
            [
                settings.pg_bin("pg_restore"), "--no-owner", "--no-privileges", f"--role={DB_USER}",
                "--exit-on-error", "-d", building, dump,
            ],
            log=settings.log_dir / "restore.log",
            label="pg_restore",
            env=_pg_env(settings, secrets_),
        )
        progress("database: netbox migrate (applies only what the dump lacks)")
        _migrate(settings, building, progress, checks=False)
    else:
        progress(
            f"database: no schema dump for NetBox {settings.netbox_version} ({dump} is missing): "
            "migrating from scratch, which takes 6-14 minutes; scripts/netbox-make-dump makes the dump"
        )
        _migrate(settings, building, progress)
    progress("database: creating the admin user and API token")
    _create_admin(settings, secrets_, building)
    _psql(settings, secrets_, f"DROP DATABASE IF EXISTS {TEMPLATE_DB} WITH (FORCE)")
    _psql(settings, secrets_, f"ALTER DATABASE {building} RENAME TO {TEMPLATE_DB}")
    _write_state(settings, template_version=settings.netbox_version)


def _ensure_database(settings: Settings, secrets_: Secrets, progress: Progress) -> bool:
    """Make sure ``netbox_template`` and ``netbox`` exist and are migrated; True when anything was done."""
    state = _read_state(settings)
    done = False
    if state.get("template_version") != settings.netbox_version or not _db_exists(
        settings, secrets_, TEMPLATE_DB
    ):
        _build_template(settings, secrets_, progress)
        done = True
    if not _db_exists(settings, secrets_, DB_NAME):
        progress(f"database: creating {DB_NAME} from {TEMPLATE_DB}")
        _psql(settings, secrets_, f"CREATE DATABASE {DB_NAME} TEMPLATE {TEMPLATE_DB}")
        _write_state(settings, db_version=settings.netbox_version)
        done = True
    elif state.get("db_version") != settings.netbox_version:
        progress(f"database: {DB_NAME} holds data of another NetBox version: netbox migrate")
        _migrate(settings, DB_NAME, progress)
        _write_state(settings, db_version=settings.netbox_version)
        done = True
    return done


def api_status(settings: Settings, token: str | None, timeout: float = 5.0) -> tuple[int | None, dict[str, Any]]:
    """GET /api/status/ with the token: (HTTP status or None when nothing answers, JSON body or {})."""
    request = urllib.request.Request(f"{settings.url}/api/status/", headers={"Accept": "application/json"})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = json.loads(response.read().decode("utf-8"))
            return int(response.status), body if isinstance(body, dict) else {}
    except urllib.error.HTTPError as exc:
        return exc.code, {}
    except (urllib.error.URLError, OSError, ValueError):
        return None, {}


# gunicorn hooks. A NetBox process holds ~300 MB of Python objects, and tearing that heap down at exit costs
# seconds of CPU per process (which made `down` take 5-8 s). By the time these hooks run, the requests are
# finished and the sockets closed, so exit at once instead.
_GUNICORN_CONF: Final = """\
# Generated by netops (netops/netbox/server.py).
import os


def worker_exit(server, worker):
    if os.getpid() == worker.pid:  # the arbiter calls this hook too, for a worker that vanished
        os._exit(0)


def on_exit(server):
    os._exit(0)
"""


# NetBox's WSGI application with its collected static files served in front of it (see WHITENOISE).
_WSGI: Final = """\
# Generated by netops (netops/netbox/server.py).
import os

from netbox.wsgi import application as netbox_application
from whitenoise import WhiteNoise

application = WhiteNoise(netbox_application, root=os.path.join(os.environ["NETBOX_ROOT"], "static"),
                         prefix="static/", max_age=3600)
"""


def _gunicorn_cmd(settings: Settings) -> list[str]:
    conf = settings.run_dir / "gunicorn.conf.py"
    conf.parent.mkdir(parents=True, exist_ok=True)
    conf.write_text(_GUNICORN_CONF)
    (settings.run_dir / "netops_wsgi.py").write_text(_WSGI)
    return [
        str(settings.venv / "bin" / "gunicorn"),
        "--config", str(conf),
        "--bind", f"{HOST}:{settings.http_port}",
        "--workers", "2", "--threads", "4",
        "--preload",  # import NetBox (and build the GraphQL schema) once, then fork the workers
        "--timeout", "600",  # bulk writes of hundreds of objects take minutes
        "--graceful-timeout", "5",
        "--no-control-socket",
        "--name", f"netops-netbox-{settings.http_port}",
        "--pythonpath", str(settings.run_dir),
        "netops_wsgi:application",
    ]


def _start_netbox(settings: Settings, secrets_: Secrets, progress: Progress) -> bool:
    record = _live_record(settings, "netbox")
    started = record is None
    log = settings.log_dir / "gunicorn.log"
    if record is None:
        if _read_record(settings, "netbox") is not None:
            progress("netbox: previous run left a stale pid record (crash?); starting afresh")
            _drop_record(settings, "netbox")
        progress(f"netbox: starting gunicorn on {settings.url} (2 workers x 4 threads)")
        record = _spawn(_gunicorn_cmd(settings), log=log, env=_netbox_env(settings), cwd=settings.netbox_root)
        _write_record(settings, "netbox", record)
    _wait_healthy(settings, secrets_, record, progress, log)
    return started


def _wait_healthy(
    settings: Settings, secrets_: Secrets, record: ProcRecord, progress: Progress, log: Path
) -> None:
    """Wait until the API answers 200 with our token; repair the token once if NetBox refuses it."""
    begun = time.monotonic()
    last_report = begun
    repaired = False
    while True:
        code, body = api_status(settings, secrets_.token)
        if code == 200:
            version = body.get("netbox-version", "?")
            progress(f"netbox: ready, NetBox {version} answered in {time.monotonic() - begun:.0f} s")
            return
        if code == 403 and not repaired:
            # The server runs but refuses our token: someone deleted it (or the admin). Put them back.
            progress("netbox: the API refused our token; re-creating the admin user and token")
            _create_admin(settings, secrets_, DB_NAME)
            repaired = True
            continue
        if not _is_alive(record):
            _drop_record(settings, "netbox")
            raise NetboxServerError("netbox (gunicorn) exited while starting", log=log)
        elapsed = time.monotonic() - begun
        if elapsed > settings.start_timeout:
            raise NetboxServerError(
                f"netbox did not answer {settings.url}/api/status/ within {settings.start_timeout:.0f} s "
                f"(last answer: {code})",
                log=log,
                hint="raise NETOPS_NETBOX_START_TIMEOUT on a slow machine",
            )
        if time.monotonic() - last_report >= 5:
            waiting = "nothing listening yet" if code is None else f"HTTP {code}"
            progress(f"netbox: waiting for {settings.url}/api/status/ ({elapsed:.0f} s, {waiting})")
            last_report = time.monotonic()
        time.sleep(0.5)


# --------------------------------------------------------------------------------------------------------------
# Public operations: up, down, status, reset


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
    live = [part for part in PARTS if _live_record(settings, part) is not None]
    code, body = api_status(settings, secrets_.token) if "netbox" in live else (None, {})
    running_version = str(body.get("netbox-version", ""))
    if code == 200 and running_version.startswith(settings.netbox_version):
        if len(live) == len(PARTS):
            write_env_file(settings, secrets_)
            return UpResult(settings.url, settings.env_file, (), time.monotonic() - begun)
    elif code == 200:
        # NETBOX_VERSION changed under a running server: stop it, the phases below upgrade and restart it.
        progress(f"netbox: running NetBox {running_version}, wanted {settings.netbox_version}: restarting it")
        _stop_part(settings, "netbox", progress)

    phases: list[tuple[str, float]] = []

    def phase(name: str, action: Callable[[], bool]) -> None:
        t0 = time.monotonic()
        if action():  # each phase returns False when there was nothing to do
            phases.append((name, time.monotonic() - t0))

    # Before anything is started: a missing package or a taken port is exit 2, not a half-up server.
    check_prerequisites(settings)
    _check_ports_free(settings)
    phase("venv", lambda: ensure_venv(settings, progress))  # needs gcc + libpq-dev the first time only
    _write_configuration(settings, secrets_)  # NetBox reads it in migrate, the admin snippet and gunicorn
    phase("postgres", lambda: _start_postgres(settings, secrets_, progress))
    phase("redis", lambda: _start_redis(settings, secrets_, progress))  # NetBox's cache, used from migrate on
    phase("database", lambda: _ensure_database(settings, secrets_, progress))  # restore/migrate need postgres
    phase("static", lambda: collect_static(settings, progress))
    phase("netbox", lambda: _start_netbox(settings, secrets_, progress))  # last: it needs all of the above
    write_env_file(settings, secrets_)
    return UpResult(settings.url, settings.env_file, tuple(phases), time.monotonic() - begun)


def up(settings: Settings, progress: Progress = quiet) -> UpResult:
    """Bring the embedded NetBox up (idempotent: a fast no-op when everything is already healthy)."""
    with _flock(settings.home / ".lock"):
        return _up_locked(settings, progress)


def _stop_part(settings: Settings, part: PartName, progress: Progress) -> bool:
    """Stop one part by its recorded pid (and the children it forked); True when something was stopped."""
    record = _live_record(settings, part)
    if record is None:
        if _read_record(settings, part) is not None:
            progress(f"{part}: not running (dropped a stale pid record)")
        _drop_record(settings, part)
        return False
    # gunicorn's workers are its children; note them now, since they are re-parented once the master is gone.
    children = [r for r in (_record_for(pid) for pid in _children(record.pid)) if r is not None]
    # PostgreSQL: SIGINT is its "fast" shutdown (roll back open transactions, checkpoint, exit).
    # gunicorn and redis: SIGTERM is their graceful one (gunicorn lets running requests finish).
    sig = signal.SIGINT if part == "postgres" else signal.SIGTERM
    progress(f"{part}: stopping pid {record.pid}")
    started = time.monotonic()
    _signal(record, sig)
    if not _wait_gone([record], 60):
        progress(f"{part}: pid {record.pid} still there after 60 s; killing it")
        _signal(record, signal.SIGKILL)
        _wait_gone([record], 10)
    if not _wait_gone(children, 10):
        for child in children:
            _signal(child, signal.SIGKILL)
        _wait_gone(children, 10)
    leftover = [r.pid for r in (record, *children) if _is_alive(r)]
    if leftover:
        raise NetboxServerError(f"{part}: processes {leftover} did not exit")
    _drop_record(settings, part)
    progress(f"{part}: stopped in {time.monotonic() - started:.1f} s")
    return True


def down(settings: Settings, progress: Progress = quiet) -> list[PartName]:
    """Stop what ``up`` started (NetBox first, PostgreSQL last), by recorded pid; return the parts stopped."""
    with _flock(settings.home / ".lock"):
        return [part for part in reversed(PARTS) if _stop_part(settings, part, progress)]


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
        record = _live_record(settings, part)
        stale = record is None and _read_record(settings, part) is not None
        children: tuple[int, ...] = ()
        healthy = False
        if part == "postgres":
            address = f"{HOST}:{settings.pg_port}"
            healthy = record is not None and _pg_ready(settings)
            detail = "accepting connections" if healthy else "not accepting connections"
        elif part == "redis":
            address = f"{HOST}:{settings.redis_port}"
            healthy = record is not None and secrets_ is not None and _redis_ok(settings, secrets_)
            detail = "answers PING" if healthy else "no answer to PING"
        else:
            address = settings.url
            detail = "no answer"
            if record is not None:
                children = tuple(sorted(_children(record.pid)))
                code, body = api_status(settings, secrets_.token if secrets_ else None)
                healthy = code == 200
                if code == 200:
                    detail = f"API 200, NetBox {body.get('netbox-version', '?')}, {len(children)} workers"
                elif code is not None:
                    detail = f"API answered HTTP {code}"
        if record is None:
            detail = "stale pid record from a crashed run (dropped by the next up or down)" if stale else ""
        parts.append(
            PartStatus(part, record.pid if record else None, record is not None, healthy, address, detail, children)
        )
    return ServerStatus(settings.url, settings.env_file, tuple(parts))


def reset(settings: Settings, progress: Progress = quiet) -> float:
    """Empty NetBox back to the freshly restored schema with admin and token; bring it up first if needed.

    Drops the ``netbox`` database (ending the server's connections: they reconnect on their next request),
    re-creates it from ``netbox_template`` and flushes Redis (NetBox's cache and queues). Returns seconds.
    """
    with _flock(settings.home / ".lock"):
        _up_locked(settings, progress)
        begun = time.monotonic()
        secrets_ = load_secrets(settings)
        progress(f"reset: re-creating {DB_NAME} from {TEMPLATE_DB}")
        _psql(settings, secrets_, f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        _psql(settings, secrets_, f"CREATE DATABASE {DB_NAME} TEMPLATE {TEMPLATE_DB}")
        if _redis_command(settings, secrets_, "FLUSHALL") != b"+OK\r\n+OK\r\n":
            raise NetboxServerError("reset: redis FLUSHALL failed", log=settings.log_dir / "redis.log")
        record = _live_record(settings, "netbox")
        if record is None:
            raise NetboxServerError("reset: netbox is not running", log=settings.log_dir / "gunicorn.log")
        _wait_healthy(settings, secrets_, record, progress, settings.log_dir / "gunicorn.log")
        return time.monotonic() - begun


# --------------------------------------------------------------------------------------------------------------
# The schema dump (scripts/netbox-make-dump)


def make_dump(settings: Settings, out: Path, progress: Progress = quiet) -> Path:
    """Migrate an empty database from scratch (6-14 min) and ``pg_dump -Fc`` it to ``out``.

    Runs its own PostgreSQL and Redis from ``settings`` (give it a state directory and ports apart from the
    everyday server) and stops them again at the end.
    """
    with _flock(settings.home / ".lock"):
        check_prerequisites(settings)
        _check_ports_free(settings, ("postgres", "redis"))
        ensure_venv(settings, progress)
        secrets_ = load_secrets(settings)
        _write_configuration(settings, secrets_)
        try:
            _start_postgres(settings, secrets_, progress)
            _start_redis(settings, secrets_, progress)
            scratch = "netbox_dump"
            _psql(settings, secrets_, f"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)")
            _psql(settings, secrets_, f"CREATE DATABASE {scratch}")
            progress(f"dump: migrating an empty NetBox {settings.netbox_version} database (6-14 min)")
            started = time.monotonic()
            _migrate(settings, scratch, progress)
            progress(f"dump: migrated in {time.monotonic() - started:.0f} s; writing {out}")
            out.parent.mkdir(parents=True, exist_ok=True)
            tmp = out.with_name(out.name + ".tmp")
            _run(
                [settings.pg_bin("pg_dump"), "-Fc", "--no-owner", "--no-privileges", "-d", scratch, "-f", tmp],
                log=settings.log_dir / "dump.log",
                label="pg_dump",
                env=_pg_env(settings, secrets_),
            )
            tmp.replace(out)
            _psql(settings, secrets_, f"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)")
        finally:
            for part in ("redis", "postgres"):
                _stop_part(settings, part, progress)
    return out


def _main(argv: Sequence[str]) -> int:
    """``python -m netops.netbox.server make-dump [OUT]``: the entry point of scripts/netbox-make-dump."""
    if not argv or argv[0] != "make-dump" or len(argv) > 2:
        print("usage: python -m netops.netbox.server make-dump [OUT.pgdump]", file=sys.stderr)
        return 2
    base = Settings.from_env()
    env = os.environ
    # Apart from the everyday server: own state directory and ports, same venv (no second 550 MB install).
    settings = Settings.from_env(
        {
            **env,
            "NETOPS_NETBOX_HOME": env.get("NETOPS_NETBOX_DUMP_HOME", str(base.home.with_name("netbox-dump"))),
            "NETOPS_NETBOX_VENV": str(base.venv),
            "NETOPS_NETBOX_PG_PORT": str(base.pg_port + 1),
            "NETOPS_NETBOX_REDIS_PORT": str(base.redis_port + 1),
        }
    )
    out = Path(argv[1]) if len(argv) == 2 else schema_dump_path(settings.netbox_version)
    started = time.monotonic()
    try:
        make_dump(settings, out, lambda message: print(message, flush=True))
    except NetboxServerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(f"dump: {out} ({out.stat().st_size / 1e6:.1f} MB) in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
