"""Intent files as engineers write them: block style, with short mappings and lists of scalars on one line.

The layout is the one `_IntentDumper` (PyYAML's emitter) produces; `dump_intent` writes it with a small emitter
for the shapes intent documents have (mappings, lists, scalars), asking libyaml only how each scalar is spelled:
PyYAML's pure-Python emitter took most of a whole-city reorganization's time. A document outside those shapes
(a shared object, a scalar spanning lines, a line longer than the width) is written by `_IntentDumper` itself,
so the bytes are the same either way.
"""

import math
from typing import Any

import yaml

from netops.yamlstyle import IndentedDumper

#: Longest one-line mapping or list; longer ones are written a key per line (the house's 120 columns).
_FLOW_WIDTH = 96
#: Longest line; PyYAML folds a scalar or breaks a one-line collection that would go past it.
_WIDTH = 120
MARKER = "Written by `netops reorganize`"
#: Characters that end a line in YAML: a scalar holding one is written over several lines.
_LINE_BREAKS = ("\n", "\r", "\x85", "\u2028", "\u2029")
_SCALARS = (str, int, float, bool, type(None))


class _IntentDumper(IndentedDumper):
    """Block style, except for mappings and lists of scalars short enough for one line; list items indented under
    their key, as yamllint and the house write them."""

    def represent_mapping(self, tag: str, mapping: Any, flow_style: bool | None = None) -> yaml.MappingNode:
        node = super().represent_mapping(tag, mapping, flow_style)
        node.flow_style = _flat(node) and _width(mapping) <= _FLOW_WIDTH
        return node

    def represent_sequence(self, tag: str, sequence: Any, flow_style: bool | None = None) -> yaml.SequenceNode:
        node = super().represent_sequence(tag, sequence, flow_style)
        node.flow_style = _flat(node) and _width(sequence) <= _FLOW_WIDTH
        return node


def _flat(node: yaml.Node) -> bool:
    children = [v for _, v in node.value] if isinstance(node, yaml.MappingNode) else node.value
    return all(isinstance(child, yaml.ScalarNode) for child in children)


def _width(value: Any) -> int:
    # libyaml writes a flat flow collection as the Python emitter does, in a fraction of the time.
    return len(yaml.dump(value, Dumper=yaml.CSafeDumper, default_flow_style=True, allow_unicode=True,
                         width=10_000).strip())


def dump_intent(document: dict[str, Any], title: str) -> str:
    """One intent file: a comment line saying what it holds and who wrote it, then the document."""
    body = _fast_dump(document)
    if body is None:
        body = yaml.dump(document, Dumper=_IntentDumper, sort_keys=False, allow_unicode=True, width=_WIDTH)
    return f"# {title}. {MARKER}.\n{body}"


class _UnsupportedShapeError(Exception):
    """The document has a shape the small emitter leaves to PyYAML's."""


#: How libyaml spells each string met so far: in block context, and inside a one-line collection (where commas and
#: brackets need quotes). Names, slugs and roles repeat across the files of one reorganization.
_SPELLED: dict[str, tuple[str, str]] = {}
_STR, _SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq"


def _spell(strings: list[str]) -> None:
    """Ask libyaml how each of ``strings`` is spelled, in two dumps of nodes (no representer: they are strings)."""
    if len(_SPELLED) > 200_000:  # a long-lived process reorganizing many cities
        _SPELLED.clear()
    block = _spelled(yaml.SequenceNode(_SEQ, [yaml.ScalarNode(_STR, text) for text in strings], flow_style=False),
                     len(strings), "- ")
    flow = _spelled(yaml.SequenceNode(_SEQ, [yaml.SequenceNode(_SEQ, [yaml.ScalarNode(_STR, text)], flow_style=True)
                                             for text in strings], flow_style=False), len(strings), "- [", "]")
    _SPELLED.update(zip(strings, zip(block, flow, strict=True), strict=True))


def _spelled(node: yaml.SequenceNode, count: int, prefix: str, suffix: str = "") -> list[str]:
    """The items of a dump of ``node``, a line each."""
    lines = yaml.serialize(node, Dumper=yaml.CSafeDumper, allow_unicode=True, width=1_000_000).splitlines()
    if len(lines) != count or not all(line.startswith(prefix) and line.endswith(suffix) for line in lines):
        raise _UnsupportedShapeError
    return [line[len(prefix):len(line) - len(suffix)] for line in lines]


def _scalar(value: Any, flow: bool) -> str:
    """``value`` as SafeDumper spells it."""
    if isinstance(value, str):
        return _SPELLED[value][flow]
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):  # .nan and .inf: rare enough for PyYAML to write
        raise _UnsupportedShapeError
    # SafeRepresenter.represent_float: the repr, with an exponent always after a fraction so it reads as a float.
    text = repr(value).lower()
    return text.replace("e", ".0e", 1) if "." not in text and "e" in text else text


def _fast_dump(document: dict[str, Any]) -> str | None:
    """``document`` as `_IntentDumper` writes it, or None when it is not of the shapes written here."""
    if not document:
        return None
    strings: set[str] = set()
    lines: list[str] = []
    try:
        _collect(document, strings, set())
        missing = [text for text in strings if text not in _SPELLED]
        if any(brk in text for text in missing for brk in _LINE_BREAKS):  # spans lines
            raise _UnsupportedShapeError
        if missing:
            _spell(missing)
        one_line = _flow(document)  # a short flat document is one line, as any short flat mapping
        if one_line is not None:
            lines.append(one_line)
        else:
            _block_mapping(document, 0, "", lines)
    except _UnsupportedShapeError:
        return None
    if any(len(line) > _WIDTH for line in lines):
        return None
    return "\n".join(lines) + "\n"


def _collect(value: dict[str, Any] | list[Any], strings: set[str], seen: set[int]) -> None:
    """Every string of ``value`` into ``strings``; _UnsupportedShapeError on what PyYAML would write differently (an
    object met twice becomes an anchor and an alias, other types have tags)."""
    if id(value) in seen:
        raise _UnsupportedShapeError
    seen.add(id(value))
    items: Any = value
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str) or not key or len(key) > 100:
                raise _UnsupportedShapeError
            strings.add(key)
        items = value.values()
    for item in items:
        kind = type(item)
        if kind is str:
            strings.add(item)
        elif kind is dict or kind is list:
            _collect(item, strings, seen)
        elif kind not in _SCALARS:
            raise _UnsupportedShapeError


def _flow(value: Any) -> str | None:
    """``value`` on one line when `_IntentDumper` writes it so: a scalar, or a collection of scalars no wider
    than _FLOW_WIDTH; None: in block style."""
    if isinstance(value, dict):
        if any(isinstance(item, dict | list) for item in value.values()):
            return None
        text = "{" + ", ".join(f"{_scalar(k, True)}: {_scalar(v, True)}" for k, v in value.items()) + "}"
    elif isinstance(value, list):
        if any(isinstance(item, dict | list) for item in value):
            return None
        text = "[" + ", ".join(_scalar(item, True) for item in value) + "]"
    else:
        return _scalar(value, False)
    return text if len(text) <= _FLOW_WIDTH else None


def _block_mapping(mapping: dict[str, Any], indent: int, first: str,
                   lines: list[str]) -> None:
    """``mapping`` a key per line at ``indent``; its first line starts with ``first`` (a list item's dash)."""
    pad = " " * indent
    for number, (key, value) in enumerate(mapping.items()):
        head = f"{first if number == 0 else pad}{_scalar(key, False)}:"
        one_line = _flow(value)
        if one_line is not None:
            lines.append(f"{head} {one_line}")
            continue
        lines.append(head)
        if isinstance(value, dict):
            _block_mapping(value, indent + 2, " " * (indent + 2), lines)
        else:
            _block_sequence(value, indent + 2, lines)


def _block_sequence(sequence: list[Any], indent: int, lines: list[str]) -> None:
    pad = " " * indent
    for item in sequence:
        one_line = _flow(item)
        if one_line is not None:
            lines.append(f"{pad}- {one_line}")
        elif isinstance(item, dict):
            _block_mapping(item, indent + 2, f"{pad}- ", lines)
        else:  # a list in a list: not an intent shape
            raise _UnsupportedShapeError
