"""The allocator: keyed by codes, no overlaps, stable under additions and reordering."""

import itertools
import random
from ipaddress import IPv4Network
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citynet_models.addressing import AddressPlan
from citynet_models.types import AdminLevel, LanRole
from netops.errors import InputError
from netops.pipeline import load_network
from netops.resolve import allocate
from tests.conftest import TESTS

PLAN = AddressPlan.model_validate(
    yaml.safe_load((TESTS / "intent" / "cases" / "base" / "city.yml").read_text())["addressing"]
)


def test_ward_block_is_keyed_by_code() -> None:
    ward_plan = PLAN.site_plan(AdminLevel.WARD)
    assert ward_plan is not None
    key = allocate.SiteKey(AdminLevel.WARD, 454, 0)
    block = allocate.site_block(ward_plan, key)
    # Ward 00454 (thị trấn Đông Anh), site number 0: block 454 x 4 of /25s from 10.0.0.0/9.
    assert block == IPv4Network("10.3.140.0/25")


def test_lan_slot_inside_block() -> None:
    ward_plan = PLAN.site_plan(AdminLevel.WARD)
    assert ward_plan is not None
    block = allocate.site_block(ward_plan, allocate.SiteKey(AdminLevel.WARD, 1, 0))
    slot = allocate.lan_prefix(ward_plan, block, LanRole.ONE_STOP_SHOP)
    assert slot == (IPv4Network("10.0.2.64/27"), 20)
    assert allocate.lan_prefix(ward_plan, block, LanRole.CAMERA) is None


def test_pool_exhaustion_is_a_clear_error() -> None:
    ward_plan = PLAN.site_plan(AdminLevel.WARD)
    assert ward_plan is not None
    with pytest.raises(allocate.AllocationError) as raised:
        allocate.site_block(ward_plan, allocate.SiteKey(AdminLevel.WARD, 99_999, 0))
    assert "widen" in raised.value.hint


def test_link_prefixes_do_not_collide_across_devices_and_uplinks() -> None:
    key = allocate.SiteKey(AdminLevel.WARD, 28, 1)
    prefixes = {allocate.link_prefix(PLAN, key, d, u) for d in range(4) for u in range(4)}
    assert len(prefixes) == 16 and all(p.prefixlen == 31 for p in prefixes)


# --- properties over whole resolutions ------------------------------------------------------------

_BASE_CITY = yaml.safe_load((TESTS / "intent" / "cases" / "base" / "city.yml").read_text())


def _ward_site(code: int, kind: str, dual: bool) -> dict[str, Any]:
    uplinks = [{"to": "agg-01", "provider": "vnpt", "circuit_id": f"C-{code}-{kind}-1", "bandwidth_mbps": 100}]
    if dual:
        uplinks.append({"to": "agg-02", "provider": "vnpt", "circuit_id": f"C-{code}-{kind}-2",
                        "bandwidth_mbps": 100})
    lans = [{"role": "staff", "hosts": 10}]
    if kind == "ward_committee":
        lans.append({"role": "one_stop_shop", "hosts": 4})
    return {"name": f"{kind} {code}", "kind": kind, "ward": f"{code:05d}",
            "devices": [{"role": "access_router", "uplinks": uplinks}], "lans": lans}


def _city(tmp: Path, sites: list[dict[str, Any]], codes: list[int]) -> dict[str, Any]:
    district = {
        "district": {"code": "001", "name": "Quận Một", "kind": "quan"},
        "wards": [{"code": f"{c:05d}", "name": f"Phường {c}", "kind": "phuong"} for c in sorted(set(codes))],
        "sites": [
            {"name": "UBND quận Một", "kind": "district_committee", "devices": [
                {"name": "agg-01", "role": "aggregation", "uplinks": [
                    {"to": "dc-core-01", "provider": "vnpt", "circuit_id": "A1", "bandwidth_mbps": 1000}]},
                {"name": "agg-02", "role": "aggregation", "uplinks": [
                    {"to": "dc-core-02", "provider": "vnpt", "circuit_id": "A2", "bandwidth_mbps": 1000}]}],
             "lans": [{"role": "staff", "hosts": 20}]},
            *sites,
        ],
    }
    (tmp / "districts").mkdir(parents=True, exist_ok=True)
    (tmp / "city.yml").write_text(yaml.safe_dump(_BASE_CITY, allow_unicode=True))
    (tmp / "districts" / "001.yml").write_text(yaml.safe_dump(district, allow_unicode=True))
    return district


def _addresses(tmp: Path) -> dict[str, str]:
    """Every allocated address or prefix of the network, keyed by what owns it."""
    network = load_network(tmp).network
    owned: dict[str, str] = {}
    for site in network.sites:
        for lan in site.lans:
            owned[f"{site.slug}/{lan.name}"] = str(lan.prefix)
    for device in network.devices:
        owned[f"{device.name}/loopback"] = str(device.loopback)
        owned[f"{device.name}/management"] = str(device.management.ip)
    for link in network.links:
        owned[f"link/{link.id}"] = str(link.prefix)
    return owned


_site_specs = st.lists(
    st.tuples(st.integers(min_value=1, max_value=14000), st.sampled_from(["ward_committee", "party_agency"]),
              st.booleans()),
    min_size=1, max_size=12, unique_by=lambda spec: (spec[0], spec[1]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=_site_specs, extra=st.tuples(st.integers(min_value=1, max_value=14000), st.booleans()),
       seed=st.integers(min_value=0, max_value=1000))
def test_allocation_is_stable_under_additions_and_reordering(
    tmp_path_factory: pytest.TempPathFactory, specs: list[tuple[int, str, bool]], extra: tuple[int, bool], seed: int
) -> None:
    sites = [_ward_site(code, kind, dual) for code, kind, dual in specs]
    codes = [code for code, _, _ in specs]
    first = tmp_path_factory.mktemp("first")
    _city(first, sites, codes)
    before = _addresses(first)

    # No two owners share an address, and no two prefixes overlap.
    networks = sorted(IPv4Network(value, strict=False) for value in before.values() if value != "None")
    for a, b in itertools.pairwise(networks):
        assert not a.overlaps(b), (a, b)

    # Reordering sites and wards changes nothing.
    shuffled = sites[:]
    random.Random(seed).shuffle(shuffled)
    reordered = tmp_path_factory.mktemp("reordered")
    _city(reordered, shuffled, list(reversed(codes)))
    assert _addresses(reordered) == before

    # Adding a site (a new ward committee, if that ward has none yet) moves nothing that existed.
    extra_code, extra_dual = extra
    if (extra_code, "ward_committee") not in {(c, k) for c, k, _ in specs}:
        grown = tmp_path_factory.mktemp("grown")
        _city(grown, [*sites, _ward_site(extra_code, "ward_committee", extra_dual)], [*codes, extra_code])
        after = _addresses(grown)
        assert {key: after[key] for key in before} == before
        assert len(after) > len(before)


def test_generated_city_resolves_without_overlaps(tmp_path: Path) -> None:
    from netops.generate import CitySize, generate_city

    for relative, text in generate_city(CitySize(districts=4, wards_per_district=6, seed=7)).items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    try:
        network = load_network(tmp_path).network
    except InputError as error:  # pragma: no cover - shows the problems on failure
        pytest.fail("\n".join(p.message for p in error.problems))
    assert len(network.districts) == 4 and len(network.wards) == 24
