"""One site as `netops site add` and `netops site show` print it: its unit, area, kind and status, devices,
uplinks, LANs with their prefixes, its allocation and, when it has one, its rollout ledger."""

from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from citynet_models.allocations import SiteAllocation
from citynet_models.network import Network
from citynet_models.problems import Location, Problem
from citynet_models.sites import Site
from netops.intent.loader import display_path

#: Where the rollout keeps a site's evidence and ledger, beside the intent (issue 16's shared contract).
ROLLOUT_DIR = "rollout"
LEDGER_FILE = "ledger.yml"
#: The fields of a ledger's transition, in the order they are shown.
_TRANSITION_FIELDS = ("state", "at", "by", "commit", "evidence", "summary")


def ledger_path(intent_dir: Path, slug: str) -> Path:
    """Where the site's rollout ledger is kept."""
    return intent_dir / ROLLOUT_DIR / slug / LEDGER_FILE


def read_transitions(intent_dir: Path, slug: str) -> list[dict[str, Any]] | None:
    """The transitions the site's ledger lists, in order (None: the site has no ledger, so it is planned).

    The ledger is read as YAML, a list of transitions or a mapping with `transitions:`; a malformed one is bad
    input (ValueError holding the Problem)."""
    path = ledger_path(intent_dir, slug)
    if not path.is_file():
        return None
    shown = display_path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise LedgerError(_ledger_problem(shown, f"unreadable: {error}")) from error
    entries = data.get("transitions") if isinstance(data, dict) else data
    if not isinstance(entries, list) or not all(isinstance(entry, dict) and "state" in entry for entry in entries):
        raise LedgerError(_ledger_problem(shown, type(entries).__name__ if entries is not None else "nothing"))
    return [{field: _plain(entry.get(field)) for field in _TRANSITION_FIELDS} for entry in entries]


def _plain(value: Any) -> Any:
    """A ledger value as JSON holds it: an unquoted time (which YAML reads as a datetime) in ISO 8601."""
    if isinstance(value, datetime | date):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


class LedgerError(ValueError):
    """A site's ledger that cannot be read; carries the problem."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(problem.message)


def _ledger_problem(shown: str, found: str) -> Problem:
    return Problem(path=("rollout",), message="the site's rollout ledger cannot be read",
                   expected="the transitions `netops rollout` records ({state, at, by, commit, evidence, summary})",
                   found=found, hint="restore it from git: only `netops rollout` writes it",
                   location=Location(shown, 1))


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
