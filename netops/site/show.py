"""One site as `netops site add` and `netops site show` print it: its unit, area, kind and status, devices,
uplinks, LANs with their prefixes, its allocation and, when it has one, its rollout ledger."""

from typing import Any

from citynet_models.allocations import SiteAllocation
from citynet_models.network import Network
from citynet_models.rollout import SiteLedger
from citynet_models.sites import Site


def ledger_transitions(ledger: SiteLedger | None) -> list[dict[str, Any]] | None:
    """The ledger's transitions as JSON holds them, oldest first (None: the site has no ledger, so it is planned)."""
    if ledger is None:
        return None
    return [step.model_dump(mode="json") for step in ledger.transitions]


def site_summary(network: Network, site: Site, allocation: SiteAllocation | None,
                 transitions: list[dict[str, Any]] | None) -> dict[str, Any]:
    """The site as data (what --json prints, and the text is made of)."""
    unit = next((ward for ward in network.wards if ward.code == site.ward), None)
    area = next((area for area in network.areas if area.code == site.area), None)
    devices = network.devices_by_site.get(site.slug, [])
    links = network.uplinks_by_site.get(site.slug, [])
    return {
        "slug": site.slug,
        "name": site.name,
        "kind": site.kind,
        "status": site.status.value,
        "unit": None if unit is None else {"code": unit.code, "name": unit.name},
        "area": None if area is None else {"code": area.code, "name": area.name},
        "redundancy": None if site.redundancy is None else site.redundancy.value,
        "coordinates": None if site.coordinates is None else {"latitude": site.coordinates.latitude,
                                                              "longitude": site.coordinates.longitude},
        "devices": [{"name": device.name, "role": device.role.value, "platform": device.platform.value,
                     "loopback": None if device.loopback is None else str(device.loopback),
                     "management": str(device.management)} for device in devices],
        "uplinks": [{"device": link.downstream.device, "interface": link.downstream.interface,
                     "to": link.upstream.device, "port": link.upstream.interface, "prefix": str(link.prefix),
                     "circuit": None if link.circuit is None else link.circuit.circuit_id} for link in links],
        "lans": [{"name": lan.name, "role": lan.role.value, "vlan": lan.vlan, "prefix": str(lan.prefix),
                  "gateway": str(lan.gateway), "hosts": lan.hosts} for lan in site.lans],
        "allocation": None if allocation is None else allocation.model_dump(mode="json"),
        "transitions": transitions,
    }


def summary_lines(summary: dict[str, Any]) -> list[str]:
    """The site as text, a fact per line."""
    unit, area = summary["unit"], summary["area"]
    lines = [
        f"site {summary['slug']}: {summary['name']}",
        f"  kind:       {summary['kind']}" + (f", {summary['redundancy']}" if summary["redundancy"] else ""),
        f"  unit:       {unit['code']} {unit['name']}" if unit else "  unit:       -",
        f"  area:       {area['code']} {area['name']}" if area else "  area:       - (homed to the data center)",
        f"  status:     {summary['status']}",
    ]
    if summary["coordinates"]:
        lines.append(f"  location:   {summary['coordinates']['latitude']}, {summary['coordinates']['longitude']}")
    lines.append("  devices:")
    lines += [f"    {d['name']}  {d['role']}  {d['platform']}  loopback {d['loopback'] or '-'}  "
              f"management {d['management']}" for d in summary["devices"]]
    lines.append("  uplinks:")
    lines += [f"    {u['device']}:{u['interface']} -> {u['to']}:{u['port']}  {u['prefix']}"
              + (f"  circuit {u['circuit']}" if u["circuit"] else "") for u in summary["uplinks"]] or ["    -"]
    lines.append("  lans:")
    lines += [f"    {lan['name']}  vlan {lan['vlan']}  {lan['prefix']}  gateway {lan['gateway']}  "
              f"{lan['hosts']} hosts" for lan in summary["lans"]] or ["    -"]
    allocation = summary["allocation"]
    if allocation is None:
        lines.append("  allocation: - (not recorded: `netops allocations update` records it)")
    else:
        ports = ", ".join(f"{ref} {port}" for ref, port in allocation["ports"].items())
        lines.append(f"  allocation: {allocation['key']}" + (f"  ports {ports}" if ports else ""))
    transitions = summary["transitions"]
    if transitions is None:
        lines.append("  rollout:    no ledger")
    else:
        lines.append("  rollout:")
        for entry in transitions:
            by = f" by {entry['by']}" if entry["by"] else ""
            commit = f" at commit {str(entry['commit'])[:12]}" if entry["commit"] else ""
            evidence = ", ".join(str(name) for name in entry["evidence"] or [])
            lines.append(f"    {entry['state']}  {entry['at']}{by}{commit}: {entry['summary'] or ''}"
                         + (f" [{evidence}]" if evidence else ""))
    return lines
