"""The reorganization of a legacy-structured intent into the 2025 structure, as the files of the new intent.

Every site keeps its slug (so its device names, NetBox objects and recorded allocations stay) and moves:

- a ward-level site to the 2025 unit its ward became (a split ward: the dataset's default unit unless the policy
  names another). In each unit one committee, one party committee and one office per mass organization are the
  unit's own (renamed after the unit); the other merged wards' committees become public-service points (or are
  decommissioned), their party and mass-organization offices are decommissioned;
- a district-level site that other sites attach through (the district committee hosting the aggregation
  routers) to its area's file, as a hub: it keeps its district-level addresses;
- any other district-level site (districts are dissolved) out of the intent (its allocations stay recorded until
  `netops allocations release`), or to its area's file as a hub, per policy.

City-level sites stay in city.yml, which declares the 2025 structure.
"""

import copy
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from citynet_models.intent import AnySiteIntent
from citynet_models.policy import LEGACY_SCOPES
from citynet_models.problems import Location, Problem
from citynet_models.slug import slugify
from citynet_models.types import LifecycleStatus, SiteKind
from citynet_models.units import AdminStructure, Structure, Unit
from netops.errors import InputError
from netops.intent.loader import DistrictSource, LoadedIntent
from netops.reorganize.policy import DistrictFate, MergedFate, ReorganizePolicy
from netops.reorganize.yamlout import dump_intent
from netops.resolve.naming import default_device_name

#: Roles a site can hold in its unit; the unit keeps one site of each, the committee first.
_COMMITTEE, _PARTY = "committee", "party"
#: Numbers of the unit's own sites; the rest take the next free number from 3.
_OWN_NUMBER = {_COMMITTEE: 0, _PARTY: 1}
_MASS_NUMBER, _OTHER_NUMBER = 2, 3
#: Default site number of each kind in a unit file (netops/resolve/sites.py): an equal number is left out.
_DEFAULT_NUMBER = {"ward_committee": 0, "party_agency": 1, "mass_organization": 2, "public_service_point": 3}
#: Kind words district names start with.
_DISTRICT_WORDS = ("Quận ", "Huyện ", "Thị xã ", "Thành phố ")
_UNIT_WORDS = ("Phường ", "Xã ", "Thị trấn ", "Đặc khu ")


@dataclass(frozen=True)
class SiteMove:
    """What became of one site."""

    slug: str
    old_name: str
    name: str
    old_kind: str
    kind: str
    legacy: str  # "ward 00070 Phường Hàng Trống", "district 001 Quận Ba Đình"
    unit: str | None  # the 2025 unit (None: a hub, in its area's file, or retired)
    area: str | None
    retired: bool  # left out of the new intent
    status: str | None  # the status set by the reorganization (decommissioned), else None: unchanged
    number: int | None


@dataclass(frozen=True)
class Reorganization:
    """The new intent's files (relative path -> text) and what became of each site."""

    files: dict[str, str]
    moves: tuple[SiteMove, ...]


@dataclass
class _Placed:
    """A district-file site on its way to the new intent."""

    source: DistrictSource
    index: int
    intent: AnySiteIntent
    slug: str
    legacy_ward: Unit | None  # its legacy ward (None: a district-level site)
    unit: str | None = None
    role: str | None = None  # committee, party, mass:<organization>; None for hubs and district sites
    moves: dict[str, Any] = field(default_factory=dict)


def reorganize(intent: LoadedIntent, texts: Mapping[str, str], policy: ReorganizePolicy) -> Reorganization:
    """The 2025-structured intent of a legacy one; InputError when the official lists or the policy do not allow
    it (nothing is half done). ``texts``: the files carried over as written (city.yml, which gets the structure
    line; the units files and the allocation record, unchanged), by path relative to the intent."""
    problems: list[Problem] = []
    where = Location(intent.city_document.file, 1)
    if intent.structure is not Structure.LEGACY:
        raise InputError([Problem(path=("structure",), message="the intent is in the 2025 structure already",
                                  expected="a legacy-structured intent (districts/)", found="structure: 2025",
                                  hint="nothing to reorganize", location=where)])
    current, legacy = intent.official(Structure.Y2025), intent.official(Structure.LEGACY)
    for structure, kept in ((Structure.Y2025, current), (Structure.LEGACY, legacy)):
        if kept is None:
            problems.append(Problem(
                path=("units",), message=f"the official units of the {structure.value} structure are missing",
                expected=f"units/{structure.value}.yml in the intent", found="no such file",
                hint=f"`netops units import --structure {structure.value}` writes it from the dataset",
                location=where))
    if problems or current is None or legacy is None:
        raise InputError(problems)
    placed = [_Placed(source, index, site, site.slug or slugify(site.name),
                      legacy.unit(ward) if (ward := getattr(site, "ward", None)) else None)
              for source in intent.districts for index, site in enumerate(source.intent.sites)]
    units = {unit.code: unit for unit in current.units}
    problems += _assign_units(placed, current, policy)
    if problems:
        raise InputError(problems)
    problems += _choose_headquarters(placed, policy)
    if problems:
        raise InputError(problems)
    return _write(intent, texts, placed, units, policy)


def _assign_units(placed: Sequence[_Placed], current: AdminStructure, policy: ReorganizePolicy) -> list[Problem]:
    """Each ward-level site's 2025 unit (split wards: the policy's choice, else the default)."""
    problems: list[Problem] = []
    for site in placed:
        where = site.source.document.location(("sites", site.index))
        if site.legacy_ward is not None:
            successors = current.successors(site.legacy_ward.code)
            chosen = policy.units.get(site.legacy_ward.code)
            if not successors:
                problems.append(Problem(
                    path=("sites", site.slug), message="ward with no 2025 unit",
                    expected=f"ward {site.legacy_ward.code} in the successions of units/2025.yml",
                    found=f"{site.legacy_ward.code} {site.legacy_ward.name}: no succession",
                    hint="re-import the 2025 units (`netops units import --structure 2025`)", location=where))
            elif chosen is not None and chosen not in successors:
                problems.append(Problem(
                    path=("policy", "units", site.legacy_ward.code), message="policy names a unit the ward did not "
                    "become", expected=f"one of {', '.join(successors)} ({site.legacy_ward.name} became them)",
                    found=chosen, hint="name one of the ward's successor units", location=where))
            else:
                site.unit = chosen or successors[0]
                site.role = _role(site.intent)
            continue
    return problems


def _role(site: AnySiteIntent) -> str:
    if site.kind == "ward_committee":
        return _COMMITTEE
    if site.kind == "party_agency":
        return _PARTY
    return f"mass:{getattr(site, 'organization', '')}"


def _attached_through(placed: Sequence[_Placed]) -> set[str]:
    """Slugs of the sites other sites uplink to."""
    owner = {device.name or default_device_name(site.slug, device.role,
                                                device.number if device.number is not None else index): site.slug
             for site in placed for index, device in enumerate(site.intent.devices)}
    return {owner[uplink.to] for site in placed for device in site.intent.devices for uplink in device.uplinks
            if uplink.to in owner and owner[uplink.to] != site.slug}


def _choose_headquarters(placed: Sequence[_Placed], policy: ReorganizePolicy) -> list[Problem]:
    """In each unit, the site of each role that becomes the unit's own: the policy's, else that of the legacy ward
    whose code the unit took, else of the lowest legacy code."""
    problems: list[Problem] = []
    by_slug = {site.slug: site for site in placed}
    for unit, slugs in policy.headquarters.items():
        for slug in slugs:
            site = by_slug.get(slug)
            if site is None or site.unit != unit or site.role is None:
                problems.append(Problem(
                    path=("policy", "headquarters", unit), message="policy names a headquarters not in the unit",
                    expected=f"the slug of a ward-level site that moves to unit {unit}", found=slug,
                    hint="`netops reorganize --dry-run` lists where each site goes"))
    groups: dict[tuple[str, str], list[_Placed]] = defaultdict(list)
    for site in placed:
        if site.unit is not None and site.role is not None:
            groups[(site.unit, site.role)].append(site)
    for (unit, _role_name), members in groups.items():
        named = [site for site in members if site.slug in policy.headquarters.get(unit, [])]
        own = named[0] if named else min(members, key=lambda s: (
            s.legacy_ward is None or s.legacy_ward.code != unit, s.legacy_ward.code if s.legacy_ward else "", s.slug))
        for site in members:
            site.moves["own"] = site is own
    return problems


def _write(intent: LoadedIntent, texts: Mapping[str, str], placed: Sequence[_Placed], units: Mapping[str, Unit],
           policy: ReorganizePolicy) -> Reorganization:
    unit_sites: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    area_sites: dict[str, list[dict[str, Any]]] = defaultdict(list)
    used: dict[str, set[int]] = defaultdict(set)
    moves: list[SiteMove] = []
    names: set[str] = set()  # casefolded names given to unit sites so far: NetBox keeps site names unique
    ordered = sorted(placed, key=_order)
    hubs = _attached_through(placed)
    for site in ordered:
        info = site.source.intent.district
        raw = _site_data(site)
        if site.unit is None and site.slug not in hubs and policy.district_sites is DistrictFate.RETIRE:
            moves.append(_move(site, raw, f"district {info.code} {info.name}", None, None, retired=True))
            continue
        if site.unit is None:  # a hub: its area keeps the district's code
            area = _area_name(info.name)
            name = f"Trạm tập trung {area.removeprefix('Cụm ')}" if site.slug in hubs else site.intent.name
            raw = _rewritten(raw, name=name, slug=site.slug, kind="hub")
            area_sites[info.code].append(raw)
            moves.append(_move(site, raw, f"district {info.code} {info.name}", None, info.code))
            continue
        unit = units[site.unit]
        kind, name, status = _fate(site, unit, policy)
        name = _distinct(name, site, unit, names)
        number = _number(site, used[unit.code])
        raw = _rewritten(raw, name=name, slug=site.slug, kind=kind, status=status,
                         number=None if _DEFAULT_NUMBER.get(kind) == number else number)
        unit_sites[unit.code].append((number, raw))
        assert site.legacy_ward is not None
        moves.append(_move(site, raw, f"ward {site.legacy_ward.code} {site.legacy_ward.name}", unit.code, None))
    files = {path: _city_text(text) if path == "city.yml" else text for path, text in texts.items()}
    for code, sites in sorted(area_sites.items()):
        district = next(s.intent.district for s in intent.districts if s.intent.district.code == code)
        name = _area_name(district.name)
        files[f"areas/{code}-{slugify(name).removeprefix('cum-')}.yml"] = dump_intent(
            {"area": {"code": code, "name": name}, "sites": sites},
            f"{name}: the aggregation area of the former {district.name}")
    for code, numbered in sorted(unit_sites.items()):
        unit = units[code]
        files[unit_file(unit)] = unit_text(unit, [raw for _, raw in sorted(numbered, key=_by_number)])
    return Reorganization(files=files, moves=tuple(moves))


def _order(site: _Placed) -> tuple[int, str, str]:
    """The unit's own sites first (so they take their numbers), then the others by legacy code."""
    own = site.moves.get("own", False)
    return (0 if own else 1, site.legacy_ward.code if site.legacy_ward else "~", site.slug)


def _by_number(entry: tuple[int, dict[str, Any]]) -> tuple[int, str]:
    return entry[0], str(entry[1].get("slug"))


def _fate(site: _Placed, unit: Unit, policy: ReorganizePolicy) -> tuple[str, str, str | None]:
    """The site's kind, name and any status the reorganization sets."""
    decommissioned = LifecycleStatus.DECOMMISSIONED.value
    intent = site.intent
    assert site.legacy_ward is not None  # district-level sites are hubs or retired
    if site.moves.get("own"):
        return str(intent.kind), _renamed(intent.name, site.legacy_ward, unit), None
    if site.role == _COMMITTEE:
        name = _service_point_name(site.legacy_ward.name, unit)
        if policy.merged_committees is MergedFate.PUBLIC_SERVICE_POINT:
            return "public_service_point", name, None
        return "public_service_point", name, decommissioned
    return str(intent.kind), intent.name, decommissioned


def _distinct(name: str, site: _Placed, unit: Unit, names: set[str]) -> str:
    """``name``, unless a site placed before has it (the unit's own site, renamed after a unit named like a merged
    ward; two merged wards of one name): then a public-service point names its ward in full, another site is the
    former one ("(cũ)"), and the legacy ward's code settles what is left."""
    assert site.legacy_ward is not None  # only ward-level sites go to units
    candidates = [name, f"Điểm phục vụ hành chính công {site.legacy_ward.name[0].lower()}"
                        f"{site.legacy_ward.name[1:]} ({unit.name[0].lower()}{unit.name[1:]})"
                  if name.startswith("Điểm phục vụ") else f"{name} (cũ)", f"{name} ({site.legacy_ward.code})"]
    chosen = next((candidate for candidate in candidates if candidate.casefold() not in names), candidates[-1])
    names.add(chosen.casefold())
    return chosen


def _number(site: _Placed, used: set[int]) -> int:
    if site.moves.get("own") and site.role in _OWN_NUMBER:
        number = _OWN_NUMBER[site.role]
    else:
        number = _MASS_NUMBER if site.moves.get("own") else _OTHER_NUMBER
    while number in used:
        number += 1
    used.add(number)
    return number


def _renamed(name: str, ward: Unit, unit: Unit) -> str:
    """The site's name with its legacy ward's name replaced by the unit's ('UBND phường Hàng Trống' ->
    'UBND phường Hoàn Kiếm'); unchanged when it does not name the ward."""
    found = re.search(re.escape(ward.name), name, re.IGNORECASE)
    if found is not None:
        written = found.group(0)
        new = unit.name[0].lower() + unit.name[1:] if written[0].islower() else unit.name
        return name[:found.start()] + new + name[found.end():]
    short_old, short_new = _short(ward.name), _short(unit.name)
    return re.sub(re.escape(short_old), short_new, name) if short_old in name else name


def _service_point_name(place: str, unit: Unit) -> str:
    lower = unit.name[0].lower() + unit.name[1:]
    return f"Điểm phục vụ hành chính công {_short(place)} ({lower})"


def _short(name: str) -> str:
    for word in (*_UNIT_WORDS, *_DISTRICT_WORDS, "UBND ", "Ủy ban nhân dân "):
        if name.startswith(word):
            return _short(name[len(word):])
    for word in (" phường ", " xã ", " quận ", " huyện ", " thị trấn ", " thị xã "):
        if word in name:
            return name.split(word, 1)[1]
    return name


def unit_text(unit: Unit, sites: Sequence[Mapping[str, Any]]) -> str:
    """A 2025 unit's file holding ``sites`` (as written in intent)."""
    return dump_intent({"unit": {"code": unit.code, "name": unit.name}, "sites": list(sites)},
                       f"{unit.name} (since 1 July 2025): its sites")


def unit_file(unit: Unit) -> str:
    """Where a 2025 unit's sites are written: ``communes/<code>-<name without its kind word>.yml``."""
    return f"communes/{unit.code}-{slugify(_short(unit.name)) or slugify(unit.name)}.yml"


def _area_name(district_name: str) -> str:
    return f"Cụm {_short(district_name)}"


def _site_data(site: _Placed) -> dict[str, Any]:
    """The site as written in its district file, with the district's defaults made explicit (a unit file
    gathers sites of several districts) and the district-only keys left out."""
    raw: dict[str, Any] = copy.deepcopy(site.source.document.data["sites"][site.index])
    defaults = site.source.intent.defaults
    if defaults.status is not None and "status" not in raw:
        raw["status"] = defaults.status.value
    for device in raw.get("devices", []):
        if defaults.platform is not None and "platform" not in device:
            device["platform"] = defaults.platform.value
        for uplink in device.get("uplinks", []):
            uplink.pop("cross_district", None)
    raw.pop("ward", None)
    return raw


def _rewritten(raw: dict[str, Any], **first: Any) -> dict[str, Any]:
    """The site's mapping with ``first`` (name, slug, kind, number, status; None: left out) leading, then the
    rest as written."""
    out = {key: value for key, value in first.items() if value is not None}
    if "organization" in raw:
        out["organization"] = raw["organization"]
    # The number is the reorganization's (left out: the kind's default); a status left as None stays as written.
    replaced = {key for key in first if key != "status"}
    if "status" not in out and "status" in raw:
        out["status"] = raw["status"]
    out.update({key: value for key, value in raw.items() if key not in out and key not in replaced})
    return out


def _move(site: _Placed, raw: Mapping[str, Any], legacy: str, unit: str | None, area: str | None,
          *, retired: bool = False) -> SiteMove:
    return SiteMove(slug=site.slug, old_name=site.intent.name, name=str(raw["name"]), old_kind=str(site.intent.kind),
                    kind=str(raw["kind"]), legacy=legacy, unit=unit, area=area, retired=retired,
                    status=raw.get("status") if raw.get("status") == LifecycleStatus.DECOMMISSIONED.value
                    and site.intent.status is not LifecycleStatus.DECOMMISSIONED else None,
                    number=raw.get("number"))


# What the sites a policy rule selected by kind became: a merged ward's committee site serves on as a
# public-service point, a district committee's building as its area's hub. A rule keeps selecting them, so no
# surviving site loses or gains a service through the reorganization.
KINDS_AFTER_REORGANIZATION: dict[str, tuple[str, ...]] = {
    SiteKind.WARD_COMMITTEE: (SiteKind.WARD_COMMITTEE, SiteKind.PUBLIC_SERVICE_POINT),
    SiteKind.DISTRICT_COMMITTEE: (SiteKind.HUB,),
}
_FLOW_KINDS = re.compile(r"(\bsite_kinds:\s*\[)([^\]\n]*)(\])")
_BLOCK_KINDS = re.compile(r"(\bsite_kinds:[ \t]*\n)((?:[ \t]*-[ \t]*\S+[ \t]*\n)+)")


def _kinds_after(kinds: Sequence[str]) -> list[str]:
    after: list[str] = []
    for kind in kinds:
        for current in KINDS_AFTER_REORGANIZATION.get(kind, (kind,)):
            if current not in after:
                after.append(current)
    return after


def _reorganized_kinds(text: str) -> str:
    """Every `site_kinds:` list of city.yml (flow or block style) naming the kinds the sites became."""
    def flow(found: re.Match[str]) -> str:
        kinds = [kind.strip().strip("'\"") for kind in found[2].split(",") if kind.strip()]
        return f"{found[1]}{', '.join(_kinds_after(kinds))}{found[3]}"

    def block(found: re.Match[str]) -> str:
        items = found[2].splitlines()
        indent = items[0][:len(items[0]) - len(items[0].lstrip())]
        kinds = [item.strip()[1:].strip().strip("'\"") for item in items]
        return found[1] + "".join(f"{indent}- {kind}\n" for kind in _kinds_after(kinds))

    return _BLOCK_KINDS.sub(block, _FLOW_KINDS.sub(flow, text))


def _city_text(text: str) -> str:
    """city.yml declaring the 2025 structure: the `structure:` line replaced, or put before `asn:`, the policy
    rules' scopes spelled in 2025 terms (other_ward is other_unit, other_district other_area) and their site kinds
    naming what the sites became (KINDS_AFTER_REORGANIZATION)."""
    for legacy, current in LEGACY_SCOPES.items():
        text = re.sub(rf"\b(scope:\s*['\"]?){legacy}\b", rf"\g<1>{current}", text)
    text = _reorganized_kinds(text)
    line = 'structure: "2025"  # two levels since 1 July 2025: sites by unit in communes/, hubs in areas/\n'
    if re.search(r"^structure:", text, re.MULTILINE):
        return re.sub(r"^structure:.*\n", line, text, count=1, flags=re.MULTILINE)
    found = re.search(r"^asn:", text, re.MULTILINE)
    if found is None:
        return text.rstrip("\n") + "\n" + line
    return text[:found.start()] + line + text[found.start():]
