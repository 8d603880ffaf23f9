"""Problems found in the input: what, where, what was expected and found, and a hint."""

from dataclasses import dataclass, field

#: A path in the model, e.g. ("sites", "[ubnd-phuong-phuc-xa]", "lans", "[staff]", "prefix").
ModelPath = tuple[str, ...]


@dataclass(frozen=True, order=True)
class Location:
    """A place in an intent file; line 0 is the file or folder as a whole."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, with everything a person needs to fix it."""

    path: ModelPath
    message: str
    expected: str | None = None
    found: str | None = None
    hint: str | None = None
    location: Location | None = field(default=None, compare=False)
    #: The path of an earlier object the problem clashes with (a duplicate's first occurrence); the
    #: resolver names its file:line in ``found``, since the model itself knows no locations.
    related: ModelPath | None = field(default=None, compare=False)

    @property
    def dotted_path(self) -> str:
        """The path as people read it: sites[ubnd-phuong-phuc-xa].lans[staff].prefix."""
        return render_path(self.path)


def render_path(path: ModelPath) -> str:
    """Join path segments; item segments (``[key]``) attach without a dot."""
    text = ""
    for segment in path:
        if segment.startswith("[") or not text:
            text += segment
        else:
            text += "." + segment
    return text


def item(key: object) -> str:
    """A path segment naming a list item by its key."""
    return f"[{key}]"


class NetworkInvalidError(ValueError):
    """Raised by the Network root when cross-object checks fail; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) across the network")
