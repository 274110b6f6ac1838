"""Every choice made where the KPainter docs are silent, in one table.

The public docs (Generation A, see docs/api-facts.md) fix the endpoints' existence, the auth header,
``content_types``, ``job_id``/``creation_id``, ``main_url``/``artifacts``/``scenes`` and the error
*behaviour*, but not paths for scene edits, status strings, HTTP status codes or error codes. Those
are guessed here, used by both the client and the sandbox, and meant to be corrected in this one
file when real responses are seen. Response field names are guessed in :mod:`kp_tools.models`.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

from kp_tools.errors import ErrorCode

__all__ = [
    "CREATION_STATUSES",
    "DEFAULT_BASE_URL",
    "EDIT_ACTIONS",
    "ERROR_CODE_BY_DETAIL",
    "ERROR_CODE_BY_STATUS",
    "JOB_FAILED",
    "JOB_STATUSES",
    "JOB_SUCCEEDED",
    "JOB_TERMINAL",
    "LEGACY_TYPE_ALIASES",
    "PATHS",
    "EditAction",
]

DEFAULT_BASE_URL: Final = "https://api.kpainter.ai/openapi/v1"  # documented

# Endpoint paths under the base URL. All documented except ``edit_scene`` (Jul 2026 plugin).
PATHS: Final = {
    "health": "/health",
    "me": "/me",
    "catalog": "/catalog",
    "creations": "/creations",
    "creation": "/creations/{creation_id}",
    "job": "/creations/jobs/{job_id}",
    "edit_scene": "/creations/{creation_id}/edit",
}

# Documented input aliases; responses always use the canonical names.
LEGACY_TYPE_ALIASES: Final = {
    "knowledge_video": "explainer_video",
    "web_app": "interactive_lesson",
}

# Job and creation states (docs only say "when the job succeeds").
JOB_QUEUED: Final = "queued"
JOB_PROCESSING: Final = "processing"
JOB_SUCCEEDED: Final = "succeeded"
JOB_FAILED: Final = "failed"
JOB_STATUSES: Final = (JOB_QUEUED, JOB_PROCESSING, JOB_SUCCEEDED, JOB_FAILED)
JOB_TERMINAL: Final = frozenset({JOB_SUCCEEDED, JOB_FAILED})
CREATION_STATUSES: Final = ("queued", "processing", "ready", "failed", "invalid")

# Scene-edit actions (Jul 2026 plugin; Generation A's own list is not published).
EditAction = Literal["update_scene_narration", "regenerate_scene"]
EDIT_ACTIONS: Final[tuple[str, ...]] = get_args(EditAction)

# HTTP status to error code, then ``detail.code`` overrides it when it names a known code.
ERROR_CODE_BY_STATUS: Final = {
    401: ErrorCode.INVALID_API_KEY,
    402: ErrorCode.INSUFFICIENT_CREDITS,
    403: ErrorCode.INSUFFICIENT_PERMISSION,
    404: ErrorCode.NOT_FOUND,
    409: ErrorCode.EDIT_NOT_SUPPORTED,
    422: ErrorCode.INVALID_ARGUMENTS,
    429: ErrorCode.RATE_LIMITED,
}
ERROR_CODE_BY_DETAIL: Final = {
    "missing_api_key": ErrorCode.MISSING_API_KEY,
    "invalid_api_key": ErrorCode.INVALID_API_KEY,
    "insufficient_permission": ErrorCode.INSUFFICIENT_PERMISSION,
    "insufficient_credits": ErrorCode.INSUFFICIENT_CREDITS,
    "not_found": ErrorCode.NOT_FOUND,
    "edit_not_supported": ErrorCode.EDIT_NOT_SUPPORTED,
    "rate_limited": ErrorCode.RATE_LIMITED,
    "internal_error": ErrorCode.UPSTREAM_UNAVAILABLE,
}
