"""The phases that turn intent files into a validated Network, with a gate after each.

load (YAML + schema, every file) -> gate -> resolve (derive, allocate) -> gate ->
Network (cross-object checks) -> gate. A gate raises InputError with every problem of its
phase; nothing downstream runs, so nothing is ever written from invalid input.
"""

from pathlib import Path

from netops.gc_policy import no_cyclic_gc
from netops.intent.loader import load_intent
from netops.resolve.build import Resolution, resolve

DEFAULT_INTENT_DIR = Path("inventory/city")


def load_network(intent_dir: Path = DEFAULT_INTENT_DIR) -> Resolution:
    """Load, resolve and validate the city; raise InputError with every problem found."""
    with no_cyclic_gc():
        return resolve(load_intent(intent_dir))
