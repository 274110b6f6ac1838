"""``completion/complete`` through a real mcp 2.x client, on both connection modes.

The server's own prompts and templates are completed through ``build_server``; the arguments no
guided prompt declares yet (type, aspect ratio, voice, style) through a server whose one prompt
declares them all, wired to the same :class:`CompletionHandlers`. Expected values are read from
the sandbox's catalog, so the tests follow the catalog rather than a copy of it.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import Any

import pytest
from mcp import Client, MCPError
from mcp.server import Server, ServerRequestContext
from mcp.types import (
    INVALID_PARAMS,
    Completion,
    PromptReference,
    ResourceTemplateReference,
)

from kp_tools import Executor, Sandbox
from kp_tools.catalog import CONTENT_TYPES
from kp_tools.mcp import build_server
from kp_tools.mcp.completions import COMPLETERS, CompletionHandlers, CompletionTarget
from kp_tools.models import Catalog
from kp_tools.specs import SPECS
from tests.conftest import FREE, MEMBER, REVOKED

CREATION = ResourceTemplateReference(uri="kpainter://creations/{creation_id}")
EXPLAINER = PromptReference(name="create_explainer_video")
EVERYTHING = PromptReference(name="make")
CHOICES = frozenset({"type", "language", "aspect_ratio", "voice_id", "style_id", "topic"})


def sandbox_executor(api_key: str | None = MEMBER) -> Executor:
    return Executor.for_sandbox(Sandbox(job_seconds=0), api_key=api_key)


async def sandbox_catalog() -> Catalog:
    executor = sandbox_executor()
    await executor.run("kp_me")
    outcome = await executor.run("kp_get_catalog")
    await executor.aclose()
    return Catalog.model_validate(outcome.data)


@contextlib.asynccontextmanager
async def everything_server(executor: Executor, mode: str) -> AsyncIterator[Client]:
    """A server whose one prompt, ``make``, declares every completable choice."""

    async def targets(ctx: ServerRequestContext[Any, Any]) -> Mapping[Any, CompletionTarget]:
        return {("ref/prompt", "make"): CompletionTarget(CHOICES)}

    server = Server("t", on_completion=CompletionHandlers(executor, targets).complete)
    async with Client(server, mode=mode, raise_exceptions=True) as client:
        yield client


async def complete(
    client: Client,
    ref: PromptReference | ResourceTemplateReference,
    argument: str,
    typed: str = "",
    **context: str,
) -> Completion:
    answer = await client.complete(ref, {"name": argument, "value": typed}, context or None)
    return answer.completion


async def test_a_guided_prompt_completes_languages_from_the_catalog(mode: str) -> None:
    catalog = await sandbox_catalog()
    executor = sandbox_executor()
    async with Client(build_server(executor), mode=mode) as client:
        every = await complete(client, EXPLAINER, "language")
        starting_with_e = await complete(client, EXPLAINER, "language", "E")
    await executor.aclose()
    assert every.values == [language.code for language in catalog.languages]
    assert starting_with_e.values == [c for c in every.values if c.startswith("e")]
    assert starting_with_e.values  # the sandbox has en and es
    assert starting_with_e.total == len(starting_with_e.values)


async def test_creation_ids_complete_from_the_users_own_list_only(mode: str) -> None:
    executor = sandbox_executor()
    await executor.run("kp_me")
    mine = [
        (await executor.run("kp_create_creation", {"type": "image", "prompt": p})).data
        for p in ("A lighthouse", "A harbour")
    ]
    await executor.run("kp_me", api_key=FREE)
    theirs = await executor.run(
        "kp_create_creation", {"type": "image", "prompt": "A barn"}, api_key=FREE
    )
    async with Client(build_server(executor), mode=mode) as client:
        ids = await complete(client, CREATION, "creation_id")
    await executor.aclose()
    assert {str(m["creation_id"]) for m in mine if m} <= set(ids.values)
    assert theirs.data is not None and str(theirs.data["creation_id"]) not in ids.values


async def test_the_type_chosen_so_far_narrows_ratios_voices_and_styles(mode: str) -> None:
    catalog = await sandbox_catalog()
    image = catalog.content_type("image")
    deck = catalog.content_type("slide_deck")
    assert image is not None and deck is not None
    executor = sandbox_executor()
    async with everything_server(executor, mode) as client:
        types = await complete(client, EVERYTHING, "type", "s")
        image_ratios = await complete(client, EVERYTHING, "aspect_ratio", type="image")
        deck_ratios = await complete(client, EVERYTHING, "aspect_ratio", type="slide_deck")
        deck_voices = await complete(client, EVERYTHING, "voice_id", type="slide_deck")
        deck_styles = await complete(client, EVERYTHING, "style_id", type="slide_deck")
        legacy_styles = await complete(client, EVERYTHING, "style_id", type="knowledge_video")
        any_voice = await complete(client, EVERYTHING, "voice_id", "v_en")
    await executor.aclose()
    assert types.values == [e.type for e in catalog.content_types if e.type.startswith("s")]
    assert image_ratios.values == image.aspect_ratios
    assert deck_ratios.values == deck.aspect_ratios
    assert deck_voices.values == []  # a deck has no narration
    assert deck_styles.values == [s.style_id for s in catalog.styles if "slide_deck" in s.types]
    # A legacy name chosen in the form is read as its canonical type.
    explainer_styles = [s.style_id for s in catalog.styles if "explainer_video" in s.types]
    assert legacy_styles.values == explainer_styles
    assert any_voice.values == [v.voice_id for v in catalog.voices if v.voice_id.startswith("v_en")]


@pytest.mark.parametrize("key", [None, REVOKED])
async def test_without_a_usable_key_only_the_documented_type_names_are_offered(
    mode: str, key: str | None
) -> None:
    executor = sandbox_executor(api_key=key)
    async with everything_server(executor, mode) as client:
        types = await complete(client, EVERYTHING, "type")
        languages = await complete(client, EVERYTHING, "language")
    await executor.aclose()
    assert types.values == [facts.type for facts in CONTENT_TYPES]
    assert "knowledge_video" not in types.values  # canonical names only
    assert languages.values == []


async def test_a_free_text_argument_completes_to_nothing(mode: str) -> None:
    executor = sandbox_executor()
    async with Client(build_server(executor), mode=mode) as client:
        topic = await complete(client, EXPLAINER, "topic", "Why")
    await executor.aclose()
    assert topic.values == []


@pytest.mark.parametrize(
    ("ref", "argument", "says"),
    [
        (PromptReference(name="create_a_symphony"), "language", "Unknown prompt"),
        (ResourceTemplateReference(uri="kpainter://nothing/{id}"), "id", "Unknown resource"),
        (EXPLAINER, "api_key", "has no argument 'api_key'"),
        (CREATION, "scene_id", "has no argument 'scene_id'"),
    ],
)
async def test_an_unknown_reference_or_argument_is_invalid_params_and_the_server_goes_on(
    mode: str, ref: PromptReference | ResourceTemplateReference, argument: str, says: str
) -> None:
    executor = sandbox_executor()
    async with Client(build_server(executor), mode=mode) as client:
        with pytest.raises(MCPError) as refused:
            await complete(client, ref, argument)
        after = await complete(client, EXPLAINER, "language", "en")
    await executor.aclose()
    assert refused.value.code == INVALID_PARAMS
    assert says in refused.value.message
    assert after.values == ["en"]


async def test_the_server_advertises_completions(mode: str) -> None:
    executor = sandbox_executor()
    async with Client(build_server(executor), mode=mode) as client:
        capabilities = client.server_capabilities
    await executor.aclose()
    assert capabilities is not None and capabilities.completions is not None


def test_every_completed_argument_is_an_argument_of_some_tool() -> None:
    """A rename in the specs must not leave a completion nobody asks for."""
    arguments = {name for spec in SPECS.values() for name in spec.input_model.model_fields}
    assert set(COMPLETERS) <= arguments


async def test_completing_as_the_user_types_reads_the_catalog_once(mode: str) -> None:
    sandbox = Sandbox(job_seconds=0)
    executor = Executor.for_sandbox(sandbox, api_key=MEMBER)
    async with Client(build_server(executor), mode=mode) as client:
        for typed in ("", "e", "en"):
            await complete(client, EXPLAINER, "language", typed)
    await executor.aclose()

    assert sandbox.count("GET", "/catalog") == 1
