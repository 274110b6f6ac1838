"""An HTTP kp-mcp's start-up objects are frozen out of collections; its garbage is not kept."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from kp_tools.mcp.heap import freeze_start_up_objects


class _Node:
    def __init__(self) -> None:
        self.partner: _Node | None = None


@pytest.fixture
def unfrozen_afterwards() -> Iterator[None]:
    yield
    gc.unfreeze()


@pytest.mark.usefixtures("unfrozen_afterwards")
def test_objects_alive_at_start_up_are_no_longer_scanned_by_collections() -> None:
    alive = _Node()
    freeze_start_up_objects()
    assert gc.get_freeze_count() > 0
    assert not any(obj is alive for obj in gc.get_objects())  # only the three generations


@pytest.mark.usefixtures("unfrozen_afterwards")
def test_garbage_made_before_the_freeze_is_collected_not_kept() -> None:
    first, second = _Node(), _Node()
    first.partner, second.partner = second, first  # a cycle only a collection frees
    gone = weakref.ref(first)
    del first, second
    freeze_start_up_objects()
    assert gone() is None
