"""The monitoring phase of `netops verify`: the lab's NMS sees the network as the model says it is.

Prometheus in the data center's monitoring host (netops.lab.monitoring) is asked, over its HTTP API, for what it
scraped after the phase began: every device in scope answers SNMP (`up{job="snmp"}` is 1: snmp_exporter walked
it over SNMPv3 across the WAN) and every LAN gateway of the sites in scope answers the blackbox ping
(`probe_success{job="icmp", probe="gateway"}` is 1). A device or gateway Prometheus has no series for is a
failure too: the export and the lab disagree.
"""

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from citynet_models.network import Network
from netops.lab.monitoring import INTERVAL, url
from netops.lab.topology import LabPlan

if TYPE_CHECKING:
    from netops.verify.engine import Check

#: Scrapes the phase waits for, at most, before it judges what Prometheus has (a scrape can take a probe's
#: timeout more than the interval).
WAIT_INTERVALS = 3


class MonitoringUnavailableError(Exception):
    """Prometheus does not answer, or answers something that is not its API."""


@dataclass(frozen=True, slots=True)
class Sample:
    """One series' labels, value and the time of the scrape it came from."""

    labels: dict[str, str]
    value: float
    scraped: float


def query(base: str, expression: str, timeout: float = 10) -> list[Sample]:
    """An instant query, each series with the time of its sample's scrape (`timestamp()` of the same expression)."""
    values = _vector(base, expression, timeout)
    times = {_key(labels): value for labels, value in _vector(base, f"timestamp({expression})", timeout)}
    return [Sample(labels, value, times.get(_key(labels), 0.0)) for labels, value in values]


def _key(labels: dict[str, str]) -> tuple[tuple[str, str], ...]:
    # timestamp() drops the metric name; the other labels tell the series apart.
    return tuple(sorted((k, v) for k, v in labels.items() if k != "__name__"))


def _vector(base: str, expression: str, timeout: float) -> list[tuple[dict[str, str], float]]:
    address = f"{base}/api/v1/query?{urllib.parse.urlencode({'query': expression})}"
    try:
        with urllib.request.urlopen(address, timeout=timeout) as answer:
            document: Any = json.load(answer)
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise MonitoringUnavailableError(f"{base}: {error}") from error
    if not isinstance(document, dict) or document.get("status") != "success" or not isinstance(
            document.get("data"), dict) or document["data"].get("resultType") != "vector":
        raise MonitoringUnavailableError(f"{base}: not an answer of Prometheus' query API ({str(document)[:120]})")
    return [(dict(item["metric"]), float(item["value"][1])) for item in document["data"]["result"]]


def monitoring(network: Network, plan: LabPlan, scope: set[str] | None = None,
               wait: float | None = None) -> list["Check"]:
    """One check per device in scope (SNMP answers) and per LAN gateway of its sites (ping answers), as the NMS
    saw them in scrapes after this call began; one failed check per site when there is no NMS to ask."""
    from netops.verify.engine import Check

    devices = [r for r in plan.routers if scope is None or r.device in scope]
    sites = sorted({r.site for r in devices})
    base = url(plan)
    if base is None:
        return [Check(site, "monitoring", "the NMS sees the site", False,
                      "the lab has no monitoring host (no data-center host serves `monitoring`)") for site in sites]
    started = time.time()
    deadline = time.monotonic() + (WAIT_INTERVALS * INTERVAL if wait is None else wait)
    wanted_devices = {r.device: r.site for r in devices}
    gateways = {(site.slug, lan.name) for site in network.sites if site.slug in set(sites) for lan in site.lans}
    try:
        while True:
            snmp = {s.labels.get("instance", ""): s for s in query(base, 'up{job="snmp"}')}
            pings = {s.labels.get("instance", ""): s for s in query(base, 'probe_success{job="icmp",probe="gateway"}')}
            fresh = all(name in snmp and snmp[name].scraped >= started for name in wanted_devices) and all(
                f"{site}/{lan}" in pings and pings[f"{site}/{lan}"].scraped >= started for site, lan in gateways)
            if fresh or time.monotonic() > deadline:
                break
            time.sleep(1)
    except MonitoringUnavailableError as error:
        return [Check(site, "monitoring", "the NMS sees the site", False, f"Prometheus: {error}") for site in sites]
    checks = []
    for device, site in sorted(wanted_devices.items()):
        sample = snmp.get(device)
        checks.append(Check(site, "monitoring", f"{device} answers SNMP", _ok(sample, started),
                            _why(sample, started, "SNMP does not answer")))
    for site, lan in sorted(gateways):
        sample = pings.get(f"{site}/{lan}")
        checks.append(Check(site, "monitoring", f"gateway of {lan} answers ping", _ok(sample, started),
                            _why(sample, started, "no answer to ping")))
    return checks


def _ok(sample: Sample | None, started: float) -> bool:
    return sample is not None and sample.value == 1 and sample.scraped >= started


def _why(sample: Sample | None, started: float, failing: str) -> str:
    if sample is None:
        return "Prometheus has no such target (the lab's export leaves it out?)"
    if sample.value == 1:
        return "" if sample.scraped >= started else "not scraped again since this check began (Prometheus late?)"
    return failing
