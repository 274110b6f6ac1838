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
    "CREATION_FAILED",
    "CREATION_IN_PROGRESS",
    "CREATION_PROCESSING",
    "CREATION_QUEUED",
    "CREATION_READY",
    "CREDITS_PAGE",
    "DEFAULT_BASE_URL",
    "EDIT_ACTIONS",
    "ERROR_CODE_BY_DETAIL",
    "ERROR_CODE_BY_STATUS",
    "JOB_FAILED",
    "JOB_PROCESSING",
    "JOB_QUEUED",
    "JOB_SUCCEEDED",
    "JOB_TERMINAL",
    "KEY_HEADER",
    "LEGACY_TYPE_ALIASES",
    "MAIN_SITE",
    "PATHS",
    "CreationStatus",
    "EditAction",
]

DEFAULT_BASE_URL: Final = "https://api.kpainter.ai/openapi/v1"
"""Where the public API lives (documented); ``KGP_BASE_URL`` overrides it."""
API_PREFIX: Final = "/openapi/v1"
"""The path part of :data:`DEFAULT_BASE_URL` (documented); the sandbox serves under it too."""
KEY_HEADER: Final = "X-KGP-Api-Key"
"""The request header that carries the key (documented)."""

MAIN_SITE: Final = "https://kpainter.ai"
"""Where the user manages the account and plan (documented behaviour; URL secondary)."""
API_KEY_PAGE: Final = "https://kpainter.ai/api-key"
"""Where the user creates and activates keys: only the user can fix a missing or revoked key."""
CREDITS_PAGE: Final = MAIN_SITE
"""Where the user tops up ("route the user back to the main site"; no deeper page is known)."""

PATHS: Final = {
    "health": "/health",
    "me": "/me",
    "catalog": "/catalog",
    "creations": "/creations",
    "creation": "/creations/{creation_id}",
    "job": "/creations/jobs/{job_id}",
    "edit_scene": "/creations/{creation_id}/edit",
}
"""Endpoint paths under the base URL, by endpoint. All documented except ``edit_scene`` (taken
from a later vendor plugin, Jul 2026)."""

LEGACY_TYPE_ALIASES: Final = {
    "knowledge_video": "explainer_video",
    "web_app": "interactive_lesson",
}
"""Old content-type names the API still accepts as input (documented); answers use the new ones."""

JOB_QUEUED: Final = "queued"
"""A job waiting to start (the status strings are chosen: the docs only say "when it succeeds")."""
JOB_PROCESSING: Final = "processing"
"""A job under way; ``progress`` goes from 0 to 100."""
JOB_SUCCEEDED: Final = "succeeded"
"""A job that finished: the creation is ready to read."""
JOB_FAILED: Final = "failed"
"""A job that ended in failure (reported as ``job_failed``)."""
JOB_TERMINAL: Final = frozenset({JOB_SUCCEEDED, JOB_FAILED})
"""The statuses after which a job never changes again: waiting stops there."""
CreationStatus = Literal["queued", "processing", "ready", "failed", "invalid"]
"""Every creation status (chosen, like the job statuses)."""
CREATION_QUEUED: Final = "queued"
"""A creation whose job has not started."""
CREATION_PROCESSING: Final = "processing"
"""A creation being generated."""
CREATION_READY: Final = "ready"
"""A creation that can be read, shown and (where its type allows) edited."""
CREATION_FAILED: Final = "failed"
"""A creation whose job failed."""
CREATION_IN_PROGRESS: Final = frozenset({CREATION_QUEUED, CREATION_PROCESSING})
"""The statuses of a creation that is still being made."""

EditAction = Literal["update_scene_narration", "regenerate_scene"]
"""A scene-edit action (Jul 2026 plugin; Generation A's own list is not published)."""
EDIT_ACTIONS: Final[tuple[str, ...]] = get_args(EditAction)
"""The :data:`EditAction` values, for checks at run time."""

ERROR_CODE_BY_STATUS: Final = {
    401: "invalid_api_key",
    402: "insufficient_credits",
    403: "insufficient_permission",
    404: "not_found",
    409: "edit_not_supported",
    422: "invalid_arguments",
    429: "rate_limited",
}
"""The error code an HTTP status means (chosen; a 5xx is ``upstream_unavailable``)."""
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
"""An error body's ``detail.code``, when it names one of these, overrides
:data:`ERROR_CODE_BY_STATUS` (the API's own word is more precise than its status)."""
