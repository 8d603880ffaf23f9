"""The alert rules, and the recording rules that carry the model's facts into Prometheus.

Prometheus cannot know which interface of a device is a WAN link, or which BGP sessions the design has: the
devices do not say. rules/model.yml states it, one constant series per fact (`vector(1)` with the fact as
labels), which the alerts join on by (device, interface) and (device, peer):

    netops:wan_port:info{device, interface, link, link_role, upstream, downstream, <labels of the served site>}
    netops:bgp_session:info{device, peer, peer_device, peer_site, <labels of the device>}

rules/alerts.yml holds the alerts (docs/monitoring.md says what fires each). Their `for:` durations are multiples
of the scrape interval, so a faster interval (the lab's) gives faster alerts and the same number of failed
scrapes before one fires.
"""

from dataclasses import dataclass
from typing import Any

from netops.design import Design
from netops.monitoring.prometheus import header, yaml_text
from netops.monitoring.targets import Watch

#: Where a site is, in an alert's text: its name, then its unit when it has one.
_PLACE = "{{ $labels.site_name }}{{ with $labels.unit_name }} ({{ . }}){{ end }}"
#: The labels every site-level alert is aggregated by.
SITE_LABELS = ("site", "site_name", "kind", "status", "unit", "unit_name", "area", "redundancy")


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert rule: its name, expression, how many scrape intervals it must hold, labels and text."""

    name: str
    expr: str
    intervals: int
    severity: str
    summary: str
    description: str


ALERTS: tuple[Alert, ...] = (
    Alert(
        "NetopsDeviceDown",
        'up{job="snmp"} == 0\nunless on (device) (probe_success{job="icmp", probe="loopback"} == 1)\n',
        3, "critical",
        "{{ $labels.device }} is down at " + _PLACE,
        "{{ $labels.device }} ({{ $labels.role }}, {{ $labels.platform }}) answers neither SNMP nor ping on its "
        "loopback; site {{ $labels.site }}, area {{ $labels.area }}.",
    ),
    Alert(
        "NetopsWanLinkDown",
        'max without (device, interface) (\n  netops:wan_port:info\n  and on (device, interface) '
        '(ifOperStatus{job="snmp"} != 1)\n)\n',
        2, '{{ if eq $labels.redundancy "dual_homed" }}warning{{ else }}critical{{ end }}',
        "WAN link {{ $labels.link }} is down: " + _PLACE + " {{ if eq $labels.redundancy \"dual_homed\" }}lost "
        "its redundancy{{ else }}depends on it{{ end }}",
        "{{ $labels.upstream }} - {{ $labels.downstream }} ({{ $labels.link_role }} link) is not up at an end "
        "SNMP answers for; it serves {{ $labels.site }} ({{ $labels.redundancy }}).",
    ),
    Alert(
        "NetopsSiteCutOff",
        f'max by ({", ".join(SITE_LABELS)}) (\n  probe_success{{job="icmp", kind!="data_center"}}\n) == 0\n',
        2, "critical",
        _PLACE + " is cut off from the data center",
        "No loopback or LAN gateway of {{ $labels.site }} answers ping from the monitoring host.",
    ),
    Alert(
        "NetopsBgpSessionDown",
        'netops:bgp_session:info\nunless on (device, peer) (bgpPeerState{job="snmp"} == 6)\n'
        'and on (device) (up{job="snmp"} == 1)\n',
        3, "warning",
        "BGP session {{ $labels.device }} - {{ $labels.peer_device }} is down at " + _PLACE,
        "{{ $labels.device }} answers SNMP but its iBGP session to {{ $labels.peer_device }} ({{ $labels.peer }}) "
        "is not established.",
    ),
    Alert(
        "NetopsServiceUnreachable",
        'probe_success{job="tcp"} == 0\n',
        3, "critical",
        "{{ $labels.service_name }} is unreachable on {{ $labels.host }}:{{ $labels.port }}",
        "A TCP connection from the monitoring host to {{ $labels.host }} port {{ $labels.port }} (service "
        "{{ $labels.service }}) fails.",
    ),
)


def alert_rules(design: Design, interval: int) -> str:
    """rules/alerts.yml: every alert, `for:` in scrape intervals."""
    rules = [{"alert": alert.name, "expr": alert.expr, "for": f"{alert.intervals * interval}s",
              "labels": {"severity": alert.severity},
              "annotations": {"summary": alert.summary, "description": alert.description}}
             for alert in ALERTS]
    return yaml_text({"groups": [{"name": "netops-alerts", "rules": rules}]}, header(design, "Alert rules"))


def model_rules(design: Design, watched: Watch) -> str:
    """rules/model.yml: the WAN ports and BGP sessions of the model as constant info series."""
    rules: list[dict[str, Any]] = [
        {"record": "netops:wan_port:info", "expr": "vector(1)", "labels": dict(sorted(port.labels.items()))}
        for port in watched.wan_ports]
    rules.extend({"record": "netops:bgp_session:info", "expr": "vector(1)",
                  "labels": dict(sorted(session.labels.items()))} for session in watched.bgp_sessions)
    return yaml_text({"groups": [{"name": "netops-model", "rules": rules}]},
                     header(design, "Facts of the model the alert rules join on (WAN ports, BGP sessions)"))

