"""The lifecycle's rules: the order of states, the evidence each needs, and what a ledger entry may hold."""

from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise, product

import pytest
from pydantic import ValidationError

from citynet_models.rollout import (
    FORWARD,
    SiteLedger,
    Transition,
    needs_signoff,
    next_state,
    next_step_needs,
    required_evidence,
    transition_refusal,
)
from citynet_models.types import LifecycleStatus as S

AT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def test_each_state_advances_only_to_the_next() -> None:
    for current, target in pairwise(FORWARD):
        assert transition_refusal(current, target) is None
        assert next_state(current) is target
    assert next_state(S.ACCEPTED) is None
    assert next_state(S.DECOMMISSIONED) is None


@pytest.mark.parametrize(("current", "target"), [
    (c, t) for c, t in product(FORWARD, FORWARD) if FORWARD.index(t) > FORWARD.index(c) + 1])
def test_every_skip_is_refused_and_names_what_it_skips(current: S, target: S) -> None:
    skipped = FORWARD[FORWARD.index(current) + 1:FORWARD.index(target)]
    assert transition_refusal(current, target) == \
        f"{current.value} -> {target.value} skips {', '.join(s.value for s in skipped)}"


@pytest.mark.parametrize(("current", "target"), [
    (c, t) for c, t in product(FORWARD, FORWARD) if FORWARD.index(t) <= FORWARD.index(c)])
def test_going_back_or_staying_is_refused(current: S, target: S) -> None:
    refusal = transition_refusal(current, target)
    assert refusal is not None
    assert ("already" in refusal) if current is target else ("never goes back" in refusal)


@pytest.mark.parametrize("current", list(FORWARD))
def test_decommissioned_from_any_state_and_nothing_after(current: S) -> None:
    assert transition_refusal(current, S.DECOMMISSIONED) is None
    for target in S:
        assert transition_refusal(S.DECOMMISSIONED, target) is not None


def test_required_evidence_per_state() -> None:
    routers = ["site-r01", "agg-02", "agg-01", "agg-01"]
    assert required_evidence(S.PLANNED, routers) == ()
    assert required_evidence(S.STAGED, routers) == ("netbox-staged.json",)
    assert required_evidence(S.PROVISIONED, routers) == ("diffs/agg-01.diff", "diffs/agg-02.diff",
                                                         "diffs/site-r01.diff")
    assert required_evidence(S.VERIFIED, routers) == ("verify-verified.json", "verify-verified.md")
    assert required_evidence(S.ACCEPTED, routers) == ()
    assert required_evidence(S.DECOMMISSIONED, routers) == ()
    assert [s for s in S if needs_signoff(s)] == [S.ACCEPTED]


def test_a_transition_time_is_utc() -> None:
    assert Transition(state=S.STAGED, at="2026-12-01T09:30:00Z").at == AT  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="a time in UTC"):
        Transition(state=S.STAGED, at=AT.replace(tzinfo=timezone(timedelta(hours=7))))
    with pytest.raises(ValidationError, match="a time in UTC"):
        Transition(state=S.STAGED, at=AT.replace(tzinfo=None))


@pytest.mark.parametrize("name", ["../city.yml", "/etc/passwd", "diffs/../x", ".hidden", "a\\b", "diffs//x.diff"])
def test_evidence_stays_inside_the_site_folder(name: str) -> None:
    with pytest.raises(ValidationError, match="a file name inside the site's rollout folder"):
        Transition(state=S.STAGED, at=AT, evidence=(name,))


def test_a_ledger_is_strict_and_in_time_order() -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        Transition.model_validate({"state": "staged", "at": AT, "note": "x"})
    with pytest.raises(ValidationError, match="a git commit id"):
        Transition(state=S.STAGED, at=AT, commit="main")
    with pytest.raises(ValidationError, match="each evidence file once"):
        Transition(state=S.STAGED, at=AT, evidence=("a.json", "a.json"))
    with pytest.raises(ValidationError, match="transitions in time order"):
        SiteLedger(site="x", transitions=(Transition(state=S.STAGED, at=AT),
                                          Transition(state=S.PROVISIONED, at=AT - timedelta(seconds=1))))
    assert SiteLedger(site="x").state is S.PLANNED
    assert SiteLedger(site="x", transitions=(Transition(state=S.STAGED, at=AT),)).state is S.STAGED


def test_what_the_next_step_needs() -> None:
    routers = ["ubnd-x-r01", "ba-dinh-agg-01"]
    assert next_step_needs(S.PLANNED, routers) == "needs its objects applied to NetBox"
    assert next_step_needs(S.STAGED, routers) == "needs a push of ba-dinh-agg-01 and ubnd-x-r01"
    assert next_step_needs(S.STAGED, ["a", "c", "b"]) == "needs a push of a, b and c"
    assert next_step_needs(S.PROVISIONED, routers) == "needs a passing verification of the site"
    assert next_step_needs(S.VERIFIED, routers) == "needs a sign-off (--by NAME)"
    assert next_step_needs(S.ACCEPTED, routers) is None
    assert next_step_needs(S.DECOMMISSIONED, routers) is None
