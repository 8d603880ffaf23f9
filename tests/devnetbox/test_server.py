"""Integration tests of the embedded NetBox: real PostgreSQL, Redis and NetBox processes, no mocks.

They drive the real CLI (``python -m netops.netbox.cli``) on a state directory and ports of their own
(var/netbox-test, 18801/54339/63809), sharing only NetBox's venv with the everyday server, so a developer's
running `netops netbox up` is left alone. The first run restores the schema dump (about 30 s in all); a
machine without NetBox's venv installs it first (about 2 min more).

The tests run in file order against one server: up, idempotent up, API, status, reset, down.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from netops.devnetbox.settings import NETBOX_VERSION, Settings

pytestmark = pytest.mark.netbox

REPO = Path(__file__).resolve().parents[2]

TEST_ENV = {
    "NETOPS_NETBOX_HOME": str(REPO / "var" / "netbox-test"),
    "NETOPS_NETBOX_VENV": str(REPO / "var" / "netbox" / "venv"),
    "NETOPS_NETBOX_PORT": "18801",
    "NETOPS_NETBOX_PG_PORT": "54339",
    "NETOPS_NETBOX_REDIS_PORT": "63809",
}


def netops_netbox(
    *args: str, env: dict[str, str] | None = None, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    """Run ``netops netbox <args>`` as a user would, in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "netops.netbox.cli", *args],
        cwd=REPO,
        env={**os.environ, **TEST_ENV, "COLUMNS": "200", **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def api(
    settings: Settings, path: str, token: str | None, data: dict[str, Any] | None = None
) -> tuple[int, Any]:
    """One REST call with urllib: (HTTP status, decoded JSON body or None)."""
    request = urllib.request.Request(
        settings.url + path,
        data=None if data is None else json.dumps(data).encode(),
        method="GET" if data is None else "POST",
        headers={"Accept": "application/json", "Content-Type": "application/json"},
    )
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, None


def env_file_values(path: Path) -> dict[str, str]:
    return dict(
        line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#")
    )


def status_json() -> tuple[int, dict[str, Any]]:
    done = netops_netbox("status", "--json", timeout=60)
    return done.returncode, json.loads(done.stdout)


@pytest.fixture(scope="module")
def settings() -> Settings:
    return Settings.from_env({**os.environ, **TEST_ENV})


@pytest.fixture(scope="module")
def running(settings: Settings) -> Iterator[Settings]:
    """The test server, brought up once for the module; brought down at the end whatever happened."""
    done = netops_netbox("up")
    assert done.returncode == 0, done.stdout + done.stderr
    yield settings
    netops_netbox("down", timeout=180)


@pytest.fixture(scope="module")
def token(running: Settings) -> str:
    return env_file_values(running.env_file)["NETBOX_TOKEN"]


def test_up_is_idempotent(running: Settings) -> None:
    _, before = status_json()
    done = netops_netbox("up")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "already up" in done.stdout
    _, after = status_json()
    assert [p["pid"] for p in after["parts"]] == [p["pid"] for p in before["parts"]]


def test_the_web_ui_is_served_with_its_styles(running: Settings) -> None:
    with urllib.request.urlopen(running.url + "/login/", timeout=60) as response:
        page = response.read().decode()
    stylesheets = re.findall(r'href="(/static/[^"]+\.css[^"]*)"', page)
    assert stylesheets, page[:500]
    for path in stylesheets:
        with urllib.request.urlopen(running.url + path, timeout=60) as response:
            assert response.status == 200 and response.headers.get_content_type() == "text/css"
            assert len(response.read()) > 1000


def test_env_file_is_private_and_points_at_the_server(running: Settings) -> None:
    values = env_file_values(running.env_file)

    assert values["NETBOX_URL"] == "http://127.0.0.1:18801"
    assert values["NETBOX_TOKEN"].startswith("nbt_")
    assert running.env_file.stat().st_mode & 0o777 == 0o600
    assert running.config_file.stat().st_mode & 0o777 == 0o600


def test_api_answers_with_the_token_only(running: Settings, token: str) -> None:
    code, body = api(running, "/api/status/", token)
    assert code == 200
    assert body["netbox-version"].startswith(NETBOX_VERSION)

    assert api(running, "/api/status/", None)[0] == 403  # LOGIN_REQUIRED
    assert api(running, "/api/status/", "nbt_AAAAAAAAAAAA." + "A" * 40)[0] == 403


def test_status_reports_every_part_healthy(running: Settings) -> None:
    rc, state = status_json()

    assert rc == 0
    assert state["healthy"] is True
    assert [p["name"] for p in state["parts"]] == ["postgres", "redis", "netbox"]
    for part in state["parts"]:
        assert part["healthy"] is True, part
        assert isinstance(part["pid"], int) and Path(f"/proc/{part['pid']}").exists()
    netbox = state["parts"][2]
    assert len(netbox["children"]) == 2, "gunicorn runs 2 workers"
    assert "127.0.0.1:18801" in netbox["address"]


def test_reset_empties_the_data(running: Settings, token: str) -> None:
    code, site = api(running, "/api/dcim/sites/", token, {"name": "UBND Phường Hàng Bạc", "slug": "hang-bac"})
    assert code == 201, site
    assert api(running, "/api/dcim/sites/?slug=hang-bac", token)[1]["count"] == 1

    done = netops_netbox("reset", "--yes")

    assert done.returncode == 0, done.stdout + done.stderr
    code, sites = api(running, "/api/dcim/sites/", token)
    assert code == 200, "the same token works after a reset"
    assert sites["count"] == 0


def test_down_stops_every_process_it_started(running: Settings) -> None:
    _, state = status_json()
    pids = [p["pid"] for p in state["parts"]] + [c for p in state["parts"] for c in p["children"]]
    # PostgreSQL's own helper processes (checkpointer, walwriter, backends) are the postmaster's children.
    postmaster = state["parts"][0]["pid"]
    pids += [int(e.name) for e in Path("/proc").iterdir() if e.name.isdigit() and _ppid(int(e.name)) == postmaster]
    assert len(pids) >= 6

    done = netops_netbox("down", timeout=180)

    assert done.returncode == 0, done.stdout + done.stderr
    alive = [pid for pid in pids if _running(pid)]
    assert alive == [], f"still running after down: {alive}"
    rc, after = status_json()
    assert rc == 1  # status: a part not healthy is a finding (1)
    assert not any(p["running"] for p in after["parts"])
    again = netops_netbox("down", timeout=60)
    assert again.returncode == 0 and "Nothing was running" in again.stdout


def test_a_stale_pid_record_is_never_signalled(settings: Settings) -> None:
    """A crash leaves a record whose pid now belongs to someone else: status says stale, down leaves it alone."""
    stranger = subprocess.Popen(["sleep", "60"])
    try:
        record = settings.run_dir / "redis.json"
        settings.run_dir.mkdir(parents=True, exist_ok=True)
        record.write_text(json.dumps({"pid": stranger.pid, "starttime": 1, "boot_id": "old-boot"}))

        rc, state = status_json()
        assert rc == 1
        assert "stale" in state["parts"][1]["detail"]
        done = netops_netbox("down", timeout=60)

        assert done.returncode == 0, done.stdout + done.stderr
        assert stranger.poll() is None, "down signalled a process it did not start"
        assert not record.exists(), "down drops the stale record"
    finally:
        stranger.kill()
        stranger.wait()


def test_missing_postgres_is_exit_2_naming_the_package() -> None:
    done = netops_netbox("up", env={"NETOPS_PG_BINDIR": "/nonexistent/postgresql/bin"}, timeout=60)

    assert done.returncode == 2
    assert "postgresql" in done.stderr
    assert "install-system-packages" in done.stderr


def test_a_bad_port_is_exit_2() -> None:
    done = netops_netbox("status", env={"NETOPS_NETBOX_PORT": "http"}, timeout=60)

    assert done.returncode == 2
    assert "NETOPS_NETBOX_PORT" in done.stderr


def _ppid(pid: int) -> int | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(text[text.rindex(")") + 2 :].split()[1])


def _running(pid: int) -> bool:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return text[text.rindex(")") + 2 :].split()[0] not in ("Z", "X")
