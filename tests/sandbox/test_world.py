"""kp_tools.sandbox.world: the emulated server's state can be saved and carried on."""

from __future__ import annotations

import httpx

from kp_tools import Sandbox
from kp_tools.sandbox import IN_PROCESS_BASE_URL
from kp_tools.sandbox.world import World
from tests.conftest import MEMBER
from tests.sandbox.conftest import key


async def test_a_restored_world_carries_on_where_the_snapshot_left_off() -> None:
    first = Sandbox()
    async with httpx.AsyncClient(transport=first.transport, base_url=IN_PROCESS_BASE_URL) as http:
        await http.post("/creations", headers=key(MEMBER), json={"type": "image", "prompt": "x"})
    restored = Sandbox(world=World.restore(first.world.snapshot()))
    async with httpx.AsyncClient(
        transport=restored.transport, base_url=IN_PROCESS_BASE_URL
    ) as http:
        again = await http.post(
            "/creations", headers=key(MEMBER), json={"type": "image", "prompt": "y"}
        )
        listed = (await http.get("/creations", headers=key(MEMBER))).json()
    assert again.json()["creation_id"] == 3  # ids 1 and 2 were the first creation and its job
    assert listed["total"] == 2
    assert restored.account(MEMBER).credits == 1000 - 4 - 4
