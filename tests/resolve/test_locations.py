"""Every problem of the model's checks and the resolver is located at the object that caused it.

The resolver falls back to the top of city.yml only for a path it has no source for; no check may rely on that.
A problem about a site, device, link, ward or host in a district file must point into that file.
"""

from pathlib import Path

import pytest

from netops.errors import InputError
from netops.pipeline import load_network
from tests.conftest import TESTS, case_folders, materialize_overlay

INVALID = TESTS / "intent" / "cases" / "invalid"
BASE = TESTS / "intent" / "cases" / "base"


@pytest.mark.parametrize("case", case_folders(INVALID), ids=lambda p: p.name)
def test_no_problem_falls_back_to_the_city_file(case: Path, tmp_path: Path) -> None:
    intent = materialize_overlay(BASE, case, tmp_path)
    with pytest.raises(InputError) as raised:
        load_network(intent)
    if not (intent / "city.yml").is_file():  # the case is about city.yml itself: a folder, a dangling link
        return
    lines = (intent / "city.yml").read_text().splitlines()
    first = next((n for n, text in enumerate(lines, 1) if text.strip() and not text.lstrip().startswith("#")), 1)
    city_top = (str(intent / "city.yml"), first)
    for problem in raised.value.problems:
        assert problem.location is not None
        # The top of city.yml is the city itself: only problems about the city may point there.
        if (problem.location.file, problem.location.line) == city_top:
            assert problem.path[:1] in ((), ("city",)), f"{problem} fell back to the top of city.yml"
