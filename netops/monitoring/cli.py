"""`netops monitoring export --out DIR`: Prometheus targets, configuration and alert rules from the model.

Exit codes (netops.errors): 0 written (or already up to date); 2 bad input (the intent, an unknown --area, a bad
exporter address, an --out folder netops did not write); 3 NetBox (--source netbox) could not be reached.
"""

import json
import re
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from citynet_models.problems import Problem
from netops.cli_support import (
    DEFAULT_INTENT_DIR,
    AreaOption,
    DistrictOption,
    ForceOption,
    IntentOption,
    JsonOption,
    SiteOption,
    SourceName,
    SourceOption,
    UnitOption,
    err,
    exit_bad_input,
    exit_for_source,
    out,
    write_folder_or_exit,
)
from netops.design import build_design, settings_in_force
from netops.errors import InputError
from netops.files import folder_problems
from netops.gc_policy import no_cyclic_gc
from netops.monitoring.export import (
    DEFAULT_BLACKBOX_EXPORTER,
    DEFAULT_INTERVAL,
    DEFAULT_SNMP_EXPORTER,
    Options,
    export,
)
from netops.selectors import scope
from netops.sources import SourceUnavailableError, source_of

app = typer.Typer(name="monitoring", no_args_is_help=True,
                  help="Monitoring the WAN with Prometheus: targets, configuration and alert rules from the model.")

#: host:port of an exporter (a name or an IPv4 address, a port 1-65535).
_ADDRESS = re.compile(r"^(?P<host>[A-Za-z0-9.-]+):(?P<port>[0-9]{1,5})$")


@app.command("export")
def export_command(
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder for prometheus.yml, targets/, rules/, "
                                                               "blackbox.yml and snmp.yml")],
    intent: IntentOption = DEFAULT_INTENT_DIR,
    from_source: SourceOption = SourceName.INTENT,
    unit: UnitOption = None,
    area: AreaOption = None,
    district: DistrictOption = None,
    site: SiteOption = None,
    settings_file: Annotated[Path | None, typer.Option("--settings", help="Render settings YAML (the SNMP user; "
                                                       "netops/render/settings.py)")] = None,
    interval: Annotated[int, typer.Option(min=5, max=300, help="Scrape and rule-evaluation interval in seconds; "
                                                                "alerts wait a few intervals")] = DEFAULT_INTERVAL,
    snmp_exporter: Annotated[str, typer.Option(help="host:port of snmp_exporter, as Prometheus reaches it")]
    = DEFAULT_SNMP_EXPORTER,
    blackbox_exporter: Annotated[str, typer.Option(help="host:port of blackbox_exporter, as Prometheus reaches "
                                                        "it")] = DEFAULT_BLACKBOX_EXPORTER,
    as_json: JsonOption = False,
    force: ForceOption = False,
) -> None:
    """Write Prometheus file_sd targets, prometheus.yml, alert rules and the exporters' configs (docs/monitoring.md).

    --unit, --area, --district and --site add up to the sites watched (default: every site); the data-center
    services are always probed.

    The --out folder must be new, empty, or one this command wrote (it keeps .netops-manifest.json there): files it
    wrote and nobody changed are replaced or removed, anything else is refused unless --force.
    """
    # Checked before any work: bad usage is reported before the city is loaded, all of it at once.
    problems = [*folder_problems(out_dir), *_address_problems("--snmp-exporter", snmp_exporter),
                *_address_problems("--blackbox-exporter", blackbox_exporter)]
    if problems:
        exit_bad_input(problems, as_json)
    # The city is loaded once and kept to the end: cyclic GC passes over it would find nothing to free and cost a
    # third of the command (netops.gc_policy).
    with no_cyclic_gc(keep_frozen=True):
        try:
            settings = settings_in_force(settings_file)
            network = source_of(from_source, intent).load().running
            chosen = scope(network, units=unit, areas=area, districts=district, sites=site)
        except InputError as error:
            exit_bad_input(error.problems, as_json)
        except SourceUnavailableError as error:
            exit_for_source(error, as_json)
        started = time.perf_counter()
        design = build_design(network, settings)
        watched_sites = None if chosen.sites is None else chosen.site_slugs(network)
        exported = export(design, Options(interval, snmp_exporter, blackbox_exporter), watched_sites)
        elapsed = time.perf_counter() - started
    result = write_folder_or_exit(out_dir, exported.files, command="monitoring export", force=force,
                                  as_json=as_json)
    watched = exported.watched
    counts = {"snmp": len(watched.snmp), "icmp": len(watched.icmp), "tcp": len(watched.tcp),
              "wan_ports": len(watched.wan_ports), "bgp_sessions": len(watched.bgp_sessions)}
    if as_json:
        sys.stdout.write(json.dumps({"out": str(out_dir), "targets": counts, "seconds": round(elapsed, 3),
                                     "written": result.written, "unchanged": result.unchanged,
                                     "removed": result.removed}, indent=2) + "\n")
        return
    out.print(f"{out_dir}: {counts['snmp']} SNMP targets, {counts['icmp']} ICMP probes, {counts['tcp']} TCP "
              f"probes, {counts['wan_ports']} WAN ports and {counts['bgp_sessions']} BGP sessions for the rules "
              f"({len(result.written)} files written, {len(result.unchanged)} unchanged, {len(result.removed)} "
              f"stale removed) in {elapsed:.2f} s", markup=False, highlight=False, emoji=False)
    if not watched.snmp:
        err.print("note: no device in the selection; only the data-center services are probed", markup=False,
                  highlight=False)


def _address_problems(option: str, value: str) -> list[Problem]:
    """A problem when an exporter address is not host:port."""
    match = _ADDRESS.match(value)
    if match is not None and 1 <= int(match["port"]) <= 65535:
        return []
    return [Problem(path=(option,), message="not an exporter address", expected="host:port, e.g. 127.0.0.1:9116",
                    found=repr(value), hint="give the address and port Prometheus reaches the exporter at")]
