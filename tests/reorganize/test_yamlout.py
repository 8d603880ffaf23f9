"""The intent files reorganize writes: the small emitter gives PyYAML's bytes (`_IntentDumper`) for every shape
and scalar spelling, and leaves what it does not write to PyYAML."""

from typing import Any

import pytest
import yaml

from netops.reorganize import yamlout

DOCUMENTS: dict[str, dict[str, Any]] = {
    "site": {"unit": {"code": "00008", "name": "Phường Ngọc Hà"}, "sites": [
        {"name": "UBND phường Ngọc Hà", "slug": "ubnd-phuong-kim-ma", "kind": "ward_committee", "number": 3,
         "coordinates": {"latitude": 21.0322, "longitude": 105.8226},
         "devices": [{"role": "access_router", "uplinks": [
             {"to": "ba-dinh-agg-02", "provider": "viettel", "circuit_id": "VTL-HN-L2-0002811",
              "bandwidth_mbps": 100}]}],
         "lans": [{"role": "staff", "hosts": 40}], "tags": ["a", "b"]}]},
    "scalars needing quotes": {"values": ["yes", "no", "null", "~", "", "123", "0x1f", "1_000", "1e3", "true",
                                          "a: b", "- x", "#c", "x #y", "'q'", '"d"', "@at", "`tick`", " lead",
                                          "trail ", "a, b", "[x]", "{y}", "?", "*star", "&amp", "!bang", "%p",
                                          "1.5", ".5", "2025-07-01", "12:30", "Điểm phục vụ, Hà Nội"],
                               "flow": {"k": "a, b", "l": "[x]", "m": "yes", "n": "Hà Nội: {1}"}},
    "other scalars": {"n": None, "t": True, "f": False, "i": -7, "x": 1e16, "y": 1.5e-07, "z": 0.0, "big": 10**20},
    "empty collections": {"a": {}, "b": [], "c": [{}, []], "d": {"e": {"f": []}}},
    "wide collections": {"wide": {f"key{n}": f"value number {n}" for n in range(12)},
                         "list": [f"item-{n}" for n in range(40)],
                         "exactly": ["x" * 46, "y" * 46]},
    "nested": {"a": {"b": {"c": [{"d": [{"e": 1, "f": [1, 2]}], "g": "h"}]}}},
    "unicode spaces": {"v": "a\u00a0b", "w": "tab\there", "x": "\u200bzero"},
}
#: Documents the small emitter leaves to PyYAML (the test above still compares the bytes).
LEFT_TO_PYYAML = {
    "a long scalar folds": {"address": " ".join(["Số 12 Kim Mã Thượng"] * 12)},
    "a long key": {"k" * 130: 1},
    "a line break": {"v": "two\nlines"},
    "special floats": {"v": float("inf"), "w": float("nan")},
}


@pytest.mark.parametrize("name", sorted(DOCUMENTS) + sorted(LEFT_TO_PYYAML))
def test_the_small_emitter_writes_pyyamls_bytes(name: str) -> None:
    document = {**DOCUMENTS, **LEFT_TO_PYYAML}[name]
    assert (yamlout._fast_dump(document) is None) == (name in LEFT_TO_PYYAML)
    expected = yaml.dump(document, Dumper=yamlout._IntentDumper, sort_keys=False, allow_unicode=True, width=120)
    assert yamlout.dump_intent(document, "t") == f"# t. {yamlout.MARKER}.\n{expected}"
    assert yaml.safe_load(expected) == document or name == "special floats"


def test_shapes_it_does_not_write_are_left_to_pyyaml() -> None:
    shared = {"a": 1}
    assert yamlout._fast_dump({"x": shared, "y": shared}) is None  # PyYAML writes an anchor and an alias
    assert yamlout._fast_dump({"x": [[1, 2], [{"a": 1}]]}) is None
    assert yamlout._fast_dump({"x": ("a", "b")}) is None
    assert yamlout._fast_dump(DOCUMENTS["site"]) is not None
