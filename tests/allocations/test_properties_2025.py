"""Properties of the allocation record in the 2025 structure: adding, removing, renaming, re-parenting a site to
another unit (of its area, or of another area, whose hub it then uplinks to) and releasing never moves anything of
another site; a re-parented site keeps its own allocations, and what a removed site held is taken only after
`netops allocations release`."""

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citynet_models.allocations import AllocationRecord
from citynet_models.network import Network
from netops.pipeline import load_network
from tests.allocations.city import netops
from tests.allocations.city2025 import AREAS, KINDS, UNITS, City2025, UnitSite

_SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

OPERATIONS = ("add", "remove", "release", "rename", "reparent", "rehome", "take")
#: A step: (operation, a number that picks its site, unit, kind or number).
steps = st.lists(st.tuples(st.sampled_from(OPERATIONS), st.integers(min_value=0, max_value=1000)),
                 min_size=1, max_size=8)


def _update(intent: Path) -> None:
    code, output = netops("allocations", "update", "--intent", intent)
    assert code == 0, output


def _record(intent: Path) -> AllocationRecord:
    return AllocationRecord.model_validate(yaml.safe_load((intent / "allocations.yml").read_text(encoding="utf-8")))


def _without_links_to(facts: dict[str, Any], ident: str | None) -> dict[str, Any]:
    """The facts less the links whose far end is a device of site ``ident`` (which came, left or moved)."""
    if ident is None:
        return facts
    return {**facts, "links": [link for link in facts["links"] if not link[2].startswith(f"{ident}#")]}


def _own(facts: dict[str, Any]) -> dict[str, Any]:
    """What a site holds itself: its LANs, its devices' addresses, and each link's own end, prefix and circuit,
    whatever upstream router and port the link lands on."""
    return {**facts, "links": sorted((number, interface, prefix, circuit)
                                     for number, interface, _, _, prefix, circuit in facts["links"])}


class _Step:
    """What a step changed: the site that came, left or moved to another area's hub (``changed``; the others keep
    everything but their links to it), and whether that site moved (then it keeps all it holds itself)."""

    def __init__(self, changed: int | None = None, *, rehomed: bool = False) -> None:
        self.changed = None if changed is None else str(changed)
        self.rehomed = rehomed


class _Run:
    """One sequence of steps on the small city, with what the allocation record holds."""

    def __init__(self, intent: Path) -> None:
        self.intent = intent
        kinds = list(KINDS)
        self.city = City2025({ident: UnitSite(ident, f"{KINDS[kinds[kind]]} {ident}", kinds[kind], UNITS[unit][0],
                                              number, AREAS[area][0])
                              for ident, kind, unit, number, area in ((1, 0, 0, 0, 0), (2, 1, 0, 1, 0),
                                                                     (3, 2, 1, 2, 0), (4, 3, 2, 3, 1),
                                                                     (5, 0, 3, 0, 1), (6, 0, 1, 0, 1))})
        self.removed: list[str] = []  # slugs removed from the intent, still holding their allocations
        self.next_ident = 100

    def held(self) -> set[str]:
        return {entry.key for entry in _record(self.intent).sites.values()}

    def _new_site(self, unit: str, number: int, pick: int) -> UnitSite:
        self.next_ident += 1
        kind = list(KINDS)[pick % len(KINDS)]
        return UnitSite(self.next_ident, f"{KINDS[kind]} {self.next_ident}", kind, unit, number,
                        AREAS[pick % len(AREAS)][0])

    def _places(self, held: set[str], but: str | None = None) -> list[tuple[str, int]]:
        """(unit, number) a site may take: nobody's number in the unit, a key the record does not hold."""
        return [(unit, number) for unit, _ in UNITS if unit != but for number in self.city.free_numbers(unit, held)]

    def apply(self, operation: str, pick: int) -> _Step:
        """Change the intent (and the record where the step is an `allocations` command)."""
        sites = sorted(self.city.sites)
        held = self.held()
        if operation == "add" and self._places(held):
            unit, number = self._places(held)[pick % len(self._places(held))]
            site = self._new_site(unit, number, pick)
            self.city.sites[site.ident] = site
            return _Step(site.ident)
        if operation == "remove" and sites:
            ident = sites[pick % len(sites)]
            self.removed.append(self.city.sites.pop(ident).slug)
            return _Step(ident)
        if operation == "release" and self.removed:
            slug = self.removed.pop(pick % len(self.removed))
            code, output = netops("allocations", "release", slug, "--intent", self.intent)
            assert code == 0, output
            return _Step()
        if operation == "rename" and sites:
            site = self.city.sites[sites[pick % len(sites)]]
            old = site.slug
            site.name = f"{site.name} mới"
            self.city.write(self.intent)
            code, output = netops("allocations", "rename", old, site.slug, "--intent", self.intent)
            assert code == 0, output
            return _Step()
        if operation in ("reparent", "rehome") and sites:
            site = self.city.sites[sites[pick % len(sites)]]
            # Only the unit's numbers count: a recorded site keeps its key, whatever key its new place computes.
            places = self._places(set(), but=site.unit)
            if not places:
                return _Step()
            site.unit, site.number = places[pick % len(places)]
            if operation == "reparent":
                return _Step()
            site.area = next(code for code, _, _ in AREAS if code != site.area)
            return _Step(site.ident, rehomed=True)
        if operation == "take" and self.removed:
            self._take_a_held_key(pick)
        return _Step()

    def _take_a_held_key(self, pick: int) -> None:
        """A new site whose key a removed site holds is refused, naming the holder, and nothing is written."""
        record = _record(self.intent)
        holders = [slug for slug in self.removed
                   if int(record.sites[slug].key.split("/")[2]) in
                   self.city.free_numbers(record.sites[slug].key.split("/")[1], set())]
        if not holders:
            return
        holder = holders[pick % len(holders)]
        _, unit, number = record.sites[holder].key.split("/")
        site = self._new_site(unit, int(number), pick)
        self.city.sites[site.ident] = site
        self.city.write(self.intent)
        written = (self.intent / "allocations.yml").read_text(encoding="utf-8")
        code, output = netops("allocations", "update", "--intent", self.intent)
        assert code == 2 and f"netops allocations release {holder}" in output, output
        assert (self.intent / "allocations.yml").read_text(encoding="utf-8") == written
        del self.city.sites[site.ident]


def _check_held_ports_are_free(run: _Run, network: Network) -> None:
    """No link lands on a port a removed site still holds."""
    record = _record(run.intent)
    held = {port for slug in run.removed for port in record.sites[slug].ports.values()}
    used = {f"{link.upstream.device}:{link.upstream.interface}" for link in network.links}
    assert not held & used, held & used


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small city with its record written (copied for each example)."""
    intent = tmp_path_factory.mktemp("base") / "city"
    run = _Run(intent)
    run.city.write(intent)
    _update(intent)
    return intent


def _facts(run: _Run) -> tuple[Network, dict[str, dict[str, Any]]]:
    network = load_network(run.intent).network
    return network, run.city.facts(network)


@_SETTINGS
@given(steps=steps)
def test_no_change_to_one_site_moves_another(base: Path, tmp_path_factory: pytest.TempPathFactory,
                                             steps: list[tuple[str, int]]) -> None:
    intent = tmp_path_factory.mktemp("city") / "city"
    shutil.copytree(base, intent)
    run = _Run(intent)
    _, before = _facts(run)
    for operation, pick in steps:
        step = run.apply(operation, pick)
        run.city.write(intent)
        _, after = _facts(run)
        for ident, facts in before.items():
            if ident not in after:
                continue
            if ident == step.changed:
                assert not step.rehomed or _own(after[ident]) == _own(facts), (operation, ident)
                continue
            assert _without_links_to(after[ident], step.changed) == _without_links_to(facts, step.changed), \
                (operation, ident)
        _update(intent)
        network, written = _facts(run)
        assert written == after, "writing the record changed the network"
        _check_held_ports_are_free(run, network)
        before = after
