"""The eight tools over MCP, through the in-memory client in both modes (auto and legacy).

What an MCP host sees: tool definitions with titles, annotations and schemas; results whose
structured content matches the advertised schema and whose text block says the same; failures as
isError results with the outcome's code, never JSON-RPC errors.
"""

from __future__ import annotations

from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
from mcp.client import Client
from mcp.types import Tool
from pydantic import BaseModel

from kp_tools import SPECS, Effect, Executor, Sandbox, ToolSpec
from kp_tools.mcp import build_server
from kp_tools.mcp.tools import outcome_model, tool_output_schema
from kp_tools.sandbox import FAIL_MARKER
from kp_tools.specs import NoArguments, ToolContext
from tests.conftest import BROKE, MEMBER, READONLY, REVOKED
from tests.mcp.conftest import connect, error_code, payload

SLIDES = {
    "type": "slides_video",
    "prompt": "How vaccines train the immune system",
    "scene_count": 3,
}


async def tools_by_name(client: Client) -> dict[str, Tool]:
    return {tool.name: tool for tool in (await client.list_tools()).tools}


async def test_both_protocol_revisions_are_served(executor: Executor, mode: str) -> None:
    async with connect(executor, mode) as client:
        expected = {"auto": "2026-07-28", "legacy": "2025-11-25"}[mode]
        assert client.protocol_version == expected


async def test_every_spec_is_listed_with_title_annotations_and_schemas(
    executor: Executor, mode: str
) -> None:
    async with connect(executor, mode) as client:
        tools = await tools_by_name(client)
        assert list(tools) == list(SPECS)
        for name, tool in tools.items():
            spec = SPECS[name]
            assert tool.title == spec.title
            assert tool.annotations is not None
            assert tool.annotations.read_only_hint is spec.read_only
            assert tool.annotations.destructive_hint is spec.destructive
            assert tool.annotations.idempotent_hint is spec.idempotent
            assert tool.annotations.open_world_hint is True
            assert tool.input_schema["type"] == "object"
            assert tool.input_schema["properties"]["api_key"]["type"] == "string"
            assert "api_key" not in tool.input_schema.get("required", [])
            assert tool.output_schema is not None and tool.output_schema["type"] == "object"


async def test_annotations_follow_the_effect_of_each_tool(executor: Executor, mode: str) -> None:
    async with connect(executor, mode) as client:
        hints = {
            name: (t.annotations.read_only_hint, t.annotations.destructive_hint)
            for name, t in (await tools_by_name(client)).items()
            if t.annotations is not None
        }
        assert hints["kp_get_catalog"] == (True, False)
        assert hints["kp_create_creation"] == (False, False)  # spends credits, only adds
        assert hints["kp_edit_scene"] == (False, True)  # replaces a scene in place


async def test_the_documented_workflow_end_to_end(executor: Executor, mode: str) -> None:
    async with connect(executor, mode) as client:
        me = payload(await client.call_tool("kp_me", {"api_key": MEMBER}))
        assert me["ok"] and me["result"]["name"] == "Ada Member"
        assert "kp_get_catalog" in me["next_step"]

        catalog = payload(await client.call_tool("kp_get_catalog", {"api_key": MEMBER}))
        assert "slides_video" in [t["type"] for t in catalog["result"]["content_types"]]

        started = payload(
            await client.call_tool("kp_create_creation", {**SLIDES, "api_key": MEMBER})
        )
        job_id, creation_id = started["result"]["job_id"], started["result"]["creation_id"]

        job = await client.call_tool(
            "kp_get_job_status", {"job_id": job_id, "wait_seconds": 5, "api_key": MEMBER}
        )
        assert payload(job)["result"]["done"] is True

        detail = payload(
            await client.call_tool(
                "kp_get_creation", {"creation_id": creation_id, "api_key": MEMBER}
            )
        )["result"]
        assert detail["status"] == "ready" and detail["main_url"].startswith("http")
        scene = detail["scenes"][0]["scene_id"]

        edit = await client.call_tool(
            "kp_edit_scene",
            {
                "creation_id": creation_id,
                "scene_id": scene,
                "action": "update_scene_narration",
                "narration_text": "Antibodies remember the shape of the virus.",
                "api_key": MEMBER,
            },
        )
        assert not edit.is_error, payload(edit)
        listed = payload(await client.call_tool("kp_list_creations", {"api_key": MEMBER}))
        assert [c["creation_id"] for c in listed["result"]["items"]] == [creation_id]


async def test_a_keyed_tool_before_kp_me_is_an_error_result_not_a_protocol_error(
    executor: Executor, mode: str, sandbox: Sandbox
) -> None:
    async with connect(executor, mode) as client:
        result = await client.call_tool("kp_create_creation", {**SLIDES, "api_key": MEMBER})
        assert error_code(result) == "kp_me_required"
        assert "kp_me" in payload(result)["error"]["message"]
        assert sandbox.count(path="/creations") == 0


async def test_kp_health_needs_no_key(executor: Executor, mode: str) -> None:
    async with connect(executor, mode) as client:
        result = await client.call_tool("kp_health", {})
        assert payload(result) == {
            "ok": True,
            "result": {"status": "ok", "service": "kpainter-sandbox"},
        }


async def test_no_key_anywhere_is_missing_api_key_with_what_to_do(
    executor: Executor, mode: str
) -> None:
    async with connect(executor, mode) as client:
        result = await client.call_tool("kp_me", {})
        assert error_code(result) == "missing_api_key"
        error = payload(result)["error"]
        assert error["must_stop"] is True and "PARTNER_MCP_DEFAULT_API_KEY" in error["tell_user"]


async def test_a_revoked_key_is_invalid_api_key_and_must_stop(
    executor: Executor, mode: str
) -> None:
    async with connect(executor, mode) as client:
        result = await client.call_tool("kp_me", {"api_key": REVOKED})
        assert error_code(result) == "invalid_api_key"
        assert payload(result)["error"]["must_stop"] is True


async def test_a_key_without_credits_is_halted_before_anything_is_sent(
    executor: Executor, mode: str, sandbox: Sandbox
) -> None:
    async with connect(executor, mode) as client:
        me = payload(await client.call_tool("kp_me", {"api_key": BROKE}))
        assert me["next_step"].startswith("STOP")
        result = await client.call_tool("kp_create_creation", {**SLIDES, "api_key": BROKE})
        assert error_code(result) == "insufficient_credits"
        assert payload(result)["error"]["must_stop"] is True
        assert sandbox.count("POST", "/creations") == 0


async def test_a_key_that_cannot_manage_creations_stops_before_creating(
    executor: Executor, mode: str
) -> None:
    async with connect(executor, mode) as client:
        await client.call_tool("kp_me", {"api_key": READONLY})
        result = await client.call_tool("kp_create_creation", {**SLIDES, "api_key": READONLY})
        assert error_code(result) == "insufficient_permission"


async def test_invalid_arguments_name_the_field_and_the_allowed_values(
    executor: Executor, mode: str
) -> None:
    async with connect(executor, mode) as client:
        await client.call_tool("kp_me", {"api_key": MEMBER})
        result = await client.call_tool(
            "kp_create_creation", {**SLIDES, "aspect_ratio": "4:3", "api_key": MEMBER}
        )
        assert error_code(result) == "invalid_arguments"
        problems = payload(result)["error"]["problems"]
        assert problems[0]["field"] == "aspect_ratio" and "16:9" in problems[0]["allowed"]


async def test_an_unknown_argument_is_refused_but_api_key_never_is(
    executor: Executor, mode: str
) -> None:
    async with connect(executor, mode) as client:
        result = await client.call_tool("kp_me", {"api_key": MEMBER, "apikey": MEMBER})
        assert error_code(result) == "invalid_arguments"
        assert payload(result)["error"]["problems"][0]["field"] == "apikey"
        assert not (await client.call_tool("kp_me", {"api_key": MEMBER})).is_error


async def test_a_non_string_api_key_is_an_invalid_argument(executor: Executor, mode: str) -> None:
    async with connect(executor, mode) as client:
        result = await client.call_tool("kp_me", {"api_key": 12345})
        assert error_code(result) == "invalid_arguments"
        assert payload(result)["error"]["problems"][0]["field"] == "api_key"


async def test_an_unknown_tool_is_an_error_result(executor: Executor, mode: str) -> None:
    async with connect(executor, mode) as client:
        result = await client.call_tool("kp_delete_everything", {})
        assert error_code(result) == "unknown_tool"


async def test_the_key_never_appears_in_any_result(executor: Executor, mode: str) -> None:
    async with connect(executor, mode) as client:
        secret = "kgp_sandbox_member"
        results = [
            await client.call_tool("kp_me", {"api_key": secret}),
            await client.call_tool(
                "kp_create_creation", {"type": "nope", "prompt": "x", "api_key": secret}
            ),
            await client.call_tool("kp_get_creation", {"creation_id": 999, "api_key": secret}),
            await client.call_tool("kp_me", {"api_key": secret + "_typo"}),
        ]
        for result in results:
            dumped = result.model_dump_json(by_alias=True)
            assert secret not in dumped, dumped


async def test_error_results_validate_against_the_advertised_output_schema(
    executor: Executor,
    mode: str,
) -> None:
    """The SDK client skips validation on isError results; other clients do not, so check here."""
    async with connect(executor, mode) as client:
        tools = await tools_by_name(client)
        failures: dict[str, dict[str, Any]] = {
            "kp_me": {"api_key": REVOKED},
            "kp_get_catalog": {},
            "kp_create_creation": {**SLIDES, "api_key": MEMBER},
            "kp_get_job_status": {"job_id": 0},
        }
        for name, arguments in failures.items():
            result = await client.call_tool(name, arguments)
            assert result.is_error
            jsonschema.validate(payload(result), tools[name].output_schema or {})


async def test_a_failed_job_still_carries_its_last_status(executor: Executor, mode: str) -> None:
    async with connect(executor, mode) as client:
        await client.call_tool("kp_me", {"api_key": MEMBER})
        started = payload(
            await client.call_tool(
                "kp_create_creation",
                {**SLIDES, "prompt": f"{FAIL_MARKER} please", "api_key": MEMBER},
            )
        )
        result = await client.call_tool(
            "kp_get_job_status",
            {"job_id": started["result"]["job_id"], "wait_seconds": 5, "api_key": MEMBER},
        )
        assert error_code(result) == "job_failed"
        assert payload(result)["result"]["status"] == "failed"
        tools = await tools_by_name(client)
        jsonschema.validate(payload(result), tools["kp_get_job_status"].output_schema or {})


# -- a ninth spec needs no MCP change ---------------------------------------------------------


class Echoed(BaseModel):
    said: str


class EchoArguments(NoArguments):
    words: str


async def _echo(ctx: ToolContext, args: EchoArguments) -> Echoed:
    return Echoed(said=args.words)


ECHO: ToolSpec[Any, Any] = ToolSpec(
    name="kp_echo",
    title="Echo",
    description="Say it back.",
    input_model=EchoArguments,
    output_model=Echoed,
    effect=Effect.READ,
    run=_echo,
    needs_key=False,
)


async def test_a_ninth_spec_is_served_without_touching_the_mcp_layer(mode: str) -> None:
    executor = Executor.for_sandbox(specs={**SPECS, ECHO.name: ECHO})
    async with Client(build_server(executor), mode=mode, raise_exceptions=True) as client:
        tools = await tools_by_name(client)
        assert "kp_echo" in tools and tools["kp_echo"].title == "Echo"
        result = await client.call_tool("kp_echo", {"words": "hello"})
        assert payload(result) == {"ok": True, "result": {"said": "hello"}}
    await executor.aclose()


@pytest.mark.parametrize("spec", list(SPECS.values()), ids=lambda spec: spec.name)
def test_the_assembled_output_schema_is_the_one_pydantic_generates(
    spec: ToolSpec[Any, Any],
) -> None:
    generated = outcome_model(spec).model_json_schema(mode="serialization")

    assert tool_output_schema(spec) == generated
