"""The NetBox client under faults, against a real HTTP server on 127.0.0.1 that misbehaves on purpose.

Each test scripts the server's answers (503 then 200, 429 with Retry-After, silence, a dropped connection) and
checks what the client sent, how long it was asked to pause (the pause is recorded, not slept) and the error a
person sees. No NetBox is needed.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from netops.errors import EXIT_BAD_INPUT, EXIT_UNREACHABLE
from netops.netbox.client import Credentials, CredentialsError, NetBoxClient, NetBoxError, Timeouts, retry_pause

REPO = Path(__file__).resolve().parents[2]
TOKEN = "nbt_faultkey.faultsecret0123456789"


@dataclass
class Script:
    """What the server answers, one entry per request: (status, headers, body), or "drop" to close the
    connection without an answer. The last entry repeats."""

    answers: list[tuple[int, dict[str, str], object] | str]
    seen: list[tuple[str, str]] = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        script = self.server.script
        script.seen.append((self.command, self.path))
        answer = script.answers[min(len(script.seen) - 1, len(script.answers) - 1)]
        if answer == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        assert not isinstance(answer, str)
        status, headers, body = answer
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    # http.server calls do_<METHOD>; every method gets the script's next answer.
    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def do_PATCH(self) -> None:
        self._answer()

    def do_DELETE(self) -> None:
        self._answer()

    def do_OPTIONS(self) -> None:
        self._answer()

    def log_message(self, format: str, *args: object) -> None:
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    script: Script


@pytest.fixture
def server() -> Iterator[_Server]:
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.script = Script([(200, {}, {})])
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


def client_for(httpd: _Server, pauses: list[float], **timeouts: float) -> NetBoxClient:
    host, port = httpd.server_address[:2]
    return NetBoxClient(Credentials(f"http://{host!s}:{port}", TOKEN), timeouts=Timeouts(**timeouts),
                        sleep=pauses.append)


OK = (200, {}, {"netbox-version": "4.7.3"})


def test_a_read_answered_503_is_sent_again_after_a_growing_pause(server: _Server) -> None:
    server.script = Script([(503, {}, {"detail": "restarting"}), (502, {}, {}), OK])
    pauses: list[float] = []

    assert client_for(server, pauses).status() == {"netbox-version": "4.7.3"}

    assert [method for method, _ in server.script.seen] == ["GET", "GET", "GET"]
    assert pauses == [0.5, 1.0]


def test_429_is_retried_after_the_pause_retry_after_asks_for(server: _Server) -> None:
    server.script = Script([(429, {"Retry-After": "7"}, {"detail": "slow down"}), OK])
    pauses: list[float] = []

    client_for(server, pauses).status()

    assert pauses == [7.0] and len(server.script.seen) == 2


def test_retry_after_is_capped_and_read_as_a_date_too() -> None:
    import requests

    def answer(value: str) -> requests.Response:
        response = requests.Response()
        response.headers["Retry-After"] = value
        return response

    assert retry_pause(answer("3600"), 1) == 60.0
    assert retry_pause(answer("Wed, 21 Oct 2015 07:28:00 GMT"), 1) == 0.0  # a date in the past: at once
    assert retry_pause(answer("soon"), 3) == 2.0  # not understood: the backoff
    assert retry_pause(None, 1) == 0.5


def test_a_read_that_stays_busy_gives_up_after_the_tries_with_a_clear_error(server: _Server) -> None:
    server.script = Script([(503, {"Retry-After": "1"}, {"detail": "maintenance"})])
    pauses: list[float] = []

    with pytest.raises(NetBoxError) as raised:
        client_for(server, pauses, tries=3).status()

    assert len(server.script.seen) == 3 and pauses == [1.0, 1.0]
    text = str(raised.value)
    assert "NetBox refused a read (HTTP 503)" in text and "busy or restarting" in text
    assert "sent the request 3 times" in text and "NETOPS_NETBOX_RETRIES" in text
    assert raised.value.exit_code == EXIT_UNREACHABLE and TOKEN not in text


def test_a_create_is_never_sent_twice(server: _Server) -> None:
    server.script = Script([(200, {}, {"actions": {}}), (503, {}, {"detail": "busy"}), (201, {}, [{"id": 1}])])
    pauses: list[float] = []

    with pytest.raises(NetBoxError) as raised:
        client_for(server, pauses).create("dcim/sites", [{"name": "a", "slug": "a"}], "test")

    assert [m for m, _ in server.script.seen] == ["OPTIONS", "POST"] and pauses == []
    assert raised.value.exit_code == EXIT_UNREACHABLE and "HTTP 503" in str(raised.value)


def test_an_update_is_sent_again_a_delete_only_when_netbox_surely_did_not_act(server: _Server) -> None:
    pauses: list[float] = []
    client = client_for(server, pauses)
    server.script = Script([(200, {}, {"actions": {"PUT": {"name": {}}}}), (502, {}, {}), (200, {}, [{"id": 1}])])
    client.update("dcim/sites", [{"id": 1, "name": "b"}], "test")
    assert [m for m, _ in server.script.seen] == ["OPTIONS", "PATCH", "PATCH"]

    server.script = Script([(503, {}, {}), (204, {}, {})])
    client.delete("dcim/sites", [1], "test")
    assert [m for m, _ in server.script.seen] == ["DELETE", "DELETE"]

    server.script = Script([(504, {}, {}), (204, {}, {})])
    with pytest.raises(NetBoxError, match="HTTP 504"):
        client.delete("dcim/sites", [1], "test")
    assert [m for m, _ in server.script.seen] == ["DELETE"]


def test_a_dropped_connection_is_retried_for_a_read_not_for_a_create(server: _Server) -> None:
    pauses: list[float] = []
    server.script = Script(["drop", OK])
    assert client_for(server, pauses).status()["netbox-version"] == "4.7.3"
    assert len(server.script.seen) == 2 and pauses == [0.5]

    server.script = Script([(200, {}, {"actions": {}}), "drop", (201, {}, [{"id": 1}])])
    with pytest.raises(NetBoxError, match="NetBox is not reachable"):
        client_for(server, pauses).create("dcim/sites", [{"name": "a"}], "test")
    assert [m for m, _ in server.script.seen] == ["OPTIONS", "POST"]


def test_a_server_that_is_not_netbox_is_named_as_such(server: _Server) -> None:
    pauses: list[float] = []
    server.script = Script([(200, {"Content-Type": "text/html"}, "<html><body>It works!</body></html>")])
    with pytest.raises(NetBoxError) as raised:
        client_for(server, pauses).status()
    assert "does not answer like NetBox's API" in str(raised.value) and "It works!" in str(raised.value)
    assert "is NETBOX_URL the address of NetBox" in str(raised.value) and raised.value.exit_code == EXIT_UNREACHABLE

    server.script = Script([(200, {}, {"hello": "world"})])
    with pytest.raises(NetBoxError, match="does not answer like NetBox's API"):
        list(client_for(server, pauses).rest_list("dcim/sites"))
    with pytest.raises(NetBoxError, match="does not answer like NetBox's API"):
        client_for(server, pauses).count("dcim/sites")
    server.script = Script([(200, {}, ["not", "graphql"])])
    with pytest.raises(NetBoxError, match="does not answer like NetBox's API"):
        client_for(server, pauses).graphql("{ site_list { id } }")
    assert pauses == []


@pytest.fixture
def silent() -> Iterator[str]:
    """A server that accepts connections and never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            held.append(connection)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for connection in held:
            connection.close()
        listener.close()


def test_a_netbox_that_never_answers_is_not_reachable_after_the_read_timeout(silent: str) -> None:
    client = NetBoxClient(Credentials(silent, TOKEN), timeouts=Timeouts(read=0.3))
    with pytest.raises(NetBoxError) as raised:
        client.status()
    text = str(raised.value)
    assert "NetBox is not reachable" in text and "no answer in time (0.3 s for a read" in text
    assert "NETOPS_NETBOX_TIMEOUT" in text and raised.value.exit_code == EXIT_UNREACHABLE


def test_timeouts_come_from_the_environment_and_bad_values_are_bad_input() -> None:
    assert Timeouts.from_env({}) == Timeouts(connect=5.0, read=60.0, write=180.0, tries=4)
    assert Timeouts.from_env({"NETOPS_NETBOX_TIMEOUT": "20", "NETOPS_NETBOX_RETRIES": "1"}) == Timeouts(
        read=20.0, tries=1)
    for name, value in (("NETOPS_NETBOX_TIMEOUT", "sixty"), ("NETOPS_NETBOX_TIMEOUT", "0"),
                        ("NETOPS_NETBOX_RETRIES", "2.5"), ("NETOPS_NETBOX_WRITE_TIMEOUT", "-1")):
        with pytest.raises(CredentialsError) as raised:
            Timeouts.from_env({name: value})
        assert name in str(raised.value) and raised.value.exit_code == EXIT_BAD_INPUT


def netops(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "netops", *args], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'models'}", **env}, check=False)


def test_the_cli_exits_3_when_netbox_never_answers_and_2_for_a_bad_timeout_setting(silent: str) -> None:
    env = {"NETBOX_URL": silent, "NETBOX_TOKEN": TOKEN, "NETOPS_NETBOX_TIMEOUT": "0.5"}
    done = netops("validate", "--source", "netbox", env=env)
    assert done.returncode == EXIT_UNREACHABLE, done.stdout + done.stderr
    assert "NetBox is not reachable" in done.stderr and "no answer in time" in done.stderr
    assert "Traceback" not in done.stderr and TOKEN.split(".")[1] not in done.stdout + done.stderr

    bad = netops("plan", env={**env, "NETOPS_NETBOX_TIMEOUT": "forever"})
    assert bad.returncode == EXIT_BAD_INPUT, bad.stdout + bad.stderr
    assert "NETOPS_NETBOX_TIMEOUT='forever'" in bad.stderr and "Traceback" not in bad.stderr


def test_a_busy_netbox_through_the_cli_is_exit_3_with_the_reason(server: _Server) -> None:
    server.script = Script([(503, {"Retry-After": "0"}, {"detail": "maintenance"})])
    host, port = server.server_address[:2]
    done = netops("show", "sites", "--source", "netbox",
                  env={"NETBOX_URL": f"http://{host!s}:{port}", "NETBOX_TOKEN": TOKEN, "NETOPS_NETBOX_RETRIES": "2"})
    assert done.returncode == EXIT_UNREACHABLE, done.stdout + done.stderr
    assert "busy or restarting" in done.stderr and "sent the request 2 times" in done.stderr
    assert len(server.script.seen) == 2


@pytest.mark.parametrize("command", ["plan", "apply"])
def test_an_invalid_intent_is_bad_input_though_netbox_is_read_while_it_loads(silent: str, command: str,
                                                                            tmp_path: Path) -> None:
    from tests.conftest import TESTS, materialize_overlay

    intent = materialize_overlay(TESTS / "intent" / "cases" / "base",
                                 TESTS / "intent" / "cases" / "invalid" / "several-errors-at-once", tmp_path)
    env = {"NETBOX_URL": silent, "NETBOX_TOKEN": TOKEN, "NETOPS_NETBOX_TIMEOUT": "0.5"}
    done = netops(command, "--intent", str(intent), env=env)
    assert done.returncode == EXIT_BAD_INPUT, done.stdout + done.stderr
    assert "not reachable" not in done.stderr and "errors" in done.stderr
    down = netops(command, env=env)  # the valid sample intent: NetBox's failure is the error
    assert down.returncode == EXIT_UNREACHABLE and "NetBox is not reachable" in down.stderr, down.stderr
