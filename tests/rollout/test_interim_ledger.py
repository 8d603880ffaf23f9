"""The stand-in ledger keeps the contract's format: evidence files and ledger.yml beside the intent, the status
set in place in the intent file (comments kept), no skipping. Goes when netops.rollout.ledger is merged."""

from pathlib import Path

import pytest
import yaml

from citynet_models.types import LifecycleStatus
from netops.pipeline import load_network
from netops.rollout.interim_ledger import LedgerError, read_ledger, record_transition, site_status_line
from tests.rollout.sites import NEW_SITE, UNIT_FILE, add_new_site, sample_copy


def test_a_transition_writes_its_evidence_and_sets_the_status_in_place(tmp_path: Path) -> None:
    intent = add_new_site(sample_copy(tmp_path / "city"))
    original = (intent / UNIT_FILE).read_text(encoding="utf-8")
    assert read_ledger(intent, NEW_SITE) is None
    record_transition(intent, NEW_SITE, LifecycleStatus.STAGED, evidence={"netbox-staged.json": b"{}\n"},
                      by=None, summary="NetBox: 21 created")
    again = record_transition(intent, NEW_SITE, LifecycleStatus.STAGED, evidence={}, by=None, summary="again")
    ledger = read_ledger(intent, NEW_SITE)
    assert ledger is not None and ledger.state is LifecycleStatus.STAGED and len(ledger.transitions) == 1
    assert again.summary == "NetBox: 21 created"
    folder = intent / "rollout" / NEW_SITE
    assert (folder / "netbox-staged.json").read_text() == "{}\n"
    data = yaml.safe_load((folder / "ledger.yml").read_text())
    assert data["transitions"][0]["evidence"] == ["netbox-staged.json"]
    text = (intent / UNIT_FILE).read_text(encoding="utf-8")
    assert text.splitlines()[0] == original.splitlines()[0]  # the comment kept
    assert sum(a != b for a, b in zip(original.splitlines(), text.splitlines(), strict=True)) == 1
    assert load_network(intent).network.site_by_slug[NEW_SITE].status is LifecycleStatus.STAGED
    path, line = site_status_line(intent, NEW_SITE)
    assert path == intent / UNIT_FILE and text.splitlines()[line - 1].strip() == "status: staged"


def test_skipping_a_state_is_refused(tmp_path: Path) -> None:
    intent = add_new_site(sample_copy(tmp_path / "city"))
    with pytest.raises(LedgerError, match="planned -> verified skips"):
        record_transition(intent, NEW_SITE, LifecycleStatus.VERIFIED, evidence={}, by=None, summary="")
    assert read_ledger(intent, NEW_SITE) is None
