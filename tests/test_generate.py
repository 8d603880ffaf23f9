"""`netops generate-city` and `netops export --out` never lose a file they did not write (the real CLI)."""

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from netops.files import MANIFEST, TEMP_PREFIX
from tests.conftest import REPO
from tests.output_tree import netops, tree

SAMPLE = REPO / "inventory" / "city"
SMALL = ("--districts", "3", "--wards-per-district", "2", "--seed", "7")


def generate(out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return netops("generate-city", "--out", str(out), *args)


def test_a_hand_written_intent_folder_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    intent = tmp_path / "city"
    shutil.copytree(SAMPLE, intent)
    before = tree(intent)
    result = generate(intent, *SMALL)
    assert result.returncode == 2, result.stderr
    assert f"{intent} is not empty and `netops generate-city` did not write it" in result.stderr
    assert "city.yml" in result.stderr and "areas/001-ba-dinh.yml" in result.stderr
    assert "--force" in result.stderr and "Traceback" not in result.stderr
    assert tree(intent) == before
    assert netops("validate", "--intent", str(intent)).returncode == 0


def test_force_writes_the_generated_files_and_removes_nothing_else(tmp_path: Path) -> None:
    intent = tmp_path / "city"
    shutil.copytree(SAMPLE, intent)
    hand = {p.relative_to(intent).as_posix(): p.read_bytes() for p in intent.rglob("*.yml")}
    result = generate(intent, *SMALL, "--force")
    assert result.returncode == 0, result.stderr
    assert "0 stale removed" in result.stderr
    written = json.loads((intent / MANIFEST).read_text())["files"]
    assert "city.yml" in written and (intent / "city.yml").read_bytes() != hand["city.yml"]
    for relative, content in hand.items():
        if relative not in written:
            assert (intent / relative).read_bytes() == content, f"{relative} was not generate-city's to touch"


def test_a_second_run_into_its_own_output_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "city"
    assert generate(out, *SMALL).returncode == 0
    stamps = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in out.rglob("*") if p.is_file()}
    second = generate(out, *SMALL)
    assert second.returncode == 0 and "(0 written, 4 unchanged, 0 stale removed)" in second.stderr, second.stderr
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in out.rglob("*") if p.is_file()} == stamps
    assert netops("validate", "--intent", str(out)).returncode == 0


def test_its_own_stale_files_go_and_files_of_others_stay(tmp_path: Path) -> None:
    out = tmp_path / "city"
    assert generate(out, *SMALL).returncode == 0
    (out / "README.txt").write_text("notes of mine\n")
    (out / "districts" / "999-mine.yml.bak").write_text("a backup of mine\n")
    smaller = generate(out, "--districts", "2", "--wards-per-district", "2", "--seed", "7")
    assert smaller.returncode == 0 and "1 stale removed" in smaller.stderr, smaller.stderr
    assert sorted(p.name for p in (out / "districts").iterdir()) == [
        "001-quan-ba-dinh.yml", "002-quan-hoan-kiem.yml", "999-mine.yml.bak"]
    assert (out / "README.txt").read_text() == "notes of mine\n"
    assert set(json.loads((out / MANIFEST).read_text())["files"]) == {
        "city.yml", "districts/001-quan-ba-dinh.yml", "districts/002-quan-hoan-kiem.yml"}


def test_a_city_generated_before_manifests_existed_is_regenerated_in_place(tmp_path: Path) -> None:
    out = tmp_path / "city"
    assert generate(out, *SMALL).returncode == 0
    (out / MANIFEST).unlink()
    (out / "NOTES.md").write_text("mine\n")
    smaller = generate(out, "--districts", "2", "--wards-per-district", "2", "--seed", "7")
    assert smaller.returncode == 0 and "1 stale removed" in smaller.stderr, smaller.stderr
    assert (out / "NOTES.md").read_text() == "mine\n" and (out / MANIFEST).is_file()


def test_a_generated_file_edited_since_is_neither_overwritten_nor_removed(tmp_path: Path) -> None:
    out = tmp_path / "city"
    assert generate(out, *SMALL).returncode == 0
    edited = out / "districts" / "003-quan-tay-ho.yml"
    edited.write_text(edited.read_text() + "# my change\n")
    before = tree(out)
    for args in (SMALL, ("--districts", "2", "--wards-per-district", "2", "--seed", "7"),
                 ("--districts", "3", "--wards-per-district", "2", "--seed", "8")):
        result = generate(out, *args)
        assert result.returncode == 2, result.stderr
        assert "1 file `netops generate-city` wrote" in result.stderr and "districts/003-quan-tay-ho.yml" in \
            result.stderr and "--force" in result.stderr
        assert tree(out) == before
    forced = generate(out, "--districts", "2", "--wards-per-district", "2", "--seed", "7", "--force")
    assert forced.returncode == 0 and "1 stale removed" in forced.stderr and not edited.exists()


def test_a_file_in_the_way_of_the_output_is_refused_even_in_its_own_folder(tmp_path: Path) -> None:
    out = tmp_path / "city"
    assert generate(out, "--districts", "1", "--wards-per-district", "2").returncode == 0
    (out / "districts" / "002-quan-hoan-kiem.yml").write_text("district: mine\n")
    before = tree(out)
    result = generate(out, "--districts", "2", "--wards-per-district", "2")
    assert result.returncode == 2 and "did not write it" in result.stderr
    assert "districts/002-quan-hoan-kiem.yml" in result.stderr and tree(out) == before


def test_a_folder_where_a_file_goes_is_refused_even_with_force(tmp_path: Path) -> None:
    out = tmp_path / "city"
    (out / "city.yml").mkdir(parents=True)
    before = tree(out)
    result = generate(out, *SMALL, "--force")
    assert result.returncode == 2 and "city.yml is a folder, where a file is needed" in result.stderr
    assert "Traceback" not in result.stderr and tree(out) == before


def test_a_leftover_temporary_file_of_an_interrupted_write_is_cleaned_up(tmp_path: Path) -> None:
    out = tmp_path / "city"
    assert generate(out, *SMALL).returncode == 0
    leftover = out / "districts" / f"{TEMP_PREFIX}001-quan-ba-dinh.yml.k3j2"
    leftover.write_text("half a file")
    result = generate(out, *SMALL)
    assert result.returncode == 0, result.stderr
    assert not leftover.exists()


def test_a_killed_run_converges_when_run_again(tmp_path: Path) -> None:
    """Killed (SIGKILL: no clean-up at all) once it has written some of a whole city's files, then re-run."""
    reference = tmp_path / "reference"
    assert generate(reference, "--districts", "30", "--wards-per-district", "18", "--seed", "3").returncode == 0
    out = tmp_path / "city"
    assert generate(out, "--districts", "30", "--wards-per-district", "18", "--seed", "2").returncode == 0
    process = subprocess.Popen([sys.executable, "-m", "netops", "generate-city", "--out", str(out), "--districts",
                                "30", "--wards-per-district", "18", "--seed", "3"], cwd=REPO,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Wait until the run has written its first files (the pending manifest lists the files about to change).
    while process.poll() is None and "pending" not in _manifest_text(out):
        time.sleep(0.005)
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    process.wait()
    again = generate(out, "--districts", "30", "--wards-per-district", "18", "--seed", "3")
    assert again.returncode == 0, again.stderr
    assert _files(out) == _files(reference)
    assert "pending" not in _manifest_text(out)
    third = generate(out, "--districts", "30", "--wards-per-district", "18", "--seed", "3")
    assert "(0 written, 31 unchanged, 0 stale removed)" in third.stderr, third.stderr


def _manifest_text(folder: Path) -> str:
    try:
        return (folder / MANIFEST).read_text()
    except (FileNotFoundError, ValueError):
        return ""


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")
            if p.is_file() and p.name != MANIFEST}


# --- export --out FILE ------------------------------------------------------------------------------------------


def test_export_refuses_a_file_it_did_not_write(tmp_path: Path) -> None:
    target = tmp_path / "network.yml"
    target.write_text("my notes about the network\n")
    result = netops("export", "--out", str(target))
    assert result.returncode == 2 and f"{target} exists and `netops export` did not write it" in result.stderr
    assert "--force" in result.stderr and target.read_text() == "my notes about the network\n"
    forced = netops("export", "--out", str(target), "--force")
    assert forced.returncode == 0 and target.read_text().startswith("city:")


def test_export_replaces_its_own_earlier_export_in_either_format(tmp_path: Path) -> None:
    target = tmp_path / "network.txt"
    assert netops("export", "--out", str(target)).returncode == 0
    as_json = netops("export", "--format", "json", "--out", str(target))
    assert as_json.returncode == 0 and "written" in as_json.stderr, as_json.stderr
    assert json.loads(target.read_text())["city"]["asn"] == 65010
    small = tmp_path / "small"
    assert generate(small, *SMALL).returncode == 0
    other_city = netops("export", "--format", "json", "--intent", str(small), "--out", str(target))
    assert other_city.returncode == 0, other_city.stderr


def test_export_writes_through_a_link_to_a_file(tmp_path: Path) -> None:
    real = tmp_path / "real.yml"
    assert netops("export", "--format", "json", "--out", str(real)).returncode == 0
    link = tmp_path / "latest.yml"
    link.symlink_to(real)
    assert netops("export", "--out", str(link)).returncode == 0
    assert link.is_symlink() and real.read_text().startswith("city:")
    assert link.readlink() == real


def test_a_full_disk_is_a_clear_error_and_the_run_finishes_once_there_is_room(tmp_path: Path) -> None:
    """A real small tmpfs (mounting needs root): ENOSPC part-way, exit 2 without a traceback, then converge."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=300k", "tmpfs", str(disk)], capture_output=True,
                             check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        full = generate(disk / "city")
        assert full.returncode == 2, full.stderr
        assert f"writing the output at {disk / 'city'}" in full.stderr and "ENOSPC" in full.stderr
        assert "run it again to finish" in full.stderr and "Traceback" not in full.stderr
        subprocess.run(["mount", "-o", "remount,size=20m", str(disk)], check=True)
        again = generate(disk / "city")
        assert again.returncode == 0 and " 0 stale removed" in again.stderr, again.stderr
        reference = tmp_path / "reference"
        assert generate(reference).returncode == 0
        assert _files(disk / "city") == _files(reference)
        assert "(0 written, 31 unchanged" in generate(disk / "city").stderr
    finally:
        subprocess.run(["umount", str(disk)], check=True)
