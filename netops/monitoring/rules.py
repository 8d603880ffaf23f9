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
from json.encoder import encode_basestring

from netops.design import Design
from netops.monitoring.prometheus import header, yaml_text
from netops.monitoring.targets import BgpSession, WanPort, Watch

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
        'and on (device) (up{job="snmp"} == 1)\n'
        'and on (device) (count by (device) (bgpPeerState{job="snmp"}) > 0)\n',
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


def _quoted(value: str) -> str:
    """A string as JSON writes it (without escaping UTF-8), which YAML reads back as the same string."""
    return encode_basestring(value)


def model_rules(design: Design, watched: Watch) -> str:
    """rules/model.yml: the WAN ports and BGP sessions of the model as constant info series.

    Written line by line rather than through PyYAML's emitter, which took 11 s for the 7,700 rules of a 30-district
    city: every value is a JSON string, which YAML reads as the same double-quoted string.
    """
    lines = ["groups:", "  - name: netops-model", "    rules:" + ("" if watched.wan_ports or watched.bgp_sessions
                                                                else " []")]
    facts: tuple[tuple[str, tuple[WanPort, ...] | tuple[BgpSession, ...]], ...] = (
        ("netops:wan_port:info", watched.wan_ports), ("netops:bgp_session:info", watched.bgp_sessions))
    for record, found in facts:
        for fact in found:
            lines.extend((f"      - record: {record}", "        expr: vector(1)", "        labels:"))
            lines.extend(f"          {name}: {_quoted(value)}"
                         for name, value in sorted(fact.labels.items()))
    comment = header(design, "Facts of the model the alert rules join on (WAN ports, BGP sessions)")
    return f"---\n{comment}" + "\n".join(lines) + "\n"
