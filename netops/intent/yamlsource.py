"""YAML documents that remember where every value came from."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from models.problems import Location, Problem

try:  # libyaml is several times faster on whole-city intent
    _BaseLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment,unused-ignore]
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _BaseLoader = yaml.SafeLoader

_STR_TAG = "tag:yaml.org,2002:str"
#: Plain scalars starting with anything else cannot be a number, bool, null, merge or value key.
_MAYBE_TYPED_START = frozenset("0123456789+-.~<=")
_TYPED_WORDS = frozenset(("null", "true", "false", "yes", "no", "on", "off"))


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type,unused-ignore]
    """SafeLoader whose tag resolution skips the regular expressions for plain words.

    PyYAML tries every implicit resolver on every plain scalar; whole-city intent is mostly
    names and slugs, so this cuts load time by a third. YAML 1.1 semantics are unchanged.
    """

    def resolve(self, kind: type[yaml.Node], value: str, implicit: tuple[bool, bool]) -> str:
        if (kind is yaml.ScalarNode and implicit[0] and value and value[0] not in _MAYBE_TYPED_START
                and value.lower() not in _TYPED_WORDS):
            return _STR_TAG
        return str(super().resolve(kind, value, implicit))

#: A path inside a YAML document: mapping keys and sequence indexes.
DataPath = tuple[str | int, ...]


@dataclass
class SourceDocument:
    """One parsed YAML file and the line of every node in it."""

    file: str
    data: Any
    lines: dict[DataPath, int] = field(default_factory=dict)

    def location(self, path: DataPath) -> Location:
        """Where the deepest existing node along ``path`` starts."""
        line = self.lines.get((), 1)
        current: DataPath = ()
        for segment in path:
            candidate = (*current, segment)
            if candidate in self.lines:
                current = candidate
                line = self.lines[candidate]
        return Location(self.file, line)


class YamlInputError(Exception):
    """A file that is not YAML, or not the YAML we accept."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(problem.message)


def read_yaml(path: Path, display_name: str) -> SourceDocument:
    """Parse one YAML file, keeping line numbers; duplicate keys are errors, not overwrites."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise YamlInputError(
            Problem(
                path=(),
                message="file is not UTF-8 text",
                expected="a UTF-8 encoded YAML file",
                found=f"undecodable byte at offset {error.start}",
                hint="save the file as UTF-8 (Vietnamese names need it)",
                location=Location(display_name, 1),
            )
        ) from error
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        raise YamlInputError(
            Problem(
                path=(),
                message="malformed YAML",
                expected="valid YAML",
                found=f"{error.problem or error.context}".strip(),
                hint="check indentation and quoting around this line",
                location=Location(display_name, (mark.line + 1) if mark else 1),
            )
        ) from error
    finally:
        loader.dispose()
    document = SourceDocument(file=display_name, data=None)
    if root is None:
        document.data = {}
        document.lines[()] = 1
        return document
    document.data = _convert(root, (), document, loader)
    return document


def _convert(node: yaml.Node, path: DataPath, document: SourceDocument, loader: yaml.SafeLoader) -> Any:
    document.lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise YamlInputError(_problem(document, key_node, "YAML merge keys ('<<') are not supported",
                                              "plain keys", "'<<'", "write the values out"))
            key = _construct(key_node, document, loader)
            if not isinstance(key, str):
                raise YamlInputError(_problem(document, key_node, "non-string key", "a string key",
                                              repr(key), "quote the key"))
            if key in result:
                raise YamlInputError(
                    _problem(document, key_node, "duplicate key", f"{key!r} once in this mapping",
                             f"{key!r} again (first at line {document.lines[(*path, key)]})",
                             "remove or rename one of them")
                )
            result[key] = _convert(value_node, (*path, key), document, loader)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(child, (*path, index), document, loader) for index, child in enumerate(node.value)]
    if node.tag == _STR_TAG:  # most intent scalars are names: skip the generic constructor
        return node.value
    return _construct(node, document, loader)


def _construct(node: yaml.Node, document: SourceDocument, loader: yaml.SafeLoader) -> Any:
    try:
        return loader.construct_object(node, deep=True)
    except yaml.constructor.ConstructorError as error:
        raise YamlInputError(_problem(document, node, "unsupported YAML value", "plain YAML scalars, lists and maps",
                                      f"tag {node.tag}", "remove the tag (values starting with '!')")) from error


def _problem(document: SourceDocument, node: yaml.Node, message: str, expected: str, found: str,
             hint: str) -> Problem:
    return Problem(path=(), message=message, expected=expected, found=found, hint=hint,
                   location=Location(document.file, node.start_mark.line + 1))
