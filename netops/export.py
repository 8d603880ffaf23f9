"""The resolved model as a document: YAML or JSON, stable and diffable."""

import json
import re
from typing import Any

import yaml

from citynet_models.network import Network


def network_document(network: Network) -> dict[str, Any]:
    """The model as plain data (JSON types), in the model's own order."""
    return network.model_dump(mode="json")


def to_yaml(network: Network) -> str:
    """Block-style YAML with Vietnamese kept readable."""
    return yaml.safe_dump(network_document(network), sort_keys=False, allow_unicode=True, width=120)


def to_json(network: Network) -> str:
    """Indented JSON."""
    return json.dumps(network_document(network), ensure_ascii=False, indent=2) + "\n"


_YAML_KEY = re.compile(r"^([A-Za-z_][\w-]*):", re.MULTILINE)
_JSON_KEY = re.compile(r'^  "([^"\\]+)":', re.MULTILINE)


def top_level_keys(text: str) -> list[str]:
    """The top-level keys of an export, in order, read without parsing (a whole city's export is megabytes)."""
    pattern = _JSON_KEY if text.lstrip().startswith("{") else _YAML_KEY
    return pattern.findall(text)


def is_export_of(current: str, text: str) -> bool:
    """Whether a file's content is an earlier `netops export` of the same kind as text (in either format).

    An export is recognised by its shape: the model's top-level keys, in the model's order. A hand-written file
    of another shape is not, so export never overwrites it without --force.
    """
    keys = top_level_keys(text)
    return bool(keys) and top_level_keys(current) == keys
