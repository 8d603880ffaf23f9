"""`netops query`: sites, devices and circuits filtered, with counts and totals; table, CSV or JSON."""

import csv
import dataclasses
import io
import json
import sys
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.table import Table as RichTable

from citynet_models.problems import Problem
from citynet_models.types import DeviceRole, LifecycleStatus, Platform, Redundancy, SiteKind
from netops.analysis.results import dumps, to_jsonable
from netops.cli_support import (
    DEFAULT_INTENT_DIR,
    IntentOption,
    JsonOption,
    SourceName,
    SourceOption,
    err,
    exit_bad_input,
    exit_for_error,
    load_or_exit,
    out,
)
from netops.errors import InputError, ServiceError
from netops.monitoring.state import MonitoringState, checked_url, read_state
from netops.query.engine import Entity, FilterError, GroupBy, QueryFilters, QueryResult, Totals, query, totals


class What(StrEnum):
    """What `netops query` answers."""

    SITES = "sites"
    DEVICES = "devices"
    CIRCUITS = "circuits"
    TOTALS = "totals"


class OutputFormat(StrEnum):
    """How rows are printed."""

    TABLE = "table"
    CSV = "csv"
    JSON = "json"


def csv_text(rows: list[dict[str, Any]]) -> str:
    """Rows as CSV with a header line (empty text for no rows)."""
    if not rows:
        return ""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)
    return buffer.getvalue()


def _print_rows(title: str, rows: list[dict[str, Any]]) -> None:
    table = RichTable(title=title, title_justify="left")
    for column in rows[0]:
        table.add_column(column, no_wrap=True)
    for row in rows:
        table.add_row(*("" if value is None else str(value) for value in row.values()))
    out.print(table)


def _print_totals(result: Totals) -> None:
    out.print(f"totals: {result.sites} sites, {result.devices} devices, {result.circuits} circuits, "
              f"{result.bandwidth_mbps} Mbit/s", highlight=False)
    if result.by_provider:
        _print_rows("per provider", list(result.by_provider))
    if result.groups:
        _print_rows(f"by {result.group_by}", list(result.groups))


def with_monitoring(result: QueryResult, state: MonitoringState) -> QueryResult:
    """The rows with their site's monitoring state: a site's status, reachability, what does not answer and its
    alerts; a device's SNMP answer and its site's status; a circuit's served site's status."""
    rows: list[dict[str, Any]] = []
    for row in result.rows:
        if result.entity == Entity.SITES:
            rows.append({**row, **state.of(row["slug"]).columns()})
        elif result.entity == Entity.DEVICES:
            site = state.of(row["site"])
            answers = site.device_up(row["name"])
            rows.append({**row, "snmp": {True: "up", False: "down", None: "unknown"}[answers],
                         "monitoring": site.status.value})
        else:
            rows.append({**row, "monitoring": state.of(row["site"]).status.value})
    return dataclasses.replace(result, rows=tuple(rows))


def register(app: typer.Typer) -> None:
    """Mount `netops query` on the main application."""

    @app.command("query")
    def query_command(
        what: Annotated[What, typer.Argument(help="sites, devices, circuits, or totals of the selection")],
        intent: IntentOption = DEFAULT_INTENT_DIR,
        source: SourceOption = SourceName.INTENT,
        area: Annotated[list[str] | None, typer.Option(help="Aggregation area code, slug or name (repeatable)")]
        = None,
        district: Annotated[list[str] | None, typer.Option(help="District code, slug or name (repeatable; in a 2025 "
                                                                "intent, which has no districts: the area)")] = None,
        ward: Annotated[list[str] | None, typer.Option(
            "--ward", "--unit", help="Ward (legacy) or commune-level unit (2025) code, slug or name (repeatable)")]
        = None,
        kind: Annotated[list[SiteKind] | None, typer.Option(help="Site kind (repeatable)")] = None,
        status: Annotated[list[LifecycleStatus] | None, typer.Option(help="Lifecycle status (repeatable)")] = None,
        role: Annotated[list[DeviceRole] | None, typer.Option(help="Device role (repeatable)")] = None,
        platform: Annotated[list[Platform] | None, typer.Option(help="Device platform (repeatable)")] = None,
        provider: Annotated[list[str] | None, typer.Option(help="Circuit provider slug or name (repeatable)")] = None,
        min_bandwidth: Annotated[int | None, typer.Option(min=0, help="Circuits of at least this many Mbit/s")] = None,
        max_bandwidth: Annotated[int | None, typer.Option(min=0, help="Circuits of at most this many Mbit/s")] = None,
        redundancy: Annotated[Redundancy | None, typer.Option(help="Site redundancy")] = None,
        by: Annotated[GroupBy | None, typer.Option(help="Group the totals by this dimension")] = None,
        output_format: Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format")] =
            OutputFormat.TABLE,
        as_json: JsonOption = False,
        prometheus: Annotated[str | None, typer.Option(
            "--prometheus", metavar="URL", help="Add each row's monitoring state, read from this Prometheus (fed by "
            "`netops monitoring export`): a site's status, reachability from the data center, devices and "
            "gateways not answering, alerts firing; a device's SNMP answer")] = None,
    ) -> None:
        """The planner's questions: sites, devices or circuits matching filters across their relations
        (provider, bandwidth, redundancy, status), or the totals of the selection, as a table, CSV or JSON.
        To look at the derived model itself (interfaces, addresses, LANs), use `netops show`.

        Site filters apply through each row's site; device and circuit filters to the row or to what it is
        related to (a site's devices and uplink circuits, a device's circuits, a circuit's two ends).
        """
        if as_json:
            output_format = OutputFormat.JSON
        machine = output_format is OutputFormat.JSON
        if prometheus is not None:
            # Checked before any work: a bad URL, or a question monitoring has no column for, is bad usage.
            try:
                checked_url(prometheus)
            except InputError as error:
                exit_bad_input(error.problems, machine)
            if what is What.TOTALS:
                exit_bad_input([Problem(path=("--prometheus",), message="totals have no monitoring state",
                                        expected="query sites, devices or circuits", found="query totals",
                                        hint="`netops query sites --prometheus URL` shows each site's state")],
                               machine)
        network = load_or_exit(intent, machine, source=source).network
        filters = QueryFilters(
            areas=tuple(area or ()), districts=tuple(district or ()), wards=tuple(ward or ()), kinds=tuple(kind or ()),
            statuses=tuple(status or ()), roles=tuple(role or ()), platforms=tuple(platform or ()),
            providers=tuple(provider or ()), min_bandwidth=min_bandwidth, max_bandwidth=max_bandwidth,
            redundancy=redundancy,
        )
        try:
            if what is What.TOTALS:
                result: Any = totals(network, filters, by)
            else:
                result = query(network, Entity(what.value), filters, by)
        except FilterError as error:
            exit_bad_input([error.problem()], machine)
        state = None
        if prometheus is not None:
            try:
                state = read_state(prometheus)
            except (InputError, ServiceError) as error:
                exit_for_error(error, machine)
            result = with_monitoring(result, state)
        if output_format is OutputFormat.JSON:
            if state is None:
                sys.stdout.write(dumps(result))
            else:
                data = {**to_jsonable(result), "monitoring": state.source()}
                sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
            return
        if isinstance(result, Totals):
            if output_format is OutputFormat.CSV:
                sys.stdout.write(csv_text(list(result.groups or result.by_provider)))
            else:
                _print_totals(result)
            return
        if output_format is OutputFormat.CSV:
            sys.stdout.write(csv_text(list(result.rows)))
            return
        if not result.rows:
            err.print(f"no {what.value} match the filters")
        else:
            seen = f"; monitoring from {state.url} at {state.when}" if state is not None else ""
            _print_rows(f"{what.value} ({result.count}){seen}", list(result.rows))
        _print_totals(result.totals)
