"""The monitoring phase of `netops verify` (netops.verify.monitoring) against a replayed Prometheus API: what it
concludes from the answers, and a Prometheus that misses a query's timeout once."""

import json
import time
import urllib.parse
from pathlib import Path

import pytest

from netops.lab.topology import plan_lab
from netops.monitoring.state import PrometheusClient
from netops.pipeline import load_network
from netops.verify import monitoring

CITY = Path(__file__).resolve().parents[2] / "inventory" / "city"


class Prometheus:
    """Instant-query answers: every router answers SNMP and every gateway ping, scraped now; the first `misses`
    queries time out."""

    def __init__(self, routers: list[str], gateways: list[str], misses: int) -> None:
        self.routers, self.gateways, self.misses, self.queries = routers, gateways, misses, 0

    def fetch(self, address: str) -> tuple[int, str, bytes]:
        self.queries += 1
        if self.queries <= self.misses:
            raise TimeoutError("timed out")
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(address).query)["query"][0]
        instances = self.routers if "snmp" in query else self.gateways
        value = str(time.time() + 1) if query.startswith("timestamp(") else "1"
        result = [{"metric": {"instance": name}, "value": [time.time(), value]} for name in instances]
        body = {"status": "success", "data": {"resultType": "vector", "result": result}}
        return 200, "application/json", json.dumps(body).encode()


@pytest.mark.parametrize("misses", [0, 3])
def test_a_prometheus_that_misses_a_query_is_asked_again(misses: int, monkeypatch: pytest.MonkeyPatch) -> None:
    network = load_network(CITY).network
    plan = plan_lab(network, ["017"])
    routers = [r.device for r in plan.frr_routers()]
    sites = {r.site for r in plan.frr_routers()}
    gateways = [f"{site.slug}/{lan.name}" for site in network.sites if site.slug in sites for lan in site.lans]
    prometheus = Prometheus(routers, gateways, misses)
    monkeypatch.setattr(monitoring, "url", lambda _plan: "http://192.0.2.1:9090")
    monkeypatch.setattr(monitoring, "PrometheusClient",
                        lambda base: PrometheusClient(base, fetch=prometheus.fetch))
    checks = monitoring.monitoring(network, plan, wait=30)
    assert checks and all(check.ok for check in checks), [c for c in checks if not c.ok][:3]
    assert len(checks) == len(routers) + len(gateways)


def test_a_prometheus_that_never_answers_fails_every_site_with_its_error(monkeypatch: pytest.MonkeyPatch) -> None:
    network = load_network(CITY).network
    plan = plan_lab(network, ["017"])
    prometheus = Prometheus([], [], misses=10**6)
    monkeypatch.setattr(monitoring, "url", lambda _plan: "http://192.0.2.1:9090")
    monkeypatch.setattr(monitoring, "PrometheusClient",
                        lambda base: PrometheusClient(base, fetch=prometheus.fetch))
    checks = monitoring.monitoring(network, plan, wait=2)
    assert {c.site for c in checks} == {r.site for r in plan.frr_routers()}
    assert all(not c.ok and "could not be queried: timed out" in c.reason for c in checks), checks[:2]
    assert prometheus.queries > 1
