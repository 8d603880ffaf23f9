"""`netops site add`: the new site written into its unit's file and its allocation into the record, after the whole
intent with it has passed the normal pipeline.

Nothing is written until the intent with the site added validates: the changed unit file is tried in a copy of the
intent, and only the files of a valid result are written (the unit's file, then allocations.yml), each in place,
with the site's lines added and every other byte kept.
"""

import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from citynet_models.allocations import AllocationRecord, SiteAllocation
from citynet_models.network import Network
from citynet_models.problems import Location, Problem
from citynet_models.sites import Site
from citynet_models.units import Structure
from netops.allocations.store import record_path, site_line
from netops.errors import InputError
from netops.files import write_atomic
from netops.intent.loader import COMMUNES_DIR, UNIT_FILE, display_path, load_intent
from netops.pipeline import load_intent_and_network, resolve
from netops.reorganize.plan import unit_file, unit_text
from netops.reorganize.yamlout import dump_intent
from netops.resolve.build import build_network
from netops.site.placement import Placement, PlacementError, Request, place
from netops.site.yamledit import NotInsertableError, append_to_list, insert_sorted_entry

#: What the copy a site is tried in leaves out: a repository inside the intent folder. The rollout evidence is
#: copied, since validation checks each site's status against its ledger.
_NOT_INTENT = (".git",)


@dataclass(frozen=True)
class Addition:
    """A site ready to be written: the two files' new texts and the site as the pipeline resolved it."""

    placement: Placement
    unit_path: Path
    unit_text: str
    created: bool
    record_path: Path
    record_text: str
    allocation: SiteAllocation
    #: The city with the site, as the pipeline resolved it.
    network: Network
    site: Site


def _problem(message: str, expected: str, found: str, hint: str, location: Location | None = None,
             path: tuple[str, ...] = ("--intent",)) -> Problem:
    return Problem(path=path, message=message, expected=expected, found=found, hint=hint, location=location)


def _unit_file(intent_dir: Path, code: str) -> Path | None:
    """The unit's file in communes/, if it has one."""
    folder = intent_dir / COMMUNES_DIR
    if not folder.is_dir():
        return None
    for path in sorted(folder.iterdir()):
        matched = UNIT_FILE.match(path.name)
        if matched is not None and matched.group("code") == code:
            return path
    return None


def _item_lines(data: dict[str, Any]) -> list[str]:
    """The site as a list item of a unit file, in the layout `netops reorganize` writes (dash at column 2)."""
    text = dump_intent({"sites": [data]}, "site")
    return text.splitlines()[2:]


def _with_site(intent_dir: Path, placement: Placement) -> tuple[Path, str, bool]:
    """The unit's file (existing or new) and its text with the site added; InputError if it cannot be added
    without rewriting someone's layout."""
    existing = _unit_file(intent_dir, placement.unit.code)
    if existing is None:
        return intent_dir / unit_file(placement.unit), unit_text(placement.unit, [placement.data]), True
    before = existing.read_text(encoding="utf-8")
    shown = display_path(existing)
    try:
        after = append_to_list(before, "sites", _item_lines(placement.data), shown)
    except NotInsertableError as error:
        raise InputError([_problem("cannot add the site to the unit's file", "a block-style `sites:` list",
                                   str(error), "write `sites:` one item per line (as `netops reorganize` does)",
                                   Location(shown, 1), ("sites",))]) from error
    old = yaml.safe_load(before)
    try:
        new = yaml.safe_load(after)
    except yaml.YAMLError:
        new = None
    # The insertion is text: it must read back as the same file with the one site more.
    if new != {**old, "sites": [*(old.get("sites") or []), placement.data]}:
        raise InputError([_problem("cannot add the site to the unit's file without changing other sites",
                                   "a block-style `sites:` list", "a layout the site's lines do not fit in",
                                   "write the unit's `sites:` one item per line", Location(shown, 1), ("sites",))])
    return existing, after, False


def _relocated(problems: Sequence[Problem], tried: Path, intent_dir: Path) -> list[Problem]:
    """Problems found in the copy, pointing at the intent's own files."""
    real = display_path(intent_dir)
    # The copy as problems name it: relative when the working directory holds it, else absolute.
    forms = sorted({str(tried), display_path(tried)}, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(form) for form in forms) + r"(?=/|\b)")

    def fix(text: str | None) -> str | None:
        return None if text is None else pattern.sub(real, text)

    fixed: list[Problem] = []
    for problem in problems:
        location = problem.location
        if location is not None:
            location = Location(pattern.sub(real, location.file), location.line)
        fixed.append(replace(problem, location=location, message=fix(problem.message) or problem.message,
                             expected=fix(problem.expected), found=fix(problem.found), hint=fix(problem.hint)))
    return fixed


def _about_the_site(problems: Sequence[Problem], placement: Placement, unit_path: Path) -> list[Problem]:
    """Problems in the site's own lines say so: those lines are not in the file yet, they come from the template."""
    shown = display_path(unit_path)
    note = (f"the site `site add` would write (not in {shown} yet) has it from template {placement.template}; fix "
            f"the template (`site_templates:` in city.yml) or choose another with --template")
    return [replace(problem, hint=f"{problem.hint}; {note}" if problem.hint else note)
            if problem.location is not None and problem.location.file == shown
            and problem.path[:2] == ("sites", f"[{placement.slug}]") else problem for problem in problems]


def _tried(intent_dir: Path, unit_path: Path, text: str) -> tuple[Network, AllocationRecord]:
    """The network and record of the intent with the unit's file replaced by ``text``, through the whole pipeline
    (in a copy of the intent; InputError pointing at the intent's files)."""
    return tried(intent_dir, {unit_path: text})


def tried(intent_dir: Path, files: Mapping[Path, str]) -> tuple[Network, AllocationRecord]:
    """The network and record of the intent with ``files`` (paths in the intent) written as given, through the
    whole pipeline (in a copy of the intent; InputError pointing at the intent's files)."""
    with tempfile.TemporaryDirectory(prefix="netops-site-") as scratch:
        copy = Path(scratch) / "intent"
        shutil.copytree(intent_dir, copy, symlinks=True, ignore=shutil.ignore_patterns(*_NOT_INTENT))
        for path, text in files.items():
            target = copy / path.relative_to(intent_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        try:
            intent = load_intent(copy)
            parts, sources = resolve(intent)
            resolution = build_network(intent, parts, sources)
        except InputError as error:
            raise InputError(_relocated(error.problems, copy, intent_dir)) from error
    assert resolution.allocations is not None  # an intent always resolves to its record
    return resolution.network, resolution.allocations


def _record_with(path: Path, record: AllocationRecord, slug: str, entry: SiteAllocation) -> str:
    """allocations.yml with the site's line added where its slug sorts, every other line as it was."""
    before = path.read_text(encoding="utf-8")
    shown = display_path(path)
    try:
        after = insert_sorted_entry(before, "sites", slug, site_line(slug, entry), shown)
    except NotInsertableError as error:
        raise InputError([_problem("cannot add the site to the allocation record", "the record netops writes",
                                   str(error), "restore allocations.yml from git: only netops writes it",
                                   Location(shown, 1))]) from error
    expected = AllocationRecord(version=record.version, sites={**record.sites, slug: entry})
    try:
        written = AllocationRecord.model_validate(yaml.safe_load(after))
    except (yaml.YAMLError, ValueError):
        written = None
    if written != expected:
        raise InputError([_problem("cannot add the site to the allocation record", "the record netops writes",
                                   "a layout the site's line does not fit in",
                                   "restore allocations.yml from git: only netops writes it", Location(shown, 1))])
    return after


def plan_addition(intent_dir: Path, request: Request) -> Addition:
    """The site asked for, placed, tried through the pipeline and recorded; InputError with every problem (of the
    intent as it is, of the request, or of the intent with the site), and then nothing is to be written."""
    intent, resolution = load_intent_and_network(intent_dir)
    if intent.structure is Structure.LEGACY:
        raise InputError([_problem(
            "sites are added to a 2025 intent", "structure: \"2025\" (sites by unit in communes/)",
            "structure: legacy (sites by district in districts/)",
            "`netops reorganize` turns the intent into the 2025 structure; then add the site",
            intent.city_document.location(("structure",)), ("structure",))])
    if intent.allocations is None:
        raise InputError([_problem(
            "the intent keeps no allocation record", f"{display_path(record_path(intent_dir))}",
            "none", "`netops allocations update` writes it; then add the site")])
    try:
        placement = place(intent, resolution.network, request)
    except PlacementError as error:
        raise InputError(error.problems) from error
    unit_path, text, created = _with_site(intent_dir, placement)
    try:
        network, record = _tried(intent_dir, unit_path, text)
    except InputError as error:
        raise InputError(_about_the_site(error.problems, placement, unit_path)) from error
    entry = record.sites[placement.slug]
    record_text = _record_with(record_path(intent_dir), intent.allocations.record, placement.slug, entry)
    return Addition(placement=placement, unit_path=unit_path, unit_text=text, created=created,
                    record_path=record_path(intent_dir), record_text=record_text, allocation=entry,
                    network=network, site=network.site_by_slug[placement.slug])


def write_addition(addition: Addition) -> None:
    """Write the unit's file, then the record (a run stopped between them leaves a site `netops allocations
    update` records)."""
    write_atomic(addition.unit_path, addition.unit_text)
    write_atomic(addition.record_path, addition.record_text)
