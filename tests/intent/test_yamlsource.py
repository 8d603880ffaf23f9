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
zero: 0
negative_zero: -0
negative_float: -0.5
negative_zero_float: -0.0
latitude: 21.0322
underscored: 1_000
hexadecimal: 0x1F
octal: 017
plus: +5
plus_float: +1.5
sexagesimal: 1:30
exponent: 1.5e+3
trailing_dot: 1.
leading_dot: .5
tagged_int: !!int 42
tagged_float: !!float 5
huge: 123456789012345678901234567890
"""


def test_scalars_resolve_like_pyyaml(tmp_path: Path) -> None:
    data = _read(tmp_path, SCALARS).data  # type: ignore[attr-defined]
    assert {key: repr(value) for key, value in data.items()} == {  # repr: 1 == 1.0, and -0.0 == 0.0
        key: repr(value) for key, value in yaml.safe_load(SCALARS).items()}


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


@pytest.mark.parametrize(
    ("text", "message", "found", "line"),
    [
        ("a: 1\nb: x\x00y\n", "character not allowed", "U+0000", 2),
        ("a: [1, 2]\nb: &b [1, *b]\n", "recursive YAML alias", "inside its own anchor", 2),
        ("a: &a {b: *a}\n", "recursive YAML alias", "inside its own anchor", 1),
        ("a: !!python/object:os.system {b: 1}\n", "unsupported YAML tag", "!!python/object:os.system", 1),
        ("a: !!python/name:os.system x\n", "unsupported YAML tag", "!!python/name:os.system", 1),
        ("a:\n  - !custom [1]\n", "unsupported YAML tag", "!custom", 2),
        ("a: !!binary SGVsbG8=\n", "unsupported YAML tag", "!!binary", 1),
        ("a: !!set {x, y}\n", "unsupported YAML tag", "!!set", 1),
        ("a: !!omap [x: 1]\n", "unsupported YAML tag", "!!omap", 1),
        ("? !custom k\n: v\n", "unsupported YAML tag", "!custom", 1),
        ("a: !!timestamp soon\n", "invalid date", "'soon'", 1),
        ("a: 2026-13-45\n", "invalid date", "'2026-13-45'", 1),
        ("a: 1\n---\nb: 2\n", "several YAML documents", "second document", 2),
        ("a: !!float many\n", "does not match its YAML tag", "'many'", 1),
        ("a: " + "[" * 80 + "]" * 80 + "\n", "nesting too deep", "more than 64 levels", 1),
        ("a: " + "[" * 5000 + "]" * 5000 + "\n", "malformed YAML", "nesting depth", 1),
    ],
)
def test_refused_yaml(tmp_path: Path, text: str, message: str, found: str, line: int) -> None:
    with pytest.raises(YamlInputError) as raised:
        _read(tmp_path, text)
    problem = raised.value.problem
    assert message in problem.message and problem.found and found in problem.found
    assert problem.location is not None and problem.location.line == line


def test_alias_bomb_is_refused_before_it_expands(tmp_path: Path) -> None:
    bomb = "".join(f"x{i}: &x{i} [" + ", ".join([f"*x{i - 1}" if i else "lol"] * 10) + "]\n" for i in range(9))
    with pytest.raises(YamlInputError, match="too many values produced through YAML aliases"):
        _read(tmp_path, bomb)


def test_aliases_within_the_cap_are_expanded(tmp_path: Path) -> None:
    text = "lans: &lans [{role: staff}, {role: camera}]\nsites:\n" + "".join(
        f"  - {{name: s{i}, lans: *lans}}\n" for i in range(200))
    document = _read(tmp_path, text)
    assert document.data["sites"][199]["lans"] == [{"role": "staff"}, {"role": "camera"}]  # type: ignore[attr-defined]


def test_plain_tags_are_accepted(tmp_path: Path) -> None:
    text = "a: !!str 001\nb: !!int '7'\nc: !!float 1\nd: !!bool yes\ne: !!null ''\nf: !!map {x: 1}\ng: !!seq [1]\n"
    assert _read(tmp_path, text).data == {  # type: ignore[attr-defined]
        "a": "001", "b": 7, "c": 1.0, "d": True, "e": None, "f": {"x": 1}, "g": [1]}


def test_byte_order_mark_is_not_part_of_the_text(tmp_path: Path) -> None:
    path = tmp_path / "bom.yml"
    path.write_bytes(b"\xef\xbb\xbfname: Ph\xc6\xb0\xe1\xbb\x9dng\n")
    assert read_yaml(path, "bom.yml").data == {"name": "Phường"}


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yml"
    path.write_bytes(b"a: 1\nb: 2\nname: Tr\xfac\n")
    with pytest.raises(YamlInputError) as raised:
        read_yaml(path, "latin1.yml")
    assert raised.value.problem.location is not None and raised.value.problem.location.line == 3
    assert raised.value.problem.found == "undecodable byte 0xfa at offset 18"


def test_blank_documents(tmp_path: Path) -> None:
    assert _read(tmp_path, "").blank  # type: ignore[attr-defined]
    assert _read(tmp_path, "# only\n\n# comments\n").blank  # type: ignore[attr-defined]
    assert not _read(tmp_path, "{}\n").blank  # type: ignore[attr-defined]
