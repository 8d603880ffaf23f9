"""Stand-in for netops.rollout.ledger (issue 16 points 2 and 4, another branch) until it is merged: the same
three functions with the contract's signatures and file format, so the rollout steps are written against the
real API. Replaced by an import of netops.rollout.ledger once that module is on main.

Evidence lives beside the intent, one folder per site: ``<intent>/rollout/<slug>/``, with ``ledger.yml`` listing
the site's transitions in order, each ``{state, at, by, commit, evidence, summary}``, and the evidence files.
"""

import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import yaml

from citynet_models.types import LifecycleStatus
from netops.files import write_atomic

LEDGER_FILE = "ledger.yml"
#: The states in order; decommissioned may follow any of them.
ORDER = (LifecycleStatus.PLANNED, LifecycleStatus.STAGED, LifecycleStatus.PROVISIONED, LifecycleStatus.VERIFIED,
         LifecycleStatus.ACCEPTED)


class LedgerError(Exception):
    """A transition the lifecycle refuses, or a ledger or intent file that cannot be written."""


@dataclass(frozen=True)
class Transition:
    """One step of a site's lifecycle, with its evidence."""

    state: LifecycleStatus
    at: str
    by: str | None
    commit: str | None
    evidence: tuple[str, ...]
    summary: str


@dataclass(frozen=True)
class SiteLedger:
    """A site's transitions, in order."""

    site: str
    transitions: tuple[Transition, ...]

    @property
    def state(self) -> LifecycleStatus:
        """The state the last transition reached."""
        return self.transitions[-1].state if self.transitions else LifecycleStatus.PLANNED


def site_folder(intent_dir: Path, slug: str) -> Path:
    """Where a site's ledger and evidence are kept."""
    return intent_dir / "rollout" / slug


def read_ledger(intent_dir: Path, slug: str) -> SiteLedger | None:
    """The site's ledger, None when it has none (a planned site)."""
    path = site_folder(intent_dir, slug) / LEDGER_FILE
    if not path.exists():
        return None
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return SiteLedger(slug, tuple(
        Transition(LifecycleStatus(item["state"]), str(item["at"]), item.get("by"), item.get("commit"),
                   tuple(item.get("evidence") or ()), str(item.get("summary") or ""))
        for item in data.get("transitions") or ()))


def site_status_line(intent_dir: Path, slug: str) -> tuple[Path, int]:
    """The intent file and line of the site's ``status:`` (of its ``slug:`` line when it has no status)."""
    path, slug_line, status_line = _find_site(intent_dir, slug)
    return path, (status_line if status_line is not None else slug_line) + 1


def record_transition(intent_dir: Path, slug: str, state: LifecycleStatus, *, evidence: Mapping[str, bytes],
                      by: str | None, summary: str) -> Transition:
    """Write the evidence files, append the transition to the ledger and set the site's status in its intent file
    (in place, comments kept); LedgerError for a transition the order does not allow. Re-recording the state the
    ledger already ends with changes nothing."""
    ledger = read_ledger(intent_dir, slug)
    current = ledger.state if ledger is not None else LifecycleStatus.PLANNED
    if ledger is not None and ledger.transitions and current is state:
        return ledger.transitions[-1]
    allowed = state is LifecycleStatus.DECOMMISSIONED or (
        current in ORDER and state in ORDER and ORDER.index(state) == ORDER.index(current) + 1)
    if not allowed:
        raise LedgerError(f"{slug}: {current.value} -> {state.value} skips or reverses the lifecycle")
    folder = site_folder(intent_dir, slug)
    for name, content in sorted(evidence.items()):
        write_atomic(folder / name, content.decode("utf-8"))
    transition = Transition(state, datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), by, _commit(intent_dir),
                            tuple(sorted(evidence)), summary)
    items = [] if ledger is None else [_as_yaml(t) for t in ledger.transitions]
    items.append(_as_yaml(transition))
    write_atomic(folder / LEDGER_FILE, yaml.safe_dump({"site": slug, "transitions": items}, sort_keys=False,
                                                      allow_unicode=True))
    _set_status(intent_dir, slug, state)
    return transition


def _as_yaml(transition: Transition) -> dict[str, object]:
    return {"state": transition.state.value, "at": transition.at, "by": transition.by, "commit": transition.commit,
            "evidence": list(transition.evidence), "summary": transition.summary}


def _commit(intent_dir: Path) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(intent_dir), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


_SLUG = re.compile(r"^(?P<indent>\s*)(?:- )?slug:\s*(?P<slug>[\w-]+)\s*(?:#.*)?$")


def _find_site(intent_dir: Path, slug: str) -> tuple[Path, int, int | None]:
    """The file, the 0-based line of the site's ``slug:`` and of its ``status:`` (None when absent)."""
    for path in sorted(intent_dir.rglob("*.yml")):
        if "rollout" in path.relative_to(intent_dir).parts:
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines):
            match = _SLUG.match(line)
            if match is None or match.group("slug") != slug:
                continue
            column = _key_column(line)
            start = number
            while start > 0 and not _item_start(lines[start], column):
                before = lines[start - 1]
                if before.strip() and not before.lstrip().startswith("#") and _key_column(before) < column:
                    break
                start -= 1
            end = number + 1
            while end < len(lines):
                after = lines[end]
                if after.strip() and not after.lstrip().startswith("#") and (
                        _key_column(after) < column or _item_start(after, column)):
                    break
                end += 1
            for index in range(start, end):
                if _key_column(lines[index]) == column and re.match(r"^\s*(?:- )?status:", lines[index]):
                    return path, number, index
            return path, number, None
    raise LedgerError(f"no intent file under {intent_dir} has a site with slug {slug}")


def _key_column(line: str) -> int:
    """The column of a line's mapping key (after a list item's dash)."""
    stripped = line.lstrip(" ")
    return len(line) - len(stripped) + (2 if stripped.startswith("- ") else 0)


def _item_start(line: str, column: int) -> bool:
    return line.lstrip(" ").startswith("- ") and _key_column(line) == column


def _set_status(intent_dir: Path, slug: str, state: LifecycleStatus) -> None:
    path, slug_line, status_line = _find_site(intent_dir, slug)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    if status_line is not None:
        lines[status_line] = re.sub(r"(status:\s*)[\w-]+", rf"\g<1>{state.value}", lines[status_line], count=1)
    else:
        indent = " " * _key_column(lines[slug_line])
        lines.insert(slug_line + 1, f"{indent}status: {state.value}\n")
    write_atomic(path, "".join(lines))
