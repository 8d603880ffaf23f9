"""Reading the intent folder: files netops cannot read, files it skips, and errors through the real command line.

The invalid cases (tests/intent/cases/invalid) pin the wording of each mistake; these tests cover what a case
folder cannot hold: permissions (the tests run as root, so an unprivileged process reads the files), a districts
"folder" that is a file, backups that are skipped, and how the console prints paths and names.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from netops.errors import InputError
from netops.intent import yamlsource
from netops.intent.loader import load_intent
from tests.conftest import REPO, TESTS, materialize_overlay

BASE = TESTS / "intent" / "cases" / "base"
INVALID = TESTS / "intent" / "cases" / "invalid"
NOBODY = 65534

#: Run the real `netops validate` as an unprivileged user. The interpreter lives under /root, which that user
#: cannot read, so it starts as root, imports everything, and drops to nobody before any intent file is read.
_AS_NOBODY = """
import encodings.utf_8_sig, os, sys
from netops.cli import app
os.setgroups([]); os.setgid({uid}); os.setuid({uid})
sys.argv = ["netops", "validate", "--intent", sys.argv[1]]
app()
"""


@pytest.fixture
def shared_intent() -> Iterator[Path]:
    """A copy of the base intent in a folder an unprivileged user may enter (pytest's tmp_path is root-only)."""
    folder = Path(tempfile.mkdtemp(prefix="netops-intent-"))
    folder.chmod(0o755)
    shutil.copytree(BASE, folder / "intent")
    yield folder / "intent"
    for path in folder.rglob("*"):
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)
    shutil.rmtree(folder)


def _validate_unprivileged(intent: Path) -> subprocess.CompletedProcess[str]:
    if os.geteuid() == 0:
        command = [sys.executable, "-c", _AS_NOBODY.format(uid=NOBODY), str(intent)]
    else:  # an ordinary user already cannot read a chmod 000 file
        command = [sys.executable, "-m", "netops", "validate", "--intent", str(intent)]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize(
    ("unreadable", "where", "found"),
    [
        ("districts/001-ba-dinh.yml", "districts/001-ba-dinh.yml:1: cannot read file", "permission denied"),
        ("city.yml", "city.yml:1: cannot read file", "permission denied"),
        ("districts", "districts:1: cannot read the districts folder", "Permission denied"),
    ],
)
def test_unreadable_for_the_user_running_netops(shared_intent: Path, unreadable: str, where: str,
                                                found: str) -> None:
    (shared_intent / unreadable).chmod(0o000)
    result = _validate_unprivileged(shared_intent)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert f"{shared_intent}/{where}" in result.stderr
    assert f"found:    {found}" in result.stderr
    assert result.stderr.rstrip().endswith("nothing was written")


def test_permission_error_is_a_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "city.yml"
    path.write_text("a: 1\n")

    def refuse(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(yamlsource.YamlInputError) as raised:
        yamlsource.read_yaml(path, "city.yml")
    assert raised.value.problem.found == "permission denied"
    assert raised.value.problem.hint and "chmod" in raised.value.problem.hint


def test_file_over_the_size_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlsource, "MAX_FILE_BYTES", 1024)
    path = tmp_path / "big.yml"
    path.write_text("a: " + "x" * 2000 + "\n")
    with pytest.raises(yamlsource.YamlInputError) as raised:
        yamlsource.read_yaml(path, "big.yml")
    assert raised.value.problem.message == "file too large"
    assert raised.value.problem.found == "2004 bytes"


def test_backups_hidden_files_and_notes_are_skipped(tmp_path: Path) -> None:
    intent = materialize_overlay(BASE, INVALID / "duplicate-district-code", tmp_path)
    (intent / "districts" / "001-hoan-kiem.yml").unlink()
    district = intent / "districts" / "001-ba-dinh.yml"
    for name in ("001-ba-dinh.yml~", "001-ba-dinh.yml.bak", "001-ba-dinh.yml.orig", ".001-ba-dinh.yml.swp",
                 ".#001-ba-dinh.yml", "#001-ba-dinh.yml#", "README.md"):
        shutil.copyfile(district, intent / "districts" / name)
    (intent / ".netops-manifest.json").write_text("{}")
    (intent / "NOTES.txt").write_text("not intent")
    (intent / "empty-folder").mkdir()
    loaded = load_intent(intent)
    assert [d.intent.district.code for d in loaded.districts] == ["001"]


def test_districts_that_is_a_file(tmp_path: Path) -> None:
    intent = tmp_path / "intent"
    intent.mkdir()
    shutil.copyfile(BASE / "city.yml", intent / "city.yml")
    (intent / "districts").write_text("001-ba-dinh.yml\n")
    with pytest.raises(InputError) as raised:
        load_intent(intent)
    [problem] = raised.value.problems
    assert problem.message == "cannot read the districts folder"
    assert problem.found == "Not a directory"


def _netops(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "netops", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, check=False)


def test_line_100_is_printed_as_a_line_number(tmp_path: Path) -> None:
    materialize_overlay(BASE, INVALID / "error-on-line-100", tmp_path)
    result = _netops("validate", "--intent", "intent", cwd=tmp_path)
    assert result.returncode == 2
    assert "intent/districts/001-ba-dinh.yml:100: wards[Phường Trúc Bạch].kind" in result.stderr
    assert "\N{HUNDRED POINTS SYMBOL}" not in result.stderr


def test_markup_in_a_site_name_is_printed_as_written(tmp_path: Path) -> None:
    materialize_overlay(BASE, INVALID / "markup-in-site-name", tmp_path)
    result = _netops("validate", "--intent", "intent", cwd=tmp_path)
    assert result.returncode == 2
    assert "sites[[bold]UBND phường Trúc Bạch[/bold] :100:].devices" in result.stderr
    as_json = _netops("validate", "--json", "--intent", "intent", cwd=tmp_path)
    assert as_json.returncode == 2
    [error] = json.loads(as_json.stdout)["errors"]
    assert error["path"].startswith("sites[[bold]UBND phường Trúc Bạch[/bold] :100:].devices")


def test_markup_in_names_survives_tables(tmp_path: Path) -> None:
    intent = tmp_path / "intent"
    shutil.copytree(BASE, intent)
    district = intent / "districts" / "001-ba-dinh.yml"
    district.write_text(district.read_text(encoding="utf-8").replace(
        "name: UBND phường Trúc Bạch", 'name: "[bold]UBND phường Trúc Bạch[/bold] :100:"\n    slug: truc-bach'),
        encoding="utf-8")
    shown = _netops("show", "sites", "--intent", "intent", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "[bold]UBND phường Trúc Bạch[/bold] :100:" in shown.stdout
    valid = _netops("validate", "--intent", "intent", cwd=tmp_path)
    assert valid.returncode == 0 and valid.stdout.startswith("valid: Thành phố Hà Nội"), valid.stdout
