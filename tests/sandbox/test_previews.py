"""kp_tools.sandbox.previews: a creation's media URLs resolve to real pictures of its scenes."""

from __future__ import annotations

import httpx

from tests.conftest import MEMBER
from tests.sandbox.conftest import key


async def test_previews_are_real_svg_showing_the_scene_text(http: httpx.AsyncClient) -> None:
    created = (
        await http.post(
            "/creations",
            headers=key(MEMBER),
            json={"type": "slides_video", "prompt": "Owls hunt at night."},
        )
    ).json()
    detail = (await http.get(f"/creations/{created['creation_id']}", headers=key(MEMBER))).json()
    scene_url = detail["scenes"][0]["image_url"]
    picture = await http.get(scene_url)
    assert picture.headers["content-type"].startswith("image/svg+xml")
    assert picture.text.startswith("<svg") and "Owls hunt at night" in picture.text
