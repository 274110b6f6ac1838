"""Read-only MCP resources: views of read tools, run through the executor.

A resource is a read tool with fixed arguments (``kpainter://catalog``), or with arguments taken
from its URI (``kpainter://creations/{creation_id}``), optionally projected
(``kpainter://content-types``). Resources are read by the host application rather than chosen by
the model, and they never spend credits, so they skip the ``kp_me`` gate; everything else (key
resolution, a 401 forgetting the verification, halts) still applies, because they run through
the same executor, client and per-key state as the tools.

Keys: a resource read has no arguments, so it uses the HTTP request's ``X-KGP-Api-Key`` header
when there is one, then the server's default key (``PARTNER_MCP_DEFAULT_API_KEY``, then
``KGP_API_KEY``). A multi-user product should pass keys per call rather than rely on a default.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mcp.server import ServerRequestContext
from mcp.shared.exceptions import MCPError
from mcp.shared.uri_template import UriTemplate
from mcp.types import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    ListResourcesResult,
    ListResourceTemplatesResult,
    PaginatedRequestParams,
    ReadResourceRequestParams,
    ReadResourceResult,
    Resource,
    ResourceTemplate,
    TextResourceContents,
)

from kp_tools.api_contract import LEGACY_TYPE_ALIASES
from kp_tools.errors import ErrorCode
from kp_tools.guide import INSTRUCTIONS
from kp_tools.mcp.keys import header_api_key
from kp_tools.models import Catalog
from kp_tools.outcome import Outcome

if TYPE_CHECKING:
    from kp_tools.mcp.runner import ToolRunner

__all__ = ["RESOURCES", "TEMPLATES", "ResourceHandlers", "ResourceView", "content_types"]

JSON = "application/json"
Projection = Callable[[dict[str, Any]], Any]


def content_types(catalog_data: dict[str, Any]) -> dict[str, Any]:
    """The canonical content types and the legacy names that map to each, from the catalog."""
    catalog = Catalog.model_validate(catalog_data)
    types = []
    for entry in catalog.content_types:
        aliases = set(entry.legacy_aliases)
        aliases.update(a for a, target in LEGACY_TYPE_ALIASES.items() if target == entry.type)
        types.append(
            {
                "type": entry.type,
                "label": entry.label,
                "description": entry.description,
                "legacy_aliases": sorted(aliases),
            }
        )
    return {
        "content_types": types,
        "note": "Use the canonical type names; legacy aliases are accepted on input only.",
    }


@dataclass(frozen=True, slots=True)
class ResourceView:
    """A resource (``uri``) or resource template (``uri`` with ``{variables}``) over a read tool.

    The template's variables become the tool's arguments, next to ``arguments``.
    """

    uri: str
    name: str
    title: str
    description: str
    tool: str
    arguments: Mapping[str, Any] = field(default_factory=dict)
    project: Projection | None = None

    @property
    def template(self) -> UriTemplate | None:
        return UriTemplate.parse(self.uri) if "{" in self.uri else None


RESOURCES: tuple[ResourceView, ...] = (
    ResourceView(
        uri="kpainter://catalog",
        name="catalog",
        title="KPainter catalog",
        description=(
            "Every content type with the options it accepts (ratios, qualities, durations, "
            "scene counts, languages, voices, styles, credit costs). Read with the request's key "
            "or the server's default key."
        ),
        tool="kp_get_catalog",
    ),
    ResourceView(
        uri="kpainter://content-types",
        name="content-types",
        title="KPainter content types",
        description=(
            "The canonical content type names, each with the legacy names still accepted for "
            "it on input. Taken from the catalog."
        ),
        tool="kp_get_catalog",
        project=content_types,
    ),
)

TEMPLATES: tuple[ResourceView, ...] = (
    ResourceView(
        uri="kpainter://creations/{creation_id}",
        name="creation",
        title="A KPainter creation",
        description=(
            "One creation's detail: status, main_url, artifacts, scenes and editable actions."
        ),
        tool="kp_get_creation",
    ),
)

GUIDE = Resource(
    uri="kpainter://guide",
    name="guide",
    title="How to use the KPainter tools",
    description="The recommended workflow and the rules the tools enforce.",
    mime_type="text/markdown",
)


class ResourceHandlers:
    """``resources/list``, ``resources/templates/list`` and ``resources/read``."""

    def __init__(self, executor: ToolRunner) -> None:
        self.executor = executor
        self.resources = [view for view in RESOURCES if view.tool in executor.specs]
        self.templates = [view for view in TEMPLATES if view.tool in executor.specs]

    async def list_resources(
        self, ctx: ServerRequestContext[Any, Any], params: PaginatedRequestParams | None
    ) -> ListResourcesResult:
        listed = [
            Resource(
                uri=view.uri,
                name=view.name,
                title=view.title,
                description=view.description,
                mime_type=JSON,
            )
            for view in self.resources
        ]
        return ListResourcesResult(resources=[*listed, GUIDE])

    async def list_resource_templates(
        self, ctx: ServerRequestContext[Any, Any], params: PaginatedRequestParams | None
    ) -> ListResourceTemplatesResult:
        return ListResourceTemplatesResult(
            resource_templates=[
                ResourceTemplate(
                    uri_template=view.uri,
                    name=view.name,
                    title=view.title,
                    description=view.description,
                    mime_type=JSON,
                )
                for view in self.templates
            ]
        )

    async def read_resource(
        self, ctx: ServerRequestContext[Any, Any], params: ReadResourceRequestParams
    ) -> ReadResourceResult:
        uri = str(params.uri)
        if uri == GUIDE.uri:
            return _contents(uri, INSTRUCTIONS, "text/markdown")
        view, variables = self._route(uri)
        arguments = {**view.arguments, **variables}
        # Imported here: the executor (and its HTTP stack) loads when a call first needs it.
        from kp_tools.executor import Caller

        outcome = await self.executor.run(
            view.tool, arguments, api_key=header_api_key(ctx), caller=Caller.HOST
        )
        if not outcome.ok:
            raise _read_error(uri, outcome)
        data = outcome.data or {}
        body = view.project(data) if view.project is not None else data
        return _contents(uri, json.dumps(body, ensure_ascii=False, indent=2), JSON)

    def _route(self, uri: str) -> tuple[ResourceView, dict[str, Any]]:
        for view in self.resources:
            if uri == view.uri:
                return view, {}
        for view in self.templates:
            template = view.template
            matched = template.match(uri) if template is not None else None
            if matched is not None:
                return view, dict(matched)
        raise MCPError(code=INVALID_PARAMS, message=f"Unknown resource: {uri}", data={"uri": uri})


def _contents(uri: str, text: str, mime_type: str) -> ReadResourceResult:
    return ReadResourceResult(
        contents=[TextResourceContents(uri=uri, text=text, mime_type=mime_type)]
    )


# Failures on KPainter's or this server's side; every other code is about the request (its key,
# its URI) and is reported as invalid params.
_SERVER_FAULTS = frozenset(
    {
        ErrorCode.UPSTREAM_UNAVAILABLE,
        ErrorCode.UPSTREAM_ERROR,
        ErrorCode.RATE_LIMITED,
        ErrorCode.STATE_UNAVAILABLE,
        ErrorCode.INTERNAL_ERROR,
    }
)


def _read_error(uri: str, outcome: Outcome) -> MCPError:
    """A failed read as a JSON-RPC error (resources have no isError); the key is never in it."""
    error = outcome.error
    assert error is not None
    message = f"{error.code.value}: {error.message}"
    if error.tell_user:
        message += f" {error.tell_user}"
    code = INTERNAL_ERROR if error.code in _SERVER_FAULTS else INVALID_PARAMS
    return MCPError(code=code, message=message, data={"uri": uri, **outcome.payload()})
