"""Adding one entry to a YAML file someone else may have written, keeping every other byte of it.

The file is parsed (PyYAML's node tree, with the position of every node) only to find where the new entry goes; the
entry is inserted as text, so comments, quoting and layout elsewhere stay as they were. Whoever calls checks the
result parses to what was meant.
"""

from dataclasses import dataclass

import yaml


class NotInsertableError(Exception):
    """The file has a shape an entry cannot be added to without rewriting it (the reason says which)."""


@dataclass(frozen=True)
class _Spot:
    """Where the new lines go (a line index of the file) and the column of the collection's entries."""

    line: int
    column: int


def _top_mapping(text: str, what: str) -> yaml.MappingNode:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        raise NotInsertableError(f"{what} is not YAML: {error}") from error
    if not isinstance(node, yaml.MappingNode):
        raise NotInsertableError(f"{what} is not a mapping")
    return node


def _value_of(mapping: yaml.MappingNode, key: str) -> tuple[yaml.ScalarNode, yaml.Node] | None:
    return next(((k, v) for k, v in mapping.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)


def _last_line(node: yaml.Node) -> int:
    """The index of the line after the last one ``node`` takes (its last scalar or one-line collection)."""
    while isinstance(node, yaml.MappingNode | yaml.SequenceNode) and not node.flow_style and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(node, yaml.MappingNode) else last
    end = node.end_mark
    # A block scalar (| or >) ends at the start of the line after it.
    return end.line + 1 if end.column > 0 else end.line


def _shifted(lines: list[str], from_column: int, to_column: int) -> list[str]:
    """Lines written with their entries at ``from_column``, moved to ``to_column``."""
    if to_column >= from_column:
        return [" " * (to_column - from_column) + line for line in lines]
    cut = from_column - to_column
    return [line[cut:] for line in lines]


def _splice(text: str, spot: _Spot, lines: list[str], written_column: int) -> str:
    existing = text.splitlines(keepends=True)
    if existing and not existing[-1].endswith("\n"):
        existing[-1] += "\n"
    new = [line + "\n" for line in _shifted(lines, written_column, spot.column)]
    return "".join(existing[:spot.line] + new + existing[spot.line:])


def _replace_empty_flow(text: str, key: yaml.ScalarNode, value: yaml.Node, lines: list[str]) -> str:
    """``key: []`` or ``key: {}`` (an empty collection on one line) becomes ``key:`` with the lines under it; a
    comment after it stays on the key's line."""
    existing = text.splitlines(keepends=True)
    line = existing[key.start_mark.line]
    start = value.start_mark.column
    rest = line[value.end_mark.column:].rstrip("\n")
    if value.start_mark.line != key.start_mark.line or value.end_mark.line != key.start_mark.line:
        raise NotInsertableError("its empty collection spans several lines")
    head = line[:start].rstrip() + (rest if rest.strip().startswith("#") else "")
    if rest.strip() and not rest.strip().startswith("#"):
        raise NotInsertableError("its empty collection is followed by more on its line")
    added = [entry + "\n" for entry in _shifted(lines, 2, key.start_mark.column + 2)]
    return "".join([*existing[:key.start_mark.line], head + "\n", *added, *existing[key.start_mark.line + 1:]])


def _block_value[N: yaml.Node](text: str, key: str, what: str, kind: type[N],
                                noun: str) -> tuple[yaml.ScalarNode, N] | None:
    """The key and value of the top-level ``key`` of ``text``; None without the key; NotInsertableError when the
    value is not a ``kind`` node (a ``noun``)."""
    found = _value_of(_top_mapping(text, what), key)
    if found is None:
        return None
    key_node, value = found
    if not isinstance(value, kind):
        raise NotInsertableError(f"its `{key}:` is not a {noun}")
    return key_node, value


def append_to_list(text: str, key: str, item_lines: list[str], what: str) -> str:
    """``text`` with ``item_lines`` (a list item written with its dash at column 2) added as the last item of the
    top-level list ``key``; a file without that key gets it at its end. NotInsertableError when the list is not
    in block style (or not a list)."""
    top = _top_mapping(text, what)
    found = _value_of(top, key)
    if found is None:
        body = text if not text or text.endswith("\n") else text + "\n"
        return body + f"{key}:\n" + "".join(line + "\n" for line in item_lines)
    key_node, value = found
    if isinstance(value, yaml.ScalarNode) and value.value in ("", "~", "null"):
        raise NotInsertableError(f"its `{key}:` is empty (null)")
    if not isinstance(value, yaml.SequenceNode):
        raise NotInsertableError(f"its `{key}:` is not a list")
    if value.flow_style:
        if value.value:
            raise NotInsertableError(f"its `{key}:` is a one-line list")
        return _replace_empty_flow(text, key_node, value, item_lines)
    first = value.value[0]
    # The dash of a block item stands two columns left of the item's value.
    column = first.start_mark.column - 2
    return _splice(text, _Spot(_last_line(value), max(column, 0)), item_lines, 2)


def insert_sorted_entry(text: str, key: str, entry_key: str, entry_line: str, what: str) -> str:
    """``text`` with ``entry_line`` (``  <entry_key>: ...`` at column 2) added to the top-level block mapping
    ``key`` before the first entry whose key sorts after ``entry_key`` (the order the file keeps)."""
    found = _block_value(text, key, what, yaml.MappingNode, "mapping")
    if found is None:
        raise NotInsertableError(f"it has no `{key}:`")
    key_node, value = found
    if value.flow_style:
        if value.value:
            raise NotInsertableError(f"its `{key}:` is a one-line mapping")
        return _replace_empty_flow(text, key_node, value, [entry_line])
    column = value.value[0][0].start_mark.column
    after = next((k for k, _ in value.value if isinstance(k, yaml.ScalarNode) and k.value > entry_key), None)
    line = after.start_mark.line if after is not None else _last_line(value)
    return _splice(text, _Spot(line, column), [entry_line], 2)


def remove_list_item(text: str, key: str, index: int, what: str) -> str:
    """``text`` without item ``index`` of the top-level block list ``key``: the item's lines, from its dash to the
    next item (the comment lines right above that item stay with it), every other line kept. The last item leaves
    ``key: []``. NotInsertableError when the list is not in block style (or not a list, or has no such item)."""
    found = _block_value(text, key, what, yaml.SequenceNode, "list")
    if found is None:
        raise NotInsertableError(f"it has no `{key}:`")
    key_node, value = found
    if value.flow_style:
        raise NotInsertableError(f"its `{key}:` is a one-line list")
    if not 0 <= index < len(value.value):
        raise NotInsertableError(f"its `{key}:` has no item {index}")
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    start = value.value[index].start_mark.line
    following = value.value[index + 1] if index + 1 < len(value.value) else None
    end = following.start_mark.line if following is not None else _last_line(value.value[index])
    while following is not None and end > start + 1 and lines[end - 1].lstrip().startswith("#"):
        end -= 1  # a comment line right above the next item is that item's
    if len(value.value) == 1:
        head = lines[key_node.start_mark.line]
        comment = head[head.index(":") + 1:].strip()
        lines[key_node.start_mark.line] = f"{head[:head.index(':') + 1]} []" + (f"  {comment}" if comment else "") \
            + "\n"
    return "".join(lines[:start] + lines[end:])
