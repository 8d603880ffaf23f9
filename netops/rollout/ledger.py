"""A site's evidence ledger, kept in git beside the intent: ``<intent>/rollout/<slug>/ledger.yml`` and the evidence
files it lists, and the site's ``status:`` in intent, which repeats the ledger's last state.

The only way a site's status moves is :func:`record_transition`: it refuses a transition the lifecycle forbids or
one without its evidence, writes the evidence, appends the transition and then sets the status. Each file is
written atomically, in that order, so an interrupted run leaves the old ledger (perhaps beside new evidence files
it does not list yet) and the old status; run again with the same evidence, it converges without a duplicate.
"""

import json
import re
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from citynet_models.problems import Location, Problem, item
from citynet_models.rollout import (
    SiteLedger,
    Transition,
    needs_signoff,
    required_evidence,
    transition_refusal,
    verify_json,
)
from citynet_models.types import DeviceRole, LifecycleStatus
from netops.errors import InputError
from netops.files import write_atomic, write_atomic_bytes
from netops.intent.loader import ROLLOUT_DIR, LoadedIntent, check_document, display_path, load_intent
from netops.intent.yamlsource import SourceDocument, YamlInputError, read_yaml
from netops.resolve.devices import DevicePlan, DevicePlans, plan_devices
from netops.resolve.sites import SitePlan, plan_sites
from netops.yamlstyle import IndentedDumper

LEDGER_FILE = "ledger.yml"
#: The devices whose configs a site's provisioning pushes: every router of the site (switches are not pushed).
ROUTER_ROLES = frozenset({DeviceRole.CORE, DeviceRole.AGGREGATION, DeviceRole.ACCESS_ROUTER})
_HEADER = ("# Rollout ledger of site {slug}: its transitions, oldest first, and the evidence files of each (beside\n"
           "# this file). Written by netops (netops.rollout.ledger.record_transition); never edit it by hand.\n")


def site_folder(intent_dir: Path, slug: str) -> Path:
    """The folder of a site's ledger and evidence."""
    return intent_dir / ROLLOUT_DIR / slug


def ledger_path(intent_dir: Path, slug: str) -> Path:
    """The site's ledger file."""
    return site_folder(intent_dir, slug) / LEDGER_FILE


def load_ledger(path: Path, problems: list[Problem]) -> tuple[SiteLedger | None, SourceDocument | None]:
    """A ledger file and its lines, or None with its problems added (a file that is not YAML, or not a ledger)."""
    try:
        document = read_yaml(path, display_path(path))
    except YamlInputError as error:
        problems.append(error.problem)
        return None, None
    return check_document(SiteLedger, document, problems), document


def read_ledger(intent_dir: Path, slug: str) -> SiteLedger | None:
    """The site's ledger; None when it has none (a planned site). Raise InputError for an unreadable ledger."""
    path = ledger_path(intent_dir, slug)
    if not path.exists() and not path.is_symlink():
        return None
    problems: list[Problem] = []
    ledger, _ = load_ledger(path, problems)
    if ledger is None:
        raise InputError(problems)
    return ledger


def ledger_text(ledger: SiteLedger) -> str:
    """The ledger as its file holds it: a header, the site and its transitions in order."""
    transitions = [{
        "state": step.state.value,
        "at": step.at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "by": step.by,
        "commit": step.commit,
        "evidence": list(step.evidence),
        "summary": step.summary,
    } for step in ledger.transitions]
    # Ledgers are committed beside the intent, which CI lints: the house style, lines within 120 columns.
    body = yaml.dump({"site": ledger.site, "transitions": transitions}, Dumper=IndentedDumper, sort_keys=False,
                     allow_unicode=True, default_flow_style=False, width=110)
    return _HEADER.format(slug=ledger.site) + body


@dataclass(frozen=True)
class SiteInIntent:
    """Where a site is in intent: its plan (file, place in the file, effective status) and its routers."""

    plan: SitePlan
    #: The routers a provisioning of the site pushes: its own and the upstream routers its uplinks attach to.
    routers: tuple[str, ...]


def devices_by_site(devices: DevicePlans) -> dict[str, list[DevicePlan]]:
    """The planned devices of each site, by site slug."""
    by_site: dict[str, list[DevicePlan]] = {}
    for device in devices.devices.values():
        by_site.setdefault(device.site.slug, []).append(device)
    return by_site


def site_routers(own: Iterable[DevicePlan]) -> tuple[str, ...]:
    """A site's routers (from its devices ``own``) and the upstream routers their uplinks name, sorted: the
    provisioned state's diffs."""
    devices = list(own)
    names = {device.name for device in devices if device.intent.role in ROUTER_ROLES}
    names |= {uplink.to for device in devices for uplink in device.intent.uplinks}
    return tuple(sorted(names))


def find_site(intent: LoadedIntent, slug: str) -> SiteInIntent:
    """The site ``slug`` of loaded intent; InputError when the intent has no such site."""
    plans = plan_sites(intent).value
    plan = next((p for p in plans if p.slug == slug), None)
    if plan is None:
        raise InputError([Problem(path=("sites", item(slug)), message="no such site", expected="a site slug of "
                                  "the intent", found=slug, hint="`netops show sites` lists the sites",
                                  location=Location(intent.city_document.file, 0))])
    return SiteInIntent(plan=plan, routers=site_routers(plan_devices([plan]).value.devices.values()))


def status_location(plan: SitePlan, intent: LoadedIntent) -> Location:
    """Where a site's status is written: its own ``status:``, else the defaults of its file, else the city's
    defaults; a site that takes the built-in default (planned) is pointed at itself."""
    own = (*plan.data_path, "status")
    if own in plan.document.lines:
        return plan.document.location(own)
    for document in (plan.document, intent.city_document):
        if ("defaults", "status") in document.lines:
            return document.location(("defaults", "status"))
    return plan.location


def site_status_line(intent_dir: Path, slug: str) -> tuple[Path, int]:
    """The file and line of a site's status (see :func:`status_location`), for messages."""
    intent = load_intent(intent_dir)
    location = status_location(find_site(intent, slug).plan, intent)
    return Path(location.file), location.line


def intent_commit(intent_dir: Path) -> str | None:
    """The commit checked out in the intent's git repository; None outside git."""
    try:
        result = subprocess.run(["git", "-C", str(intent_dir), "rev-parse", "--verify", "-q", "HEAD"],
                                capture_output=True, text=True, check=False)
    except OSError:
        return None
    sha = result.stdout.strip()
    return sha if result.returncode == 0 and re.fullmatch(r"[0-9a-f]{40,64}", sha) else None


def verification_refusal(report: bytes, slug: str) -> str | None:
    """Why a verification report (netops verify --json) does not show the site passing; None when it does."""
    try:
        data: Any = json.loads(report)
    except (ValueError, UnicodeDecodeError):
        return "not JSON"
    if not isinstance(data, dict) or not isinstance(data.get("sites"), list):
        return "not a verification report (no 'sites' list)"
    entry = next((s for s in data["sites"] if isinstance(s, dict) and s.get("site") == slug), None)
    if entry is None:
        return f"site {slug} is not in the report"
    if entry.get("ok") is not True:
        return f"site {slug} failed verification"
    if data.get("ok") is not True:
        return "the verification failed (another site regressed)"
    return None


def record_transition(intent_dir: Path, slug: str, state: LifecycleStatus, *, evidence: Mapping[str, bytes],
                      by: str | None, summary: str) -> Transition:
    """Move a site to ``state``: write its evidence, append the transition to its ledger, set its status in
    intent (in place, comments kept), and return the transition.

    Refused (InputError, nothing written) when the lifecycle forbids the step, the site's status in intent is
    not its ledger's state, evidence the state needs is missing, or a file an earlier transition recorded would
    change. Run again after it succeeded or was interrupted, with the same evidence, it changes nothing more.
    """
    intent = load_intent(intent_dir)
    site = find_site(intent, slug)
    where = status_location(site.plan, intent)
    path = ("sites", item(slug), "status")
    folder = site_folder(intent_dir, slug)
    ledger = read_ledger(intent_dir, slug) or SiteLedger(site=slug)
    last = ledger.transitions[-1] if ledger.transitions else None
    edit = _status_edit(site.plan, state)  # before anything is written: it may refuse
    if last is not None and last.state is state and _same_evidence(folder, last, evidence):
        # Recorded already (the run was interrupted before the status was set, or is run again).
        if edit is not None:
            write_atomic(*edit)
        return last
    problems = _refusals(ledger, site, state, folder, evidence, by, where, path)
    if site.plan.status is not ledger.state:
        problems.append(Problem(path=path, message="status is not the ledger's state",
                                expected=f"{ledger.state.value} (the last state of {display_path(folder)}/"
                                         f"{LEDGER_FILE})", found=str(site.plan.status.value), hint=_hint(slug),
                                location=where))
    if problems:
        raise InputError(problems)
    now = datetime.now(UTC).replace(microsecond=0)
    if last is not None and now < last.at:
        now = last.at  # a clock set back must not put the ledger out of order
    transition = Transition(state=state, at=now, by=by, commit=intent_commit(intent_dir),
                            evidence=tuple(sorted(evidence)), summary=summary)
    for name in sorted(evidence):
        write_atomic_bytes(folder / name, evidence[name])
    write_atomic(ledger_path(intent_dir, slug),
                 ledger_text(SiteLedger(site=slug, transitions=(*ledger.transitions, transition))))
    if edit is not None:
        write_atomic(*edit)
    return transition


def _hint(slug: str) -> str:
    return f"a status moves only through the rollout: `netops rollout {slug}`"


def _same_evidence(folder: Path, last: Transition, evidence: Mapping[str, bytes]) -> bool:
    if set(last.evidence) != set(evidence):
        return False
    return all((folder / name).is_file() and (folder / name).read_bytes() == data for name, data in evidence.items())


def _refusals(ledger: SiteLedger, site: SiteInIntent, state: LifecycleStatus, folder: Path,
              evidence: Mapping[str, bytes], by: str | None, where: Location,
              path: tuple[str, ...]) -> list[Problem]:
    problems: list[Problem] = []
    slug = site.plan.slug

    def refuse(message: str, expected: str, found: str) -> None:
        problems.append(Problem(path=path, message=message, expected=expected, found=found, hint=_hint(slug),
                                location=where))

    refusal = transition_refusal(ledger.state, state)
    if refusal is not None:
        refuse("transition refused", f"{ledger.state.value} -> the next state or decommissioned", refusal)
        return problems
    missing = [name for name in required_evidence(state, site.routers) if name not in evidence]
    if missing:
        refuse(f"evidence missing for {state.value}", ", ".join(required_evidence(state, site.routers)),
               f"missing {', '.join(missing)}")
    report = evidence.get(verify_json(state))
    if state is LifecycleStatus.VERIFIED and report is not None:
        failed = verification_refusal(report, slug)
        if failed is not None:
            refuse("verification does not pass", f"a passing report in {verify_json(state)}", failed)
    if needs_signoff(state):
        if by is None or not by.strip():
            refuse(f"{state.value} needs a sign-off", "--by NAME", "no name")
        kept = verify_json(LifecycleStatus.VERIFIED)
        if not (folder / kept).is_file():
            refuse(f"{state.value} needs the verification evidence", f"{display_path(folder / kept)}",
                   "no such file")
    recorded = {name for step in ledger.transitions for name in step.evidence}
    changed = sorted(name for name in evidence if name in recorded and (folder / name).is_file()
                     and (folder / name).read_bytes() != evidence[name])
    if changed:
        refuse("evidence already recorded would change", "new files for a new state",
               f"{', '.join(changed)} differ from the recorded files")
    return problems


#: The value of a ``status:`` key on a line, plain or quoted.
_STATUS_VALUE = re.compile(r"(\bstatus:[ \t]*)(['\"]?)([a-z]+)\2")
_KIND_KEY = re.compile(r"\bkind:")


def _status_edit(plan: SitePlan, state: LifecycleStatus) -> tuple[Path, str] | None:
    """The site's file with ``state`` as its status (None when it is already): its own ``status:`` value replaced
    in place, or a ``status:`` line added after its ``kind:`` when it took the status from defaults. Every other
    byte of the file is kept. InputError when the status is written in a way this cannot edit."""
    if plan.status is state:
        return None
    file = Path(plan.document.file)
    lines = file.read_text(encoding="utf-8").splitlines(keepends=True)
    own = plan.document.lines.get((*plan.data_path, "status"))
    if own is not None:
        lines[own - 1], replaced = _STATUS_VALUE.subn(
            lambda m: f"{m.group(1)}{m.group(2)}{state.value}{m.group(2)}", lines[own - 1], count=1)
        if not replaced:  # written some other way (the value on a line of its own): left to a person
            raise InputError([Problem(
                path=("sites", item(plan.slug), "status"), message="status not written as `status: VALUE`",
                expected=f"`status: {plan.status.value}` on one line", found=lines[own - 1].strip(),
                hint="write it on one line, then run the rollout again",
                location=plan.document.location((*plan.data_path, "status")))])
    else:
        kind_line = plan.document.lines[(*plan.data_path, "kind")]
        text = lines[kind_line - 1]
        at = _KIND_KEY.search(text)
        assert at is not None  # the line the loader found the site's kind on holds its key
        if "{" in text[:at.start()]:  # a flow mapping: the status goes in before the kind
            lines[kind_line - 1] = f"{text[:at.start()]}status: {state.value}, {text[at.start():]}"
        else:
            lines.insert(kind_line, f"{' ' * at.start()}status: {state.value}\n")
    return file, "".join(lines)



def read_ledgers(intent_dir: Path, slugs: Iterable[str]) -> dict[str, SiteLedger]:
    """The ledgers of those sites that have one, by slug; InputError with every unreadable one's problems."""
    folder = intent_dir / ROLLOUT_DIR
    if not folder.is_dir():
        return {}
    kept = {entry.name for entry in folder.iterdir() if (entry / LEDGER_FILE).is_file()}
    ledgers: dict[str, SiteLedger] = {}
    problems: list[Problem] = []
    for slug in sorted(kept.intersection(slugs)):
        ledger, _ = load_ledger(folder / slug / LEDGER_FILE, problems)
        if ledger is not None:
            ledgers[slug] = ledger
    if problems:
        raise InputError(problems)
    return ledgers
