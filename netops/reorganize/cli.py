"""`netops reorganize --to 2025`: a legacy-structured intent as the 2025 structure, written to a new folder.

Exit codes (netops.errors): 0 written (or, with --dry-run, listed); 2 bad input (an invalid intent, a policy
file with errors, an intent already in the 2025 structure, an output folder holding files the command did not
write).
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from citynet_models.allocations import AllocationRecord
from citynet_models.problems import Location, Problem
from citynet_models.types import LifecycleStatus
from netops.allocations.store import dump_record
from netops.cli_support import (
    DEFAULT_INTENT_DIR,
    ForceOption,
    IntentOption,
    JsonOption,
    err,
    exit_bad_input,
    out,
    write_folder_or_exit,
)
from netops.errors import InputError
from netops.files import folder_problems
from netops.gc_policy import no_cyclic_gc
from netops.intent.allocations import ALLOCATIONS_FILE
from netops.intent.loader import LoadedIntent, load_model_file
from netops.pipeline import load_intent_and_network
from netops.reorganize.history import Fates, carried_history
from netops.reorganize.plan import Reorganization, reorganize
from netops.reorganize.policy import ReorganizePolicy

#: Most moves listed one by one by default: a whole city's 1,600 rows are for `--moves` or `--json`.
LONG_LISTING = 200


class Target(StrEnum):
    """Structures a reorganization can lead to."""

    Y2025 = "2025"


def register(app: typer.Typer) -> None:
    """Mount `reorganize` on the netops command line."""
    app.command("reorganize")(reorganize_command)


def reorganize_command(
    to: Annotated[Target, typer.Option("--to", help="The structure to reorganize into")],
    output: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Folder to write the reorganized intent into (new, or one reorganize wrote)")] = None,
    policy: Annotated[Path | None, typer.Option(
        "--policy", help="Policy file: the exceptions to the default rules (docs/reorganize.md)")] = None,
    intent: IntentOption = DEFAULT_INTENT_DIR,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what becomes of each site; write nothing")] = False,
    moves: Annotated[bool, typer.Option(
        "--moves", help=f"List every site's move even when more than {LONG_LISTING} sites move (otherwise counted "
                        "by kind)")] = False,
    as_json: JsonOption = False,
    force: ForceOption = False,
) -> None:
    """Turn a legacy-structured intent (districts/) into the 2025 structure (areas/ and communes/).

    Every site keeps its slug, devices, addresses and ports (the allocation record goes along) and moves to the
    unit its ward became; each unit keeps one committee, party committee and office per mass organization,
    renamed after it; the other merged wards' committees become public-service points; district committees that
    host aggregation routers become their area's hubs; other district-level sites are retired (their allocations
    stay recorded until released).
    Review the new folder in git, then replace the intent with it.
    """
    if output is None and not dry_run:
        exit_bad_input([Problem(path=("--out",), message="no output folder",
                                expected="--out DIR (a new folder), or --dry-run", found="neither",
                                hint="`netops reorganize --to 2025 --out inventory/city-2025`, then review it")],
                       as_json)
    if output is not None:  # a place that cannot take the folder is refused before any work
        problems = folder_problems(output)
        if problems:
            exit_bad_input(problems, as_json)
    try:
        # The intent must be valid before anything is planned from it; its files, once loaded, are planned from.
        loaded, resolution = load_intent_and_network(intent)
    except InputError as error:
        exit_bad_input(error.problems, as_json)
    try:
        rules = load_model_file(policy, ReorganizePolicy, "reorganization policy") if policy else ReorganizePolicy()
        result = reorganize_folder(intent, loaded, resolution.allocations, rules, output=output)
    except InputError as error:
        exit_bad_input(error.problems, as_json)
    if as_json:
        out.print_json(json.dumps({"moves": [move.__dict__ for move in result.moves],
                                   "files": sorted(result.files)}, ensure_ascii=False))
    elif moves or len(result.moves) <= LONG_LISTING:
        _print_moves(result)
    else:
        _print_summary(result)
    if dry_run or output is None:
        return
    written = write_folder_or_exit(output, result.files, command="reorganize", force=force)
    err.print(f"{output}: {len(result.files)} files ({len(written.written)} written, {len(written.unchanged)} "
              f"unchanged, {len(written.removed)} stale removed)", markup=False, highlight=False, emoji=False)


def reorganize_folder(intent: Path, loaded: LoadedIntent, allocations: AllocationRecord | None,
                      policy: ReorganizePolicy, *, output: Path | None = None) -> Reorganization:
    """The reorganization of the valid legacy intent in a folder, as loaded; ``allocations``: its record brought
    up to date by resolving it (`Resolution.allocations`), which goes along, and so does every site's rollout
    history (netops.reorganize.history; ``output``: the folder an earlier run wrote, if any). InputError when it
    cannot be reorganized."""
    texts = _carried_over(intent)
    if allocations is not None:
        # The record goes along up to date: every site keeps its key and ports in its new unit.
        texts[ALLOCATIONS_FILE] = dump_record(allocations)
    with no_cyclic_gc():  # the intent is a large graph of long-lived objects (netops/gc_policy.py)
        result = reorganize(loaded, texts, policy)
    decommissioned = LifecycleStatus.DECOMMISSIONED.value
    fates = Fates(slugs={move.slug: move.slug for move in result.moves},
                  decommissioned={move.slug for move in result.moves if move.status == decommissioned},
                  retired={move.slug for move in result.moves if move.retired})
    result.files.update(carried_history(intent, fates, earlier=output))
    return result


#: Files of the intent the new one carries over as they are written (city.yml gets its structure line).
CARRIED_OVER = ("city.yml", "units/legacy.yml", "units/2025.yml")


def _carried_over(intent: Path) -> dict[str, str]:
    texts = {}
    for name in CARRIED_OVER:
        path = intent / name
        if not path.exists() and name != "city.yml":
            continue
        try:
            texts[name] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise InputError([Problem(path=(), message=f"cannot read {name}", found=str(error),
                                      location=Location(str(path), 1))]) from error
    return texts


def _print_summary(result: Reorganization) -> None:
    """What becomes of the sites, counted by their kind in the new intent."""
    table = Table(title=f"reorganization ({len(result.moves)} sites moved; `--moves` lists each, `--json` too)")
    columns = ("kind", "sites", "to units", "hubs", "retired", "renamed", "kind changed", "decommissioned")
    for number, column in enumerate(columns):
        table.add_column(column, justify="left" if number == 0 else "right")
    counts: dict[str, list[int]] = {}
    for move in result.moves:
        row = counts.setdefault(move.kind, [0] * (len(columns) - 1))
        for number, counted in enumerate((True, move.unit is not None, move.area is not None, move.retired,
                                          move.name != move.old_name, move.kind != move.old_kind,
                                          move.status is not None)):
            row[number] += counted
    for kind, row in sorted(counts.items()):
        table.add_row(kind, *(f"{count:,}" for count in row))
    table.add_row("all", *(f"{sum(row[n] for row in counts.values()):,}" for n in range(len(columns) - 1)))
    out.print(table)


def _print_moves(result: Reorganization) -> None:
    table = Table(title=f"reorganization ({len(result.moves)} sites moved)")
    for column in ("site", "from", "to", "kind", "name", "status"):
        table.add_column(column)
    for move in result.moves:
        where = "retired" if move.retired else f"unit {move.unit}" if move.unit else f"area {move.area} (hub)"
        kind = move.kind if move.kind == move.old_kind else f"{move.old_kind} -> {move.kind}"
        name = move.name if move.name == move.old_name else f"{move.old_name} -> {move.name}"
        table.add_row(move.slug, move.legacy, where, kind, name, move.status or "")
    out.print(table)
