"""Real pictures for sandbox creations: SVG cards that show each scene's narration.

The URLs in a creation's detail (``main_url``, ``thumbnail_url``, ``artifacts``, each scene's
``image_url``) resolve to these, so notebooks can show them inline and the CLI can save them.
They are drawn from the creation's current state, so an edited scene shows its new text.
"""

from __future__ import annotations

import html
import textwrap
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

if TYPE_CHECKING:
    from kp_tools.sandbox.world import Creation, World

__all__ = ["media_routes", "render_card"]

_PALETTE = {
    "explainer_video": ("#1f3b73", "#f4b942"),
    "slides_video": ("#24515e", "#f2e8cf"),
    "vector_animation": ("#3d2c5a", "#7ee0c3"),
    "slide_deck": ("#2f2f2f", "#f28c6b"),
    "image": ("#0f4c3a", "#f7d59c"),
    "interactive_lesson": ("#5b2333", "#f7f4f3"),
}


def render_card(
    title: str, body: str, *, kind: str, footer: str, ratio: str | None = "16:9"
) -> str:
    """An SVG card: a title band, wrapped body text and a footer, in the type's colours."""
    width, height = _size(ratio)
    background, accent = _PALETTE.get(kind, ("#333333", "#eeeeee"))
    chars = max(int(width / 17), 16)
    lines = textwrap.wrap(body, width=chars)[: max(int((height - 170) / 34), 1)]
    text = "".join(
        f'<tspan x="48" dy="{0 if i == 0 else 34}">{html.escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{html.escape(title)}">'
        f'<rect width="100%" height="100%" fill="{background}"/>'
        f'<rect width="100%" height="72" fill="{accent}"/>'
        f'<text x="48" y="47" font-family="Helvetica, Arial, sans-serif" font-size="28" '
        f'font-weight="bold" fill="{background}">{html.escape(textwrap.shorten(title, 48))}</text>'
        f'<text x="48" y="130" font-family="Georgia, serif" font-size="26" fill="#ffffff">{text}'
        f"</text>"
        f'<text x="48" y="{height - 28}" font-family="Helvetica, Arial, sans-serif" '
        f'font-size="18" fill="{accent}">{html.escape(footer)}</text></svg>'
    )


def _size(ratio: str | None) -> tuple[int, int]:
    try:
        w, h = (int(part) for part in (ratio or "16:9").split(":"))
    except ValueError:
        w, h = 16, 9
    return (960, int(960 * h / w)) if w >= h else (int(720 * w / h), 720)


def media_routes(world: World) -> list[Route]:
    def creation(request: Request) -> Creation | None:
        raw = request.path_params["creation_id"]
        found = world.creations.get(int(raw)) if raw.isdigit() else None
        return found if found is not None and found.status == "ready" else None

    def svg(content: str) -> Response:
        return Response(content, media_type="image/svg+xml")

    async def main(request: Request) -> Response:
        found = creation(request)
        if found is None:
            return Response(status_code=404)
        label = found.type.replace("_", " ")
        if request.path_params["ext"] == "html":
            return HTMLResponse(_lesson_page(found))
        summary = " · ".join(s["narration_text"] for s in found.scenes[:3]) or found.prompt
        footer = f"KPainter sandbox · {label} · {len(found.scenes)} scenes"
        return svg(
            render_card(
                found.title, summary, kind=found.type, footer=footer, ratio=found.aspect_ratio
            )
        )

    async def cover(request: Request) -> Response:
        found = creation(request)
        if found is None:
            return Response(status_code=404)
        label = found.type.replace("_", " ").title()
        return svg(
            render_card(
                found.title, found.prompt, kind=found.type, footer=label, ratio=found.aspect_ratio
            )
        )

    async def scene(request: Request) -> Response:
        found = creation(request)
        scene_id = request.path_params["scene_id"]
        match = (
            next((s for s in found.scenes if s["scene_id"] == scene_id), None) if found else None
        )
        if found is None or match is None:
            return Response(status_code=404)
        position = f"Scene {match['index'] + 1} of {len(found.scenes)}"
        footer = f"{position} · revision {match.get('revision', 1)}"
        return svg(
            render_card(
                found.title,
                match["narration_text"],
                kind=found.type,
                footer=footer,
                ratio=found.aspect_ratio,
            )
        )

    base = "/media/creations/{creation_id}"
    return [
        Route(base + "/main.{ext}", main),
        Route(base + "/cover.svg", cover),
        Route(base + "/scenes/{scene_id}.svg", scene),
    ]


def _lesson_page(found: Creation) -> str:
    title = html.escape(found.title)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body style='font-family:sans-serif;max-width:40em;margin:3em auto'>"
        f"<h1>{title}</h1><p>{html.escape(found.prompt)}</p>"
        "<p><em>Interactive lesson preview from the KPainter sandbox.</em></p></body></html>"
    )
