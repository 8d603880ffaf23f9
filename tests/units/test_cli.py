"""`netops units` as an engineer runs it: import into intent, re-import, show, diff, and what it refuses."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO


def netops(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "netops", *map(str, args)], cwd=REPO, capture_output=True,
                          text=True, timeout=120, check=False)


@pytest.fixture
def intent(tmp_path: Path) -> Path:
    folder = tmp_path / "city"
    shutil.copytree(REPO / "inventory" / "city", folder, ignore=shutil.ignore_patterns("units"))
    return folder


def test_import_writes_the_units_and_never_touches_sites(intent: Path) -> None:
    before = {path: path.read_bytes() for path in intent.rglob("*.yml")}
    first = netops("units", "import", "--intent", intent, "--structure", "2025")
    assert first.returncode == 0, first.stderr
    assert "126 units, 526 legacy wards mapped" in first.stderr and first.stderr.rstrip().endswith("written")
    assert {path: path.read_bytes() for path in before} == before
    written = intent / "units" / "2025.yml"
    text = written.read_text(encoding="utf-8")
    assert "\n  - {code: '00004', name: Phường Ba Đình, kind: phuong" in text
    again = netops("units", "import", "--intent", intent)  # the city code comes from city.yml
    assert again.returncode == 0 and again.stderr.rstrip().endswith("unchanged"), again.stderr
    assert written.read_text(encoding="utf-8") == text
    legacy = netops("units", "import", "--intent", intent, "--structure", "legacy")
    assert legacy.returncode == 0 and "526 units, 30 districts" in legacy.stderr, legacy.stderr
    valid = netops("validate", "--intent", intent)
    assert valid.returncode == 0, valid.stderr


def test_import_refuses_a_units_file_it_did_not_write(intent: Path) -> None:
    mine = intent / "units" / "2025.yml"
    mine.parent.mkdir()
    mine.write_text("# my own notes\n", encoding="utf-8")
    refused = netops("units", "import", "--intent", intent)
    assert refused.returncode == 2
    assert "exists and `netops units import` did not write it" in refused.stderr
    assert mine.read_text(encoding="utf-8") == "# my own notes\n"
    forced = netops("units", "import", "--intent", intent, "--force")
    assert forced.returncode == 0, forced.stderr
    assert mine.read_text(encoding="utf-8").startswith("# Administrative units, written by `netops units import`")


def test_diff_is_quiet_when_intent_and_dataset_agree_and_a_finding_when_not(intent: Path) -> None:
    assert netops("units", "import", "--intent", intent).returncode == 0
    same = netops("units", "diff", "--intent", intent)
    assert same.returncode == 0 and "the same as the dataset" in same.stderr, same.stderr
    path = intent / "units" / "2025.yml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("name: Phường Ba Đình,", "name: Phường Ba Đình Cũ,")
    text = text.replace("  - {code: '00008', name: Phường Ngọc Hà, kind: phuong, coordinates: "
                        "{latitude: 21.0381, longitude: 105.816}}\n", "")
    # The legacy wards that became (part of) Ngọc Hà go too, so that the file stays valid.
    text = "".join(line for line in text.splitlines(keepends=True)
                   if not (line.startswith("  - {legacy:") and "'00008'" in line))
    path.write_text(text, encoding="utf-8")
    changed = netops("units", "diff", "--intent", intent, "--json")
    assert changed.returncode == 1, changed.stderr
    differences = {(d["what"], d["code"], d["change"]) for d in json.loads(changed.stdout)}
    assert ("unit", "00004", "changed") in differences and ("unit", "00008", "added") in differences
    assert ("succession", "00016", "added") in differences
    shown = netops("units", "diff", "--intent", intent)
    assert "name: Phường Ba Đình Cũ -> Phường Ba Đình" in shown.stdout


def test_show_lists_the_intents_units_or_the_datasets(intent: Path) -> None:
    missing = netops("units", "show", "--intent", intent)
    assert missing.returncode == 2 and "`netops units import --structure 2025` writes it" in missing.stderr
    from_dataset = netops("units", "show", "--intent", intent, "--dataset", "--structure", "legacy",
                          "--search", "ba đình", "--json")
    assert from_dataset.returncode == 0, from_dataset.stderr
    names = [unit["name"] for unit in json.loads(from_dataset.stdout)["units"]]
    assert len(names) == 13 and "Phường Phúc Xá" in names  # the wards of the district of that name


@pytest.mark.parametrize(("args", "message"), [
    (("--city", "1"), "--city '1' is not a city code"),
    (("--city", "99"), "no city or province of code '99'"),
    (("--structure", "2030"), "'2030' is not one of"),
])
def test_bad_input_is_refused_and_writes_nothing(intent: Path, args: tuple[str, ...], message: str) -> None:
    result = netops("units", "import", "--intent", intent, *args)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not (intent / "units").exists()
