"""`netops report --out DIR`: the static HTML report with its Markdown and CSV exports."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from netops.cli_support import (
    DEFAULT_INTENT_DIR,
    EXIT_BAD_INPUT,
    AreaOption,
    DistrictOption,
    IntentOption,
    JsonOption,
    SiteOption,
    SourceName,
    SourceOption,
    UnitOption,
    err,
    exit_bad_input,
    exit_for_error,
    folder_summary,
    load_or_exit,
    print_json,
    progress_for,
    write_folder_or_exit,
)
from netops.errors import InputError, ServiceError
from netops.files import MANIFEST, digest, folder_problems
from netops.monitoring.state import MonitoringState, checked_url, read_state
from netops.report.build import analyse, build_report
from netops.report.diagrams import DiagramError
from netops.report.i18n import Lang
from netops.rollout.ledger import read_ledgers
from netops.selectors import scope

#: A report is read by browsers and colleagues: world-readable whatever the umask.
REPORT_MODE = 0o644
#: Files of a report written before reports kept a manifest: its pages, exports and diagrams.
LEGACY_PATTERNS = ("*.html", "*.md", "*.svg", "districts/*.html", "districts/*.md", "districts/*.svg", "csv/*.csv")
_GENERATOR = '<meta name="generator" content="city-netops'


def legacy_report(output: Path) -> dict[str, str]:
    """{relative path: sha256} of a report an earlier netops wrote into output without a manifest (else empty).

    Such a folder is recognised by its index page's generator tag; its pages, exports and diagrams are taken
    as the report's own, and every other file there stays untouched.
    """
    if (output / MANIFEST).exists():
        return {}
    try:
        with (output / "index.html").open(encoding="utf-8", errors="replace") as page:
            head = page.read(4096)
    except OSError:
        return {}
    if _GENERATOR not in head:
        return {}
    return {p.relative_to(output).as_posix(): digest(p.read_bytes()) for pattern in LEGACY_PATTERNS
            for p in output.glob(pattern) if p.is_file() and not p.is_symlink()}


def register(app: typer.Typer) -> None:
    """Mount `netops report` on the main application."""

    @app.command("report")
    def report_command(
        output: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the report into")],
        intent: IntentOption = DEFAULT_INTENT_DIR,
        source: SourceOption = SourceName.INTENT,
        force: Annotated[bool, typer.Option("--force", help="Write even over files report did not write, or "
                                                            "that were edited since it wrote them")] = False,
        prometheus: Annotated[str | None, typer.Option(
            "--prometheus", metavar="URL", help="Show each site's monitoring state, read from this Prometheus (fed "
            "by `netops monitoring export`), with the time it was read: the overview lists the sites cut off or "
            "degraded, district pages every site's state, csv/monitoring.csv all of them")] = None,
        lang: Annotated[Lang, typer.Option("--lang", help="Language of the pages and report.md: vi (Vietnamese) "
                                                          "or en; the CSV files are the same in both")] = Lang.VI,
        as_json: JsonOption = False,
        unit: UnitOption = None,
        area: AreaOption = None,
        district: DistrictOption = None,
        site: SiteOption = None,
    ) -> None:
        """Write the planner report: index.html (map, topology, tables), a page per district, report.md and
        csv/. Static files only: open index.html from disk, nothing is fetched.

        The --out folder must be new, empty, or one report wrote (it keeps .netops-manifest.json there); files
        report wrote and nobody changed are replaced or removed, anything else is refused unless --force.

        --unit, --area, --district and --site add up: only the pages and CSV rows of the selected sites (the
        overview says so); the analyses still judge the whole network."""
        # Checked before any work: --out naming a file or an unwritable place is bad usage, not a crash later.
        problems = folder_problems(output)
        if prometheus is not None:
            try:
                checked_url(prometheus)
            except InputError as error:
                problems = [*problems, *error.problems]
        if problems:
            exit_bad_input(problems, as_json)
        network = load_or_exit(intent, as_json, source=source).network
        try:
            selected = scope(network, units=unit, areas=area, districts=district, sites=site).sites
        except InputError as error:
            exit_bad_input(error.problems, as_json)
        # The rollout evidence is kept beside the intent whatever the source of the network.
        try:
            ledgers = read_ledgers(intent, (site.slug for site in network.sites))
        except InputError as error:
            exit_bad_input(error.problems, as_json)
        monitoring: MonitoringState | None = None
        if prometheus is not None:
            try:
                monitoring = read_state(prometheus)
            except (InputError, ServiceError) as error:
                exit_for_error(error, as_json)
        try:
            with progress_for(as_json).task("report: analyses, pages", total=2) as steps:
                analyses = analyse(network, ledgers, datetime.now(UTC))
                steps.advance()
                files = build_report(network, analyses, monitoring=monitoring, lang=lang, sites=selected)
                steps.advance()
        except DiagramError as error:
            exit_for_error(RuntimeError(f"{error}; nothing was written"), as_json, code=EXIT_BAD_INPUT)
        result = write_folder_or_exit(output, files, command="report", force=force, adopt=legacy_report(output),
                                      mode=REPORT_MODE, as_json=as_json)
        if as_json:
            print_json(folder_summary(output, result, files=len(files), index=str(output / "index.html")))
            return
        written, unchanged, removed = len(result.written), len(result.unchanged), len(result.removed)
        err.print(f"{output}: {len(files)} files ({written} written, {unchanged} unchanged, {removed} stale removed); "
                  f"open {output / 'index.html'}", markup=False, highlight=False, emoji=False)
