"""The report's design tables from the sample city's analyses: the rules' verdicts in words, the accepted risks,
the failures that still cut sites (scoped like the single points of failure), and a city without rules."""

from citynet_models.design_rules import DesignPolicy
from citynet_models.network import Network
from netops.analysis.design import evaluate_design
from netops.pipeline import load_network
from netops.report.build import (
    accepted_risks_table,
    design_failures_table,
    design_rules_table,
    in_scope,
)
from netops.report.i18n import Lang, Words
from tests.conftest import REPO

EN = Words(Lang.EN)


def _sample() -> Network:
    return load_network(REPO / "inventory" / "city").running


def test_rules_and_risks_in_words() -> None:
    report = evaluate_design(_sample())
    rules = design_rules_table(report, EN)
    verdicts = {row[0]: cells[2].text for row, cells in zip(rules.rows, rules.cells(EN), strict=True)}
    assert verdicts["no-single-failure-cuts-sites"] == "holds, breaks accepted"
    assert verdicts["firewall-pair"] == "holds"
    assert rules.note.endswith("Design check passed.")
    risks = accepted_risks_table(report, EN)
    (cells,) = risks.cells(EN)
    assert cells[2].text == "ward committee, public service point, party agency, mass organization"
    assert cells[3].text == "ward"
    assert (cells[7].text, cells[8].text) == ("2027-06-30", "4")


def test_failures_still_cutting_sites_on_the_page_and_in_csv() -> None:
    report = evaluate_design(_sample())
    page = design_failures_table(report, "area", EN)
    every = design_failures_table(report, "area", EN, limit=None, every_failure=True)
    # The page lists the failures cutting sites beyond their own, the CSV every failure cutting a site.
    assert {row[0] for row in page.rows} == {f.element for f in report.failures if not f.own_site_only}
    assert len(every.rows) == len(report.failures) > len(page.rows)
    # Scoped to one site, the failures that cut it are kept: its own router and uplink, and dong-anh-agg-02.
    scoped = in_scope(every, frozenset({"ubnd-xa-hai-boi"}), frozenset({"017"}))
    assert {row[0] for row in scoped.rows} == {"dong-anh-agg-02", "ubnd-xa-hai-boi-r01",
                                               "dong-anh-agg-02--ubnd-xa-hai-boi-r01"}


def test_a_city_without_rules_says_so() -> None:
    network = _sample()
    values = {name: getattr(network, name) for name in Network.model_fields}
    bare = Network.model_construct(**{**values, "design": DesignPolicy()})
    report = evaluate_design(bare)
    table = design_rules_table(report, EN)
    assert (table.rows, table.note) == ((), EN("design_rules.none"))
    assert design_failures_table(report, "area", EN).rows == ()
