"""The lifecycle gate of validate: a site's status must be its ledger's last state, reached one state at a time,
each with its evidence in the site's rollout folder.

A site with no ledger is planned (or decommissioned). Every problem points at the line the site's status is
written on, where the person reading validate's output would otherwise change it by hand; what the ledger says is
in ``found``, with its file:line.
"""

from collections.abc import Sequence
from pathlib import Path

from citynet_models import rollout as lifecycle
from citynet_models.problems import Location, Problem, item
from citynet_models.rollout import SiteLedger, Transition
from citynet_models.types import LifecycleStatus
from netops.intent.loader import ROLLOUT_DIR, LoadedIntent, display_path
from netops.intent.yamlsource import SourceDocument
from netops.resolve.collect import Findings, Phase
from netops.resolve.devices import DevicePlans
from netops.resolve.sites import SitePlan
from netops.rollout.ledger import (
    LEDGER_FILE,
    devices_by_site,
    load_ledger,
    site_routers,
    status_location,
    verification_refusal,
)

#: The states a site may be in without a ledger.
WITHOUT_LEDGER = (LifecycleStatus.PLANNED, LifecycleStatus.DECOMMISSIONED)


def check_lifecycle(intent: LoadedIntent, plans: Sequence[SitePlan], devices: DevicePlans, *,
                    every_site: bool = True) -> Phase[None]:
    """Every site's status against its ledger and evidence (see the module), and every rollout folder of no site
    of the intent (:func:`orphan_problems`); ``every_site`` is false when some sites could not be planned, whose
    folders must not be taken for orphans."""
    found = Findings()
    rollout = intent.directory / ROLLOUT_DIR if intent.directory is not None else None
    # One listing of the rollout folder, not a look-up per site: most sites of a city have no ledger yet.
    kept = {entry.name for entry in rollout.iterdir() if entry.is_dir()} \
        if rollout is not None and rollout.is_dir() else set()
    own_devices = devices_by_site(devices) if kept else {}
    for plan in plans:
        status = LifecycleStatus(plan.status)
        if rollout is None or plan.slug not in kept or not (rollout / plan.slug / LEDGER_FILE).is_file():
            if status not in WITHOUT_LEDGER:
                _problem(found, intent, plan, "status claimed without evidence",
                         f"planned or decommissioned (no {ROLLOUT_DIR}/{plan.slug}/{LEDGER_FILE})", status.value)
            continue
        folder = rollout / plan.slug
        problems: list[Problem] = []
        ledger, document = load_ledger(folder / LEDGER_FILE, problems)
        found.problems.extend(problems)
        if ledger is None or document is None:
            continue
        for message, expected, what in ledger_problems(ledger, document, folder, plan.slug,
                                                       site_routers(own_devices.get(plan.slug, ()))):
            _problem(found, intent, plan, message, expected, what)
        if status is not ledger.state:
            _problem(found, intent, plan, "status is not the ledger's state", f"{ledger.state.value} (the last "
                     f"state of {_where(document, ('transitions',))})", status.value)
    if rollout is not None and every_site:
        for slug in sorted(kept - {plan.slug for plan in plans}):
            found.problems.extend(orphan_problems(rollout / slug, slug))
    return found.done(None)


#: What to do with the history of a site the intent does not have.
_ORPHAN_HINT = ("a renamed site's folder moves with it: rename the folder to the new slug and set its ledger's "
                "`site:` to it; a site taken out of the intent is decommissioned first (`netops site "
                "decommission`), which keeps its history here; else put the site back in the intent")


def orphan_problems(folder: Path, slug: str) -> list[Problem]:
    """What is wrong with the rollout folder of ``slug``, a site the intent does not have: accepted when its ledger
    ends decommissioned (a released site's history, kept in git), a problem at the ledger's last transition
    otherwise, and at the folder when it holds no ledger."""
    path = folder / LEDGER_FILE
    where = ("rollout", item(slug))
    expected = (f"a site {slug} in the intent, or a ledger whose last state is decommissioned (the history of a "
                "site taken out)")
    if not path.is_file():
        return [Problem(path=where, message="rollout folder of no site", expected=expected,
                        found=f"no site {slug}, and no {LEDGER_FILE} in the folder", hint=_ORPHAN_HINT,
                        location=Location(display_path(folder), 0))]
    problems: list[Problem] = []
    ledger, document = load_ledger(path, problems)
    if ledger is None or document is None:
        return problems
    if ledger.state is LifecycleStatus.DECOMMISSIONED:
        return []
    last = ("transitions", len(ledger.transitions) - 1, "state") if ledger.transitions else ("site",)
    return [Problem(path=where, message="rollout history of no site of the intent", expected=expected,
                    found=f"no site {slug}; the ledger's last state is {ledger.state.value}", hint=_ORPHAN_HINT,
                    location=document.location(last))]


def ledger_problems(ledger: SiteLedger, document: SourceDocument, folder: Path, slug: str,
                    routers: Sequence[str]) -> list[tuple[str, str, str]]:
    """What is wrong with a site's ledger, each as (message, expected, found): the site it names, a skipped or
    backward step, a required file not listed or not in the folder, a verification that did not pass, an
    acceptance without sign-off."""
    problems: list[tuple[str, str, str]] = []
    if ledger.site != slug:
        problems.append(("ledger of another site", f"site: {slug}",
                         f"site: {ledger.site} ({_where(document, ('site',))})"))
    current = LifecycleStatus.PLANNED
    for index, step in enumerate(ledger.transitions):
        where = _where(document, ("transitions", index))
        refusal = lifecycle.transition_refusal(current, step.state)
        if refusal is not None:
            problems.append(("ledger skips or reverses a state",
                             f"{current.value} -> the next state or decommissioned", f"{refusal} ({where})"))
        problems += _evidence_problems(step, folder, slug, routers, where)
        current = step.state
    return problems


def _evidence_problems(step: Transition, folder: Path, slug: str, routers: Sequence[str],
                       where: str) -> list[tuple[str, str, str]]:
    problems: list[tuple[str, str, str]] = []
    required = lifecycle.required_evidence(step.state, routers)
    unlisted = [name for name in required if name not in step.evidence]
    if unlisted:
        problems.append((f"evidence missing for {step.state.value}", ", ".join(required),
                         f"{', '.join(unlisted)} not listed ({where})"))
    absent = [name for name in step.evidence if not (folder / name).is_file()]
    if absent:
        problems.append((f"evidence file missing for {step.state.value}",
                         f"every file the ledger lists in {display_path(folder)}/",
                         f"no {', '.join(absent)} ({where})"))
    report = lifecycle.verify_json(step.state)
    if step.state is LifecycleStatus.VERIFIED and report in step.evidence and (folder / report).is_file():
        refusal = verification_refusal((folder / report).read_bytes(), slug)
        if refusal is not None:
            problems.append(("verification does not pass", f"a passing report in {report}", f"{refusal} ({where})"))
    if lifecycle.needs_signoff(step.state) and step.by is None:
        problems.append((f"{step.state.value} without a sign-off", "by: NAME", f"by: null ({where})"))
    return problems


def _where(document: SourceDocument, path: tuple[str | int, ...]) -> str:
    return str(document.location(path))


def _problem(found: Findings, intent: LoadedIntent, plan: SitePlan, message: str, expected: str,
             what: str) -> None:
    found.problem(("sites", item(plan.slug), "status"), status_location(plan, intent), message, expected, what,
                  f"a status moves only through the rollout: `netops rollout {plan.slug}`")

