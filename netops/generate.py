"""Whole-city intents for scale tests and benchmarks: a synthetic but realistic city, or the real one.

The first 30 districts are Hà Nội's real district-level units with their official codes; wards
get plausible Vietnamese names and unique five-digit codes. Every choice comes from one seeded
random generator, so the same arguments always write the same files. The real city (`real_city`) is the
dataset's legacy Hà Nội, every district and ward under its official code, with sites drawn the same way;
`real_city_2025` is that city reorganized into the 2025 structure, every one of its units with a committee.
"""

from __future__ import annotations

import random
import tempfile
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from citynet_models.addressing import SITES_PER_UNIT
from citynet_models.allocations import AllocationRecord
from citynet_models.intent import HANOI_BOUNDS
from citynet_models.slug import slugify
from citynet_models.units import AdminStructure, Structure, Unit, UnitKind
from netops.allocations.store import dump_record
from netops.files import MANIFEST, digest
from netops.intent.allocations import ALLOCATIONS_FILE
from netops.pipeline import load_intent_and_network, load_network
from netops.reorganize.cli import reorganize_folder
from netops.reorganize.plan import unit_file, unit_text
from netops.reorganize.policy import ReorganizePolicy
from netops.units.dataset import KINDS
from netops.units.store import dump_units, units_path

#: Hà Nội's 30 district-level units: code, name, kind, approximate centre (lat, lon).
HANOI_DISTRICTS: tuple[tuple[str, str, str, float, float], ...] = (
    ("001", "Quận Ba Đình", "quan", 21.0341, 105.8140),
    ("002", "Quận Hoàn Kiếm", "quan", 21.0288, 105.8525),
    ("003", "Quận Tây Hồ", "quan", 21.0700, 105.8190),
    ("004", "Quận Long Biên", "quan", 21.0465, 105.8890),
    ("005", "Quận Cầu Giấy", "quan", 21.0362, 105.7906),
    ("006", "Quận Đống Đa", "quan", 21.0181, 105.8297),
    ("007", "Quận Hai Bà Trưng", "quan", 21.0059, 105.8575),
    ("008", "Quận Hoàng Mai", "quan", 20.9746, 105.8636),
    ("009", "Quận Thanh Xuân", "quan", 20.9936, 105.8118),
    ("016", "Huyện Sóc Sơn", "huyen", 21.2574, 105.8487),
    ("017", "Huyện Đông Anh", "huyen", 21.1366, 105.8495),
    ("018", "Huyện Gia Lâm", "huyen", 21.0211, 105.9393),
    ("019", "Quận Nam Từ Liêm", "quan", 21.0126, 105.7653),
    ("020", "Huyện Thanh Trì", "huyen", 20.9447, 105.8470),
    ("021", "Quận Bắc Từ Liêm", "quan", 21.0705, 105.7642),
    ("250", "Huyện Mê Linh", "huyen", 21.1800, 105.7160),
    ("268", "Quận Hà Đông", "quan", 20.9557, 105.7564),
    ("269", "Thị xã Sơn Tây", "thi_xa", 21.1389, 105.5048),
    ("271", "Huyện Ba Vì", "huyen", 21.1990, 105.4230),
    ("272", "Huyện Phúc Thọ", "huyen", 21.1060, 105.5740),
    ("273", "Huyện Đan Phượng", "huyen", 21.0880, 105.6690),
    ("274", "Huyện Hoài Đức", "huyen", 21.0270, 105.7010),
    ("275", "Huyện Quốc Oai", "huyen", 20.9920, 105.6410),
    ("276", "Huyện Thạch Thất", "huyen", 21.0210, 105.5500),
    ("277", "Huyện Chương Mỹ", "huyen", 20.8740, 105.6730),
    ("278", "Huyện Thanh Oai", "huyen", 20.8600, 105.7700),
    ("279", "Huyện Thường Tín", "huyen", 20.8370, 105.8630),
    ("280", "Huyện Phú Xuyên", "huyen", 20.7380, 105.9090),
    ("281", "Huyện Ứng Hòa", "huyen", 20.7200, 105.7700),
    ("282", "Huyện Mỹ Đức", "huyen", 20.6850, 105.7420),
)
_WARD_NAME_PARTS = (
    "An", "Bình", "Cát", "Đại", "Đông", "Đồng", "Hòa", "Hồng", "Hưng", "Khánh", "Kim", "Liên", "Long",
    "Minh", "Nam", "Ngọc", "Phú", "Phúc", "Quang", "Tân", "Thạch", "Thanh", "Thịnh", "Thượng", "Tiên",
    "Trung", "Vân", "Việt", "Vĩnh", "Xuân", "Yên", "Lộc", "Hải", "Sơn", "Mỹ", "Phương",
)
_PROVIDERS = (("vnpt", 0.5), ("viettel", 0.35), ("fpt", 0.15))
_WARD_MASS_ORGS = ("fatherland_front", "women_union", "youth_union", "farmers_union", "veterans_association")


@dataclass(frozen=True)
class CitySize:
    """How big a city to generate."""

    districts: int
    wards_per_district: int
    seed: int


class _Circuits:
    """Unique circuit ids per provider, formatted like each carrier's."""

    def __init__(self) -> None:
        self.counters: dict[str, int] = {}

    def next(self, provider: str) -> str:
        self.counters[provider] = self.counters.get(provider, 0) + 1
        number = self.counters[provider]
        return {
            "vnpt": f"VNPT-HNI-MEN-{number:06d}",
            "viettel": f"VTL-HN-L2-{number:07d}",
            "fpt": f"FTEL-HNI-LL-{number:08d}",
        }[provider]


def generate_city(size: CitySize) -> dict[str, str]:
    """The intent files of a generated city: relative path -> YAML text."""
    if size.districts < 1 or size.wards_per_district < 1:
        raise ValueError("a city needs at least one district with one ward")
    if size.districts * size.wards_per_district > 5000:
        raise ValueError("at most 5000 wards in all (ward codes must fit the ward address pool)")
    rng = random.Random(size.seed)
    circuits = _Circuits()
    used_names: set[str] = set()
    files = {"city.yml": _dump(_city_document(), "Generated city: city-wide settings and the data center")}
    for index in range(size.districts):
        district = _synthetic_district(index, size.wards_per_district, rng, used_names)
        files[_district_path(district)] = _dump(district_document(district, rng, circuits),
                                                f"Generated district {district.name}")
    return files


def _district_path(district: DistrictPlan) -> str:
    return f"districts/{district.code}-{slugify(district.name)}.yml"


#: Hà Nội's official code: city.yml holds its settings, data center and policy.
HANOI = "01"
#: How far (degrees of latitude and longitude, about 330 m) a real site is placed from its ward's map point.
_REAL_SPREAD = 0.003


def real_city(legacy: AdminStructure, current: AdminStructure, seed: int) -> dict[str, str]:
    """The intent files of the real city in its legacy structure: relative path -> YAML text.

    Every district and ward of ``legacy`` with its official code, name and kind, and plausible sites in each
    (their number, statuses, LANs and carriers drawn from ``seed``), placed around the ward's map point; both
    structures are kept under units/, as `netops units import` writes them, so the official-list check runs.
    """
    return _real_legacy(legacy, current, random.Random(seed), _Circuits())


def _real_legacy(legacy: AdminStructure, current: AdminStructure, rng: random.Random,
                 circuits: _Circuits) -> dict[str, str]:
    """The files of the real legacy city, drawn from ``rng``; ``circuits`` numbers its circuits."""
    if legacy.structure is not Structure.LEGACY or current.structure is not Structure.Y2025:
        raise ValueError("the real city needs the legacy and the 2025 structure, in that order")
    if legacy.city != HANOI or current.city != HANOI:
        raise ValueError(f"the real city is Hà Nội ({HANOI}) only: city.yml holds Hà Nội's settings and data center")
    files = {"city.yml": _dump(_city_document(), "Generated city: city-wide settings and the data center"),
             **{units_path(Path(), units.structure).as_posix(): dump_units(units) for units in (legacy, current)}}
    source = f"{legacy.dataset.package} {legacy.dataset.version}"
    for district in legacy_districts(legacy, _REAL_SPREAD):
        files[_district_path(district)] = _dump(district_document(district, rng, circuits),
                                                f"{district.name} and its wards as {source} lists them")
    return files


def real_city_2025(legacy: AdminStructure, current: AdminStructure, seed: int,
                   policy: ReorganizePolicy | None = None) -> dict[str, str]:
    """The intent files of the real city in the 2025 structure: relative path -> YAML text.

    The real legacy city of ``seed`` reorganized as `netops reorganize --to 2025` does it (its allocation record
    going along; ``policy`` by default `unclaimed_code_policy`), so every site keeps its slug and addresses; then
    every 2025 unit that no legacy committee moved to gets a new People's Committee at the unit's map point, homed
    to the hub of the area most of its legacy wards belonged to, and the record gains its allocations as
    `netops allocations update` gives them. Resolving needs files, so both intents pass through a temporary
    folder.
    """
    rng, circuits = random.Random(seed), _Circuits()
    legacy_files = _real_legacy(legacy, current, rng, circuits)
    with tempfile.TemporaryDirectory(prefix="netops-real-2025-") as temporary:
        folder = Path(temporary)
        _write_tree(folder / "legacy", legacy_files)
        loaded, resolution = load_intent_and_network(folder / "legacy")
        reorganized = reorganize_folder(folder / "legacy", loaded, resolution.allocations,
                                        unclaimed_code_policy(current) if policy is None else policy)
        files = dict(reorganized.files)
        record = resolution.allocations
        assert record is not None  # an intent source always brings its record
        with_committee = {move.unit for move in reorganized.moves if move.unit and move.kind == "ward_committee"}
        aggregation = {plan.code: plan.short for plan in legacy_districts(legacy, _REAL_SPREAD)}
        for unit in current.units:
            if unit.code not in with_committee:
                if unit_file(unit) in files:
                    raise ValueError(f"unit {unit.code}: its file holds sites but no committee")
                site = _new_committee(unit, legacy, current, aggregation, record, rng, circuits)
                files[unit_file(unit)] = unit_text(unit, [site])
        _write_tree(folder / "2025", files)
        updated = load_network(folder / "2025").allocations
    assert updated is not None
    files[ALLOCATIONS_FILE] = dump_record(updated)
    return files


def unclaimed_code_policy(current: AdminStructure) -> ReorganizePolicy:
    """The default policy, except that a split ward whose code a unit took goes to that unit when no ward defaults
    to it: the unit's addressing keys (ward/<code>/<number>) are held by that ward's sites wherever they go, so a
    new committee of the unit could find them all taken (Hà Nội: Phường Yên Sở, 00340)."""
    defaulted = {succession.units[0] for succession in current.successions}
    return ReorganizePolicy(units={succession.legacy: succession.legacy for succession in current.successions
                                   if succession.legacy in succession.units[1:]
                                   and succession.legacy not in defaulted})


def _write_tree(folder: Path, files: Mapping[str, str]) -> None:
    for relative, text in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _new_committee(unit: Unit, legacy: AdminStructure, current: AdminStructure, aggregation: Mapping[str, str],
                   record: AllocationRecord, rng: random.Random, circuits: _Circuits) -> dict[str, Any]:
    """A 2025 unit's new committee (as written in its unit file), homed to the aggregation routers of the district most
    of its legacy wards belonged to (the lowest code on a tie); its slug and number are ones ``record`` does not
    hold."""
    formers = [legacy.unit(succession.legacy) for succession in current.successions if unit.code in succession.units]
    districts = Counter(former.district for former in formers if former is not None and former.district is not None)
    if not districts or unit.coordinates is None:
        raise ValueError(f"unit {unit.code}: the dataset gives it no legacy ward or no map point")
    district = min(districts, key=lambda code: (-districts[code], code))
    aggs = [f"{aggregation[district]}-agg-01", f"{aggregation[district]}-agg-02"]
    ward = WardPlan(code=unit.code, name=unit.name, kind=unit.kind.value, spread=_REAL_SPREAD,
                    centre=(unit.coordinates.latitude, unit.coordinates.longitude))
    site = _committee_site(ward, rng.sample(aggs, 2), rng, circuits)
    site.pop("ward")  # a unit file's sites are the unit's
    # A legacy ward of the unit's name and code keeps its committee's slug and key (now a public-service point's
    # or a retired site's): the new committee takes neither, or it would take that site's allocations.
    held = {int(entry.key.rsplit("/", 1)[1]) for entry in record.sites.values()
            if entry.key.startswith(f"ward/{unit.code}/")}
    number = min(set(range(len(held) + 1)) - held)
    if number >= SITES_PER_UNIT:
        raise ValueError(f"unit {unit.code}: every site number of {unit.name} is held by a site of the legacy ward "
                         f"of its code; a policy sending that ward to the unit (`unclaimed_code_policy`) avoids it")
    slug = f"{slugify(unit.name)}-{unit.code}" if slugify(site["name"]) in record.sites else None
    first = {"name": site.pop("name"), "slug": slug, "kind": site.pop("kind"), "number": number or None}
    return {**{key: value for key, value in first.items() if value is not None}, **site}


def legacy_districts(legacy: AdminStructure, spread: float) -> tuple[DistrictPlan, ...]:
    """A plan per district of the legacy structure, in code order: its official wards, each placed at its map
    point (``spread`` degrees around it), its sites' names ending in the district's where another ward of the
    city has the same name."""
    by_slug: dict[str, int] = {}
    for unit in legacy.units:
        by_slug[slugify(unit.name)] = by_slug.get(slugify(unit.name), 0) + 1
    plans = []
    for district in legacy.districts:
        units = [unit for unit in legacy.units if unit.district == district.code]
        if district.coordinates is None or any(unit.coordinates is None for unit in units):
            raise ValueError(f"district {district.code}: the dataset gives no map point for it or one of its wards")
        centre = (district.coordinates.latitude, district.coordinates.longitude)
        short_name = district.name.removeprefix(f"{_KIND_LABELS[district.kind]} ")
        short = slugify(short_name)
        suffix = f", {district.name[0].lower()}{district.name[1:]}"
        wards = tuple(WardPlan(code=unit.code, name=unit.name, kind=unit.kind.value,
                               centre=(unit.coordinates.latitude, unit.coordinates.longitude), spread=spread,
                               name_suffix=suffix if by_slug[slugify(unit.name)] > 1 else "")
                      for unit in units if unit.coordinates is not None)
        plans.append(DistrictPlan(code=district.code, name=district.name, kind=district.kind.value, centre=centre,
                                  short=short, party_committee=f"{_PARTY_COMMITTEE[district.kind]} {short_name}",
                                  wards=wards))
    return tuple(plans)


_KIND_LABELS = {kind: label for label, kind in KINDS.items()}
#: A district's party committee by the district's kind: Quận ủy, Huyện ủy, Thị ủy, Thành ủy.
_PARTY_COMMITTEE = {UnitKind.URBAN_DISTRICT: "Quận ủy", UnitKind.RURAL_DISTRICT: "Huyện ủy",
                    UnitKind.DISTRICT_TOWN: "Thị ủy", UnitKind.PROVINCIAL_CITY: "Thành ủy"}


#: The first line of every generated file says who wrote it.
MARKER = "Written by `netops generate-city`; regenerate rather than edit."


def _dump(document: dict[str, Any], title: str) -> str:
    body = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120)
    return f"# {title}. {MARKER}\n{body}"


def earlier_output(folder: Path) -> dict[str, str]:
    """{relative path: sha256} of the files an earlier generate-city wrote into a folder without a manifest.

    They are recognised by the marker on their first line, so a folder generated before manifests existed is
    regenerated in place; a hand-written file (no marker) is never taken for one.
    """
    if (folder / MANIFEST).exists():
        return {}
    found = {}
    for path in [folder / "city.yml", *sorted((folder / "districts").glob("*.yml"))]:
        if not path.is_file() or path.is_symlink():
            continue
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if MARKER.encode() in data.split(b"\n", 1)[0]:
            found[path.relative_to(folder).as_posix()] = digest(data)
    return found


def _district_identity(index: int) -> tuple[str, str, str, float, float]:
    if index < len(HANOI_DISTRICTS):
        return HANOI_DISTRICTS[index]
    code = 300 + index
    return (f"{code:03d}", f"Huyện Mở Rộng {index + 1}", "huyen", 21.0 + (index % 7) * 0.05,
            105.6 + (index % 5) * 0.06)


def _pick_provider(rng: random.Random, avoid: str | None = None) -> str:
    choices = [(name, weight) for name, weight in _PROVIDERS if name != avoid]
    return rng.choices([c[0] for c in choices], weights=[c[1] for c in choices])[0]


def _uplinks(rng: random.Random, circuits: _Circuits, targets: list[str], bandwidths: tuple[int, ...],
             dual: bool) -> list[dict[str, Any]]:
    first = _pick_provider(rng)
    chosen = [(targets[0], first)]
    if dual:
        chosen.append((targets[1], _pick_provider(rng, avoid=first)))
    bandwidth = rng.choice(bandwidths)
    return [{"to": to, "provider": provider, "circuit_id": circuits.next(provider), "bandwidth_mbps": bandwidth}
            for to, provider in chosen]


#: Hosts a district committee's camera LAN (a /27 with a virtual gateway and two routers' own addresses) holds.
_DISTRICT_CAMERA_HOSTS = 27

_STATUSES = ("planned", "staged", "provisioned", "verified", "accepted")
_STATUS_WEIGHTS = (0.15, 0.1, 0.15, 0.2, 0.4)


def _unique_ward_name(rng: random.Random, label: str, used: set[str]) -> str:
    # Site slugs derive from ward names, so names stay unique across the whole city.
    for attempt in range(50):
        name = f"{label} {rng.choice(_WARD_NAME_PARTS)} {rng.choice(_WARD_NAME_PARTS)}"
        if attempt >= 20:
            name = f"{name} {attempt}"
        # Đông and Đồng share a slug: compare slugs, not names.
        if slugify(name) not in used:
            used.add(slugify(name))
            return name
    raise ValueError("could not find a unique ward name")  # pragma: no cover - 50 tries always suffice


@dataclass(frozen=True)
class UnitPlan:
    """An administrative unit to write: official code, name and kind, and its map point (latitude, longitude)."""

    code: str
    name: str
    kind: str
    centre: tuple[float, float]


@dataclass(frozen=True)
class WardPlan(UnitPlan):
    """A ward (or commune) to fill with sites, which are placed around its map point."""

    #: Sites are placed up to this many degrees (latitude and longitude) from the centre.
    spread: float
    #: Appended to the names of the ward's sites when another ward of the city has the same name, e.g.
    #: ``, huyện Ba Vì``: NetBox keeps site names unique.
    name_suffix: str = ""


@dataclass(frozen=True)
class DistrictPlan(UnitPlan):
    """A district to write: its committee sits at its map point; its aggregation routers' prefix; its wards."""

    #: Prefix of the aggregation routers' names, e.g. ``ba-dinh`` for ba-dinh-agg-01.
    short: str
    #: Name of the district's party committee site, e.g. ``Quận ủy Ba Đình``.
    party_committee: str
    wards: tuple[WardPlan, ...]


def _synthetic_district(index: int, wards_per_district: int, rng: random.Random,
                        used_names: set[str]) -> DistrictPlan:
    code, name, kind, lat, lon = _district_identity(index)
    ward_kind = "phuong" if kind == "quan" else "xa"
    ward_label = "Phường" if ward_kind == "phuong" else "Xã"
    wards = tuple(
        WardPlan(code=f"{1 + 3 * (index * wards_per_district + w):05d}",
                 name=_unique_ward_name(rng, ward_label, used_names), kind=ward_kind, centre=(lat, lon),
                 spread=0.03)
        for w in range(wards_per_district))
    party = f"{'Quận' if kind == 'quan' else 'Huyện' if kind == 'huyen' else 'Thị'} ủy {name.split(' ', 1)[1]}"
    return DistrictPlan(code=code, name=name, kind=kind, centre=(lat, lon), short=slugify(name).split("-", 1)[1],
                        party_committee=party, wards=wards)


def _inside(latitude: float, longitude: float) -> dict[str, float]:
    """A map point, moved onto the city's default bounds if jitter pushed it past them."""
    bounds = HANOI_BOUNDS
    return {"latitude": round(min(max(latitude, bounds.south), bounds.north), 5),
            "longitude": round(min(max(longitude, bounds.west), bounds.east), 5)}


def district_document(district: DistrictPlan, rng: random.Random, circuits: _Circuits) -> dict[str, Any]:
    """The district file of a planned district: its committee with two aggregation routers dual-homed to the data
    center's cores over two carriers (its LANs get a VRRP gateway across them, the intent's default), its party
    committee, and per ward a committee, usually a party committee and a few mass organizations, homed to the
    district's aggregation routers. Every choice is drawn from ``rng``."""
    lat, lon = district.centre
    aggs = [f"{district.short}-agg-01", f"{district.short}-agg-02"]

    def status() -> str:
        return _status(rng)

    def near(centre: tuple[float, float], spread: float) -> dict[str, float]:
        return _near(rng, centre, spread)

    # The camera LAN is a /27 routed by both aggregation routers (VRRP), each with an address of its own: it holds
    # 27 hosts. The draw keeps its old range so that every later choice of a seeded city is the one it was.
    committee_lans = [{"role": "staff", "hosts": rng.randint(60, 120)}, {"role": "one_stop_shop", "hosts": 20},
                      {"role": "camera", "hosts": min(rng.randint(10, 28), _DISTRICT_CAMERA_HOSTS)},
                      {"role": "management", "hosts": 6}]
    sites: list[dict[str, Any]] = [
        {
            "name": f"UBND {district.name[0].lower()}{district.name[1:]}",
            "kind": "district_committee",
            "status": "planned",
            "coordinates": near((lat, lon), 0.003),
            "devices": [
                {"name": aggs[0], "role": "aggregation",
                 "uplinks": _uplinks(rng, circuits, ["dc-core-01", "dc-core-02"], (1000,), dual=True)},
                {"name": aggs[1], "role": "aggregation",
                 "uplinks": [*_uplinks(rng, circuits, ["dc-core-02", "dc-core-01"], (1000,), dual=True),
                             {"to": aggs[0]}]},
                {"role": "switch"},
            ],
            "lans": committee_lans,
        },
        {
            "name": district.party_committee,
            "kind": "party_agency",
            "status": status(),
            "coordinates": near((lat, lon), 0.004),
            "devices": [{"role": "access_router",
                         "uplinks": _uplinks(rng, circuits, aggs, (100, 200), dual=True)}],
            "lans": [{"role": "staff", "hosts": rng.randint(30, 70)}, {"role": "management", "hosts": 2}],
        },
    ]
    for ward in district.wards:
        sites += _ward_sites(ward, aggs, rng, circuits, status, near)
    return {
        "district": {"code": district.code, "name": district.name, "kind": district.kind},
        "wards": [{"code": ward.code, "name": ward.name, "kind": ward.kind} for ward in district.wards],
        "sites": sites,
    }


def _status(rng: random.Random) -> str:
    # A generated site has no rollout evidence, so it is planned (a status moves only through `netops rollout`).
    # The draw stays so that every later choice of a seeded city is the one it always was.
    rng.choices(_STATUSES, weights=_STATUS_WEIGHTS)
    return "planned"


def _near(rng: random.Random, centre: tuple[float, float], spread: float) -> dict[str, float]:
    return _inside(centre[0] + rng.uniform(-spread, spread), centre[1] + rng.uniform(-spread, spread))


def _committee_site(ward: WardPlan, targets: list[str], rng: random.Random, circuits: _Circuits) -> dict[str, Any]:
    """A ward's People's Committee: an access router uplinked to ``targets`` (the first, sometimes both)."""
    return {
        "name": f"UBND {ward.name[0].lower()}{ward.name[1:]}{ward.name_suffix}",
        "kind": "ward_committee",
        "ward": ward.code,
        "status": _status(rng),
        "coordinates": _near(rng, ward.centre, ward.spread),
        "devices": [{"role": "access_router",
                     "uplinks": _uplinks(rng, circuits, targets, (50, 100), dual=rng.random() < 0.4)},
                    {"role": "switch"}],
        "lans": [{"role": "staff", "hosts": rng.randint(15, 45)},
                 {"role": "one_stop_shop", "hosts": rng.randint(4, 12)},
                 {"role": "camera", "hosts": rng.randint(4, 12)},
                 {"role": "management", "hosts": 2}],
    }


def _ward_sites(ward: WardPlan, aggs: list[str], rng: random.Random, circuits: _Circuits,
                status: Callable[[], str], near: Callable[[tuple[float, float], float], dict[str, float]],
                ) -> list[dict[str, Any]]:
    """The sites of one ward: its committee, usually its party committee, sometimes mass organizations."""
    lower = f"{ward.name[0].lower()}{ward.name[1:]}{ward.name_suffix}"

    targets = rng.sample(aggs, 2)
    sites: list[dict[str, Any]] = [_committee_site(ward, targets, rng, circuits)]
    if rng.random() < 0.9:
        sites.append({
            "name": f"Đảng ủy {lower}",
            "kind": "party_agency",
            "ward": ward.code,
            "status": status(),
            "coordinates": near(ward.centre, ward.spread),
            "devices": [{"role": "access_router",
                         "uplinks": _uplinks(rng, circuits, targets, (20, 50), dual=False)},
                        *([{"role": "switch"}] if rng.random() < 0.3 else [])],
            "lans": [{"role": "staff", "hosts": rng.randint(5, 20)}],
        })
    organizations = ["fatherland_front"] if rng.random() < 0.75 else []
    if rng.random() < 0.4:
        organizations.append(rng.choice(_WARD_MASS_ORGS[1:]))
    for number, organization in enumerate(organizations, start=2):
        sites.append({
            "name": f"{_ORGANIZATION_NAMES[organization]} {lower}",
            "kind": "mass_organization",
            "organization": organization,
            "ward": ward.code,
            "number": number,
            "status": status(),
            "coordinates": near(ward.centre, ward.spread),
            "devices": [{"role": "access_router",
                         "uplinks": _uplinks(rng, circuits, targets[1:], (20, 50), dual=False)}],
            "lans": [{"role": "staff", "hosts": rng.randint(4, 15)}],
        })
    return sites


_ORGANIZATION_NAMES = {
    "fatherland_front": "Ủy ban MTTQ",
    "women_union": "Hội Liên hiệp Phụ nữ",
    "youth_union": "Đoàn Thanh niên",
    "farmers_union": "Hội Nông dân",
    "veterans_association": "Hội Cựu chiến binh",
}


def _city_document() -> dict[str, Any]:
    """The city file: the sample city's settings, data center (its firewall pair included), VRRP settings, design
    rules and policy, without city agencies."""
    return {
        "city": {"code": "01", "name": "Thành phố Hà Nội"},
        "asn": 65010,
        "defaults": {"platform": "frr", "status": "planned"},
        "addressing": {
            "loopbacks": "10.252.0.0/14",
            "links": "10.192.0.0/11",
            "management": "10.248.0.0/14",
            "datacenter": "10.145.0.0/16",
            "site_blocks": [
                {"level": "ward", "pool": "10.0.0.0/9", "block_length": 25, "lans": [
                    {"role": "staff", "vlan": 10, "offset": 0, "prefix_length": 26},
                    {"role": "one_stop_shop", "vlan": 20, "offset": 64, "prefix_length": 27},
                    {"role": "camera", "vlan": 30, "offset": 96, "prefix_length": 28},
                    {"role": "management", "vlan": 99, "offset": 112, "prefix_length": 28}]},
                {"level": "district", "pool": "10.128.0.0/12", "block_length": 24, "lans": [
                    {"role": "staff", "vlan": 10, "offset": 0, "prefix_length": 25},
                    {"role": "one_stop_shop", "vlan": 20, "offset": 128, "prefix_length": 27},
                    {"role": "camera", "vlan": 30, "offset": 160, "prefix_length": 27},
                    {"role": "guest", "vlan": 50, "offset": 192, "prefix_length": 27},
                    {"role": "management", "vlan": 99, "offset": 224, "prefix_length": 28}]},
                {"level": "city", "pool": "10.144.0.0/16", "block_length": 24, "lans": [
                    {"role": "staff", "vlan": 10, "offset": 0, "prefix_length": 25},
                    {"role": "management", "vlan": 99, "offset": 224, "prefix_length": 28}]},
            ],
        },
        "providers": [{"name": "VNPT Hà Nội", "slug": "vnpt"}, {"name": "Viettel Hà Nội", "slug": "viettel"},
                      {"name": "FPT Telecom", "slug": "fpt"}],
        "services": [
            {"name": "email", "display_name": "Hệ thống thư điện tử công vụ", "ports": ["tcp/25", "tcp/443"]},
            {"name": "document-management", "display_name": "Hệ thống quản lý văn bản và điều hành",
             "ports": ["tcp/443"]},
            {"name": "one-stop-shop", "display_name": "Hệ thống một cửa điện tử", "ports": ["tcp/443"]},
            {"name": "portal", "display_name": "Cổng thông tin điện tử thành phố", "ports": ["tcp/80", "tcp/443"]},
            {"name": "population-db", "display_name": "Cổng kết nối CSDL quốc gia về dân cư", "ports": ["tcp/8443"]},
            {"name": "ntp", "display_name": "Máy chủ thời gian", "ports": ["udp/123"]},
            {"name": "syslog", "display_name": "Máy chủ nhật ký", "ports": ["udp/514"]},
            {"name": "monitoring", "display_name": "Hệ thống giám sát mạng", "ports": ["tcp/443", "udp/162"]},
        ],
        "sites": [{
            "name": "Trung tâm Dữ liệu thành phố Hà Nội",
            "slug": "dc-hanoi",
            "kind": "data_center",
            "status": "planned",
            "coordinates": {"latitude": 21.0336, "longitude": 105.7941},
            "devices": [
                {"name": "dc-core-01", "role": "core"},
                {"name": "dc-core-02", "role": "core", "uplinks": [{"to": "dc-core-01"}]},
                {"name": "dc-fw-01", "role": "firewall", "uplinks": [{"to": "dc-core-01"}, {"to": "dc-core-02"}]},
                # The standby firewall: its uplink to dc-fw-01 is the pair's sync (heartbeat and state) link.
                {"name": "dc-fw-02", "role": "firewall",
                 "uplinks": [{"to": "dc-core-01"}, {"to": "dc-core-02"}, {"to": "dc-fw-01"}]},
            ],
            # One firewall would cut every site from every service when it fails: the LANs behind it fail over
            # to the standby together (VRRP across the pair, its name as the sync group).
            "ha_pairs": [{"name": "dc-fw", "members": ["dc-fw-01", "dc-fw-02"]}],
            "lans": [
                {"name": "dc-management", "role": "management", "vlan": 99, "prefix": "10.145.0.0/26", "hosts": 20,
                 "gateway_device": "dc-fw-01"},
                {"name": "servers", "role": "servers", "vlan": 100, "prefix": "10.145.1.0/24", "hosts": 60,
                 "gateway_device": "dc-fw-01"},
            ],
            "hosts": [
                {"name": f"{name}-01", "kind": "virtual", "lan": lan, "cluster": "dc-cluster-01", "services": [name]}
                for name, lan in (("email", "servers"), ("document-management", "servers"),
                                  ("one-stop-shop", "servers"), ("portal", "servers"), ("population-db", "servers"),
                                  ("ntp", "servers"), ("syslog", "dc-management"), ("monitoring", "dc-management"))
            ],
        }],
        "redundancy": _REDUNDANCY,
        "design": _design(),
        "policy": {
            "management_services": ["monitoring", "syslog"],
            "rules": [
                {"id": "staff-to-egov", "kind": "allow_services", "description": "Staff use e-government services",
                 "sources": {"lan_roles": ["staff"]},
                 "services": ["email", "document-management", "portal", "ntp"]},
                {"id": "one-stop-counters", "kind": "allow_services",
                 "description": "Counters reach the one-stop-shop and the population database",
                 "sources": {"lan_roles": ["one_stop_shop"]}, "services": ["one-stop-shop", "population-db", "ntp"]},
                {"id": "ward-isolation", "kind": "deny_between_sites",
                 "description": "One ward's LANs never reach another ward's", "sources": {"levels": ["ward"]},
                 "destinations": {"levels": ["ward"]}, "scope": "other_unit"},
                {"id": "no-user-management-access", "kind": "deny_management",
                 "description": "Only management LANs reach device management",
                 "sources": {"lan_roles": ["staff", "one_stop_shop", "camera", "guest"]}},
            ],
        },
    }


#: The city-wide VRRP settings of the sample city: a site's LANs fail over when their master loses every uplink.
_REDUNDANCY = {"vrrp": {"priority": 110, "backup_priority": 100, "preempt": True, "preempt_delay_s": 60,
                        "advertisement_interval_ms": 1000, "track_uplinks": True}}


def _design() -> dict[str, Any]:
    """The sample city's design rules in the legacy structure's site kinds (`netops reorganize` turns a district
    committee into the hub it becomes, a ward committee into itself and the public-service points), and the
    single-homed ward-level sites as the risk the city accepts."""
    return {
        "rules": [
            {"name": "no-single-failure-cuts-sites", "kind": "max_sites_cut",
             "description": "No single device or link failure cuts a data-center service from more than one site",
             "max_sites": 1, "failures": ["device", "link"]},
            # The sample's rule, but for city agencies: a rule may name only kinds the city has, and the generated
            # city has none.
            {"name": "hubs-and-agencies-dual-homed", "kind": "dual_homed",
             "description": "Hubs reach the data center over two routers (the generated city has no city agencies)",
             "site_kinds": ["district_committee"]},
            {"name": "hubs-two-providers", "kind": "providers", "description": "Hubs have circuits from two carriers",
             "site_kinds": ["district_committee"], "min_providers": 2},
            {"name": "redundant-lan-gateways", "kind": "first_hop_redundancy",
             "description": "Every LAN of a site with two routers has a VRRP gateway"},
            {"name": "firewall-pair", "kind": "ha_pair",
             "description": "The data center's firewalls stand in an active/standby pair", "roles": ["firewall"]},
        ],
        "accepted_risks": [
            {"sites": ["*"], "site_kinds": ["ward_committee", "party_agency", "mass_organization"],
             "levels": ["ward"], "rules": ["no-single-failure-cuts-sites"],
             "reason": "Trụ sở cấp xã một đường truyền: chấp nhận mất kết nối khi thiết bị tập trung hỏng "
                       "(single-homed)",
             "accepted_by": "Sở Thông tin và Truyền thông Hà Nội", "review_by": date(2027, 6, 30)},
        ],
    }
