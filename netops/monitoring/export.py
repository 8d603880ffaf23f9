"""The exported monitoring folder as a whole: relative path -> text, the same bytes for the same model.

    prometheus.yml        scrape jobs snmp, icmp, tcp; rule files; intervals
    targets/snmp.json     file_sd: every device, polled through snmp_exporter (module netops_wan)
    targets/icmp.json     file_sd: every router loopback and site LAN gateway, pinged through blackbox_exporter
    targets/tcp.json      file_sd: every tcp port of every data-center service, connected to through blackbox_exporter
    rules/model.yml       the model's WAN ports and BGP sessions, as info series
    rules/alerts.yml      the alert rules
    blackbox.yml          blackbox_exporter's modules (icmp, tcp_connect)
    snmp.yml              snmp_exporter's module netops_wan (SNMPv3 keys as secret tokens)
"""

from collections.abc import Iterable
from dataclasses import dataclass

from netops.design import Design
from netops.monitoring.prometheus import (
    ALERT_RULES,
    MODEL_RULES,
    TARGET_FILES,
    blackbox_config,
    file_sd,
    prometheus_config,
    snmp_config,
)
from netops.monitoring.rules import alert_rules, model_rules
from netops.monitoring.targets import Watch, watch

#: Scrape and rule-evaluation interval by default, in seconds.
DEFAULT_INTERVAL = 30
#: Where the exporters listen by default: beside Prometheus, on the monitoring host.
DEFAULT_SNMP_EXPORTER = "127.0.0.1:9116"
DEFAULT_BLACKBOX_EXPORTER = "127.0.0.1:9115"


@dataclass(frozen=True, slots=True)
class Options:
    """How the exported Prometheus runs: its interval, and where its exporters listen (host:port)."""

    interval: int = DEFAULT_INTERVAL
    snmp_exporter: str = DEFAULT_SNMP_EXPORTER
    blackbox_exporter: str = DEFAULT_BLACKBOX_EXPORTER


@dataclass(frozen=True, slots=True)
class Export:
    """The files of an export, and what they watch."""

    files: dict[str, str]
    watched: Watch


def export(design: Design, options: Options = Options(), sites: Iterable[str] | None = None) -> Export:
    """Every file of the monitoring folder for the sites given (every site when None)."""
    watched = watch(design, sites)
    files = {
        "prometheus.yml": prometheus_config(design, interval=options.interval, snmp_exporter=options.snmp_exporter,
                                            blackbox_exporter=options.blackbox_exporter),
        TARGET_FILES["snmp"]: file_sd(watched.snmp),
        TARGET_FILES["icmp"]: file_sd(watched.icmp),
        TARGET_FILES["tcp"]: file_sd(watched.tcp),
        MODEL_RULES: model_rules(design, watched),
        ALERT_RULES: alert_rules(design, options.interval),
        "blackbox.yml": blackbox_config(design),
        "snmp.yml": snmp_config(design),
    }
    return Export(dict(sorted(files.items())), watched)
