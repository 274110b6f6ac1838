"""KPainter over MCP: the ``kp-mcp`` server (stdio and streamable HTTP).

    from kp_tools import Executor
    from kp_tools.mcp import HttpSettings, build_http_app, build_server

    server = build_server(Executor())             # a low-level mcp Server, one tool per spec
    app = build_http_app(build_server(executor), HttpSettings(port=8002))   # ASGI, /mcp

Needs the ``mcp`` extra (``pip install 'kp-tools[mcp]'``). Names load on first use, so
``kp-mcp --help`` does not pay for importing the SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kp_tools._lazy import lazy_exports

if TYPE_CHECKING:  # what mypy sees; tests/test_exports.py checks it matches _EXPORTS
    from kp_tools.mcp.http import HttpSettings as HttpSettings
    from kp_tools.mcp.http import build_http_app as build_http_app
    from kp_tools.mcp.server import SERVER_NAME as SERVER_NAME
    from kp_tools.mcp.server import KPainterServer as KPainterServer
    from kp_tools.mcp.server import build_server as build_server

_EXPORTS: dict[str, str] = {
    **dict.fromkeys(("HttpSettings", "build_http_app"), "kp_tools.mcp.http"),
    **dict.fromkeys(("SERVER_NAME", "KPainterServer", "build_server"), "kp_tools.mcp.server"),
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
