"""What may leave the executor: an outcome without the call's key, and of a bounded size."""

from __future__ import annotations

import logging
from typing import Any, Final

from kp_tools.errors import ErrorCode, KPainterError
from kp_tools.keys import ApiKey
from kp_tools.outcome import Outcome
from kp_tools.redaction import redact_secrets
from kp_tools.specs import ToolSpec

__all__ = ["MAX_OUTCOME_CHARS", "deliverable"]

logger = logging.getLogger("kp_tools.executor")

MAX_OUTCOME_CHARS: Final = 256 * 1024
"""The largest outcome handed to a model. KPainter's answers are a few KB; a bigger one (an
upstream padding its answers, a runaway field) would flood the model's context, and over MCP the
result travels twice (text and structured content) in one event that clients cap at 1 MiB."""


def deliverable(spec: ToolSpec[Any, Any], outcome: Outcome, key: ApiKey | None) -> Outcome:
    """The outcome as it may leave the executor: without the key, and of a bounded size.

    Key: nothing in kp-tools puts a key into an outcome, but what it passes on can hold one: an
    upstream answer quoting the key back (``/me`` returning it, an error message citing it), or a
    refused argument echoed in a problem (``unknown voice 'kgp_...'``, an argument named after
    the key). One pass over the serialized outcome replaces the call's key, and anything shaped
    like a key, by its display prefix.

    Size: an outcome over :data:`MAX_OUTCOME_CHARS` keeps only the fields its spec declares
    (answers allow unknown fields, which is where padding lands); if that is still too large,
    a read ends in ``upstream_error`` instead. A create or edit always fits once trimmed (its
    declared fields are ids and a status), so a job that started is never reported as failed.
    """
    text = outcome.model_dump_json()
    if len(text) > MAX_OUTCOME_CHARS and outcome.ok and outcome.data is not None:
        declared = {k: v for k, v in outcome.data.items() if k in spec.output_model.model_fields}
        logger.warning(
            "%s: answer of %d characters trimmed to the spec's fields", spec.name, len(text)
        )
        outcome = outcome.model_copy(update={"data": declared})
        text = outcome.model_dump_json()
    if len(text) > MAX_OUTCOME_CHARS:
        logger.warning("%s: answer of %d characters refused", spec.name, len(text))
        error = KPainterError(
            f"KPainter's answer is too large to pass on ({len(text) // 1024} KiB; the limit is "
            f"{MAX_OUTCOME_CHARS // 1024} KiB). Ask for less (a smaller page_size, one type).",
            code=ErrorCode.UPSTREAM_ERROR,
        )
        return Outcome.failure(spec.name, error)
    secrets = [key.reveal()] if key is not None else []
    if redact_secrets(text, secrets) == text:  # the common case: one pass over one string
        return outcome
    return _scrubbed(outcome, secrets)


def _scrubbed(outcome: Outcome, secrets: list[str]) -> Outcome:
    """The outcome with the key removed from every text it carries, field by field.

    Not by replacing inside the serialized JSON: a short or common key (``ok``, ``null``,
    ``key``) also matches the JSON's own field names and codes, which would break the outcome.
    """

    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return redact_secrets(value, secrets)
        if isinstance(value, list):
            return [clean(item) for item in value]
        if isinstance(value, dict):
            return {clean(name): clean(item) for name, item in value.items()}
        return value

    error = outcome.error
    if error is not None:
        problems = [
            problem.model_copy(
                update={
                    "field": clean(problem.field),
                    "problem": clean(problem.problem),
                    "allowed": clean(problem.allowed),
                }
            )
            for problem in error.problems
        ]
        error = error.model_copy(update={"message": clean(error.message), "problems": problems})
    return outcome.model_copy(
        update={"data": clean(outcome.data), "next_step": clean(outcome.next_step), "error": error}
    )
