"""The resolved model as a document: YAML or JSON, stable and diffable."""

import json
from typing import Any

import yaml

from models.network import Network


def network_document(network: Network) -> dict[str, Any]:
    """The model as plain data (JSON types), in the model's own order."""
    return network.model_dump(mode="json")


def to_yaml(network: Network) -> str:
    """Block-style YAML with Vietnamese kept readable."""
    return yaml.safe_dump(network_document(network), sort_keys=False, allow_unicode=True, width=120)


def to_json(network: Network) -> str:
    """Indented JSON."""
    return json.dumps(network_document(network), ensure_ascii=False, indent=2) + "\n"
