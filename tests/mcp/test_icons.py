"""Icons: the server and every tool carry a small inline SVG, on both protocol revisions."""

from __future__ import annotations

import base64
import re

from mcp.types import Icon

from kp_tools import Executor, Sandbox
from kp_tools.specs import SPECS
from tests.mcp.conftest import connect

DATA_URI = re.compile(r"data:image/svg\+xml;base64,(?P<data>[A-Za-z0-9+/=]+)")


def svg_of(icon: Icon) -> str:
    """The icon's SVG, after checking it is inline, small and self-contained."""
    match = DATA_URI.fullmatch(icon.src)
    assert match is not None, icon.src[:40]
    svg = base64.b64decode(match["data"]).decode()
    assert icon.mime_type == "image/svg+xml"
    assert len(icon.src) < 1024
    assert svg.startswith("<svg ") and svg.endswith("</svg>")
    # Nothing a host would run or fetch: no script, no event handler, no external reference.
    assert not re.search(r"<script|\son\w+=|href=|url\(", svg, re.IGNORECASE)
    return svg


async def test_the_server_and_every_tool_show_an_icon(sandbox: Sandbox, mode: str) -> None:
    async with connect(Executor.for_sandbox(sandbox), mode) as client:
        info = client.server_info
        tools = (await client.list_tools()).tools
    assert info is not None and info.icons
    server_svg = svg_of(info.icons[0])
    assert {tool.name for tool in tools if tool.icons} == set(SPECS)
    by_effect: dict[str, set[str]] = {}
    for tool in tools:
        assert tool.icons is not None
        by_effect.setdefault(SPECS[tool.name].effect.value, set()).add(svg_of(tool.icons[0]))
    # One picture per effect, each different from the others and from the server's.
    assert all(len(svgs) == 1 for svgs in by_effect.values())
    pictures = [svgs.pop() for svgs in by_effect.values()]
    assert len({*pictures, server_svg}) == len(pictures) + 1
