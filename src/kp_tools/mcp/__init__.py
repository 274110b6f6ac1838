"""KPainter over MCP: the ``kp-mcp`` server (stdio and streamable HTTP).

    from kp_tools import Executor
    from kp_tools.mcp import build_server, build_http_app

    server = build_server(Executor())          # a low-level mcp Server with every spec as a tool
    app = build_http_app(build_server(...))    # ASGI: /mcp with origin allow-list, CORS, limits

Needs the ``mcp`` extra (``pip install kp-tools[mcp]``).
"""

from __future__ import annotations

from kp_tools.mcp.http import HttpSettings, build_http_app
from kp_tools.mcp.server import SERVER_NAME, build_server

__all__ = ["SERVER_NAME", "HttpSettings", "build_http_app", "build_server"]
