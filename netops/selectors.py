"""Command-line selectors: the one way every command matches a district, a ward or a named value.

`netops show`, `query`, `analyze`, `render` and `lab up` all take ``--district``; they match it here, so that a
value selects the same districts everywhere and an unknown value is the same error everywhere (bad input,
exit 2, with did-you-mean suggestions). A value that is known but selects no rows is not an error: the command
says "no ... match" and exits 0.

A district (or ward) matches a value when the value, case-folded, is its code, its slug (``quan-ba-dinh``), its
slug without the kind prefix (``ba-dinh``), or its name; a name is also matched through its slug, so
``ba dinh``, ``Ba Đình`` and ``Quận Ba Đình`` all select Quận Ba Đình. Nothing is matched by substring.
"""

from collections.abc import Iterable, Sequence
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
    article = "an" if noun[0] in "aeiou" else "a"
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


def match_districts(network: Network, values: Iterable[str], option: str = "--district") -> set[str] | None:
    """The codes of the districts the values name (None when no value is given); InputError for a value that
    names no district."""
    return _match(network.areas, values, option, "district" if network.structure is Structure.LEGACY else "area")


def match_wards(network: Network, values: Iterable[str], option: str = "--ward") -> set[str] | None:
    """The codes of the wards the values name (None when no value is given); InputError for a value that names
    no ward."""
    return _match(network.wards, values, option, "ward")


def check_choice(option: str, value: str | None, known: Sequence[str], what: str) -> Problem | None:
    """A problem when ``value`` is given and is not one of ``known`` (exact, as the model spells it)."""
    if value is None or value in known:
        return None
    return unknown_value(option, value, known, what=what)
