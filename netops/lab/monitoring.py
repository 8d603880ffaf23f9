"""The lab's NMS: Prometheus, snmp_exporter and blackbox_exporter from Debian's packages, run in the namespace of
the data-center host that serves `monitoring`, on the files `netops monitoring export` writes for the lab's sites.

They poll the lab as the city's NMS polls the real WAN: in-band, from the monitoring host's address, through its
LAN gateway and the WAN, so what they see is what the routers' routing and filters let through. The exporters
listen on the host's loopback (only Prometheus talks to them); Prometheus listens on every address of the
namespace, and the host's leg on the management bridge (netops.lab.topology.MonitoringPlan) is where the
operator's browser and `netops verify` reach it: http://<that address>:9090.

The lab's switches run no SNMP agent (bare namespaces), so the lab's export polls the FRR routers only.

The folder `<lab home>/monitoring/`:
    config/        the export (prometheus.yml, targets/, rules/, blackbox.yml) and snmp.yml with the SNMPv3 keys
                   filled in (mode 640, group prometheus: the only file holding secrets)
    data/          Prometheus' TSDB (owned by prometheus)
    *.log          each daemon's output
The daemons run as the `prometheus` user the Debian package makes. The namespace's ping_group_range lets that
user send ICMP echo without CAP_NET_RAW (blackbox_exporter's icmp prober falls back to unprivileged sockets).
"""

import grp
import os
import pwd
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from netops.design import Design
from netops.files import write_atomic
from netops.lab.errors import LabRuntimeError
from netops.lab.interrupt import STOP
from netops.lab.netns import daemon_command, in_namespace, netns_command, run, stop_pids
from netops.lab.state import LabHome, LabState, Process
from netops.lab.topology import LabPlan, MonitoringPlan
from netops.monitoring.export import Options, export
from netops.monitoring.prometheus import TARGET_FILES, file_sd
from netops.render.secrets import substitute

PROMETHEUS = Path("/usr/bin/prometheus")
SNMP_EXPORTER = Path("/usr/bin/prometheus-snmp-exporter")
BLACKBOX_EXPORTER = Path("/usr/bin/prometheus-blackbox-exporter")
#: What must be installed, and the Debian package that brings it.
REQUIRED = {PROMETHEUS: "prometheus", SNMP_EXPORTER: "prometheus-snmp-exporter",
            BLACKBOX_EXPORTER: "prometheus-blackbox-exporter"}
#: The account the daemons run as (made by the Debian packages).
USER = "prometheus"
PROMETHEUS_PORT = 9090
SNMP_EXPORTER_ADDRESS = "127.0.0.1:9116"
BLACKBOX_EXPORTER_ADDRESS = "127.0.0.1:9115"
#: Scrape and rule-evaluation interval in the lab: faults show within a few of them.
INTERVAL = 10
#: A large lab's (LabPlan.large): at the whole city, a thousand SNMPv3 walks and thousands of pings every 10 s kept
#: fifty snmpd waiting for a core at any moment (load average 140). An NMS polls a real city's SNMP every minute.
LARGE_LAB_INTERVAL = 60


def interval(plan: LabPlan) -> int:
    """The lab's scrape and rule-evaluation interval, seconds."""
    return LARGE_LAB_INTERVAL if plan.large() else INTERVAL
#: Process kinds in the lab state.
KINDS = ("prometheus", "snmp_exporter", "blackbox_exporter")
#: How long `up` waits for Prometheus to answer its readiness endpoint.
READY_SECONDS = 60.0


def missing() -> dict[str, str]:
    """Missing programs -> the Debian package that installs them."""
    return {str(path): package for path, package in REQUIRED.items() if not path.exists()}


def folder(home: LabHome) -> Path:
    """The NMS's folder under the lab home."""
    return home.path / "monitoring"


def url(plan: LabPlan) -> str | None:
    """Prometheus' URL as the root namespace reaches it (None when the lab has no monitoring host)."""
    if plan.monitoring is None:
        return None
    return f"http://{plan.monitoring.management.ip}:{PROMETHEUS_PORT}"


def write_config(home: LabHome, design: Design, plan: LabPlan, secrets: dict[str, str]) -> bool:
    """The export for the lab's sites into <home>/monitoring/config (secrets filled into snmp.yml only); whether a
    file changed. Files of an earlier export that this one no longer has are removed."""
    sites = sorted({router.site for router in plan.routers})
    exported = export(design, Options(interval(plan), SNMP_EXPORTER_ADDRESS, BLACKBOX_EXPORTER_ADDRESS), sites)
    # The lab's switches are bare namespaces without an SNMP agent: polling them would only report them down.
    agents = {router.device for router in plan.frr_routers()}
    files = {**exported.files, TARGET_FILES["snmp"]: file_sd(tuple(target for target in exported.watched.snmp
                                                                   if target.labels["instance"] in agents))}
    config = folder(home) / "config"
    config.mkdir(parents=True, exist_ok=True)
    uid, gid = pwd.getpwnam(USER).pw_uid, grp.getgrnam(USER).gr_gid
    changed = False
    for name, text in files.items():
        path = config / name
        path.parent.mkdir(parents=True, exist_ok=True)
        secret = name == "snmp.yml"
        changed |= write_atomic(path, substitute(text, secrets) if secret else text, mode=0o640 if secret else 0o644)
        os.chown(path, 0, gid)
    for path in sorted(config.rglob("*"), reverse=True):
        relative = path.relative_to(config).as_posix()
        if path.is_file() and relative not in files:
            path.unlink()
            changed = True
    data = folder(home) / "data"
    data.mkdir(parents=True, exist_ok=True)
    os.chown(data, uid, gid)
    return changed


def _argv(home: LabHome, kind: str) -> list[str]:
    config = folder(home) / "config"
    if kind == "prometheus":
        return [str(PROMETHEUS), f"--config.file={config / 'prometheus.yml'}",
                f"--storage.tsdb.path={folder(home) / 'data'}", f"--web.listen-address=0.0.0.0:{PROMETHEUS_PORT}",
                "--web.enable-lifecycle", "--storage.tsdb.retention.time=7d"]
    if kind == "snmp_exporter":
        return [str(SNMP_EXPORTER), f"--config.file={config / 'snmp.yml'}",
                f"--web.listen-address={SNMP_EXPORTER_ADDRESS}"]
    return [str(BLACKBOX_EXPORTER), f"--config.file={config / 'blackbox.yml'}",
            f"--web.listen-address={BLACKBOX_EXPORTER_ADDRESS}"]


def _marker(home: LabHome, kind: str) -> str:
    """The argument that tells this lab's daemon of a kind from any other on the machine."""
    return _argv(home, kind)[1]


def start(home: LabHome, plan: LabPlan, state: LabState, design: Design, secrets: dict[str, str]) -> int:
    """Write the NMS's config and start the daemons that do not run in the monitoring host's namespace (those that
    do re-read a changed config: Prometheus through its reload endpoint, the exporters by SIGHUP); how many were
    started. LabRuntimeError when Prometheus does not become ready."""
    nms = plan.monitoring
    if nms is None:
        return 0
    changed = write_config(home, design, plan, secrets)
    run(netns_command(nms.netns, ["sysctl", "-q", "-w", "net.ipv4.ping_group_range=0 2147483647"]))
    started: list[Process] = []
    try:
        for kind in KINDS:
            known = state.process(kind, nms.netns)
            if known is not None and known.alive() and in_namespace(known.pid, nms.netns):
                if changed:
                    _reload(kind, known, nms)
                continue
            STOP.check()
            if known is not None and known.alive():
                stop_pids([known.pid])
            started.append(_start(home, nms, kind))
    finally:
        # Whatever stops the loop (a request to stop, a failure), what was started is recorded.
        state.add_processes(started)
        home.save(state)
    _wait_ready(nms)
    return len(started)


def _start(home: LabHome, nms: MonitoringPlan, kind: str) -> Process:
    log = folder(home) / f"{kind}.log"
    argv = daemon_command(nms.netns, ["setpriv", f"--reuid={USER}", f"--regid={USER}", "--init-groups", "--",
                                      *_argv(home, kind)])
    with log.open("ab") as stream:
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=stream, stderr=stream,
                                   start_new_session=True, cwd="/")
    return Process(kind=kind, owner=nms.netns, pid=process.pid, marker=_marker(home, kind))


def _reload(kind: str, process: Process, nms: MonitoringPlan) -> None:
    if kind == "prometheus":
        _post(f"http://{nms.management.ip}:{PROMETHEUS_PORT}/-/reload")
    else:
        os.kill(process.pid, 1)


def _post(address: str) -> None:
    request = urllib.request.Request(address, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10):
            pass
    except (urllib.error.URLError, OSError) as error:
        raise LabRuntimeError(f"Prometheus did not reload its configuration ({address}): {error}") from error


def ready(nms: MonitoringPlan, timeout: float = 2) -> bool:
    """Whether Prometheus answers its readiness endpoint at the NMS's management address."""
    try:
        with urllib.request.urlopen(f"http://{nms.management.ip}:{PROMETHEUS_PORT}/-/ready", timeout=timeout) as answer:
            return bool(answer.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _wait_ready(nms: MonitoringPlan) -> None:
    address = f"http://{nms.management.ip}:{PROMETHEUS_PORT}/-/ready"
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if ready(nms):
            return
        STOP.check()
        time.sleep(0.5)
    raise LabRuntimeError(f"Prometheus in {nms.netns} did not become ready at {address} within "
                          f"{READY_SECONDS:.0f} s; see {nms.host}'s logs under the lab home's monitoring/")
