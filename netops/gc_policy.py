"""How netops steers Python's cyclic garbage collector, in one place.

A command loads the city into a large graph of small, long-lived objects (the model) and then allocates many
short-lived ones around it (records, configs, findings). Two measured consequences:

- Cyclic GC passes walk the whole model and find nothing to free: they cost a fifth of loading, a third of
  rendering and more than an analysis itself. `no_cyclic_gc` pauses the collector for such a phase; reference
  counting still frees everything acyclic, and the collector runs again afterwards. Its `keep_frozen`
  also spares the pass that resuming would start, for what the command keeps to its end (a third of a no-change
  `netops plan` of the whole city went into collector passes).
- Forked workers share the parent's memory pages copy-on-write. A GC pass in a worker writes to every object's
  header and so copies every page of the model into each worker. `frozen_for_fork` moves everything alive into
  the permanent generation before forking, so no pass touches it.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def no_cyclic_gc(*, keep_frozen: bool = False) -> Iterator[None]:
    """Pause cyclic garbage collection for the block (restored as it was, also on error).

    ``keep_frozen``: freeze what is alive at the block's end before the collector runs again, for a command whose
    block builds what it keeps to its end (`netops plan`: the model, the records, NetBox's snapshot). Resumed as
    it was, the collector's first pass would walk all of it and free nothing."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if keep_frozen:
                gc.freeze()
            gc.enable()


@contextmanager
def frozen_for_fork() -> Iterator[None]:
    """Freeze every object alive now for the block, so that forked workers never copy their pages."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
