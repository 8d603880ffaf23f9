"""What the server needs before it can start: the Debian programs, and NetBox from PyPI in a venv of its own."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from typing import Final

from netops.devnetbox.application import netbox_env
from netops.devnetbox.errors import PrerequisiteError
from netops.devnetbox.postgres import pg_os_user
from netops.devnetbox.processes import run
from netops.devnetbox.settings import Settings, project_root
from netops.devnetbox.statefiles import flock
from netops.progress import ProgressSink as Progress
from netops.progress import quiet

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
    pg_os_user(settings)


def find_python(settings: Settings) -> str:
    """The Python >= 3.12 that builds NetBox's venv: NETOPS_NETBOX_PYTHON, else scripts/find-python."""
    if settings.python:
        return settings.python
    root = project_root()
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
    with flock(settings.venv.with_name(settings.venv.name + ".lock")):
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
            run([python, "-m", "venv", settings.venv], log=log, label="python -m venv")
        progress(f"venv: pip install netbox=={settings.netbox_version} (about 2 min the first time)")
        run(
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
    run([settings.venv / "bin" / "python", "-m", "pip", "install", "--disable-pip-version-check", "--no-input",
         WHITENOISE], log=settings.log_dir / "pip.log", label="pip install whitenoise", progress=progress)
    return True


def collect_static(settings: Settings, progress: Progress = quiet) -> bool:
    """``netbox collectstatic`` into <NETBOX_ROOT>/static, once per NetBox version; True when collected now."""
    stamp = settings.netbox_root / "static" / f".collected-{settings.netbox_version}"
    if stamp.exists():
        return False
    progress("netbox: collecting the web UI's static files")
    run([settings.venv / "bin" / "netbox", "collectstatic", "--no-input", "--clear", "--verbosity", "0"],
        log=settings.log_dir / "collectstatic.log", label="netbox collectstatic", progress=progress,
        env=netbox_env(settings), cwd=settings.netbox_root)
    stamp.write_text(settings.netbox_version + "\n")
    return True
