"""The sandbox's accounts, creations and jobs, and the rules the emulated server applies.

Jobs advance with the clock: a job's progress is the share of its duration that has elapsed, and
its effects (a ready creation, an edited scene) land when something looks at it after it ends.
``job_seconds=0`` makes every job finish at once, for tests.
"""

from __future__ import annotations

import itertools
import textwrap
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from kp_tools.api_contract import (
    CREATION_FAILED,
    CREATION_PROCESSING,
    CREATION_QUEUED,
    CREATION_READY,
    EDIT_ACTIONS,
    JOB_FAILED,
    JOB_PROCESSING,
    JOB_QUEUED,
    JOB_SUCCEEDED,
    KEY_HEADER,
)
from kp_tools.catalog_rules import check_creation, check_scene_edit
from kp_tools.errors import FieldProblem
from kp_tools.models import Catalog, CreationDetail
from kp_tools.sandbox.seed import CATALOG, SEEDED_ACCOUNTS

__all__ = ["Account", "SandboxError", "World"]

FAIL_MARKER = "#fail"
"""A prompt containing this makes the sandbox's job fail: how tests and demos see ``job_failed``."""


class SandboxError(Exception):
    """An error the emulated server answers with; ``app`` renders it in the §7.3 shape."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        problems: list[FieldProblem] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.problems = problems or []
        self.headers = headers or {}


@dataclass
class Account:
    """A sandbox account, found by its key: plan, credits and what the key may do."""

    key: str
    user_id: int
    name: str
    plan: str
    credits: int
    can_manage_creations: bool = True
    active: bool = True

    def me(self) -> dict[str, Any]:
        """The ``GET /me`` body for this account (only the key's prefix, as the API shows it)."""
        return {
            "user_id": self.user_id,
            "name": self.name,
            "email": f"{self.name.split()[0].lower()}@sandbox.kpainter.test",
            "plan": self.plan,
            "key_prefix": self.key[:8],
            "can_manage_creations": self.can_manage_creations,
            "credits": self.credits,
        }


@dataclass
class Creation:
    creation_id: int
    owner: int
    type: str
    prompt: str
    language: str
    aspect_ratio: str | None
    title: str
    created_at: str
    updated_at: str
    status: str = CREATION_QUEUED
    options: dict[str, Any] = field(default_factory=dict)
    scenes: list[dict[str, Any]] = field(default_factory=list)
    editable_actions: list[str] = field(default_factory=list)


@dataclass
class Job:
    job_id: int
    creation_id: int
    owner: int
    kind: str
    started: float
    duration: float
    fails: bool
    created_at: str
    edit: dict[str, Any] | None = None
    settled: bool = False


class World:
    """The emulated server's state and rules; the ASGI app is a thin HTTP skin over it.

    Each method answers as the endpoint of the same name does, as JSON-ready data, or raises
    :class:`SandboxError` with the status and code the real API is assumed to use
    (:mod:`kp_tools.api_contract`). A lock guards every change: tests and the sync facade may
    reach one world from several threads.
    """

    def __init__(
        self, *, job_seconds: float = 0.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.job_seconds = job_seconds
        self.catalog = Catalog.model_validate(CATALOG)
        self._clock = clock
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._user_ids = itertools.count(101)
        self.accounts: dict[str, Account] = {}
        self.creations: dict[int, Creation] = {}
        self.jobs: dict[int, Job] = {}
        for seed in SEEDED_ACCOUNTS:
            self.add_account(
                seed.key,
                name=seed.name,
                plan=seed.plan,
                credits=seed.credits,
                can_manage_creations=seed.can_manage_creations,
                active=seed.active,
            )

    # -- saving and restoring ----------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Everything the world holds, as JSON-ready data (see :meth:`restore`)."""
        with self._lock:
            return {
                "job_seconds": self.job_seconds,
                "accounts": [asdict(a) for a in self.accounts.values()],
                "creations": [asdict(c) for c in self.creations.values()],
                "jobs": [asdict(j) for j in self.jobs.values()],
            }

    @classmethod
    def restore(
        cls, snapshot: dict[str, Any], *, clock: Callable[[], float] = time.monotonic
    ) -> World:
        """A world holding a :meth:`snapshot`, numbering new ids after the saved ones.

        Job times are read with ``clock``; to carry jobs across processes, use a clock that
        means the same in both (the wall clock), in the snapshot's world and here.
        """
        world = cls(job_seconds=float(snapshot["job_seconds"]), clock=clock)
        world.accounts = {a["key"]: Account(**a) for a in snapshot["accounts"]}
        world.creations = {c["creation_id"]: Creation(**c) for c in snapshot["creations"]}
        world.jobs = {j["job_id"]: Job(**j) for j in snapshot["jobs"]}
        world._ids = itertools.count(max([*world.creations, *world.jobs], default=0) + 1)
        users = [a.user_id for a in world.accounts.values()]
        world._user_ids = itertools.count(max(users, default=100) + 1)
        return world

    # -- accounts ----------------------------------------------------------------------------

    def add_account(
        self,
        key: str,
        *,
        name: str = "Sandbox User",
        plan: str = "member",
        credits: int = 1000,
        can_manage_creations: bool = True,
        active: bool = True,
    ) -> Account:
        """Add (or replace) the account of ``key``; the seeded ones cover the usual cases."""
        with self._lock:
            account = Account(
                key, next(self._user_ids), name, plan, credits, can_manage_creations, active
            )
            self.accounts[key] = account
            return account

    def authenticate(self, key: str | None) -> Account:
        """The account of ``key``, or the 401 for a missing, unknown or inactive key."""
        if not key:
            raise SandboxError(401, "missing_api_key", f"Send your API key in {KEY_HEADER}.")
        account = self.accounts.get(key)
        if account is None or not account.active:
            raise SandboxError(
                401,
                "invalid_api_key",
                "The API key is unknown or inactive; check the API Key page.",
            )
        return account

    def top_up(self, key: str, credits: int) -> Account:
        """Add ``credits`` to the account of ``key`` (negative to take them away)."""
        with self._lock:
            account = self.accounts[key]
            account.credits += credits
            return account

    # -- creations ---------------------------------------------------------------------------

    def create(self, account: Account, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /creations``: check (the client's own catalog rules), charge, start a job.

        Raises:
            SandboxError: 422 (invalid body), 403 (no permission, member-only option), 402 (too
                few credits), as the real API does.
        """
        checked = check_creation(body, self.catalog)
        if checked.problems:
            raise SandboxError(
                422, "validation_error", "Invalid request", problems=checked.problems
            )
        self._require_manage(account)
        if checked.member_only and account.plan != "member":
            raise SandboxError(
                403,
                "insufficient_permission",
                f"{', '.join(checked.member_only)} is for members only; upgrade on kpainter.ai.",
            )
        cost = checked.cost or 0
        with self._lock:
            self._charge(account, cost)
            request = checked.body
            entry = self.catalog.content_type(request["type"])
            now = _now()
            creation = Creation(
                creation_id=next(self._ids),
                owner=account.user_id,
                type=request["type"],
                prompt=request["prompt"],
                language=request.get("language", "en"),
                aspect_ratio=request.get("aspect_ratio")
                or (entry.aspect_ratios[0] if entry and entry.aspect_ratios else None),
                title=_title(request["prompt"]),
                options=request,
                created_at=now,
                updated_at=now,
                editable_actions=list(EDIT_ACTIONS) if entry and entry.supports_scene_edit else [],
            )
            self.creations[creation.creation_id] = creation
            job = self._start_job(account, creation, "create", fails=FAIL_MARKER in creation.prompt)
            return {
                "job_id": job.job_id,
                "creation_id": creation.creation_id,
                "type": creation.type,
                "status": creation.status,
            }

    def edit_scene(
        self, account: Account, creation_id: int, body: dict[str, Any]
    ) -> dict[str, Any]:
        """``POST /creations/{id}/edit``: check the edit, charge its price, start an edit job."""
        creation = self._owned_creation(account, creation_id)
        self._require_manage(account)
        checked = check_scene_edit(
            body, CreationDetail.model_validate(self._detail(creation, "")), self.catalog
        )
        if checked.unsupported:
            raise SandboxError(409, "edit_not_supported", checked.unsupported)
        if checked.problems:
            raise SandboxError(
                422, "validation_error", "Invalid request", problems=checked.problems
            )
        with self._lock:
            self._charge(account, checked.cost or 0)
            job = self._start_job(
                account,
                creation,
                "edit",
                fails=FAIL_MARKER in str(body.get("prompt", "")),
                edit=checked.body,
            )
            return {"job_id": job.job_id, "creation_id": creation.creation_id, "status": JOB_QUEUED}

    def list(
        self,
        account: Account,
        *,
        page: int,
        page_size: int,
        type_: str | None,
        status: str | None,
        query: str | None,
        origin: str,
    ) -> dict[str, Any]:
        """``GET /creations``: the account's creations, newest first, filtered and paged."""
        self._settle()
        owned = [c for c in self.creations.values() if c.owner == account.user_id]
        if type_:
            canonical = self.catalog.canonical_type(type_) or type_
            owned = [c for c in owned if c.type == canonical]
        if status:
            owned = [c for c in owned if c.status == status]
        if query:
            owned = [c for c in owned if query.lower() in (c.title + " " + c.prompt).lower()]
        owned.sort(key=lambda c: c.creation_id, reverse=True)
        start = (page - 1) * page_size
        items = [
            {
                key: value
                for key, value in self._detail(c, origin).items()
                if key
                in (
                    "creation_id",
                    "type",
                    "status",
                    "title",
                    "main_url",
                    "thumbnail_url",
                    "created_at",
                )
            }
            for c in owned[start : start + page_size]
        ]
        return {"items": items, "page": page, "page_size": page_size, "total": len(owned)}

    def detail(self, account: Account, creation_id: int, origin: str) -> dict[str, Any]:
        """``GET /creations/{id}``; media URLs start with ``origin`` (where previews are served)."""
        self._settle()
        return self._detail(self._owned_creation(account, creation_id), origin)

    def job(self, account: Account, job_id: int) -> dict[str, Any]:
        """``GET /creations/jobs/{id}``: status and progress as the clock has moved them."""
        self._settle()
        job = self.jobs.get(job_id)
        if job is None or job.owner != account.user_id:
            raise SandboxError(404, "not_found", f"No job {job_id} for this key.")
        status, progress = self._job_state(job)
        return {
            "job_id": job.job_id,
            "creation_id": job.creation_id,
            "kind": job.kind,
            "status": status,
            "progress": progress,
            "error": "The sandbox was asked to fail this job (#fail)."
            if status == JOB_FAILED
            else None,
            "created_at": job.created_at,
            "updated_at": _now(),
        }

    # -- internals ---------------------------------------------------------------------------

    def _require_manage(self, account: Account) -> None:
        if not account.can_manage_creations:
            raise SandboxError(
                403, "insufficient_permission", "This API key cannot create or edit creations."
            )

    def _charge(self, account: Account, cost: int) -> None:
        if cost > account.credits:
            raise SandboxError(
                402,
                "insufficient_credits",
                f"This costs {cost} credits and the account has {account.credits}.",
            )
        account.credits -= cost

    def _owned_creation(self, account: Account, creation_id: int) -> Creation:
        creation = self.creations.get(creation_id)
        if creation is None or creation.owner != account.user_id:
            raise SandboxError(404, "not_found", f"No creation {creation_id} for this key.")
        return creation

    def _start_job(
        self,
        account: Account,
        creation: Creation,
        kind: str,
        *,
        fails: bool,
        edit: dict[str, Any] | None = None,
    ) -> Job:
        duration = self.job_seconds if kind == "create" else self.job_seconds / 2
        job = Job(
            next(self._ids),
            creation.creation_id,
            account.user_id,
            kind,
            self._clock(),
            duration,
            fails,
            _now(),
            edit,
        )
        self.jobs[job.job_id] = job
        if kind == "create":
            creation.status = CREATION_PROCESSING
        self._settle()
        return job

    def _job_state(self, job: Job) -> tuple[str, int]:
        elapsed = self._clock() - job.started
        if job.duration <= 0 or elapsed >= job.duration:
            return (JOB_FAILED if job.fails else JOB_SUCCEEDED), 100
        progress = min(int(elapsed / job.duration * 100), 99)
        return (JOB_QUEUED if progress < 5 else JOB_PROCESSING), progress

    def _settle(self) -> None:
        """Apply the effects of jobs that have ended since anyone last looked."""
        with self._lock:
            for job in self.jobs.values():
                if job.settled:
                    continue
                status, _ = self._job_state(job)
                if status not in (JOB_SUCCEEDED, JOB_FAILED):
                    continue
                job.settled = True
                creation = self.creations[job.creation_id]
                if job.kind == "create":
                    creation.status = CREATION_FAILED if job.fails else CREATION_READY
                    if not job.fails:
                        creation.scenes = _scenes(creation, self.catalog)
                elif not job.fails and job.edit is not None:
                    _apply_edit(creation, job.edit)
                creation.updated_at = _now()

    def _detail(self, creation: Creation, origin: str) -> dict[str, Any]:
        media = f"{origin}/media/creations/{creation.creation_id}"
        ready = creation.status == CREATION_READY
        main_ext = {"image": "svg", "slide_deck": "svg", "interactive_lesson": "html"}.get(
            creation.type, "svg"
        )
        artifacts = []
        if ready:
            artifacts.append({"kind": _main_kind(creation.type), "url": f"{media}/main.{main_ext}"})
            artifacts.append({"kind": "cover", "url": f"{media}/cover.svg"})
        return {
            "creation_id": creation.creation_id,
            "type": creation.type,
            "status": creation.status,
            "title": creation.title,
            "language": creation.language,
            "aspect_ratio": creation.aspect_ratio,
            "main_url": f"{media}/main.{main_ext}" if ready else None,
            "thumbnail_url": f"{media}/cover.svg" if ready else None,
            "artifacts": artifacts,
            "scenes": [
                {**scene, "image_url": f"{media}/scenes/{scene['scene_id']}.svg"}
                for scene in creation.scenes
            ],
            "editable_actions": creation.editable_actions if ready else [],
            "created_at": creation.created_at,
            "updated_at": creation.updated_at,
        }


def _scenes(creation: Creation, catalog: Catalog) -> list[dict[str, Any]]:
    entry = catalog.content_type(creation.type)
    if entry is None or creation.type in ("image", "interactive_lesson"):
        return []
    options = creation.options
    if entry.scene_count is not None:
        count = options.get("scene_count") or entry.scene_count.default or 6
    elif entry.duration_seconds is not None:
        seconds = options.get("duration_seconds") or entry.duration_seconds.default or 30
        count = max(2, min(seconds // 10, 9))
    else:
        count = 4
    sentences = [s.strip() for s in creation.prompt.replace("\n", " ").split(".") if s.strip()]
    scenes = []
    for index in range(count):
        focus = sentences[index % len(sentences)] if sentences else creation.title
        scenes.append(
            {
                "scene_id": f"s{index + 1}",
                "index": index,
                "narration_text": f"Part {index + 1} of {count}: {focus}.",
                "revision": 1,
            }
        )
    return scenes


def _apply_edit(creation: Creation, edit: dict[str, Any]) -> None:
    for scene in creation.scenes:
        if scene["scene_id"] != edit.get("scene_id"):
            continue
        if edit["action"] == "update_scene_narration":
            scene["narration_text"] = edit["narration_text"]
        elif edit.get("prompt"):
            scene["narration_text"] = f"{scene['narration_text']} (regenerated: {edit['prompt']})"
        scene["revision"] = scene.get("revision", 1) + 1


def _main_kind(type_: str) -> str:
    return {"image": "image", "slide_deck": "slides", "interactive_lesson": "app"}.get(
        type_, "video"
    )


def _title(prompt: str) -> str:
    first = prompt.strip().split("\n", 1)[0]
    return textwrap.shorten(first, width=60, placeholder="…") or "Untitled"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
