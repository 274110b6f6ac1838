"""``completion/complete``: suggestions for prompt arguments and resource-template variables.

A host asks while the user types an argument. Which arguments complete, and from what, is one
table, :data:`COMPLETERS`, keyed by argument name (the create spec's own names: ``type``,
``language``, ``aspect_ratio``, ``voice_id``, ``style_id``; and ``creation_id``):

- content types: the catalog's canonical names (never a legacy alias);
- languages, aspect ratios, voices and styles: from the catalog, for the content type chosen
  so far (the request's context arguments, or the type a guided prompt is about);
- creation ids: from the user's own list of creations (of the chosen type, when one is).

The catalog and the list are read through the executor, as the host's reads (like resources:
no ``kp_me`` gate, everything else applies, the request's ``X-KGP-Api-Key`` header or the
server's default key). Which read gives them is found by the result model (the read spec whose
output is a :class:`~kp_tools.models.Catalog` or a :class:`~kp_tools.models.CreationPage`), so
nothing here names a tool. When that read fails (no key, an invalid key, KPainter down), the
answer falls back to what needs no key: the documented content type names, otherwise nothing.
Completion is a convenience and never an error for a reason the user cannot see.

A reference the server does not have, or an argument the reference does not declare, is a
protocol error (``-32602`` invalid params), as the MCP completion page asks.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from mcp.server import ServerRequestContext
from mcp.shared.exceptions import MCPError
from mcp.shared.uri_template import UriTemplate
from mcp.types import (
    INVALID_PARAMS,
    CompleteRequestParams,
    CompleteResult,
    Completion,
    PromptReference,
)
from pydantic import BaseModel

from kp_tools.catalog import CONTENT_TYPES, TYPE_ARGUMENT
from kp_tools.mcp.keys import header_api_key
from kp_tools.models import Catalog, ContentType, CreationPage
from kp_tools.redaction import redact

if TYPE_CHECKING:
    from kp_tools.mcp.prompts import PromptHandlers
    from kp_tools.mcp.resources import ResourceHandlers
    from kp_tools.mcp.runner import ToolRunner
    from kp_tools.specs import ToolSpec

__all__ = [
    "COMPLETERS",
    "MAX_VALUES",
    "ArgumentCompleter",
    "CompletionHandlers",
    "CompletionTarget",
    "server_targets",
]

logger = logging.getLogger("kp_tools.mcp")

MAX_VALUES: Final = 100
"""The most values one answer may carry (the MCP limit); ``total`` and ``hasMore`` say the rest."""

PROMPT: Final = "ref/prompt"
TEMPLATE: Final = "ref/resource"


@dataclass(frozen=True, slots=True)
class ArgumentCompleter:
    """Where one argument's values come from.

    ``source`` is the read result the values are taken from; ``values`` picks them, given that
    result and the content type chosen so far (``None`` when none is); ``offline`` is what can
    be offered when the result cannot be read.
    """

    source: type[BaseModel]
    values: Callable[[Any, ContentType | None], Iterable[str]]
    offline: Callable[[], Iterable[str]] = tuple


def _types(catalog: Catalog, chosen: ContentType | None) -> Iterable[str]:
    return (entry.type for entry in catalog.content_types)


def _documented_types() -> Iterable[str]:
    return (facts.type for facts in CONTENT_TYPES)


def _languages(catalog: Catalog, chosen: ContentType | None) -> Iterable[str]:
    return (language.code for language in catalog.languages)


def _aspect_ratios(catalog: Catalog, chosen: ContentType | None) -> Iterable[str]:
    entries = [chosen] if chosen is not None else catalog.content_types
    return _unique(ratio for entry in entries for ratio in entry.aspect_ratios)


def _voices(catalog: Catalog, chosen: ContentType | None) -> Iterable[str]:
    if chosen is not None and not chosen.supports_voice:
        return ()
    return (voice.voice_id for voice in catalog.voices)


def _styles(catalog: Catalog, chosen: ContentType | None) -> Iterable[str]:
    if chosen is None:
        return (style.style_id for style in catalog.styles)
    if not chosen.supports_style:
        return ()
    # A style that lists no types applies to every type that takes a style.
    return (s.style_id for s in catalog.styles if not s.types or chosen.type in s.types)


def _creation_ids(page: CreationPage, chosen: ContentType | None) -> Iterable[str]:
    items = page.items
    if chosen is not None:
        items = [item for item in items if item.type in (None, chosen.type)]
    return (str(item.creation_id) for item in items)


COMPLETERS: Final[Mapping[str, ArgumentCompleter]] = {
    TYPE_ARGUMENT: ArgumentCompleter(Catalog, _types, offline=_documented_types),
    "language": ArgumentCompleter(Catalog, _languages),
    "aspect_ratio": ArgumentCompleter(Catalog, _aspect_ratios),
    "voice_id": ArgumentCompleter(Catalog, _voices),
    "style_id": ArgumentCompleter(Catalog, _styles),
    "creation_id": ArgumentCompleter(CreationPage, _creation_ids),
}
"""Every argument that completes, by name. A declared argument not listed here (a topic, a
size) gets an empty completion: it is free text or a number, with nothing to suggest."""


@dataclass(frozen=True, slots=True)
class CompletionTarget:
    """A prompt or resource template that can be completed.

    Besides the arguments it declares, it carries the context it implies by itself: a guided
    prompt is about one content type, so its suggestions narrow to what that type takes.
    """

    arguments: frozenset[str]
    implied: Mapping[str, str] = field(default_factory=dict)


Targets = Callable[
    [ServerRequestContext[Any, Any]], Awaitable[Mapping[tuple[str, str], CompletionTarget]]
]
"""The references the server has, keyed by ``(ref type, prompt name or URI template)``."""


def server_targets(prompts: PromptHandlers, resources: ResourceHandlers) -> Targets:
    """The server's own prompts and resource templates, read from their list handlers.

    Reading the lists (rather than keeping a copy) means a prompt or template added there
    completes with no change here.
    """

    async def targets(
        ctx: ServerRequestContext[Any, Any],
    ) -> Mapping[tuple[str, str], CompletionTarget]:
        found: dict[tuple[str, str], CompletionTarget] = {}
        for prompt in (await prompts.list_prompts(ctx, None)).prompts:
            guided = prompts.guided.get(prompt.name)
            implied = {TYPE_ARGUMENT: guided.content_type} if guided is not None else {}
            names = frozenset(argument.name for argument in prompt.arguments or [])
            found[(PROMPT, prompt.name)] = CompletionTarget(names, implied)
        listed = await resources.list_resource_templates(ctx, None)
        for template in listed.resource_templates:
            variables = UriTemplate.parse(template.uri_template).variable_names
            found[(TEMPLATE, template.uri_template)] = CompletionTarget(frozenset(variables))
        return found

    return targets


class CompletionHandlers:
    """``completion/complete`` over the executor's read specs.

    Args:
        executor: runs the reads (the catalog, the user's creations).
        targets: the references that can be completed (see :func:`server_targets`).
        completers: what completes from what; :data:`COMPLETERS` unless a test says otherwise.
    """

    def __init__(
        self,
        executor: ToolRunner,
        targets: Targets,
        completers: Mapping[str, ArgumentCompleter] = COMPLETERS,
    ) -> None:
        self.executor = executor
        self.targets = targets
        self.completers = completers
        self.readers: dict[type[BaseModel], ToolSpec[Any, Any]] = {}
        for completer in completers.values():
            reader = _reader(executor.specs, completer.source)
            if reader is not None:
                self.readers[completer.source] = reader

    async def complete(
        self, ctx: ServerRequestContext[Any, Any], params: CompleteRequestParams
    ) -> CompleteResult:
        """Suggestions for the argument the user is typing, narrowed by what they chose already.

        Raises:
            MCPError: ``-32602`` for a reference the server does not have, or an argument it
                does not declare (a mistake of the host, told apart from "nothing to suggest").
        """
        ref = params.ref
        kind, name = (PROMPT, ref.name) if isinstance(ref, PromptReference) else (TEMPLATE, ref.uri)
        target = (await self.targets(ctx)).get((kind, name))
        if target is None:
            what = "prompt" if kind == PROMPT else "resource template"
            # Redacted: a reference is the caller's text, and could be a pasted key.
            raise MCPError(code=INVALID_PARAMS, message=redact(f"Unknown {what}: {name}"))
        argument = params.argument.name
        if argument not in target.arguments:
            declared = ", ".join(sorted(target.arguments)) or "none"
            raise MCPError(
                code=INVALID_PARAMS,
                message=redact(f"{name} has no argument {argument!r} (its arguments: {declared})"),
            )
        completer = self.completers.get(argument)
        if completer is None:
            return _answer([], "")
        context = {**((params.context.arguments or {}) if params.context else {}), **target.implied}
        values = await self._values(ctx, completer, context)
        return _answer(values, params.argument.value)

    async def _values(
        self,
        ctx: ServerRequestContext[Any, Any],
        completer: ArgumentCompleter,
        context: Mapping[str, str],
    ) -> list[str]:
        chosen_name = (context.get(TYPE_ARGUMENT) or "").strip() or None
        catalog = await self._read(ctx, Catalog, {}) if chosen_name else None
        chosen = catalog.content_type(chosen_name) if catalog and chosen_name else None
        if completer.source is Catalog:
            source = catalog if catalog is not None else await self._read(ctx, Catalog, {})
        else:
            arguments = self._narrowing(completer.source, chosen)
            source = await self._read(ctx, completer.source, arguments)
        if source is None:
            return list(completer.offline())
        return list(completer.values(source, chosen))

    def _narrowing(self, source: type[BaseModel], chosen: ContentType | None) -> dict[str, str]:
        """Ask the read for the chosen type only, when it takes a type."""
        reader = self.readers.get(source)
        if chosen is None or reader is None or TYPE_ARGUMENT not in reader.input_model.model_fields:
            return {}
        return {TYPE_ARGUMENT: chosen.type}

    async def _read(
        self,
        ctx: ServerRequestContext[Any, Any],
        source: type[BaseModel],
        arguments: dict[str, str],
    ) -> Any:
        reader = self.readers.get(source)
        if reader is None:
            return None
        from kp_tools.executor import Caller  # the executor's stack loads on first use

        outcome = await self.executor.run(
            reader.name, arguments, api_key=header_api_key(ctx), caller=Caller.HOST
        )
        if not outcome.ok or outcome.data is None:
            code = outcome.error.code.value if outcome.error else "no data"
            logger.debug("completion: %s read failed (%s); offline values", reader.name, code)
            return None
        return source.model_validate(outcome.data)


def _reader(
    specs: Mapping[str, ToolSpec[Any, Any]], source: type[BaseModel]
) -> ToolSpec[Any, Any] | None:
    """The read spec whose result is ``source`` (or a model built on it)."""
    for spec in specs.values():
        if spec.read_only and issubclass(spec.output_model, source):
            return spec
    return None


def _answer(values: Iterable[str], typed: str) -> CompleteResult:
    """The values that start with what the user typed (case-insensitive), at most 100."""
    prefix = typed.strip().casefold()
    matching = [v for v in _unique(values) if v.casefold().startswith(prefix)]
    return CompleteResult(
        completion=Completion(
            values=matching[:MAX_VALUES],
            total=len(matching),
            has_more=len(matching) > MAX_VALUES,
        )
    )


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
