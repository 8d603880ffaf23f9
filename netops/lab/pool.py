"""The threads the lab works with: many namespaces, scripts and daemons are handled at once."""

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from netops.lab.interrupt import STOP


def default_workers() -> int:
    """Threads per batch: two per core, at least 2 and at most 8."""
    return max(2, min(8, 2 * (os.cpu_count() or 1)))


def parallel(function: Callable[[Any], Any], items: Sequence[Any], workers: int | None = None) -> list[Any]:
    """`function` over `items` in threads (`workers` of them, else `default_workers()`), results in order.

    A command asked to stop (netops.lab.interrupt) starts no new item: the items under way finish, then
    LabInterruptedError."""
    if not items:
        return []

    def one(item: Any) -> Any:
        STOP.check()
        return function(item)

    with ThreadPoolExecutor(max_workers=min(workers or default_workers(), len(items))) as pool:
        return list(pool.map(one, items))
