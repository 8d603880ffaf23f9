"""The monitoring phase of `netops verify`: the lab's NMS sees the network as the model says it is.

Prometheus in the data center's monitoring host (netops.lab.monitoring) is asked, over its HTTP API, for what it
scraped after the phase began: every device in scope answers SNMP (`up{job="snmp"}` is 1: snmp_exporter walked
it over SNMPv3 across the WAN) and every LAN gateway of the sites in scope answers the blackbox ping
(`probe_success{job="icmp", probe="gateway"}` is 1). A device or gateway Prometheus has no series for is a
failure too: the export and the lab disagree.
"""

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from citynet_models.network import Network
from netops.errors import InputError, ServiceError
from netops.lab.monitoring import interval, url
from netops.lab.topology import LabPlan
from netops.monitoring.state import PrometheusClient

if TYPE_CHECKING:
    from netops.verify.engine import Check

#: Scrapes the phase waits for, at most, before it judges what Prometheus has (a scrape can take a probe's
#: timeout more than the interval).
WAIT_INTERVALS = 3


@dataclass(frozen=True, slots=True)
class Scraped:
    """One series' value and the time of the scrape it came from."""

    value: float
    scraped: float


def scraped(client: PrometheusClient, expression: str) -> dict[str, Scraped]:
    """By `instance`, each series of an instant query with the time of its sample's scrape (`timestamp()` of the
    same expression)."""
    now = datetime.now(UTC)
    times = {s.labels.get("instance", ""): s.value for s in client.query(f"timestamp({expression})", now)}
    return {s.labels.get("instance", ""): Scraped(s.value, times.get(s.labels.get("instance", ""), 0.0))
            for s in client.query(expression, now)}


def monitoring(network: Network, plan: LabPlan, scope: set[str] | None = None,
               wait: float | None = None) -> list["Check"]:
    """One check per device in scope (SNMP answers) and per LAN gateway of its sites (ping answers), as the NMS
    saw them in scrapes after this call began; one failed check per site when there is no NMS to ask, or when
    Prometheus answered no query before the deadline."""
    from netops.verify.engine import Check

    # The lab's switches are bare namespaces (no SNMP agent): the routers are what the NMS can be asked about.
    devices = [r for r in plan.frr_routers() if scope is None or r.device in scope]
    sites = sorted({r.site for r in devices})
    base = url(plan)
    if base is None:
        return [Check(site, "monitoring", "the NMS sees the site", False,
                      "the lab has no monitoring host (no data-center host serves `monitoring`)") for site in sites]
    started = time.time()
    deadline = time.monotonic() + (WAIT_INTERVALS * interval(plan) if wait is None else wait)
    wanted_devices = {r.device: r.site for r in devices}
    gateways = {(site.slug, lan.name) for site in network.sites if site.slug in set(sites) for lan in site.lans}
    answered: tuple[dict[str, Scraped], dict[str, Scraped]] | None = None
    unanswered: InputError | ServiceError | None = None
    try:
        client = PrometheusClient(base)
        while True:
            try:
                answered = (scraped(client, 'up{job="snmp"}'),
                            scraped(client, 'probe_success{job="icmp",probe="gateway"}'))
            except ServiceError as error:
                # A Prometheus busy with a whole city's scrapes can miss one query's timeout: asked again until the
                # deadline, and judged on the last answer it gave.
                unanswered = error
            else:
                snmp, pings = answered
                if all(name in snmp and snmp[name].scraped >= started for name in wanted_devices) and all(
                        f"{site}/{lan}" in pings and pings[f"{site}/{lan}"].scraped >= started
                        for site, lan in gateways):
                    break
            if time.monotonic() > deadline:
                break
            time.sleep(1)
    except InputError as error:
        unanswered = error
    if answered is None:
        return [Check(site, "monitoring", "the NMS sees the site", False, f"Prometheus at {base}: {unanswered}")
                for site in sites]
    snmp, pings = answered
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


def _ok(sample: Scraped | None, started: float) -> bool:
    return sample is not None and sample.value == 1 and sample.scraped >= started


def _why(sample: Scraped | None, started: float, failing: str) -> str:
    if sample is None:
        return "Prometheus has no such target (the lab's export leaves it out?)"
    if sample.value == 1:
        return "" if sample.scraped >= started else "not scraped again since this check began (Prometheus late?)"
    return failing
