"""The sandbox's pictures, as the CLI saves them: valid SVG that shows what each scene says."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pytest

from kp_tools import Executor, Sandbox
from kp_tools.cli.pictures import picture_urls, save_pictures
from kp_tools.sandbox.previews import cover_card, poster, scene_card, storyboard

SVG = "{http://www.w3.org/2000/svg}"
MEMBER = "kgp_sandbox_member"


def drawn_text(svg: str) -> str:
    """The text a viewer sees: every <text> run joined, as one line."""
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    assert root.tag == f"{SVG}svg"
    words = " ".join(" ".join(node.itertext()) for node in root.iter(f"{SVG}text"))
    return re.sub(r"\s+", " ", words)


@pytest.fixture
async def creation(tmp_path: Path) -> tuple[Sandbox, dict[str, object]]:
    sandbox = Sandbox()
    executor = Executor.for_sandbox(sandbox, me_policy="auto")
    started = await executor.run(
        "kp_create_creation",
        {
            "type": "slides_video",
            "prompt": "Owls hunt at night. They hear a mouse under the snow. "
            "They dive <silently> & fast.",
            "scene_count": 3,
        },
        api_key=MEMBER,
    )
    creation_id = (started.data or {})["creation_id"]
    edit = await executor.run(
        "kp_edit_scene",
        {
            "creation_id": creation_id,
            "scene_id": "s2",
            "action": "update_scene_narration",
            "narration_text": "A barn owl can find a mouse in total darkness, by sound alone.",
        },
        api_key=MEMBER,
    )
    assert edit.ok, edit.text()
    detail = await executor.run("kp_get_creation", {"creation_id": creation_id}, api_key=MEMBER)
    await executor.aclose()
    return sandbox, detail.data or {}


async def test_saved_pictures_are_svg_showing_each_scene(
    creation: tuple[Sandbox, dict[str, object]], tmp_path: Path
) -> None:
    sandbox, detail = creation
    async with httpx.AsyncClient(transport=sandbox.transport) as http:
        saved = await save_pictures(http, detail, tmp_path)
    assert [s.name for s in saved] == ["main", "cover", "scene-s1", "scene-s2", "scene-s3"]
    assert all(s.path is not None and s.skipped is None for s in saved)

    scene1 = drawn_text((tmp_path / "scene-s1.svg").read_text())
    assert "Part 1 of 3: Owls hunt at night." in scene1
    assert "SCENE 1 OF 3" in scene1 and "revision 1" in scene1
    scene2 = drawn_text((tmp_path / "scene-s2.svg").read_text())
    assert "A barn owl can find a mouse in total darkness, by sound alone." in scene2
    assert "revision 2 · edited" in scene2
    scene3 = drawn_text((tmp_path / "scene-s3.svg").read_text())
    assert "They dive <silently> & fast." in scene3  # escaped in the file, intact when drawn

    storyboard_text = drawn_text((tmp_path / "main.svg").read_text())
    assert "Storyboard · 3 scenes" in storyboard_text
    assert "A barn owl can find a mouse" in storyboard_text
    cover = drawn_text((tmp_path / "cover.svg").read_text())
    assert "Owls hunt at night" in cover and "3 scenes" in cover


def test_pictures_can_share_a_page() -> None:
    """No ids: several inline SVGs in one notebook cannot clash."""
    pictures = [
        scene_card("T", "slides_video", "Hello", index=0, count=2),
        storyboard("T", "explainer_video", [{"narration_text": "a"}, {"narration_text": "b"}]),
        cover_card("T", "slide_deck", "Prompt", scene_count=2),
        poster("T", "image", "A fox", ratio="1:1"),
    ]
    for svg in pictures:
        assert " id=" not in svg
        drawn_text(svg)  # well-formed


@pytest.mark.parametrize(
    ("ratio", "size"),
    [("16:9", (960, 540)), ("9:16", (540, 960)), ("1:1", (960, 960)), ("3:2", (960, 640))],
)
def test_pictures_take_the_creation_aspect_ratio(ratio: str, size: tuple[int, int]) -> None:
    root = ET.fromstring(scene_card("T", "image", "x", index=0, count=1, ratio=ratio))  # noqa: S314
    assert (int(root.attrib["width"]), int(root.attrib["height"])) == size


def test_long_narration_is_cut_with_an_ellipsis_not_overflowing() -> None:
    svg = scene_card("T", "slides_video", "word " * 400, index=0, count=1)
    assert "…" in drawn_text(svg)
    root = ET.fromstring(svg)  # noqa: S314
    ys = [float(node.attrib["y"]) for node in root.iter(f"{SVG}text")]
    assert max(ys) <= 540


async def test_non_pictures_are_skipped_and_names_are_safe(tmp_path: Path) -> None:
    def serve(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith(".mp4"):
            return httpx.Response(200, headers={"content-type": "video/mp4"}, content=b"....")
        if request.url.path.endswith("missing.png"):
            return httpx.Response(404)
        return httpx.Response(200, headers={"content-type": "image/png"}, content=b"\x89PNG")

    detail = {
        "main_url": "https://cdn.example/v.mp4",
        "thumbnail_url": "https://cdn.example/cover.png",
        "scenes": [
            {"scene_id": "../../etc/passwd", "image_url": "https://cdn.example/s1.png"},
            {"scene_id": "s2", "image_url": "https://cdn.example/missing.png"},
        ],
    }
    assert list(picture_urls(detail)) == ["main", "cover", "scene-______etc_passwd", "scene-s2"]
    async with httpx.AsyncClient(transport=httpx.MockTransport(serve)) as http:
        saved = {s.name: s for s in await save_pictures(http, detail, tmp_path / "out")}
    assert saved["main"].skipped == "not a picture (video/mp4)"
    assert saved["scene-s2"].skipped == "HTTP 404"
    assert saved["cover"].path == tmp_path / "out" / "cover.png"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "cover.png",
        "scene-______etc_passwd.png",
    ]


async def test_the_api_key_is_never_sent_for_pictures(tmp_path: Path) -> None:
    seen: list[httpx.Headers] = []

    def serve(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers)
        return httpx.Response(200, headers={"content-type": "image/svg+xml"}, content=b"<svg/>")

    async with httpx.AsyncClient(transport=httpx.MockTransport(serve)) as http:
        await save_pictures(http, {"thumbnail_url": "https://cdn.example/c.svg"}, tmp_path)
    assert seen and all("x-kgp-api-key" not in h for h in seen)
