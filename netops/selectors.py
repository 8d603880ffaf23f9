"""Command-line selectors: the one way every command matches an area, a district, a ward or a named value.

`netops show`, `query`, `analyze`, `render` and `lab up` all take ``--area`` and ``--district``; they match them
here, so that a value selects the same sites everywhere and an unknown value is the same error everywhere (bad
input, exit 2, with did-you-mean suggestions). A value that is known but selects no rows is not an error: the
command says "no ... match" and exits 0.

``--area`` names a network aggregation area (``Cụm Ba Đình``) in either structure. ``--district`` names a district
of a legacy intent; a 2025 intent has no districts, so there it names the area built for the district, like
``--area``, and its errors say it was matched against areas. Both select the sites grouped under the codes they
name (``Network.groups``): a legacy district and its area share the code.

``--unit`` names the administrative unit a site is in (``Site.ward``): a ward of a legacy intent, a commune-level
unit (phường, xã) of a 2025 one; it selects the sites in that unit (as `netops query --unit` always did). Districts
keep ``--district``, aggregation areas ``--area``. ``--site`` and
``--device`` take names or globs (``ubnd-*``): a name that is not in the model, or a glob that matches nothing, is
an error with did-you-mean. The scoping options add up (`scope`): a device is selected when a ``--device`` value
names it or its site is selected by ``--unit``, ``--area``, ``--district`` or ``--site``; none given: everything.

A unit or area matches a value when the value, case-folded, is its code, its slug (``quan-ba-dinh``), its slug
without the kind prefix (``ba-dinh``), or its name; a name is also matched through its slug, so ``ba dinh``,
``Ba Đình`` and ``Quận Ba Đình`` all select Quận Ba Đình. Nothing is matched by substring.
"""

import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from citynet_models.network import Network
from citynet_models.problems import Problem
from citynet_models.slug import slugify
from citynet_models.units import Structure
from netops.errors import InputError, suggestions, unknown_value

#: Slug prefixes of the unit kinds (quận, huyện, thị xã; phường, xã, thị trấn) and of areas (cụm), dropped for the
#: short slug.
_KIND_PREFIXES = ("quan-", "huyen-", "thi-xa-", "phuong-", "xa-", "thi-tran-", "cum-")


class _Unit(Protocol):
    @property
    def code(self) -> str: ...

    @property
    def slug(self) -> str: ...

    @property
    def name(self) -> str: ...


def short_slug(slug: str) -> str:
    """A unit's slug without its kind: ``quan-ba-dinh`` -> ``ba-dinh``."""
    for prefix in _KIND_PREFIXES:
        if slug.startswith(prefix) and len(slug) > len(prefix):
            return slug[len(prefix):]
    return slug


def unit_matches(unit: _Unit, value: str) -> bool:
    """Whether a district or ward is the one a command-line value names (see the module docstring)."""
    needle = value.strip().casefold()
    if not needle:
        return False
    if needle in (unit.code, unit.slug, short_slug(unit.slug), unit.name.casefold()):
        return True
    slug = slugify(value)
    return bool(slug) and slug in (unit.slug, short_slug(unit.slug))


def unknown_unit(units: Sequence[_Unit], value: str, option: str, noun: str) -> Problem:
    """The error for a value that names no district (or ward): did-you-mean by slug, short slug or name, and the
    known slugs with their codes."""
    by_form: dict[str, str] = {}
    for unit in units:
        for form in (unit.slug, short_slug(unit.slug), slugify(unit.name)):
            by_form.setdefault(form, unit.slug)
    close = list(dict.fromkeys(by_form[form] for form in suggestions(slugify(value) or value, by_form)))
    known = [f"{unit.slug} ({unit.code})" for unit in units]
    article = "an" if noun[0] in "aeio" else "a"  # a unit
    problem = unknown_value(option, value, known, what=f"{article} {noun} code, slug or name",
                            message=f"unknown {noun}")
    if close:  # suggestions found through any form of the name, shown as slugs
        hint = f"did you mean {' or '.join(close)}? " + (problem.hint or "").split("? ", 1)[-1]
        problem = Problem(path=problem.path, message=problem.message, expected=problem.expected,
                          found=problem.found, hint=hint)
    return problem


def _match(units: Sequence[_Unit], values: Iterable[str], option: str, noun: str) -> set[str] | None:
    wanted = list(values)
    if not wanted:
        return None
    codes: set[str] = set()
    problems: list[Problem] = []
    for value in wanted:
        found = {u.code for u in units if unit_matches(u, value)}
        if not found:
            problems.append(unknown_unit(units, value, option, noun))
        codes |= found
    if problems:
        raise InputError(problems)
    return codes


def match_areas(network: Network, values: Iterable[str], option: str = "--area") -> set[str] | None:
    """The codes of the aggregation areas the values name (None when no value is given); InputError for a value
    that names none."""
    return _match(network.areas, values, option, "area")


def match_districts(network: Network, values: Iterable[str], option: str = "--district") -> set[str] | None:
    """The codes of the districts the values name in a legacy intent, of the areas they name in a 2025 one, which
    has no districts (None when no value is given); InputError for a value that names none."""
    if network.structure is Structure.LEGACY:  # each district is an area of the same code
        return _match(network.districts, values, option, "district")
    return _match(network.areas, values, option, "area")


def match_groups(network: Network, areas: Iterable[str] | str | None = (),
                 districts: Iterable[str] | str | None = ()) -> set[str] | None:
    """The codes of the groups of sites (``Network.groups``) that ``--area`` and ``--district`` name together
    (None when neither is given), each given as its option's values, one value, or None; one InputError for every
    value that names nothing."""
    problems: list[Problem] = []
    codes: set[str] | None = None
    for match, values in ((match_areas, areas), (match_districts, districts)):
        try:
            found = match(network, () if values is None else (values,) if isinstance(values, str) else values)
        except InputError as error:
            problems.extend(error.problems)
            continue
        if found is not None:
            codes = (codes or set()) | found
    if problems:
        raise InputError(problems)
    return codes


def match_units(network: Network, values: Iterable[str], option: str = "--unit") -> set[str] | None:
    """The codes of the administrative units the values name, the ones sites are in (``Site.ward``): wards of a
    legacy intent, commune-level units of a 2025 one (None when no value is given); InputError for a value that
    names none."""
    return _match(network.wards, values, option, "ward" if network.structure is Structure.LEGACY else "unit")


def _is_glob(value: str) -> bool:
    return any(character in value for character in "*?[")


def match_names(known: Sequence[str], values: Iterable[str], option: str, noun: str) -> set[str] | None:
    """The known names that the values name, each a name or a glob (None when no value is given); InputError for a
    name that is not known or a glob that matches nothing, with did-you-mean."""
    wanted = list(values)
    if not wanted:
        return None
    found: set[str] = set()
    problems: list[Problem] = []
    for value in wanted:
        hits = set(fnmatch.filter(known, value)) if _is_glob(value) else ({value} & set(known))
        if not hits:
            problems.append(unknown_value(option, value, known, what=f"a {noun} name or glob of the model",
                                          message=f"no {noun} matches" if _is_glob(value) else f"unknown {noun}"))
        found |= hits
    if problems:
        raise InputError(problems)
    return found


@dataclass(frozen=True)
class Scope:
    """What the scoping options select: site slugs and device names, None for "every one" (no option given)."""

    sites: frozenset[str] | None
    devices: frozenset[str] | None

    def device_names(self, network: Network) -> list[str]:
        """The selected devices, in the model's order."""
        return [d.name for d in network.devices if self.devices is None or d.name in self.devices]

    def site_slugs(self, network: Network) -> list[str]:
        """The selected sites, in the model's order."""
        return [s.slug for s in network.sites if self.sites is None or s.slug in self.sites]


def scope(network: Network, *, units: Iterable[str] | None = (), areas: Iterable[str] | None = (),
          districts: Iterable[str] | None = (), sites: Iterable[str] | None = (),
          devices: Iterable[str] | None = ()) -> Scope:
    """The sites and devices that ``--unit``, ``--area``, ``--district``, ``--site`` and ``--device`` select
    together (see the module docstring); one InputError for every value that names nothing."""
    problems: list[Problem] = []
    site_slugs: set[str] | None = None
    device_names: set[str] | None = None

    def add(selected: Iterable[str]) -> None:
        nonlocal site_slugs
        site_slugs = (site_slugs or set()) | set(selected)

    try:
        groups = match_groups(network, areas, districts)
        if groups is not None:
            add(site.slug for site in network.sites if site.area in groups)
    except InputError as error:
        problems.extend(error.problems)
    try:
        codes = match_units(network, units or ())
        if codes is not None:
            add(site.slug for site in network.sites if site.ward in codes)
    except InputError as error:
        problems.extend(error.problems)
    try:
        named = match_names([site.slug for site in network.sites], sites or (), "--site", "site")
        if named is not None:
            add(named)
    except InputError as error:
        problems.extend(error.problems)
    try:
        device_names = match_names(list(network.device_by_name), devices or (), "--device", "device")
    except InputError as error:
        problems.extend(error.problems)
    if problems:
        raise InputError(problems)
    if site_slugs is None and device_names is None:
        return Scope(None, None)
    chosen = set(device_names or ())
    chosen |= {d.name for d in network.devices if site_slugs is not None and d.site in site_slugs}
    at_sites = set(site_slugs or ()) | {network.device_by_name[name].site for name in device_names or ()}
    return Scope(frozenset(at_sites), frozenset(chosen))


def match_wards(network: Network, values: Iterable[str], option: str = "--ward") -> set[str] | None:
    """The codes of the wards the values name (None when no value is given); InputError for a value that names
    no ward."""
    return _match(network.wards, values, option, "ward")


def check_choice(option: str, value: str | None, known: Sequence[str], what: str) -> Problem | None:
    """A problem when ``value`` is given and is not one of ``known`` (exact, as the model spells it)."""
    if value is None or value in known:
        return None
    return unknown_value(option, value, known, what=what)
