"""Hà Nội's administrative units in both structures, read from the pinned dataset (real data, goldens)."""

from collections import Counter
from pathlib import Path

import pytest

from citynet_models.units import AdminStructure, Structure, UnitKind
from netops.units.dataset import DatasetError, read_structure
from netops.units.store import dump_units

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(scope="module")
def current() -> AdminStructure:
    return read_structure("01", Structure.Y2025)


@pytest.fixture(scope="module")
def legacy() -> AdminStructure:
    return read_structure("01", Structure.LEGACY)


def test_current_hanoi_has_126_units(current: AdminStructure) -> None:
    assert current.city_name == "Thành phố Hà Nội"
    assert Counter(unit.kind for unit in current.units) == {UnitKind.WARD: 51, UnitKind.COMMUNE: 75}
    assert not current.districts
    assert all(unit.coordinates is not None for unit in current.units)


@pytest.mark.parametrize(("code", "name"), [("00004", "Phường Ba Đình"), ("00008", "Phường Ngọc Hà"),
                                            ("00025", "Phường Giảng Võ"), ("00070", "Phường Hoàn Kiếm"),
                                            ("00454", "Xã Đông Anh")])
def test_current_units_carry_official_codes_and_names(current: AdminStructure, code: str, name: str) -> None:
    unit = current.unit(code)
    assert unit is not None and unit.name == name


def test_legacy_hanoi_has_30_districts_and_526_wards(legacy: AdminStructure) -> None:
    assert Counter(d.kind for d in legacy.districts) == {UnitKind.URBAN_DISTRICT: 12, UnitKind.RURAL_DISTRICT: 17,
                                                         UnitKind.DISTRICT_TOWN: 1}
    assert len(legacy.units) == 526
    assert Counter(u.kind for u in legacy.units) == {UnitKind.WARD: 160, UnitKind.COMMUNE: 345,
                                                     UnitKind.TOWNSHIP: 21}
    ba_dinh = [unit.name for unit in legacy.units if unit.district == "001"]
    assert len(ba_dinh) == 13 and "Phường Phúc Xá" in ba_dinh


def test_every_legacy_ward_has_a_successor_and_every_unit_a_predecessor(current: AdminStructure,
                                                                       legacy: AdminStructure) -> None:
    assert {s.legacy for s in current.successions} == {unit.code for unit in legacy.units}
    assert {code for s in current.successions for code in s.units} == {unit.code for unit in current.units}
    assert sum(s.split for s in current.successions) == 199  # wards divided between several units


def test_a_split_ward_lists_the_datasets_default_first(current: AdminStructure) -> None:
    # Phường Điện Biên (Ba Đình) went mostly to Phường Ba Đình; parts to Hoàn Kiếm, Ô Chợ Dừa, Văn Miếu.
    assert current.successors("00019") == ["00004", "00070", "00190", "00226"]
    assert current.successors("00001") == ["00097"]  # Phúc Xá became part of Hồng Hà, whole
    assert current.successors("99999") == []


def test_an_unknown_city_is_an_error() -> None:
    with pytest.raises(DatasetError, match="no city or province of code '99'"):
        read_structure("99", Structure.Y2025)


@pytest.mark.parametrize("structure", list(Structure), ids=lambda s: s.value)
def test_units_files_of_hanoi(structure: Structure, golden) -> None:  # type: ignore[no-untyped-def]
    golden(GOLDEN / f"hanoi-{structure.value}.yml", dump_units(read_structure("01", structure)))


def test_a_missing_dataset_package_is_a_broken_installation(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata

    from netops.errors import EXIT_UNREACHABLE, exit_code_of
    from netops.units.dataset import DatasetMissingError, dataset_ref

    def not_installed(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    with pytest.raises(DatasetMissingError, match="vietnamadminunits is not installed") as raised:
        dataset_ref()
    assert exit_code_of(raised.value) == EXIT_UNREACHABLE


def test_a_legacy_district_without_wards_succeeds_to_nothing() -> None:
    """Hồ Chí Minh City: Côn Đảo was a district with no wards and became a special zone (đặc khu); the other
    wards of the merged provinces (Bình Dương, Bà Rịa - Vũng Tàu) still succeed to their units."""
    current = read_structure("79", Structure.Y2025)
    assert len(current.units) == 168
    assert [unit.name for unit in current.units if unit.kind.value == "dac_khu"] == ["Đặc khu Côn Đảo"]
    assert all(succession.units for succession in current.successions)
