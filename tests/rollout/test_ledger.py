"""record_transition on a copy of a real intent: the full lifecycle, re-runs, interruptions, refusals, and the
status line edited in place."""

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from yamllint import linter
from yamllint.config import YamlLintConfig

from citynet_models.types import LifecycleStatus as S
from netops.errors import InputError, format_problems
from netops.pipeline import load_network
from netops.rollout.ledger import ledger_path, read_ledger, record_transition, site_status_line
from tests.conftest import TESTS
from tests.rollout.evidence import ROUTERS, SITE, evidence_for, report

BASE = TESTS / "intent" / "cases" / "base-2025"
COMMUNE = Path("intent/communes/00004-ba-dinh.yml")


@pytest.fixture
def intent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(BASE, tmp_path / "intent")
    monkeypatch.chdir(tmp_path)  # messages read intent/..., as at the repo root
    return Path("intent")


def advance(intent: Path, *states: S, by: str | None = None) -> None:
    for state in states:
        record_transition(intent, SITE, state, evidence=evidence_for(state), by=by, summary=f"to {state.value}")


def refusal(intent: Path, state: S, evidence: dict[str, bytes], by: str | None = None) -> str:
    with pytest.raises(InputError) as raised:
        record_transition(intent, SITE, state, evidence=evidence, by=by, summary="x")
    return format_problems(raised.value.problems)


@contextmanager
def interrupted_rename(name: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An interruption (Ctrl-C) at the moment write_atomic renames its temporary file into ``name``."""
    real_replace = Path.replace

    def interrupted(self: Path, target: Path) -> Path:
        if Path(target).name == name:
            raise KeyboardInterrupt
        return real_replace(self, target)

    with monkeypatch.context() as patch:
        patch.setattr(Path, "replace", interrupted)
        yield


def site_status(intent: Path) -> S:
    network = load_network(intent).network
    return next(site.status for site in network.sites if site.slug == SITE)


def test_a_site_goes_through_every_state_with_its_evidence_and_stays_valid(intent: Path) -> None:
    assert read_ledger(intent, SITE) is None
    advance(intent, S.STAGED, S.PROVISIONED, S.VERIFIED)
    advance(intent, S.ACCEPTED, by="Nguyễn Văn An")
    assert site_status(intent) is S.ACCEPTED  # the lifecycle gate of validate passes
    ledger = read_ledger(intent, SITE)
    assert ledger is not None
    assert [t.state for t in ledger.transitions] == [S.STAGED, S.PROVISIONED, S.VERIFIED, S.ACCEPTED]
    assert ledger.transitions[1].evidence == tuple(f"diffs/{r}.diff" for r in ROUTERS)
    assert ledger.transitions[-1].by == "Nguyễn Văn An"
    assert next(t.summary for t in ledger.transitions) == "to staged"
    folder = intent / "rollout" / SITE
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) == sorted(
        ["ledger.yml", "netbox-staged.json", "verify-verified.json", "verify-verified.md",
         *(f"diffs/{r}.diff" for r in ROUTERS)])
    raw = yaml.safe_load(ledger_path(intent, SITE).read_text())
    assert set(raw) == {"site", "transitions"}
    assert set(raw["transitions"][0]) == {"state", "at", "by", "commit", "evidence", "summary"}
    assert raw["transitions"][0]["at"].endswith("Z")


def test_a_re_run_changes_nothing(intent: Path) -> None:
    advance(intent, S.STAGED)
    files = {p: p.read_bytes() for p in intent.rglob("*") if p.is_file()}
    stamps = {p: p.stat().st_mtime_ns for p in files}
    again = record_transition(intent, SITE, S.STAGED, evidence=evidence_for(S.STAGED), by=None, summary="again")
    assert again.summary == "to staged"  # the recorded transition, not a second one
    assert {p: p.read_bytes() for p in intent.rglob("*") if p.is_file()} == files
    assert {p: p.stat().st_mtime_ns for p in files} == stamps


def test_an_interrupted_ledger_write_leaves_the_old_ledger_and_a_re_run_converges(
        intent: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    advance(intent, S.STAGED)
    before = ledger_path(intent, SITE).read_text()
    commune_before = COMMUNE.read_text()
    with interrupted_rename("ledger.yml", monkeypatch), pytest.raises(KeyboardInterrupt):
        advance(intent, S.PROVISIONED)
    assert ledger_path(intent, SITE).read_text() == before
    assert COMMUNE.read_text() == commune_before
    assert not list((intent / "rollout").rglob(".netops-tmp-*"))
    assert site_status(intent) is S.STAGED  # the evidence written so far, unlisted, does not change the state

    advance(intent, S.PROVISIONED)
    ledger = read_ledger(intent, SITE)
    assert ledger is not None
    assert [t.state for t in ledger.transitions] == [S.STAGED, S.PROVISIONED]
    assert site_status(intent) is S.PROVISIONED


def test_interrupted_before_the_status_is_set_a_re_run_sets_it_once(
        intent: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with interrupted_rename(COMMUNE.name, monkeypatch), pytest.raises(KeyboardInterrupt):
        advance(intent, S.STAGED)
    with pytest.raises(InputError, match="1 error"):
        load_network(intent)  # the ledger says staged, the intent still planned: validate says so
    advance(intent, S.STAGED)
    ledger = read_ledger(intent, SITE)
    assert ledger is not None and len(ledger.transitions) == 1
    assert site_status(intent) is S.STAGED


def test_the_status_line_is_added_then_edited_in_place_with_comments_kept(intent: Path) -> None:
    original = COMMUNE.read_text()
    advance(intent, S.STAGED)
    added = COMMUNE.read_text()
    # The site took the default status: a status line appears after its kind, indented like it.
    assert added == original.replace("    kind: ward_committee\n", "    kind: ward_committee\n    status: staged\n", 1)
    COMMUNE.write_text(added.replace("    status: staged\n", "    status: staged   # the rollout sets this\n"))
    commented = COMMUNE.read_text()
    advance(intent, S.PROVISIONED)
    assert COMMUNE.read_text() == commented.replace("status: staged   #", "status: provisioned   #")
    assert site_status_line(intent, SITE) == (COMMUNE, 6)


FLOW_SITE = """\
unit: {code: "00004", name: Phường Ba Đình}
sites:
  - {name: UBND phường Ba Đình, kind: ward_committee,
     devices: [{role: access_router, uplinks: [{to: ba-dinh-agg-01, provider: vnpt, circuit_id: C-3,
                                                bandwidth_mbps: 100},
                                               {to: ba-dinh-agg-02, provider: vnpt, circuit_id: C-6,
                                                bandwidth_mbps: 100}]}],
     lans: [{role: staff, hosts: 40}]}
"""


def test_a_flow_mapping_site_gets_its_status_inside_the_mapping(intent: Path) -> None:
    COMMUNE.write_text(FLOW_SITE)
    advance(intent, S.STAGED)
    assert COMMUNE.read_text() == FLOW_SITE.replace("{name: UBND phường Ba Đình, kind:",
                                                    "{name: UBND phường Ba Đình, status: staged, kind:")
    assert site_status(intent) is S.STAGED


@pytest.mark.parametrize("target", [S.PROVISIONED, S.VERIFIED, S.ACCEPTED])
def test_a_skip_is_refused_and_writes_nothing(intent: Path, target: S) -> None:
    text = refusal(intent, target, evidence_for(target), by="An")
    assert "intent/communes/00004-ba-dinh.yml:4: sites[ubnd-phuong-ba-dinh].status: transition refused" in text
    assert f"found:    planned -> {target.value} skips staged" in text
    assert "hint:     a status moves only through the rollout: `netops rollout ubnd-phuong-ba-dinh`" in text
    assert not (intent / "rollout").exists()


def test_every_missing_file_is_named(intent: Path) -> None:
    advance(intent, S.STAGED)
    partial = dict(evidence_for(S.PROVISIONED))
    del partial["diffs/ba-dinh-agg-02.diff"], partial["diffs/ubnd-phuong-ba-dinh-r01.diff"]
    text = refusal(intent, S.PROVISIONED, partial)
    assert "evidence missing for provisioned" in text
    assert "found:    missing diffs/ba-dinh-agg-02.diff, diffs/ubnd-phuong-ba-dinh-r01.diff" in text
    assert not (intent / "rollout" / SITE / "diffs").exists()


def test_a_failed_verification_and_an_unsigned_acceptance_are_refused(intent: Path) -> None:
    advance(intent, S.STAGED, S.PROVISIONED)
    failed = {**evidence_for(S.VERIFIED), "verify-verified.json": report(ok=False)}
    assert f"found:    site {SITE} failed verification" in refusal(intent, S.VERIFIED, failed)
    other = {**evidence_for(S.VERIFIED), "verify-verified.json": report(site="another-site")}
    assert f"found:    site {SITE} is not in the report" in refusal(intent, S.VERIFIED, other)
    advance(intent, S.VERIFIED)
    assert "accepted needs a sign-off" in refusal(intent, S.ACCEPTED, {})
    assert site_status(intent) is S.VERIFIED


def test_recorded_evidence_is_never_overwritten(intent: Path) -> None:
    advance(intent, S.STAGED, S.PROVISIONED, S.VERIFIED)
    changed = {"netbox-staged.json": b"{}\n"}
    text = refusal(intent, S.ACCEPTED, changed, by="An")
    assert "evidence already recorded would change" in text and "netbox-staged.json" in text


def test_decommissioned_from_planned_needs_no_evidence_and_nothing_follows(intent: Path) -> None:
    record_transition(intent, SITE, S.DECOMMISSIONED, evidence={}, by="An", summary="closed")
    assert site_status(intent) is S.DECOMMISSIONED
    assert "site is decommissioned: nothing follows it" in refusal(intent, S.STAGED, evidence_for(S.STAGED))


def test_a_status_edited_by_hand_blocks_the_next_transition(intent: Path) -> None:
    advance(intent, S.STAGED)
    COMMUNE.write_text(COMMUNE.read_text().replace("status: staged", "status: verified"))
    with pytest.raises(InputError):
        record_transition(intent, SITE, S.PROVISIONED, evidence=evidence_for(S.PROVISIONED), by=None, summary="x")


def test_an_unknown_site_is_bad_input(intent: Path) -> None:
    with pytest.raises(InputError) as raised:
        record_transition(intent, "no-such-site", S.STAGED, evidence={}, by=None, summary="x")
    assert "no such site" in format_problems(raised.value.problems)


def test_a_status_it_cannot_edit_in_place_is_refused_before_anything_is_written(intent: Path) -> None:
    COMMUNE.write_text(COMMUNE.read_text().replace("    kind: ward_committee\n",
                                                   "    kind: ward_committee\n    status:\n      planned\n", 1))
    text = refusal(intent, S.STAGED, evidence_for(S.STAGED))
    assert "status not written as `status: VALUE`" in text
    assert not (intent / "rollout").exists()


def test_a_ledger_passes_the_house_yamllint(intent: Path) -> None:
    """Ledgers are committed beside the intent, which CI lints with the repository's .yamllint: list items
    indented, lines within 120 columns even for a long summary and a long name."""
    advance(intent, S.STAGED, S.PROVISIONED, S.VERIFIED)
    long_summary = "đã kiểm tra " * 40
    record_transition(intent, SITE, S.ACCEPTED, evidence={}, by="Nguyễn Văn An " * 4, summary=long_summary)
    config = YamlLintConfig(file=str(TESTS.parent / ".yamllint"))
    path = ledger_path(intent, SITE)
    problems = list(linter.run(path.read_text(encoding="utf-8"), config, str(path)))
    assert problems == []
    assert read_ledger(intent, SITE) is not None
