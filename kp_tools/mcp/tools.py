"""Specs rendered as MCP tools, and the one call handler that dispatches them to the executor.

Nothing here names a tool: every definition is derived from a :class:`~kp_tools.specs.ToolSpec`.

- ``inputSchema``: the spec's input schema plus the optional ``api_key`` string of the KPainter
  MCP contract. The key is taken out of the arguments before the executor sees them and passed
  as the call's own key.
- ``outputSchema``: the outcome envelope ``{ok, result, error, next_step}``, where ``result`` is
  the spec's output model. ``structuredContent`` is :meth:`Outcome.payload` and the text block is
  :meth:`Outcome.text`, its JSON, so both say the same thing. Failures validate too: some clients
  check ``structuredContent`` against the schema even on ``isError`` results.
- Every failure the executor reports is an ``isError`` result carrying the outcome's code and
  message, never a JSON-RPC error. The exception is a 2026-07-28 retry whose ``requestState``
  does not check out (forged, replayed, for another key): that is the client's protocol error,
  ``-32602``, and nothing runs.
- When only the user can decide (consent before spending, a fix on the KPainter site) and the
  client can be asked, the call asks first (:mod:`kp_tools.mcp.call_flow`).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any, cast

import pydantic_core
from mcp.server import ServerRequestContext
from mcp.types import (
    CallToolRequestParams,
    CallToolResult,
    InputRequiredResult,
    ListToolsResult,
    PaginatedRequestParams,
    TextContent,
    Tool,
    ToolAnnotations,
)
from pydantic import BaseModel, Field, ValidationError, create_model

from kp_tools.errors import FieldProblem, InvalidArgumentsError, OutcomeError
from kp_tools.mcp.apps import tools_with_views
from kp_tools.mcp.icons import EFFECT_ICONS
from kp_tools.mcp.keys import API_KEY_ARGUMENT, header_api_key
from kp_tools.outcome import Outcome
from kp_tools.specs import ToolSpec

if TYPE_CHECKING:
    from kp_tools.mcp.call_flow import CallFlow
    from kp_tools.mcp.runner import ToolRunner

__all__ = [
    "API_KEY_PROPERTY",
    "ToolHandlers",
    "call_result",
    "mcp_tool",
    "outcome_model",
    "tool_input_schema",
    "tool_output_schema",
]

AnySpec = ToolSpec[Any, Any]

API_KEY_PROPERTY: dict[str, Any] = {
    "type": "string",
    "description": (
        "The user's KPainter API key. Optional when the server has a default key "
        "(PARTNER_MCP_DEFAULT_API_KEY or KGP_API_KEY); pass it when serving several users."
    ),
}


def tool_input_schema(spec: AnySpec) -> dict[str, Any]:
    """The spec's input schema with the optional ``api_key`` argument added."""
    schema = spec.input_schema()  # a new document at every call: this one is ours to change
    properties: dict[str, Any] = schema.setdefault("properties", {})
    if API_KEY_ARGUMENT in properties:
        raise ValueError(f"{spec.name}: '{API_KEY_ARGUMENT}' is reserved for the MCP call key")
    properties[API_KEY_ARGUMENT] = dict(API_KEY_PROPERTY)
    return schema


_DOC = "The outcome of {tool}: its result, or why it failed."
_OK = "True when the call succeeded."
_RESULT = "What the tool returned (a failed job also carries it)."
_ERROR = "Why the call failed and what to do; only when ok is false."
_NEXT_STEP = "What to do next."


_OUTCOME_MODELS: dict[tuple[str, type[BaseModel]], type[BaseModel]] = {}


def outcome_model(spec: AnySpec) -> type[BaseModel]:
    """The pydantic model of this tool's structured content (:meth:`Outcome.payload`)."""
    # Kept by name and output model: a spec is not hashable (its resource views hold mappings).
    output: type[BaseModel] = spec.output_model
    known = _OUTCOME_MODELS.get((spec.name, output))
    if known is not None:
        return known
    model: type[BaseModel] = create_model(
        f"{output.__name__}Outcome",
        __doc__=_DOC.format(tool=spec.name),
        ok=(bool, Field(description=_OK)),
        result=(cast("Any", output | None), Field(None, description=_RESULT)),
        error=(OutcomeError | None, Field(None, description=_ERROR)),
        next_step=(str | None, Field(None, description=_NEXT_STEP)),
    )
    _OUTCOME_MODELS[(spec.name, output)] = model
    return model


def tool_output_schema(spec: AnySpec) -> dict[str, Any]:
    """The JSON schema of :func:`outcome_model`, assembled rather than generated per tool.

    It is put together from the output model's schema and :class:`OutcomeError`'s (generated
    once). The document is the one pydantic generates for ``outcome_model(spec)``; assembling it
    takes 16 ms for the eight tools instead of 25 ms, and ``kp-mcp`` builds them before it can
    answer ``tools/list``: the stdio cold start (``bench/cold_start.py``), where kp-mcp's own share
    over the bare SDK is about 50 ms, so this is kept. When two different models share a name
    (pydantic would then qualify them), it falls back to generating.
    """
    output = spec.output_model
    name = output.__name__
    result = output.model_json_schema(mode="serialization")
    defs: dict[str, Any] = result.pop("$defs", {})
    error, error_defs = _outcome_error_schema()  # a copy of the one generated
    for def_name, schema in {**error_defs, "OutcomeError": error, name: result}.items():
        if defs.setdefault(def_name, schema) != schema:
            return outcome_model(spec).model_json_schema(mode="serialization")
    return {
        "$defs": dict(sorted(defs.items())),
        "description": _DOC.format(tool=spec.name),
        "properties": {
            "ok": {"description": _OK, "title": "Ok", "type": "boolean"},
            "result": {
                "anyOf": [{"$ref": f"#/$defs/{name}"}, {"type": "null"}],
                "default": None,
                "description": _RESULT,
            },
            "error": {
                "anyOf": [{"$ref": "#/$defs/OutcomeError"}, {"type": "null"}],
                "default": None,
                "description": _ERROR,
            },
            "next_step": {
                "anyOf": [{"type": "string"}, {"type": "null"}],
                "default": None,
                "description": _NEXT_STEP,
                "title": "Next Step",
            },
        },
        "required": ["ok"],
        "title": f"{name}Outcome",
        "type": "object",
    }


def _outcome_error_schema() -> tuple[dict[str, Any], dict[str, Any]]:
    """:class:`OutcomeError`'s schema and its definitions, a new copy of them at every call."""
    schema = pydantic_core.from_json(_outcome_error_json())
    return schema, schema.pop("$defs", {})


@cache
def _outcome_error_json() -> bytes:
    return pydantic_core.to_json(OutcomeError.model_json_schema(mode="serialization"))


def mcp_tool(spec: AnySpec) -> Tool:
    """The ``tools/list`` entry of ``spec``, built once per server (see :class:`ToolHandlers`)."""
    return Tool(
        name=spec.name,
        title=spec.title,
        description=spec.description,
        input_schema=tool_input_schema(spec),
        output_schema=tool_output_schema(spec),
        annotations=ToolAnnotations(
            title=spec.title,
            read_only_hint=spec.read_only,
            destructive_hint=spec.destructive,
            idempotent_hint=spec.idempotent,
            open_world_hint=True,  # every tool reaches KPainter, an external service
        ),
        icons=EFFECT_ICONS[spec.effect],
    )


def call_result(outcome: Outcome, spec: AnySpec | None = None) -> CallToolResult:
    """An outcome as an MCP result: ``isError`` on failure, structured content and text always."""
    payload = outcome.payload()
    if not outcome.ok and "result" in payload and spec is not None:
        try:  # data learned before failing is kept only when it fits the advertised schema
            spec.output_model.model_validate(payload["result"])
        except ValidationError:
            del payload["result"]
    return CallToolResult(
        content=[TextContent(type="text", text=outcome.text())],
        structured_content=payload,
        is_error=not outcome.ok,
    )


class ToolHandlers:
    """``tools/list`` and ``tools/call`` for every spec the executor runs."""

    def __init__(self, executor: ToolRunner) -> None:
        self.executor = executor
        self.specs: Mapping[str, AnySpec] = executor.specs
        self.tools: dict[str, Tool] = {name: mcp_tool(spec) for name, spec in self.specs.items()}
        self._flow: CallFlow | None = None

    @property
    def flow(self) -> CallFlow:
        """How calls are carried out, asking the user on the way; loaded at the first call.

        Hosts start kp-mcp and list its tools far more often than they call one, and the flow
        brings the consent, site-visit and progress modules (about 6 ms of a stdio start).
        """
        if self._flow is None:
            from kp_tools.mcp.call_flow import CallFlow

            self._flow = CallFlow(self.executor)
        return self._flow

    def input_schema(self, name: str) -> Mapping[str, Any] | None:
        """The listed input schema of ``name``, for the SDK's ``Mcp-Param-*`` header checks.

        Looked up in the tools built once, so checking a call's headers lists nothing anew.
        """
        tool = self.tools.get(name)
        return tool.input_schema if tool is not None else None

    async def list_tools(
        self, ctx: ServerRequestContext[Any, Any], params: PaginatedRequestParams | None
    ) -> ListToolsResult:
        """Every tool, in one page: the entries are built once; only MCP Apps ``_meta`` varies."""
        # MCP Apps: clients that negotiated it also see which tools have a view (_meta.ui).
        return ListToolsResult(tools=tools_with_views(ctx, self.specs, list(self.tools.values())))

    async def call_tool(
        self, ctx: ServerRequestContext[Any, Any], params: CallToolRequestParams
    ) -> CallToolResult | InputRequiredResult:
        """Run the call; on 2026-07-28 it may first return a question for the user.

        The retry brings the answer and the sealed state (:mod:`kp_tools.mcp.call_flow`). A key
        passed as the ``api_key`` argument is taken out before the tool sees its arguments.
        """
        spec = self.specs.get(params.name)
        arguments = dict(params.arguments or {})
        call_key = arguments.pop(API_KEY_ARGUMENT, None)
        if call_key is not None and not isinstance(call_key, str):
            problem = FieldProblem(field=API_KEY_ARGUMENT, problem="must be a string")
            return call_result(Outcome.failure(params.name, InvalidArgumentsError([problem])), spec)
        from kp_tools.mcp.call_flow import ToolCall  # loaded with the flow, at the first call

        call = ToolCall(
            ctx, params.name, arguments, (call_key or "").strip() or header_api_key(ctx)
        )
        result = await self.flow.run(call, params.request_state, params.input_responses)
        if isinstance(result, InputRequiredResult):
            return result
        return call_result(result, spec)
