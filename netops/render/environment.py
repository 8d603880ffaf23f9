"""The single Jinja2 environment: strict undefined, trimmed blocks, one filter registry.

Templates live in netops/templates/<platform>/: `device.j2` includes one `<feature>.j2` per
feature, and a feature's macros sit in `<feature>.macro.j2` beside it.
"""

from collections.abc import Sequence
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, TemplateNotFound

from netops.errors import NetopsError
from netops.render.filters import FILTERS
from netops.render.secrets import token

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


class TemplateMissingError(NetopsError):
    """A template the platform needs is not in the search path."""

    def __init__(self, template: str, search_path: Sequence[str], needed_by: str | None = None) -> None:
        self.template = template
        self.search_path = list(search_path)
        self.needed_by = needed_by
        super().__init__(
            f"template {template!r} not found in search path: {', '.join(self.search_path)}"
            + (f" (needed by {needed_by})" if needed_by else "")
        )


def make_environment(template_dirs: Sequence[Path] = ()) -> Environment:
    """A new environment searching `template_dirs` (overrides) before the project's templates."""
    environment = Environment(
        loader=FileSystemLoader([*(str(d) for d in template_dirs), str(TEMPLATES)]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # device configs, not HTML
    )
    environment.filters.update(FILTERS)
    environment.globals["secret"] = token  # templates use the `secret` filter; the global stays for old overrides
    return environment


@cache
def default_environment() -> Environment:
    """The environment of this process (templates are compiled once, then cached by Jinja2)."""
    return make_environment()


def get_template(environment: Environment, name: str, needed_by: str | None = None) -> Template:
    """The template, or TemplateMissingError naming it and the search path."""
    try:
        return environment.get_template(name)
    except TemplateNotFound as error:
        raise TemplateMissingError(str(error.name or name), search_path(environment), needed_by) from error


def search_path(environment: Environment) -> list[str]:
    """Where the environment looks for templates."""
    loader = environment.loader
    return list(loader.searchpath) if isinstance(loader, FileSystemLoader) else [repr(loader)]
