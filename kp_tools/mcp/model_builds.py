"""Pydantic model builds deferred to their first use, in a kp-mcp started over stdio.

A host spawns kp-mcp at every start and waits for its tool list. Most of that wait is the MCP
SDK's import, and most of the import is pydantic building a validator and serializer for each of
the SDK's protocol models: about 160 per protocol revision, two revisions, of which a session
that lists the tools uses about 20. With builds deferred, a model is built the first time it
validates or serializes, so a stdio start pays only for the models its session uses: the tool
list arrives 7 to 9% sooner than a bare SDK server's (BENCHMARKS.md, cold start), where it
arrived about as soon, and the first tool call sooner too.

Pydantic offers deferral per model (``ConfigDict(defer_build=True)``), but the SDK's models are
not ours to configure, so :func:`defer_model_builds` changes pydantic's default for every model
defined after it. That default lives in a private module (``pydantic._internal._config``), the
one reason this is done by hand: when a pydantic release moves it, the call returns ``False``
and kp-mcp starts as before, only slower, and ``tests/mcp/test_model_builds.py`` fails so the
move is seen. It is a process-wide choice, made only by the ``kp-mcp`` console script and only
for stdio; an HTTP server starts once and then serves, so it builds everything at start-up,
where a build cannot land in a request's latency.

Only with pydantic 2.14 or later: before it, a model first used by two threads at once could be
seen half built (pydantic issue 13419, fixed by a lock in ``model_rebuild``; the google-genai SDK
hit this with deferred builds). kp-mcp's stdio session uses its models on one thread, but a
faster start is not worth a race that one added thread would open.
"""

from __future__ import annotations

__all__ = ["defer_model_builds"]

_THREAD_SAFE_REBUILDS = (2, 14)  # the first pydantic whose model_rebuild holds a lock


def defer_model_builds() -> bool:
    """Make pydantic build each model defined from now on at its first use, not at its definition.

    Returns:
        Whether builds are now deferred: ``False`` with a pydantic older than 2.14 or one that
        keeps its defaults elsewhere, in which case nothing changed.
    """
    from pydantic.version import VERSION

    major, minor = (int(part) for part in VERSION.split(".")[:2])
    if (major, minor) < _THREAD_SAFE_REBUILDS:
        return False
    try:
        from pydantic._internal._config import config_defaults
    except ImportError:
        return False
    if "defer_build" not in config_defaults:
        return False
    config_defaults["defer_build"] = True
    return True
