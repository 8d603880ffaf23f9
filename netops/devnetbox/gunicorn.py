"""gunicorn serving NetBox (and its static files) on 127.0.0.1: its config, its start, the API health check."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from netops.devnetbox.application import create_admin, netbox_env
from netops.devnetbox.credentials import Secrets
from netops.devnetbox.errors import NetboxServerError
from netops.devnetbox.processes import (
    ProcRecord,
    drop_record,
    drop_stale_record,
    is_alive,
    live_record,
    spawn,
    write_record,
)
from netops.devnetbox.settings import DB_NAME, HOST, Settings
from netops.devnetbox.templates import render
from netops.progress import ProgressSink as Progress


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


def render_gunicorn_conf() -> str:
    """The text of ``run/gunicorn.conf.py``: hooks that end each process at once.

    A NetBox process holds ~300 MB of Python objects, and tearing that heap down at exit costs seconds of CPU
    per process (which made `down` take 5-8 s). By the time these hooks run, the requests are finished and the
    sockets closed, so exit at once instead.
    """
    return render("gunicorn.conf.py.j2")


def render_wsgi() -> str:
    """The text of ``run/netops_wsgi.py``: NetBox's WSGI application with its collected static files served in
    front of it (see netops.devnetbox.install.WHITENOISE)."""
    return render("netops_wsgi.py.j2")


def write_gunicorn_files(settings: Settings) -> Path:
    """``run/gunicorn.conf.py`` and ``run/netops_wsgi.py`` (no secrets in them); the path of the config."""
    conf = settings.run_dir / "gunicorn.conf.py"
    conf.parent.mkdir(parents=True, exist_ok=True)
    conf.write_text(render_gunicorn_conf())
    (settings.run_dir / "netops_wsgi.py").write_text(render_wsgi())
    return conf


def _gunicorn_cmd(settings: Settings) -> list[str]:
    conf = write_gunicorn_files(settings)
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


def start_netbox(settings: Settings, secrets_: Secrets, progress: Progress) -> bool:
    """Start gunicorn unless it runs, then wait until the API answers; True when started now."""
    record = live_record(settings, "netbox")
    started = record is None
    log = settings.log_dir / "gunicorn.log"
    if record is None:
        drop_stale_record(settings, "netbox", progress)
        progress(f"netbox: starting gunicorn on {settings.url} (2 workers x 4 threads)")
        record = spawn(_gunicorn_cmd(settings), log=log, env=netbox_env(settings), cwd=settings.netbox_root)
        write_record(settings, "netbox", record)
    wait_healthy(settings, secrets_, record, progress, log)
    return started


def wait_healthy(
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
            create_admin(settings, secrets_, DB_NAME)
            repaired = True
            continue
        if not is_alive(record):
            drop_record(settings, "netbox")
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
