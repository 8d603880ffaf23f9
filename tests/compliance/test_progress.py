"""`netops compliance` of a generated city at a terminal: a progress bar counting the devices checked up to all
of them; none when stderr is piped or with --format json (stdout stays the report)."""

import json
import subprocess
from pathlib import Path

import pytest

from tests.terminal import REPO, environment, generated_city, netops_command, on_terminal


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, int]:
    """The city, its rendered configs as the backups (every device compliant), and its device count."""
    folder = tmp_path_factory.mktemp("progress")
    city = generated_city(folder / "city")
    done = subprocess.run(netops_command("render", "--intent", str(city), "--out", str(folder / "backups"),
                                         "--json"), cwd=REPO, env=environment(), capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    return city, folder / "backups", json.loads(done.stdout)["devices"]


def compliance(city: tuple[Path, Path, int], *extra: str) -> list[str]:
    return netops_command("compliance", "--intent", str(city[0]), "--backups", str(city[1]), *extra)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_terminal_shows_the_devices_checked_up_to_all_of_them(city: tuple[Path, Path, int], workers: str) -> None:
    run = on_terminal(compliance(city, "--workers", workers), cwd=REPO)
    total = city[2]
    assert run.returncode == 0, run.text
    counts = run.counts("checking compliance")
    assert counts, run.text
    assert {n for _, n in counts} == {total}
    assert counts[-1] == (total, total)
    assert [n for n, _ in counts] == sorted(n for n, _ in counts)
    assert f"{total} of {total} devices compliant" in run.stdout  # the report stays on stdout


def test_piped_stderr_shows_no_bar(city: tuple[Path, Path, int]) -> None:
    done = subprocess.run(compliance(city), cwd=REPO, env=environment(), capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "checking compliance" not in done.stderr
    assert "\x1b" not in done.stderr + done.stdout


def test_json_at_a_terminal_shows_no_bar_and_stdout_is_json(city: tuple[Path, Path, int]) -> None:
    run = on_terminal(compliance(city, "--format", "json"), cwd=REPO)
    assert run.returncode == 0, run.text
    assert "checking compliance" not in run.text
    assert json.loads(run.stdout)["summary"]["devices"] == city[2]
