"""What kp-tools assumes about the KPainter API, as data: the one table to correct.

The public docs (Generation A, see docs/api-facts.md) fix the base URL, the key header, the
endpoints' existence, ``content_types``, ``job_id``/``creation_id``, ``main_url``/``artifacts``/
``scenes`` and the error *behaviour*, but not the scene-edit path, status strings, HTTP status
codes or error codes. Those are chosen here. Both :class:`~kp_tools.client.KPainterClient` and the
embedded sandbox read this module, so the emulator can never drift from what the client expects,
and a fact learned from real responses is corrected in one place. Response field names are in
:mod:`kp_tools.models`. This module imports nothing of kp-tools: error codes are the plain strings
of :class:`~kp_tools.errors.ErrorCode`.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

__all__ = [
    "API_KEY_PAGE",
    "API_PREFIX",
    "CREATION_STATUSES",
    "CREDITS_PAGE",
    "DEFAULT_BASE_URL",
    "EDIT_ACTIONS",
    "ERROR_CODE_BY_DETAIL",
    "ERROR_CODE_BY_STATUS",
    "JOB_FAILED",
    "JOB_PROCESSING",
    "JOB_QUEUED",
    "JOB_STATUSES",
    "JOB_SUCCEEDED",
    "JOB_TERMINAL",
    "KEY_HEADER",
    "LEGACY_TYPE_ALIASES",
    "MAIN_SITE",
    "PATHS",
    "EditAction",
]

DEFAULT_BASE_URL: Final = "https://api.kpainter.ai/openapi/v1"  # documented
API_PREFIX: Final = "/openapi/v1"  # documented: the path of DEFAULT_BASE_URL
KEY_HEADER: Final = "X-KGP-Api-Key"  # documented

# Where the user fixes what only the user can fix (documented behaviour; URLs secondary).
MAIN_SITE: Final = "https://kpainter.ai"
API_KEY_PAGE: Final = "https://kpainter.ai/api-key"
CREDITS_PAGE: Final = MAIN_SITE  # "route the user back to the main site" (no deeper page known)

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

# HTTP status to error code; then ``detail.code`` overrides it when it names a known code.
ERROR_CODE_BY_STATUS: Final = {
    401: "invalid_api_key",
    402: "insufficient_credits",
    403: "insufficient_permission",
    404: "not_found",
    409: "edit_not_supported",
    422: "invalid_arguments",
    429: "rate_limited",
}
ERROR_CODE_BY_DETAIL: Final = {
    "missing_api_key": "missing_api_key",
    "invalid_api_key": "invalid_api_key",
    "insufficient_permission": "insufficient_permission",
    "insufficient_credits": "insufficient_credits",
    "not_found": "not_found",
    "edit_not_supported": "edit_not_supported",
    "rate_limited": "rate_limited",
    "internal_error": "upstream_unavailable",
}
