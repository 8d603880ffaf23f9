"""`netops allocations` as an engineer runs it: update (and --check), release, rename, show, and what each
refuses (exit 2, nothing written)."""

import json
import shutil
from pathlib import Path

import pytest

from tests.allocations.city import WARDS, City, WardSite, netops
from tests.conftest import LEGACY_SAMPLE, REPO


@pytest.fixture
def intent(tmp_path: Path) -> Path:
    """The small city, with its record written."""
    folder = tmp_path / "city"
    City({1: WardSite(1, "UBND phường Một", WARDS[1]), 2: WardSite(2, "UBND phường Hai", WARDS[2])}).write(folder)
    code, output = netops("allocations", "update", "--intent", folder)
    assert code == 0, output
    return folder


def _record(intent: Path) -> str:
    return (intent / "allocations.yml").read_text(encoding="utf-8")


def test_the_sample_citys_record_is_up_to_date() -> None:
    code, output = netops("allocations", "update", "--check", "--intent", REPO / "inventory" / "city")
    assert code == 0, output
    assert "up to date (30 sites)" in output


def test_update_writes_the_record_once_and_then_nothing(tmp_path: Path) -> None:
    # The legacy sample: every allocation of it can be computed again. The 2025 sample cannot lose its record
    # (public-service points numbered 4 hold the addresses of the ward committees they were).
    intent = tmp_path / "city"
    shutil.copytree(LEGACY_SAMPLE, intent)
    committed = _record(intent)
    (intent / "allocations.yml").unlink()
    code, output = netops("allocations", "update", "--intent", intent)
    assert code == 0 and output.rstrip().endswith("written"), output
    assert _record(intent) == committed  # today's keys and ports, exactly
    written = (intent / "allocations.yml").stat().st_mtime_ns
    code, output = netops("allocations", "update", "--intent", intent)
    assert code == 0 and output.rstrip().endswith("unchanged"), output
    assert (intent / "allocations.yml").stat().st_mtime_ns == written


def test_update_adds_a_new_site_and_keeps_the_others(intent: Path) -> None:
    before = _record(intent).splitlines()
    City({1: WardSite(1, "UBND phường Một", WARDS[1]), 2: WardSite(2, "UBND phường Hai", WARDS[2]),
          3: WardSite(3, "UBND phường Ba", WARDS[0])}).write(intent)
    code, output = netops("allocations", "update", "--check", "--intent", intent)
    assert code == 1, output
    assert "add ubnd-phuong-ba: {key: ward/00002/0, ports: {'0.0': ba-dinh-agg-01:eth5}}" in output
    assert "out of date, 1 site(s) to add or change" in output
    assert _record(intent).splitlines() == before  # --check writes nothing
    code, output = netops("allocations", "update", "--intent", intent)
    assert code == 0, output
    after = _record(intent).splitlines()
    assert set(before) < set(after) and len(after) == len(before) + 1


def test_update_refuses_an_intent_with_errors_and_writes_nothing(intent: Path) -> None:
    before = _record(intent)
    district = intent / "districts" / "001-ba-dinh.yml"
    district.write_text(district.read_text(encoding="utf-8").replace("to: ba-dinh-agg-01", "to: ba-dinh-agg-9"),
                        encoding="utf-8")
    code, output = netops("allocations", "update", "--intent", intent)
    assert code == 2, output
    assert "uplink to an unknown device" in output and "nothing was written" in output
    assert _record(intent) == before


def test_a_malformed_record_is_bad_input_for_every_command(intent: Path) -> None:
    (intent / "allocations.yml").write_text("version: 1\nsites:\n  x: {key: ward/7/0}\n", encoding="utf-8")
    for command in (("update",), ("update", "--check"), ("release", "x"), ("rename", "x", "y"), ("show",)):
        code, output = netops("allocations", *command, "--intent", intent)
        assert code == 2, (command, output)
        assert "allocations.yml:3: sites.x.key" in output, (command, output)
    assert _record(intent) == "version: 1\nsites:\n  x: {key: ward/7/0}\n"


def test_release_frees_a_removed_sites_key_for_a_new_site(intent: Path) -> None:
    City({2: WardSite(2, "UBND phường Hai", WARDS[2]), 3: WardSite(3, "UBND phường Ba", WARDS[1])}).write(intent)
    code, output = netops("allocations", "update", "--intent", intent)
    assert code == 2, output
    assert "held by ubnd-phuong-mot" in output and "`netops allocations release ubnd-phuong-mot`" in output
    code, output = netops("allocations", "release", "ubnd-phuong-mot", "--intent", intent)
    assert code == 0, output
    assert "ubnd-phuong-mot" not in _record(intent)
    code, output = netops("allocations", "update", "--intent", intent)
    assert code == 0, output
    # The new site takes the freed key; its port is the lowest free one: the removed site's, released.
    assert "ubnd-phuong-ba: {key: ward/00005/0, ports: {'0.0': ba-dinh-agg-01:eth3}}" in _record(intent)


def test_release_refuses_a_site_in_the_intent_and_an_unknown_one(intent: Path) -> None:
    before = _record(intent)
    code, output = netops("allocations", "release", "ubnd-phuong-mot", "ubnd-phuong-bon", "--intent", intent)
    assert code == 2, output
    assert "site ubnd-phuong-mot is still in the intent" in output
    assert "no such site in the allocation record" in output and "'ubnd-phuong-bon'" in output
    assert _record(intent) == before


def test_rename_moves_the_allocations_to_the_new_slug(intent: Path) -> None:
    before = _record(intent)
    City({1: WardSite(1, "UBND phường Một Mới", WARDS[1]), 2: WardSite(2, "UBND phường Hai", WARDS[2])}).write(intent)
    code, output = netops("allocations", "rename", "ubnd-phuong-mot", "ubnd-phuong-mot-moi", "--intent", intent)
    assert code == 0, output
    assert _record(intent) == before.replace("  ubnd-phuong-mot:", "  ubnd-phuong-mot-moi:")
    code, output = netops("allocations", "update", "--check", "--intent", intent)
    assert code == 0, output


def test_rename_refuses_what_it_cannot_tell_apart(intent: Path) -> None:
    before = _record(intent)
    code, output = netops("allocations", "rename", "ubnd-phuong-mot", "ubnd-phuong-hai", "--intent", intent)
    assert code == 2, output
    assert "site ubnd-phuong-mot is still in the intent" in output
    assert "site ubnd-phuong-hai already holds allocations" in output
    code, output = netops("allocations", "rename", "ubnd-phuong-nam", "ubnd-phuong-sau", "--intent", intent)
    assert code == 2, output
    assert "no such site in the allocation record" in output and "no such site in the intent" in output
    assert _record(intent) == before


def test_show_lists_the_record(intent: Path) -> None:
    code, output = netops("allocations", "show", "--intent", intent)
    assert code == 0, output
    assert "ubnd-phuong-mot: {key: ward/00005/0, ports: {'0.0': ba-dinh-agg-01:eth3}}" in output
    assert "4 of 4 sites" in output
    code, output = netops("allocations", "show", "ubnd-phuong-hai", "--json", "--intent", intent)
    assert code == 0, output
    assert json.loads(output) == {"ubnd-phuong-hai": {"key": "ward/00008/0",
                                                      "ports": {"0.0": "ba-dinh-agg-01:eth4"}, "in_intent": True}}
    code, output = netops("allocations", "show", "ubnd-phuong-bay", "--intent", intent)
    assert code == 2 and "no such site in the allocation record" in output, output


def test_commands_that_need_a_record_say_how_to_write_it(tmp_path: Path) -> None:
    intent = tmp_path / "city"
    City().write(intent)
    code, output = netops("allocations", "show", "--intent", intent)
    assert code == 2, output
    assert "allocations.yml does not exist" in output and "`netops allocations update` writes it" in output
