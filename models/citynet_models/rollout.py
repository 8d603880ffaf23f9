"""A site's rollout lifecycle: the transitions it went through, the order they must follow and the evidence each
state needs.

A site moves planned -> staged -> provisioned -> verified -> accepted, one state at a time, and may be
decommissioned from any state. Each transition is recorded in the site's ledger with the files that prove it
(kept beside the intent, in ``rollout/<slug>/``). The status in intent only repeats the ledger's last state, so a
status is never claimed without its evidence.
"""

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import PurePosixPath
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints, field_validator, model_validator

from citynet_models.base import NetopsModel
from citynet_models.types import DisplayName, LifecycleStatus, Slug

#: The states of a site's rollout, in the order a site advances through them.
FORWARD: tuple[LifecycleStatus, ...] = (LifecycleStatus.PLANNED, LifecycleStatus.STAGED,
                                        LifecycleStatus.PROVISIONED, LifecycleStatus.VERIFIED,
                                        LifecycleStatus.ACCEPTED)
#: Evidence files of a state (see :func:`required_evidence`).
NETBOX_RECORD = "netbox-staged.json"
DIFFS_DIR = "diffs"


def verify_json(state: LifecycleStatus) -> str:
    """The verification report (JSON) recorded with a state."""
    return f"verify-{state.value}.json"


def verify_markdown(state: LifecycleStatus) -> str:
    """The verification report (Markdown) recorded with a state."""
    return f"verify-{state.value}.md"


def diff_file(device: str) -> str:
    """The config diff pushed to a device, as recorded with the provisioned state."""
    return f"{DIFFS_DIR}/{device}.diff"


def _evidence_name(value: str) -> str:
    path = PurePosixPath(value)
    if (not value or value != path.as_posix() or path.is_absolute() or ".." in path.parts
            or any(part.startswith(".") for part in path.parts) or "\\" in value):
        raise ValueError(f"a file name inside the site's rollout folder (e.g. {NETBOX_RECORD}, "
                         f"{diff_file('dc-core-01')}), found {value!r}")
    return value


#: A file of a site's rollout folder, named relative to it.
EvidenceName = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(_evidence_name)]
_SHA = re.compile(r"^[0-9a-f]{7,64}$")


class Transition(NetopsModel):
    """One step of a site's rollout, as its ledger records it."""

    state: LifecycleStatus = Field(description="The state the site entered")
    at: datetime = Field(description="When, in UTC (ISO 8601)")
    by: DisplayName | None = Field(default=None, description="Who signed the step off (needed for accepted)")
    commit: str | None = Field(default=None, description="Git commit of the intent repository at the step")
    evidence: tuple[EvidenceName, ...] = Field(default=(), description="Files of the site's rollout folder")
    summary: str = Field(default="", max_length=2000, description="What was done, in a sentence or two")

    @field_validator("at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None or value.utcoffset() != timedelta(0):
            raise ValueError(f"a time in UTC, e.g. 2026-01-31T09:30:00Z, found {value.isoformat()}")
        return value.astimezone(UTC)

    @field_validator("commit")
    @classmethod
    def _sha(cls, value: str | None) -> str | None:
        if value is not None and not _SHA.match(value):
            raise ValueError(f"a git commit id (hexadecimal), found {value!r}")
        return value

    @field_validator("evidence")
    @classmethod
    def _distinct(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        repeated = sorted({name for name in value if value.count(name) > 1})
        if repeated:
            raise ValueError(f"each evidence file once, found {', '.join(repeated)} again")
        return value


class SiteLedger(NetopsModel):
    """Every transition of one site, oldest first."""

    site: Slug = Field(description="The site's slug")
    transitions: tuple[Transition, ...] = Field(default=(), description="The site's transitions, in order")

    @property
    def state(self) -> LifecycleStatus:
        """Where the site is now: its last transition's state (planned before the first)."""
        return self.transitions[-1].state if self.transitions else LifecycleStatus.PLANNED

    @model_validator(mode="after")
    def _in_time_order(self) -> "SiteLedger":
        for before, after in zip(self.transitions, self.transitions[1:], strict=False):
            if after.at < before.at:
                raise ValueError(f"transitions in time order: {after.state.value} at {after.at.isoformat()} "
                                 f"comes after {before.state.value} at {before.at.isoformat()}")
        return self


def transition_refusal(current: LifecycleStatus, target: LifecycleStatus) -> str | None:
    """Why a site in ``current`` may not move to ``target``; None when it may.

    A site advances one state at a time and may be decommissioned from any state but decommissioned; nothing
    comes after decommissioned, and nothing goes back (a failed step leaves the state where it was).
    """
    if current is LifecycleStatus.DECOMMISSIONED:
        return f"site is decommissioned: nothing follows it (asked for {target.value})"
    if target is LifecycleStatus.DECOMMISSIONED:
        return None
    if target is current:
        return f"site is already {current.value}"
    here, there = FORWARD.index(current), FORWARD.index(target)
    if there < here:
        return f"{target.value} comes before {current.value}: a site never goes back"
    if there > here + 1:
        skipped = ", ".join(state.value for state in FORWARD[here + 1:there])
        return f"{current.value} -> {target.value} skips {skipped}"
    return None


def next_state(current: LifecycleStatus) -> LifecycleStatus | None:
    """The state a site in ``current`` advances to; None once accepted or decommissioned."""
    if current not in FORWARD or current is LifecycleStatus.ACCEPTED:
        return None
    return FORWARD[FORWARD.index(current) + 1]


def required_evidence(state: LifecycleStatus, routers: Sequence[str]) -> tuple[str, ...]:
    """The files a transition into ``state`` must list and keep in the site's folder.

    ``routers`` are the routers whose config the site's provisioning changes: the site's own and the upstream
    routers its uplinks attach to. staged needs the record of the NetBox apply; provisioned the diff pushed to
    each of those routers (an empty diff records a router that needed no change); verified the site's
    verification report, JSON and Markdown. accepted needs the verified state's report, already recorded with
    it, and a sign-off (``by``); decommissioned needs nothing here.
    """
    if state is LifecycleStatus.STAGED:
        return (NETBOX_RECORD,)
    if state is LifecycleStatus.PROVISIONED:
        return tuple(diff_file(router) for router in sorted(set(routers)))
    if state is LifecycleStatus.VERIFIED:
        return (verify_json(state), verify_markdown(state))
    return ()


def needs_signoff(state: LifecycleStatus) -> bool:
    """Whether a transition into ``state`` must name who signed it off."""
    return state is LifecycleStatus.ACCEPTED


def _listing(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def next_step_needs(state: LifecycleStatus, routers: Sequence[str]) -> str | None:
    """What moving a site on from ``state`` needs, in words (None once accepted or decommissioned), e.g.
    'needs a push of ubnd-x-r01 and ba-dinh-agg-01'."""
    after = next_state(state)
    if after is LifecycleStatus.STAGED:
        return "needs its objects applied to NetBox"
    if after is LifecycleStatus.PROVISIONED:
        return f"needs a push of {_listing(sorted(set(routers)))}" if routers else "needs a push of its routers"
    if after is LifecycleStatus.VERIFIED:
        return "needs a passing verification of the site"
    if after is LifecycleStatus.ACCEPTED:
        return "needs a sign-off (--by NAME)"
    return None
