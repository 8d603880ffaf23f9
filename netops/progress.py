"""Progress reporting shared by long-running work: a sink takes one line of text at a time.

Library code reports through a sink it is given; only the CLI chooses where lines go (stderr, a rich
progress display, or nowhere with --json).
"""

from collections.abc import Callable

#: Where a long task reports its progress, one line at a time.
ProgressSink = Callable[[str], None]


def quiet(_message: str) -> None:
    """The sink that says nothing: the default for library calls."""
