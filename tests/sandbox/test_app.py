"""kp_tools.sandbox.app: the sandbox answers like the KPainter OpenAPI over HTTP.

Shapes, error model, ownership, credits, paging, and the ``/_sandbox`` controls.
"""

from __future__ import annotations

import httpx
import pytest

from kp_tools import Sandbox
from kp_tools.sandbox import IN_PROCESS_BASE_URL
from tests.conftest import BROKE, FREE, MEMBER, READONLY, REVOKED
from tests.sandbox.conftest import key


async def test_health_needs_no_key(http: httpx.AsyncClient) -> None:
    response = await http.get("/health")
    assert response.status_code == 200 and response.json()["status"] == "ok"


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "missing_api_key"),
        (key("kgp_nobody"), "invalid_api_key"),
        (key(REVOKED), "invalid_api_key"),
    ],
)
async def test_keys_are_checked_with_the_documented_error_body(
    http: httpx.AsyncClient, headers: dict[str, str], code: str
) -> None:
    response = await http.get("/me", headers=headers)
    assert response.status_code == 401
    assert response.json()["detail"]["code"] == code


async def test_bearer_is_accepted_too(http: httpx.AsyncClient) -> None:
    response = await http.get("/me", headers={"Authorization": f"Bearer {MEMBER}"})
    assert response.json()["credits"] == 1000


async def test_catalog_lists_canonical_types_only(http: httpx.AsyncClient) -> None:
    catalog = (await http.get("/catalog", headers=key(MEMBER))).json()
    types = [entry["type"] for entry in catalog["content_types"]]
    assert types == [
        "explainer_video",
        "slides_video",
        "vector_animation",
        "slide_deck",
        "image",
        "interactive_lesson",
    ]


async def test_validation_errors_use_the_fastapi_list_form(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/creations",
        headers=key(MEMBER),
        json={"type": "explainer_video", "prompt": "x", "scene_count": 3},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "scene_count"]


async def test_creating_debits_credits_and_refuses_when_short(
    http: httpx.AsyncClient, sandbox: Sandbox
) -> None:
    ok = await http.post(
        "/creations", headers=key(MEMBER), json={"type": "slide_deck", "prompt": "Budget"}
    )
    assert ok.status_code == 200 and set(ok.json()) >= {"job_id", "creation_id"}
    assert sandbox.account(MEMBER).credits == 985
    broke = await http.post(
        "/creations", headers=key(BROKE), json={"type": "slide_deck", "prompt": "Budget"}
    )
    assert broke.status_code == 402 and broke.json()["detail"]["code"] == "insufficient_credits"


async def test_permissions_and_member_only_options_are_403(http: httpx.AsyncClient) -> None:
    readonly = await http.post(
        "/creations", headers=key(READONLY), json={"type": "image", "prompt": "x"}
    )
    assert readonly.status_code == 403
    free = await http.post(
        "/creations",
        headers=key(FREE),
        json={
            "type": "image",
            "prompt": "x",
            "image_generation": {"model": "gpt-image-2", "quality": "high"},
        },
    )
    assert free.status_code == 403 and "members only" in free.json()["detail"]["message"]


async def test_creations_belong_to_their_owner(http: httpx.AsyncClient) -> None:
    created = (
        await http.post("/creations", headers=key(MEMBER), json={"type": "image", "prompt": "x"})
    ).json()
    other = await http.get(f"/creations/{created['creation_id']}", headers=key(FREE))
    assert other.status_code == 404
    assert (await http.get("/creations", headers=key(FREE))).json()["total"] == 0


async def test_jobs_advance_with_time() -> None:
    now = [0.0]
    sandbox = Sandbox(job_seconds=10, clock=lambda: now[0])
    async with httpx.AsyncClient(transport=sandbox.transport, base_url=IN_PROCESS_BASE_URL) as http:
        created = (
            await http.post(
                "/creations", headers=key(MEMBER), json={"type": "image", "prompt": "x"}
            )
        ).json()
        job = f"/creations/jobs/{created['job_id']}"
        assert (await http.get(job, headers=key(MEMBER))).json()["status"] == "queued"
        now[0] = 5
        halfway = (await http.get(job, headers=key(MEMBER))).json()
        assert (halfway["status"], halfway["progress"]) == ("processing", 50)
        now[0] = 10
        assert (await http.get(job, headers=key(MEMBER))).json()["status"] == "succeeded"
        detail = (
            await http.get(f"/creations/{created['creation_id']}", headers=key(MEMBER))
        ).json()
        assert detail["status"] == "ready" and detail["main_url"].endswith("/main.svg")


async def test_list_filters_and_pages(http: httpx.AsyncClient) -> None:
    for prompt in ("Apples", "Bananas", "Cherries"):
        await http.post(
            "/creations", headers=key(MEMBER), json={"type": "slide_deck", "prompt": prompt}
        )
    await http.post("/creations", headers=key(MEMBER), json={"type": "image", "prompt": "Apples"})
    page = (await http.get("/creations?type=slide_deck&page_size=2", headers=key(MEMBER))).json()
    assert page["total"] == 3 and [i["title"] for i in page["items"]] == ["Cherries", "Bananas"]
    found = (await http.get("/creations?query=apple", headers=key(MEMBER))).json()
    assert found["total"] == 2
    bad = await http.get("/creations?page_size=500", headers=key(MEMBER))
    assert bad.status_code == 422


async def test_top_up_and_request_log_over_http(http: httpx.AsyncClient, sandbox: Sandbox) -> None:
    await http.post("http://kp-sandbox/_sandbox/top-up", json={"key": BROKE, "credits": 50})
    assert sandbox.account(BROKE).credits == 50
    log = (await http.get("http://kp-sandbox/_sandbox/requests")).json()["requests"]
    assert log == []  # admin calls are not API requests
