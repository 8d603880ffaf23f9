"""The running network (netops.pipeline.in_service): a decommissioned site is out of everything that works on the
network in service (render, lab plan, verification scope, redundancy, what-if), and still in the full network
(NetBox, allocations, the rollout analysis)."""

import json
from pathlib import Path

import pytest

from citynet_models.devices import WanInterface
from netops.lab.topology import in_network, plan_lab
from netops.pipeline import in_service, load_network
from tests.conftest import TESTS
from tests.output_tree import netops_in_process

CASES = TESTS / "render" / "cases"
#: The same city twice: with every site in service, and with ubnd-phuong-phuc-xa decommissioned.
ALL_IN = CASES / "switch-site" / "intent"
ONE_OUT = CASES / "decommissioned-site" / "intent"
GONE = "ubnd-phuong-phuc-xa"
GONE_ROUTER = "ubnd-phuong-phuc-xa-r01"
HUB = "ba-dinh-agg-01"


def test_without_a_decommissioned_site_the_running_network_is_the_network() -> None:
    network = load_network(ALL_IN).network
    assert in_service(network) is network


def test_a_decommissioned_site_its_devices_links_and_the_hubs_downlinks_are_left_out() -> None:
    network = load_network(ONE_OUT).network
    running = in_service(network)
    assert GONE in network.site_by_slug and GONE not in running.site_by_slug
    assert GONE_ROUTER in network.device_by_name and GONE_ROUTER not in running.device_by_name
    gone_links = {link.id for link in network.links if GONE_ROUTER in (link.upstream.device, link.downstream.device)}
    assert gone_links and not gone_links & {link.id for link in running.links}
    hub_links = {i.link for i in running.device_by_name[HUB].interfaces if isinstance(i, WanInterface)}
    assert hub_links and not hub_links & gone_links
    # Only what the decommissioned site explains differs: every other device is the same object.
    for device in running.devices:
        if device.name != HUB:
            assert device is network.device_by_name[device.name]
    assert {s.slug for s in running.sites} == {s.slug for s in network.sites} - {GONE}


def test_the_lab_plans_no_router_of_a_decommissioned_site() -> None:
    running = load_network(ONE_OUT).running
    plan = plan_lab(running)
    assert GONE_ROUTER not in plan.router_by_device and HUB in plan.router_by_device
    assert all(GONE_ROUTER not in (link.upstream, link.downstream) for link in plan.links)


@pytest.mark.parametrize("intent", [ALL_IN, ONE_OUT], ids=["all-in-service", "one-decommissioned"])
def test_render_writes_no_config_for_a_decommissioned_site(intent: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    done = netops_in_process(capsys, "render", "--intent", str(intent), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    written = {path.stem for path in (tmp_path / "out").rglob("*.cfg")}
    assert HUB in written
    assert (GONE_ROUTER in written) is (intent == ALL_IN)
    hub = next((tmp_path / "out").rglob(f"{HUB}.cfg")).read_text(encoding="utf-8")
    assert (f"DOWNLINK to {GONE_ROUTER}" in hub) is (intent == ALL_IN)


def test_redundancy_and_what_if_count_only_the_sites_in_service(capsys: pytest.CaptureFixture[str]) -> None:
    def sites(intent: Path, *command: str) -> str:
        done = netops_in_process(capsys, "analyze", *command, "--intent", str(intent), "--json")
        assert done.returncode in (0, 1), done.stderr
        return done.stdout

    before = json.loads(sites(ALL_IN, "redundancy"))
    after = json.loads(sites(ONE_OUT, "redundancy"))
    assert after["sites"] == before["sites"] - 1
    assert GONE in sites(ALL_IN, "what-if") and GONE not in sites(ONE_OUT, "what-if")
    # The rollout analysis still counts every site, decommissioned ones too.
    assert GONE in sites(ONE_OUT, "rollout")


def test_a_lab_that_still_holds_a_decommissioned_sites_router_is_narrowed_to_the_running_network() -> None:
    lab = plan_lab(load_network(ALL_IN).network)  # brought up before the site was decommissioned
    running = load_network(ONE_OUT).running
    narrowed = in_network(lab, running)
    assert GONE_ROUTER in lab.router_by_device and GONE_ROUTER not in narrowed.router_by_device
    assert {r.device for r in narrowed.routers} == {r.device for r in lab.routers} - {GONE_ROUTER}
    assert all(GONE_ROUTER not in (link.upstream, link.downstream) for link in narrowed.links)
    assert [h for h in lab.hosts if h.router == GONE_ROUTER] and all(h.router != GONE_ROUTER for h in narrowed.hosts)
    assert in_network(narrowed, running) is narrowed
