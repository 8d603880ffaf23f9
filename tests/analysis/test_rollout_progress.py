"""Each site's rollout progress from its ledger: state, evidence, days in state and what its next step needs, in
`netops analyze rollout` (text and JSON) and in the HTML report's tables."""

import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from citynet_models.types import LifecycleStatus as S
from netops.analysis.rollout import rollout
from netops.pipeline import load_network
from netops.report.build import analyse, build_report
from netops.report.i18n import Lang
from netops.rollout.ledger import read_ledgers, record_transition
from tests.conftest import TESTS
from tests.rollout.evidence import ROUTERS, SITE, evidence_for
from tests.test_cli import netops


@pytest.fixture
def provisioned(tmp_path: Path) -> Path:
    """base-2025 with one site rolled out to provisioned."""
    intent = shutil.copytree(TESTS / "intent" / "cases" / "base-2025", tmp_path / "intent")
    for state in (S.STAGED, S.PROVISIONED):
        record_transition(intent, SITE, state, evidence=evidence_for(state), by=None, summary=state.value)
    return intent


def test_a_sites_state_evidence_age_and_what_blocks_it(provisioned: Path) -> None:
    network = load_network(provisioned).network
    ledgers = read_ledgers(provisioned, (site.slug for site in network.sites))
    assert set(ledgers) == {SITE}
    entered = ledgers[SITE].transitions[-1].at
    report = rollout(network, None, ledgers, entered + timedelta(days=3, hours=5))
    rows = {row.site: row for row in report.sites}
    row = rows[SITE]
    assert (row.state, row.age_days, row.next) == ("provisioned", 3, "verified")
    assert row.since == entered.isoformat().replace("+00:00", "Z")
    assert row.evidence == ("netbox-staged.json", *(f"diffs/{router}.diff" for router in ROUTERS))
    assert row.blocked_by == "needs a passing verification of the site"
    ngoc_ha = rows["ubnd-phuong-ngoc-ha"]
    assert (ngoc_ha.state, ngoc_ha.since, ngoc_ha.age_days, ngoc_ha.evidence, ngoc_ha.next) == (
        "planned", None, None, (), "staged")
    assert ngoc_ha.blocked_by == "needs its objects applied to NetBox"

    files = build_report(network, analyse(network, ledgers, entered + timedelta(days=3)), lang=Lang.EN)
    assert f"{SITE},001,provisioned," in files["csv/rollout-sites.csv"]
    assert "ubnd-phuong-ngoc-ha,001,planned,,,,staged,needs its objects applied to NetBox" \
        in files["csv/rollout-sites.csv"]
    assert "Rollout under way" in files["index.html"] and "needs a passing verification of the site" \
        in files["index.html"]


def test_what_a_staged_site_needs_names_the_routers_to_push(tmp_path: Path) -> None:
    intent = shutil.copytree(TESTS / "intent" / "cases" / "base-2025", tmp_path / "intent")
    record_transition(intent, SITE, S.STAGED, evidence=evidence_for(S.STAGED), by=None, summary="staged")
    done = netops("analyze", "rollout", "--intent", str(intent), "--json")
    assert done.returncode == 0, done.stderr
    rows = {row["site"]: row for row in json.loads(done.stdout)["sites"]}
    assert rows[SITE]["blocked_by"] == "needs a push of ba-dinh-agg-01, ba-dinh-agg-02 and ubnd-phuong-ba-dinh-r01"
    assert rows[SITE]["evidence"] == ["netbox-staged.json"]
    text = netops("analyze", "rollout", "--intent", str(intent))
    assert text.returncode == 0, text.stderr
    assert "needs a push of ba-dinh-agg-01" in text.stdout
