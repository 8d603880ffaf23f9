"""The sites' rollout history in a reorganized intent: every ``rollout/<slug>/`` folder of the old intent, under the
site's slug in the new one.

A site's evidence and ledger follow it: a site the new intent keeps has its folder as it was (a site whose slug
changes has it under the new slug, its ledger's ``site:`` following); a site the reorganization decommissions, or
retires (leaves out of the new intent), keeps its folder, its ledger ending with a ``decommissioned`` transition
so that its status and the folder of a site no longer in the intent stay valid (docs/lifecycle.md). A folder of no
site of the old intent (a released site's history) goes along as it is.
"""

from collections.abc import Mapping, Set
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import yaml
from pydantic import ValidationError

from citynet_models.problems import Location, Problem
from citynet_models.rollout import SiteLedger, Transition
from citynet_models.types import LifecycleStatus
from netops.errors import InputError
from netops.intent.loader import ROLLOUT_DIR, display_path
from netops.rollout.ledger import LEDGER_FILE, intent_commit, ledger_text, read_ledger

#: The summary of the transition a reorganization appends to the ledger of a site it takes out of service.
DECOMMISSIONED_SUMMARY = {
    False: "decommissioned by `netops reorganize --to 2025`",
    True: "retired by `netops reorganize --to 2025`: left out of the 2025 intent",
}


@dataclass(frozen=True)
class Fates:
    """What the reorganization does to the sites, as the history needs it."""

    #: old slug -> slug in the new intent, for every site of the old intent
    slugs: Mapping[str, str]
    #: slugs (old) the reorganization sets to decommissioned
    decommissioned: Set[str]
    #: slugs (old) left out of the new intent
    retired: Set[str]


def carried_history(intent_dir: Path, fates: Fates, earlier: Path | None = None,
                    now: datetime | None = None) -> dict[str, str]:
    """The files of the new intent's ``rollout/`` folder (relative path -> text). ``earlier`` is the output folder
    of an earlier run: a transition it appended is kept as it was, so a re-run writes the same bytes. InputError
    when a file of the folder cannot be read as text (netops writes every evidence file as UTF-8 text)."""
    root = intent_dir / ROLLOUT_DIR
    if not root.is_dir():
        return {}
    files: dict[str, str] = {}
    problems: list[Problem] = []
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    commit = intent_commit(intent_dir)
    for folder in sorted(entry for entry in root.iterdir() if entry.is_dir() and not entry.name.startswith(".")):
        old = folder.name
        new = fates.slugs.get(old, old)
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            relative = path.relative_to(folder)
            if any(part.startswith(".") for part in relative.parts) or relative.as_posix() == LEDGER_FILE:
                continue  # a temporary file of an interrupted write is no evidence; the ledger is written below
            try:
                files[f"{ROLLOUT_DIR}/{new}/{relative.as_posix()}"] = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                problems.append(Problem(path=("rollout", old), message="cannot carry an evidence file",
                                        expected="a text file netops wrote", found=str(error),
                                        location=Location(display_path(path), 0)))
        if not (folder / LEDGER_FILE).is_file():
            continue
        try:
            ledger = read_ledger(intent_dir, old)
        except InputError as error:  # the intent validated, so only a ledger of no site can be unreadable
            problems += error.problems
            continue
        assert ledger is not None
        text = (folder / LEDGER_FILE).read_text(encoding="utf-8")
        ending = old in fates.decommissioned or old in fates.retired
        if new != old or (ending and ledger.state is not LifecycleStatus.DECOMMISSIONED):
            transitions = ledger.transitions
            if ending and ledger.state is not LifecycleStatus.DECOMMISSIONED:
                last = ledger.transitions[-1].at if ledger.transitions else moment
                transitions = (*transitions, _earlier_ending(earlier, new, transitions) or Transition(
                    state=LifecycleStatus.DECOMMISSIONED, at=max(moment, last), commit=commit,
                    summary=DECOMMISSIONED_SUMMARY[old in fates.retired]))
            text = ledger_text(SiteLedger(site=new, transitions=transitions))
        files[f"{ROLLOUT_DIR}/{new}/{LEDGER_FILE}"] = text
    if problems:
        raise InputError(problems)
    return files


def _earlier_ending(earlier: Path | None, slug: str, transitions: tuple[Transition, ...]) -> Transition | None:
    """The decommissioned transition an earlier run appended to these transitions, if its output holds one."""
    if earlier is None:
        return None
    try:
        data = yaml.safe_load((earlier / ROLLOUT_DIR / slug / LEDGER_FILE).read_text(encoding="utf-8"))
        ledger = SiteLedger.model_validate(data)
    except (OSError, UnicodeDecodeError, yaml.YAMLError, ValidationError):
        return None
    if (ledger.transitions[:-1] == transitions and ledger.state is LifecycleStatus.DECOMMISSIONED
            and ledger.transitions[-1].summary in DECOMMISSIONED_SUMMARY.values()):
        return ledger.transitions[-1]
    return None
