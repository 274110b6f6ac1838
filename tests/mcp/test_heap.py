"""kp-mcp starts with collections paused, then freezes what start-up built (HTTP: collected)."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import weakref
from collections.abc import Iterator

import pytest

from kp_tools.mcp.heap import collections_paused, freeze_start_up_objects


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


@pytest.mark.usefixtures("unfrozen_afterwards")
def test_a_freeze_without_collecting_keeps_earlier_garbage_out_of_reach() -> None:
    """stdio's trade: no 70 ms collection before the first answer, a little garbage kept."""
    first, second = _Node(), _Node()
    first.partner, second.partner = second, first
    kept = weakref.ref(first)
    del first, second
    freeze_start_up_objects(collect=False)
    gc.collect()
    assert kept() is not None
    gc.unfreeze()
    gc.collect()
    assert kept() is None


def test_no_collection_runs_inside_the_start_up_block_and_the_collector_is_back_after() -> None:
    assert gc.isenabled()
    with collections_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collections_paused():
        raise RuntimeError("start-up failed")
    assert gc.isenabled()


def test_kp_mcp_serves_stdio_with_its_start_up_frozen_and_the_collector_on() -> None:
    script = """
import gc, json
import kp_tools.mcp.cli as cli

seen = {}

def serve(server, executor):  # instead of waiting for a host on stdin
    seen.update(frozen=gc.get_freeze_count() > 0, collecting=gc.isenabled())

cli._serve_stdio_now = serve
cli.main(["--sandbox", "--log-level", "error"])
print(json.dumps(seen))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert json.loads(done.stdout) == {"frozen": True, "collecting": True}
