"""The monitoring state of each site, read from a running Prometheus that `netops monitoring export` feeds.

Three answers of Prometheus' HTTP API, all at one evaluation time, keyed by the labels the export writes on every
target (site, device, probe, lan):

    up{job=~"snmp|icmp|tcp"}     each device's SNMP scrape (job snmp); whether the probes themselves ran (icmp, tcp)
    probe_success{job="icmp"}    each router loopback's and each LAN gateway's ping from the monitoring host
    /api/v1/alerts               the alerts firing, each labelled with its site by the rules

A site reaches the data center when one of its ICMP probes answers: the monitoring host sits in the data center,
so an answer proves the path both ways (the same rule as the NetopsSiteCutOff alert). A site Prometheus has no
series for is `unknown` (not exported, or not scraped yet), never `up`.

Errors are the command's to print: a URL that is not one is bad input (InputError, exit 2), a Prometheus that
cannot be reached or fails is a service error (exit 3), an answer that is not Prometheus' API or a Prometheus
without netops' jobs is bad input too (exit 2: the URL names the wrong server).
"""

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from citynet_models.problems import Problem
from netops.errors import InputError, ServiceError

#: The option that names Prometheus, in every command that takes it.
OPTION = "--prometheus"
#: The instant queries the state is made of, by name (a recorded answer is stored under its query's name).
QUERIES: dict[str, str] = {
    "up": 'up{job=~"snmp|icmp|tcp"}',
    "probe_success": 'probe_success{job="icmp"}',
    "jobs": "count by (job) (up)",
}
#: The jobs of prometheus.yml as the export writes it; the state needs the devices' and the probes'.
NETOPS_JOBS = ("snmp", "icmp")
#: Seconds to wait for each answer of Prometheus (an instant query over a city's 8,000 series takes milliseconds).
TIMEOUT = 10.0

#: An HTTP GET: (URL) -> (status, content type, body). The default speaks HTTP with urllib; a test may replay answers.
Fetch = Callable[[str], tuple[int, str, bytes]]


class Status(StrEnum):
    """A site's state in one word, worst first: what a person looks at first."""

    CUT_OFF = "cut off"  # no ICMP probe of the site answers: it does not reach the data center
    DEGRADED = "degraded"  # it reaches the data center, but a device or a LAN gateway does not answer
    UNKNOWN = "unknown"  # Prometheus has no series for the site
    UP = "up"  # every device answers SNMP and every probe answers


#: Severities of the exported alert rules, most severe first.
_SEVERITY_ORDER = {"critical": 0, "warning": 1}


class PrometheusUnreachableError(ServiceError):
    """Prometheus could not be reached, or answered with a server error (exit code 3)."""

    def __init__(self, url: str, detail: str) -> None:
        self.url, self.detail = url, detail
        super().__init__(f"Prometheus at {url} could not be queried: {detail}; check that it runs and that this "
                         f"machine reaches it (`curl {url}/-/ready`)")


@dataclass(frozen=True, slots=True)
class Sample:
    """One series of an instant vector: its labels and value."""

    labels: dict[str, str]
    value: float


@dataclass(frozen=True, slots=True)
class FiringAlert:
    """An alert Prometheus has firing: its name, severity, summary and since when."""

    name: str
    severity: str
    summary: str
    since: str

    def __str__(self) -> str:
        return f"{self.name} ({self.severity})" if self.severity else self.name


@dataclass(frozen=True, slots=True)
class SiteState:
    """What Prometheus says of one site: its devices and LAN gateways answering or not, its reachability from the
    data center (None: no probe of it), and its alerts firing."""

    site: str
    devices_up: tuple[str, ...] = ()
    devices_down: tuple[str, ...] = ()
    gateways_up: tuple[str, ...] = ()
    gateways_down: tuple[str, ...] = ()
    reachable: bool | None = None
    alerts: tuple[FiringAlert, ...] = ()

    @property
    def status(self) -> Status:
        """The site's state in one word (Status)."""
        if self.reachable is False:
            return Status.CUT_OFF
        if self.devices_down or self.gateways_down:
            return Status.DEGRADED
        if self.reachable is None and not self.devices_up:
            return Status.UNKNOWN
        return Status.UP

    def device_up(self, device: str) -> bool | None:
        """Whether a device of the site answers SNMP (None: Prometheus has no scrape of it)."""
        return True if device in self.devices_up else False if device in self.devices_down else None

    @property
    def reaches_dc(self) -> str:
        """yes, no or unknown: whether an ICMP probe of the site answers the monitoring host in the data center."""
        return {True: "yes", False: "no", None: "unknown"}[self.reachable]

    def alert_names(self) -> list[str]:
        """The alerts firing, one entry per alert name and severity, with how many fire ('NetopsBgpSessionDown
        (warning) ×2'), most severe first."""
        counts: dict[str, int] = {}
        for alert in sorted(self.alerts, key=lambda a: (_SEVERITY_ORDER.get(a.severity, 9), a.name)):
            counts[str(alert)] = counts.get(str(alert), 0) + 1
        return [name if count == 1 else f"{name} ×{count}" for name, count in counts.items()]

    def columns(self) -> dict[str, str]:
        """The state as the columns of a row (query, report, CSV): status, what does not answer, alerts."""
        return {"monitoring": self.status.value, "reaches_dc": self.reaches_dc,
                "devices_down": ", ".join(self.devices_down), "gateways_down": ", ".join(self.gateways_down),
                "alerts": ", ".join(self.alert_names())}


@dataclass(frozen=True)
class MonitoringState:
    """Every site's state, from one Prometheus at one time."""

    url: str
    time: datetime
    sites: Mapping[str, SiteState] = field(default_factory=dict)

    def of(self, site: str) -> SiteState:
        """A site's state; one Prometheus has no series of is unknown."""
        return self.sites.get(site) or SiteState(site)

    @property
    def when(self) -> str:
        """The time of the query, as people and the report show it (UTC, to the second)."""
        return self.time.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")

    def source(self) -> dict[str, str]:
        """Where and when the state was read, for JSON output."""
        return {"prometheus": self.url, "time": self.time.astimezone(UTC).isoformat(timespec="seconds")}


def _bad_url(url: str, message: str, hint: str) -> InputError:
    return InputError([Problem(path=(OPTION,), message=message, expected="the URL of Prometheus, e.g. "
                               "http://127.0.0.1:9090", found=repr(url), hint=hint)])


def checked_url(url: str) -> str:
    """The URL without a trailing slash, or InputError when it is not an http(s) URL of a server."""
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _bad_url(url, "not an http(s) URL", "give the address Prometheus' web UI answers at")
    try:
        parts.port  # noqa: B018 - parsing the port is the check: urlsplit parses it lazily
    except ValueError:
        raise _bad_url(url, "not a valid port in the URL", "a port is 1-65535") from None
    if parts.query or parts.fragment:
        raise _bad_url(url, "a URL with a query or fragment", "give the base URL only, without ?... or #...")
    return url.strip().rstrip("/")


def http_get(url: str, timeout: float = TIMEOUT) -> tuple[int, str, bytes]:
    """GET a URL: (status, content type, body); HTTP error statuses are answers too (their body says why)."""
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, answer.headers.get_content_type(), answer.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers.get_content_type() if error.headers else "", error.read()


class PrometheusClient:
    """Instant queries and the alerts of Prometheus' HTTP API (/api/v1/query, /api/v1/alerts)."""

    def __init__(self, url: str, fetch: Fetch | None = None, timeout: float = TIMEOUT) -> None:
        self.url = checked_url(url)
        self._fetch: Fetch = fetch or (lambda address: http_get(address, timeout))

    def _get(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        """The `data` of an API answer; PrometheusUnreachableError or InputError (not Prometheus) otherwise."""
        address = f"{self.url}{path}" + (f"?{urllib.parse.urlencode(params)}" if params else "")
        try:
            status, content_type, body = self._fetch(address)
        except (OSError, ValueError) as error:  # refused, reset, no route, DNS, timeout, TLS
            reason = getattr(error, "reason", None) or error
            raise PrometheusUnreachableError(self.url, str(reason)) from error
        except http.client.HTTPException as error:  # something answers there, but not in HTTP
            raise InputError([Problem(path=(OPTION,), message=f"{self.url} does not answer in HTTP",
                                      expected="Prometheus' HTTP API", found=f"{type(error).__name__}: {error}"[:160],
                                      hint="give the base URL of Prometheus (its web UI, where /api/v1/query "
                                           "answers)")]) from error
        try:
            answer = json.loads(body)
        except (UnicodeDecodeError, ValueError):
            answer = None
        if isinstance(answer, dict) and answer.get("status") == "success" and "data" in answer:
            return answer["data"]
        if isinstance(answer, dict) and answer.get("status") == "error" and status >= 500:
            raise PrometheusUnreachableError(self.url, f"HTTP {status}: {answer.get('error', '')}")
        if status >= 500:
            raise PrometheusUnreachableError(self.url, f"HTTP {status} from {path}")
        found = (f"HTTP {status}, {content_type or 'no content type'}" +
                 (f": {answer.get('errorType')}: {answer.get('error')}" if isinstance(answer, dict) else ""))
        raise InputError([Problem(path=(OPTION,), message=f"{self.url} does not answer as Prometheus' HTTP API",
                                  expected=f"a JSON answer with status 'success' from {path}", found=found,
                                  hint="give the base URL of Prometheus (its web UI, where /api/v1/query answers), "
                                       "not of an exporter, Grafana or a proxy's page")])

    def query(self, expr: str, at: datetime) -> list[Sample]:
        """An instant query at time ``at``: its samples (a scalar or a string answer is not Prometheus' either)."""
        return parse_vector(self._get("/api/v1/query", {"query": expr, "time": f"{at.timestamp():.3f}"}), self.url)

    def alerts(self) -> list[dict[str, Any]]:
        """Every alert of the rules, firing or pending, as the API lists it."""
        data = self._get("/api/v1/alerts")
        return _alert_list(data, self.url)


def _not_api(url: str, what: str, found: str) -> InputError:
    return InputError([Problem(path=(OPTION,), message=f"{url} answered with something other than Prometheus' API",
                               expected=what, found=found,
                               hint="give the base URL of Prometheus (where /api/v1/query answers)")])


def parse_vector(data: Any, url: str) -> list[Sample]:
    """The samples of an instant query's `data` ({"resultType": "vector", "result": [...]})."""
    if not isinstance(data, dict) or data.get("resultType") != "vector" or not isinstance(data.get("result"), list):
        found = data.get("resultType") if isinstance(data, dict) else type(data).__name__
        raise _not_api(url, "an instant vector", repr(found))
    samples = []
    for item in data["result"]:
        try:
            labels, (_, value) = item["metric"], item["value"]
            number = float(value)
        except (KeyError, TypeError, ValueError):
            raise _not_api(url, "samples of {metric, value: [time, number]}", repr(item)[:120]) from None
        if not isinstance(labels, dict):
            raise _not_api(url, "labels as an object", repr(labels)[:120])
        samples.append(Sample({str(k): str(v) for k, v in labels.items()}, number))
    return samples


def _alert_list(data: Any, url: str) -> list[dict[str, Any]]:
    alerts = data.get("alerts") if isinstance(data, dict) else None
    if not isinstance(alerts, list) or not all(isinstance(a, dict) and isinstance(a.get("labels"), dict)
                                               for a in alerts):
        raise _not_api(url, "an alert list ({alerts: [{labels, state, ...}]})", repr(data)[:120])
    return alerts


def site_states(up: Iterable[Sample], probes: Iterable[Sample], alerts: Iterable[Mapping[str, Any]]) \
        -> dict[str, SiteState]:
    """Every site's state from the three answers: `up` of the jobs, the ICMP probes' `probe_success`, and the
    alerts (only firing ones count; a pending alert has not held for its `for:` yet)."""
    devices: dict[str, dict[str, bool]] = {}
    gateways: dict[str, dict[str, bool]] = {}
    reachable: dict[str, bool] = {}
    for sample in up:
        site, job = sample.labels.get("site"), sample.labels.get("job")
        if site is None:
            continue
        if job == "snmp" and "device" in sample.labels:
            devices.setdefault(site, {})[sample.labels["device"]] = sample.value == 1
    for sample in probes:
        site = sample.labels.get("site")
        if site is None:
            continue
        answered = sample.value == 1
        reachable[site] = reachable.get(site, False) or answered
        if sample.labels.get("probe") == "gateway" and "lan" in sample.labels:
            gateways.setdefault(site, {})[sample.labels["lan"]] = answered
    # A probe blackbox_exporter could not run (the exporter down) says nothing of the site: it has no
    # probe_success series, so the site's reachability stays unknown unless another probe answered.
    firing: dict[str, list[FiringAlert]] = {}
    for alert in alerts:
        labels = alert.get("labels", {})
        if alert.get("state") != "firing" or "site" not in labels:
            continue
        annotations = alert.get("annotations") or {}
        firing.setdefault(labels["site"], []).append(FiringAlert(
            str(labels.get("alertname", "")), str(labels.get("severity", "")), str(annotations.get("summary", "")),
            str(alert.get("activeAt", ""))))
    states = {}
    for site in sorted({*devices, *gateways, *reachable, *firing}):
        answering = devices.get(site, {})
        lans = gateways.get(site, {})
        states[site] = SiteState(
            site, devices_up=tuple(sorted(d for d, ok in answering.items() if ok)),
            devices_down=tuple(sorted(d for d, ok in answering.items() if not ok)),
            gateways_up=tuple(sorted(lan for lan, ok in lans.items() if ok)),
            gateways_down=tuple(sorted(lan for lan, ok in lans.items() if not ok)),
            reachable=reachable.get(site),
            alerts=tuple(sorted(set(firing.get(site, ())), key=lambda a: (a.name, a.summary))))
    return states


def read_state(url: str, at: datetime | None = None, fetch: Fetch | None = None) -> MonitoringState:
    """Every site's state from the Prometheus at ``url``, all queries evaluated at ``at`` (now when None).

    InputError: not a URL, not Prometheus, or a Prometheus without netops' jobs; PrometheusUnreachableError otherwise.
    """
    client = PrometheusClient(url, fetch)
    at = (at or datetime.now(UTC)).replace(microsecond=0)
    up = client.query(QUERIES["up"], at)
    jobs = {sample.labels.get("job") for sample in up}
    missing = [job for job in NETOPS_JOBS if job not in jobs]
    if missing:
        found = sorted(str(s.labels.get("job")) for s in client.query(QUERIES["jobs"], at))
        raise InputError([Problem(
            path=(OPTION,), message=f"Prometheus at {client.url} has no target of netops' job(s) "
                                    f"{', '.join(missing)}",
            expected=f"the jobs of `netops monitoring export` ({', '.join(NETOPS_JOBS)}) scraped",
            found="jobs " + ", ".join(found) if found else "no target scraped yet",
            hint="load the exported prometheus.yml into this Prometheus (docs/monitoring.md), or give the URL of "
                 "the one that has it; a Prometheus just started needs one scrape interval")])
    probes = client.query(QUERIES["probe_success"], at)
    return MonitoringState(client.url, at, site_states(up, probes, client.alerts()))
