"""What is watched, checked against the model it comes from: every device, loopback, LAN gateway, service port,
WAN interface and configured BGP session exactly once, every address an allocation of the model, every label the
site's own; scoping by area; decommissioned sites left out."""

from collections import Counter
from pathlib import Path

import pytest

from citynet_models.devices import WanInterface
from citynet_models.network import Network
from citynet_models.types import DeviceRole, Protocol
from netops.design import build_design
from netops.monitoring.targets import Watch, watch
from netops.pipeline import load_network
from netops.render.settings import RenderSettings
from tests.conftest import LEGACY_SAMPLE, REPO, TESTS

INTENTS = {"sample": REPO / "inventory" / "city", "legacy": LEGACY_SAMPLE,
           "switches": TESTS / "render" / "cases" / "switch-site" / "intent"}


@pytest.fixture(scope="module", params=sorted(INTENTS))
def city(request: pytest.FixtureRequest) -> tuple[Network, Watch]:
    network = load_network(INTENTS[request.param]).running
    return network, watch(build_design(network, RenderSettings()))


def test_every_device_is_polled_once_at_its_loopback_or_management_address(city: tuple[Network, Watch]) -> None:
    network, watched = city
    assert Counter(t.labels["device"] for t in watched.snmp) == Counter(d.name for d in network.devices)
    for target in watched.snmp:
        device = network.device_by_name[target.labels["device"]]
        assert target.address == str(device.loopback or device.management.ip)
        assert target.labels["instance"] == device.name
        assert (target.labels["role"], target.labels["platform"]) == (device.role.value, device.platform.value)


def test_icmp_probes_every_loopback_and_lan_gateway_once(city: tuple[Network, Watch]) -> None:
    network, watched = city
    loopbacks = [str(d.loopback) for d in network.devices if d.loopback is not None]
    gateways = [str(lan.gateway) for site in network.sites for lan in site.lans]
    assert sorted(t.address for t in watched.icmp if t.labels["probe"] == "loopback") == sorted(loopbacks)
    assert sorted(t.address for t in watched.icmp if t.labels["probe"] == "gateway") == sorted(gateways)
    assert len({t.labels["instance"] for t in watched.icmp}) == len(watched.icmp)


def test_tcp_probes_are_the_tcp_ports_of_the_data_center_services(city: tuple[Network, Watch]) -> None:
    network, watched = city
    expected = sorted(f"{host.address}:{port.port}" for host in network.hosts for name in host.services
                      for port in network.service_by_name[name].ports if port.protocol is Protocol.TCP)
    assert expected and sorted(t.address for t in watched.tcp) == expected


def test_labels_are_those_of_the_site(city: tuple[Network, Watch]) -> None:
    network, watched = city
    for target in (*watched.snmp, *watched.icmp, *watched.tcp):
        site = network.site_by_slug[target.labels["site"]]
        assert target.labels["kind"] == site.kind and target.labels["site_name"] == site.name
        assert target.labels.get("unit") == site.ward
        assert target.labels.get("unit_name") == (network.ward_by_code[site.ward].name if site.ward else None)
        assert target.labels.get("area") == site.area
        assert target.labels.get("redundancy") == (site.redundancy.value if site.redundancy else None)
        assert all(value for value in target.labels.values()), "a label without a value"


def test_every_wan_interface_is_a_port_labelled_with_the_site_it_serves(city: tuple[Network, Watch]) -> None:
    network, watched = city
    interfaces = sorted((d.name, i.name) for d in network.devices for i in d.interfaces if isinstance(i, WanInterface))
    assert sorted((p.device, p.interface) for p in watched.wan_ports) == interfaces
    links = {link.id: link for link in network.links}
    for port in watched.wan_ports:
        link = links[port.labels["link"]]
        assert port.device in (link.upstream.device, link.downstream.device)
        assert port.labels["site"] == network.device_by_name[link.downstream.device].site


def test_bgp_sessions_are_the_configured_neighbours(city: tuple[Network, Watch]) -> None:
    network, watched = city
    cores = [d for d in network.devices if d.role is DeviceRole.CORE and d.loopback is not None]
    routers = [d for d in network.devices if d.is_router and d.loopback is not None]
    expected = sorted((r.name, str(c.loopback)) for r in routers for c in cores if c.name != r.name)
    assert expected and sorted((s.device, str(s.peer)) for s in watched.bgp_sessions) == expected


def test_an_area_scope_watches_its_sites_and_still_probes_the_services() -> None:
    network = load_network(INTENTS["sample"]).running
    design = build_design(network, RenderSettings())
    sites = [site.slug for site in network.sites if site.area == "001"]
    scoped, whole = watch(design, sites), watch(design)
    assert scoped.snmp and {t.labels["site"] for t in scoped.snmp} == set(sites) - {
        s for s in sites if not network.devices_by_site.get(s)}
    assert {t.labels.get("area") for t in (*scoped.icmp, *scoped.snmp)} == {"001"}
    assert scoped.tcp == whole.tcp
    assert len(scoped.wan_ports) < len(whole.wan_ports)


def test_a_decommissioned_site_is_not_watched(tmp_path: Path) -> None:
    resolution = load_network(TESTS / "render" / "cases" / "decommissioned-site" / "intent")
    gone = {site.slug for site in resolution.network.sites if site.status.value == "decommissioned"}
    assert gone
    watched = watch(build_design(resolution.running, RenderSettings()))
    assert not gone & {t.labels["site"] for t in (*watched.snmp, *watched.icmp)}
    assert not gone & {p.labels["site"] for p in watched.wan_ports}
