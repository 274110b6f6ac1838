"""``kp-tools demo``: the documented workflow, end to end, on the embedded sandbox."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.panel import Panel

from kp_tools.executor import Executor
from kp_tools.outcome import Outcome
from kp_tools.sandbox import Sandbox

DEMO_KEY = "kgp_sandbox_member"


def demo(
    job_seconds: Annotated[float, typer.Option(help="How long sandbox jobs take.")] = 3.0,
) -> None:
    """Verify the key, read the catalog, create a video, wait, read it, edit a scene, wait again."""
    asyncio.run(_walkthrough(Console(), job_seconds))


async def _walkthrough(console: Console, job_seconds: float) -> None:
    executor = Executor.for_sandbox(Sandbox(job_seconds=job_seconds))

    async def step(title: str, tool: str, arguments: dict[str, Any]) -> Outcome:
        console.rule(f"[bold]{title}[/bold]  {tool}({json.dumps(arguments)})")
        outcome = await executor.run(tool, arguments, api_key=DEMO_KEY)
        style = "green" if outcome.ok else "red"
        console.print(Panel(json.dumps(outcome.payload(), indent=2)[:1500], border_style=style))
        if not outcome.ok:
            raise typer.Exit(1)
        return outcome

    await step("1. Verify the key", "kp_me", {})
    await step("2. Read the catalog for one type", "kp_get_catalog", {"type": "slides_video"})
    created = await step(
        "3. Create a slide-based video",
        "kp_create_creation",
        {
            "type": "slides_video",
            "prompt": "How transformer attention works. Queries meet keys. Values are mixed.",
            "language": "en",
            "aspect_ratio": "16:9",
            "scene_count": 4,
        },
    )
    data = created.data or {}
    await step(
        "4. Wait for the job", "kp_get_job_status", {"job_id": data["job_id"], "wait_seconds": 30}
    )
    await step("5. Read the creation", "kp_get_creation", {"creation_id": data["creation_id"]})
    edit = await step(
        "6. Rewrite the narration of scene s2",
        "kp_edit_scene",
        {
            "creation_id": data["creation_id"],
            "scene_id": "s2",
            "action": "update_scene_narration",
            "narration_text": "Each query scores every key; softmax turns scores into weights.",
        },
    )
    await step(
        "7. Wait for the edit",
        "kp_get_job_status",
        {"job_id": (edit.data or {})["job_id"], "wait_seconds": 30},
    )
    await step("8. Read it again", "kp_get_creation", {"creation_id": data["creation_id"]})
    console.print("[bold green]Done:[/bold green] the whole workflow ran on the embedded sandbox.")
    await executor.aclose()
