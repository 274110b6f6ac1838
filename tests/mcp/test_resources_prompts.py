"""Resources and prompts: built from the specs and the catalog, canonical type names only."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest
from mcp.shared.exceptions import MCPError
from mcp.types import INTERNAL_ERROR, INVALID_PARAMS, TextContent, TextResourceContents

from kp_tools import SPECS, Executor, Sandbox
from kp_tools.api_contract import LEGACY_TYPE_ALIASES
from kp_tools.guide import INSTRUCTIONS, STOP_RULES, WORKFLOW
from kp_tools.sandbox import CATALOG, Fault
from tests.conftest import MEMBER, REVOKED
from tests.mcp.conftest import connect, payload

pytestmark = pytest.mark.asyncio

CANONICAL = {entry["type"] for entry in CATALOG["content_types"]}


def text_of(contents: Sequence[object]) -> str:
    (content,) = contents
    assert isinstance(content, TextResourceContents)
    return content.text


async def test_resources_and_the_creation_template_are_listed(sandbox: Sandbox, mode: str) -> None:
    async with connect(Executor.for_sandbox(sandbox), mode) as client:
        uris = {str(r.uri) for r in (await client.list_resources()).resources}
        templates = (await client.list_resource_templates()).resource_templates
    assert {"kpainter://catalog", "kpainter://content-types", "kpainter://guide"} <= uris
    assert [t.uri_template for t in templates] == ["kpainter://creations/{creation_id}"]


async def test_the_catalog_is_read_with_the_servers_default_key(
    sandbox: Sandbox, mode: str
) -> None:
    """A host reads it for discovery before the model has called anything (no kp_me gate)."""
    executor = Executor.for_sandbox(sandbox, api_key=MEMBER)
    async with connect(executor, mode) as client:
        result = await client.read_resource("kpainter://catalog")
    catalog = json.loads(text_of(result.contents))
    assert {t["type"] for t in catalog["content_types"]} == CANONICAL
    assert sandbox.count("GET", "/catalog") == 1
    assert sandbox.count("GET", "/me") == 0


async def test_content_types_are_canonical_with_their_legacy_aliases(
    sandbox: Sandbox, mode: str
) -> None:
    executor = Executor.for_sandbox(sandbox, api_key=MEMBER)
    async with connect(executor, mode) as client:
        result = await client.read_resource("kpainter://content-types")
    body = json.loads(text_of(result.contents))
    by_type = {t["type"]: t["legacy_aliases"] for t in body["content_types"]}
    assert set(by_type) == CANONICAL
    for alias, canonical in LEGACY_TYPE_ALIASES.items():
        assert alias in by_type[canonical]
        assert alias not in by_type


async def test_a_creation_is_readable_through_the_template(sandbox: Sandbox, mode: str) -> None:
    executor = Executor.for_sandbox(sandbox, api_key=MEMBER)
    async with connect(executor, mode) as client:
        await client.call_tool("kp_me", {})
        started = payload(
            await client.call_tool(
                "kp_create_creation", {"type": "slide_deck", "prompt": "Rivers", "scene_count": 2}
            )
        )
        creation_id = started["result"]["creation_id"]
        result = await client.read_resource(f"kpainter://creations/{creation_id}")
    detail = json.loads(text_of(result.contents))
    assert detail["creation_id"] == creation_id and detail["type"] == "slide_deck"


async def test_resource_failures_are_protocol_errors_that_say_why(
    sandbox: Sandbox, mode: str
) -> None:
    async with connect(Executor.for_sandbox(sandbox), mode) as client:
        with pytest.raises(MCPError) as no_key:
            await client.read_resource("kpainter://catalog")
        with pytest.raises(MCPError) as unknown:
            await client.read_resource("kpainter://nothing-here")
        with pytest.raises(MCPError) as bad_id:
            await client.read_resource("kpainter://creations/not-a-number")
    assert no_key.value.code == INVALID_PARAMS
    assert no_key.value.message.startswith("missing_api_key")
    assert no_key.value.data["error"]["code"] == "missing_api_key"
    assert unknown.value.code == INVALID_PARAMS
    assert bad_id.value.data["error"]["code"] == "invalid_arguments"


async def test_a_revoked_default_key_reading_a_resource_is_reported_without_the_key(
    sandbox: Sandbox, mode: str
) -> None:
    async with connect(Executor.for_sandbox(sandbox, api_key=REVOKED), mode) as client:
        with pytest.raises(MCPError) as error:
            await client.read_resource("kpainter://catalog")
    assert error.value.data["error"]["code"] == "invalid_api_key"
    assert REVOKED not in json.dumps(error.value.error.model_dump())


async def test_the_guide_resource_is_the_server_instructions(sandbox: Sandbox, mode: str) -> None:
    async with connect(Executor.for_sandbox(sandbox), mode) as client:
        result = await client.read_resource("kpainter://guide")
    assert text_of(result.contents) == INSTRUCTIONS


async def test_guided_prompts_are_listed_with_their_arguments(sandbox: Sandbox, mode: str) -> None:
    async with connect(Executor.for_sandbox(sandbox), mode) as client:
        prompts = {p.name: p for p in (await client.list_prompts()).prompts}
    assert {"create_explainer_video", "create_slide_deck"} <= set(prompts)
    video = prompts["create_explainer_video"]
    assert [(a.name, a.required) for a in video.arguments or []] == [
        ("topic", True),
        ("language", False),
        ("duration_seconds", False),
    ]
    assert "scene_count" in [a.name for a in prompts["create_slide_deck"].arguments or []]


async def test_a_prompt_expands_into_the_workflow_with_the_users_choices(
    sandbox: Sandbox, mode: str
) -> None:
    async with connect(Executor.for_sandbox(sandbox), mode) as client:
        result = await client.get_prompt(
            "create_explainer_video",
            {
                "topic": "Photosynthesis for 10-year-olds",
                "language": "en",
                "duration_seconds": "45",
            },
        )
    (message,) = result.messages
    assert message.role == "user" and isinstance(message.content, TextContent)
    text = message.content.text
    assert "Photosynthesis for 10-year-olds" in text
    steps = [
        "kp_me",
        "kp_get_catalog",
        "kp_create_creation",
        "kp_get_job_status",
        "kp_get_creation",
    ]
    positions = [text.index(step) for step in steps]
    assert positions == sorted(positions)
    assert 'type="explainer_video"' in text and "duration_seconds=45" in text


async def test_prompt_arguments_are_checked(sandbox: Sandbox, mode: str) -> None:
    async with connect(Executor.for_sandbox(sandbox), mode) as client:
        with pytest.raises(MCPError, match="scene_count must be a positive whole number"):
            await client.get_prompt("create_slide_deck", {"topic": "Tides", "scene_count": "lots"})
        with pytest.raises(MCPError, match="topic is required"):
            await client.get_prompt("create_slide_deck", {"topic": " "})
        with pytest.raises(MCPError, match="Unknown prompt"):
            await client.get_prompt("create_everything", {"topic": "x"})


@pytest.mark.parametrize("size", ["0", "²", "٣", "3.0", "9" * 5000])
async def test_a_size_that_is_not_a_plain_positive_number_is_invalid_params(
    sandbox: Sandbox, mode: str, size: str
) -> None:
    async with connect(Executor.for_sandbox(sandbox), mode) as client:
        with pytest.raises(MCPError, match="scene_count must be a positive whole number") as error:
            await client.get_prompt("create_slide_deck", {"topic": "Tides", "scene_count": size})
    assert error.value.code == INVALID_PARAMS


async def test_the_server_instructions_describe_the_workflow(sandbox: Sandbox, mode: str) -> None:
    async with connect(Executor.for_sandbox(sandbox), mode) as client:
        instructions = client.instructions or ""
    assert instructions == INSTRUCTIONS
    assert instructions.index("kp_me") < instructions.index("kp_create_creation")


async def test_every_resource_is_declared_by_the_spec_it_reads(sandbox: Sandbox, mode: str) -> None:
    """The adapter lists what the specs declare, and nothing for a tool it does not serve."""
    declared = {view.uri for spec in SPECS.values() for view in spec.resources}
    without_catalog = {n: s for n, s in SPECS.items() if n != "kp_get_catalog"}
    async with connect(Executor.for_sandbox(sandbox), mode) as client:
        listed = {str(r.uri) for r in (await client.list_resources()).resources}
        templated = {
            t.uri_template for t in (await client.list_resource_templates()).resource_templates
        }
    async with connect(Executor.for_sandbox(sandbox, specs=without_catalog), mode) as client:
        fewer = {str(r.uri) for r in (await client.list_resources()).resources}
    assert declared == (listed | templated) - {"kpainter://guide"}
    assert fewer == {"kpainter://guide"}


async def test_a_garbled_upstream_answer_to_a_resource_read_is_an_internal_error(
    sandbox: Sandbox, mode: str
) -> None:
    """The error table says upstream failures are the serving side's fault, not the request's."""
    sandbox.faults.add(Fault("malformed", path="/catalog", times=None))
    async with connect(Executor.for_sandbox(sandbox, api_key=MEMBER), mode) as client:
        with pytest.raises(MCPError) as error:
            await client.read_resource("kpainter://catalog")
    assert error.value.code == INTERNAL_ERROR
    assert error.value.data["error"]["code"] == "upstream_error"


async def test_a_guided_prompt_exists_for_each_type_the_catalog_sizes(
    sandbox: Sandbox, mode: str
) -> None:
    sized = {
        entry["type"]: field
        for entry in CATALOG["content_types"]
        for field in ("duration_seconds", "scene_count")
        if entry.get(field)
    }
    async with connect(Executor.for_sandbox(sandbox), mode) as client:
        prompts = (await client.list_prompts()).prompts
    assert {p.name: (p.arguments or [])[-1].name for p in prompts} == {
        f"create_{kind}": field for kind, field in sized.items()
    }


async def test_a_prompt_walks_the_guides_steps_for_a_first_creation(
    sandbox: Sandbox, mode: str
) -> None:
    async with connect(Executor.for_sandbox(sandbox), mode) as client:
        result = await client.get_prompt("create_slide_deck", {"topic": "Tides"})
    (message,) = result.messages
    assert isinstance(message.content, TextContent)
    text = message.content.text
    first = [step for step in WORKFLOW if step.first_creation]
    positions = [text.index(f"{n}. {step.text}") for n, step in enumerate(first, start=1)]
    assert positions == sorted(positions)
    assert "kp_edit_scene" not in text.split(STOP_RULES)[0]
    assert "scene_count: the catalog's default" in text


async def test_an_unknown_name_is_refused_without_echoing_a_pasted_key(
    sandbox: Sandbox, mode: str
) -> None:
    pasted = "kgp_live_" + "q" * 24
    async with connect(Executor.for_sandbox(sandbox), mode) as client:
        with pytest.raises(MCPError) as resource:
            await client.read_resource(f"kpainter://{pasted}")
        with pytest.raises(MCPError) as prompt:
            await client.get_prompt(pasted, {"topic": "x"})

    for refused in (resource.value, prompt.value):
        assert refused.code == INVALID_PARAMS
        assert pasted not in refused.message
        assert pasted not in json.dumps(refused.data)
