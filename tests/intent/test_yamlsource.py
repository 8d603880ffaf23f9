"""YAML with line numbers: locations, duplicate keys, and YAML 1.1 scalars resolved as PyYAML does."""

from pathlib import Path

import pytest
import yaml

from netops.intent.yamlsource import YamlInputError, read_yaml


def _read(tmp_path: Path, text: str) -> object:
    path = tmp_path / "f.yml"
    path.write_text(text, encoding="utf-8")
    return read_yaml(path, "f.yml")


def test_lines_of_nested_nodes(tmp_path: Path) -> None:
    document = _read(tmp_path, "a: 1\nsites:\n  - name: x\n    lans:\n      - {role: staff}\n")
    assert document.location(("sites", 0, "lans", 0, "role")).line == 5  # type: ignore[attr-defined]
    # A missing key points at the deepest node that exists.
    assert document.location(("sites", 0, "missing")).line == 3  # type: ignore[attr-defined]


SCALARS = """
plain: Phường Phúc Xá
quoted_code: "001"
octal_looking: 001
integer: 42
negative: -7
float: 1.5
true_word: yes
false_word: Off
null_tilde: ~
null_word: null
empty:
ip: 10.0.0.0/24
date_like: 2026-11-27
dotted: .inf
"""


def test_scalars_resolve_like_pyyaml(tmp_path: Path) -> None:
    assert _read(tmp_path, SCALARS).data == yaml.safe_load(SCALARS)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("a: 1\nb: 2\na: 3\n", "duplicate key", 3),
        ("a: [1, 2\n", "malformed YAML", 2),
        ("base: &b {x: 1}\nc:\n  <<: *b\n", "merge keys", 3),
        ("? [1, 2]\n: x\n", "non-string key", 1),
    ],
)
def test_rejected_yaml(tmp_path: Path, text: str, message: str, line: int) -> None:
    with pytest.raises(YamlInputError) as raised:
        _read(tmp_path, text)
    assert message in raised.value.problem.message
    assert raised.value.problem.location is not None and raised.value.problem.location.line == line


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yml"
    path.write_bytes("name: Phường".encode("utf-16"))
    with pytest.raises(YamlInputError, match="not UTF-8"):
        read_yaml(path, "latin1.yml")


def test_empty_file_is_an_empty_mapping(tmp_path: Path) -> None:
    assert _read(tmp_path, "# only a comment\n").data == {}  # type: ignore[attr-defined]
