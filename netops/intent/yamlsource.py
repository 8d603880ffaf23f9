"""YAML documents that remember where every value came from."""

import errno
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from citynet_models.problems import Location, Problem

try:  # libyaml is several times faster on whole-city intent
    _BaseLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment,unused-ignore]
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _BaseLoader = yaml.SafeLoader

_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
#: YAML 1.1 reads a plain '=' as the "value" key and '<<' as a merge key; as values they are just text.
_VALUE_TAG = "tag:yaml.org,2002:value"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_INT_TAG, _FLOAT_TAG = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
#: Numbers as intent writes them (counts, coordinates): read directly, as SafeConstructor would read them; the
#: generic constructor is left the prefixes, underscores and base-60 forms YAML 1.1 also allows.
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)")
_FIXED = re.compile(r"-?[0-9]+\.[0-9]+")
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
    #: True when the file holds no YAML value at all: empty, or only comments and blank lines.
    blank: bool = False

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


#: Largest intent file read, in bytes: a whole city's district file is well under 1 MiB; a bigger file is a
#: mistake (a log or dump saved as .yml) or an attack, and is refused before it is read into memory.
MAX_FILE_BYTES = 8 * 1024 * 1024
#: Most values a document may produce through aliases (``*name``): generous for reusing a LAN list in every ward,
#: and it stops "billion laughs" documents, whose few lines expand to billions of values.
MAX_ALIAS_NODES = 50_000
#: Deepest nesting of mappings and lists accepted; intent needs fewer than ten levels.
MAX_DEPTH = 64
#: Tags a value may carry: those YAML gives plain values implicitly. Any other tag (``!!python/...``,
#: ``!!binary``, ``!!set``, ``!custom``) is refused, not dropped.
_SCALAR_TAGS = frozenset(f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "timestamp"))
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"


def _file_problem(display_name: str, message: str, expected: str, found: str, hint: str, line: int = 1) -> Problem:
    return Problem(path=(), message=message, expected=expected, found=found, hint=hint,
                   location=Location(display_name, line))


def read_text(path: Path, display_name: str) -> str:
    """The text of an intent file, or YamlInputError saying why it cannot be read (never an OSError)."""
    expected = "a readable UTF-8 YAML file"
    if path.is_symlink() and not path.exists():
        try:
            target = str(path.readlink())
        except OSError:  # pragma: no cover - a link that vanished between the two calls
            target = "?"
        try:
            path.stat()
        except OSError as error:
            looped = error.errno == errno.ELOOP
        else:  # pragma: no cover - created between the two calls
            looped = False
        found = f"a symbolic link loop ({display_name} -> {target})" if looped else \
            f"a dangling symbolic link to {target!r}, which does not exist"
        raise YamlInputError(_file_problem(display_name, "cannot read file", expected, found,
                                           "remove the link, or point it at an existing file"))
    if path.is_dir():
        raise YamlInputError(_file_problem(display_name, "cannot read file", expected, "a directory",
                                           "intent files are files: move the folder out of the intent folder"))
    try:
        with path.open("rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            if size > MAX_FILE_BYTES:
                raise YamlInputError(_file_problem(
                    display_name, "file too large", f"at most {MAX_FILE_BYTES // (1024 * 1024)} MiB",
                    f"{size} bytes", "split the intent into one file per district; is this really an intent file?"))
            raw = stream.read(MAX_FILE_BYTES + 1)
    except PermissionError as error:
        raise YamlInputError(_file_problem(display_name, "cannot read file", expected, "permission denied",
                                           "make it readable for the user running netops (chmod a+r)")) from error
    except OSError as error:
        raise YamlInputError(_file_problem(display_name, "cannot read file", expected,
                                           error.strerror or str(error), "check the file and its folder")) from error
    if len(raw) > MAX_FILE_BYTES:  # grew while being read, or a special file without a size
        raise YamlInputError(_file_problem(display_name, "file too large",
                                           f"at most {MAX_FILE_BYTES // (1024 * 1024)} MiB",
                                           f"more than {MAX_FILE_BYTES} bytes", "is this really an intent file?"))
    try:
        # utf-8-sig: a byte-order mark, which some Windows editors write, is not part of the text.
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise YamlInputError(_file_problem(
            display_name, "file is not UTF-8 text", "a UTF-8 encoded YAML file",
            f"undecodable byte 0x{raw[error.start]:02x} at offset {error.start}",
            "save the file as UTF-8 (Vietnamese names need it)", line)) from error


def read_yaml(path: Path, display_name: str) -> SourceDocument:
    """Parse one YAML file, keeping line numbers; duplicate keys are errors, not overwrites."""
    text = read_text(path, display_name)
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        found = f"{error.problem or error.context}".strip()
        depth = "nesting depth" in found
        if "another document" in found:
            raise YamlInputError(_file_problem(display_name, "several YAML documents in one file",
                                               "one YAML document per file", "a second document ('---')",
                                               "remove the '---' line, or split the file",
                                               (mark.line + 1) if mark else 1)) from error
        raise YamlInputError(
            _file_problem(display_name, "malformed YAML", "valid YAML" if not depth else
                          f"at most {MAX_DEPTH} levels of nested mappings and lists", found,
                          "check indentation and quoting around this line" if not depth else
                          "intent needs only a few levels: is a bracket or indentation unbalanced?",
                          (mark.line + 1) if mark else 1)
        ) from error
    except yaml.reader.ReaderError as error:
        # Not a MarkedYAMLError: it carries an offset into the text instead of a line.
        line = text[: error.position].count("\n") + 1
        character = error.character if isinstance(error.character, int) else ord(str(error.character)[:1] or "?")
        raise YamlInputError(_file_problem(
            display_name, "character not allowed in YAML", "printable text (tabs and line breaks allowed)",
            f"control character U+{character:04X} ({error.reason})",
            "remove it; it often comes from copying out of a binary file or a terminal", line)) from error
    except yaml.YAMLError as error:
        raise YamlInputError(_file_problem(display_name, "malformed YAML", "valid YAML", str(error).strip(),
                                           "check the file around its start")) from error
    except RecursionError as error:  # the pure-Python parser has no depth limit of its own
        raise YamlInputError(_file_problem(display_name, "malformed YAML",
                                           f"at most {MAX_DEPTH} levels of nested mappings and lists",
                                           "deeper nesting", "is a bracket or indentation unbalanced?")) from error
    finally:
        loader.dispose()
    document = SourceDocument(file=display_name, data=None)
    if root is None:
        document.data = {}
        document.blank = True
        document.lines[()] = 1
        return document
    document.data = _Converter(document, loader).convert(root, ())
    return document


class _Converter:
    """Node graph to Python values, refusing what YAML allows but intent must not hold.

    Aliases make the node graph a DAG, or a cycle: a node met again on the current path is a recursive alias,
    and every node produced again through an alias counts against MAX_ALIAS_NODES.
    """

    def __init__(self, document: SourceDocument, loader: yaml.SafeLoader) -> None:
        self.document = document
        self.loader = loader
        self.seen: set[int] = set()
        self.active: set[int] = set()
        self.aliased = 0

    def convert(self, node: yaml.Node, path: DataPath, via_alias: bool = False) -> Any:
        """The value of ``node`` at ``path``, recording the line of every node on the way."""
        document = self.document
        key = id(node)
        if key in self.seen:
            if key in self.active:
                raise YamlInputError(_problem(document, node, "recursive YAML alias",
                                              "an alias (*name) outside the value its anchor (&name) names",
                                              "an alias inside its own anchor's value",
                                              "write the value out; intent cannot hold a value that contains "
                                              "itself"))
            via_alias = True
        else:
            self.seen.add(key)
        if via_alias:
            self.aliased += 1
            if self.aliased > MAX_ALIAS_NODES:
                raise YamlInputError(_problem(document, node, "too many values produced through YAML aliases",
                                              f"at most {MAX_ALIAS_NODES} values repeated through aliases (*name)",
                                              "aliases nested so deep that the document expands without bound",
                                              "write the values out, or reuse fewer levels of anchors"))
        document.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _STR_TAG:  # most intent scalars are names: skip the generic constructor
                return node.value
            self._check_tag(node)
            return self._scalar(node)
        if len(path) > MAX_DEPTH:
            raise YamlInputError(_problem(document, node, "nesting too deep",
                                          f"at most {MAX_DEPTH} levels of nested mappings and lists",
                                          f"more than {MAX_DEPTH} levels", "is a bracket or indentation unbalanced?"))
        self._check_tag(node)
        self.active.add(key)
        try:
            return self._value(node, path, via_alias)
        finally:
            self.active.discard(key)

    def _check_tag(self, node: yaml.Node) -> None:
        allowed = _MAP_TAG if isinstance(node, yaml.MappingNode) else _SEQ_TAG \
            if isinstance(node, yaml.SequenceNode) else None
        if (node.tag != allowed) if allowed else (node.tag not in _SCALAR_TAGS and node.tag not in
                                                  (_MERGE_TAG, _VALUE_TAG)):
            shown = node.tag.replace("tag:yaml.org,2002:", "!!")
            raise YamlInputError(_problem(self.document, node, "unsupported YAML tag",
                                          "plain YAML values: strings, numbers, booleans, lists and mappings",
                                          f"tag {shown}",
                                          "remove the tag (the word starting with '!'); netops never runs or "
                                          "constructs objects from YAML"))

    def _value(self, node: yaml.Node, path: DataPath, via_alias: bool) -> Any:
        document = self.document
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == _MERGE_TAG:
                    raise YamlInputError(_problem(document, key_node, "YAML merge keys ('<<') are not supported",
                                                  "plain keys", "'<<'", "write the values out"))
                if not isinstance(key_node, yaml.ScalarNode):
                    raise YamlInputError(_problem(document, key_node, "non-string key", "a string key",
                                                  "a list or mapping", "quote the key"))
                self._check_tag(key_node)
                key = self._scalar(key_node)
                if not isinstance(key, str):
                    raise YamlInputError(_problem(document, key_node, "non-string key", "a string key",
                                                  repr(key), "quote the key"))
                if key in result:
                    raise YamlInputError(
                        _problem(document, key_node, "duplicate key", f"{key!r} once in this mapping",
                                 f"{key!r} again (first at line {document.lines[(*path, key)]})",
                                 "remove or rename one of them")
                    )
                result[key] = self.convert(value_node, (*path, key), via_alias)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(child, (*path, index), via_alias) for index, child in enumerate(node.value)]
        return self._scalar(node)  # pragma: no cover - convert() handles scalars itself

    def _scalar(self, node: yaml.Node) -> Any:
        if node.tag in (_STR_TAG, _MERGE_TAG, _VALUE_TAG):  # most intent scalars are names
            return node.value
        if node.tag == _INT_TAG and _DECIMAL.fullmatch(node.value):
            return int(node.value)
        if node.tag == _FLOAT_TAG and _FIXED.fullmatch(node.value):
            return float(node.value)
        try:
            return self.loader.construct_object(node, deep=True)
        except (yaml.constructor.ConstructorError, ValueError, TypeError, AttributeError, OverflowError) as error:
            if node.tag == _TIMESTAMP_TAG:  # e.g. 2026-13-45: YAML reads it as a date, and fails
                raise YamlInputError(_problem(self.document, node, "invalid date", "a calendar date YYYY-MM-DD",
                                              repr(node.value), "check the month and day; if it is not meant as "
                                              "a date, quote it (and drop any !!timestamp tag)")) from error
            shown = node.tag.replace("tag:yaml.org,2002:", "!!")
            raise YamlInputError(_problem(self.document, node, "value does not match its YAML tag",
                                          f"a value of type {shown}", repr(node.value),
                                          "remove the tag, or quote the value to make it a string")) from error


def _problem(document: SourceDocument, node: yaml.Node, message: str, expected: str, found: str,
             hint: str) -> Problem:
    return Problem(path=(), message=message, expected=expected, found=found, hint=hint,
                   location=Location(document.file, node.start_mark.line + 1))
