"""A real Prometheus and blackbox_exporter (Debian's packages) on loopback, fed by `netops monitoring export`.

The export of the sample city's area 001 is rewritten onto loopback so that nothing leaves the machine and the
state is known in advance (SCENARIO):
- the snmp job scrapes targets directly: a device "up" at blackbox_exporter's own /metrics (an HTTP target that
  answers), a device "down" at a closed loopback port;
- an ICMP probe that answers pings 127.0.0.1 through blackbox_exporter (raw sockets: root; without root a TCP
  connect to a listening loopback port stands for it), one that fails connects to a closed loopback port
  (`__param_module: tcp_connect` on that target);
- the data-center services' TCP probes connect to a listening loopback port.
Scrapes and rule evaluations run every second; the alerts keep the export's `for:` (2-3 intervals of 5 s).
Prometheus' data lives in the test's temporary folder; both processes are stopped by pid.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import REPO
from tests.output_tree import netops

PROMETHEUS = Path("/usr/bin/prometheus")
BLACKBOX_EXPORTER = Path("/usr/bin/prometheus-blackbox-exporter")
#: What the export covers: the sample city's area 001 (7 sites, 8 routers, 27 ICMP probes).
EXPORT_ARGS = ("--intent", "inventory/city", "--area", "001", "--interval", "5")
#: What fails, by device (SNMP) and ICMP probe instance; everything else answers.
SCENARIO: dict[str, frozenset[str]] = {
    # A hub router that does not answer SNMP while its loopback answers ping: the hub is degraded, not cut off.
    "devices_down": frozenset({"ba-dinh-agg-02", "ubnd-phuong-kim-ma-r01"}),
    # Every probe of Kim Mã (the site is cut off) and one LAN gateway of Phúc Xá (degraded).
    "probes_down": frozenset({"ubnd-phuong-kim-ma-r01", "ubnd-phuong-kim-ma/camera", "ubnd-phuong-kim-ma/management",
                              "ubnd-phuong-kim-ma/one_stop_shop", "ubnd-phuong-kim-ma/staff",
                              "ubnd-phuong-phuc-xa/camera"}),
}
#: How many evaluations of the alert rules (one a second) the tests wait at most for a state: bounded by
#: Prometheus' own progress rather than by the clock, so a slow machine only makes the wait longer. The slowest
#: state, the cut-off site's alerts, needs its probes failing for 15 s after the first scrapes.
PATIENCE = 90


def free_port() -> int:
    """A loopback TCP port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class LivePrometheus:
    """A running Prometheus scraping the rewritten export, and what it was fed."""

    url: str
    export: Path
    logs: Path
    processes: tuple[subprocess.Popen[bytes], ...] = ()

    def api(self, path: str) -> Any:
        with urllib.request.urlopen(f"{self.url}{path}", timeout=10) as answer:
            return json.load(answer)["data"]

    def evaluations(self) -> int:
        """How many times Prometheus has evaluated the alert rules (0 before it answers)."""
        try:
            with urllib.request.urlopen(f"{self.url}/metrics", timeout=10) as answer:
                text = answer.read().decode()
        except OSError:
            return 0
        found = re.search(r'^prometheus_rule_group_iterations_total\{rule_group="[^"]*alerts\.yml;netops-alerts"\} '
                          r"(\d+)", text, re.MULTILINE)
        return int(found[1]) if found else 0

    def wait_for(self, what: str, ready: Callable[[], bool]) -> None:
        """Poll until ``ready()``; fail with the processes' logs once a process has ended or the rules were
        evaluated PATIENCE times more without it."""
        start = self.evaluations()
        while not ready():
            ended = [p.args[0] for p in self.processes if p.poll() is not None]
            if ended or self.evaluations() > start + PATIENCE:
                logs = "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
                                 for p in sorted(self.logs.glob("*.log")))
                because = f"{', '.join(map(str, ended))} ended" if ended else f"{PATIENCE} rule evaluations"
                raise AssertionError(f"Prometheus at {self.url} never had {what} ({because})\n{logs}")
            time.sleep(0.5)


def _rewrite(export: Path, blackbox: str, closed: str, listening: str) -> None:
    """The export onto loopback, as SCENARIO says (module docstring)."""
    privileged = os.geteuid() == 0
    config = yaml.safe_load((export / "prometheus.yml").read_text(encoding="utf-8"))
    config["global"].update(scrape_interval="1s", scrape_timeout="1s", evaluation_interval="1s")
    for job in config["scrape_configs"]:
        if job["job_name"] == "snmp":
            # Scraped directly: the answer of an HTTP target stands for snmp_exporter's walk of the device.
            job["metrics_path"] = "/metrics"
            del job["params"], job["relabel_configs"]
    (export / "prometheus.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")

    def retarget(name: str, address: Callable[[dict[str, Any]], tuple[str, dict[str, str]]]) -> None:
        path = export / "targets" / f"{name}.json"
        groups = json.loads(path.read_text(encoding="utf-8"))
        for group in groups:
            target, extra = address(group["labels"])
            group["targets"] = [target]
            group["labels"].update(extra)
        path.write_text(json.dumps(groups, ensure_ascii=False, indent=1), encoding="utf-8")

    retarget("snmp", lambda labels: (closed if labels["device"] in SCENARIO["devices_down"] else blackbox, {}))
    retarget("icmp", lambda labels: (
        (closed, {"__param_module": "tcp_connect"}) if labels["instance"] in SCENARIO["probes_down"]
        else ("127.0.0.1", {}) if privileged else (listening, {"__param_module": "tcp_connect"})))
    retarget("tcp", lambda labels: (listening, {}))


def start_prometheus(workdir: Path) -> Iterator[LivePrometheus]:
    """Export, rewrite, start blackbox_exporter and Prometheus, wait until every target is scraped; stop both."""
    export, data, logs = workdir / "export", workdir / "data", workdir / "logs"
    logs.mkdir(parents=True)
    prometheus_port, blackbox_port, closed_port = free_port(), free_port(), free_port()
    blackbox = f"127.0.0.1:{blackbox_port}"
    done = netops("monitoring", "export", *EXPORT_ARGS, "--blackbox-exporter", blackbox, "--out", str(export),
                  cwd=REPO)
    assert done.returncode == 0, done.stderr
    # The TCP probes' listening port: Prometheus' own.
    _rewrite(export, blackbox, f"127.0.0.1:{closed_port}", f"127.0.0.1:{prometheus_port}")
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for name, command in (
            ("blackbox", [str(BLACKBOX_EXPORTER), f"--config.file={export / 'blackbox.yml'}",
                          f"--web.listen-address={blackbox}"]),
            ("prometheus", [str(PROMETHEUS), f"--config.file={export / 'prometheus.yml'}",
                            f"--storage.tsdb.path={data}", f"--web.listen-address=127.0.0.1:{prometheus_port}"]),
        ):
            with (logs / f"{name}.log").open("wb") as log:
                processes.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=workdir))
        live = LivePrometheus(f"http://127.0.0.1:{prometheus_port}", export, logs, tuple(processes))
        expected = sum(len(json.loads((export / "targets" / f"{job}.json").read_text(encoding="utf-8")))
                       for job in ("snmp", "icmp", "tcp"))

        def scraped() -> bool:
            try:
                return len(live.api("/api/v1/query?query=up")["result"]) == expected
            except OSError:
                return False

        live.wait_for(f"all {expected} targets scraped", scraped)
        yield live
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(data, ignore_errors=True)


def record_answers(live: LivePrometheus, folder: Path) -> None:
    """Save Prometheus' answers to the state's requests (netops.monitoring.state.QUERIES and the alerts) as
    `<name>.json` files, the recorded answers tests/monitoring/state/ replays."""
    from netops.monitoring.state import QUERIES

    folder.mkdir(parents=True, exist_ok=True)
    paths = {name: "/api/v1/query?" + urllib.parse.urlencode({"query": expr}) for name, expr in QUERIES.items()}
    for name, path in {**paths, "alerts": "/api/v1/alerts"}.items():
        with urllib.request.urlopen(f"{live.url}{path}", timeout=10) as answer:
            data = json.load(answer)
        (folder / f"{name}.json").write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                             encoding="utf-8")
