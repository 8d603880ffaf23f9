"""The names a cut link's ends take in the faults' namespace: Linux interface names, one pair per link of a
whole city (tests/lab/test_faults_lab.py cuts a link on the real lab)."""

from pathlib import Path

from netops.generate import CitySize, generate_city
from netops.lab.faults import cut_names
from netops.lab.topology import IFNAME_MAX, plan_lab
from netops.pipeline import load_network
from tests.lab.helpers import CITY


def test_cut_names_fit_and_differ(tmp_path: Path) -> None:
    for relative, text in generate_city(CitySize(districts=6, wards_per_district=8, seed=3)).items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text, encoding="utf-8")
    for intent in (CITY, tmp_path):
        plan = plan_lab(load_network(intent).network)
        names = [name for link in plan.links for name in cut_names(link)]
        assert len(plan.links) > 20
        assert len(set(names)) == len(names) == 2 * len(plan.links)
        assert all(len(name) <= IFNAME_MAX and name.isalnum() for name in names)
