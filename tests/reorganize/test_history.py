"""`netops reorganize` carries every site's rollout history into the new intent: a kept site's folder as it was, a
site it decommissions or retires with its ledger ended decommissioned, a released site's history as it was; the
new intent validates, and a re-run writes nothing (cases/rollout-history)."""

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from citynet_models.types import LifecycleStatus as S
from netops.pipeline import load_network
from netops.reorganize.history import DECOMMISSIONED_SUMMARY, Fates, carried_history
from netops.rollout.ledger import read_ledger, record_transition
from tests.conftest import LEGACY_SAMPLE, TESTS
from tests.output_tree import netops_in_process

CASE = TESTS / "reorganize" / "cases" / "rollout-history"
KEPT, DECOMMISSIONED, RETIRED = "ubnd-phuong-truc-bach", "ubnd-phuong-hang-bac", "quan-uy-ba-dinh"
RELEASED = "ubnd-phuong-da-giai-the"
STAGED = {"netbox-staged.json": b'{"created": 7}\n'}


def _folder(root: Path, slug: str) -> dict[str, bytes]:
    folder = root / "rollout" / slug
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def legacy(tmp_path: Path) -> Path:
    """The legacy sample with three sites staged and a released site's history."""
    intent = shutil.copytree(LEGACY_SAMPLE, tmp_path / "legacy")
    shutil.copytree(CASE / "rollout", intent / "rollout")
    for slug in (KEPT, DECOMMISSIONED, RETIRED):
        record_transition(intent, slug, S.STAGED, evidence=STAGED, by=None, summary="applied to NetBox")
    load_network(intent)  # the input is valid
    return intent


def _reorganize(capsys: pytest.CaptureFixture[str], intent: Path, out: Path) -> str:
    done = netops_in_process(capsys, "reorganize", "--to", "2025", "--intent", str(intent), "--policy",
                             str(CASE / "policy.yml"), "--out", str(out))
    assert done.returncode == 0, done.stderr
    return done.stderr


def test_history_follows_the_sites(legacy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "city-2025"
    _reorganize(capsys, legacy, out)
    network = load_network(out).network  # statuses and history agree; the released folder is no orphan
    sites = {site.slug: site.status for site in network.sites}
    assert sites[KEPT] is S.STAGED and sites[DECOMMISSIONED] is S.DECOMMISSIONED and RETIRED not in sites
    assert RELEASED not in sites
    for slug in (KEPT, RELEASED):
        assert _folder(out, slug) == _folder(legacy, slug), slug
    for slug, retired in ((DECOMMISSIONED, False), (RETIRED, True)):
        before, after = read_ledger(legacy, slug), read_ledger(out, slug)
        assert before is not None and after is not None
        assert after.site == slug and after.transitions[:-1] == before.transitions
        assert (after.state, after.transitions[-1].summary) == (S.DECOMMISSIONED, DECOMMISSIONED_SUMMARY[retired])
        assert (out / "rollout" / slug / "netbox-staged.json").read_bytes() == STAGED["netbox-staged.json"]
    # A re-run changes nothing, the appended transitions included.
    assert "(0 written," in _reorganize(capsys, legacy, out)


def test_without_history_the_output_has_no_rollout_folder(tmp_path: Path) -> None:
    fates = Fates(slugs={}, decommissioned=set(), retired=set())
    assert carried_history(LEGACY_SAMPLE, fates) == {}


def test_a_site_whose_slug_changes_takes_its_folder_and_its_ledger_follows(legacy: Path) -> None:
    moment = datetime(2030, 1, 1, tzinfo=UTC)
    files = carried_history(legacy, Fates(slugs={KEPT: "ubnd-phuong-ba-dinh", DECOMMISSIONED: "diem-hang-bac"},
                                          decommissioned={DECOMMISSIONED}, retired=set()), now=moment)
    assert not [name for name in files if name.startswith((f"rollout/{KEPT}/", f"rollout/{DECOMMISSIONED}/"))]
    assert "site: ubnd-phuong-ba-dinh\n" in files["rollout/ubnd-phuong-ba-dinh/ledger.yml"]
    assert files["rollout/ubnd-phuong-ba-dinh/netbox-staged.json"] == STAGED["netbox-staged.json"].decode()
    moved = files["rollout/diem-hang-bac/ledger.yml"]
    assert "site: diem-hang-bac\n" in moved and "state: decommissioned" in moved and "2030-01-01T00:00:00Z" in moved
    # a site the reorganization does not take out keeps its ledger's last state
    assert "decommissioned" not in files["rollout/ubnd-phuong-ba-dinh/ledger.yml"]
