"""A decommissioned site's routers wiped (netops.site.decommission.wiped): hostname and management only, rendered
by the same templates as every config, for every platform. Goldens in tests/site/wiped/<platform>/ (regenerated
by --update-goldens)."""

import re

import pytest

from citynet_models.types import Platform
from netops.design import build_design
from netops.pipeline import load_network
from netops.render.engine import Job, render_devices
from netops.render.settings import RenderSettings
from netops.site.decommission import wiped
from tests.conftest import TESTS

INTENT = TESTS / "render" / "cases" / "switch-site" / "intent"
SITE = "ubnd-phuong-phuc-xa"
ROUTER = "ubnd-phuong-phuc-xa-r01"
GOLDENS = TESTS / "site" / "wiped"
#: What a wiped config holds none of, per platform: loopback, WAN and LAN interfaces, routing, the policy.
ROUTING = {
    Platform.FRR: r"^(router |interface (lo|eth)|ip route)",
    Platform.CISCO_IOSXE: r"^(router |interface (Loopback|GigabitEthernet0/)|ip route|ip access-list extended)",
    Platform.HUAWEI_VRP: r"^(ospf |bgp |interface (LoopBack|GigabitEthernet)|ip route-static|acl number 3)",
}


@pytest.mark.parametrize("platform", list(Platform), ids=lambda p: p.value)
def test_a_wiped_router_keeps_its_hostname_and_management_only(platform: Platform, golden) -> None:  # type: ignore[no-untyped-def]
    network = load_network(INTENT).network
    device = network.device_by_name[ROUTER]
    outcome = render_devices(Job(build_design(wiped(network, SITE), RenderSettings()), (), platform), [ROUTER],
                             workers=1)
    assert not outcome.gaps and not outcome.failures, (outcome.gaps, outcome.failures)
    files = outcome.rendered[0].files
    for suffix, text in files.items():
        golden(GOLDENS / platform.value / f"{ROUTER}.{suffix}", text)
    config = files["cfg"]
    assert ROUTER in config and str(device.management.ip) in config
    assert not re.search(ROUTING[platform], config, re.M), config
    assert str(device.loopback) not in config
