"""`netops allocations`: the allocation record beside the intent (update, release, rename, show).

Exit codes (netops.errors): 0 done; 1 ``update --check`` found the record out of date; 2 bad input (intent or
record with errors, a slug the command cannot act on; nothing is written).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from citynet_models.allocations import AllocationRecord
from citynet_models.problems import Problem
from netops.allocations.store import changes, dump_record, record_path, renamed, site_line
from netops.cli_support import (
    DEFAULT_INTENT_DIR,
    EXIT_FINDING,
    IntentOption,
    JsonOption,
    err,
    exit_bad_input,
    load_or_exit,
    out,
    print_json,
)
from netops.errors import InputError, unknown_value
from netops.files import write_atomic, write_problem
from netops.intent.allocations import LoadedAllocations, read_allocations
from netops.intent.loader import load_intent
from netops.resolve.sites import plan_sites

app = typer.Typer(name="allocations", no_args_is_help=True,
                  help="The allocation record (allocations.yml): the addressing key and upstream ports each site "
                       "keeps, whatever happens to its unit or to the sites around it.")


def _recorded(intent: Path, as_json: bool = False) -> tuple[LoadedAllocations, frozenset[str]]:
    """The record (which must exist) and the slugs of the intent's sites; exit 2 on a malformed intent or record."""
    try:
        loaded = load_intent(intent)
    except InputError as error:
        exit_bad_input(error.problems, as_json)
    if loaded.allocations is None:
        exit_bad_input([Problem(path=("--intent",), message=f"{record_path(intent)} does not exist",
                                expected="the allocation record of the intent",
                                hint="`netops allocations update` writes it")], as_json)
    slugs = frozenset(path[1][1:-1] for path in plan_sites(loaded).sources if path[0] == "sites")
    return loaded.allocations, slugs


def _write(intent: Path, record: AllocationRecord) -> bool:
    try:
        return write_atomic(record_path(intent), dump_record(record))
    except OSError as error:
        exit_bad_input([write_problem(record_path(intent), error, "--intent")])


def _unknown(slug: str, record: AllocationRecord) -> Problem:
    return unknown_value("SLUG", slug, sorted(record.sites), what="a site slug of the allocation record",
                         message="no such site in the allocation record")


@app.command("update")
def update(
    intent: IntentOption = DEFAULT_INTENT_DIR,
    check: Annotated[bool, typer.Option("--check", help="Write nothing; exit 1 when the record is out of date, "
                                                        "listing what an update would add")] = False,
    as_json: JsonOption = False,
) -> None:
    """Write or update allocations.yml from the resolved network: new sites and links are added, everything
    recorded is kept (a re-pointed uplink gets its new port), nothing is dropped."""
    resolution = load_or_exit(intent, as_json)
    assert resolution.allocations is not None  # an intent source always brings its record
    path = record_path(intent)
    # The record as loaded with the intent just now (a malformed one stopped the load).
    before = read_allocations(path, str(path), [])
    text = dump_record(resolution.allocations)
    current = path.read_text(encoding="utf-8") if path.is_file() else None
    pending = changes(before.record if before else None, resolution.allocations)
    if as_json:
        written = False if check else _write(intent, resolution.allocations)
        print_json({"path": str(path), "sites": len(resolution.allocations.sites), "check": check,
                    "up_to_date": text == current, "changes": [change.line() for change in pending],
                    "written": written})
        if check and text != current:
            raise typer.Exit(EXIT_FINDING)
        return
    if check:
        for change in pending:
            out.print(change.line(), highlight=False)
        if text != current:
            err.print(f"{path}: out of date, {len(pending)} site(s) to add or change; `netops allocations update` "
                      f"writes them")
            raise typer.Exit(EXIT_FINDING)
        err.print(f"{path}: up to date ({len(resolution.allocations.sites)} sites)")
        return
    written = _write(intent, resolution.allocations)
    err.print(f"{path}: {len(resolution.allocations.sites)} sites, {len(pending)} added or changed; "
              f"{'written' if written else 'unchanged'}")


@app.command("release")
def release(
    slugs: Annotated[list[str], typer.Argument(help="Slugs of removed sites whose allocations are freed")],
    intent: IntentOption = DEFAULT_INTENT_DIR,
    as_json: JsonOption = False,
) -> None:
    """Drop removed sites' allocations, so their key and ports can be given to another site."""
    loaded, present = _recorded(intent, as_json)
    record = loaded.record
    problems = [_unknown(slug, record) for slug in slugs if slug not in record.sites]
    problems += [Problem(path=("SLUG",), message=f"site {slug} is still in the intent",
                         expected="the slug of a site removed from the intent", found=repr(slug),
                         hint="remove the site from the intent first; a site in the intent keeps its "
                              "allocations") for slug in slugs if slug in present]
    if problems:
        exit_bad_input(problems, as_json)
    kept = {slug: entry for slug, entry in record.sites.items() if slug not in slugs}
    _write(intent, AllocationRecord(version=record.version, sites=kept))
    if as_json:
        print_json({"path": str(record_path(intent)), "released": sorted(set(slugs))})
        return
    err.print(f"{record_path(intent)}: released {', '.join(sorted(set(slugs)))}")


@app.command("rename")
def rename(
    old: Annotated[str, typer.Argument(help="The site's slug in the record")],
    new: Annotated[str, typer.Argument(help="The site's slug in the intent now")],
    intent: IntentOption = DEFAULT_INTENT_DIR,
    as_json: JsonOption = False,
) -> None:
    """Move a site's allocations to its new slug (a site renamed without a pinned `slug:`)."""
    loaded, present = _recorded(intent, as_json)
    record = loaded.record
    problems: list[Problem] = []
    if old not in record.sites:
        problems.append(_unknown(old, record))
    elif old in present:
        problems.append(Problem(path=("OLD",), message=f"site {old} is still in the intent",
                                expected="the slug the site had before it was renamed", found=repr(old),
                                hint="rename the site in the intent first (or pin its `slug:`)"))
    if new in record.sites:
        problems.append(Problem(path=("NEW",), message=f"site {new} already holds allocations",
                                expected="a slug the record does not list", found=repr(new),
                                hint=f"`netops allocations show {new}`; if that site is gone, release it first"))
    elif new not in present:
        problems.append(unknown_value("NEW", new, sorted(present), what="the slug of a site of the intent",
                                      message="no such site in the intent"))
    if problems:
        exit_bad_input(problems, as_json)
    _write(intent, renamed(record, old, new))
    if as_json:
        print_json({"path": str(record_path(intent)), "renamed": {"from": old, "to": new}})
        return
    err.print(f"{record_path(intent)}: {old} renamed to {new}")


@app.command("show")
def show(
    slug: Annotated[str | None, typer.Argument(help="Only this site")] = None,
    intent: IntentOption = DEFAULT_INTENT_DIR,
    as_json: JsonOption = False,
) -> None:
    """List the record: each site's key and the upstream port of each of its uplinks."""
    loaded, present = _recorded(intent)
    record = loaded.record
    if slug is not None and slug not in record.sites:
        exit_bad_input([_unknown(slug, record)], as_json)
    shown = {name: entry for name, entry in sorted(record.sites.items()) if slug in (None, name)}
    if as_json:
        out.print_json(json.dumps({name: {**entry.model_dump(mode="json"), "in_intent": name in present}
                                   for name, entry in shown.items()}, ensure_ascii=False))
        return
    for name, entry in shown.items():
        out.print(site_line(name, entry).strip() + ("" if name in present else "  # not in the intent"),
                  highlight=False)
    err.print(f"{len(shown)} of {len(record.sites)} sites")
