"""The scope of a site's rollout on the sample city: the routers it touches and the sites it re-verifies.

The scope is computed from the model alone; the second test holds it against what rendering says: the routers
whose rendered config differs with and without the new site are exactly the ones the scope names.
"""

from pathlib import Path

import pytest

from citynet_models.network import Network
from citynet_models.types import DeviceRole
from netops.design import LAB_SETTINGS, build_design
from netops.pipeline import load_network
from netops.render.engine import Job, render_devices
from netops.rollout.scope import rollout_scope, route_reflectors, verified_devices
from tests.lab.helpers import CITY
from tests.rollout.sites import HUB_ROUTER, NEW_ROUTER, NEW_SITE, add_new_site, sample_copy

#: The Đông Anh hub site, whose first router the new site hangs on.
HUB_SITE = "ubnd-huyen-dong-anh"


@pytest.fixture(scope="module")
def with_new_site(tmp_path_factory: pytest.TempPathFactory) -> Network:
    intent = add_new_site(sample_copy(tmp_path_factory.mktemp("rollout-scope") / "city"))
    return load_network(intent).network


def test_a_new_ward_site_touches_its_router_and_its_hub_only(with_new_site: Network) -> None:
    scope = rollout_scope(with_new_site, NEW_SITE)
    assert scope.routers == (NEW_ROUTER,)
    assert scope.neighbours == (HUB_ROUTER,)
    # The reflectors accept the new router from the loopback pool without naming it.
    assert scope.reflectors == ()
    assert scope.touched == tuple(sorted((HUB_ROUTER, NEW_ROUTER)))
    assert not set(route_reflectors(with_new_site)) & set(scope.touched)
    # Nothing of the hub's other router, its other sites or the other areas changes.
    assert "dong-anh-agg-02" not in scope.touched
    assert not [name for name in scope.touched if name.startswith(("ba-dinh", "hoan-kiem", "ubnd-xa"))]


def test_the_scope_is_what_rendering_changes(with_new_site: Network) -> None:
    before, after = (_rendered(network) for network in (load_network(CITY).network, with_new_site))
    differ = {name for name in after if before.get(name) != after[name]}
    assert differ == set(rollout_scope(with_new_site, NEW_SITE).touched)


def test_the_verified_sites_are_the_site_its_hub_and_the_hub_routers_other_sites(with_new_site: Network) -> None:
    scope = rollout_scope(with_new_site, NEW_SITE)
    assert scope.verified_sites[0] == NEW_SITE
    assert scope.neighbour_sites == (HUB_SITE,)
    hub_downstream = {with_new_site.device_by_name[link.downstream.device].site for link in with_new_site.links
                      if link.upstream.device == HUB_ROUTER}
    assert hub_downstream - {NEW_SITE, HUB_SITE} <= set(scope.sibling_sites)
    assert "dc-hanoi" in scope.sibling_sites  # the hub router's uplinks end there
    assert not [s for s in scope.verified_sites if "ba-dinh" in s or "hoan-kiem" in s]
    devices = verified_devices(with_new_site, scope)
    assert set(scope.touched) <= set(devices)
    assert {with_new_site.device_by_name[name].site for name in devices} == set(scope.verified_sites)


def test_a_hub_site_touches_every_router_linked_to_it(with_new_site: Network) -> None:
    scope = rollout_scope(with_new_site, HUB_SITE)
    assert scope.routers == ("dong-anh-agg-01", "dong-anh-agg-02")
    assert NEW_ROUTER in scope.neighbours and "dc-core-01" in scope.neighbours
    assert NEW_SITE in scope.neighbour_sites and "dc-hanoi" in scope.neighbour_sites


def test_the_data_center_is_no_client_of_its_own_reflectors(with_new_site: Network) -> None:
    scope = rollout_scope(with_new_site, "dc-hanoi")
    assert "dc-core-01" in scope.routers and scope.reflectors == ()


def test_a_site_bringing_a_reflector_touches_the_other_reflectors(with_new_site: Network) -> None:
    """The reflectors name each other (RR-PEERS): a core of the site changes the cores of other sites."""
    network = with_new_site.model_copy(update={"devices": [
        d.model_copy(update={"role": DeviceRole.CORE}) if d.name == NEW_ROUTER else d for d in with_new_site.devices]})
    scope = rollout_scope(network, NEW_SITE)
    assert scope.reflectors == ("dc-core-01", "dc-core-02")
    assert set(scope.touched) == {NEW_ROUTER, HUB_ROUTER, "dc-core-01", "dc-core-02"}


def _rendered(network: Network) -> dict[str, str]:
    """Each router's rendered files (joined), under the lab's render settings."""
    job = Job(design=build_design(network, LAB_SETTINGS), template_dirs=(), as_platform=None)
    outcome = render_devices(job, [d.name for d in network.devices if d.is_router], workers=1)
    assert not outcome.gaps and not outcome.failures
    return {r.device: "\n".join(f"{k}\n{v}" for k, v in sorted(r.files.items())) for r in outcome.rendered}


def test_the_sample_copy_is_untouched_by_the_helper(tmp_path: Path) -> None:
    copy = add_new_site(sample_copy(tmp_path / "city"))
    assert NEW_SITE in (copy / "communes" / "00508-vinh-thanh.yml").read_text(encoding="utf-8")
    assert NEW_SITE not in (CITY / "communes" / "00508-vinh-thanh.yml").read_text(encoding="utf-8")
