"""The allocation record in resolve: recorded keys and ports are kept, new sites take what is free."""

import shutil
from pathlib import Path

import pytest

from citynet_models.network import Network
from citynet_models.types import AdminLevel, Platform
from netops.export import to_yaml
from netops.pipeline import load_network
from netops.resolve import naming
from netops.resolve.allocate import SiteKey
from netops.resolve.record import key_text, parse_key
from tests.conftest import LEGACY_SAMPLE, TESTS

BASE = TESTS / "intent" / "cases" / "base"
RECORDED = TESTS / "resolve" / "cases" / "recorded-allocations" / "intent"


def _copy(intent: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "intent"
    shutil.copytree(intent, copy)
    return copy


def _port_towards(network: Network, slug: str) -> str:
    return next(link.upstream.interface for link in network.links if link.downstream.device == f"{slug}-r01")


def _staff(network: Network, slug: str) -> str:
    return next(str(lan.prefix) for lan in network.site_by_slug[slug].lans if lan.role == "staff")


def test_a_reparented_site_keeps_its_addresses_and_port_and_a_new_site_takes_the_lowest_free_port() -> None:
    base = load_network(BASE).network
    recorded = load_network(RECORDED).network
    moved = recorded.site_by_slug["ubnd-phuong-phuc-xa"]
    assert moved.ward == "00006"
    assert _staff(recorded, "ubnd-phuong-phuc-xa") == _staff(base, "ubnd-phuong-phuc-xa")
    assert recorded.device_by_name["ubnd-phuong-phuc-xa-r01"].loopback == \
        base.device_by_name["ubnd-phuong-phuc-xa-r01"].loopback
    for slug in ("ubnd-phuong-phuc-xa", "ubnd-phuong-truc-bach"):
        assert _port_towards(recorded, slug) == _port_towards(base, slug)
    assert _port_towards(recorded, "ubnd-phuong-moi") == "eth5"


def test_without_the_record_the_same_intent_moves_the_others(tmp_path: Path) -> None:
    intent = _copy(RECORDED, tmp_path)
    (intent / "allocations.yml").unlink()
    network = load_network(intent).network
    assert _port_towards(network, "ubnd-phuong-moi") == "eth3"
    assert _port_towards(network, "ubnd-phuong-phuc-xa") != "eth3"
    assert _staff(network, "ubnd-phuong-phuc-xa") != _staff(load_network(BASE).network, "ubnd-phuong-phuc-xa")


@pytest.mark.parametrize("key", [SiteKey(AdminLevel.CITY, 0, 3), SiteKey(AdminLevel.DISTRICT, 17, 1),
                                 SiteKey(AdminLevel.WARD, 505, 0)], ids=str)
def test_key_text_reads_back(key: SiteKey) -> None:
    assert parse_key(key_text(key)) == key


def test_key_text_spells_official_codes() -> None:
    assert key_text(SiteKey(AdminLevel.WARD, 1, 0)) == "ward/00001/0"
    assert key_text(SiteKey(AdminLevel.DISTRICT, 17, 2)) == "district/017/2"


@pytest.mark.parametrize(("platform", "name", "known"), [
    (Platform.FRR, "eth3", True), (Platform.FRR, "eth0", False), (Platform.FRR, "eth03", False),
    (Platform.FRR, "GigabitEthernet0/0/3", False), (Platform.CISCO_IOSXE, "GigabitEthernet0/0/3", True),
    (Platform.HUAWEI_VRP, "GigabitEthernet0/0/x", False),
])
def test_is_wan_port(platform: Platform, name: str, known: bool) -> None:
    assert naming.is_wan_port(platform, name) is known


def test_the_sample_citys_record_reproduces_its_computed_allocations(tmp_path: Path) -> None:
    # The legacy sample, whose allocations can all be computed again; the 2025 sample's public-service points
    # numbered 4 need the record (tests/reorganize covers that it keeps their addresses).
    sample = LEGACY_SAMPLE
    assert (sample / "allocations.yml").is_file()
    intent = _copy(sample, tmp_path)
    (intent / "allocations.yml").unlink()
    assert to_yaml(load_network(sample).network) == to_yaml(load_network(intent).network)


def test_a_repointed_uplink_gets_a_port_on_its_new_upstream_and_update_frees_the_old_one(tmp_path: Path) -> None:
    intent = _copy(RECORDED, tmp_path)
    district = intent / "districts" / "001-ba-dinh.yml"
    text = district.read_text(encoding="utf-8")
    district.write_text(text.replace("{to: ba-dinh-agg-01, provider: vnpt, circuit_id: C-4",
                                     "{to: dc-core-02, provider: vnpt, circuit_id: C-4"), encoding="utf-8")
    resolution = load_network(intent)
    assert _port_towards(resolution.network, "ubnd-phuong-truc-bach") == "eth3"  # dc-core-02's lowest free port
    assert _port_towards(resolution.network, "ubnd-phuong-moi") == "eth5"  # eth4 stays held until the update
    assert resolution.allocations is not None
    assert resolution.allocations.sites["ubnd-phuong-truc-bach"].ports == {"0.0": "dc-core-02:eth3"}
