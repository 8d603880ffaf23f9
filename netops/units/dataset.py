"""The official administrative units of a city, read from the pinned dataset package.

The dataset is `vietnamadminunits` (MIT), pinned to one version in pyproject.toml: it holds both structures
(legacy: 63 provinces, their districts and wards; 2025: 34 provinces and their communes) with official codes,
Vietnamese names, kinds and a map point per unit, and the legacy -> 2025 converter tables with a default unit for
every split ward (what `netops reorganize` re-parents a site to unless the policy says otherwise). The alternative,
`vietnam-provinces`, has the official codes and the mapping too but no coordinates, no default unit of a split ward,
and a GPL-3.0 licence (docs/admin-units-datasets.md compares both).

The package's own modules build a geocoder and parse tables when imported (about 0.4 s); this module reads its two
data files (an SQLite database and a JSON table) directly, without importing it, so it stays fast and offline.
The files' layout belongs to the pinned version: a test reads Hà Nội's known units and mapping through it.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from citynet_models.sites import Coordinates
from citynet_models.units import AdminStructure, DatasetRef, District, Structure, Succession, Unit, UnitKind
from netops.errors import EXIT_UNREACHABLE, NetopsError

PACKAGE = "vietnamadminunits"

#: The dataset's kinds (Vietnamese) -> the model's.
KINDS = {
    "Quận": UnitKind.URBAN_DISTRICT, "Huyện": UnitKind.RURAL_DISTRICT, "Thị xã": UnitKind.DISTRICT_TOWN,
    "Thành phố": UnitKind.PROVINCIAL_CITY, "Phường": UnitKind.WARD, "Xã": UnitKind.COMMUNE,
    "Thị trấn": UnitKind.TOWNSHIP, "Đặc khu": UnitKind.SPECIAL_ZONE,
}


class DatasetError(NetopsError):
    """The dataset package is of another layout, or does not know the city asked for (exit 2)."""


class DatasetMissingError(DatasetError):
    """The dataset package is not installed: the installation is broken, not the input (exit 3)."""

    exit_code = EXIT_UNREACHABLE


def dataset_ref() -> DatasetRef:
    """The installed dataset package and its version (DatasetError when it is not installed)."""
    try:
        return DatasetRef(package=PACKAGE, version=importlib.metadata.version(PACKAGE))
    except importlib.metadata.PackageNotFoundError as error:
        raise DatasetMissingError(f"the dataset package {PACKAGE} is not installed: run `make venv` "
                           f"(or pip install the version pinned in pyproject.toml)") from error


def _data_dir() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        dataset_ref()  # raises the not-installed error
        raise DatasetError(f"{PACKAGE} is installed but is not a package")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


@contextmanager
def _database() -> Iterator[sqlite3.Connection]:
    path = _data_dir() / "dataset.db"
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise DatasetError(f"{path}: cannot open the dataset: {error}") from error
    connection.row_factory = sqlite3.Row
    with closing(connection):
        yield connection


def _rows(sql: str, *args: str) -> list[sqlite3.Row]:
    with _database() as connection:
        try:
            return list(connection.execute(sql, args))
        except sqlite3.Error as error:
            raise DatasetError(f"the {PACKAGE} dataset has not the layout this version of netops reads ({error}); "
                               f"install the version pinned in pyproject.toml") from error


def _kind(name: str | None, code: str) -> UnitKind:
    if name not in KINDS:
        raise DatasetError(f"unit {code}: the dataset's kind {name!r} is not one netops knows ({', '.join(KINDS)})")
    return KINDS[name]


def _point(latitude: Any, longitude: Any) -> Coordinates | None:
    if latitude is None or longitude is None:
        return None
    return Coordinates(latitude=round(float(latitude), 6), longitude=round(float(longitude), 6))


def read_structure(city: str, structure: Structure) -> AdminStructure:
    """The units of the city (official two-digit code) in the structure, in code order."""
    if structure is Structure.LEGACY:
        return _legacy(city)
    return _current(city)


def _city_name(table: str, city: str) -> str:
    found = _rows(f"SELECT DISTINCT province FROM {table} WHERE provinceCode = ?", city)
    if not found:
        codes = sorted({row[0] for row in _rows(f"SELECT DISTINCT provinceCode FROM {table}")})
        raise DatasetError(f"the dataset has no city or province of code {city!r} (it has {codes[0]}..{codes[-1]})")
    return str(found[0]["province"])


def _legacy(city: str) -> AdminStructure:
    name = _city_name("admin_units_legacy", city)
    rows = _rows("SELECT districtCode, district, districtType, districtLat, districtLon, wardCode, ward, wardType, "
                 "wardLat, wardLon FROM admin_units_legacy WHERE provinceCode = ? ORDER BY districtCode, wardCode",
                 city)
    districts: dict[str, District] = {}
    units: list[Unit] = []
    for row in rows:
        code = row["districtCode"]
        if code not in districts:
            districts[code] = District(code=code, name=row["district"], kind=_kind(row["districtType"], code),
                                       coordinates=_point(row["districtLat"], row["districtLon"]))
        if row["wardCode"] is not None:  # an island district has no wards
            units.append(Unit(code=row["wardCode"], name=row["ward"], kind=_kind(row["wardType"], row["wardCode"]),
                              district=code, coordinates=_point(row["wardLat"], row["wardLon"])))
    return AdminStructure(structure=Structure.LEGACY, city=city, city_name=name, dataset=dataset_ref(),
                          districts=sorted(districts.values(), key=lambda d: d.code),
                          units=sorted(units, key=lambda u: u.code))


def _current(city: str) -> AdminStructure:
    name = _city_name("admin_units", city)
    rows = _rows("SELECT wardCode, ward, wardType, wardLat, wardLon, wardKey, provinceKey FROM admin_units "
                 "WHERE provinceCode = ? ORDER BY wardCode", city)
    units = [Unit(code=row["wardCode"], name=row["ward"], kind=_kind(row["wardType"], row["wardCode"]),
                  coordinates=_point(row["wardLat"], row["wardLon"])) for row in rows]
    code_of_key = {row["wardKey"]: row["wardCode"] for row in rows}
    return AdminStructure(structure=Structure.Y2025, city=city, city_name=name, dataset=dataset_ref(),
                          units=units, successions=_successions(str(rows[0]["provinceKey"]), code_of_key))


def _successions(province_key: str, code_of_key: dict[str, str]) -> list[Succession]:
    """Every legacy ward of the province's legacy provinces, with the 2025 unit(s) it became."""
    try:
        with (_data_dir() / "converter_2025.json").open(encoding="utf-8") as file:
            tables = json.load(file)
        legacy_provinces: list[str] = tables["DICT_PROVINCE"][province_key]
        whole: dict[str, list[str]] = tables["DICT_PROVINCE_WARD_NO_DIVIDED"][province_key]
        divided: dict[str, list[dict[str, Any]]] = tables["DICT_PROVINCE_WARD_DIVIDED"][province_key]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise DatasetError(f"the {PACKAGE} converter table cannot be read ({error!r}); install the version pinned "
                           f"in pyproject.toml") from error
    marks = ",".join("?" * len(legacy_provinces))
    legacy_code = {f"{row['provinceKey']}_{row['districtKey']}_{row['wardKey']}": row["wardCode"]
                   for row in _rows(f"SELECT provinceKey, districtKey, wardKey, wardCode FROM admin_units_legacy "
                                    f"WHERE provinceKey IN ({marks}) AND wardCode IS NOT NULL", *legacy_provinces)}
    targets: dict[str, list[str]] = {}
    try:
        for new_key, old_keys in whole.items():
            for old_key in old_keys:
                if old_key.endswith("_") and old_key not in legacy_code:
                    continue  # a legacy district without wards (Côn Đảo became a đặc khu): no ward to succeed
                targets.setdefault(legacy_code[old_key], []).append(code_of_key[new_key])
        for old_key, parts in divided.items():
            ordered = sorted(parts, key=lambda part: not part["isDefaultNewWard"])  # the default first
            targets[legacy_code[old_key]] = [code_of_key[part["newWardKey"]] for part in ordered]
    except KeyError as error:
        raise DatasetError(f"the {PACKAGE} converter table names a unit its database has not: {error}") from error
    return [Succession(legacy=code, units=list(dict.fromkeys(units))) for code, units in sorted(targets.items())]
