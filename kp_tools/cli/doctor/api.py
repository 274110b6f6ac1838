"""The read-only endpoints kp-tools relies on, in the order an agent meets them.

That is ``/health``, ``/me``, ``/catalog``, ``/creations``.

Each is read through :class:`~kp_tools.client.KPainterClient` (its error mapping and retry: what
agents get) and fetched raw (what came over the wire), so a line can say both what the toolkit
concluded and why. Nothing here spends credits: every request is a GET.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from kp_tools.api_contract import API_PREFIX, LEGACY_TYPE_ALIASES, PATHS
from kp_tools.cli.doctor.checks import Report, names
from kp_tools.cli.doctor.connection import connection_check
from kp_tools.cli.doctor.fetch import Answer, Fetcher
from kp_tools.cli.doctor.generation import generation_check
from kp_tools.cli.doctor.shapes import shape
from kp_tools.client import ENV_BASE_URL, KPainterClient
from kp_tools.errors import ERRORS, KPainterError
from kp_tools.keys import ApiKey
from kp_tools.models import Catalog, CreationDetail, CreationPage, Health, Me

__all__ = ["check_api"]

T = TypeVar("T")


async def check_api(
    report: Report, client: KPainterClient, fetch: Fetcher, key: ApiKey | None
) -> None:
    """Every endpoint, each as the client reads it and as its raw shape, then the generation."""
    health = await fetch.get(PATHS["health"], keyed=False)
    if not connection_check(report, health, client.base_url, fetch):
        return
    _status_check(report, "/health", health)
    shape(report, "/health", Health, health)
    if key is None or not key.sendable:
        report.add("/me", "skip", "needs a key (see the key line)")
        return
    me = await fetch.get(PATHS["me"])
    verified = await _me_check(report, client, key, me)
    shape(report, "/me", Me, me)
    if verified is False:
        report.add("/catalog", "skip", "needs a key KPainter accepts (see /me)")
        return
    catalog = await fetch.get(PATHS["catalog"])
    await _catalog_check(report, client, key, catalog)
    shape(report, "/catalog", Catalog, catalog)
    creations = await fetch.get(PATHS["creations"] + "?page_size=1")
    first = await _creations_check(report, client, key, creations)
    shape(report, "/creations", CreationPage, creations)
    if first is not None:
        detail = await fetch.get(PATHS["creation"].format(creation_id=first))
        shape(report, "/creations/{id}", CreationDetail, detail)
    generation_check(report, client.base_url, health, me, catalog, creations)


async def _through_client(
    report: Report, name: str, raw: Answer, read: Awaitable[T]
) -> T | KPainterError:
    """What the client read, or its error as a ``FAIL`` line (returned, for its status)."""
    try:
        value = await read
    except KPainterError as error:
        _error_line(report, name, error)
        return error
    _flaky(report, name, raw)
    return value


def _flaky(report: Report, name: str, raw: Answer) -> None:
    """The toolkit got an answer, but the raw request before it did not: intermittent."""
    if raw.ok:
        return
    got = f"HTTP {raw.status}" if raw.status is not None else type(raw.error).__name__
    report.add(
        name,
        "warn",
        f"a first request got {got}; the toolkit's retry got through",
        "Intermittent trouble upstream or on the way; if it keeps happening, check the proxy "
        "or try later.",
    )


def _status_check(report: Report, name: str, answer: Answer) -> None:
    status = answer.status or 0
    if answer.ok:
        report.add(name, "pass", f"HTTP {status}")
    elif 300 <= status < 400:
        report.add(
            name,
            "fail",
            f"HTTP {status}: redirected to {answer.location}; kp-tools does not follow redirects",
            f"Set {ENV_BASE_URL} to where it points.",
        )
    else:
        report.add(name, "fail", f"HTTP {status}", _fix_for_status(status))


def _fix_for_status(status: int) -> str | None:
    if status == 404:
        return f"Nothing at this path: check that {ENV_BASE_URL} is the API root ({API_PREFIX})."
    if status >= 500 or status == 429:
        return "KPainter is having trouble or limiting requests; try again in a minute."
    return None


def _error_line(report: Report, name: str, error: KPainterError) -> None:
    info = ERRORS[error.code]
    status = f"HTTP {error.status}, " if error.status else ""
    fix = info.tell_user or (_fix_for_status(error.status) if error.status else None)
    if error.retry_after is not None:
        fix = f"Wait {error.retry_after:g} s and run kp-tools doctor again."
    report.add(name, "fail", f"{status}{error.code.value}: {error.message}", fix)


async def _me_check(
    report: Report, client: KPainterClient, key: ApiKey, raw: Answer
) -> bool | None:
    """The account behind the key. False: the key is refused (no keyed check can work)."""
    me = await _through_client(report, "/me", raw, client.me(key))
    if isinstance(me, KPainterError):
        return False if me.status == 401 else None
    who = me.name or me.email or (f"user {me.user_id}" if me.user_id is not None else "someone")
    plan = f", {me.plan} plan" if me.plan else ""
    credits = "credits unknown" if me.credits is None else f"{me.credits} credits"
    can = {
        True: "can manage creations",
        False: "cannot manage creations",
        None: "permission unknown",
    }
    report.add(
        "/me", "pass", f"valid key for {who}{plan}, {credits}, {can[me.can_manage_creations]}"
    )
    blocking = me.blocking_code()
    if blocking is not None:
        report.add("account", "warn", ERRORS[blocking].message, ERRORS[blocking].tell_user)
        return True
    unsaid = [
        what
        for what, value in (
            ("the credits", me.credits),
            ("whether the key may create", me.can_manage_creations),
        )
        if value is None
    ]
    if unsaid:
        report.add(
            "account",
            "warn",
            "the answer does not say " + " or ".join(unsaid),
            "kp-tools cannot check it before spending; see the /me shape line.",
        )
    return True


async def _catalog_check(report: Report, client: KPainterClient, key: ApiKey, raw: Answer) -> None:
    catalog = await _through_client(report, "/catalog", raw, client.catalog(key))
    if isinstance(catalog, KPainterError):
        return
    types = [entry.type for entry in catalog.content_types]
    if not types:
        report.add(
            "/catalog",
            "fail",
            "no content types: agents could not create anything",
            "Report it to KPainter support.",
        )
        return
    report.add(
        "/catalog",
        "pass",
        f"{len(types)} content types ({names(types)}), {len(catalog.languages)} languages, "
        f"{len(catalog.voices)} voices, {len(catalog.styles)} styles",
    )
    legacy = [name for name in types if name in LEGACY_TYPE_ALIASES]
    if legacy:
        report.add(
            "/catalog",
            "info",
            f"lists legacy type names ({names(legacy)}); kp-tools maps them to "
            + names([LEGACY_TYPE_ALIASES[name] for name in legacy]),
        )


async def _creations_check(
    report: Report, client: KPainterClient, key: ApiKey, raw: Answer
) -> str | None:
    """The creations list; the first creation's id, if there is one, for the detail check."""
    page = await _through_client(
        report, "/creations", raw, client.list_creations(key, {"page_size": 1})
    )
    if isinstance(page, KPainterError):
        return None
    total = page.total if page.total is not None else f"{len(page.items)}+"
    report.add("/creations", "pass", f"the list answers ({total} creations)")
    return str(page.items[0].creation_id) if page.items else None
