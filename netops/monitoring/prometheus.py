"""The files Prometheus, snmp_exporter and blackbox_exporter read, as text.

Prometheus scrapes three jobs, each fed by a file_sd file (targets/<job>.json), and loads the rules of rules/.
Relative paths in prometheus.yml are resolved against the folder of prometheus.yml, so the exported folder works
wherever it is put: `prometheus --config.file=DIR/prometheus.yml`.

The exporters are "Prometheus proxies": Prometheus asks the exporter, which probes the target. So each job moves
the target's address into the `target` URL parameter (`__param_target`) and points `__address__` at the exporter;
`instance` is set by the target file to the device's or target's name, which relabelling leaves as it is.

snmp.yml holds one module, `netops_wan`, written with numeric OIDs (Debian's prometheus-snmp-exporter ships no
snmp.yml and no MIBs, for licensing reasons; numeric OIDs need neither): sysUpTime; per interface (ifIndex, named
by ifDescr, which is the interface's full name on FRR/Linux, IOS-XE and VRP alike, as the model names it)
ifAdminStatus, ifOperStatus and the 64-bit octet counters; per BGP peer (BGP4-MIB) bgpPeerState. SNMPv3 authPriv
with the design's SNMP user (SHA, AES-128), the keys as `$NETOPS_SECRET{...}` tokens like every rendered file:
they are filled in when the file is installed on the monitoring host (netops.render.secrets.substitute), never
written here.
"""

import json
from typing import Any

import yaml

from netops.design import Design
from netops.monitoring.targets import Target
from netops.render.secrets import token
from netops.yamlstyle import IndentedDumper

#: The SNMP module the snmp job asks snmp_exporter for.
SNMP_MODULE = "netops_wan"
#: Blackbox modules of the icmp and tcp jobs.
ICMP_MODULE = "icmp"
TCP_MODULE = "tcp_connect"
#: The target files of the jobs, relative to prometheus.yml.
TARGET_FILES = {"snmp": "targets/snmp.json", "icmp": "targets/icmp.json", "tcp": "targets/tcp.json"}
#: The rule files, relative to prometheus.yml.
MODEL_RULES = "rules/model.yml"
ALERT_RULES = "rules/alerts.yml"
#: Longest a scrape may take (never longer than the interval).
SCRAPE_TIMEOUT = 10
#: How long the blackbox exporter waits for an answer to one probe.
PROBE_TIMEOUT = 5

_IF_INDEX = [{"labelname": "ifIndex", "type": "gauge"}]
_IF_NAME = [{"labels": ["ifIndex"], "labelname": "interface", "oid": "1.3.6.1.2.1.2.2.1.2", "type": "DisplayString"}]
#: (name, OID, type, help, indexes, lookups) of every metric of the SNMP module.
_SNMP_METRICS: tuple[tuple[str, str, str, str, list[dict[str, str]], list[dict[str, Any]]], ...] = (
    ("sysUpTime", "1.3.6.1.2.1.1.3", "gauge",
     "Time since the SNMP agent was last (re)started, in hundredths of a second", [], []),
    ("ifAdminStatus", "1.3.6.1.2.1.2.2.1.7", "gauge",
     "Desired state of the interface: 1 up, 2 down, 3 testing", _IF_INDEX, _IF_NAME),
    ("ifOperStatus", "1.3.6.1.2.1.2.2.1.8", "gauge",
     "Operational state of the interface: 1 up, 2 down, 3 testing, 4 unknown, 5 dormant, 6 notPresent, "
     "7 lowerLayerDown", _IF_INDEX, _IF_NAME),
    ("ifHCInOctets", "1.3.6.1.2.1.31.1.1.1.6", "counter", "Octets received on the interface", _IF_INDEX, _IF_NAME),
    ("ifHCOutOctets", "1.3.6.1.2.1.31.1.1.1.10", "counter", "Octets sent on the interface", _IF_INDEX, _IF_NAME),
    ("bgpPeerState", "1.3.6.1.2.1.15.3.1.2", "gauge",
     "BGP peer connection state: 1 idle, 2 connect, 3 active, 4 opensent, 5 openconfirm, 6 established",
     [{"labelname": "peer", "type": "InetAddressIPv4"}], []),
)


class _Dumper(IndentedDumper):
    """The house style, with multi-line strings (PromQL expressions) as literal blocks, as a person writes them,
    and never an anchor and alias for a value used twice: each place spelled out."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _string)


def yaml_text(document: object, comment: str = "") -> str:
    """A YAML document after its comment lines, in the house style (block lists indented, keys in order, UTF-8)."""
    body = yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return f"---\n{comment}{body}"


def file_sd(targets: tuple[Target, ...]) -> str:
    """A file_sd target file: one group per target (every target has labels of its own), one per line, keys
    sorted (the compact encoder: a whole city's 7,600 targets in a tenth of the indented encoder's time)."""
    if not targets:
        return "[]\n"
    groups = (json.dumps({"targets": [target.address], "labels": dict(sorted(target.labels.items()))},
                         ensure_ascii=False) for target in targets)
    return "[\n" + ",\n".join(groups) + "\n]\n"


def prometheus_config(design: Design, *, interval: int, snmp_exporter: str, blackbox_exporter: str) -> str:
    """prometheus.yml: the three scrape jobs over their target files, the rule files."""
    seconds = f"{interval}s"

    def job(name: str, path: str, module: str, exporter: str) -> dict[str, Any]:
        return {"job_name": name, "metrics_path": path, "params": {"module": [module]},
                "file_sd_configs": [{"files": [TARGET_FILES[name]]}],
                "relabel_configs": [
                    {"source_labels": ["__address__"], "target_label": "__param_target"},
                    {"target_label": "__address__", "replacement": exporter}]}

    document = {
        "global": {"scrape_interval": seconds, "scrape_timeout": f"{min(interval, SCRAPE_TIMEOUT)}s",
                   "evaluation_interval": seconds, "external_labels": {"city": design.network.city.code}},
        "rule_files": [MODEL_RULES, ALERT_RULES],
        "scrape_configs": [job("snmp", "/snmp", SNMP_MODULE, snmp_exporter),
                           job("icmp", "/probe", ICMP_MODULE, blackbox_exporter),
                           job("tcp", "/probe", TCP_MODULE, blackbox_exporter)],
    }
    return yaml_text(document, header(design, "Prometheus configuration"))


def blackbox_config(design: Design) -> str:
    """blackbox.yml: ICMP echo and TCP connect over IPv4 (the model's addresses are IPv4)."""
    ip4 = {"preferred_ip_protocol": "ip4", "ip_protocol_fallback": False}
    document = {"modules": {ICMP_MODULE: {"prober": "icmp", "timeout": f"{PROBE_TIMEOUT}s", "icmp": ip4},
                            TCP_MODULE: {"prober": "tcp", "timeout": f"{PROBE_TIMEOUT}s", "tcp": ip4}}}
    return yaml_text(document, header(design, "blackbox_exporter modules"))


def snmp_walk() -> list[str]:
    """The OIDs the netops_wan module walks (its metrics' and their lookups'), in OID order."""
    return sorted({oid for _, oid, *_ in _SNMP_METRICS} | {lookup["oid"] for *_, lookups in _SNMP_METRICS
                                                          for lookup in lookups},
                  key=lambda oid: tuple(int(part) for part in oid.split(".")))


def snmp_config(design: Design) -> str:
    """snmp.yml: the netops_wan module (module docstring)."""
    metrics = []
    for name, oid, kind, help_text, indexes, lookups in _SNMP_METRICS:
        metric: dict[str, Any] = {"name": name, "oid": oid, "type": kind, "help": help_text}
        if indexes:
            metric["indexes"] = indexes
        if lookups:
            metric["lookups"] = lookups
        metrics.append(metric)
    management = design.management
    document = {SNMP_MODULE: {
        "walk": snmp_walk(), "version": 3,
        "auth": {"username": management.snmp_user, "security_level": "authPriv",
                 "password": token("snmp_auth_key"), "auth_protocol": "SHA",
                 "priv_protocol": "AES", "priv_password": token("snmp_priv_key")},
        "metrics": metrics}}
    return yaml_text(document, header(design, "snmp_exporter module") + (
        "# The keys are $NETOPS_SECRET{...} tokens: fill them in when installing the file (never commit them).\n"))


def header(design: Design, what: str) -> str:
    """The comment a file starts with: what it is, for which city, written by which command."""
    return f"# {what}\n# for {design.network.city.name}, exported by `netops monitoring export` from the city model.\n"
