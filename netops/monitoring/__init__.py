"""Monitoring the city WAN with Prometheus, fed from the model (`netops monitoring export`).

One job per module:
- `targets`: what to watch, from the running Network: an SNMP target per device, ICMP probes of every router
  loopback and every site LAN gateway, TCP probes of every data-center service port, and the facts the alert rules
  join on (which interfaces are WAN links, which BGP sessions the design has), each labelled with site, unit,
  kind, role, redundancy, device and platform.
- `prometheus`: the files Prometheus and its exporters read: file_sd target files, prometheus.yml with the
  relabelling snmp_exporter and blackbox_exporter need, blackbox.yml and snmp.yml (the SNMP module, numeric OIDs).
- `rules`: the alert rules (device down, WAN link down, site cut off from the data center, BGP session down,
  service unreachable) and the recording rules holding the model's facts.
- `export`: the output folder as a whole (relative path -> text), stable byte for byte.
- `cli`: the `netops monitoring` command group.
"""
