"""The sandbox that ``--sandbox`` commands share: one small JSON file between invocations.

``kp-tools create --sandbox ...`` then ``kp-tools list --sandbox`` shows the creation, because
each command loads the sandbox world (accounts and credits, creations, jobs) from
``$XDG_CACHE_HOME/kp-tools/sandbox.json`` (``~/.cache/...`` by default) and saves it back when it
ends. Jobs advance on the wall clock, so a job started by one command has finished when a later
one looks. A lock file serialises concurrent commands; ``kp-tools sandbox --reset`` starts over.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Final

from kp_tools.sandbox import Sandbox
from kp_tools.sandbox.world import World

__all__ = ["DEFAULT_JOB_SECONDS", "load", "reset", "save", "saved_sandbox", "state_path"]

FORMAT_VERSION: Final = 1
DEFAULT_JOB_SECONDS: Final = 3.0

logger = logging.getLogger("kp_tools.cli")


def state_path(env: Mapping[str, str] | None = None) -> Path:
    """Where the shared sandbox lives: ``$XDG_CACHE_HOME/kp-tools/sandbox.json``."""
    environ = os.environ if env is None else env
    cache = environ.get("XDG_CACHE_HOME", "").strip()
    base = Path(cache) if cache else Path.home() / ".cache"
    return base / "kp-tools" / "sandbox.json"


def new_sandbox(job_seconds: float = DEFAULT_JOB_SECONDS) -> Sandbox:
    # The wall clock, not the monotonic one, so job times mean the same in the next process.
    return Sandbox(job_seconds=job_seconds, clock=time.time)


def load(path: Path) -> Sandbox:
    """The saved sandbox, or a fresh one when there is none (or it cannot be read)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError(f"a JSON {type(data).__name__}, not an object")
        if data.get("version") != FORMAT_VERSION:
            raise ValueError(f"format {data.get('version')!r}")
        return _restore(data)
    except FileNotFoundError:
        return new_sandbox()
    except (OSError, ValueError, TypeError, KeyError) as error:
        logger.warning("starting a fresh sandbox: %s could not be read (%s)", path, error)
        return new_sandbox()


def save(sandbox: Sandbox, path: Path) -> None:
    """Write atomically (a temporary file, then a rename), so a crash never leaves half a file."""
    data = {"version": FORMAT_VERSION, **sandbox.world.snapshot()}
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(temporary, path)


def reset(path: Path, job_seconds: float = DEFAULT_JOB_SECONDS) -> Sandbox:
    """Start the shared sandbox over: the seeded accounts and credits, no creations."""
    with _locked(path):
        sandbox = new_sandbox(job_seconds)
        save(sandbox, path)
        return sandbox


@contextlib.contextmanager
def saved_sandbox(path: Path) -> Iterator[Sandbox]:
    """The shared sandbox for one command: loaded, used, and saved back, under a lock."""
    with _locked(path):
        sandbox = load(path)
        try:
            yield sandbox
        finally:
            save(sandbox, path)


def _restore(data: Mapping[str, Any]) -> Sandbox:
    return Sandbox(world=World.restore(dict(data), clock=time.time))


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; concurrent commands may race
        yield
        return
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
