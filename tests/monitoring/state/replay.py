"""Recorded answers of Prometheus replayed over HTTP on loopback, and the state read from them."""

import json
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from netops.analysis.results import to_jsonable
from netops.monitoring.state import QUERIES, read_state
from tests.monitoring.live import free_port

#: The time the tests read a state at (the recorded answers are replayed whatever the time asked).
AT = datetime(2026, 12, 6, 20, 0, 0, tzinfo=UTC)


def _name_of(path: str) -> str | None:
    """The recorded answer's name for a request path of the API."""
    parts = urllib.parse.urlsplit(path)
    if parts.path.endswith("/api/v1/alerts"):
        return "alerts"
    if parts.path.endswith("/api/v1/query"):
        expr = urllib.parse.parse_qs(parts.query).get("query", [""])[0]
        return next((name for name, query in QUERIES.items() if query == expr), None)
    return None


@contextmanager
def replaying(answers: Path | None) -> Iterator[str]:
    """A URL on loopback that answers with the recorded files (nothing listens there when ``answers`` is None)."""
    if answers is None:
        yield f"http://127.0.0.1:{free_port()}"
        return

    class Replay(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            name = _name_of(self.path)
            found = sorted(answers.glob(f"{name}.*")) if name else []
            bodies = [p for p in found if p.suffix in (".json", ".html")]
            if not bodies:
                self._answer(404, "text/plain", b"404 page not found\n")
                return
            status_file = answers / f"{name}.status"
            status = int(status_file.read_text()) if status_file.exists() else 200
            kind = "application/json" if bodies[0].suffix == ".json" else "text/html"
            self._answer(status, kind, bodies[0].read_bytes())

        def _answer(self, status: int, kind: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Replay)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def state_json(answers: Path) -> str:
    """The state read from recorded answers, as expected.json holds it: each site's status and what it is made of."""
    with replaying(answers) as url:
        state = read_state(url, AT)
    assert state.url == url and state.time == AT
    sites = {slug: {"status": site.status.value, **to_jsonable(site)} for slug, site in state.sites.items()}
    return json.dumps(sites, ensure_ascii=False, indent=1) + "\n"
