"""The phases that turn intent files into a validated Network, with a gate after each.

load (YAML + schema, every file) -> gate -> resolve (derive, allocate) -> gate ->
Network (cross-object checks) -> gate. A gate raises InputError with every problem of its
phase; nothing downstream runs, so nothing is ever written from invalid input.
"""

import gc
from pathlib import Path

from netops.intent.loader import load_intent
from netops.resolve.build import Resolution, resolve

DEFAULT_INTENT_DIR = Path("inventory/city")


def load_network(intent_dir: Path = DEFAULT_INTENT_DIR) -> Resolution:
    """Load, resolve and validate the city; raise InputError with every problem found."""
    # The model is a large graph of small objects that live as long as the command: cyclic
    # garbage collection passes over it find nothing and cost a fifth of the load time.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return resolve(load_intent(intent_dir))
    finally:
        if was_enabled:
            gc.enable()
