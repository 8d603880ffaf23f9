"""Intent files as engineers write them: block style, with short mappings and lists of scalars on one line."""

from typing import Any

import yaml

#: Longest one-line mapping or list; longer ones are written a key per line (the house's 120 columns).
_FLOW_WIDTH = 96
MARKER = "Written by `netops reorganize`"


class _IntentDumper(yaml.SafeDumper):
    """Block style, except for mappings and lists of scalars short enough for one line; list items indented under
    their key, as yamllint and the house write them."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)

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
    body = yaml.dump(document, Dumper=_IntentDumper, sort_keys=False, allow_unicode=True, width=120)
    return f"# {title}. {MARKER}.\n{body}"
