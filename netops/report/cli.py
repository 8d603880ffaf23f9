"""`netops report --out DIR`: the static HTML report with its Markdown and CSV exports."""

from pathlib import Path
from typing import Annotated

import typer

from netops.cli_support import DEFAULT_INTENT_DIR, EXIT_BAD_INPUT, IntentOption, Source, SourceOption, err, load_or_exit
from netops.files import write_atomic
from netops.report.build import build_report
from netops.report.diagrams import DiagramError

#: Files of an earlier report the current one no longer has (a district gone) are removed; only these.
OWNED_PATTERNS = ("districts/*.html", "districts/*.md", "districts/*.svg", "csv/*.csv")


def write_report(files: dict[str, str], output: Path) -> tuple[int, int, int]:
    """Write the files (atomically, unchanged ones untouched), remove stale ones; (written, unchanged, removed)."""
    written = 0
    for relative, text in sorted(files.items()):
        if write_atomic(output / relative, text):
            written += 1
            # write_atomic's temporary file is private (0600); a report is read by browsers and colleagues.
            (output / relative).chmod(0o644)
    stale = [p for pattern in OWNED_PATTERNS for p in output.glob(pattern)
             if p.relative_to(output).as_posix() not in files]
    for path in stale:
        path.unlink()
    return written, len(files) - written, len(stale)


def register(app: typer.Typer) -> None:
    """Mount `netops report` on the main application."""

    @app.command("report")
    def report_command(
        output: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the report into")],
        intent: IntentOption = DEFAULT_INTENT_DIR,
        source: SourceOption = Source.INTENT,
    ) -> None:
        """Write the planner report: index.html (map, topology, tables), a page per district, report.md and
        csv/. Static files only: open index.html from disk, nothing is fetched."""
        network = load_or_exit(intent, as_json=False, source=source).network
        try:
            files = build_report(network)
        except DiagramError as error:
            err.print(f"error: {error}; nothing was written", highlight=False)
            raise typer.Exit(EXIT_BAD_INPUT) from error
        written, unchanged, removed = write_report(files, output)
        err.print(f"{output}: {len(files)} files ({written} written, {unchanged} unchanged, {removed} stale removed); "
                  f"open {output / 'index.html'}", highlight=False)
