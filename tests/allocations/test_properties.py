"""Properties of the allocation record: with it, no change to one site moves anything of another, and a
re-parented or renamed site keeps its own; without it, a ward that sorts first renumbers the others' ports."""

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citynet_models.slug import slugify
from netops.pipeline import load_network
from tests.allocations.city import WARDS, City, WardSite, netops, site_facts

_SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

#: A step: (operation, a number that picks its site or ward).
steps = st.lists(st.tuples(st.sampled_from(["add", "remove", "release", "rename", "reparent"]),
                           st.integers(min_value=0, max_value=1000)), min_size=1, max_size=6)


def _facts(intent: Path, city: City) -> dict[int, dict[str, Any]]:
    network = load_network(intent).network
    return {ident: site_facts(network, slugify(site.name)) for ident, site in city.sites.items()}


def _update(intent: Path) -> None:
    code, output = netops("allocations", "update", "--intent", intent)
    assert code == 0, output


class _Run:
    """One sequence of steps on the small city, with what the allocation record holds."""

    def __init__(self, intent: Path) -> None:
        self.intent = intent
        self.city = City({ident: WardSite(ident, f"UBND phường {ident}", WARDS[ident]) for ident in (1, 3, 6)})
        self.removed: list[str] = []  # slugs removed from the intent, still holding their allocations
        self.held_wards = {WARDS[ident] for ident in (1, 3, 6)}  # wards whose committee key the record holds
        self.next_ident = 100

    def free_wards(self) -> list[str]:
        present = {site.ward for site in self.city.sites.values()}
        return [ward for ward in WARDS if ward not in self.held_wards and ward not in present]

    def apply(self, operation: str, pick: int) -> int | None:
        """Change the intent (and the record where the step is an `allocations` command); the site the step
        changed, whose own facts may change (a new one, a removed one), or None."""
        sites = sorted(self.city.sites)
        if operation == "add" and self.free_wards():
            ward = self.free_wards()[pick % len(self.free_wards())]
            self.next_ident += 1
            self.city.sites[self.next_ident] = WardSite(self.next_ident, f"UBND phường {self.next_ident}", ward)
            self.held_wards.add(ward)
            return self.next_ident
        if operation == "remove" and sites:
            ident = sites[pick % len(sites)]
            self.removed.append(slugify(self.city.sites.pop(ident).name))
            return ident
        if operation == "release" and self.removed:
            slug = self.removed.pop(pick % len(self.removed))
            code, output = netops("allocations", "release", slug, "--intent", self.intent)
            assert code == 0, output
            self.held_wards = {entry.split("/")[1] for entry in self._recorded_keys()}
            return None
        if operation == "rename" and sites:
            site = self.city.sites[sites[pick % len(sites)]]
            old = slugify(site.name)
            site.name = f"{site.name} mới"
            self.city.write(self.intent)
            code, output = netops("allocations", "rename", old, slugify(site.name), "--intent", self.intent)
            assert code == 0, output
            return None
        if operation == "reparent" and sites and self.free_wards():
            site = self.city.sites[sites[pick % len(sites)]]
            wards = self.free_wards()
            site.ward = wards[pick % len(wards)]
            return None
        return None

    def _recorded_keys(self) -> list[str]:
        text = (self.intent / "allocations.yml").read_text(encoding="utf-8")
        return [line.split("key: ")[1].split(",")[0] for line in text.splitlines() if "key: " in line]


@_SETTINGS
@given(steps=steps)
def test_no_change_to_one_site_moves_another(tmp_path_factory: pytest.TempPathFactory,
                                             steps: list[tuple[str, int]]) -> None:
    intent = tmp_path_factory.mktemp("city")
    run = _Run(intent)
    run.city.write(intent)
    _update(intent)
    before = _facts(intent, run.city)
    for operation, pick in steps:
        changed = run.apply(operation, pick)
        run.city.write(intent)
        after = _facts(intent, run.city)
        for ident, facts in before.items():
            if ident in after and ident != changed:
                assert after[ident] == facts, (operation, ident)
        _update(intent)
        assert _facts(intent, run.city) == after, "writing the record changed the network"
        before = after


@_SETTINGS
@given(codes=st.sets(st.sampled_from(WARDS[1:]), min_size=1, max_size=5))
def test_without_the_record_a_first_sorting_ward_renumbers_the_others(tmp_path_factory: pytest.TempPathFactory,
                                                                      codes: set[str]) -> None:
    intent = tmp_path_factory.mktemp("city")
    city = City({number: WardSite(number, f"UBND phường {number}", code) for number, code in enumerate(sorted(codes))})
    city.write(intent)
    before = _facts(intent, city)
    city.sites[99] = WardSite(99, "UBND phường mới", WARDS[0])
    city.write(intent)
    after = _facts(intent, city)
    for ident in before:
        assert before[ident]["lans"] == after[ident]["lans"]  # addresses are keyed by code: they stay
        assert before[ident]["links"] != after[ident]["links"], "the upstream port moved along"
    del city.sites[99]  # and with the record written first, the same addition moves nothing
    city.write(intent)
    _update(intent)
    city.sites[99] = WardSite(99, "UBND phường mới", WARDS[0])
    city.write(intent)
    assert {ident: facts for ident, facts in _facts(intent, city).items() if ident != 99} == before
