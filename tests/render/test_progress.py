"""`netops render` of a generated city at a terminal: a progress bar counting the devices up to all of them; none
when stderr is piped or with --json (stdout stays the command's own)."""

import json
import subprocess
from pathlib import Path

import pytest

from tests.terminal import REPO, environment, generated_city, netops_command, on_terminal


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated_city(tmp_path_factory.mktemp("progress") / "city")


def devices_of(city: Path) -> int:
    done = subprocess.run(netops_command("show", "devices", "--intent", str(city), "--json"), cwd=REPO,
                          env=environment(), capture_output=True, text=True, check=True)
    return len(json.loads(done.stdout))


def test_a_terminal_shows_the_devices_rendered_up_to_all_of_them(city: Path, tmp_path: Path) -> None:
    run = on_terminal(netops_command("render", "--intent", str(city), "--out", str(tmp_path / "configs"),
                                     "--workers", "2"), cwd=REPO)
    assert run.returncode == 0, run.text
    total = devices_of(city)
    counts = run.counts("rendering")
    assert counts, run.text
    assert {n for _, n in counts} == {total}  # out of every device selected
    assert counts[-1] == (total, total)
    assert [n for n, _ in counts] == sorted(n for n, _ in counts)  # it only moves on
    assert f"rendered {total} devices" in run.stdout  # the result stays on stdout


def test_one_process_counts_too(city: Path, tmp_path: Path) -> None:
    run = on_terminal(netops_command("render", "--intent", str(city), "--out", str(tmp_path / "configs"),
                                     "--workers", "1"), cwd=REPO)
    assert run.returncode == 0, run.text
    total = devices_of(city)
    assert run.counts("rendering")[-1] == (total, total)


def test_piped_stderr_shows_no_bar(city: Path, tmp_path: Path) -> None:
    done = subprocess.run(netops_command("render", "--intent", str(city), "--out", str(tmp_path / "configs")),
                          cwd=REPO, env=environment(), capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "rendering" not in done.stderr
    assert "\x1b" not in done.stderr + done.stdout


def test_json_at_a_terminal_shows_no_bar_and_stdout_is_json(city: Path, tmp_path: Path) -> None:
    run = on_terminal(netops_command("render", "--intent", str(city), "--out", str(tmp_path / "configs"), "--json"),
                      cwd=REPO)
    assert run.returncode == 0, run.text
    assert "rendering" not in run.text
    assert json.loads(run.stdout)["devices"] == devices_of(city)
