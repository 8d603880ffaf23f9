"""Generated cities follow the sample city's design rules by default: the data center's firewall pair over its sync
link, a VRRP gateway on every LAN of every site with two routers, two carriers and two upstream routers for every
district committee, and the single-homed ward-level sites as the one risk the city accepts."""

from pathlib import Path
from typing import Any

import pytest
import yaml

from citynet_models.network import Network
from citynet_models.types import SiteKind
from netops.analysis.design import evaluate_design
from netops.analysis.redundancy import attachments
from netops.analysis.whatif import single_failures
from netops.generate import CitySize, generate_city
from netops.pipeline import load_network
from tests.conftest import LEGACY_SAMPLE
from tests.output_tree import netops

#: (districts, wards per district, seed): the smallest city, small ones, and the 30-district city of the benchmarks.
SIZES = ((1, 1, 1), (3, 2, 7), (6, 8, 3), (30, 18, 1))
#: The kinds the accepted risk names: ward-level sites with one router and, most of them, one uplink.
ACCEPTED_KINDS = {SiteKind.WARD_COMMITTEE, SiteKind.PARTY_AGENCY, SiteKind.MASS_ORGANIZATION}


def write(files: dict[str, str], folder: Path) -> Path:
    for relative, text in files.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module", params=SIZES, ids=[f"{d}x{w}-seed{s}" for d, w, s in SIZES])
def city(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    districts, wards, seed = request.param
    files = generate_city(CitySize(districts=districts, wards_per_district=wards, seed=seed))
    return write(files, tmp_path_factory.mktemp("generated") / "city")


@pytest.fixture(scope="module")
def network(city: Path) -> Network:
    return load_network(city).network


def test_every_size_validates_with_its_design_rules(city: Path) -> None:
    done = netops("validate", "--strict-design", "--intent", str(city))
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def test_the_data_center_has_the_firewall_pair_over_its_sync_link(network: Network) -> None:
    (pair,) = network.ha_pairs
    assert (pair.name, pair.site, pair.members) == ("dc-fw", "dc-hanoi", ("dc-fw-01", "dc-fw-02"))
    (sync,) = [link for link in network.links if link.id == pair.sync_link]
    assert {sync.upstream.device, sync.downstream.device} == {"dc-fw-01", "dc-fw-02"}
    firewalls = {device.name for device in network.devices if device.role == "firewall"}
    assert firewalls == {"dc-fw-01", "dc-fw-02"} and set(network.ha_pair_of) == firewalls
    # Each firewall is dual-homed to the two cores on its own, so either one alone carries the data center.
    for firewall in sorted(firewalls):
        cores = {link.upstream.device if link.downstream.device == firewall else link.downstream.device
                 for link in network.links if firewall in (link.upstream.device, link.downstream.device)}
        assert cores >= {"dc-core-01", "dc-core-02"}, firewall
    dc_lans = network.site_by_slug["dc-hanoi"].lans
    assert dc_lans and all(lan.redundancy is not None and lan.redundancy.sync_group == "dc-fw"
                           and lan.gateway_devices == ("dc-fw-01", "dc-fw-02") for lan in dc_lans)


def test_every_lan_of_every_site_with_two_routers_has_a_vrrp_gateway(network: Network) -> None:
    redundant = 0
    for site in network.sites:
        routers = {device.name for device in network.devices_by_site.get(site.slug, []) if device.is_router}
        for lan in site.lans:
            vrrp = lan.redundancy
            if len(routers) < 2:
                assert vrrp is None, (site.slug, lan.name)
                continue
            assert vrrp is not None, (site.slug, lan.name)
            members = [member.device for member in vrrp.members]
            assert len(members) >= 2 and set(members) <= routers, (site.slug, lan.name, members)
            assert vrrp.virtual_address == lan.gateway and vrrp.master.device == lan.gateway_device
            assert all(member.address in lan.prefix and member.track for member in vrrp.members)
            redundant += 1
    districts = len(network.districts)
    # Each district committee's four LANs, and the data center's two.
    assert redundant == 4 * districts + 2


def test_every_district_committee_has_two_upstream_routers_and_two_carriers(network: Network) -> None:
    committees = [a for a in attachments(network) if a.kind == SiteKind.DISTRICT_COMMITTEE]
    assert len(committees) == len(network.districts)
    for committee in committees:
        assert set(committee.upstream_routers) == {"dc-core-01", "dc-core-02"}, committee.site
        assert len(committee.providers) >= 2 and not committee.single_provider, committee.site
    # What remains single-homed is ward level, the risk the city accepts, and nothing else.
    single = {a.kind for a in attachments(network) if a.at_risk}
    assert single and single <= ACCEPTED_KINDS


def _document(text: str) -> Any:
    return yaml.load(text, Loader=yaml.CSafeLoader)


def without_descriptions(design: Any) -> Any:
    """A design's rules and accepted risks, less the rules' descriptions (prose)."""
    return {**design, "rules": [{key: value for key, value in rule.items() if key != "description"}
                                for rule in design["rules"]]}


def sample_design(city_yml: Path) -> Any:
    """A sample city's design as a generated city has it: the same rules and accepted risks, but no rule names city
    agencies (a rule may name only kinds the city has, and a generated city has no agency)."""
    design = without_descriptions(_document(city_yml.read_text(encoding="utf-8"))["design"])
    for rule in design["rules"]:
        if "city_agency" in rule.get("site_kinds", ()):
            rule["site_kinds"].remove("city_agency")
    return design


def test_the_design_rules_and_vrrp_settings_are_the_sample_city_s() -> None:
    files = generate_city(CitySize(districts=1, wards_per_district=1, seed=1))
    generated = _document(files["city.yml"])
    assert without_descriptions(generated["design"]) == sample_design(LEGACY_SAMPLE / "city.yml")
    assert generated["redundancy"] == _document((LEGACY_SAMPLE / "city.yml").read_text(encoding="utf-8"))[
        "redundancy"]
    kinds = {rule["kind"] for rule in generated["design"]["rules"]}
    assert kinds == {"max_sites_cut", "dual_homed", "providers", "first_hop_redundancy", "ha_pair"}


def _own_site(network: Network, element: str, kind: str) -> str:
    """The site of a failed router, or a failed link's downstream site."""
    if kind == "router":
        return network.device_by_name[element].site
    (link,) = [link for link in network.links if link.id == element]
    return network.device_by_name[link.downstream.device].site


def test_no_single_failure_cuts_more_than_its_own_site_but_the_accepted_ward_level_sites(network: Network) -> None:
    """Fail every router and every link alone (what-if, VRRP and the firewall pair understood): each site a failure
    cuts, other than the failed element's own, is a ward-level site of the accepted risk, cut because it hangs on
    one aggregation router; the data center, the district committees and the district party committees never are."""
    kinds = {site.slug: site.kind for site in network.sites}
    beyond = {}
    for impact in single_failures(network).impacts:
        own = _own_site(network, impact.element, impact.kind)
        others = {loss.site for loss in impact.losses} - {own}
        assert {kinds[site] for site in others} <= ACCEPTED_KINDS, (impact.element, sorted(others))
        if others:
            beyond[impact.element] = others
    single_homed = {a.site: a.upstream_routers for a in attachments(network) if a.at_risk}
    # Exactly the aggregation routers some single-homed site hangs on, each cutting exactly those sites.
    assert beyond == {router: {site for site, upstream in single_homed.items() if upstream == (router,)}
                      for router in {upstream[0] for upstream in single_homed.values()}}
    assert all(network.device_by_name[router].role == "aggregation" for router in beyond)


def test_every_design_rule_holds_the_one_failure_rule_by_the_accepted_risk(network: Network) -> None:
    report = evaluate_design(network)
    statuses = {rule.rule: rule.status for rule in report.rules}
    assert statuses == {"no-single-failure-cuts-sites": "accepted", "hubs-and-agencies-dual-homed": "pass",
                        "hubs-two-providers": "pass", "redundant-lan-gateways": "pass", "firewall-pair": "pass"}
    assert report.ok and report.unaccepted == 0
    cut_beyond = [failure for failure in report.failures if not failure.own_site_only]
    assert cut_beyond and all(failure.accepted for failure in cut_beyond)
    assert report.accepted_risks[0].covers == len(cut_beyond)
