"""The collector's policy: paused for a block, and what the block keeps frozen before the collector resumes."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from netops.gc_policy import no_cyclic_gc


@pytest.fixture
def collector() -> Iterator[None]:
    """The collector enabled and nothing frozen, as a command starts; restored after the test."""
    was_enabled = gc.isenabled()
    gc.unfreeze()
    gc.enable()
    yield
    gc.unfreeze()
    if not was_enabled:
        gc.disable()


@pytest.mark.usefixtures("collector")
def test_kept_frozen_pauses_the_collector_then_freezes_what_is_alive_and_resumes() -> None:
    with no_cyclic_gc(keep_frozen=True):
        assert not gc.isenabled()
        kept = [[number] for number in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(kept)
    young = {id(item) for item in gc.get_objects()}
    assert not any(id(item) in young for item in kept)  # the collector's passes no longer walk them


@pytest.mark.usefixtures("collector")
def test_kept_frozen_inside_a_paused_block_leaves_the_collector_paused_and_freezes_nothing() -> None:
    with no_cyclic_gc():
        with no_cyclic_gc(keep_frozen=True):
            assert not gc.isenabled()
        assert not gc.isenabled() and gc.get_freeze_count() == 0
    assert gc.isenabled()


@pytest.mark.usefixtures("collector")
def test_kept_frozen_resumes_the_collector_when_the_block_fails() -> None:
    with pytest.raises(RuntimeError), no_cyclic_gc(keep_frozen=True):
        raise RuntimeError("the command failed")
    assert gc.isenabled()
