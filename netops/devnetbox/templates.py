"""The config files the embedded NetBox writes, rendered from the Jinja2 templates in ``templates/``.

An environment of its own, apart from the device templates' (netops/render/environment.py): these files must
come out exactly as written in the template, trailing newline included, and never HTML-escaped.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Final

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATES: Final = Path(__file__).resolve().parent / "templates"


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
    )
    environment.filters["pyrepr"] = repr  # a Python literal, for the values written into Python files
    return environment


def render(name: str, **context: Any) -> str:
    """The text of template ``name`` (a file under ``templates/``) for ``context``."""
    return _environment().get_template(name).render(**context)
