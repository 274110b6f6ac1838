"""Real pictures for sandbox creations: SVG slides that show each scene's narration.

The URLs in a creation's detail resolve to these, so notebooks can show them inline and the CLI
can save them:

- each scene's ``image_url``: the scene as a slide (its title, its narration, where it sits in the
  creation, its revision, so an edited scene visibly changes);
- ``main_url``: a storyboard of every scene (a poster for images, an HTML page for lessons);
- ``thumbnail_url`` and the ``cover`` artifact: a title card with the prompt.

Pictures are drawn from the creation's current state and are deterministic: the same creation
gives the same bytes, and the decoration is derived from a hash of the text, not from chance.
No element has an ``id``, so several pictures can share one HTML page (a notebook) safely.
"""

from __future__ import annotations

import hashlib
import html
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from kp_tools.api_contract import CREATION_READY

if TYPE_CHECKING:
    from kp_tools.sandbox.world import Creation, World

__all__ = ["cover_card", "media_routes", "poster", "scene_card", "storyboard"]

SANS = "Helvetica, Arial, sans-serif"
SERIF = "Georgia, 'Times New Roman', serif"


@dataclass(frozen=True, slots=True)
class Palette:
    background: str
    accent: str
    second: str
    ink: str = "#ffffff"


_PALETTES = {
    "explainer_video": Palette("#1f3b73", "#f4b942", "#6fb7e9"),
    "slides_video": Palette("#21444f", "#f2c14e", "#7fc6a4"),
    "vector_animation": Palette("#3d2c5a", "#7ee0c3", "#f78fb3"),
    "slide_deck": Palette("#2b2d42", "#f28c6b", "#8d99ae"),
    "image": Palette("#0f4c3a", "#f7d59c", "#8fd694"),
    "interactive_lesson": Palette("#5b2333", "#f7c59f", "#9ad1d4"),
}
_DEFAULT_PALETTE = Palette("#333333", "#eeeeee", "#999999")


def _palette(kind: str) -> Palette:
    return _PALETTES.get(kind, _DEFAULT_PALETTE)


def _label(kind: str) -> str:
    return kind.replace("_", " ").upper()


def _size(ratio: str | None) -> tuple[int, int]:
    """Landscape pictures are 960 wide, portrait and square ones 960 high."""
    try:
        w, h = (int(part) for part in (ratio or "16:9").split(":"))
        if w <= 0 or h <= 0:
            raise ValueError(ratio)
    except ValueError:
        w, h = 16, 9
    return (960, round(960 * h / w)) if w > h else (round(960 * w / h), 960)


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{_esc(title)}">'
        f"<title>{_esc(title)}</title>" + "".join(body) + "</svg>"
    )


def _text(
    x: float,
    y: float,
    content: str,
    *,
    size: float,
    fill: str,
    family: str = SANS,
    weight: str = "normal",
    anchor: str = "start",
    spacing: float | None = None,
) -> str:
    extra = f' letter-spacing="{spacing}"' if spacing is not None else ""
    return (
        f'<text x="{x:g}" y="{y:g}" font-family="{family}" font-size="{size:g}" '
        f'font-weight="{weight}" fill="{fill}" text-anchor="{anchor}"{extra}>{_esc(content)}</text>'
    )


def _paragraph(
    x: float,
    y: float,
    content: str,
    *,
    width: float,
    height: float,
    sizes: tuple[int, ...],
    fill: str,
    family: str = SERIF,
    weight: str = "normal",
) -> list[str]:
    """Wrapped text in the largest size that fits the box; the last line gets an ellipsis if not."""
    size = sizes[-1]
    lines: list[str] = []
    for size in sizes:
        lines = textwrap.wrap(content, width=max(int(width / (size * 0.52)), 8))
        if len(lines) * size * 1.32 <= height:
            break
    fitting = max(int(height / (size * 1.32)), 1)
    if len(lines) > fitting:
        lines = lines[:fitting]
        lines[-1] = lines[-1].rstrip(" .,;:") + "…"
    spans = "".join(
        f'<tspan x="{x:g}" dy="{0 if i == 0 else round(size * 1.32, 1):g}">{_esc(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return [
        f'<text x="{x:g}" y="{y + size:g}" font-family="{family}" font-size="{size}" '
        f'font-weight="{weight}" fill="{fill}">{spans}</text>'
    ]


def _art(seed: str, x: float, y: float, w: float, h: float, palette: Palette) -> list[str]:
    """A small abstract composition, different for every text and stable for the same one."""
    digest = hashlib.sha256(seed.encode()).digest()
    unit = min(w, h)
    shapes = [
        f'<rect x="{x:g}" y="{y:g}" width="{w:g}" height="{h:g}" rx="{unit * 0.08:.0f}" '
        f'fill="{palette.ink}" fill-opacity="0.07"/>'
    ]
    radius = unit * (0.22 + digest[2] / 255 * 0.14)
    cx = x + radius + (w - 2 * radius) * digest[0] / 255
    cy = y + radius + (h - 2 * radius) * digest[1] / 255
    shapes.append(
        f'<circle cx="{cx:.0f}" cy="{cy:.0f}" r="{radius:.0f}" fill="{palette.accent}" '
        f'fill-opacity="0.92"/>'
    )
    bars = 3 + digest[3] % 3
    bar_w = w * 0.6 / bars
    for i in range(bars):
        bar_h = h * (0.15 + digest[4 + i] / 255 * 0.45)
        shapes.append(
            f'<rect x="{x + w * 0.2 + i * bar_w:.0f}" y="{y + h * 0.9 - bar_h:.0f}" '
            f'width="{bar_w * 0.7:.0f}" height="{bar_h:.0f}" rx="4" fill="{palette.second}" '
            f'fill-opacity="0.85"/>'
        )
    tx, ty = x + w * (0.15 + digest[9] / 255 * 0.6), y + h * (0.12 + digest[10] / 255 * 0.2)
    size = unit * 0.16
    shapes.append(
        f'<polygon points="{tx:.0f},{ty:.0f} {tx + size:.0f},{ty + size * 0.5:.0f} '
        f'{tx:.0f},{ty + size:.0f}" fill="{palette.ink}" fill-opacity="0.8"/>'
    )
    return shapes


def _pill(x: float, y: float, label: str, palette: Palette) -> list[str]:
    width = len(label) * 9.5 + 28
    return [
        f'<rect x="{x:g}" y="{y:g}" width="{width:.0f}" height="30" rx="15" '
        f'fill="{palette.accent}"/>',
        _text(x + 14, y + 21, label, size=14, fill=palette.background, weight="bold", spacing=1.2),
    ]


def _dots(x: float, y: float, count: int, current: int, palette: Palette) -> list[str]:
    step = 22 if count <= 20 else 440 / count
    return [
        f'<circle cx="{x + i * step:.1f}" cy="{y:g}" r="{7 if i == current else 5}" '
        f'fill="{palette.accent if i == current else palette.ink}" '
        f'fill-opacity="{1 if i == current else 0.35}"/>'
        for i in range(count)
    ]


def _scene_body(
    title: str,
    kind: str,
    narration: str,
    index: int,
    count: int,
    revision: int,
    width: int,
    height: int,
) -> list[str]:
    palette = _palette(kind)
    margin = 40
    body = [f'<rect width="{width}" height="{height}" fill="{palette.background}"/>']
    body += _pill(margin, 32, _label(kind), palette)
    body.append(
        _text(
            margin,
            106,
            textwrap.shorten(title, max(int((width - 2 * margin) / 16), 12), placeholder="…"),
            size=30,
            fill=palette.ink,
            weight="bold",
        )
    )
    body.append(
        _text(
            margin,
            144,
            f"SCENE {index + 1} OF {count}",
            size=16,
            fill=palette.accent,
            weight="bold",
            spacing=2,
        )
    )
    seed = f"{kind}:{index}:{narration}"
    if width > height:
        text_w = width * 0.58
        body += _paragraph(
            margin,
            168,
            narration,
            width=text_w,
            height=height - 168 - 80,
            sizes=(34, 30, 27, 24, 21, 18),
            fill=palette.ink,
        )
        art_x = margin + text_w + 30
        body += _art(seed, art_x, 120, width - art_x - margin, height - 120 - 80, palette)
    else:
        art_h = height * 0.34
        body += _art(seed, margin, 170, width - 2 * margin, art_h, palette)
        top = 170 + art_h + 30
        body += _paragraph(
            margin,
            top,
            narration,
            width=width - 2 * margin,
            height=height - top - 80,
            sizes=(34, 30, 27, 24, 21, 18),
            fill=palette.ink,
        )
    body += _dots(margin + 6, height - 40, count, index, palette)
    footer = f"revision {revision}" + (" · edited" if revision > 1 else "")
    body.append(
        _text(
            width - margin,
            height - 34,
            f"KPainter sandbox · {footer}",
            size=16,
            fill=palette.accent,
            anchor="end",
        )
    )
    return body


def scene_card(
    title: str,
    kind: str,
    narration: str,
    *,
    index: int,
    count: int,
    revision: int = 1,
    ratio: str | None = "16:9",
) -> str:
    """One scene as a slide: title, ``SCENE i OF n``, the narration, position dots, revision."""
    width, height = _size(ratio)
    body = _scene_body(title, kind, narration, index, count, revision, width, height)
    return _svg(width, height, f"Scene {index + 1} of {count}: {narration}", body)


def storyboard(
    title: str, kind: str, scenes: list[dict[str, Any]], *, ratio: str | None = "16:9"
) -> str:
    """Every scene as a thumbnail on one sheet: what the whole creation says, at a glance."""
    palette = _palette(kind)
    scene_w, scene_h = _size(ratio)
    count = len(scenes)
    columns = (2 if count <= 4 else 3) if scene_w > scene_h else min(count, 4)
    rows = -(-count // columns)
    margin, gap, header = 40, 24, 150
    width = 960
    thumb_w = (width - 2 * margin - (columns - 1) * gap) / columns
    thumb_h = thumb_w * scene_h / scene_w
    height = round(header + rows * (thumb_h + gap) - gap + margin + 30)
    body = [f'<rect width="{width}" height="{height}" fill="{palette.background}"/>']
    body += _pill(margin, 32, _label(kind), palette)
    body.append(
        _text(
            margin,
            106,
            textwrap.shorten(title, 52, placeholder="…"),
            size=32,
            fill=palette.ink,
            weight="bold",
        )
    )
    body.append(
        _text(
            margin,
            134,
            f"Storyboard · {count} scene{'s' if count != 1 else ''}",
            size=16,
            fill=palette.accent,
            weight="bold",
            spacing=1.5,
        )
    )
    for position, scene in enumerate(scenes):
        column, row = position % columns, position // columns
        x = margin + column * (thumb_w + gap)
        y = header + row * (thumb_h + gap)
        inner = _scene_body(
            title,
            kind,
            str(scene.get("narration_text") or ""),
            int(scene.get("index", position)),
            count,
            int(scene.get("revision", 1)),
            scene_w,
            scene_h,
        )
        body.append(
            f'<rect x="{x - 2:.1f}" y="{y - 2:.1f}" width="{thumb_w + 4:.1f}" '
            f'height="{thumb_h + 4:.1f}" rx="6" fill="{palette.ink}" fill-opacity="0.25"/>'
            f'<svg x="{x:.1f}" y="{y:.1f}" width="{thumb_w:.1f}" height="{thumb_h:.1f}" '
            f'viewBox="0 0 {scene_w} {scene_h}">' + "".join(inner) + "</svg>"
        )
    body.append(
        _text(
            width - margin,
            height - 22,
            "KPainter sandbox preview",
            size=15,
            fill=palette.accent,
            anchor="end",
        )
    )
    narration = " ".join(str(s.get("narration_text") or "") for s in scenes)
    return _svg(width, height, f"{title}: {narration}", body)


def cover_card(
    title: str, kind: str, prompt: str, *, scene_count: int, ratio: str | None = "16:9"
) -> str:
    """The title card: type, title, the prompt, and how many scenes it has."""
    palette = _palette(kind)
    width, height = _size(ratio)
    margin = 48
    subtitle = _after_title(title, prompt)
    body = [f'<rect width="{width}" height="{height}" fill="{palette.background}"/>']
    if width > height:
        body += _art(f"cover:{title}", width * 0.6, 60, width * 0.4 - margin, height - 120, palette)
        text_w = width * 0.6 - margin - 30
    else:
        body += _art(
            f"cover:{title}", margin, height * 0.5, width - 2 * margin, height * 0.38, palette
        )
        text_w = width - 2 * margin
    body += _pill(margin, 44, _label(kind), palette)
    body += _paragraph(
        margin,
        100,
        title,
        width=text_w,
        height=130,
        sizes=(44, 38, 32, 28),
        fill=palette.ink,
        family=SANS,
        weight="bold",
    )
    body += _paragraph(
        margin,
        250,
        subtitle,
        width=text_w,
        height=(height if width > height else height * 0.5) - 250 - 70,
        sizes=(22, 20, 18, 16),
        fill=palette.ink,
    )
    meta = f"{scene_count} scenes" if scene_count else "KPainter"
    body.append(
        _text(margin, height - 40, f"{meta} · KPainter sandbox", size=16, fill=palette.accent)
    )
    return _svg(width, height, f"{title}: {prompt}", body)


def _after_title(title: str, prompt: str) -> str:
    """The prompt without its first line when that line is the title (it is shown already)."""
    first, _, rest = prompt.strip().partition("\n")
    return rest.strip() if first.strip().rstrip(".") == title.strip().rstrip(".") else prompt


def poster(title: str, kind: str, prompt: str, *, ratio: str | None = "16:9") -> str:
    """An image creation's picture: the prompt, drawn large, over an abstract composition."""
    palette = _palette(kind)
    width, height = _size(ratio)
    margin = 48
    body = [f'<rect width="{width}" height="{height}" fill="{palette.background}"/>']
    body += _art(f"poster:{prompt}", margin, margin, width - 2 * margin, height * 0.55, palette)
    body += _paragraph(
        margin,
        height * 0.55 + margin + 20,
        prompt,
        width=width - 2 * margin,
        height=height * 0.45 - margin - 80,
        sizes=(36, 30, 26, 22, 18),
        fill=palette.ink,
    )
    body.append(
        _text(
            margin, height - 34, f"{_label(kind)} · KPainter sandbox", size=16, fill=palette.accent
        )
    )
    return _svg(width, height, f"{title}: {prompt}", body)


def media_routes(world: World) -> list[Route]:
    """The routes behind a ready creation's media URLs (404 until the creation is ready)."""

    def ready_creation(request: Request) -> Creation | None:
        raw = request.path_params["creation_id"]
        found = world.creations.get(int(raw)) if raw.isdigit() else None
        return found if found is not None and found.status == CREATION_READY else None

    def svg(content: str) -> Response:
        return Response(content, media_type="image/svg+xml")

    async def main(request: Request) -> Response:
        found = ready_creation(request)
        if found is None:
            return Response(status_code=404)
        if request.path_params["ext"] == "html":
            return HTMLResponse(_lesson_page(found))
        if not found.scenes:
            return svg(
                poster(_shown(found.title), found.type, found.prompt, ratio=found.aspect_ratio)
            )
        return svg(
            storyboard(_shown(found.title), found.type, found.scenes, ratio=found.aspect_ratio)
        )

    async def cover(request: Request) -> Response:
        found = ready_creation(request)
        if found is None:
            return Response(status_code=404)
        return svg(
            cover_card(
                _shown(found.title),
                found.type,
                found.prompt,
                scene_count=len(found.scenes),
                ratio=found.aspect_ratio,
            )
        )

    async def scene(request: Request) -> Response:
        found = ready_creation(request)
        scene_id = request.path_params["scene_id"]
        match = (
            next((s for s in found.scenes if s["scene_id"] == scene_id), None) if found else None
        )
        if found is None or match is None:
            return Response(status_code=404)
        return svg(
            scene_card(
                _shown(found.title),
                found.type,
                str(match["narration_text"]),
                index=int(match["index"]),
                count=len(found.scenes),
                revision=int(match.get("revision", 1)),
                ratio=found.aspect_ratio,
            )
        )

    base = "/media/creations/{creation_id}"
    return [
        Route(base + "/main.{ext}", main),
        Route(base + "/cover.svg", cover),
        Route(base + "/scenes/{scene_id}.svg", scene),
    ]


def _shown(title: str) -> str:
    """A title as drawn: without a trailing full stop (the sandbox titles are prompt lines)."""
    return title.rstrip(".") or title


def _lesson_page(found: Creation) -> str:
    title = _esc(found.title)
    picture = cover_card(_shown(found.title), found.type, found.prompt, scene_count=0, ratio="16:9")
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
        "<body style='font-family:sans-serif;max-width:48em;margin:3em auto'>"
        f"<h1>{title}</h1><div style='max-width:100%'>{picture}</div>"
        f"<p>{_esc(found.prompt)}</p>"
        "<p><em>Interactive lesson preview from the KPainter sandbox.</em></p></body></html>"
    )
