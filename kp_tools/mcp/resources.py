"""Read-only MCP resources: the views the read specs declare, run through the executor.

Every :class:`~kp_tools.specs.views.ResourceView` a spec lists becomes a resource (a fixed URI
such as ``kpainter://catalog``) or a resource template (``kpainter://creations/{creation_id}``,
whose variables become the tool's arguments), optionally projected by the view. Nothing here
names a tool. Resources are read by the host application rather than chosen by the model, so
they run as ``Caller.HOST`` reads: the executor skips the ``kp_me`` gate for them and applies
everything else (key resolution, a 401 forgetting the verification, halts), through the same
client and per-key state as the tools. The guide (``kpainter://guide``) is the server's
instructions as a document. For hosts that negotiated MCP Apps, the ``ui://`` pages of
:mod:`kp_tools.mcp.apps` are listed and read here too.

Keys: a resource read has no arguments, so it uses the HTTP request's ``X-KGP-Api-Key`` header
when there is one, then the server's default key (``PARTNER_MCP_DEFAULT_API_KEY``, then
``KGP_API_KEY``). A multi-user product should pass keys per call rather than rely on a default.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
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

from kp_tools.errors import ERRORS
from kp_tools.guide import INSTRUCTIONS
from kp_tools.mcp.apps import AppViews
from kp_tools.mcp.keys import header_api_key
from kp_tools.outcome import Outcome
from kp_tools.redaction import redact
from kp_tools.specs.views import ResourceView

if TYPE_CHECKING:
    from kp_tools.mcp.runner import ToolRunner

__all__ = ["GUIDE", "ResourceHandlers", "ToolResource"]

JSON = "application/json"


@dataclass(frozen=True, slots=True)
class ToolResource:
    """A spec's :class:`ResourceView`, with the tool it reads and its parsed URI template."""

    tool: str
    view: ResourceView
    template: UriTemplate | None

    @classmethod
    def of(cls, tool: str, view: ResourceView) -> ToolResource:
        """Parse the URI once, here: a URI with a ``{variable}`` is a template, routed by match."""
        template = UriTemplate.parse(view.uri) if "{" in view.uri else None
        return cls(tool, view, template)


GUIDE = Resource(
    uri="kpainter://guide",
    name="guide",
    title="How to use the KPainter tools",
    description="The recommended workflow and the rules the tools enforce.",
    mime_type="text/markdown",
)


class ResourceHandlers:
    """``resources/list``, ``resources/templates/list`` and ``resources/read``."""

    def __init__(self, executor: ToolRunner, apps: AppViews | None = None) -> None:
        self.executor = executor
        declared = [
            ToolResource.of(name, view)
            for name, spec in executor.specs.items()
            for view in spec.resources
        ]
        self.resources = [r for r in declared if r.template is None]
        self.templates = [r for r in declared if r.template is not None]
        self.apps = apps if apps is not None else AppViews(executor)

    async def list_resources(
        self, ctx: ServerRequestContext[Any, Any], params: PaginatedRequestParams | None
    ) -> ListResourcesResult:
        """The fixed-URI views, the guide, and the app pages this client negotiated, if any."""
        listed = [
            Resource(
                uri=r.view.uri,
                name=r.view.name,
                title=r.view.title,
                description=r.view.description,
                mime_type=JSON,
            )
            for r in self.resources
        ]
        return ListResourcesResult(resources=[*listed, GUIDE, *self.apps.resources(ctx)])

    async def list_resource_templates(
        self, ctx: ServerRequestContext[Any, Any], params: PaginatedRequestParams | None
    ) -> ListResourceTemplatesResult:
        """The views whose URI takes variables; hosts fill them in (completions help)."""
        return ListResourceTemplatesResult(
            resource_templates=[
                ResourceTemplate(
                    uri_template=r.view.uri,
                    name=r.view.name,
                    title=r.view.title,
                    description=r.view.description,
                    mime_type=JSON,
                )
                for r in self.templates
            ]
        )

    async def read_resource(
        self, ctx: ServerRequestContext[Any, Any], params: ReadResourceRequestParams
    ) -> ReadResourceResult:
        """Read a view by running its tool as the host (``Caller.HOST``), with the call's key.

        Raises:
            MCPError: ``-32602`` for an unknown URI (echoed redacted) or a read the request
                made fail (its key, its URI); ``-32603`` for a failure on the serving side.
                Resources have no ``isError``: a JSON-RPC error is the only way to say so.
        """
        uri = str(params.uri)
        if uri == GUIDE.uri:
            return _contents(uri, INSTRUCTIONS, "text/markdown")
        page = self.apps.read(ctx, uri)
        if page is not None:
            return ReadResourceResult(contents=[page])
        resource, variables = self._route(uri)
        arguments = {**resource.view.arguments, **variables}
        # Imported here: the executor (and its HTTP stack) loads when a call first needs it.
        from kp_tools.executor import Caller

        outcome = await self.executor.run(
            resource.tool, arguments, api_key=header_api_key(ctx), caller=Caller.HOST
        )
        if not outcome.ok:
            raise _read_error(uri, outcome)
        data = outcome.data or {}
        project = resource.view.project
        body = project(data) if project is not None else data
        return _contents(uri, json.dumps(body, ensure_ascii=False, indent=2), JSON)

    def _route(self, uri: str) -> tuple[ToolResource, dict[str, Any]]:
        for resource in self.resources:
            if uri == resource.view.uri:
                return resource, {}
        for resource in self.templates:
            assert resource.template is not None
            matched = resource.template.match(uri)
            if matched is not None:
                return resource, dict(matched)
        shown = redact(uri)  # a URI is the caller's text, and may hold a pasted key
        raise MCPError(
            code=INVALID_PARAMS, message=f"Unknown resource: {shown}", data={"uri": shown}
        )


def _contents(uri: str, text: str, mime_type: str) -> ReadResourceResult:
    return ReadResourceResult(
        contents=[TextResourceContents(uri=uri, text=text, mime_type=mime_type)]
    )


def _read_error(uri: str, outcome: Outcome) -> MCPError:
    """A failed read as a JSON-RPC error (resources have no isError); the key is never in it.

    Failures on the serving side (the error table's ``server_fault``: KPainter down or rate
    limiting, the state store, kp-tools itself) are internal errors; every other code is about
    the request (its key, its URI) and is reported as invalid params.
    """
    error = outcome.error
    assert error is not None
    message = f"{error.code.value}: {error.message}"
    if error.tell_user:
        message += f" {error.tell_user}"
    code = INTERNAL_ERROR if ERRORS[error.code].server_fault else INVALID_PARAMS
    return MCPError(code=code, message=message, data={"uri": uri, **outcome.payload()})
