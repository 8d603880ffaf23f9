"""PostgreSQL: a private cluster in ``<home>/pg/data``, started on 127.0.0.1 only, and ``psql`` against it.

It runs as the ``postgres`` OS user when we are root (PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import os
import pwd
import subprocess
from pathlib import Path

from netops.devnetbox.credentials import Secrets
from netops.devnetbox.errors import NetboxServerError, PrerequisiteError, SettingsError
from netops.devnetbox.processes import (
    OsUser,
    ProcRecord,
    drop_stale_record,
    live_record,
    record_for,
    run,
    spawn,
    wait_until_ready,
    write_record,
)
from netops.devnetbox.settings import DB_USER, HOST, Settings
from netops.devnetbox.statefiles import write_private
from netops.progress import ProgressSink as Progress


def pg_os_user(settings: Settings) -> OsUser | None:
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
    return OsUser(entry.pw_name, entry.pw_uid, entry.pw_gid)


def _check_reachable(path: Path, user: OsUser) -> None:
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


def pg_env(settings: Settings, secrets_: Secrets) -> dict[str, str]:
    """The environment for PostgreSQL's client programs: our server, as the NetBox database user."""
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
    user = pg_os_user(settings)
    progress(f"postgres: creating a private cluster in {settings.pgdata}")
    settings.pg_dir.mkdir(parents=True, exist_ok=True)
    settings.pg_dir.chmod(0o700)
    if user is not None:
        os.chown(settings.pg_dir, user.uid, user.gid)
        _check_reachable(settings.pg_dir, user)
    pwfile = settings.pg_dir / "initdb.pw"
    write_private(pwfile, secrets_.db_password + "\n")
    if user is not None:
        os.chown(pwfile, user.uid, user.gid)
    try:
        run(
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


def pg_ready(settings: Settings) -> bool:
    """True when the server accepts connections (``pg_isready``)."""
    done = subprocess.run(
        [str(settings.pg_bin("pg_isready")), "-q", "-h", HOST, "-p", str(settings.pg_port), "-t", "2"],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


def adopt_postmaster(settings: Settings) -> ProcRecord | None:
    """A postmaster still running on OUR data directory whose record was lost: it is ours, take it back."""
    try:
        pid = int((settings.pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError):
        return None
    return record_for(pid) if str(settings.pgdata).encode() in cmdline else None


def start_postgres(settings: Settings, secrets_: Secrets, progress: Progress) -> bool:
    """Start PostgreSQL unless it runs; True when started now."""
    if live_record(settings, "postgres") is None:
        adopted = adopt_postmaster(settings)
        if adopted is not None:
            progress(f"postgres: found our server still running (pid {adopted.pid}) without a record; adopted it")
            write_record(settings, "postgres", adopted)
    record = live_record(settings, "postgres")
    started = record is None
    if record is None:
        drop_stale_record(settings, "postgres", progress)
        _ensure_cluster(settings, secrets_, progress)
        progress(f"postgres: starting on {HOST}:{settings.pg_port}")
        record = spawn(
            [
                settings.pg_bin("postgres"), "-D", settings.pgdata, "-p", str(settings.pg_port),
                "-c", f"listen_addresses={HOST}",
                "-c", "unix_socket_directories=",  # TCP on 127.0.0.1 only, no socket in /var/run
                # A disposable development server: trade crash safety for speed.
                "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
            ],
            log=settings.log_dir / "postgres.log",
            cwd=settings.pg_dir,
            user=pg_os_user(settings),
        )
        write_record(settings, "postgres", record)
    wait_until_ready(settings, "postgres", record, lambda: pg_ready(settings), timeout=60,
                     log=settings.log_dir / "postgres.log", waiting_for="accept connections", pause=0.2)
    return started


def psql(settings: Settings, secrets_: Secrets, sql: str, db: str = "postgres") -> str:
    """Run one SQL statement with ``psql``; its output, unaligned and without headers."""
    done = subprocess.run(
        [str(settings.pg_bin("psql")), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql],
        env=pg_env(settings, secrets_),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise NetboxServerError(f"psql failed on {sql!r}: {done.stderr.strip()}")
    return done.stdout.strip()


def db_exists(settings: Settings, secrets_: Secrets, name: str) -> bool:
    return psql(settings, secrets_, f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1"
