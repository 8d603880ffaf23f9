"""`netops lab up --whole-city` without a lab: the twin's intent generated into a folder the lab owns, written
again only where the generator writes something different, never over a folder netops did not write; refused with
--intent or --source."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netops.cli import app
from netops.errors import InputError
from netops.files import MANIFEST
from netops.lab.state import LabHome
from netops.lab.twin import TWIN_COMMAND, ensure_twin_intent, twin_intent_path
from tests.lab.helpers import CITY

runner = CliRunner()


#: Every test on a lab home of its own (tests/lab/conftest.py).
pytestmark = pytest.mark.usefixtures("home")


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_written_when_missing_then_left_as_it_is(tmp_path: Path) -> None:
    folder = tmp_path / "twin" / "intent"
    first = ensure_twin_intent(folder, {"city.yml": "a: 1\n", "areas/001.yml": "b: 2\n"})
    assert first.generated and sorted(first.written) == ["areas/001.yml", "city.yml"]
    assert json.loads((folder / MANIFEST).read_text())["command"] == TWIN_COMMAND
    mtimes = {p: p.stat().st_mtime_ns for p in folder.rglob("*.yml")}
    again = ensure_twin_intent(folder, {"city.yml": "a: 1\n", "areas/001.yml": "b: 2\n"})
    assert not again.generated and sorted(again.unchanged) == ["areas/001.yml", "city.yml"]
    assert {p: p.stat().st_mtime_ns for p in folder.rglob("*.yml")} == mtimes


def test_generator_change_rewrites_only_what_differs(tmp_path: Path) -> None:
    folder = tmp_path / "intent"
    ensure_twin_intent(folder, {"city.yml": "a: 1\n", "areas/001.yml": "b: 2\n", "areas/002.yml": "c: 3\n"})
    changed = ensure_twin_intent(folder, {"city.yml": "a: 2\n", "areas/001.yml": "b: 2\n"})
    assert changed.written == ["city.yml"] and changed.unchanged == ["areas/001.yml"]
    assert changed.removed == ["areas/002.yml"]
    assert _snapshot(folder).keys() == {"city.yml", "areas/001.yml", MANIFEST}
    assert (folder / "city.yml").read_text() == "a: 2\n"


@pytest.mark.parametrize("manifest", [False, True])
def test_never_over_a_folder_netops_did_not_write(tmp_path: Path, manifest: bool) -> None:
    folder = tmp_path / "intent"
    if manifest:  # the twin's own folder, one of its files edited by hand since
        ensure_twin_intent(folder, {"city.yml": "a: 1\n"})
    folder.mkdir(exist_ok=True)
    (folder / "city.yml").write_text("hand: written\n")
    before = _snapshot(folder)
    with pytest.raises(InputError) as caught:
        ensure_twin_intent(folder, {"city.yml": "a: 1\n"})
    assert caught.value.problems[0].path == ("--whole-city",)
    assert _snapshot(folder) == before


@pytest.mark.parametrize("given", [["--intent", str(CITY)], ["--source", "intent"], ["--source", "netbox"]])
def test_refused_with_intent_or_source(home: Path, given: list[str]) -> None:
    result = runner.invoke(app, ["lab", "up", "--whole-city", *given])
    assert result.exit_code == 2
    assert f"--whole-city with {given[0]}" in result.stderr and "leave out" in result.stderr
    assert not home.exists()


def test_a_foreign_folder_in_the_twins_place_is_refused(home: Path) -> None:
    folder = twin_intent_path(LabHome(home))
    folder.mkdir(parents=True)
    (folder / "city.yml").write_text("mine: true\n")
    result = runner.invoke(app, ["lab", "up", "--whole-city", "--json"])
    assert result.exit_code == 2
    assert "--whole-city" in result.stdout and "city.yml" in result.stdout
    assert _snapshot(folder) == {"city.yml": b"mine: true\n"}


def test_whole_city_is_what_generate_city_writes(home: Path, tmp_path: Path) -> None:
    """The twin's intent is the real city of today as `generate-city --real --structure 2025` writes it, generated
    on the first run and left as it is on the next; an unknown area is still refused after it (exit 2)."""
    first = runner.invoke(app, ["lab", "up", "--whole-city", "--area", "no-such-area"])
    assert first.exit_code == 2 and "--area: unknown area" in first.stderr
    folder = twin_intent_path(LabHome(home))
    assert "files written" in first.stderr and str(folder) in first.stderr
    generated = tmp_path / "generated"
    written = runner.invoke(app, ["generate-city", "--real", "--structure", "2025", "--out", str(generated)])
    assert written.exit_code == 0
    twin = _snapshot(folder)
    assert {k: v for k, v in twin.items() if k != MANIFEST} == {
        k: v for k, v in _snapshot(generated).items() if k != MANIFEST}
    second = runner.invoke(app, ["lab", "up", "--whole-city", "--area", "no-such-area"])
    assert second.exit_code == 2 and "unchanged" in second.stderr
    assert _snapshot(folder) == twin
