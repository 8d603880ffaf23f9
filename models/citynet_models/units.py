"""Administrative structures: the units of a city in one structure, and the official succession between two.

Vietnam's local government changed on 1 July 2025 from three levels (city, district, ward/commune: the legacy
structure) to two (city, ward/commune: the 2025 structure). A structure lists its units with their official codes,
Vietnamese names, kinds and map points; the 2025 structure also records, for every legacy ward, the unit(s) it was
merged into (the first is the dataset's default for a ward split between several). Administrative units are not
the WAN's aggregation areas: the hubs stay where they were built, whatever unit a site belongs to.
"""

from enum import StrEnum
from typing import Self

from pydantic import Field, model_validator

from citynet_models.base import NetopsModel
from citynet_models.sites import Coordinates
from citynet_models.types import CityCode, DisplayName, DistrictCode, Slug, WardCode, rule_error

#: How many problems of a structure one error message lists.
_SHOWN = 5


class Structure(StrEnum):
    """An administrative structure of the country."""

    LEGACY = "legacy"  # three levels, until 30 June 2025
    Y2025 = "2025"  # two levels, since 1 July 2025


class UnitKind(StrEnum):
    """Kinds of administrative units below the city, in both structures."""

    URBAN_DISTRICT = "quan"  # quận
    RURAL_DISTRICT = "huyen"  # huyện
    DISTRICT_TOWN = "thi_xa"  # thị xã
    PROVINCIAL_CITY = "thanh_pho"  # thành phố thuộc tỉnh
    WARD = "phuong"  # phường
    COMMUNE = "xa"  # xã
    TOWNSHIP = "thi_tran"  # thị trấn
    SPECIAL_ZONE = "dac_khu"  # đặc khu (islands, since 2025)


#: District-level kinds (legacy structure only); every other kind is commune-level.
DISTRICT_KINDS = frozenset({UnitKind.URBAN_DISTRICT, UnitKind.RURAL_DISTRICT, UnitKind.DISTRICT_TOWN,
                            UnitKind.PROVINCIAL_CITY})


class DatasetRef(NetopsModel):
    """Where a structure's data came from: the dataset package and its exact version."""

    package: Slug = Field(description="PyPI name of the dataset package")
    version: str = Field(min_length=1, max_length=40, description="Its exact version")


class District(NetopsModel):
    """A district-level unit of the legacy structure."""

    code: DistrictCode = Field(description="Official district code")
    name: DisplayName = Field(description="Official name, e.g. 'Quận Ba Đình'")
    kind: UnitKind = Field(description="quan, huyen, thi_xa or thanh_pho")
    coordinates: Coordinates | None = Field(default=None, description="Map point of the unit (approximate)")

    @model_validator(mode="after")
    def _district_level(self) -> Self:
        if self.kind not in DISTRICT_KINDS:
            raise ValueError(f"district {self.code}: kind {self.kind.value} is not a district-level kind")
        return self


class Unit(NetopsModel):
    """A commune-level unit: phường, xã, thị trấn (legacy) or đặc khu (2025)."""

    code: WardCode = Field(description="Official five-digit code")
    name: DisplayName = Field(description="Official name, e.g. 'Phường Ba Đình'")
    kind: UnitKind = Field(description="phuong, xa, thi_tran or dac_khu")
    district: DistrictCode | None = Field(default=None, description="Its district (legacy structure only)")
    coordinates: Coordinates | None = Field(default=None, description="Map point of the unit (approximate)")

    @model_validator(mode="after")
    def _commune_level(self) -> Self:
        if self.kind in DISTRICT_KINDS:
            raise ValueError(f"unit {self.code}: kind {self.kind.value} is a district-level kind")
        return self


class Succession(NetopsModel):
    """What a legacy ward became on 1 July 2025: one unit, or several when it was split (default first)."""

    legacy: WardCode = Field(description="Code of the legacy ward")
    units: list[WardCode] = Field(min_length=1, description="Codes of the 2025 units, the default first")

    @property
    def split(self) -> bool:
        """The legacy ward was divided between several units."""
        return len(self.units) > 1


class AdminStructure(NetopsModel):
    """The administrative units of one city in one structure, as the dataset gives them."""

    structure: Structure = Field(description="legacy (three levels) or 2025 (two levels)")
    city: CityCode = Field(description="Official code of the city")
    city_name: DisplayName = Field(description="Official name of the city")
    dataset: DatasetRef = Field(description="The dataset the units were imported from")
    districts: list[District] = Field(default_factory=list, description="District-level units (legacy only)")
    units: list[Unit] = Field(min_length=1, description="Commune-level units")
    successions: list[Succession] = Field(
        default_factory=list, description="2025 only: the unit(s) each legacy ward became")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems: list[str] = []
        legacy = self.structure is Structure.LEGACY
        if not legacy and self.districts:
            problems.append("the 2025 structure has no districts")
        if legacy and self.successions:
            problems.append("successions belong to the 2025 structure")
        for kind, codes in (("district", [d.code for d in self.districts]), ("unit", [u.code for u in self.units]),
                            ("succession of legacy ward", [s.legacy for s in self.successions])):
            seen: set[str] = set()
            for code in codes:
                if code in seen:
                    problems.append(f"{kind} {code} is listed twice")
                seen.add(code)
        districts = {d.code for d in self.districts}
        units = {u.code for u in self.units}
        for unit in self.units:
            if legacy and unit.district is None:
                problems.append(f"unit {unit.code} has no district (the legacy structure has three levels)")
            elif legacy and unit.district not in districts:
                problems.append(f"unit {unit.code} names district {unit.district}, which is not listed")
            if not legacy and unit.district is not None:
                problems.append(f"unit {unit.code} names a district, which the 2025 structure has not")
            if not legacy and unit.kind is UnitKind.TOWNSHIP:
                problems.append(f"unit {unit.code} is a thi_tran, a kind the 2025 structure has not")
        for succession in self.successions:
            problems += [f"legacy ward {succession.legacy} became unit {code}, which is not listed"
                         for code in succession.units if code not in units]
        if problems:
            shown = problems[:_SHOWN]
            more = f" (and {len(problems) - _SHOWN} more)" if len(problems) > _SHOWN else ""
            levels = ("districts, each ward in a listed district" if legacy
                      else "no districts; every succession towards a listed unit")
            raise rule_error(
                message=f"the {self.structure.value} units do not hold together",
                expected=f"the {self.structure.value} structure as the dataset gives it: {levels}",
                found="; ".join(shown) + more,
                hint=f"re-run `netops units import --structure {self.structure.value}`: the units file is the "
                     f"dataset's, not edited by hand")
        return self

    def unit(self, code: str) -> Unit | None:
        """The commune-level unit of that code, if listed."""
        return next((unit for unit in self.units if unit.code == code), None)

    def successors(self, legacy: str) -> list[str]:
        """The 2025 units a legacy ward became (default first); empty when the ward is not mapped."""
        return next((s.units for s in self.successions if s.legacy == legacy), [])
