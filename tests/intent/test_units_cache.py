"""The parsed copy of the units files: used when valid, never in place of an error the full reader reports."""

import shutil
from pathlib import Path

import pytest

from netops.errors import InputError
from netops.intent import loader, units_cache
from netops.intent.loader import load_intent
from tests.conftest import REPO

SAMPLE = REPO / "inventory" / "city"


@pytest.fixture
def intent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the sample with a cache folder of its own."""
    monkeypatch.setenv(units_cache.CACHE_ENV, str(tmp_path / "cache"))
    copy = tmp_path / "city"
    shutil.copytree(SAMPLE, copy)
    return copy


def _units_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    reads: list[str] = []
    real = loader.read_yaml

    def counting(path: Path, display_name: str):  # type: ignore[no-untyped-def]
        if path.parent.name == "units":
            reads.append(path.name)
        return real(path, display_name)

    monkeypatch.setattr(loader, "read_yaml", counting)
    return reads


def test_second_load_reads_no_units_yaml_and_equals_the_first(intent: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reads = _units_reads(monkeypatch)
    first = load_intent(intent)
    assert sorted(reads) == ["2025.yml", "legacy.yml"]
    assert len(list(units_cache.cache_dir().glob("*.json"))) == 2
    reads.clear()
    second = load_intent(intent)
    assert reads == []
    assert second.structures == first.structures


def test_edited_units_file_is_read_again(intent: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_intent(intent)
    reads = _units_reads(monkeypatch)
    units = intent / "units" / "2025.yml"
    units.write_text(units.read_text(encoding="utf-8") + "# a reviewer's note\n", encoding="utf-8")
    load_intent(intent)
    assert reads == ["2025.yml"]


def test_an_error_is_reported_as_without_a_cache(intent: Path, monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    load_intent(intent)
    units = intent / "units" / "2025.yml"
    text = units.read_text(encoding="utf-8")
    units.write_text(text.replace("kind: phuong", "kind: castle", 1), encoding="utf-8")
    with pytest.raises(InputError) as cached:
        load_intent(intent)
    monkeypatch.setenv(units_cache.CACHE_ENV, str(tmp_path / "empty"))
    with pytest.raises(InputError) as uncached:
        load_intent(intent)
    assert cached.value.problems == uncached.value.problems
    assert any(p.location is not None and p.location.file.endswith("2025.yml") and p.location.line > 1
               for p in cached.value.problems)


def test_corrupt_or_invalid_copy_falls_back_to_the_file(intent: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_intent(intent)
    entries = sorted(units_cache.cache_dir().glob("*.json"))
    entries[0].write_text("{not json", encoding="utf-8")
    entries[1].write_text('{"structure": "2025"}', encoding="utf-8")
    reads = _units_reads(monkeypatch)
    load_intent(intent)
    assert sorted(reads) == ["2025.yml", "legacy.yml"]


def test_unwritable_cache_is_no_error(intent: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv(units_cache.CACHE_ENV, str(blocker))
    assert load_intent(intent).structures


def test_bad_input_elsewhere_writes_no_copy(intent: Path) -> None:
    """Bad input writes nothing anywhere: valid units files beside a broken city.yml leave the cache empty."""
    city = intent / "city.yml"
    city.write_text(city.read_text(encoding="utf-8") + "not_a_field: 1\n", encoding="utf-8")
    with pytest.raises(InputError):
        load_intent(intent)
    assert not units_cache.cache_dir().exists() or list(units_cache.cache_dir().glob("*.json")) == []
